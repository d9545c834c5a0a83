"""registry.owner_environment (#20 step 5): the names the registry fixes belong to the project; the owner
environment creates them, every other environment reads them and creates none."""

from __future__ import annotations

from pathlib import Path

from mlinfra.pipeline import load_config
from tests.support.configs import edit, example, refused, render, write_config

REGISTRY = example("registry")


def _qa(text: str) -> str:
    return edit(text, ("  environment: prod\n", "  environment: qa\n"))


def test_the_owner_creates_the_fixed_names(tmp_path: Path) -> None:
    main = (render(write_config(tmp_path, REGISTRY, beside_examples=True), tmp_path / "out") / "modules" / "registry" / "main.tf").read_text()
    for created in ('resource "aws_s3_bucket" "this"', 'resource "aws_ecr_repository" "this"', 'resource "aws_sagemaker_model_package_group" "this"'):
        assert created in main


def test_another_environment_reads_them_and_creates_none(tmp_path: Path) -> None:
    out = render(write_config(tmp_path, _qa(REGISTRY), beside_examples=True), tmp_path / "out")
    main = (out / "modules" / "registry" / "main.tf").read_text()
    assert 'resource "aws_s3_bucket' not in main and 'resource "aws_ecr_repository' not in main
    assert 'resource "aws_sagemaker_model_package_group' not in main
    assert 'data "aws_ecr_repository" "this"' in main
    assert 'bucket_arn = "arn:${data.aws_partition.current.partition}:s3:::${var.bucket_name}"' in main
    outputs = (out / "modules" / "registry" / "outputs.tf").read_text()
    assert "value       = var.bucket_name" in outputs and "value       = local.model_package_group_arn" in outputs
    assert "value       = data.aws_ecr_repository.this.repository_url" in outputs


def test_without_an_owner_validate_notes_the_hazard_once(tmp_path: Path) -> None:
    config = write_config(tmp_path, edit(REGISTRY, ("  owner_environment: prod\n", "")), beside_examples=True)
    notes: list = []
    load_config(config, notes=notes)
    hazard = [n for n in notes if n.code == "registry-fixed-names-owner"]
    assert [(n.path, n.line) for n in hazard] == [("registry", REGISTRY.splitlines().index("registry:") + 1)]
    assert "models_bucket acme-churn-models, ecr_repository churn/scoring, model_package_group churn-scoring" in hazard[0].message
    assert "(owner_environment: prod)" in hazard[0].message
    owned: list = []
    load_config(write_config(tmp_path / "owned", REGISTRY, beside_examples=True), notes=owned)
    assert not [n for n in owned if n.code == "registry-fixed-names-owner"]


def test_an_owner_of_no_fixed_name_is_refused(tmp_path: Path) -> None:
    text = edit(
        REGISTRY,
        ("  model_package_group: churn-scoring   # default <project>-<environment>\n", ""),
        ("  models_bucket: acme-churn-models     # default <project>-<environment>-models-<account ID>\n", ""),
        ("  ecr_repository: churn/scoring        # default <project>-<environment>\n", ""),
    )
    problems = refused(write_config(tmp_path, text, beside_examples=True)).problems
    assert [(p.path, p.code) for p in problems] == [("registry.owner_environment", "registry-owner-without-fixed-names")]
