"""Registry operations in-process against moto's SageMaker model packages (create/list/describe/update)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from mlinfra.model_registry.lifecycle import ApprovalRequired, lifecycle, require_approved, traffic, unapproved
from mlinfra.model_registry.packages import RegistryError, find, packages, register, set_status, validate
from mlinfra.ops.aws import Clients
from mlinfra.pipeline import load_config
from tests.support.configs import copy_examples, edited

GROUP = "mlinfra-prod"


@pytest.fixture
def config_path(tmp_path: Path) -> Path:
    return copy_examples(tmp_path)


@pytest.fixture
def sm(aws):
    aws.sm.create_model_package_group(ModelPackageGroupName=GROUP)
    return aws.sm


def _clients(sm) -> Clients:
    return Clients(factory=lambda name: {"sagemaker": sm}[name])


def test_a_better_model_is_admitted_pending_approval(sm, config_path) -> None:
    cfg = load_config(config_path)
    done = register(_clients(sm), cfg, "1.2.0")
    assert done.gate.passed and done.package.status == "PendingManualApproval"
    d = sm.describe_model_package(ModelPackageName=done.package.arn)
    assert d["ModelPackageGroupName"] == GROUP and d["ModelPackageVersion"] == 1
    assert d["CustomerMetadataProperties"] == {"mlinfra:version": "1.2.0", "metric:accuracy": "0.91"}
    (container,) = d["InferenceSpecification"]["Containers"]
    assert container["Image"] == "123456789012.dkr.ecr.us-east-1.amazonaws.com/ml-inference:1.2.0"
    assert container["ModelDataUrl"] == "s3://acme-ml-models/models/v1.2.0/model.tar.gz"
    assert container["Environment"]["SAGEMAKER_PROGRAM"] == "inference.py"


def test_a_worse_model_is_rejected_with_the_failing_metric(sm, config_path) -> None:
    cfg = load_config(config_path)
    done = register(_clients(sm), cfg, "1.2.0", {"accuracy": 0.875})
    assert not done.gate.passed
    d = sm.describe_model_package(ModelPackageName=done.package.arn)
    assert d["ModelApprovalStatus"] == "Rejected"
    assert d["ApprovalDescription"] == (
        "quality gate failed: accuracy 0.875 is not >= 0.9; accuracy 0.875 is 0.015 below production 1.1.0 (0.89); allowed: at most 0.01 below"
    )
    assert d["CustomerMetadataProperties"]["metric:accuracy"] == "0.875"  # the metrics it was judged on


def test_register_refuses_twice_unknown_versions_and_a_missing_group(sm, config_path: Path) -> None:
    cfg = load_config(config_path)
    clients = _clients(sm)
    register(clients, cfg, "2.0.0")
    with pytest.raises(RegistryError, match="already registered as arn:aws:sagemaker:us-east-1:123456789012:model-package/mlinfra-prod/1"):
        register(clients, cfg, "2.0.0")
    with pytest.raises(RegistryError, match=r"version 9.9.9 is not in the config's models \(listed: 1.0.0, 1.1.0, 1.2.0, 2.0.0\)"):
        register(clients, cfg, "9.9.9")
    # (moto has no DeleteModelPackageGroup: the config names another group instead)
    edited("platform", config_path.parent, ("registry:\n", "registry:\n  model_package_group: elsewhere\n"))
    with pytest.raises(RegistryError, match="model package group 'elsewhere' does not exist"):
        register(clients, load_config(config_path), "1.2.0")


def test_approve_reject_deprecate_keep_the_metrics(sm, config_path) -> None:
    cfg = load_config(config_path)
    clients = _clients(sm)
    for v in ("1.0.0", "1.1.0", "1.2.0"):
        register(clients, cfg, v)
    approved = set_status(clients, cfg, "1.1.0", "Approved", "approved by ci")
    assert (approved.status, approved.description, approved.metrics) == ("Approved", "approved by ci", {"accuracy": 0.89})
    rejected = set_status(clients, cfg, "1.2.0", "Rejected", "drift in staging")
    assert (rejected.status, rejected.deprecated) == ("Rejected", False)
    gone = set_status(clients, cfg, "1.1.0", "Rejected", "superseded", deprecate=True)
    assert gone.deprecated and gone.metrics == {"accuracy": 0.89}
    assert sm.describe_model_package(ModelPackageName=gone.arn)["CustomerMetadataProperties"]["mlinfra:lifecycle"] == "deprecated"
    with pytest.raises(RegistryError, match=re.escape("2.0.0 is not registered in mlinfra-prod: run mlinfra models register 2.0.0")):
        set_status(clients, cfg, "2.0.0", "Approved", "x")
    assert [p.version for p in packages(clients, GROUP)] == ["1.0.0", "1.1.0", "1.2.0"]
    assert find(clients, GROUP, "1.0.0").status == "Rejected"  # 0.85 fails the gate


def test_lifecycle_table_joins_config_and_registry(sm, config_path) -> None:
    cfg = load_config(config_path)
    clients = _clients(sm)
    register(clients, cfg, "1.1.0")
    set_status(clients, cfg, "1.1.0", "Approved", "ok")
    register(clients, cfg, "1.2.0")
    rows = {r.version: r for r in lifecycle(cfg, packages(clients, GROUP))}
    assert list(rows) == ["1.0.0", "1.1.0", "1.2.0", "2.0.0"]
    assert (rows["1.1.0"].status, rows["1.1.0"].traffic, rows["1.1.0"].package.status) == ("production", {"inference/production": 80.0, "serverless/serverless": 100.0}, "Approved")
    assert rows["1.2.0"].traffic == {"inference/canary": 20.0}
    assert rows["1.2.0"].notes == ("serves traffic but its package is PendingManualApproval",)
    assert rows["2.0.0"].package is None and rows["2.0.0"].notes == ("not registered",)
    assert rows["1.0.0"].metrics == {"accuracy": 0.85}


def test_traffic_is_the_share_of_each_endpoint(config_path) -> None:
    assert traffic(load_config(config_path)) == {
        "1.1.0": {"inference/production": 80.0, "serverless/serverless": 100.0},
        "1.2.0": {"inference/canary": 20.0},
    }


def test_require_approval_names_every_unapproved_version_with_traffic(sm, config_path) -> None:
    cfg = load_config(edited("platform", config_path.parent, ("require_approval: false", "require_approval: true")))
    clients = _clients(sm)
    # 1.1.0 (accuracy 0.89) predates the 0.90 threshold: the gate rejects it on registration
    assert register(clients, cfg, "1.1.0").package.status == "Rejected"
    with pytest.raises(ApprovalRequired) as info:
        require_approved(cfg, clients)
    message = str(info.value)
    assert "1.1.0 (Rejected; serves inference/production, serverless/serverless)" in message
    assert "1.2.0 (not registered; serves inference/canary)" in message
    assert "2.0.0" not in message and "1.0.0" not in message  # staging / deprecated: no traffic
    assert [(u.version, u.approval) for u in unapproved(cfg, clients)] == [("1.1.0", "Rejected"), ("1.2.0", None)]

    set_status(clients, cfg, "1.1.0", "Approved", "ok")
    register(clients, cfg, "1.2.0")
    assert [u.version for u in unapproved(cfg, clients)] == ["1.2.0"]
    set_status(clients, cfg, "1.2.0", "Approved", "ok")
    require_approved(cfg, clients)  # every version with traffic is approved: no error
    # narrowed to one version (promote's question): 2.0.0 has no package
    assert [(u.version, u.approval) for u in unapproved(cfg, clients, ["2.0.0"])] == [("2.0.0", None)]
    set_status(clients, cfg, "1.2.0", "Rejected", "regressed", deprecate=True)
    with pytest.raises(ApprovalRequired, match=r"1.2.0 \(Rejected; serves inference/canary\)"):
        require_approved(cfg, clients)


def test_require_approval_off_asks_nothing(config_path) -> None:
    class Refuses:
        def __getattr__(self, name):
            raise AssertionError(f"no AWS call expected, got {name}")

    require_approved(load_config(config_path), Clients(factory=lambda name: Refuses()))


def test_validate_is_offline(config_path) -> None:
    cfg = load_config(config_path)
    assert validate(cfg, "2.0.0").passed
    assert not validate(cfg, "2.0.0", {"accuracy": 0.5}).passed
