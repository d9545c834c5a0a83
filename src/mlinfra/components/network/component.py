"""The platform's network: a VPC it creates (private subnets, VPC endpoints, flow logs, no internet
gateway; the flow logs in a module of their own) or an existing VPC, and the security groups the
components request in it.

Interface endpoints come from the components that need them (``sinks.vpc_endpoints``); a created VPC
gets those and the config's ``interface_endpoints``, an existing VPC only the config's (it may already
have its own). Security groups come from ``sinks.security_groups``: each is created without ingress,
with HTTPS egress to the VPC endpoints (to anywhere in an existing VPC, whose routes mlinfra does not
know), admitted by the interface endpoints, and exported as ``network.security_group.<name>``.
Consumers take ``network.vpc_id`` and ``network.private_subnet_ids`` in either case.
"""

from __future__ import annotations

from collections.abc import Mapping

from ...core.component import Component, Export, Input, ModuleContext, Output, PlanRequest, Sinks, Wire, object_type
from ...core.logs import logs_key_statement
from ...expr import Ref
from ...plan.parts import NETWORK, NetworkPlan
from .plan import endpoint_service_name, network_plan, security_group_name

_SUBNETS_TYPE = "map(" + object_type(cidr="string", zone_index="number", name="string") + ")"
_VPC_TYPE = object_type(name="string", cidr="string", route_table_name="string")
_FLOW_LOGS_TYPE = object_type(log_group_name="string", retention_days="number", role_name="string")
_SECURITY_GROUPS_TYPE = "map(" + object_type(name="string", description="string") + ")"


class Network(Component):
    name = NETWORK.name

    def build(self, request: PlanRequest, parts: Mapping[str, object]) -> NetworkPlan | None:
        return network_plan(request.config, request.prefix)

    def contribute(self, part: NetworkPlan, sinks: Sinks) -> None:
        if part.vpc is not None and part.vpc.flow_log_group is not None:
            sinks.add_key_policy(logs_key_statement(part.region))  # the flow log group is encrypted

    def exports(self, part: NetworkPlan) -> list[Export]:
        out = [
            Export(
                "network.vpc_id",
                "network",
                Output(
                    "vpc_id",
                    "ID of the platform's VPC.",
                    Ref("aws_vpc.this.id" if part.vpc is not None else "var.vpc_id"),
                ),
            ),
            Export(
                "network.private_subnet_ids",
                "network",
                Output(
                    "private_subnet_ids",
                    "IDs of the VPC's private subnets, one per Availability Zone.",
                    Ref("local.private_subnet_ids"),
                ),
            ),
        ]
        if part.vpc is not None:
            out.append(
                Export(
                    "network.vpc_endpoints_security_group_id",
                    "network",
                    Output(
                        "vpc_endpoints_security_group_id",
                        "Security group of the VPC's interface endpoints.",
                        Ref("aws_security_group.endpoints.id"),
                    ),
                )
            )
        return out

    def sink_exports(self, part: NetworkPlan, sinks: Sinks) -> list[Export]:
        return [
            Export(
                f"network.security_group.{name}",
                "network",
                Output(
                    f"{name}_security_group_id",
                    f"ID of the security group {security_group_name(part.prefix, name)} ({request.description}).",
                    Ref(f'aws_security_group.this["{name}"].id'),
                ),
            )
            for name, request in sinks.security_groups.requested().items()
        ]

    def _interface_endpoints(self, part: NetworkPlan, sinks: Sinks) -> dict[str, str]:
        services = set(part.interface_endpoints)
        if part.vpc is not None:
            services |= set(sinks.vpc_endpoints.requested())
        return {s: endpoint_service_name(part.region, s) for s in sorted(services)}

    def _security_groups(self, part: NetworkPlan, sinks: Sinks) -> dict[str, dict[str, str]]:
        groups = {
            name: {"name": security_group_name(part.prefix, name), "description": r.description}
            for name, r in sinks.security_groups.requested().items()
        }
        names = [g["name"] for g in groups.values()] + [part.endpoints_security_group_name]
        assert len(set(names)) == len(names), f"two security groups share an AWS name: {sorted(names)}"
        return groups

    def modules(self, part: NetworkPlan, wire: Wire, sinks: Sinks) -> list[ModuleContext]:
        interface = self._interface_endpoints(part, sinks)
        groups = self._security_groups(part, sinks)
        created = part.vpc is not None
        inputs: dict[str, Input] = {}
        if groups:
            inputs["security_groups"] = Input(
                groups,
                "Security groups the platform's components run in, by request name: no ingress, HTTPS egress to AWS APIs.",
                _SECURITY_GROUPS_TYPE,
            )
        if interface:
            inputs["interface_endpoints"] = Input(
                interface, "Interface endpoints (private DNS), service → service name.", "map(string)"
            )
        if interface or created:
            inputs["endpoints_security_group_name"] = Input(
                part.endpoints_security_group_name, "Name of the interface endpoints' security group."
            )
        if part.vpc is not None:
            v = part.vpc
            inputs["vpc"] = Input(
                {"name": v.name, "cidr": v.cidr, "route_table_name": v.route_table_name},
                "The VPC and its private route table.",
                _VPC_TYPE,
            )
            inputs["private_subnets"] = Input(
                {s.cidr: {"cidr": s.cidr, "zone_index": s.zone_index, "name": s.name} for s in v.subnets},
                "Private subnets by CIDR, each in its own Availability Zone (index into the region's zones).",
                _SUBNETS_TYPE,
            )
            inputs["gateway_endpoints"] = Input(
                dict(v.gateway_endpoints),
                "Gateway endpoints on the private route table, service → service name.",
                "map(string)",
            )
        else:
            inputs["vpc_id"] = Input(part.vpc_id, "The existing VPC.")
            inputs["subnet_ids"] = Input(
                list(part.subnet_ids),
                "The existing VPC's private subnets (of the interface endpoints and the components).",
                "list(string)",
            )
        network = [
            ModuleContext(
                key="network",
                template="network",
                summary=(
                    "The platform's VPC: private subnets, VPC endpoints, no internet gateway; the components' security groups."
                    if created
                    else "The components' security groups in the existing VPC"
                    + (" and its interface endpoints." if interface else ".")
                ),
                inputs=inputs,
                outputs=(),
                values={
                    "created": created,
                    "groups": bool(groups),
                    "interface": bool(interface),
                    "flow_logs": part.vpc is not None and part.vpc.flow_log_group is not None,
                },
                instances=self._instances(part, interface, groups),
                moved=self._moved(part, groups),
            )
        ]
        if part.vpc is None or part.vpc.flow_log_group is None:
            return network
        v = part.vpc
        return [
            *network,
            ModuleContext(
                key="flow_logs",
                template="network/flow_logs",
                summary="The VPC's flow logs: a KMS-encrypted log group and the role the VPC Flow Logs service writes with.",
                inputs={
                    "vpc_id": wire.need("network.vpc_id", "The VPC whose traffic is logged."),
                    "kms_key_arn": wire.need("kms.key_arn"),
                    "flow_logs": Input(
                        {
                            "log_group_name": v.flow_log_group,
                            "retention_days": v.flow_log_retention_days,
                            "role_name": v.flow_log_role_name,
                        },
                        "The VPC flow logs' log group and the role that writes to it.",
                        _FLOW_LOGS_TYPE,
                    ),
                },
                outputs=(),
                # Earlier renders kept them in the network module (whose KMS input made everything in the VPC wait for the key).
                moved_in=tuple(
                    (f"module.network.{old}", f"module.flow_logs.{new}")
                    for old, new in (
                        ("aws_cloudwatch_log_group.flow_logs", "aws_cloudwatch_log_group.this"),
                        ("aws_iam_role.flow_logs", "aws_iam_role.this"),
                        ("aws_iam_role_policy.flow_logs", "aws_iam_role_policy.this"),
                        ("aws_flow_log.this", "aws_flow_log.this"),
                    )
                ),
            ),
        ]

    @staticmethod
    def _moved(part: NetworkPlan, groups: Mapping[str, object]) -> tuple[tuple[str, str], ...]:
        """Earlier renders had one hand-written group, for the preprocessing Lambdas."""
        if "lambda" not in groups:
            return ()
        moved = [("aws_security_group.lambda", 'aws_security_group.this["lambda"]')]
        if part.vpc is not None:
            moved += [
                (
                    "aws_vpc_security_group_ingress_rule.endpoints_from_lambdas",
                    'aws_vpc_security_group_ingress_rule.endpoints["lambda"]',
                ),
                (
                    "aws_vpc_security_group_egress_rule.https_endpoints",
                    'aws_vpc_security_group_egress_rule.https_endpoints["lambda"]',
                ),
                *(
                    (
                        f'aws_vpc_security_group_egress_rule.https_gateways["{s}"]',
                        f'aws_vpc_security_group_egress_rule.https_gateways["lambda.{s}"]',
                    )
                    for s, _ in part.vpc.gateway_endpoints
                ),
            ]
        else:
            if part.interface_endpoints:
                moved.append(
                    (
                        "aws_vpc_security_group_ingress_rule.endpoints_from_lambdas",
                        'aws_vpc_security_group_ingress_rule.endpoints["lambda"]',
                    )
                )
            moved.append(
                ("aws_vpc_security_group_egress_rule.https", 'aws_vpc_security_group_egress_rule.https["lambda"]')
            )
        return tuple(moved)

    @staticmethod
    def _instances(part: NetworkPlan, interface: dict[str, str], groups: Mapping[str, object]) -> dict[str, int]:
        subnets = len(part.vpc.subnets) if part.vpc else 0
        gateways = len(part.vpc.gateway_endpoints) if part.vpc else 0
        return {
            "var.interface_endpoints": len(interface),
            "var.private_subnets": subnets,
            "var.gateway_endpoints": gateways,
            "var.security_groups": len(groups),
            "local.gateway_egress": len(groups) * gateways,
        }
