"""Config → plan for the real-time path's network (the preprocessing, API, edge, cache and results plans
are their components')."""

from __future__ import annotations

from ..config.model import PlatformConfig
from .model import NetworkPlan


def network_plan(config: PlatformConfig, prefix: str) -> NetworkPlan | None:
    from .network import network_plan as plan  # the created VPC's plan lives with the endpoint naming

    return plan(config, prefix)
