"""`mlinfra deploy` / `destroy` on a split tree (several root modules, "stacks"), with the real terraform.

The tree is made here (the null provider, as in tests/test_ops_deploy.py): ``shared`` outputs a value;
``a`` and ``b`` read it from shared's state (``terraform_remote_state``) into a trigger; ``front`` reads a's
and b's. ``a`` calls a module at ``modules/thing``.
"""

from __future__ import annotations

import json
import re
import threading
from pathlib import Path, PurePosixPath

import pytest
from typer.testing import CliRunner

import mlinfra.pipeline
from mlinfra.cli import app, common
from mlinfra.errors import RenderError, UsageError
from mlinfra.ops import stacks as ops_stacks
from mlinfra.ops.terraform import stream_runner
from mlinfra.render import Rendered, Stack
from tests import test_ops_deploy
from tests.test_ops_deploy import PLATFORM, VERSIONS

tf_env = test_ops_deploy.tf_env  # the null provider's fixture
renders = test_ops_deploy.renders

P = PurePosixPath


def _remote(name: str) -> str:
    return f"""data "terraform_remote_state" "{name}" {{
  backend = "local"
  config = {{
    path = "../{name}/terraform.tfstate"
  }}
}}
"""


def tree(a: str = "a1", b: str = "b1", shared: str = "s1", thing: str = "t1", fail_a: bool = False) -> dict[PurePosixPath, str]:
    fails = '\n  provisioner "local-exec" {\n    command = "exit 3"\n  }\n' if fail_a else ""
    return {
        P("shared/versions.tf"): VERSIONS,
        P("shared/main.tf"): f'resource "null_resource" "shared" {{\n  triggers = {{\n    v = "{shared}"\n  }}\n}}\n\noutput "value" {{\n  value = "{shared}"\n}}\n',
        P("a/versions.tf"): VERSIONS,
        P("a/main.tf"): _remote("shared")
        + f'\nmodule "thing" {{\n  source = "../modules/thing"\n}}\n\nresource "null_resource" "a" {{\n  triggers = {{\n    shared = data.terraform_remote_state.shared.outputs.value\n    own    = "{a}"\n  }}{fails}\n}}\n\noutput "value" {{\n  value = "{a}"\n}}\n',
        P("b/versions.tf"): VERSIONS,
        P("b/main.tf"): _remote("shared")
        + f'\nresource "null_resource" "b" {{\n  triggers = {{\n    shared = data.terraform_remote_state.shared.outputs.value\n    own    = "{b}"\n  }}\n}}\n\noutput "value" {{\n  value = "{b}"\n}}\n',
        P("front/versions.tf"): VERSIONS,
        P("front/main.tf"): _remote("a")
        + _remote("b")
        + '\nresource "null_resource" "front" {\n  triggers = {\n    a = data.terraform_remote_state.a.outputs.value\n    b = data.terraform_remote_state.b.outputs.value\n  }\n}\n',
        P("modules/thing/main.tf"): f'output "thing" {{\n  value = "{thing}"\n}}\n',
        P("modules/unused/main.tf"): 'output "unused" {\n  value = "u"\n}\n',
    }


STACKS = (
    Stack("shared", P("shared")),
    Stack("a", P("a"), needs=("shared",)),
    Stack("b", P("b"), needs=("shared",)),
    Stack("front", P("front"), needs=("a", "b")),
)


class Recorder:
    """The real runner, each terraform command recorded as (stack, command, "start"|"end") in order."""

    def __init__(self, barrier: set[str] | None = None):
        self.events: list[tuple[str, str, str]] = []
        self.lock = threading.Lock()
        # The stacks whose `init` wait for each other: they can only pass if they run at the same time.
        self.barrier_stacks = barrier or set()
        self.barrier = threading.Barrier(len(self.barrier_stacks), timeout=120) if barrier else None

    def __call__(self, emit=None):
        def run(argv, cwd, capture):
            stack, command = Path(cwd).name, argv[1]
            with self.lock:
                self.events.append((stack, command, "start"))
            if self.barrier is not None and stack in self.barrier_stacks and command == "init":
                self.barrier.wait()
            try:
                return stream_runner(argv, cwd, capture, emit=emit)
            finally:
                with self.lock:
                    self.events.append((stack, command, "end"))

        return run

    def planned(self) -> list[str]:
        return [s for s, c, e in self.events if c == "plan" and e == "start"]

    def index(self, stack: str, command: str, edge: str) -> int:
        return self.events.index((stack, command, edge))


@pytest.fixture
def stacked(monkeypatch):
    """The render step produces the given stacked tree; terraform runs through a Recorder."""
    state: dict = {}

    def use(files, stacks=STACKS, recorder: Recorder | None = None) -> Recorder:
        monkeypatch.setattr(
            mlinfra.pipeline,
            "render_project",
            lambda config, base_dir=None: Rendered(files=files, modules=1, resources=4, endpoints=0, stacks=stacks),
        )
        state["recorder"] = recorder or Recorder()
        monkeypatch.setattr(common, "terraform_runner", state["recorder"])
        return state["recorder"]

    return use


def run(terraform, env, out: Path, *args: str, command: str = "deploy", input: str | None = None):
    return CliRunner().invoke(app, [command, str(PLATFORM), "-o", str(out), "--terraform", terraform.binary, *args], env=env, input=input)


def _resources(out: Path, stack: str) -> dict[str, dict]:
    path = out / stack / "terraform.tfstate"
    if not path.exists():
        return {}
    state = json.loads(path.read_text())
    return {r["name"]: r["instances"][0]["attributes"]["triggers"] for r in state["resources"] if r["mode"] == "managed"}


def _row(output: str, stack: str) -> str:
    table = output[output.rindex("stack  ") :]
    return next(line for line in table.splitlines() if line.split()[:1] == [stack])


@pytest.mark.terraform
def test_order_parallelism_skipping_and_change_of_one_stack(terraform, tf_env, stacked, tmp_path: Path) -> None:
    out = tmp_path / "out"
    recorder = stacked(tree(), recorder=Recorder(barrier={"a", "b"}))
    first = run(terraform, tf_env, out, "--auto-approve")
    assert first.exit_code == 0, first.output
    # shared before a and b; a and b side by side (their inits met at the barrier); front after both.
    shared_end = recorder.index("shared", "apply", "end")
    assert shared_end < recorder.index("a", "init", "start") and shared_end < recorder.index("b", "init", "start")
    assert recorder.index("a", "apply", "end") < recorder.index("front", "init", "start")
    assert recorder.index("b", "apply", "end") < recorder.index("front", "init", "start")
    # The value shared outputs reached a, b and front through the remote state.
    assert _resources(out, "a")["a"] == {"shared": "s1", "own": "a1"}
    assert _resources(out, "front")["front"] == {"a": "a1", "b": "b1"}
    # Terraform's output carries its stack's name; the table closes the run.
    assert "[shared] null_resource.shared: Creation complete" in first.output
    for stack in ("shared", "a", "b", "front"):
        assert _row(first.output, stack).split()[1] == "applied", first.output
    assert "1 to add, 0 to change, 0 to destroy" in _row(first.output, "front")
    assert "  a.value = a1" in first.output
    assert (out / ".mlinfra-applied-stacks.json").is_file()

    # Nothing changed: nothing is planned.
    recorder = stacked(tree())
    again = run(terraform, tf_env, out, "--auto-approve")
    assert again.exit_code == 0, again.output
    assert recorder.planned() == []
    for stack in ("shared", "a", "b", "front"):
        assert f"stack {stack}: unchanged since the last apply (skipped)" in again.output
        assert _row(again.output, stack).split()[1] == "skipped"

    # A change to a's module alone plans a, and front because it needs a (a was re-applied); not b.
    recorder = stacked(tree(thing="t2"))
    module = run(terraform, tf_env, out, "--auto-approve")
    assert module.exit_code == 0, module.output
    assert sorted(recorder.planned()) == ["a"]  # the module's output is not used: a has no changes
    assert _row(module.output, "a").split()[1:3] == ["no", "changes"]

    # A change to a's own files: a and front are planned; shared and b are not.
    recorder = stacked(tree(thing="t2", a="a2"))
    changed = run(terraform, tf_env, out, "--auto-approve")
    assert changed.exit_code == 0, changed.output
    assert recorder.planned() == ["a", "front"]
    assert _resources(out, "front")["front"] == {"a": "a2", "b": "b1"}
    assert "stack b: unchanged since the last apply (skipped)" in changed.output

    # --all-stacks plans every stack (a drift check): nothing to change.
    recorder = stacked(tree(thing="t2", a="a2"))
    drift = run(terraform, tf_env, out, "--auto-approve", "--all-stacks")
    assert drift.exit_code == 0, drift.output
    assert sorted(recorder.planned()) == ["a", "b", "front", "shared"]
    assert all(_row(drift.output, s).split()[1:3] == ["no", "changes"] for s in ("shared", "a", "b", "front"))

    # --stack b plans b alone, whatever changed elsewhere.
    recorder = stacked(tree(thing="t2", a="a3", b="b2"))
    only = run(terraform, tf_env, out, "--auto-approve", "--stack", "b")
    assert only.exit_code == 0, only.output
    assert recorder.planned() == ["b"]
    assert _resources(out, "b")["b"]["own"] == "b2" and _resources(out, "a")["a"]["own"] == "a2"
    unknown = run(terraform, tf_env, out, "--auto-approve", "--stack", "nope")
    assert unknown.exit_code == 2 and "no stack named nope; the stacks are: a, b, front, shared" in unknown.output

    # Destroy: front first, then a and b, shared last.
    recorder = stacked(tree(thing="t2", a="a3", b="b2"))
    gone = run(terraform, tf_env, out, "--auto-approve", command="destroy")
    assert gone.exit_code == 0, gone.output
    front_end = recorder.index("front", "apply", "end")
    assert front_end < recorder.index("a", "init", "start") and front_end < recorder.index("b", "init", "start")
    assert max(recorder.index("a", "apply", "end"), recorder.index("b", "apply", "end")) < recorder.index("shared", "init", "start")
    assert all(_resources(out, s) == {} for s in ("shared", "a", "b", "front"))
    assert not (out / ".mlinfra-applied-stacks.json").exists()


@pytest.mark.terraform
def test_a_failed_stack_stops_its_dependents_alone(terraform, tf_env, stacked, tmp_path: Path) -> None:
    out = tmp_path / "out"
    stacked(tree(fail_a=True))
    result = run(terraform, tf_env, out, "--auto-approve", "--parallelism", "1")
    assert result.exit_code == 1, result.output
    assert "stack front: not run: needs a, which failed" in result.output
    assert " ".join(_row(result.output, "a").split()[1:]) == "failed 1 to add, 0 to change, 0 to destroy; terraform apply failed"
    assert _row(result.output, "b").split()[1] == "applied"
    assert _row(result.output, "front").split()[1:3] == ["not", "run"]
    assert _resources(out, "b")["b"]["own"] == "b1" and _resources(out, "front") == {}
    assert "stack a failed: terraform apply failed (exit 1)" in result.output
    # terraform's error (on its stderr) reaches the output too, prefixed with its stack.
    assert re.search(r"^\[a\] .*Error: local-exec provisioner error", result.output, re.M), result.output

    # Fixed: a is planned again (its apply was not recorded), and front with it; shared and b are skipped.
    recorder = stacked(tree())
    fixed = run(terraform, tf_env, out, "--auto-approve")
    assert fixed.exit_code == 0, fixed.output
    assert recorder.planned() == ["a", "front"]


@pytest.mark.terraform
def test_plan_only_then_from_plan_per_stack(terraform, tf_env, stacked, tmp_path: Path) -> None:
    out = tmp_path / "out"
    stacked(tree())
    # First deploy, plan only: shared is planned; a and b wait for its state, front for theirs.
    first = run(terraform, tf_env, out, "--plan-only")
    assert first.exit_code == 0, first.output
    assert _row(first.output, "shared").split()[1] == "planned"
    assert all(_row(first.output, s).split()[1] == "waiting" for s in ("a", "b", "front"))
    assert (out / "shared" / "mlinfra.tfplan").is_file() and not (out / "a" / "mlinfra.tfplan").exists()
    applied = run(terraform, tf_env, out, "--from-plan", "--auto-approve")
    assert applied.exit_code == 0, applied.output
    assert _row(applied.output, "shared").split()[1] == "applied"
    assert _row(applied.output, "a").split()[1] == "skipped"
    assert _resources(out, "shared") and not _resources(out, "a")

    assert run(terraform, tf_env, out, "--auto-approve").exit_code == 0  # a, b, front

    # A change to a and b (their outputs change): both planned and saved; front waits for them.
    recorder = stacked(tree(a="a2", b="b2"))
    planned = run(terraform, tf_env, out, "--plan-only")
    assert planned.exit_code == 0, planned.output
    assert sorted(recorder.planned()) == ["a", "b"]
    assert _row(planned.output, "front").split()[1] == "waiting"
    assert _resources(out, "a")["a"]["own"] == "a1"  # nothing applied
    recorder = stacked(tree(a="a2", b="b2"))
    applied = run(terraform, tf_env, out, "--from-plan", "--auto-approve")
    assert applied.exit_code == 0, applied.output
    assert recorder.planned() == []  # saved plans applied, nothing planned again
    assert _resources(out, "a")["a"]["own"] == "a2" and _resources(out, "b")["b"]["own"] == "b2"
    assert _row(applied.output, "front").split()[1] == "skipped"

    # A plan saved and not applied is gone once another --plan-only leaves its stack out.
    stacked(tree(a="a3", b="b2"))
    assert run(terraform, tf_env, out, "--plan-only").exit_code == 0
    assert (out / "a" / "mlinfra.tfplan").is_file()
    assert run(terraform, tf_env, out, "--plan-only", "--stack", "b").exit_code == 0
    assert not (out / "a" / "mlinfra.tfplan").exists()
    nothing = run(terraform, tf_env, out, "--from-plan", "--auto-approve")
    assert nothing.exit_code == 0, nothing.output
    assert _row(nothing.output, "a").split()[1] == "skipped" and _resources(out, "a")["a"]["own"] == "a2"


def test_stack_order_and_names_are_checked() -> None:
    assert [s.name for s in ops_stacks.check(STACKS)] == ["shared", "a", "b", "front"]
    with pytest.raises(RenderError, match="cycle"):
        ops_stacks.check([Stack("x", P("x"), needs=("y",)), Stack("y", P("y"), needs=("x",))])
    with pytest.raises(RenderError, match="unknown stacks: z"):
        ops_stacks.check([Stack("x", P("x"), needs=("z",))])
    with pytest.raises(UsageError, match="the stacks are: a, b, front, shared"):
        ops_stacks.select(STACKS, ["c"])


def test_digest_follows_the_module_folders_a_stack_calls() -> None:
    base = ops_stacks.digests(tree(), STACKS)
    unused = ops_stacks.digests({**tree(), P("modules/unused/main.tf"): "# changed\n"}, STACKS)
    assert unused == base  # no stack calls modules/unused
    thing = ops_stacks.digests(tree(thing="t2"), STACKS)
    assert [s for s in base if thing[s] != base[s]] == ["a"]
    shared = ops_stacks.digests(tree(shared="s2"), STACKS)
    assert [s for s in base if shared[s] != base[s]] == ["shared"]


def _fake_runner(on_apply):
    """terraform as far as run_workflow sees it: every plan creates one resource; ``on_apply(stack)`` is
    the apply's exit code."""
    plan = json.dumps({"resource_changes": [{"change": {"actions": ["create"]}}]})

    def runner(emit):
        def run(argv, cwd, capture):
            command = argv[1]
            if command == "show":
                return 0, plan
            if command == "output":
                return 0, "{}"
            if command == "apply":
                return on_apply(Path(cwd).name), ""
            return 0, ""

        return run

    return runner


def test_an_interrupt_stops_the_running_stacks_and_starts_no_other(tmp_path: Path) -> None:
    import signal

    stopped = threading.Event()

    def on_apply(stack: str) -> int:
        if stack != "a":
            return 0
        # From a worker thread, as a terminal's Ctrl-C may be delivered; Python raises it in the main thread.
        signal.raise_signal(signal.SIGINT)
        assert stopped.wait(60)  # the orchestrator passed the interrupt on to the running terraform
        return 1

    outcome = ops_stacks.run_stacks(
        tmp_path,
        STACKS,
        tree(),
        binary="terraform",
        runner=_fake_runner(on_apply),
        options=ops_stacks.Options(auto_approve=True, parallelism=1),
        report=lambda line: None,
        interrupt=stopped.set,
    )
    results = {r.name: r.result for r in outcome.results}
    assert results["shared"] == "applied" and results["a"] == "interrupted" and results["front"] == "not run"
    error = outcome.error()
    assert error is not None and error.exit_code == 130
    assert "a: interrupted during terraform apply" in str(error)


def test_confirmation_is_asked_once_per_stack_with_changes(tmp_path: Path) -> None:
    asked: list[tuple[str, str]] = []

    def confirm(stack):
        return lambda summary: asked.append((stack.name, str(summary))) or stack.name != "b"

    outcome = ops_stacks.run_stacks(
        tmp_path,
        STACKS,
        tree(),
        binary="terraform",
        runner=_fake_runner(lambda stack: 0),
        options=ops_stacks.Options(parallelism=2),
        report=lambda line: None,
        confirm=confirm,
    )
    # The plan's summary is shown; front is never asked: b, which it needs, was declined.
    assert sorted(asked) == [(s, "1 to add, 0 to change, 0 to destroy") for s in ("a", "b", "shared")]
    results = {r.name: (r.result, r.summary) for r in outcome.results}
    assert results["b"] == ("failed", "1 to add, 0 to change, 0 to destroy; declined")
    assert results["front"] == ("not run", "needs b, which failed")
    error = outcome.error()
    assert error is not None and error.exit_code == 1 and "declined" in str(error)


def test_a_rollback_in_one_stack_is_exit_code_4(tmp_path: Path) -> None:
    from mlinfra.ops.rollout import RolledBack

    class Watch:
        def __init__(self, stack):
            self.stack = stack

        def before(self, plan):
            pass

        def after(self):
            if self.stack.name == "a":
                raise RolledBack("e: SageMaker did not take endpoint configuration c2")
            return []

    outcome = ops_stacks.run_stacks(
        tmp_path,
        STACKS,
        tree(),
        binary="terraform",
        runner=_fake_runner(lambda stack: 0),
        options=ops_stacks.Options(auto_approve=True),
        report=lambda line: None,
        watch=lambda stack, emit: Watch(stack),
    )
    results = {r.name: r.result for r in outcome.results}
    assert results == {"shared": "applied", "a": "failed", "b": "applied", "front": "not run"}
    error = outcome.error()
    assert error is not None and error.exit_code == 4 and "did not take endpoint configuration" in str(error)


def test_one_root_module_refuses_stack_options(terraform, tf_env, renders, tmp_path: Path) -> None:
    renders(test_ops_deploy.GOOD)
    result = run(terraform, tf_env, tmp_path / "out", "--auto-approve", "--stack", "a")
    assert result.exit_code == 2 and "renders one root module, not stacks" in result.output
    both = run(terraform, tf_env, tmp_path / "out", "--stack", "a", "--all-stacks")
    assert both.exit_code == 2 and "pass one of them" in both.output
