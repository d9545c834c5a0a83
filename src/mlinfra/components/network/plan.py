"""The network's plan: an existing VPC or a created one, the names of VPC endpoint services and of the
security groups the components request.

VPC endpoint service names are reverse DNS: ``com.amazonaws.<region>.<service>``. In the China regions
most interface endpoint services are ``cn.com.amazonaws.<region>.<service>``, while the S3 and DynamoDB
gateway endpoints keep ``com.amazonaws.<region>.<service>``.
"""

from __future__ import annotations

from ...config.shapes import PlatformConfig
from ...naming import global_prefix
from ...plan.parts import NetworkPlan, SubnetPlan, VpcPlan
from ...regions import partition_of
from .section import SECTION

GATEWAY_SERVICES = ("dynamodb", "s3")


def endpoint_service_name(region: str, service: str, gateway: bool = False) -> str:
    """``com.amazonaws.eu-west-1.sagemaker.runtime``; ``cn.com.amazonaws.cn-north-1.ecr.api`` in China."""
    prefix = "cn.com.amazonaws" if partition_of(region) == "aws-cn" and not gateway else "com.amazonaws"
    return f"{prefix}.{region}.{service}"


def network_plan(config: PlatformConfig, prefix: str) -> NetworkPlan | None:
    n = SECTION.of(config)
    if n is None:
        return None
    region = config.project.region
    vpc = None
    if n.create is not None:
        vpc = VpcPlan(
            name=prefix,
            cidr=n.create.cidr,
            subnets=tuple(
                SubnetPlan(cidr, i, f"{prefix}-private-{i + 1}") for i, cidr in enumerate(n.create.private_subnets)
            ),
            route_table_name=f"{prefix}-private",
            flow_log_group=f"/aws/vpc-flow-logs/{prefix}" if n.flow_logs.enabled else None,
            flow_log_retention_days=n.flow_logs.retention_days,
            flow_log_role_name=f"{global_prefix(prefix, region)}-vpc-flow-logs",  # IAM names are per account
            gateway_endpoints=tuple((s, endpoint_service_name(region, s, gateway=True)) for s in GATEWAY_SERVICES),
        )
    return NetworkPlan(
        vpc_id=n.vpc_id,
        subnet_ids=tuple(n.private_subnet_ids or ()),
        prefix=prefix,
        vpc=vpc,
        region=region,
        endpoints_security_group_name=f"{prefix}-vpc-endpoints",
        interface_endpoints=tuple(sorted(set(n.interface_endpoints))),
    )


# Groups requested before the security-group sink existed keep their AWS names: a security group's name
# cannot change in place (a rename replaces the group and every network interface in it).
_EARLIER_GROUP_NAMES = {"lambda": "preprocessing"}


def security_group_name(prefix: str, request: str) -> str:
    """AWS name of the security group a component requests (``"batch"`` → ``"<prefix>-batch"``)."""
    return f"{prefix}-{_EARLIER_GROUP_NAMES.get(request, request).replace('_', '-')}"
