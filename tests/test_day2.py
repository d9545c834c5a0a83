"""Day 2: changes applied on top of a deployed state, as AWS will take them.

Each step starts from the example deployed once (render, init, apply) and its world (the names AWS
holds: tests/support/standin/world.py, ``STANDIN_WORLD``), edits the config, renders it into the same
working directory, plans, checks the plan JSON for what must not happen, applies, and plans again
(empty).  A second region or environment is a second working directory applying into the same world.
Each platform step's effects on AWS (updated in place, blue/green rollout, new objects under new names,
replaced, deleted) must be its row of the README's Day 2 table (tests/support/day2_catalogue.py).

Steps that fail because of a defect of the generated Terraform are ``xfail(strict=True)`` with the
defect's class and AWS's error text: when the fix lands they pass, and strict turns that into a failure
to remove the mark.

Run alone: ``.venv/bin/python -m pytest -m terraform tests/test_day2.py``.
"""

from __future__ import annotations

import json
import re
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.conftest import ROOT, run_concurrently, selected_params
from tests.support.configs import Edit, edited
from tests.support.day2_catalogue import ROWS, effects
from tests.support.terraform_cycle import CycleError, relax, run, terraform_binary

pytestmark = pytest.mark.terraform

KEEP = {".terraform", ".terraform.lock.hcl", "terraform.tfstate", "terraform.tfstate.backup"}


@dataclass
class Applied:
    """One step's outcome: the plan JSON of the change (``plan``), the state before it (``before``)."""

    plan: dict = field(default_factory=dict)
    before: dict = field(default_factory=dict)
    seconds: float = 0.0


#: The tree's root modules, in apply order, as the last render into a working directory laid them out: the
#: folder itself (".") or, for a split tree (the config's stacks section), each stack's folder.
ROOTS = ".day2-roots.json"


def _render_into(config: Path, workdir: Path) -> list[Path]:
    """``config`` rendered (with the test-only adjustments of terraform_cycle.relax) over ``workdir``,
    keeping each root's state and its initialised providers; returns the roots in apply order."""
    from mlinfra.pipeline import load_config, render_project
    from mlinfra.write import write_tree

    staging = workdir.parent / f"{workdir.name}.render"
    shutil.rmtree(staging, ignore_errors=True)
    rendered = render_project(load_config(config), config.parent)
    write_tree(relax(rendered.files), staging)
    workdir.mkdir(parents=True, exist_ok=True)
    _clean(workdir)
    _move_into(staging, workdir)
    staging.rmdir()
    roots = [str(s.directory) for s in rendered.stacks] or ["."]
    (workdir / ROOTS).write_text(json.dumps(roots))
    return [workdir / r for r in roots]


def _clean(folder: Path) -> None:
    """Everything but what terraform keeps (a stack's folder keeps its own)."""
    for entry in folder.iterdir():
        if entry.name in KEEP:
            continue
        if entry.is_dir() and any((entry / k).exists() for k in KEEP):
            _clean(entry)
        else:
            shutil.rmtree(entry) if entry.is_dir() else entry.unlink()


def _move_into(source: Path, target: Path) -> None:
    for entry in source.iterdir():
        if entry.is_dir() and (target / entry.name).is_dir():  # a stack's folder, holding its state
            _move_into(entry, target / entry.name)
            entry.rmdir()
        else:
            shutil.move(str(entry), target / entry.name)


def _roots(workdir: Path) -> list[Path]:
    return [workdir / r for r in json.loads((workdir / ROOTS).read_text())]


def _state(workdir: Path) -> dict:
    """The deployed state, every root's resources together (each stack's addresses are its own modules')."""
    states = [json.loads(f.read_text()) for f in (r / "terraform.tfstate" for r in _roots(workdir)) if f.exists()]
    return {"resources": [r for st in states for r in st.get("resources", [])]} if states else {}


def _apply(config: Path, workdir: Path, env: dict) -> Applied:
    """render, then in each root (a split tree's stacks in their order): init, plan -out, show -json, apply of
    the saved plan, then a plan that must be empty. The plan is every root's together."""
    binary = terraform_binary()
    start = time.perf_counter()
    before = _state(workdir) if (workdir / ROOTS).exists() else {}
    plan: dict = {"resource_changes": []}
    for root in _render_into(config, workdir):
        run(binary, env, root, "init", "init", "-input=false", "-no-color")
        run(binary, env, root, "plan", "plan", "-input=false", "-no-color", "-out=tfplan")
        plan["resource_changes"] += json.loads(run(binary, env, root, "show", "show", "-json", "tfplan").stdout).get("resource_changes", [])
        try:
            run(binary, env, root, "apply", "apply", "-input=false", "-no-color", "-auto-approve", "tfplan")
        except CycleError as exc:  # the plan's checks still hold, whatever AWS answers the apply
            exc.applied = Applied(plan, before, time.perf_counter() - start)  # type: ignore[attr-defined]
            raise
        replan = run(binary, env, root, "replan", "plan", "-input=false", "-no-color", "-detailed-exitcode", ok=(0, 2))
        if replan.returncode == 2:
            raise CycleError("replan", f"the plan after the change is not empty ({root.name}):\n{replan.stdout}")
    return Applied(plan, before, time.perf_counter() - start)


def _destroy(workdir: Path, env: dict) -> None:
    for root in reversed(_roots(workdir)):  # a stack after every stack that reads it
        run(terraform_binary(), env, root, "destroy", "destroy", "-input=false", "-no-color", "-auto-approve")


# --- plan JSON reading -------------------------------------------------------------------------------


def changes(plan: dict, type_name: str | None = None) -> list[dict]:
    return [rc for rc in plan.get("resource_changes", []) if rc["mode"] == "managed" and (type_name is None or rc["type"] == type_name)]


def replaced(plan: dict) -> list[str]:
    return [rc["address"] for rc in changes(plan) if "delete" in rc["change"]["actions"] and "create" in rc["change"]["actions"]]


def deleted(plan: dict, type_name: str) -> list[str]:
    return [rc["address"] for rc in changes(plan, type_name) if "delete" in rc["change"]["actions"]]


def created_names(plan: dict, type_name: str, attr: str = "name") -> set[str]:
    return {rc["change"]["after"][attr] for rc in changes(plan, type_name) if "create" in rc["change"]["actions"]}


def state_names(state: dict, type_name: str, attr: str = "name") -> set[str]:
    return {i["attributes"][attr] for r in state.get("resources", []) if r["mode"] == "managed" and r["type"] == type_name for i in r["instances"]}


# --- the catalogue -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    edits: tuple[Edit, ...] = ()
    kind: str = "change"  # "change": in the deployed tree; "beside": a second tree in the same world; "redeploy"
    check: Callable[[Applied], None] | None = None


def _in_version(version: str, old: str, new: str) -> Callable[[str], str]:
    """Replace ``old`` once inside the models entry of ``version`` (the examples repeat environments)."""

    def change(text: str) -> str:
        start = text.index(f"  - version: {version}\n")
        end = text.find("  - version:", start + 1)
        end = len(text) if end < 0 else end
        block = text[start:end]
        assert block.count(old) == 1, f"{old!r} not once in version {version}"
        return text[:start] + block.replace(old, new) + text[end:]

    return change


def _cut(start: str, end: str) -> Callable[[str], str]:
    """Remove the text from ``start`` (once) up to ``end``."""

    def change(text: str) -> str:
        assert text.count(start) == 1, start
        i = text.index(start)
        return text[:i] + text[text.index(end, i):]

    return change


def _new_model_name(applied: Applied) -> None:
    new = created_names(applied.plan, "aws_sagemaker_model")
    assert new, "no new SageMaker model"
    reused = new & state_names(applied.before, "aws_sagemaker_model")
    assert not reused, f"a model is replaced under its deployed name (create_before_destroy cannot create it): {sorted(reused)}"


def _nothing_replaced(applied: Applied) -> None:
    assert replaced(applied.plan) == [], replaced(applied.plan)


PLATFORM_STEPS: dict[str, Step] = {
    "new-model-version": Step((
        ("    metrics: {accuracy: 0.93}\n", "    metrics: {accuracy: 0.93}\n  - version: 2.1.0\n    status: staging\n"
         "    image: 123456789012.dkr.ecr.us-east-1.amazonaws.com/ml-inference:2.1.0\n"
         "    model_data: s3://acme-ml-models/models/v2.1.0/model.tar.gz\n    metrics: {accuracy: 0.94}\n"),
    ), check=_nothing_replaced),
    "environment-of-a-deployed-version": Step((
        _in_version("1.1.0", '      SAGEMAKER_CONTAINER_LOG_LEVEL: "20"\n', '      SAGEMAKER_CONTAINER_LOG_LEVEL: "10"\n'),
    ), check=_new_model_name),
    "image-tag": Step((("ml-inference:1.1.0\n", "ml-inference:1.1.1\n"),), check=_new_model_name),
    "instance-type": Step((("        instance_type: ml.g4dn.xlarge\n        instance_count: 2\n        weight: 80\n",
                            "        instance_type: ml.g4dn.2xlarge\n        instance_count: 2\n        weight: 80\n"),)),
    "variant-added": Step((
        ("        weight: 20\n", "        weight: 10\n"),
        ("    data_capture:\n", "      - name: challenger\n        model: 2.0.0\n        instance_type: ml.g4dn.xlarge\n"
         "        instance_count: 2\n        weight: 10\n    data_capture:\n"),
    )),
    "variant-removed": Step((
        ("        weight: 80\n", "        weight: 100\n"),
        _cut("      - name: canary\n", "    data_capture:\n"),
    )),
    "capture-and-alarms": Step((
        ("      sampling_percentage: 100\n", "      sampling_percentage: 50\n"),
        ("      latency_p99_ms: 100 ", "      latency_p99_ms: 200 "),
    )),
    "subnets": Step((("    private_subnets: [10.0.1.0/24, 10.0.2.0/24]\n", "    private_subnets: [10.0.1.0/24, 10.0.2.0/24, 10.0.3.0/24]\n"),)),
    "monitor-settings": Step((('        thresholds: {accuracy: ">= 0.90"}\n', '        thresholds: {accuracy: ">= 0.85"}\n'),)),
    "batch-settings": Step((("  instance_type: ml.m5.xlarge\n  instance_count: 5\n", "  instance_type: ml.m5.2xlarge\n  instance_count: 3\n"),)),
    "tags-only": Step((("    team: ml-platform\n", "    team: ml-platform-eu\n"),), check=_nothing_replaced),
    "destroy-and-deploy-again": Step(kind="redeploy"),
    # The same project copied to a second region: every us-east-1 of it (images, layers) moves along.
    "second-region": Step((lambda text: text.replace("us-east-1", "us-west-2"),), kind="beside"),
    "second-environment": Step((("  environment: prod\n", "  environment: staging\n"),), kind="beside"),
}

# Steps that fail today because of a defect of the generated Terraform: the defect's class and the error AWS
# answers the apply with. Strict: the fix makes the step pass, and its mark must go with it.
XFAIL: dict[str, str] = {}


def _endpoint_kept(applied: Applied) -> None:
    assert deleted(applied.plan, "aws_sagemaker_endpoint") == [], "an endpoint is replaced"


class Deployment:
    """An example deployed once (``deployed`` and its ``world.json``), and steps on copies of both."""

    def __init__(self, folder: Path, example: str):
        self.folder, self.example = folder, example
        self.config = edited(example, folder / "config-base")

    def deploy(self, env: dict) -> None:
        _apply(self.config, self.folder / "deployed", {**env, "STANDIN_WORLD": str(self.folder / "world.json")})

    def step(self, name: str, spec: Step, env: dict) -> Applied:
        folder = self.folder / name
        shutil.copytree(self.folder / "deployed", folder / "deployed", symlinks=True)
        shutil.copy(self.folder / "world.json", folder / "world.json")
        env = {**env, "STANDIN_WORLD": str(folder / "world.json")}
        if spec.kind == "redeploy":
            held = _state(folder / "deployed")
            _destroy(folder / "deployed", env)
            applied = _apply(self.config, folder / "deployed", env)
            applied.before = held  # what the destroyed platform held: the names it takes again
            return applied
        changed = edited(self.example, folder / "config", *spec.edits)
        return _apply(changed, folder / ("beside" if spec.kind == "beside" else "deployed"), env)


@pytest.fixture(scope="session")
def platform_day2(request, tmp_path_factory, standin_env) -> dict:
    """The platform example deployed once, then every selected step on a copy of that deployment."""
    deployment = Deployment(tmp_path_factory.mktemp("day2-platform"), "platform")
    deployment.deploy(standin_env)
    steps = selected_params(request, "platform_day2", "name")
    return run_concurrently({name: (lambda n=name: deployment.step(n, PLATFORM_STEPS[n], standin_env)) for name in steps})


def _xfail(reason: str) -> pytest.MarkDecorator:
    return pytest.mark.xfail(strict=True, raises=CycleError, reason=reason)


@pytest.mark.parametrize(
    "name",
    [
        pytest.param(n, marks=[_xfail(XFAIL[n])] if n in XFAIL else [])
        for n in PLATFORM_STEPS
    ],
)
def test_platform_day2(name: str, platform_day2: dict) -> None:
    result = platform_day2[name]
    _assert_step(result, PLATFORM_STEPS[name])
    # What it did on AWS is what the README's Day 2 table says (tests/support/day2_catalogue.py).
    assert effects(result.plan, result.before) == ROWS[name].effects, f"{name}: the plan's effects differ from its README row"


def _assert_step(result: Applied | Exception, step: Step) -> None:
    """The plan's checks (also of a step whose apply failed), then the apply's own outcome."""
    applied = getattr(result, "applied", result)
    if isinstance(applied, Applied):
        _endpoint_kept(applied)
        if step.check is not None:
            step.check(applied)
    if isinstance(result, Exception):
        raise result


# --- every other example: the steps any project takes -------------------------------------------------

OTHER_REGION = {"us-east-1": "us-west-2", "eu-west-1": "eu-central-1", "us-west-2": "us-east-2"}


def _project_line(text: str, key: str) -> str:
    line = next(ln for ln in text.splitlines() if ln.startswith(f"  {key}: "))
    return line.split(": ", 1)[1].split("#")[0].strip()


def _tags_only(text: str) -> str:
    """A project tag more (or changed), nothing else."""
    head, sep, rest = text.partition("\n  tags:\n")
    if sep and "\nproject:" in head:
        return head + sep + "    day2: changed\n" + rest
    region = f"  region: {_project_line(text, 'region')}"
    return text.replace(region, f"{region}\n  tags: {{day2: changed}}", 1)


def _second_region(text: str) -> str:
    """The project in another region, as its user writes it: a bucket the config names is global and
    SageMaker reads a model's files only from a bucket of the model's own region (CreateModel's
    ModelDataUrl), so the second region's registry bucket, and the model_data URLs in it, get the
    region's own name; everything else stays."""
    region = _project_line(text, "region")
    text = text.replace(region, OTHER_REGION[region])
    bucket = re.search(r"^  models_bucket: ([a-z0-9-]+)", text, re.M)
    if bucket:
        text = text.replace(bucket.group(1), f"{bucket.group(1)}-{OTHER_REGION[region]}")
    return text


def _second_environment(text: str) -> str:
    env = _project_line(text, "environment")
    return text.replace(f"  environment: {env}", f"  environment: {'qa' if env != 'qa' else 'uat'}", 1)


COMMON_STEPS: dict[str, Step] = {
    "tags-only": Step((_tags_only,), check=_nothing_replaced),
    "destroy-and-deploy-again": Step(kind="redeploy"),
    "second-region": Step((_second_region,), kind="beside"),
    "second-environment": Step((_second_environment,), kind="beside"),
}
OTHER_EXAMPLES = sorted(p.stem for p in (ROOT / "examples").glob("*.yaml") if p.stem != "platform")
# (example, step) -> the defect class and AWS's error, as XFAIL above.
XFAIL_OTHERS: dict[tuple[str, str], str] = {}


@pytest.fixture(scope="session")
def examples_day2(request, tmp_path_factory, standin_env) -> dict:
    """Each selected example deployed once, then its selected common steps on copies of that deployment."""
    base = tmp_path_factory.mktemp("day2-examples")
    wanted: dict[str, list[str]] = {}
    for example, name in selected_params(request, "examples_day2", "case"):
        wanted.setdefault(example, []).append(name)

    def example_steps(example: str) -> dict:
        deployment = Deployment(base / example, example)
        deployment.deploy(standin_env)
        return {name: _outcome(lambda n=name: deployment.step(n, COMMON_STEPS[n], standin_env)) for name in wanted[example]}

    results = run_concurrently({example: (lambda e=example: example_steps(e)) for example in wanted})
    return {(e, n): (r if isinstance(r, Exception) else r[n]) for e, r in results.items() for n in wanted[e]}


def _outcome(fn: Callable[[], Applied]) -> Applied | Exception:
    try:
        return fn()
    except Exception as exc:  # noqa: BLE001 - handed to the test that owns the step
        return exc


@pytest.mark.parametrize(
    "case",
    [
        pytest.param(
            (e, n),
            id=f"{e}-{n}",
            marks=[_xfail(XFAIL_OTHERS[(e, n)])] if (e, n) in XFAIL_OTHERS else [],
        )
        for e in OTHER_EXAMPLES
        for n in COMMON_STEPS
    ],
)
def test_example_day2(case: tuple[str, str], examples_day2: dict) -> None:
    _assert_step(examples_day2[case], COMMON_STEPS[case[1]])
