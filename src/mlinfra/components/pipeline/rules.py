"""Rules of the ``pipeline`` section: what the pipeline needs from the rest of the config."""

from __future__ import annotations

from collections.abc import Iterator

from ...config.rules import Violation
from ...config.shapes import PlatformConfig
from ..monitoring.section import SECTION as MONITORING
from ..registry.section import SECTION as REGISTRY
from .section import SECTION


def pipeline_needs(config: PlatformConfig) -> Iterator[Violation]:
    """The registry (the image's repository), a shared state (each build starts empty), one approver
    channel, and an endpoint to canary."""
    p = SECTION.of(config)
    if p is None:
        return
    if REGISTRY.of(config) is None:
        yield Violation(
            ("pipeline",),
            "the pipeline pushes the image to the registry's ECR repository: add a registry section",
            "pipeline-needs-registry",
        )
    if config.state is None:
        yield Violation(
            ("pipeline",),
            "the pipeline's Plan and Apply stages run in fresh CodeBuild containers: add a state section (an S3 backend) so they share the Terraform state",
            "pipeline-needs-state",
        )
    a = p.approvers
    if bool(a.emails) == a.alert_topic:
        yield Violation(
            ("pipeline", "approvers"),
            "approvers is either emails (a list of addresses) or alert_topic: true (the monitoring section's topic), exactly one",
            "pipeline-approvers",
        )
    if a.alert_topic and MONITORING.of(config) is None:
        yield Violation(
            ("pipeline", "approvers", "alert_topic"),
            "alert_topic reuses the monitoring section's alerts topic: add a monitoring section, or list emails",
            "pipeline-alert-topic",
        )
    names = [ep.name for ep in config.endpoints]
    c = p.canary
    if c.endpoint is None:
        if len(names) != 1:
            yield Violation(
                ("pipeline", "canary"),
                f"the config has {len(names)} endpoints: name the one the canary stage promotes (canary.endpoint: one of {', '.join(names) or 'none'})",
                "pipeline-canary-endpoint",
            )
    elif c.endpoint not in names:
        yield Violation(
            ("pipeline", "canary", "endpoint"),
            f"endpoint {c.endpoint} is not listed under endpoints (listed: {', '.join(names) or 'none'})",
            "pipeline-canary-endpoint",
        )
    target = next(
        (ep for ep in config.endpoints if ep.name == (c.endpoint or (names[0] if len(names) == 1 else None))), None
    )
    if target is not None and target.kind == "components":
        yield Violation(
            ("pipeline", "canary", "endpoint"),
            f"endpoint {target.name} serves inference components, which have no variant weights to shift: the "
            "canary stage promotes an endpoint with production variants; name one (canary.endpoint)",
            "pipeline-canary-variant",
        )
    elif target is not None and c.variant not in (variants := [v.name for v in target.variants]):
        # promote shifts weights between production variants: without the variant the stage always fails.
        yield Violation(
            ("pipeline", "canary", "variant"),
            f"endpoint {target.name} has no variant {c.variant} (its variants: {', '.join(variants)}): the canary "
            f"stage shifts {c.percent:g} % of its traffic to that variant; add a variant {c.variant} serving the "
            "new version, or name the one that does (canary.variant)",
            "pipeline-canary-variant",
        )
    if p.source.connection_arn is not None:
        region = p.source.connection_arn.split(":")[3]
        if region != config.project.region:
            yield Violation(
                ("pipeline", "source", "connection_arn"),
                f"the connection is in {region}; CodePipeline uses a connection of its own region ({config.project.region})",
                "pipeline-connection-region",
            )


RULES = (pipeline_needs,)
