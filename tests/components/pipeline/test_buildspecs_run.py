"""The rendered buildspecs' commands, run as CodeBuild runs them: by ``sh``, phase after phase in one shell,
in the folder CodeBuild would use, with the environment variables their projects set.

The tools they call are local stand-ins: ``mlinfra`` itself (the venv's, its AWS calls answered by a moto
server through AWS_ENDPOINT_URL), ``terraform`` (this machine's, on the stand-in provider), and recording
stubs for ``docker`` and ``aws`` (the AWS CLI: ``s3 cp`` and ``ecr get-login-password``). The install phase
is not run (it downloads mlinfra and terraform); everything after it is. So a typo in a command, a flag
mlinfra does not have, a file a stage expects and another does not leave, fail here.

The mlinfra processes render the tree Terraform 1.0.3 takes (tests/support/buildspec_shim/sitecustomize.py:
no S3 backend, so the state is local to the folder; see tests/support/terraform_cycle.relax).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.conftest import ROOT
from tests.support.aws import FAKE_ENV, UNSET_ENV

EXAMPLE = ROOT / "examples" / "pipeline.yaml"
SHIM = ROOT / "tests" / "support" / "buildspec_shim"
COMMIT = "0123abc"
REPOSITORY_URL = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/fraud-prod"

DOCKER = """#!/bin/sh
echo "docker $*" >> "$STUB_LOG"
case "$1" in
  login) cat > /dev/null ;;
  build) [ -f "$3" ] || { echo "docker build: no Dockerfile $3" >&2; exit 1; } ;;
  push) ;;
  *) echo "docker stub: unexpected $*" >&2; exit 1 ;;
esac
"""
AWS = """#!/bin/sh
echo "aws $*" >> "$STUB_LOG"
case "$1 $2" in
  "s3 cp") [ -f "$3" ] || { echo "aws s3 cp: no file $3" >&2; exit 1; }
           case "$4" in s3://*) ;; *) echo "aws s3 cp: not an S3 URI: $4" >&2; exit 1 ;; esac ;;
  "ecr get-login-password") echo token ;;
  *) echo "aws stub: unexpected $*" >&2; exit 1 ;;
esac
"""


class Stage:
    """Runs one buildspec's phases after install, in ``cwd``, with its project's variables."""

    def __init__(self, tree: Path, env: dict[str, str]):
        self.tree, self.env = tree, env

    def run(self, stage: str, cwd: Path, variables: dict[str, str], edit=None) -> subprocess.CompletedProcess[str]:
        text = (self.tree / "modules" / "pipeline" / f"buildspec-{stage}.yml").read_text(encoding="utf-8")
        spec = yaml.safe_load(edit(text) if edit else text)
        assert next(iter(spec["phases"])) == "install"
        commands = [c for phase in list(spec["phases"])[1:] for c in spec["phases"][phase]["commands"]]
        script = "set -e\n" + "\n".join(commands) + "\n"
        return subprocess.run(
            ["sh", "-c", script],
            cwd=cwd,
            env={**self.env, **variables},
            capture_output=True,
            text=True,
            timeout=900,
            check=False,
        )


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """The GitHub repository as the Source stage hands it over: the config, the Dockerfile, and the
    rendered tree committed beside them (Build checks it with render --check)."""
    repo = tmp_path / "repo"
    repo.mkdir()
    shutil.copy(EXAMPLE, repo / "mlinfra.yaml")
    shutil.copy(ROOT / "examples" / "mlinfra.schema.json", repo / "mlinfra.schema.json")
    (repo / "docker").mkdir()
    (repo / "docker" / "Dockerfile").write_text("FROM public.ecr.aws/docker/library/python:3.12-slim\n")
    return repo


@pytest.fixture
def env(tmp_path: Path, terraform, standin_env, moto_server: str) -> dict[str, str]:
    stubs = tmp_path / "stubs"
    stubs.mkdir()
    for name, text in (("docker", DOCKER), ("aws", AWS)):
        (stubs / name).write_text(text)
        (stubs / name).chmod(0o755)
    # terraform and mlinfra as the buildspecs call them: by name, on PATH.
    (stubs / "terraform").symlink_to(terraform.binary)
    (stubs / "mlinfra").symlink_to(Path(sys.executable).parent / "mlinfra")
    base = {k: v for k, v in os.environ.items() if not k.startswith("AWS_") and k not in UNSET_ENV}
    return {
        **base,
        **{k: v for k, v in standin_env.items() if k.startswith(("TF_", "STANDIN"))},
        **FAKE_ENV,
        "AWS_REGION": "eu-west-1",
        "AWS_DEFAULT_REGION": "eu-west-1",
        "AWS_ENDPOINT_URL": moto_server,
        "PATH": f"{stubs}:/usr/bin:/bin",
        "PYTHONPATH": f"{SHIM}:{ROOT}",
        "MLINFRA_TEST_RELAX": "1",
        "STUB_LOG": str(tmp_path / "stubs.log"),
    }


@pytest.fixture
def stage(repo: Path, env: dict[str, str]) -> Stage:
    rendered = subprocess.run(["mlinfra", "render", "mlinfra.yaml"], cwd=repo, env=env, capture_output=True, text=True, check=False)
    assert rendered.returncode == 0, rendered.stdout + rendered.stderr
    return Stage(repo / "build" / "terraform", env)


def _project_variables(tree: Path, stage: str) -> set[str]:
    text = (tree / "modules" / "pipeline" / "main.tf").read_text(encoding="utf-8")
    block = text.split(f'resource "aws_codebuild_project" "{stage}" {{', 1)[1].split("\nresource ", 1)[0]
    return {line.split('"')[1] for line in block.splitlines() if line.strip().startswith("name ") and '"' in line} - {
        f"${{var.name}}-{stage}"
    }


def _stub_log(env: dict[str, str]) -> list[str]:
    log = Path(env["STUB_LOG"])
    return log.read_text().splitlines() if log.exists() else []


@pytest.mark.terraform
def test_build_plan_and_apply_stages_run_their_commands(repo: Path, env: dict[str, str], stage: Stage, tmp_path: Path) -> None:
    tree = stage.tree
    build_vars = {
        "DOCKERFILE": "docker/Dockerfile",
        "IMAGE_REPOSITORY_URL": REPOSITORY_URL,
        "MLINFRA_CONFIG": "mlinfra.yaml",
        "MLINFRA_VERSION": "0.0.0",
        "COMMIT_ID": COMMIT,
    }
    plan_vars = {"ARTIFACT_BUCKET": "fraud-prod-euw1-deploy-123456789012", "MLINFRA_CONFIG": "mlinfra.yaml", "MLINFRA_VERSION": "0.0.0", "TERRAFORM_VERSION": "1.10.5", "COMMIT_ID": COMMIT}
    apply_vars = {"MLINFRA_CONFIG": "mlinfra.yaml", "MLINFRA_VERSION": "0.0.0", "TERRAFORM_VERSION": "1.10.5"}
    # The variables given here are the ones the rendered projects set (and the pipeline's COMMIT_ID).
    assert _project_variables(tree, "build") == set(build_vars) - {"COMMIT_ID"}
    assert _project_variables(tree, "plan") == set(plan_vars) - {"COMMIT_ID"}
    assert _project_variables(tree, "apply") == set(apply_vars)

    build = stage.run("build", repo, build_vars)
    assert build.returncode == 0, build.stdout + build.stderr
    assert "is up to date" in build.stdout  # render --check against the committed tree
    assert f"docker push {REPOSITORY_URL}:{COMMIT}" in _stub_log(env)

    plan = stage.run("plan", repo, plan_vars)
    assert plan.returncode == 0, plan.stdout + plan.stderr
    assert "not applied (--plan-only)" in plan.stdout
    assert (tree / "mlinfra.tfplan").is_file() and "Terraform will perform" in (tree / "plan.txt").read_text()
    assert f"aws s3 cp build/terraform/plan.txt s3://{plan_vars['ARTIFACT_BUCKET']}/plans/{COMMIT}/plan.txt" in _stub_log(env)

    # The Plan stage's artifact as CodePipeline hands it to Apply: base-directory build/terraform, every
    # file but the providers (reinstalled by init from the artifact's lock file).
    artifact = tmp_path / "artifact-plan"
    shutil.copytree(tree, artifact, symlinks=True, ignore=lambda d, names: ["providers"] if Path(d).name == ".terraform" else [])
    codebuild = {"CODEBUILD_SRC_DIR": str(artifact), "CODEBUILD_SRC_DIR_source": str(repo)}
    applied = stage.run("apply", artifact, {**apply_vars, **codebuild})
    assert applied.returncode == 0, applied.stdout + applied.stderr
    assert "applying its saved plan (mlinfra.tfplan)" in applied.stdout and "\napplied\n" in applied.stdout
    state = json.loads((artifact / "terraform.tfstate").read_text())
    created = {r["type"] for r in state["resources"] if r["mode"] == "managed"}
    assert {"aws_sagemaker_endpoint", "aws_codepipeline"} <= created

    # A typo in a command fails the stage: here, a flag deploy does not have.
    typo = stage.run("apply", artifact, {**apply_vars, **codebuild}, edit=lambda t: t.replace("--from-plan", "--from-plan-file"))
    assert typo.returncode == 2 and "No such option: --from-plan-file" in typo.stderr, typo.stdout + typo.stderr


@pytest.fixture
def live(moto_server: str):
    """The example's endpoint as Apply left it: main 100, canary 0, and the alarms the config names."""
    from tests.support.aws import make_alarm, make_endpoint, server_client

    sm, cw = server_client(moto_server, "sagemaker", "eu-west-1"), server_client(moto_server, "cloudwatch", "eu-west-1")
    make_endpoint(sm, "fraud-prod-scoring", {"main": 100.0, "canary": 0.0})
    for variant in ("main", "canary"):
        make_alarm(cw, f"fraud-prod-scoring-{variant}-latency-p99", "fraud-prod-scoring", variant)
        make_alarm(cw, f"fraud-prod-scoring-{variant}-5xx-rate", "fraud-prod-scoring", variant, metric_math=True)
    return sm, cw


CANARY_VARS = {
    "BAKE_MINUTES": "10",
    "CANARY_ENDPOINT": "scoring",
    "CANARY_PERCENT": "20",
    "CANARY_VARIANT": "canary",
    "MLINFRA_CONFIG": "mlinfra.yaml",
    "MLINFRA_VERSION": "0.0.0",
}


def test_the_canary_stage_shifts_the_percentage_after_the_bake_and_promote_the_rest(repo: Path, env: dict[str, str], stage: Stage, live) -> None:
    sm, _ = live
    assert _project_variables(stage.tree, "canary") == set(CANARY_VARS)
    ran = stage.run("canary", repo, {**CANARY_VARS, "MLINFRA_TEST_CLOCK": "fake"})
    assert ran.returncode == 0, ran.stdout + ran.stderr
    live_weights = {v["VariantName"]: v["CurrentWeight"] for v in sm.describe_endpoint(EndpointName="fraud-prod-scoring")["ProductionVariants"]}
    assert live_weights == {"main": 80.0, "canary": 20.0}
    assert "canary of scoring at 20 percent, baked 10 minutes" in ran.stdout

    # After the second approval: all of the endpoint's traffic to the canary.
    promote_vars = {k: CANARY_VARS[k] for k in ("CANARY_ENDPOINT", "CANARY_VARIANT", "MLINFRA_CONFIG", "MLINFRA_VERSION")}
    assert _project_variables(stage.tree, "promote") == set(promote_vars)
    promoted = stage.run("promote", repo, promote_vars)
    assert promoted.returncode == 0, promoted.stdout + promoted.stderr
    live_weights = {v["VariantName"]: v.get("CurrentWeight", 0.0) for v in sm.describe_endpoint(EndpointName="fraud-prod-scoring")["ProductionVariants"]}
    assert live_weights == {"main": 0.0, "canary": 100.0}
    assert "canary of scoring serves all traffic" in promoted.stdout


def test_the_canary_stage_fails_while_an_alarm_fires(repo: Path, env: dict[str, str], stage: Stage, live) -> None:
    sm, cw = live
    cw.set_alarm_state(AlarmName="fraud-prod-scoring-canary-5xx-rate", StateValue="ALARM", StateReason="test")
    ran = stage.run("canary", repo, {**CANARY_VARS, "MLINFRA_TEST_CLOCK": "fake"})
    assert ran.returncode != 0 and "fraud-prod-scoring-canary-5xx-rate" in ran.stdout + ran.stderr, ran.stdout + ran.stderr
    # (moto leaves a variant's CurrentWeight of 0 out: it reads as 0.)
    live_weights = {v["VariantName"]: v.get("CurrentWeight", 0.0) for v in sm.describe_endpoint(EndpointName="fraud-prod-scoring")["ProductionVariants"]}
    assert live_weights == {"main": 100.0, "canary": 0.0}
