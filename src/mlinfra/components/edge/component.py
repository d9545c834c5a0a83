"""The API's public name: ACM certificate, CloudFront (or a regional custom domain) and Route 53."""

from __future__ import annotations

from collections.abc import Mapping

from ...core.component import (
    Component,
    Export,
    Input,
    ModuleContext,
    Output,
    PlanRequest,
    ProviderConfig,
    RootOutput,
    Sinks,
    Wire,
)
from ...expr import Ref
from ...plan.parts import API, EDGE, EdgePlan
from .plan import edge_plan

US_EAST_1 = ProviderConfig(
    "us_east_1", "us-east-1", "CloudFront takes its certificate from ACM in us-east-1, whatever the platform's region."
)


class Edge(Component):
    name = EDGE.name

    def build(self, request: PlanRequest, parts: Mapping[str, object]) -> EdgePlan | None:
        if API.of(parts) is None:
            return None
        return edge_plan(request.config, request.prefix)

    def exports(self, part: EdgePlan) -> list[Export]:
        return [Export("edge.url", "edge", Output("url", "The API's public URL.", Ref("local.url")))]

    def provider_configs(self, part: EdgePlan) -> list[ProviderConfig]:
        return [US_EAST_1] if part.cloudfront else []

    def modules(self, part: EdgePlan, wire: Wire, sinks: Sinks) -> list[ModuleContext]:
        return [
            ModuleContext(
                key="edge",
                template="edge",
                summary=(
                    "CloudFront in front of the API, "
                    if part.cloudfront
                    else "A regional custom domain on API Gateway, "
                )
                + "its ACM certificate (DNS-validated) and the Route 53 name.",
                inputs={
                    "rest_api_id": wire.need("api.rest_api_id", "ID of the REST API behind the edge."),
                    "stage_name": wire.need("api.stage_name", "Stage of the REST API to serve."),
                    "domain_name": Input(part.domain, "The API's public name (certificate, alias, DNS record)."),
                    "zone_name": Input(part.zone, "Public Route 53 hosted zone the name is in."),
                    # CloudFront's origin is the API's execute-api host name, in the API's region.
                    **(
                        {
                            "region": Input(part.region, "Region of the REST API."),
                            "comment": Input(part.comment, "Comment of the CloudFront distribution."),
                        }
                        if part.cloudfront
                        else {}
                    ),
                },
                outputs=(),
                values={"edge": part},
                provider_aliases=(f"aws.{US_EAST_1.alias}",) if part.cloudfront else (),
            )
        ]

    def root_outputs(self, part: EdgePlan) -> list[RootOutput]:
        return [RootOutput("api_url", "The API's public URL (custom domain).", "edge.url")]
