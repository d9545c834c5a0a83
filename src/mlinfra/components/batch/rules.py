"""Rules of the ``batch`` section: what CreateTransformJob, Step Functions and the model accept."""

from __future__ import annotations

from collections.abc import Iterator

from ...batch.definition import execution_name_limit
from ...config.rules import MAX_TAGS, MLINFRA_TAGS, MODEL_DATA_SOURCE_EXCLUSIONS, PREFIX_FIX, Violation, subscribers
from ...config.shapes import PlatformConfig
from .section import SECTION

#: A scheduled run's execution name is the one Step Functions generates (a UUID, 36 characters).
_GENERATED_EXECUTION_NAME = 36


def batch_settings(config: PlatformConfig) -> Iterator[Violation]:
    """The batch model is a listed, deployable version; the settings are what CreateTransformJob accepts."""
    b = SECTION.of(config)
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
    yield from subscribers("batch", b.subscribers, "batch-subscriber")
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


def batch_model_form(config: PlatformConfig) -> Iterator[Violation]:
    """Uncompressed files under a prefix are a ModelDataSource, which batch transform cannot use."""
    b = SECTION.of(config)
    if b is None:
        return
    prefixed = {m.version: m.model_data_prefix for m in config.models if m.model_data_prefix is not None}
    if b.model_version in prefixed:
        version = b.model_version
        yield Violation(
            ("batch", "model_version"),
            f"model version {version} has its files under a prefix (model_data_prefix {prefixed[version]}), and SageMaker says {MODEL_DATA_SOURCE_EXCLUSIONS}: "
            f"batch transform needs another form: {PREFIX_FIX}",
            "model-data-prefix-unsupported",
        )


def batch_model_tags(config: PlatformConfig) -> Iterator[Violation]:
    """The batch model carries the project's, mlinfra's and the version's own tags: within AWS's 50."""
    b = SECTION.of(config)
    common = set(MLINFRA_TAGS) | set(config.project.tags)
    if b is None or len(common) > MAX_TAGS:
        return  # the core rules report the project's tags
    k = next((k for k, m in enumerate(config.models) if m.version == b.model_version), None)
    if k is not None and len(common | set(config.models[k].tags)) > MAX_TAGS:
        count = len(common | set(config.models[k].tags))
        yield Violation(
            ("models", k, "tags"),
            f"model {config.models[k].version}'s batch transform model would carry {count} tags (the project's, mlinfra's and the version's own); AWS allows {MAX_TAGS}: drop {count - MAX_TAGS}",
            "too-many-tags",
        )


RULES = (batch_settings, batch_model_form, batch_model_tags)
