"""``mlinfra invoke-async`` under moto: the body lands where the endpoint's execution role may read it (the
SageMaker Python SDK's location without input_path, or the given input location), and InvokeEndpointAsync
names it. moto's sagemaker-runtime answers InvokeEndpointAsync with a static output location."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mlinfra import cli
from mlinfra.cli import common as cli_common
from mlinfra.ops.async_invoke import invoke_async, sdk_input_key
from mlinfra.ops.aws import Clients
from mlinfra.pipeline import load_config
from mlinfra.plan.platform import build_plan

REPO = Path(__file__).resolve().parents[1]
runner = CliRunner()
NOW = datetime(2026, 12, 2, 4, 30, 15, 123456, tzinfo=UTC)


@pytest.fixture
def clients(aws, monkeypatch) -> Clients:
    """moto's clients, the CLI's too."""
    made = aws.clients
    monkeypatch.setattr(cli_common, "clients", lambda profile, region: made)
    return made


def test_sdk_key_matches_the_role_grant() -> None:
    """The key invoke-async writes without --input-location is under the prefix the role of an endpoint
    without input_path may read (the plan's ReadSdkAsyncRequests), for a long endpoint name too."""
    config = load_config(REPO / "examples" / "async.yaml")
    plan = build_plan(config, REPO / "examples")
    (statement,) = [s for s in plan.parts["endpoint"].role_statements if s.sid == "ReadSdkAsyncRequests"]
    (grant,) = statement.resources
    pattern = "".join(p if isinstance(p, str) else "" for p in grant.parts)  # partition and account left out
    prefix = pattern.split("/", 1)[1].rstrip("*")
    assert sdk_input_key("docs-prod-receipts", NOW, "u").startswith(prefix)
    assert sdk_input_key("docs-prod-receipts", NOW, "u") == "async-endpoint-inputs/docs-prod-receipts-261202-0430/2026-12-02-04-30-15-123-u"
    long = "x" * 63
    assert sdk_input_key(long, NOW, "u").startswith(f"async-endpoint-inputs/{'x' * 51}-261202-0430/")


def test_default_location_is_the_sdk_bucket(clients: Clients) -> None:
    s3 = clients.s3
    s3.create_bucket(Bucket="sagemaker-us-east-1-123456789012")
    result = invoke_async(clients, "docs-prod-receipts", b'{"page": 1}', "application/json", now=lambda: NOW, token=lambda: "t0")
    key = "async-endpoint-inputs/docs-prod-receipts-261202-0430/2026-12-02-04-30-15-123-t0"
    assert result.input_location == f"s3://sagemaker-us-east-1-123456789012/{key}"
    obj = s3.get_object(Bucket="sagemaker-us-east-1-123456789012", Key=key)
    assert obj["Body"].read() == b'{"page": 1}' and obj["ContentType"] == "application/json"
    assert result.output_location and result.output_location.startswith("s3://")


def test_given_prefix_and_object(clients: Clients) -> None:
    clients.s3.create_bucket(Bucket="acme-docs-async")
    prefix = invoke_async(clients, "docs-prod-layout", b"{}", "application/json", "s3://acme-docs-async/requests/", now=lambda: NOW, token=lambda: "t1")
    assert prefix.input_location == "s3://acme-docs-async/requests/2026-12-02-04-30-15-123-t1"
    exact = invoke_async(clients, "docs-prod-layout", b"{}", "application/json", "s3://acme-docs-async/requests/one.json")
    assert exact.input_location == "s3://acme-docs-async/requests/one.json"
    keys = sorted(o["Key"] for o in clients.s3.list_objects_v2(Bucket="acme-docs-async")["Contents"])
    assert keys == ["requests/2026-12-02-04-30-15-123-t1", "requests/one.json"]


def test_cli_prints_the_output_location(clients: Clients) -> None:
    clients.s3.create_bucket(Bucket="acme-docs-async")
    run = runner.invoke(cli.app, ["invoke-async", "--endpoint", "docs-prod-layout", "--data", "{}", "--input-location", "s3://acme-docs-async/requests/"])
    assert run.exit_code == 0, run.output
    assert run.stdout.strip().startswith("s3://")
    assert "input: s3://acme-docs-async/requests/" in run.stderr


def test_cli_refusals(clients: Clients) -> None:
    run = runner.invoke(cli.app, ["invoke-async", "--endpoint", "e", "--data", "{}", "--input-location", "acme/requests/"])
    assert run.exit_code == 2 and "give an S3 URI such as s3://bucket/requests/" in run.output
    run = runner.invoke(cli.app, ["invoke-async", "--endpoint", "e"])
    assert run.exit_code == 2 and "exactly one of --data or --file" in run.output
    # A bucket that does not exist: AWS's own words, no traceback.
    run = runner.invoke(cli.app, ["invoke-async", "--endpoint", "e", "--data", "{}"])
    assert run.exit_code != 0 and "NoSuchBucket" in run.output and "Traceback" not in run.output
