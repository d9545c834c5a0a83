"""Named models in the registry (#20): one model package group per model, each model's own quality gate
against its own production version, and the ``mlinfra models`` operations addressed as model@version
(in-process moto)."""

from __future__ import annotations

from pathlib import Path

import pytest

from mlinfra.components.registry.section import group_names
from mlinfra.model_registry.lifecycle import lifecycle, traffic
from mlinfra.model_registry.packages import RegistryError, find, packages, register, set_status, validate
from mlinfra.ops.aws import Clients
from mlinfra.pipeline import load_config
from tests.support.configs import copy_examples, edit, render, write_config
from tests.test_config_models import _named_platform

FIRST, RANKER = "mlinfra-prod", "mlinfra-prod-ranker"

RANKER_MODEL = (
    "\n\n# The registry",
    "\n  - name: ranker\n    versions:\n"
    "      - {version: 1.1.0, status: production, image: 123456789012.dkr.ecr.us-east-1.amazonaws.com/ranker:1.1.0, metrics: {accuracy: 0.60}}\n"
    "      - {version: 2.1.0, status: staging, image: 123456789012.dkr.ecr.us-east-1.amazonaws.com/ranker:2.1.0, metrics: {accuracy: 0.62}}\n"
    "\n# The registry",
)
# The ranker's own gate: the registry's (accuracy >= 0.90) would refuse every ranker version.
RANKER_GATE = (
    "  require_approval: false",
    "  require_approval: false\n  models:\n    ranker:\n      quality_gate:\n"
    '        thresholds: {accuracy: ">= 0.5"}\n'
    "        versus_production: [{metric: accuracy, max_regression: 0.01}]",
)


@pytest.fixture
def config_path(tmp_path: Path) -> Path:
    copy_examples(tmp_path)
    return write_config(tmp_path, edit(_named_platform(), RANKER_MODEL, RANKER_GATE), "two.yaml")


@pytest.fixture
def sm(aws):
    for group in (FIRST, RANKER):
        aws.sm.create_model_package_group(ModelPackageGroupName=group)
    return aws.sm


def _clients(sm) -> Clients:
    return Clients(factory=lambda name: {"sagemaker": sm}[name])


def test_the_first_model_keeps_the_group_and_each_other_gets_its_own(config_path: Path) -> None:
    cfg = load_config(config_path)
    assert group_names(cfg) == {"mlinfra": FIRST, "ranker": RANKER}
    pinned = load_config(
        write_config(
            config_path.parent,
            edit(config_path.read_text(), ("    ranker:\n", "    ranker:\n      model_package_group: ranking-models\n")),
            "pinned.yaml",
        )
    )
    assert group_names(pinned)["ranker"] == "ranking-models"


def test_each_version_registers_into_its_models_group(sm, config_path: Path) -> None:
    cfg = load_config(config_path)
    first = register(_clients(sm), cfg, "mlinfra@1.2.0")
    ranker = register(_clients(sm), cfg, "ranker@2.1.0")
    assert sm.describe_model_package(ModelPackageName=first.package.arn)["ModelPackageGroupName"] == FIRST
    d = sm.describe_model_package(ModelPackageName=ranker.package.arn)
    assert d["ModelPackageGroupName"] == RANKER and d["ModelPackageVersion"] == 1
    assert d["ModelPackageDescription"] == "mlinfra-prod model ranker 2.1.0"
    assert d["CustomerMetadataProperties"] == {"mlinfra:version": "2.1.0", "metric:accuracy": "0.62"}
    assert [p.version for p in packages(_clients(sm), FIRST)] == ["1.2.0"]
    assert [p.version for p in packages(_clients(sm), RANKER)] == ["2.1.0"]


def test_the_gate_is_the_models_own_against_its_own_production(config_path: Path) -> None:
    cfg = load_config(config_path)
    ranker = validate(cfg, "ranker@2.1.0")
    # Against ranker@1.1.0 (0.60), not mlinfra@1.1.0 (0.89); with its own threshold, not the registry's 0.90.
    assert ranker.passed and ranker.production == "ranker@1.1.0"
    assert {c.rule for c in ranker.checks} == {">= 0.5", ">= production ranker@1.1.0 (0.6) - 0.01"}
    worse = validate(cfg, "ranker@2.1.0", {"accuracy": 0.55})
    assert [c.metric for c in worse.failures] == ["accuracy"] and "below production ranker@1.1.0" in worse.summary()
    first = validate(cfg, "mlinfra@1.2.0")
    assert first.passed and first.production == "mlinfra@1.1.0"


def test_a_version_two_models_have_must_name_its_model(sm, config_path: Path) -> None:
    cfg = load_config(config_path)
    with pytest.raises(RegistryError, match=r"all have a version 1\.1\.0: name one, e\.g\. mlinfra@1\.1\.0"):
        register(_clients(sm), cfg, "1.1.0")
    with pytest.raises(RegistryError, match=r"version ranker@9\.0\.0 is not in the config's models"):
        validate(cfg, "ranker@9.0.0")
    assert register(_clients(sm), cfg, "2.1.0").package.arn.split("/")[-2] == RANKER  # one model has 2.1.0


def test_approval_and_deprecation_touch_only_that_models_group(sm, config_path: Path) -> None:
    cfg = load_config(config_path)
    register(_clients(sm), cfg, "mlinfra@1.2.0")
    register(_clients(sm), cfg, "ranker@2.1.0")
    approved = set_status(_clients(sm), cfg, "ranker@2.1.0", "Approved", "ok")
    assert approved.status == "Approved"
    assert find(_clients(sm), FIRST, "1.2.0").status == "PendingManualApproval"  # type: ignore[union-attr]
    gone = set_status(_clients(sm), cfg, "ranker@2.1.0", "Rejected", "retired", deprecate=True)
    assert gone.deprecated and find(_clients(sm), RANKER, "2.1.0").deprecated  # type: ignore[union-attr]
    with pytest.raises(RegistryError, match=r"ranker@1\.1\.0 is not registered in mlinfra-prod-ranker"):
        set_status(_clients(sm), cfg, "ranker@1.1.0", "Approved", "ok")


def test_the_lifecycle_table_is_per_model(sm, config_path: Path) -> None:
    cfg = load_config(config_path)
    register(_clients(sm), cfg, "ranker@2.1.0")
    shares = traffic(cfg)
    assert shares["mlinfra@1.1.0"] == {"inference/production": 80.0, "serverless/serverless": 100.0}
    ranker = lifecycle(cfg, packages(_clients(sm), RANKER), "ranker")
    assert [(r.ref, r.status, r.notes) for r in ranker] == [
        ("ranker@1.1.0", "production", ("not registered",)),
        ("ranker@2.1.0", "staging", ()),
    ]
    first = lifecycle(cfg, packages(_clients(sm), FIRST), "mlinfra")
    assert [r.ref for r in first] == ["mlinfra@1.0.0", "mlinfra@1.1.0", "mlinfra@1.2.0", "mlinfra@2.0.0"]
    assert first[1].to_json()["model"] == "mlinfra"


def test_the_registry_renders_one_group_per_model(config_path: Path, tmp_path: Path) -> None:
    out = render(config_path, tmp_path / "out")
    main = (out / "modules" / "registry" / "main.tf").read_text()
    assert 'resource "aws_sagemaker_model_package_group" "this"' in main  # the first model's: not replaced
    assert 'resource "aws_sagemaker_model_package_group" "models"' in main and "for_each = var.model_package_groups" in main
    root = (out / "main.tf").read_text()
    assert (
        '    ranker = {\n      name        = "mlinfra-prod-ranker"\n'
        '      description = "mlinfra mlinfra-prod: versions of model ranker (mlinfra models register ranker)"'
    ) in root
    assert 'output "model_package_group_names"' in (out / "outputs.tf").read_text()


def test_a_one_model_config_renders_no_other_groups(tmp_path: Path) -> None:
    out = render(copy_examples(tmp_path), tmp_path / "out")
    assert "model_package_groups" not in (out / "modules" / "registry" / "main.tf").read_text()
    assert "model_package_group_names" not in (out / "outputs.tf").read_text()


def test_registry_models_name_listed_models(config_path: Path) -> None:
    from tests.support.configs import refused

    text = edit(config_path.read_text(), ("    ranker:\n      quality_gate:", "    rankr:\n      quality_gate:"))
    problems = refused(write_config(config_path.parent, text, "typo.yaml")).problems
    assert [(p.path, p.code) for p in problems] == [("registry.models.rankr", "registry-unknown-model")]
    assert 'did you mean "ranker"?' in problems[0].message


def test_a_full_promotion_changes_only_the_promoted_models_lifecycle(config_path: Path) -> None:
    from mlinfra.ops.config_edit import promote_version

    version, changes = promote_version(config_path, "inference", "canary", {"production": 0, "canary": 100})
    assert version == "mlinfra@1.2.0" and changes == {"mlinfra@1.1.0": "previous"}
    cfg = load_config(config_path)
    assert [(v.ref, v.entry.status) for v in cfg.versions() if v.entry.status in {"production", "previous"}] == [
        ("mlinfra@1.1.0", "previous"),
        ("mlinfra@1.2.0", "production"),
        ("ranker@1.1.0", "production"),  # the other model's production version stays
    ]


def test_status_names_the_model_version_behind_each_variant(config_path: Path) -> None:
    from mlinfra.components.endpoint.plan import endpoints_plan

    plan = endpoints_plan(load_config(config_path), "mlinfra-prod").endpoints[0]
    assert {v.name: v.model.ref for v in plan.variants} == {"production": "mlinfra@1.1.0", "canary": "mlinfra@1.2.0"}


def test_a_model_with_its_own_repository_gets_it_and_the_role_pulls_from_it(config_path: Path, tmp_path: Path) -> None:
    text = edit(
        config_path.read_text(),
        ("    ranker:\n", "    ranker:\n      ecr_repository: ranker\n"),
    )
    out = render(write_config(config_path.parent, text, "own.yaml"), tmp_path / "out")
    main = (out / "modules" / "registry" / "main.tf").read_text()
    assert 'resource "aws_ecr_repository" "models"' in main and 'resource "aws_ecr_lifecycle_policy" "models"' in main
    root = (out / "main.tf").read_text()
    # The ranker's two image tags are kept (never expired) in its own repository.
    assert 'ranker = {\n      name            = "ranker"\n      image_retention = 20\n      kept_tags = [\n        "1.1.0",\n        "2.1.0",\n      ]' in root
    assert '"arn:${data.aws_partition.current.partition}:ecr:us-east-1:${data.aws_caller_identity.current.account_id}:repository/ranker"' in root
