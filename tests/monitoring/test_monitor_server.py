"""`mlinfra metrics publish` and `mlinfra monitor drift --publish` as real processes against a
ThreadedMotoServer on 127.0.0.1 (only the standard AWS environment points them there), then the data
read back with get_metric_statistics."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.support.aws import Cli, server_client

from .support import make_baseline, write_capture


def _stat(cw, name: str, dims: dict[str, str], stat: str) -> float | None:
    now = datetime.now(UTC)
    points = cw.get_metric_statistics(
        Namespace="MLInference",
        MetricName=name,
        Dimensions=[{"Name": k, "Value": v} for k, v in dims.items()],
        StartTime=now - timedelta(hours=2),
        EndTime=now + timedelta(hours=1),
        Period=3600 * 3,
        Statistics=[stat],
    )["Datapoints"]
    return points[0][stat] if points else None


def test_metrics_publish_cli(moto_server: str, tmp_path: Path) -> None:
    lines = [{"metric": "InferenceLatency", "model_version": "v1.2.0", "value": float(i)} for i in range(1500)]
    lines += [{"metric": "PredictionConfidence", "model_version": "v1.2.0", "prediction_class": "cat", "value": 0.75}]
    (tmp_path / "m.jsonl").write_text("\n".join(map(json.dumps, lines)) + "\n")
    proc = Cli(moto_server, tmp_path)("metrics", "publish", "m.jsonl", "--region", "eu-west-1")
    assert proc.returncode == 0, proc.stderr
    assert "published 1501 data points to MLInference in 2 call(s)" in proc.stdout
    cw = server_client(moto_server, "cloudwatch", "eu-west-1")
    assert _stat(cw, "InferenceLatency", {"ModelVersion": "v1.2.0"}, "SampleCount") == 1500
    assert _stat(cw, "InferenceLatency", {"ModelVersion": "v1.2.0"}, "Maximum") == 1499
    assert _stat(cw, "PredictionConfidence", {"ModelVersion": "v1.2.0", "PredictionClass": "cat"}, "Average") == 0.75
    # --region was honoured: nothing in the environment's region
    us = server_client(moto_server, "cloudwatch", "us-east-1")
    assert us.list_metrics(Namespace="MLInference")["Metrics"] == []


def test_drift_publish_sends_feature_drift(moto_server: str, tmp_path: Path) -> None:
    rows = [(float(i % 100), "a" if i % 3 else "b") for i in range(3000)]
    baseline = make_baseline(tmp_path, ["amount", "kind"], rows)
    cap = write_capture(tmp_path / "cap.jsonl", [(v + 50, "a") for v, _ in rows])
    proc = Cli(moto_server, tmp_path)("monitor", "drift", "--baseline", str(baseline), str(cap), "--publish", "--json", "--region", "eu-west-1")
    assert proc.returncode == 3, proc.stderr  # both features drifted
    doc = json.loads(proc.stdout)
    assert doc["published"] == {"namespace": "MLInference", "metrics": 2, "calls": 1}
    drift = {f["name"]: f["drift"] for f in doc["features"]}
    cw = server_client(moto_server, "cloudwatch", "eu-west-1")
    assert _stat(cw, "FeatureDrift", {"FeatureName": "amount"}, "Maximum") == pytest.approx(drift["amount"])
    assert _stat(cw, "FeatureDrift", {"FeatureName": "kind"}, "Maximum") == pytest.approx(drift["kind"])
    assert drift["kind"] == pytest.approx(1 / 3, abs=1e-3)  # a: 2/3 -> 1
