"""The platform's network: a VPC it creates (private subnets, VPC endpoints, flow logs, no internet
gateway) or an existing VPC, and the preprocessing Lambdas' security group in it.

Interface endpoints come from the components that need them (``sinks.vpc_endpoints``); a created VPC
gets those and the config's ``interface_endpoints``, an existing VPC only the config's (it may already
have its own).
"""

from __future__ import annotations

from collections.abc import Mapping

from ..expr import Ref
from ..plan import realtime
from ..plan.model import NetworkPlan
from ..plan.network import endpoint_service_name
from ..plan.realtime import logs_key_statement
from .base import Component, Export, Input, ModuleContext, Output, PlanRequest, Sinks, Wire, object_type

_SUBNETS_TYPE = "map(" + object_type(cidr="string", zone_index="number", name="string") + ")"
_VPC_TYPE = object_type(name="string", cidr="string", route_table_name="string")
_FLOW_LOGS_TYPE = object_type(log_group_name="string", retention_days="number", role_name="string")


class Network(Component):
    name = "network"

    def build(self, request: PlanRequest, parts: Mapping[str, object]) -> NetworkPlan | None:
        return realtime.network_plan(request.config, request.prefix)

    def contribute(self, part: NetworkPlan, sinks: Sinks) -> None:
        if part.vpc is not None and part.vpc.flow_log_group is not None:
            sinks.add_key_policy(logs_key_statement(part.region))  # the flow log group is encrypted

    def exports(self, part: NetworkPlan) -> list[Export]:
        out: list[Export] = []
        if part.security_group_name is not None:
            out.append(Export("network.lambda_security_group_id", "network", Output("lambda_security_group_id", "Security group of the preprocessing Lambdas.", Ref("aws_security_group.lambda.id"))))
        if part.vpc is not None:
            out += [
                Export("network.vpc_id", "network", Output("vpc_id", "ID of the platform's VPC.", Ref("aws_vpc.this.id"))),
                Export("network.private_subnet_ids", "network", Output("private_subnet_ids", "IDs of the VPC's private subnets, one per Availability Zone.", Ref("local.private_subnet_ids"))),
                Export("network.vpc_endpoints_security_group_id", "network", Output("vpc_endpoints_security_group_id", "Security group of the VPC's interface endpoints.", Ref("aws_security_group.endpoints.id"))),
            ]
        return out

    def _interface_endpoints(self, part: NetworkPlan, sinks: Sinks) -> dict[str, str]:
        services = set(part.interface_endpoints)
        if part.vpc is not None:
            services |= set(sinks.vpc_endpoints.requested())
        return {s: endpoint_service_name(part.region, s) for s in sorted(services)}

    def modules(self, part: NetworkPlan, wire: Wire, sinks: Sinks) -> list[ModuleContext]:
        lambdas = part.security_group_name is not None
        interface = self._interface_endpoints(part, sinks)
        inputs: dict[str, Input] = {}
        if lambdas:
            inputs["security_group_name"] = Input(part.security_group_name, "Name of the Lambdas' security group.")
        if interface:
            inputs["interface_endpoints"] = Input(interface, "Interface endpoints (private DNS), service → service name.", "map(string)")
        if interface or part.vpc is not None:
            inputs["endpoints_security_group_name"] = Input(part.endpoints_security_group_name, "Name of the interface endpoints' security group.")
        flow_logs = False
        if part.vpc is not None:
            v = part.vpc
            inputs["vpc"] = Input({"name": v.name, "cidr": v.cidr, "route_table_name": v.route_table_name}, "The VPC and its private route table.", _VPC_TYPE)
            inputs["private_subnets"] = Input({s.cidr: {"cidr": s.cidr, "zone_index": s.zone_index, "name": s.name} for s in v.subnets}, "Private subnets by CIDR, each in its own Availability Zone (index into the region's zones).", _SUBNETS_TYPE)
            inputs["gateway_endpoints"] = Input(dict(v.gateway_endpoints), "Gateway endpoints on the private route table, service → service name.", "map(string)")
            if v.flow_log_group is not None:
                flow_logs = True
                inputs["flow_logs"] = Input({"log_group_name": v.flow_log_group, "retention_days": v.flow_log_retention_days, "role_name": v.flow_log_role_name}, "The VPC flow logs' log group and the role that writes to it.", _FLOW_LOGS_TYPE)
                inputs["kms_key_arn"] = wire.need("kms.key_arn")
        else:
            inputs["vpc_id"] = Input(part.vpc_id, "The existing VPC.")
            if interface:
                inputs["subnet_ids"] = Input(list(part.subnet_ids), "Private subnets of the interface endpoints.", "list(string)")
        created = part.vpc is not None
        return [
            ModuleContext(
                key="network",
                template="network",
                summary=(
                    "The platform's VPC: private subnets, VPC endpoints, flow logs, no internet gateway; the Lambdas' security group."
                    if created
                    else "The security group of the preprocessing Lambdas in the existing VPC."
                ),
                inputs=inputs,
                outputs=(),
                values={"created": created, "lambdas": lambdas, "interface": bool(interface), "flow_logs": flow_logs},
                instances=self._instances(part, interface),
            )
        ]

    @staticmethod
    def _instances(part: NetworkPlan, interface: dict[str, str]) -> dict[str, int]:
        subnets = len(part.vpc.subnets) if part.vpc else 0
        gateways = len(part.vpc.gateway_endpoints) if part.vpc else 0
        return {
            "var.interface_endpoints": len(interface),
            "var.private_subnets": subnets,
            "var.gateway_endpoints": gateways,
        }
