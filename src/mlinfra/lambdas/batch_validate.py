"""ValidateInput, the batch pipeline's first state: is the input worth starting a transform job for?

The state machine calls it (``lambda:invoke``) with::

    {"inputS3Uri": "s3://bucket/prefix/", "outputS3Uri": "s3://bucket/out/", "contentType": "application/json",
     "splitType": "Line", "jobName": "mlinfra-prod-batch-20261201-220000-1a2b"}

and it checks, before any instance starts: the URIs are S3 URIs, the output does not lie under the input
(a rerun would read the last run's output), the job name is one SageMaker accepts, the prefix exists and
holds non-empty objects, and, for JSON content, that the first lines of the first objects parse (each line
with ``splitType: Line``; the whole object otherwise, when it is small enough to read). It answers
``{"objects", "bytes", "sampledObjects", "sampledLines", "truncated"}``.

A bad input raises :class:`InvalidBatchInput`: Step Functions names the error by its type, so the state
machine's Catch sees ``InvalidBatchInput`` with the reason as its cause. Permission or service errors are
not the input's fault and propagate as they are.

Environment (all optional): MLINFRA_SAMPLE_OBJECTS (3), MLINFRA_SAMPLE_LINES (20), MLINFRA_SAMPLE_BYTES
(1 MiB read per object), MLINFRA_MAX_LIST (100000 objects counted). Handler: ``mlinfra_lambdas.batch_validate.handler``.
"""

from __future__ import annotations

import json
import os
import re

JSON_TYPES = ("application/json", "application/jsonlines", "application/x-jsonlines", "application/jsonl")
_S3_URI = re.compile(r"^s3://([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:/(.*))?$")
_JOB_NAME = re.compile(r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$")


class InvalidBatchInput(Exception):
    """The batch input cannot be transformed; the message says why (it becomes the execution's cause)."""


def parse_s3_uri(uri, field: str) -> tuple[str, str]:
    """``s3://bucket/key`` → (bucket, key); anything else is an :class:`InvalidBatchInput` naming ``field``."""
    match = _S3_URI.match(uri) if isinstance(uri, str) else None
    if match is None:
        raise InvalidBatchInput(f"{field}: {uri!r} is not an S3 URI such as s3://bucket/prefix/")
    return match.group(1), match.group(2) or ""


def _setting(env, name: str, default: int, low: int, high: int) -> int:
    raw = env.get(name)
    if raw in (None, ""):
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ValueError(f"{name}: {raw!r} is not a whole number") from None
    if not low <= value <= high:
        raise ValueError(f"{name}: {value} is outside {low}-{high}")
    return value


class Validator:
    def __init__(self, env=None, s3=None):
        env = os.environ if env is None else env
        self.sample_objects = _setting(env, "MLINFRA_SAMPLE_OBJECTS", 3, 0, 100)
        self.sample_lines = _setting(env, "MLINFRA_SAMPLE_LINES", 20, 1, 10000)
        self.sample_bytes = _setting(env, "MLINFRA_SAMPLE_BYTES", 1024 * 1024, 1024, 64 * 1024 * 1024)
        self.max_list = _setting(env, "MLINFRA_MAX_LIST", 100000, 1, 10_000_000)
        self._s3 = s3

    @property
    def s3(self):
        if self._s3 is None:
            import boto3  # on the first invocation of a container, not at import

            self._s3 = boto3.client("s3")
        return self._s3

    def validate(self, event) -> dict:
        if not isinstance(event, dict):
            raise InvalidBatchInput("the execution input must be an object with inputS3Uri and outputS3Uri")
        bucket, prefix = parse_s3_uri(event.get("inputS3Uri"), "inputS3Uri")
        out_bucket, out_prefix = parse_s3_uri(event.get("outputS3Uri"), "outputS3Uri")
        if out_bucket == bucket and out_prefix.startswith(prefix):
            raise InvalidBatchInput(
                f"outputS3Uri s3://{out_bucket}/{out_prefix} lies under inputS3Uri s3://{bucket}/{prefix}: "
                "the job would read its own output on the next run; choose an output outside the input prefix"
            )
        job = event.get("jobName")
        if job is not None and not (isinstance(job, str) and _JOB_NAME.match(job)):
            raise InvalidBatchInput(
                f"transform job name {job!r} is not valid for SageMaker (at most 63 letters, digits and dashes): "
                "start the execution with a shorter name of letters, digits and dashes"
            )
        objects = self._list(bucket, prefix)
        content_type = str(event.get("contentType") or "").split(";")[0].strip().lower()
        lines = sampled = 0
        if content_type in JSON_TYPES:
            per_line = event.get("splitType", "Line") == "Line" or content_type != "application/json"
            for key, size in objects[: self.sample_objects]:
                lines += self._sample_json(bucket, key, size, per_line)
                sampled += 1
        return {
            "objects": len(objects),
            "bytes": sum(size for _, size in objects),
            "sampledObjects": sampled,
            "sampledLines": lines,
            "truncated": len(objects) >= self.max_list,
        }

    def _list(self, bucket: str, prefix: str) -> list[tuple[str, int]]:
        where = f"s3://{bucket}/{prefix}"
        found: list[tuple[str, int]] = []
        token = None
        while len(found) < self.max_list:
            kwargs = {"Bucket": bucket, "Prefix": prefix, "MaxKeys": min(1000, self.max_list - len(found))}
            if token:
                kwargs["ContinuationToken"] = token
            try:
                page = self.s3.list_objects_v2(**kwargs)
            except Exception as exc:
                if _error_code(exc) == "NoSuchBucket":
                    raise InvalidBatchInput(f"inputS3Uri {where}: bucket {bucket} does not exist") from None
                raise
            # "Folder" markers (keys ending in /, size 0) are not records; SageMaker would skip them too.
            found += [(o["Key"], o["Size"]) for o in page.get("Contents", []) if o["Size"] > 0]
            token = page.get("NextContinuationToken")
            if not page.get("IsTruncated") or not token:
                break
        if not found:
            raise InvalidBatchInput(f"inputS3Uri {where}: no objects (or only empty ones) under this prefix; upload the input first")
        return found

    def _sample_json(self, bucket: str, key: str, size: int, per_line: bool) -> int:
        where = f"s3://{bucket}/{key}"
        whole = size <= self.sample_bytes
        if not per_line and not whole:
            return 0  # one JSON document larger than the sample: it cannot be checked from its head
        body = self.s3.get_object(Bucket=bucket, Key=key, Range=f"bytes=0-{self.sample_bytes - 1}")["Body"].read()
        if not whole:
            body = body[: body.rfind(b"\n") + 1]  # the last line was cut by the range: drop it
        try:
            text = body.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise InvalidBatchInput(f"{where}: not UTF-8 text at byte {exc.start} (is it compressed or binary?)") from None
        if not per_line:
            _parse(text, f"{where}")
            return 1
        checked = 0
        for number, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            _parse(line, f"{where} line {number}")
            checked += 1
            if checked >= self.sample_lines:
                break
        return checked


def _parse(text: str, where: str) -> None:
    try:
        json.loads(text)
    except ValueError as exc:
        msg = getattr(exc, "msg", str(exc))
        col = getattr(exc, "colno", None)
        raise InvalidBatchInput(f"{where}: not valid JSON ({msg}" + (f" at column {col})" if col else ")")) from None


def _error_code(exc: BaseException) -> str | None:
    response = getattr(exc, "response", None)
    return response.get("Error", {}).get("Code") if isinstance(response, dict) else None


_validator: Validator | None = None


def configure(env=None, s3=None) -> Validator:
    """Build the validator now, from an environment dict and an injected S3 client (tests)."""
    global _validator
    _validator = Validator(env, s3)
    return _validator


def reset() -> None:
    global _validator
    _validator = None


def handler(event, context):
    validator = _validator or configure()
    result = validator.validate(event)
    print(json.dumps({"level": "info", "message": "input valid", "input": event.get("inputS3Uri"), **result}, sort_keys=True))
    return result
