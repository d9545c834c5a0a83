"""registry.require_approval: deploy and promote refuse traffic to a version without an Approved package."""

from __future__ import annotations

from pathlib import Path

import boto3
import pytest
from moto import mock_aws
from typer.testing import CliRunner

from mlinfra.cli import app
from mlinfra.pipeline import load_config
from mlinfra.ops.aws import Clients
from mlinfra.registry.packages import register, set_status
from tests.aws_fixtures import fake_credentials, make_endpoint, weights
from tests.conftest import copy_examples

runner = CliRunner()


@pytest.fixture
def aws(monkeypatch):
    fake_credentials(monkeypatch)
    with mock_aws():
        sm = boto3.client("sagemaker", region_name="us-east-1")
        sm.create_model_package_group(ModelPackageGroupName="mlinfra-prod")
        yield sm


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = copy_examples(tmp_path)
    path.write_text(path.read_text().replace("require_approval: false", "require_approval: true"))
    return path


def _approve(sm, config: Path, *versions: str) -> None:
    cfg = load_config(config)
    clients = Clients(factory=lambda name: sm)
    for v in versions:
        register(clients, cfg, v)
        set_status(clients, cfg, v, "Approved", "test")


def test_deploy_refuses_before_writing_or_running_terraform(aws, config, tmp_path) -> None:
    out = tmp_path / "out"
    result = runner.invoke(app, ["deploy", str(config), "-o", str(out), "--terraform", str(tmp_path / "no-terraform")])
    assert result.exit_code == 1, result.output
    assert "1.1.0 (not registered; serves inference/production, serverless/serverless)" in result.output
    assert "1.2.0 (not registered; serves inference/canary)" in result.output
    assert not out.exists()

    _approve(aws, config, "1.1.0", "1.2.0")
    passed = runner.invoke(app, ["deploy", str(config), "-o", str(out), "--terraform", str(tmp_path / "no-terraform")])
    # The approval check passes; it stops at the (missing) terraform binary instead.
    assert "require_approval" not in passed.output and "no-terraform" in passed.output, passed.output


def test_destroy_and_render_ask_nothing(config, tmp_path) -> None:
    # No moto here: an AWS call would fail for want of credentials and endpoint.
    rendered = runner.invoke(app, ["render", str(config), "-o", str(tmp_path / "out")])
    assert rendered.exit_code == 0, rendered.output


def test_promote_refuses_an_unapproved_canary(aws, config) -> None:
    make_endpoint(aws, "mlinfra-prod-inference", {"production": 80, "canary": 20})
    _approve(aws, config, "1.1.0")
    refused = runner.invoke(app, ["promote", str(config), "--endpoint", "inference", "--canary", "50"])
    assert refused.exit_code == 1, refused.output
    assert "1.2.0 (not registered; serves inference/canary)" in refused.output
    assert weights(aws, "mlinfra-prod-inference") == {"production": 80, "canary": 20}

    _approve(aws, config, "1.2.0")
    done = runner.invoke(app, ["promote", str(config), "--endpoint", "inference", "--canary", "50"])
    assert done.exit_code == 0, done.output
    assert weights(aws, "mlinfra-prod-inference") == {"production": 50, "canary": 50}
