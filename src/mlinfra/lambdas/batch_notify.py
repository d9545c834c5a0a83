"""The batch pipeline's notifier: one readable message per run, published to the pipeline's SNS topic.

The state machine calls it on success and on failure with::

    {"status": "SUCCEEDED" | "FAILED", "executionName": "...", "executionStartTime": "2026-12-01T22:00:00.000Z",
     "jobName": "...", "state": {"inputS3Uri", "outputS3Uri", "validation"?, "transform"?, "error"?}}

``state`` is the execution's state as far as it got: ``validation`` is ValidateInput's answer (object
count, bytes), ``transform`` the DescribeTransformJob that ``.sync`` returns, ``error`` the caught
``{"Error", "Cause"}``. The message names the job, its status, the input's object count and size, the
output URI and (on success) how many objects it holds, the durations, and on failure the reason. The
subject and the ``status`` / ``job`` message attributes let subscribers filter.

Environment: MLINFRA_TOPIC_ARN (required). Handler: ``mlinfra_lambdas.batch_notify.handler``.
"""

from __future__ import annotations

import json
import os
import re
import time
from datetime import datetime, timezone

_S3_URI = re.compile(r"^s3://([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:/(.*))?$")
MAX_COUNTED = 100000
SUBJECT_LIMIT = 100  # SNS: at most 100 printable ASCII characters


class ConfigError(Exception):
    """The function's environment is invalid."""


def human_bytes(n: int) -> str:
    size = float(n)
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if size < 1000 or unit == "TB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1000
    raise AssertionError("unreachable")


def human_duration(seconds: float) -> str:
    s = max(0, int(round(seconds)))
    h, rest = divmod(s, 3600)
    m, s = divmod(rest, 60)
    return f"{h}h {m:02d}m {s:02d}s" if h else f"{m}m {s:02d}s" if m else f"{s}s"


def timestamp(value) -> float | None:
    """Seconds since the epoch from what Step Functions passes: ISO-8601 text or epoch milliseconds."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        return value / 1000.0
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=timezone.utc)
        return parsed.timestamp()
    return None


def failure_reason(error) -> str:
    """``Error: cause`` from a caught error; a Lambda's cause is JSON whose errorMessage is the reason."""
    if not isinstance(error, dict):
        return "unknown error"
    name = error.get("Error") or "Error"
    cause = error.get("Cause") or ""
    try:
        parsed = json.loads(cause)
    except (TypeError, ValueError):
        parsed = None
    if isinstance(parsed, dict):
        cause = parsed.get("errorMessage") or parsed.get("FailureReason") or parsed.get("Message") or cause
    return f"{name}: {cause}" if cause else name


class Notifier:
    def __init__(self, env=None, s3=None, sns=None, wall=None):
        env = os.environ if env is None else env
        self.topic_arn = env.get("MLINFRA_TOPIC_ARN") or ""
        if not self.topic_arn.startswith("arn:"):
            raise ConfigError("MLINFRA_TOPIC_ARN: must be the ARN of the pipeline's SNS topic")
        self._clients = {"s3": s3, "sns": sns}
        self.wall = wall or time.time

    def _client(self, name: str):
        if self._clients[name] is None:
            import boto3  # on the first invocation of a container, not at import

            self._clients[name] = boto3.client(name)
        return self._clients[name]

    def message(self, event: dict) -> tuple[str, str, dict]:
        """(subject, message text, facts) for one notification."""
        status = str(event.get("status") or "UNKNOWN")
        state = event.get("state") if isinstance(event.get("state"), dict) else {}
        job = event.get("jobName") or (state.get("transform") or {}).get("TransformJobName") or event.get("executionName") or "?"
        validation = state.get("validation") if isinstance(state.get("validation"), dict) else {}
        transform = state.get("transform") if isinstance(state.get("transform"), dict) else {}
        output_uri = state.get("outputS3Uri")
        facts: dict = {"job": job, "status": status, "execution": event.get("executionName"), "input": state.get("inputS3Uri"), "output": output_uri}
        lines = [f"Batch job {job} {status}", f"execution: {event.get('executionName')}"]
        if "objects" in validation:
            facts["input_objects"], facts["input_bytes"] = validation["objects"], validation.get("bytes", 0)
            lines.append(f"input: {state.get('inputS3Uri')} ({validation['objects']} objects, {human_bytes(validation.get('bytes', 0))})")
        else:
            lines.append(f"input: {state.get('inputS3Uri')}")
        if status == "SUCCEEDED" and isinstance(output_uri, str):
            count = self._count(output_uri)
            facts["output_objects"] = count
            lines.append(f"output: {output_uri} ({count} objects)" if count is not None else f"output: {output_uri}")
        else:
            lines.append(f"output: {output_uri}")
        started = timestamp(event.get("executionStartTime"))
        if started is not None:
            facts["duration_seconds"] = round(self.wall() - started, 3)
            text = f"duration: {human_duration(facts['duration_seconds'])}"
            t0, t1 = timestamp(transform.get("TransformStartTime")), timestamp(transform.get("TransformEndTime"))
            if t0 is not None and t1 is not None:
                facts["transform_seconds"] = round(t1 - t0, 3)
                text += f" (transform {human_duration(t1 - t0)})"
            lines.append(text)
        if status != "SUCCEEDED":
            facts["reason"] = failure_reason(state.get("error"))
            lines.append(f"reason: {facts['reason']}")
        subject = "".join(ch if 32 <= ord(ch) < 127 else "?" for ch in f"mlinfra batch {status}: {job}")[:SUBJECT_LIMIT]
        return subject, "\n".join(lines) + "\n", facts

    def _count(self, uri: str) -> int | None:
        match = _S3_URI.match(uri)
        if match is None:
            return None
        bucket, prefix = match.group(1), match.group(2) or ""
        count, token = 0, None
        try:
            while count < MAX_COUNTED:
                kwargs = {"Bucket": bucket, "Prefix": prefix}
                if token:
                    kwargs["ContinuationToken"] = token
                page = self._client("s3").list_objects_v2(**kwargs)
                count += sum(1 for o in page.get("Contents", []) if o["Size"] > 0)
                token = page.get("NextContinuationToken")
                if not page.get("IsTruncated") or not token:
                    break
        except Exception as exc:  # the count is a courtesy: the notification goes out without it
            print(json.dumps({"level": "warning", "message": "output not counted", "error": str(exc)}))
            return None
        return count

    def notify(self, event) -> dict:
        subject, text, facts = self.message(event if isinstance(event, dict) else {})
        attributes = {
            "status": {"DataType": "String", "StringValue": facts["status"]},
            "job": {"DataType": "String", "StringValue": str(facts["job"])},
        }
        answer = self._client("sns").publish(TopicArn=self.topic_arn, Subject=subject, Message=text, MessageAttributes=attributes)
        return {"messageId": answer["MessageId"], **facts}


_notifier: Notifier | None = None


def configure(env=None, s3=None, sns=None, wall=None) -> Notifier:
    """Build the notifier now, from an environment dict and injected clients and clock (tests)."""
    global _notifier
    _notifier = Notifier(env, s3, sns, wall)
    return _notifier


def reset() -> None:
    global _notifier
    _notifier = None


def handler(event, context):
    notifier = _notifier or configure()
    result = notifier.notify(event)
    print(json.dumps({"level": "info", "message": "notified", **result}, sort_keys=True, default=str))
    return result
