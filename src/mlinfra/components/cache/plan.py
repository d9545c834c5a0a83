"""The prediction cache's plan: its replication group, parameter group and names."""

from __future__ import annotations

from ...config.shapes import PlatformConfig
from ...plan.parts import CachePlan, NetworkPlan
from .section import SECTION


def cache_plan(config: PlatformConfig, prefix: str, network: NetworkPlan | None) -> CachePlan | None:
    c = SECTION.of(config)
    if c is None or network is None:  # rules: a cache needs a network
        return None
    major = c.engine_version.split(".")[0]
    return CachePlan(
        replication_group_id=f"{prefix}-predictions"[:40].rstrip("-"),
        description=f"mlinfra {prefix}: prediction cache of the preprocessing Lambdas",
        node_type=c.node_type,
        engine_version=c.engine_version,
        parameter_group=f"default.redis{major}",
        num_cache_clusters=1 + c.replicas,
        failover=c.replicas > 0,
        subnet_group_name=f"{prefix}-cache",
        security_group_name=f"{prefix}-cache",
        secret_name=f"{prefix}/cache-auth-token",
    )
