"""The ``batch`` section: a batch transform pipeline (S3 in, Step Functions, S3 out) for one model version."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from ...config.section import Section
from ...config.shapes import INSTANCE_TYPE_RE, LogRetention, ModelRef, Strict, Subscriber

BUCKET_NAME_RE = r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$"
S3Prefix = Annotated[str, StringConstraints(pattern=r"^([A-Za-z0-9!_.*'()-]+/)+$", max_length=512)]


class BatchLocation(Strict):
    """Where the batch pipeline reads or writes: an existing bucket (by name), else a bucket mlinfra creates."""

    bucket: Annotated[str, StringConstraints(pattern=BUCKET_NAME_RE)] | None = None
    prefix: S3Prefix


class BatchOutput(BatchLocation):
    # Transform outputs are derived data: they expire (the mlinfra-created bucket's lifecycle rule).
    expire_days: Annotated[int, Field(ge=1, le=3650)] = 30


class Batch(Strict):
    """The batch transform pipeline: S3 in, Step Functions (validate, transform job, notify), S3 out."""

    model_version: ModelRef
    input: BatchLocation = BatchLocation(prefix="input/")
    output: BatchOutput = BatchOutput(prefix="output/")
    instance_type: Annotated[str, StringConstraints(pattern=INSTANCE_TYPE_RE)] = "ml.m5.xlarge"
    instance_count: Annotated[int, Field(ge=1, le=100)] = 1
    strategy: Literal["MultiRecord", "SingleRecord"] = "MultiRecord"
    max_payload_mb: Annotated[int, Field(ge=1, le=100)] = 6
    split_type: Literal["Line", "RecordIO", "TFRecord", "None"] = "Line"
    assemble_with: Literal["Line", "None"] = "Line"
    content_type: Annotated[str, StringConstraints(pattern=r"^[\w.+-]+/[\w.+-]+$", max_length=256)] = (
        "application/jsonlines"
    )
    accept: Annotated[str, StringConstraints(pattern=r"^[\w.+-]+/[\w.+-]+$", max_length=256)] | None = None
    subscribers: list[Subscriber] = Field(default_factory=list)
    # EventBridge Scheduler expression: rate(1 day), cron(0 2 * * ? *) or at(...); runs read input.prefix.
    # The expression's syntax is the batch-schedule rule's: it names the fix (a Unix cron line, a plural unit).
    schedule: Annotated[str, StringConstraints(max_length=256)] | None = None
    # The IANA time zone the cron expression's hours are in (Europe/Berlin runs cron(0 2 * * ? *) at 02:00 local
    # time, through daylight-saving changes); rate() expressions ignore it.
    schedule_timezone: Annotated[str, StringConstraints(max_length=50)] = "UTC"
    log_retention_days: LogRetention = 365


SECTION = Section("batch", Batch)
