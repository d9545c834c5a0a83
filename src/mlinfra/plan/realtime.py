"""Config → plan for the real-time path: the edge (CloudFront, ACM, Route 53) and the network (the
preprocessing Lambdas', the API's, the cache's and the results table's plans are their components')."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..config.model import PlatformConfig
from .model import EdgePlan, NetworkPlan

if TYPE_CHECKING:
    from ..components.api.section import Api
    from ..components.preprocessing.section import Route


def network_plan(config: PlatformConfig, prefix: str) -> NetworkPlan | None:
    from .network import network_plan as plan  # the created VPC's plan lives with the endpoint naming

    return plan(config, prefix)


def edge_plan(config: PlatformConfig, api: Api | None, routes: list[Route], prefix: str) -> EdgePlan | None:
    if api is None or not routes:
        return None
    region = config.project.region
    return EdgePlan(
        domain=api.domain,
        zone=api.hosted_zone,
        cloudfront=api.cloudfront,
        stage=api.stage,
        region=region,
        comment=f"mlinfra {prefix}: inference API",
    )
