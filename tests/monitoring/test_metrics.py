"""The metrics publisher against moto (in-process): checks before sending, batching within PutMetricData's
limits as seen on the wire, dimensions, and the data read back with get_metric_statistics."""

from __future__ import annotations

import gzip
import json
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs

import boto3
import pytest

from mlinfra.errors import DataError
from mlinfra.monitoring import metrics as m

NOW = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)


def clock() -> datetime:
    return NOW


class Wire:
    """Every PutMetricData request body as it goes over HTTP (botocore gzips bodies from 10 kB on)."""

    def __init__(self, client) -> None:
        self.bodies: list[bytes] = []
        client.meta.events.register("request-created.cloudwatch.PutMetricData", self._request)

    def _request(self, request, **_):
        body = request.body
        self.bodies.append(body if isinstance(body, bytes) else (body or "").encode())

    def requests(self) -> list[list[dict]]:
        """The data of each request, decoded: [{"MetricName", "Unit", "Dimensions": {name: value}}, ...]."""
        return [_decode(b) for b in self.bodies]

    def sizes(self) -> list[int]:
        return [len(_plain(b)) for b in self.bodies]


def _plain(body: bytes) -> bytes:
    return gzip.decompress(body) if body[:2] == b"\x1f\x8b" else body


def _decode(body: bytes) -> list[dict]:
    text = _plain(body).decode()
    if text.lstrip().startswith("{"):  # a JSON protocol
        return [{"MetricName": d["MetricName"], "Unit": d.get("Unit"), "Dimensions": {x["Name"]: x["Value"] for x in d.get("Dimensions", [])}} for d in json.loads(text)["MetricData"]]
    members: dict[int, dict] = {}
    for key, values in parse_qs(text).items():  # awsquery: MetricData.member.N.Field[.member.M.Name]
        parts = key.split(".")
        if parts[:2] != ["MetricData", "member"]:
            continue
        d = members.setdefault(int(parts[2]), {"Dimensions": {}, "_dims": {}})
        if parts[3] == "Dimensions":
            d["_dims"].setdefault(parts[5], {})[parts[6]] = values[0]
        else:
            d[parts[3]] = values[0]
    out = []
    for _, d in sorted(members.items()):
        d["Dimensions"] = {x["Name"]: x["Value"] for x in d.pop("_dims").values()}
        out.append({k: d.get(k) for k in ("MetricName", "Unit", "Dimensions")})
    return out


@pytest.fixture
def cw(aws):
    return aws.cw


def _stats(cw, name: str, dims: list[dict], stat: str = "Sum") -> float:
    points = cw.get_metric_statistics(
        Namespace="MLInference", MetricName=name, Dimensions=dims, StartTime=NOW - timedelta(hours=1), EndTime=NOW + timedelta(hours=1), Period=3600, Statistics=[stat]
    )["Datapoints"]
    return points[0][stat] if points else 0.0


def test_reference_metrics_are_read_back_with_their_dimensions(cw) -> None:
    wire = Wire(cw)
    at = NOW - timedelta(minutes=5)
    data = [m.inference_latency("v1.2.0", 40.0 + i, at) for i in range(3)]
    data += [m.prediction_confidence("v1.2.0", "cat", 0.9, at), m.prediction_confidence("v1.2.0", "dog", 0.6, at)]
    data += [m.feature_drift("age", 0.12, at)]
    result = m.publish(cw, data, clock=clock)
    assert (result.data, result.calls, result.namespace) == (6, 1, "MLInference")

    [sent] = wire.requests()
    assert [(d["MetricName"], d["Unit"], d["Dimensions"]) for d in sent] == [
        ("InferenceLatency", "Milliseconds", {"ModelVersion": "v1.2.0"}),
        ("InferenceLatency", "Milliseconds", {"ModelVersion": "v1.2.0"}),
        ("InferenceLatency", "Milliseconds", {"ModelVersion": "v1.2.0"}),
        ("PredictionConfidence", "None", {"ModelVersion": "v1.2.0", "PredictionClass": "cat"}),
        ("PredictionConfidence", "None", {"ModelVersion": "v1.2.0", "PredictionClass": "dog"}),
        ("FeatureDrift", "None", {"FeatureName": "age"}),
    ]
    assert _stats(cw, "InferenceLatency", [{"Name": "ModelVersion", "Value": "v1.2.0"}]) == pytest.approx(123.0)
    assert _stats(cw, "InferenceLatency", [{"Name": "ModelVersion", "Value": "v1.2.0"}], "SampleCount") == 3
    dims = [{"Name": "ModelVersion", "Value": "v1.2.0"}, {"Name": "PredictionClass", "Value": "dog"}]
    assert _stats(cw, "PredictionConfidence", dims, "Average") == pytest.approx(0.6)
    assert _stats(cw, "FeatureDrift", [{"Name": "FeatureName", "Value": "age"}], "Maximum") == pytest.approx(0.12)
    listed = {(x["MetricName"], tuple(sorted(d["Name"] for d in x["Dimensions"]))) for x in cw.list_metrics(Namespace="MLInference")["Metrics"]}
    assert listed == {
        ("InferenceLatency", ("ModelVersion",)),
        ("PredictionConfidence", ("ModelVersion", "PredictionClass")),
        ("FeatureDrift", ("FeatureName",)),
    }


def test_batches_hold_at_most_1000_data(cw) -> None:
    wire = Wire(cw)
    at = NOW - timedelta(minutes=1)
    data = [m.inference_latency("v1", float(i), at) for i in range(2345)]
    result = m.publish(cw, data, clock=clock)
    assert result.calls == 3
    assert [len(r) for r in wire.requests()] == [1000, 1000, 345]
    assert _stats(cw, "InferenceLatency", [{"Name": "ModelVersion", "Value": "v1"}], "SampleCount") == 2345


def test_batches_stay_under_the_1_mb_request_limit(cw) -> None:
    wire = Wire(cw)
    at = NOW - timedelta(minutes=1)
    long_class = "c" * 1024  # the longest dimension value CloudWatch takes
    data = [m.prediction_confidence(f"v{i % 7}", long_class, 0.5, at) for i in range(1000)]
    result = m.publish(cw, data, clock=clock)
    assert result.calls >= 2  # 1000 data of ~1.1 kB each: cut by size, not by count
    assert all(size <= m.MAX_REQUEST_BYTES for size in wire.sizes())  # uncompressed, to be safe either way
    assert sum(len(r) for r in wire.requests()) == 1000
    assert {d["Dimensions"]["PredictionClass"] for r in wire.requests() for d in r} == {long_class}


@pytest.mark.parametrize(
    ("datum", "message"),
    [
        (m.inference_latency("v1", 1.0, datetime(2026, 12, 1, 9, 0)), "has no timezone"),
        (m.inference_latency("v1", float("nan"), NOW), "not a finite number"),
        (m.inference_latency("v1", 1.0, NOW - timedelta(days=15)), "more than two weeks old"),
        (m.inference_latency("v1", 1.0, NOW + timedelta(hours=3)), "more than two hours ahead"),
        (m.feature_drift("", 0.1, NOW), "dimension FeatureName must have a value"),
        (m.Datum("X", 1.0, "None", tuple((f"d{i}", "v") for i in range(31)), NOW), "31 dimensions"),
    ],
    ids=["naive-time", "nan", "too-old", "future", "empty-dimension", "31-dimensions"],
)
def test_a_bad_datum_sends_nothing(cw, datum, message) -> None:
    wire = Wire(cw)
    good = m.inference_latency("v1", 1.0, NOW)
    with pytest.raises(DataError, match=message):
        m.publish(cw, [good, datum], clock=clock)
    assert wire.bodies == []


def test_aws_errors_are_typed() -> None:
    from botocore.stub import Stubber

    from mlinfra.ops.aws import AwsError

    client = boto3.client("cloudwatch", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
    with Stubber(client) as stub:
        stub.add_client_error("put_metric_data", "AccessDenied", "not allowed to PutMetricData")
        with pytest.raises(AwsError, match="AccessDenied: not allowed"):
            m.publish(client, [m.feature_drift("age", 0.1, NOW)], clock=clock)
