"""The reference architecture's custom CloudWatch metrics, published in batches within PutMetricData's limits.

Namespace ``MLInference``:

=======================  ==============================  ============
metric                   dimensions                      unit
=======================  ==============================  ============
``InferenceLatency``     ModelVersion                    Milliseconds
``PredictionConfidence`` ModelVersion, PredictionClass   None
``FeatureDrift``         FeatureName                     None
=======================  ==============================  ============

PutMetricData limits (CloudWatch API reference): at most 1,000 metric data per request, a request body of
at most 1 MB (HTTP POST), at most 30 dimensions per datum, values within ±2^360 and never NaN or infinite,
timestamps no older than two weeks and no more than two hours ahead. Every datum is checked before the
first call, so a bad one sends nothing. Timestamps are timezone-aware (UTC when taken from the clock).
"""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

from ..errors import DataError
from ..naming import METRICS_NAMESPACE as NAMESPACE
from ..records import record

MAX_DATA_PER_CALL = 1000
MAX_REQUEST_BYTES = 1_000_000  # 1 MB; batches are cut at MAX_BATCH_BYTES to leave room for the envelope
MAX_BATCH_BYTES = 900_000
MAX_DIMENSIONS = 30
MAX_PAST = timedelta(days=14)
MAX_FUTURE = timedelta(hours=2)
VALUE_LIMIT = 2.0**360

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


@record
class Datum:
    name: str
    value: float
    unit: str
    dimensions: tuple[tuple[str, str], ...]
    timestamp: datetime

    def to_api(self) -> dict[str, Any]:
        return {
            "MetricName": self.name,
            "Dimensions": [{"Name": n, "Value": v} for n, v in self.dimensions],
            "Value": float(self.value),
            "Unit": self.unit,
            "Timestamp": self.timestamp,
        }


def inference_latency(model_version: str, milliseconds: float, at: datetime) -> Datum:
    return Datum("InferenceLatency", milliseconds, "Milliseconds", (("ModelVersion", model_version),), at)


def prediction_confidence(model_version: str, prediction_class: str, confidence: float, at: datetime) -> Datum:
    return Datum(
        "PredictionConfidence",
        confidence,
        "None",
        (("ModelVersion", model_version), ("PredictionClass", prediction_class)),
        at,
    )


def feature_drift(feature_name: str, score: float, at: datetime) -> Datum:
    return Datum("FeatureDrift", score, "None", (("FeatureName", feature_name),), at)


def check(datum: Datum, now: datetime) -> str | None:
    """Why CloudWatch would reject ``datum``, or None."""
    if datum.timestamp.tzinfo is None or datum.timestamp.utcoffset() is None:
        return f"{datum.name}: timestamp {datum.timestamp.isoformat()} has no timezone (add Z or +00:00)"
    if not isinstance(datum.value, (int, float)) or isinstance(datum.value, bool) or not math.isfinite(datum.value):
        return f"{datum.name}: value {datum.value!r} is not a finite number"
    if abs(datum.value) > VALUE_LIMIT:
        return f"{datum.name}: value {datum.value!r} is outside CloudWatch's range of ±2^360"
    if len(datum.dimensions) > MAX_DIMENSIONS:
        return f"{datum.name}: {len(datum.dimensions)} dimensions; CloudWatch allows {MAX_DIMENSIONS}"
    for dname, dvalue in datum.dimensions:
        if not dvalue or len(dvalue) > 1024:
            return f"{datum.name}: dimension {dname} must have a value of 1 to 1024 characters"
    if datum.timestamp < now - MAX_PAST:
        return (
            f"{datum.name}: timestamp {datum.timestamp.isoformat()} is more than two weeks old; CloudWatch rejects it"
        )
    if datum.timestamp > now + MAX_FUTURE:
        return (
            f"{datum.name}: timestamp {datum.timestamp.isoformat()} is more than two hours ahead; CloudWatch rejects it"
        )
    return None


def _size(datum: Datum, index: int = MAX_DATA_PER_CALL) -> int:
    """An upper bound of the datum's share of the request body: its form-encoded (awsquery) size, the
    most verbose of CloudWatch's protocols, with the widest member index."""
    prefix = f"MetricData.member.{index}."
    fields = [
        ("MetricName", datum.name),
        ("Value", repr(float(datum.value))),
        ("Unit", datum.unit),
        ("Timestamp", datum.timestamp.isoformat()),
    ]
    for i, (n, v) in enumerate(datum.dimensions, 1):
        fields += [(f"Dimensions.member.{i}.Name", n), (f"Dimensions.member.{i}.Value", v)]
    return sum(len(prefix) + len(k) + 2 + len(quote(v, safe="")) for k, v in fields)


def batches(data: Sequence[Datum]) -> Iterator[list[Datum]]:
    """Consecutive batches of at most MAX_DATA_PER_CALL data and MAX_BATCH_BYTES of body each."""
    batch: list[Datum] = []
    size = 0
    for datum in data:
        s = _size(datum)
        if batch and (len(batch) == MAX_DATA_PER_CALL or size + s > MAX_BATCH_BYTES):
            yield batch
            batch, size = [], 0
        batch.append(datum)
        size += s
    if batch:
        yield batch


@record
class Published:
    data: int
    calls: int
    namespace: str


def publish(cloudwatch: Any, data: Iterable[Datum], *, namespace: str = NAMESPACE, clock: Clock = utc_now) -> Published:
    """Check every datum, then send them in as few PutMetricData calls as the limits allow."""
    from ..ops.aws import aws_errors

    data = list(data)
    now = clock()
    problems = [p for p in (check(d, now) for d in data) if p]
    if problems:
        raise DataError("; ".join(problems[:5]) + (f" (and {len(problems) - 5} more)" if len(problems) > 5 else ""))
    calls = 0
    for batch in batches(data):
        with aws_errors():
            cloudwatch.put_metric_data(Namespace=namespace, MetricData=[d.to_api() for d in batch])
        calls += 1
    return Published(len(data), calls, namespace)


# --- `mlinfra metrics publish FILE`: one JSON object per line ------------------------------------------

_FIELDS = {
    "InferenceLatency": ("model_version",),
    "PredictionConfidence": ("model_version", "prediction_class"),
    "FeatureDrift": ("feature_name",),
}


def read_metrics_file(path: str | Path, clock: Clock = utc_now) -> list[Datum]:
    """Lines such as ``{"metric": "InferenceLatency", "model_version": "v1.2.0", "value": 42.5,
    "timestamp": "2026-12-01T10:00:00Z"}`` (timestamp optional: the clock's now). Every problem is
    collected, with its line, before anything is returned."""
    path = Path(path)
    try:
        lines = (sys.stdin.buffer.read() if str(path) == "-" else path.read_bytes()).splitlines()
    except FileNotFoundError:
        raise DataError(f"{path}: no such file") from None
    except OSError as exc:
        raise DataError(f"{path}: cannot read: {exc.strerror}") from None
    now = clock()
    data: list[Datum] = []
    problems: list[str] = []
    for number, raw in enumerate(lines, 1):
        if not raw.strip():
            continue
        try:
            data.append(_datum(json.loads(raw), now))
        except UnicodeDecodeError:
            problems.append(f"{path}:{number}: not UTF-8 text")
        except json.JSONDecodeError as exc:
            problems.append(f"{path}:{number}: not JSON: {exc.msg}")
        except ValueError as exc:
            problems.append(f"{path}:{number}: {exc}")
    if problems:
        raise DataError("\n".join(problems))
    if not data:
        raise DataError(f"{path}: no metrics in the file")
    return data


def _datum(rec: Any, now: datetime) -> Datum:
    if not isinstance(rec, dict):
        raise ValueError("expected a JSON object")
    metric = rec.get("metric")
    if metric not in _FIELDS:
        raise ValueError(f"metric: {metric!r} is not one of {', '.join(_FIELDS)}")
    missing = [f for f in ("value", *_FIELDS[metric]) if rec.get(f) in (None, "")]
    if missing:
        raise ValueError(f"{metric} needs {', '.join(missing)}")
    unknown = sorted(set(rec) - {"metric", "value", "timestamp", *_FIELDS[metric]})
    if unknown:
        raise ValueError(
            f"{unknown[0]}: not a field of {metric} (fields: value, timestamp, {', '.join(_FIELDS[metric])})"
        )
    value = rec["value"]
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"value: expected a number, got {value!r}")
    at = now
    if rec.get("timestamp") is not None:
        try:
            at = datetime.fromisoformat(str(rec["timestamp"]).replace("Z", "+00:00"))
        except ValueError:
            raise ValueError(f"timestamp: {rec['timestamp']!r} is not an ISO 8601 time") from None
    args = [str(rec[f]) for f in _FIELDS[metric]]
    makers: dict[str, Callable[..., Datum]] = {
        "InferenceLatency": inference_latency,
        "PredictionConfidence": prediction_confidence,
        "FeatureDrift": feature_drift,
    }
    datum = makers[metric](*args, value, at)
    problem = check(datum, now)
    if problem:
        raise ValueError(problem)
    return datum
