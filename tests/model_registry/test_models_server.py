"""``mlinfra models …``: the real CLI in a subprocess against a moto server on 127.0.0.1."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import copy_examples
from tests.support.aws import Cli, output, server_client

GROUP = "mlinfra-prod"


@pytest.fixture
def sm(moto_server: str):
    client = server_client(moto_server, "sagemaker")
    client.create_model_package_group(ModelPackageGroupName=GROUP)
    return client


@pytest.fixture
def cli(moto_server: str, tmp_path: Path) -> Cli:
    copy_examples(tmp_path)
    return Cli(moto_server, tmp_path)


def _packages(sm) -> dict[str, dict]:
    out = {}
    for s in sm.list_model_packages(ModelPackageGroupName=GROUP)["ModelPackageSummaryList"]:
        d = sm.describe_model_package(ModelPackageName=s["ModelPackageArn"])
        out[d["CustomerMetadataProperties"]["mlinfra:version"]] = d
    return out


def test_validate_exit_codes_for_ci(cli) -> None:
    ok = cli("models", "validate", "2.0.0", "-c", "platform.yaml")
    assert ok.returncode == 0, output(ok)
    assert ok.stdout.splitlines()[0] == "2.0.0: quality gate passed (2 checks) (production: 1.1.0)"
    bad = cli("models", "validate", "1.0.0", "-c", "platform.yaml", "--json")
    assert bad.returncode == 1, output(bad)
    report = json.loads(bad.stdout)
    assert report["passed"] is False and [c["passed"] for c in report["checks"]] == [False, False]


def test_validate_with_an_evaluation_file(cli, tmp_path) -> None:
    (tmp_path / "eval.json").write_text(json.dumps({"accuracy": 0.879}))
    proc = cli("models", "validate", "2.0.0", "-c", "platform.yaml", "--metrics", "eval.json")
    assert proc.returncode == 1, output(proc)
    assert "FAIL  accuracy 0.879 is 0.011 below production 1.1.0 (0.89); allowed: at most 0.01 below" in proc.stdout
    (tmp_path / "eval.json").write_text('{"accuracy": "high"}')
    bad = cli("models", "validate", "2.0.0", "-c", "platform.yaml", "--metrics", "eval.json")
    assert bad.returncode == 2 and "must be an object of metric names to numbers" in bad.stderr, output(bad)


def test_register_admits_a_better_model_and_refuses_a_worse_one(cli, sm, tmp_path) -> None:
    better = cli("models", "register", "1.2.0", "-c", "platform.yaml")
    assert better.returncode == 0, output(better)
    assert "1.2.0: registered as arn:aws:sagemaker:us-east-1:123456789012:model-package/mlinfra-prod/1 (PendingManualApproval)" in better.stdout

    (tmp_path / "eval.json").write_text(json.dumps({"accuracy": 0.95 - 0.08}))
    worse = cli("models", "register", "2.0.0", "-c", "platform.yaml", "--metrics", "eval.json")
    assert worse.returncode == 1, output(worse)
    assert "(Rejected)" in worse.stdout and "accuracy 0.87 is not >= 0.9" in worse.stderr

    packages = _packages(sm)
    assert packages["1.2.0"]["ModelApprovalStatus"] == "PendingManualApproval"
    assert packages["2.0.0"]["ModelApprovalStatus"] == "Rejected"
    assert "accuracy 0.87 is 0.02 below production 1.1.0" in packages["2.0.0"]["ApprovalDescription"]


def test_approve_reject_deprecate_and_the_lifecycle_table(cli, sm) -> None:
    for v in ("1.1.0", "1.2.0", "2.0.0"):
        cli("models", "register", v, "-c", "platform.yaml")
    steps = [
        (("approve", "1.1.0", "--note", "approved after review"), "1.1.0: Approved"),
        (("approve", "1.2.0"), "1.2.0: Approved"),
        (("reject", "2.0.0", "--note", "bias check failed"), "2.0.0: Rejected"),
    ]
    for args, expected in steps:
        proc = cli("models", *args, "-c", "platform.yaml")
        assert proc.returncode == 0 and proc.stdout.startswith(expected), output(proc)
    assert _packages(sm)["1.1.0"]["ApprovalDescription"] == "approved after review"

    listing = cli("models", "list", "-c", "platform.yaml", "--json")
    assert listing.returncode == 0, output(listing)
    rows = {r["version"]: r for r in json.loads(listing.stdout)}
    assert {v: (r["status"], r["package"] and r["package"]["approval"]) for v, r in rows.items()} == {
        "1.0.0": ("deprecated", None),
        "1.1.0": ("production", "Approved"),
        "1.2.0": ("canary", "Approved"),
        "2.0.0": ("staging", "Rejected"),
    }
    assert rows["1.2.0"]["traffic_percent"] == {"inference/canary": 20.0}
    assert rows["1.2.0"]["metrics"] == {"accuracy": 0.91} and rows["1.0.0"]["notes"] == ["not registered"]

    gone = cli("models", "deprecate", "1.2.0", "-c", "platform.yaml")
    assert gone.returncode == 0 and gone.stdout.startswith("1.2.0: Rejected (deprecated)"), output(gone)
    table = cli("models", "list", "-c", "platform.yaml")
    assert table.returncode == 0, output(table)
    lines = table.stdout.splitlines()
    assert lines[0].split() == ["VERSION", "STATUS", "TRAFFIC", "METRICS", "PACKAGE", "APPROVAL"]
    canary = next(x for x in lines if x.startswith("1.2.0"))
    assert "canary" in canary and "inference/canary 20 %" in canary and "accuracy 0.91" in canary and "Rejected (deprecated)" in canary
    assert "1.2.0: serves traffic but its package is Rejected" in table.stdout


def test_unknown_versions_and_a_missing_group(cli, moto_server) -> None:
    proc = cli("models", "approve", "2.0.0", "-c", "platform.yaml")
    assert proc.returncode == 1 and "2.0.0 is not registered in mlinfra-prod" in proc.stderr, output(proc)
    missing = cli("models", "register", "1.2.0", "-c", "platform.yaml")
    assert missing.returncode == 1 and "model package group 'mlinfra-prod' does not exist" in missing.stderr, output(missing)
    unknown = cli("models", "validate", "3.0.0", "-c", "platform.yaml")
    assert unknown.returncode == 1 and "version 3.0.0 is not in the config's models" in unknown.stderr, output(unknown)
