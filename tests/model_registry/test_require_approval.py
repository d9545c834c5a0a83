"""registry.require_approval: deploy and promote refuse traffic to a version without an Approved package."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from mlinfra.cli import app
from mlinfra.model_registry.packages import register, set_status
from mlinfra.ops.aws import Clients
from mlinfra.pipeline import load_config
from tests.support.aws import make_endpoint, weights
from tests.support.configs import edited

runner = CliRunner()


@pytest.fixture
def sm(aws):
    aws.sm.create_model_package_group(ModelPackageGroupName="mlinfra-prod")
    return aws.sm


@pytest.fixture
def config(tmp_path: Path) -> Path:
    return edited("platform", tmp_path, ("require_approval: false", "require_approval: true"))


def _approve(sm, config: Path, *versions: str) -> None:
    cfg = load_config(config)
    clients = Clients(factory=lambda name: sm)
    for v in versions:
        register(clients, cfg, v)
        set_status(clients, cfg, v, "Approved", "test")


def test_deploy_refuses_before_writing_or_running_terraform(sm, config, tmp_path) -> None:
    out = tmp_path / "out"
    result = runner.invoke(app, ["deploy", str(config), "-o", str(out), "--terraform", str(tmp_path / "no-terraform")])
    assert result.exit_code == 1, result.output
    assert "1.1.0 (not registered; serves inference/production, serverless/serverless)" in result.output
    assert "1.2.0 (not registered; serves inference/canary)" in result.output
    assert not out.exists()

    _approve(sm, config, "1.1.0", "1.2.0")
    passed = runner.invoke(app, ["deploy", str(config), "-o", str(out), "--terraform", str(tmp_path / "no-terraform")])
    # The approval check passes; it stops at the (missing) terraform binary instead.
    assert "require_approval" not in passed.output and "no-terraform" in passed.output, passed.output


def test_destroy_and_render_ask_nothing(config, tmp_path) -> None:
    # No moto here: an AWS call would fail for want of credentials and endpoint.
    rendered = runner.invoke(app, ["render", str(config), "-o", str(tmp_path / "out")])
    assert rendered.exit_code == 0, rendered.output


def test_promote_refuses_an_unapproved_canary(sm, config) -> None:
    make_endpoint(sm, "mlinfra-prod-inference", {"production": 80, "canary": 20})
    _approve(sm, config, "1.1.0")
    refused = runner.invoke(app, ["promote", str(config), "--endpoint", "inference", "--canary", "50"])
    assert refused.exit_code == 1, refused.output
    assert "1.2.0 (not registered; serves inference/canary)" in refused.output
    assert weights(sm, "mlinfra-prod-inference") == {"production": 80, "canary": 20}

    _approve(sm, config, "1.2.0")
    done = runner.invoke(app, ["promote", str(config), "--endpoint", "inference", "--canary", "50"])
    assert done.exit_code == 0, done.output
    assert weights(sm, "mlinfra-prod-inference") == {"production": 50, "canary": 50}
