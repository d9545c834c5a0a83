"""The S3 bucket that receives SageMaker data capture, present when an endpoint captures."""

from __future__ import annotations

from collections.abc import Mapping

from ..expr import Ref
from ..plan.build import capture_bucket_plan
from ..plan.model import CaptureBucketPlan, EndpointsPlan
from .base import Component, Input, Export, ModuleContext, Output, PlanRequest, RootOutput, Sinks, Wire


class CaptureBucket(Component):
    name = "capture_bucket"

    def build(self, request: PlanRequest, parts: Mapping[str, object]) -> CaptureBucketPlan | None:
        endpoints = parts.get("endpoint")
        return capture_bucket_plan(request.prefix, endpoints.endpoints) if isinstance(endpoints, EndpointsPlan) else None

    def exports(self, part: CaptureBucketPlan) -> list[Export]:
        return [
            Export("capture_bucket.bucket", "capture_bucket", Output("bucket", "Name of the data capture bucket.", Ref("aws_s3_bucket.this.bucket"))),
            Export("capture_bucket.arn", "capture_bucket", Output("arn", "ARN of the data capture bucket.", Ref("aws_s3_bucket.this.arn"))),
        ]

    def modules(self, part: CaptureBucketPlan, wire: Wire, sinks: Sinks) -> list[ModuleContext]:
        return [
            ModuleContext(
                key="capture_bucket",
                template="capture_bucket",
                summary="The S3 bucket that receives SageMaker data capture (KMS-encrypted, private, TLS-only, expiring).",
                inputs={
                    "kms_key_arn": wire.need("kms.key_arn"),
                    "name_prefix": Input(part.name_prefix, "Bucket name before the account ID (which makes it globally unique)."),
                    "retention_days": Input(part.retention_days, "Days captured data is kept (noncurrent versions: 7).", "number"),
                },
                outputs=(),
            )
        ]

    def root_outputs(self, part: CaptureBucketPlan) -> list[RootOutput]:
        return [RootOutput("capture_bucket", "Bucket receiving SageMaker data capture.", "capture_bucket.bucket")]
