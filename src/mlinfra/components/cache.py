"""ElastiCache (Redis OSS) prediction cache in the VPC, reachable only from its clients' security group."""

from __future__ import annotations

from collections.abc import Mapping

from ..expr import Ref
from ..plan import realtime
from ..plan.model import CachePlan
from .base import RANDOM, AWS, Component, Export, ModuleContext, Output, PlanRequest, RootOutput, Sinks, Wire


class Cache(Component):
    name = "cache"
    providers = (AWS, RANDOM)  # the AUTH token is a random_password

    def build(self, request: PlanRequest, parts: Mapping[str, object]) -> CachePlan | None:
        return realtime.cache_plan(request.config, request.prefix)

    def exports(self, part: CachePlan) -> list[Export]:
        return [
            Export("cache.primary_endpoint", "cache", Output("primary_endpoint", "Address of the cache's primary endpoint.", Ref("aws_elasticache_replication_group.this.primary_endpoint_address"))),
            Export("cache.port", "cache", Output("port", "Port of the cache.", Ref("aws_elasticache_replication_group.this.port"))),
            Export("cache.auth_secret_arn", "cache", Output("auth_secret_arn", "ARN of the secret holding the cache's AUTH token.", Ref("aws_secretsmanager_secret.auth.arn"))),
        ]

    def modules(self, part: CachePlan, wire: Wire, sinks: Sinks) -> list[ModuleContext]:
        inputs = {"kms_key_arn": wire.need("kms.key_arn")}
        clients = wire.has("network.lambda_security_group_id")
        if clients:
            inputs["clients_security_group_id"] = wire.need("network.lambda_security_group_id", "Security group of the cache's clients (the preprocessing Lambdas).")
        return [
            ModuleContext(
                key="cache",
                template="cache",
                summary="ElastiCache (Redis OSS) prediction cache: encrypted at rest and in transit, AUTH token in Secrets Manager.",
                inputs=inputs,
                outputs=(),
                values={"cache": part, "has_clients": clients},
                providers=self.providers,
            )
        ]

    def root_outputs(self, part: CachePlan) -> list[RootOutput]:
        return [RootOutput("cache_endpoint", "Primary endpoint of the prediction cache.", "cache.primary_endpoint")]
