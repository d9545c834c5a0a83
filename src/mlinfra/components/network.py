"""The preprocessing Lambdas' security group in the config's existing VPC."""

from __future__ import annotations

from collections.abc import Mapping

from ..expr import Ref
from ..plan import realtime
from ..plan.model import NetworkPlan
from .base import Component, Input, Export, ModuleContext, Output, PlanRequest, Sinks, Wire


class Network(Component):
    name = "network"

    def build(self, request: PlanRequest, parts: Mapping[str, object]) -> NetworkPlan | None:
        # Only the Lambdas live in it (the cache brings its own security group).
        if not (request.config.routes and request.config.preprocessing):
            return None
        return realtime.network_plan(request.config, request.prefix)

    def exports(self, part: NetworkPlan) -> list[Export]:
        out = Output("lambda_security_group_id", "Security group of the preprocessing Lambdas.", Ref("aws_security_group.lambda.id"))
        return [Export("network.lambda_security_group_id", "network", out)]

    def modules(self, part: NetworkPlan, wire: Wire, sinks: Sinks) -> list[ModuleContext]:
        return [
            ModuleContext(
                key="network",
                template="network",
                summary="The security group of the preprocessing Lambdas in the existing VPC.",
                inputs={
                    "vpc_id": Input(part.vpc_id, "The existing VPC the Lambdas run in."),
                    "security_group_name": Input(part.security_group_name, "Name of the Lambdas' security group."),
                },
                outputs=(),
            )
        ]
