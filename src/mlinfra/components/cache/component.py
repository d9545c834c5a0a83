"""ElastiCache (Redis OSS) prediction cache in the VPC, reachable only from its clients' security group."""

from __future__ import annotations

from collections.abc import Mapping

from ...core.component import (
    AWS,
    RANDOM,
    Component,
    Export,
    Input,
    ModuleContext,
    Output,
    PlanRequest,
    RootOutput,
    Sinks,
    Wire,
    object_type,
)
from ...expr import Ref
from ...plan.parts import CACHE, NETWORK, CachePlan
from .plan import cache_plan

_CACHE_TYPE = object_type(
    replication_group_id="string",
    description="string",
    node_type="string",
    engine_version="string",
    parameter_group_name="string",
    num_cache_clusters="number",
    automatic_failover="bool",
    port="number",
    vpc_id="string",
    subnet_ids="list(string)",
    subnet_group_name="string",
    security_group_name="string",
    secret_name="string",
)


class Cache(Component):
    name = CACHE.name
    providers = (AWS, RANDOM)  # the AUTH token is a random_password

    def build(self, request: PlanRequest, parts: Mapping[str, object]) -> CachePlan | None:
        return cache_plan(request.config, request.prefix, NETWORK.of(parts))

    def exports(self, part: CachePlan) -> list[Export]:
        return [
            Export(
                "cache.primary_endpoint",
                "cache",
                Output(
                    "primary_endpoint",
                    "Address of the cache's primary endpoint.",
                    Ref("aws_elasticache_replication_group.this.primary_endpoint_address"),
                ),
            ),
            Export(
                "cache.port",
                "cache",
                Output("port", "Port of the cache.", Ref("aws_elasticache_replication_group.this.port")),
            ),
            Export(
                "cache.auth_secret_arn",
                "cache",
                Output(
                    "auth_secret_arn",
                    "ARN of the secret holding the cache's AUTH token.",
                    Ref("aws_secretsmanager_secret.auth.arn"),
                ),
            ),
        ]

    def modules(self, part: CachePlan, wire: Wire, sinks: Sinks) -> list[ModuleContext]:
        settings = {
            "replication_group_id": part.replication_group_id,
            "description": part.description,
            "node_type": part.node_type,
            "engine_version": part.engine_version,
            "parameter_group_name": part.parameter_group,
            "num_cache_clusters": part.num_cache_clusters,
            "automatic_failover": part.failover,
            "port": part.port,
            # The network module's: a created VPC's IDs are known after apply, an existing one's pass through.
            "vpc_id": wire.ref("network.vpc_id"),
            "subnet_ids": wire.ref("network.private_subnet_ids"),
            "subnet_group_name": part.subnet_group_name,
            "security_group_name": part.security_group_name,
            "secret_name": part.secret_name,
        }
        inputs = {
            "kms_key_arn": wire.need("kms.key_arn"),
            "cache": Input(
                settings,
                "The replication group (automatic failover and Multi-AZ need a replica), its network and its AUTH secret.",
                _CACHE_TYPE,
            ),
        }
        clients = wire.has("network.security_group.lambda")
        if clients:
            inputs["clients_security_group_id"] = wire.need(
                "network.security_group.lambda", "Security group of the cache's clients (the preprocessing Lambdas)."
            )
        return [
            ModuleContext(
                key="cache",
                template="cache",
                summary="ElastiCache (Redis OSS) prediction cache: encrypted at rest and in transit, AUTH token in Secrets Manager.",
                inputs=inputs,
                outputs=(),
                values={"has_clients": clients},
                providers=self.providers,
            )
        ]

    def root_outputs(self, part: CachePlan) -> list[RootOutput]:
        return [RootOutput("cache_endpoint", "Primary endpoint of the prediction cache.", "cache.primary_endpoint")]
