"""The S3 bucket that receives SageMaker data capture, present when an endpoint captures into it (not into
a ``destination`` of its own) or Model Monitor keeps its reports and analysis configurations there."""

from __future__ import annotations

from collections.abc import Mapping

from ...config.section import has
from ...core.component import Component, Export, Input, ModuleContext, Output, PlanRequest, RootOutput, Sinks, Wire
from ...expr import Ref
from ...naming import global_prefix
from ...plan.parts import CAPTURE_BUCKET, ENDPOINTS, INFERENCE_COMPONENTS, CaptureBucketPlan
from .plan import capture_bucket_plan


class CaptureBucket(Component):
    name = CAPTURE_BUCKET.name

    def build(self, request: PlanRequest, parts: Mapping[str, object]) -> CaptureBucketPlan | None:
        endpoints, components = ENDPOINTS.of(parts), INFERENCE_COMPONENTS.of(parts)
        captures = tuple(ep.label for ep in components.endpoints if ep.uses_capture_bucket) if components else ()
        # Model Monitor's reports and Clarify's analysis configurations live in this bucket (monitoring/),
        # also when the monitored endpoints capture into buckets of their own. (A component may read
        # another's section: the user's config is public; its plan and layout are not.)
        mon = None
        if has(request.config, "monitoring"):  # without the section, not even its module is imported
            from ..monitoring.section import SECTION as MONITORING

            mon = MONITORING.of(request.config)
        reports = tuple(
            m.endpoint
            for m in (mon.endpoints if mon is not None else ())
            if any(getattr(m, k) is not None for k in ("data_quality", "model_quality", "bias", "feature_attribution"))
        )
        # Bucket names are global: the region's code in it.
        return capture_bucket_plan(
            global_prefix(request.prefix, request.config.project.region),
            endpoints.endpoints if endpoints is not None else (),
            captures,
            reports,
        )

    def exports(self, part: CaptureBucketPlan) -> list[Export]:
        return [
            Export(
                "capture_bucket.bucket",
                "capture_bucket",
                Output("bucket", "Name of the data capture bucket.", Ref("aws_s3_bucket.this.bucket")),
            ),
            Export(
                "capture_bucket.arn",
                "capture_bucket",
                Output("arn", "ARN of the data capture bucket.", Ref("aws_s3_bucket.this.arn")),
            ),
        ]

    def modules(self, part: CaptureBucketPlan, wire: Wire, sinks: Sinks) -> list[ModuleContext]:
        return [
            ModuleContext(
                key="capture_bucket",
                template="capture_bucket",
                summary=(
                    "The S3 bucket that receives SageMaker data capture (KMS-encrypted, private, TLS-only, expiring)."
                    if part.holds_captures
                    else "The S3 bucket of Model Monitor's reports and analysis configurations (the endpoints capture into destinations of their own; KMS-encrypted, private, TLS-only, expiring)."
                ),
                inputs={
                    "kms_key_arn": wire.need("kms.key_arn"),
                    "name_prefix": Input(
                        part.name_prefix, "Bucket name before the account ID (which makes it globally unique)."
                    ),
                    "retention_days": Input(
                        part.retention_days, "Days captured data is kept (noncurrent versions: 7).", "number"
                    ),
                    "expiring_prefixes": Input(
                        list(part.expiring_prefixes),
                        "Prefixes whose objects expire after retention_days: the captures and the monitoring reports, not the analysis configurations the jobs read.",
                        "list(string)",
                    ),
                },
                outputs=(),
            )
        ]

    def root_outputs(self, part: CaptureBucketPlan) -> list[RootOutput]:
        return [RootOutput("capture_bucket", "Bucket receiving SageMaker data capture.", "capture_bucket.bucket")]
