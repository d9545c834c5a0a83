"""The edge's plan: the API's public name (domain, hosted zone) and whether CloudFront fronts it, from the
``api`` section."""

from __future__ import annotations

from ...config.shapes import PlatformConfig
from ...plan.parts import EdgePlan
from ..api.section import SECTION as API_SECTION
from ..preprocessing.section import ROUTES


def edge_plan(config: PlatformConfig, prefix: str) -> EdgePlan | None:
    api = API_SECTION.of(config)
    if api is None or not ROUTES.of(config) or api.domain is None or api.hosted_zone is None:
        return None  # no public name: the API is served on its execute-api URL
    region = config.project.region
    return EdgePlan(
        domain=api.domain,
        zone=api.hosted_zone,
        cloudfront=api.cloudfront,
        stage=api.stage,
        region=region,
        comment=f"mlinfra {prefix}: inference API",
    )
