"""`mlinfra deploy` of the split example (examples/fleet-stacks.yaml) end to end: the real render, the real
terraform on the stand-in provider (backed by a moto server, so deploy's checks around each apply see what
Terraform created), stack by stack. The orchestration's rules on small trees are tests/test_ops_stacks.py;
this test runs them on what mlinfra renders: every stack applied in order with its remote state read, a
second deploy planning nothing, and a change to one endpoint planning its group (and front, which needs
it) alone."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

import mlinfra.pipeline
from mlinfra.cli import app
from tests.support.aws import fake_credentials, server_client
from tests.support.configs import edited
from tests.support.standin.moto_backing import MOTO_ENV
from tests.support.terraform_cycle import relax, terraform_binary

pytestmark = pytest.mark.terraform
ROLE = "arn:aws:iam::123456789012:role/apigateway-cloudwatch"


@pytest.fixture
def relaxed_render(monkeypatch):
    """The real render, with the test-only adjustments Terraform 1.0.3 needs (tests/support/terraform_cycle.py);
    the stacks kept."""
    real = mlinfra.pipeline.render_project

    def render(config, base_dir=Path(".")):
        rendered = real(config, base_dir)
        return dataclasses.replace(rendered, files=relax(rendered.files))

    monkeypatch.setattr(mlinfra.pipeline, "render_project", render)


def _row(output: str, stack: str) -> list[str]:
    table = output[output.rindex("stack  ") :]
    return next(line for line in table.splitlines() if line.split()[:1] == [stack]).split()


def test_deploy_the_split_example(moto_server, standin_env, relaxed_render, tmp_path: Path, monkeypatch) -> None:
    fake_credentials(monkeypatch)
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_server)  # deploy's own AWS calls (its checks around the applies)
    region = "eu-west-1"
    # The example logs its API and leaves the account's API Gateway logging role to others: the account has one.
    server_client(moto_server, "apigateway", region).update_account(
        patchOperations=[{"op": "replace", "path": "/cloudwatchRoleArn", "value": ROLE}]
    )
    env = {**standin_env, MOTO_ENV: moto_server}
    config = edited("fleet-stacks", tmp_path / "config")
    out = tmp_path / "out"
    runner = CliRunner()

    def deploy():
        result = runner.invoke(app, ["deploy", str(config), "-o", str(out), "--auto-approve", "--terraform", terraform_binary()], env=env)
        assert "Traceback" not in result.output, result.output
        assert result.exit_code == 0, result.output
        return result.output

    first = deploy()
    order = ["shared", "fraud", "pricing", "search", "front"]
    for stack in order:
        assert _row(first, stack)[1] == "applied", first
    # front read the groups' state: the monitored endpoints' names it took from fraud and pricing are theirs.
    state = {s: json.loads((out / s / "terraform.tfstate").read_text()) for s in order}
    read = {r["name"]: r["instances"][0]["attributes"]["outputs"]["value"] for r in state["front"]["resources"] if r["type"] == "terraform_remote_state"}
    assert sorted(read) == ["fraud", "pricing", "shared"]
    for producer in ("fraud", "pricing", "shared"):
        assert read[producer] == {k: v["value"] for k, v in state[producer]["outputs"].items()}
    endpoints = {e["EndpointName"] for e in server_client(moto_server, "sagemaker", region).list_endpoints()["Endpoints"]}
    assert {"fleet-prod-fraud-scoring", "fleet-prod-search-embed"} <= endpoints

    again = deploy()
    for stack in order:
        assert f"stack {stack}: unchanged since the last apply (skipped)" in again, again

    # One endpoint of the fraud group gets a second instance: its group is planned and applied (a new endpoint
    # configuration), front is planned again because it needs fraud, and nothing else is.
    config.write_text(
        config.read_text().replace(
            "      - {name: main, model: fraud@1.0.0, instance_type: ml.m5.large, instance_count: 1}",
            "      - {name: main, model: fraud@1.0.0, instance_type: ml.m5.large, instance_count: 2}",
        )
    )
    changed = deploy()
    assert _row(changed, "fraud")[1] == "applied" and "to change" in " ".join(_row(changed, "fraud")), changed
    for stack in ("shared", "pricing", "search"):
        assert f"stack {stack}: unchanged since the last apply (skipped)" in changed, changed
    assert _row(changed, "front")[1:3] == ["no", "changes"], changed

    # status reads the config and AWS, not the tree: a split deployment is reported as a single one would be,
    # with the alarms (applied by the fraud stack) found and no drift.
    status = runner.invoke(app, ["status", str(config), "--endpoint", "fraud-scoring", "--json"], env=env)
    assert status.exit_code == 0, status.output
    report = json.loads(status.output)
    assert report["endpoint"] == "fleet-prod-fraud-scoring" and not report["drift"], report
    assert [v["name"] for v in report["variants"]] == ["main"] and report["alarms"], report
