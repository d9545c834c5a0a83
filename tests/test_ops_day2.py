"""Day 2 on AWS: what `status`, `deploy`, `promote` and `rollback` do once an endpoint lives and others touch it."""

from __future__ import annotations

import datetime as dt

import boto3
from typer.testing import CliRunner

from mlinfra.cli import app
from mlinfra.ops.aws import Clients

runner = CliRunner()
T0 = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def described(config: str = "ep-config", status: str = "InService", **extra) -> dict:
    return {
        "EndpointName": "ep",
        "EndpointArn": "arn:aws:sagemaker:us-east-1:123456789012:endpoint/ep",
        "EndpointConfigName": config,
        "EndpointStatus": status,
        "CreationTime": T0,
        "LastModifiedTime": T0,
        **extra,
    }


# --- 1. status: counts SageMaker did not report ------------------------------------------------------------


def test_status_says_unknown_for_instance_counts_sagemaker_left_out(aws, monkeypatch) -> None:
    """While a variant is created or updated (and for serverless variants) DescribeEndpoint leaves out
    CurrentInstanceCount/DesiredInstanceCount: the report reads "unknown", not "None/None"."""
    from botocore.stub import Stubber

    from mlinfra.cli import common

    sm = boto3.client("sagemaker", region_name="us-east-1")
    variants = [
        {"VariantName": "main", "CurrentWeight": 1.0, "DesiredWeight": 1.0},
        {"VariantName": "half", "CurrentWeight": 1.0, "DesiredWeight": 1.0, "CurrentInstanceCount": 2},
    ]
    clients = Clients(factory=lambda name: sm if name == "sagemaker" else aws.client(name))
    monkeypatch.setattr(common, "clients", lambda profile, region: clients)
    with Stubber(sm) as stub:
        stub.add_response("describe_endpoint", described(ProductionVariants=variants), {"EndpointName": "ep"})
        result = runner.invoke(app, ["status", "--endpoint", "ep"])
        stub.assert_no_pending_responses()
    assert result.exit_code == 0, result.output
    assert "main: 50 % (desired 50 %), instances unknown/unknown," in result.output
    assert "half: 50 % (desired 50 %), instances 2/unknown," in result.output
    assert "None" not in result.output
