"""Rules of the ``batch`` section (kept apart from rules.py; registered into the same rule list)."""

from __future__ import annotations

from collections.abc import Iterator

from ..batch.definition import execution_name_limit
from .model import PlatformConfig
from .rules import Violation, rule

#: A scheduled run's execution name is the one Step Functions generates (a UUID, 36 characters).
_GENERATED_EXECUTION_NAME = 36


@rule
def batch_settings(config: PlatformConfig) -> Iterator[Violation]:
    """The batch model is a listed, deployable version; the settings are what CreateTransformJob accepts."""
    b = config.batch
    if b is None:
        return
    versions = {m.version: m for m in config.models}
    if b.model_version not in versions:
        have = ", ".join(sorted(versions))
        yield Violation(
            ("batch", "model_version"),
            f"model version {b.model_version} is not listed under models (listed: {have})",
            "batch-unknown-model",
        )
    elif versions[b.model_version].status == "deprecated":
        yield Violation(
            ("batch", "model_version"),
            f"model version {b.model_version} is deprecated; use a version that is not",
            "batch-deprecated-model",
        )
    if b.strategy == "MultiRecord" and b.split_type == "None":
        yield Violation(
            ("batch", "split_type"),
            "strategy MultiRecord needs a split_type (Line, RecordIO or TFRecord) to make records of the input; or use strategy SingleRecord",
            "batch-multirecord-split",
        )
    for i, s in enumerate(b.subscribers):
        given = [k for k in ("email", "https", "sqs") if getattr(s, k) is not None]
        if len(given) != 1:
            yield Violation(
                ("batch", "subscribers", i),
                f"a subscriber is exactly one of email, https or sqs (given: {', '.join(given) or 'none'})",
                "batch-subscriber",
            )
    if (
        b.input.bucket is not None
        and b.input.bucket == b.output.bucket
        and (b.input.prefix.startswith(b.output.prefix) or b.output.prefix.startswith(b.input.prefix))
    ):
        yield Violation(
            ("batch", "output", "prefix"),
            "the output prefix overlaps the input prefix in the same bucket: a later run would read earlier outputs",
            "batch-prefix-overlap",
        )
    if b.schedule is not None:
        prefix = f"{config.project.name}-{config.project.environment}-batch"
        if execution_name_limit(prefix) < _GENERATED_EXECUTION_NAME:
            yield Violation(
                ("batch", "schedule"),
                f"a scheduled run's transform job is named {prefix}-<36-character execution id>, over SageMaker's 63 characters; shorten project.name or project.environment by {_GENERATED_EXECUTION_NAME - execution_name_limit(prefix)}",
                "batch-schedule-name",
            )
