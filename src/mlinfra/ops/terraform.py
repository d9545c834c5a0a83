"""Drive terraform (or OpenTofu) over a rendered folder: init, plan to a file, summarise, apply that plan.

The subprocess runner is injected; the real one streams terraform's own output to the terminal.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Protocol

from ..errors import MlinfraError
from ..records import record

PLAN_FILE = "mlinfra.tfplan"


class TerraformError(MlinfraError):
    """terraform is missing or one of its commands failed; the exit code is terraform's."""

    def __init__(self, message: str, exit_code: int = 1):
        super().__init__(message)
        self.exit_code = exit_code


class Refused(MlinfraError):
    """Nothing was applied: no confirmation could be had (no TTY and no --auto-approve), or it was declined."""


class Runner(Protocol):
    def __call__(self, argv: Sequence[str], cwd: Path, capture: bool) -> tuple[int, str]: ...


def stream_runner(
    argv: Sequence[str], cwd: Path, capture: bool, emit: Callable[[str], None] | None = None
) -> tuple[int, str]:
    """Run a command; its output goes to the terminal unless captured.

    terraform runs in its own session, so a Ctrl-C or SIGTERM reaches mlinfra alone, which passes exactly
    one SIGINT on and waits: terraform's graceful stop (it finishes the calls in flight and writes its
    state). A second interrupt is passed on too; terraform then stops at once, as on a terminal.
    (subprocess.run would SIGKILL it on KeyboardInterrupt: state lost mid-apply.)

    ``emit``: the output shown (stdout and stderr, and stderr of a captured command) goes to it line by
    line instead of the terminal: several stacks run at once, each line prefixed by its stack's name.
    Commands run from a worker thread never see the KeyboardInterrupt: :func:`interrupt_running` passes
    the main thread's on.
    """
    env = {**os.environ, "TF_IN_AUTOMATION": "1", "TF_INPUT": "0"}
    if emit is None:
        stdout, stderr = (subprocess.PIPE if capture else None), None
    else:
        stdout, stderr = subprocess.PIPE, (subprocess.PIPE if capture else subprocess.STDOUT)
    try:
        proc = subprocess.Popen(
            list(argv),
            cwd=cwd,
            env=env,
            stdout=stdout,
            stderr=stderr,
            text=True,
            start_new_session=True,
        )
    except OSError as exc:
        raise TerraformError(f"cannot run {argv[0]}: {exc.strerror}") from None
    with _RUNNING_LOCK:
        _RUNNING.add(proc)
    try:
        if emit is not None and not capture:
            assert proc.stdout is not None
            for line in proc.stdout:
                emit(line.rstrip("\n"))
            proc.wait()
            out, err = "", ""
        else:
            out, err = proc.communicate()
    except KeyboardInterrupt:
        proc.send_signal(signal.SIGINT)
        while True:
            try:
                proc.wait()
                break
            except KeyboardInterrupt:
                proc.send_signal(signal.SIGINT)
        raise
    finally:
        with _RUNNING_LOCK:
            _RUNNING.discard(proc)
    if emit is not None and err:
        for line in err.splitlines():
            emit(line)
    return proc.returncode, out or ""


_RUNNING: set[subprocess.Popen[str]] = set()
_RUNNING_LOCK = threading.Lock()


def interrupt_running() -> None:
    """Pass one SIGINT on to every command :func:`stream_runner` runs now (terraform's graceful stop): the
    interrupt reaches the main thread alone, and stacks run their terraform from worker threads."""
    with _RUNNING_LOCK:
        running = list(_RUNNING)
    for proc in running:
        with contextlib.suppress(ProcessLookupError):
            proc.send_signal(signal.SIGINT)


def find_terraform(explicit: str | None = None, which: Callable[[str], str | None] = shutil.which) -> str:
    """``--terraform PATH``, else ``terraform`` on PATH, else ``tofu``."""
    if explicit:
        found = which(explicit) if os.sep not in explicit else (explicit if os.access(explicit, os.X_OK) else None)
        if not found:
            raise TerraformError(f"--terraform {explicit}: not an executable")
        return found
    for name in ("terraform", "tofu"):
        found = which(name)
        if found:
            return found
    raise TerraformError("neither terraform nor tofu is on PATH: install one, or pass --terraform PATH")


@record
class PlanSummary:
    add: int
    change: int
    destroy: int

    @property
    def empty(self) -> bool:
        return not (self.add or self.change or self.destroy)

    def __str__(self) -> str:
        return f"{self.add} to add, {self.change} to change, {self.destroy} to destroy"


def summarize(plan_json: str) -> PlanSummary:
    """Count actions in ``terraform show -json PLAN`` the way terraform's own summary does."""
    add = change = destroy = 0
    for rc in json.loads(plan_json).get("resource_changes", []):
        actions = rc.get("change", {}).get("actions", [])
        if actions == ["create"]:
            add += 1
        elif actions == ["update"]:
            change += 1
        elif actions == ["delete"]:
            destroy += 1
        elif sorted(actions) == ["create", "delete"]:  # replacement, either order
            add += 1
            destroy += 1
    return PlanSummary(add, change, destroy)


@record
class Outcome:
    summary: PlanSummary
    applied: bool
    outputs: dict[str, object]


class Terraform:
    """One working directory driven by one terraform binary."""

    def __init__(self, binary: str, workdir: Path, runner: Runner = stream_runner):
        self.binary = binary
        self.workdir = Path(workdir)
        self.runner = runner
        self.last_plan: dict = {}  # `terraform show -json` of the last plan
        self.phase = ""  # the terraform command running (or last run)

    def _run(self, *args: str, capture: bool = False) -> str:
        self.phase = args[0]
        code, out = self.runner([self.binary, *args], self.workdir, capture)
        if code != 0:
            raise TerraformError(f"terraform {args[0]} failed (exit {code})", exit_code=code)
        return out

    def workspace(self, name: str) -> None:
        # `workspace select -or-create` exists only from Terraform 1.4: select, and create on failure.
        code, _ = self.runner([self.binary, "workspace", "select", name], self.workdir, True)
        if code != 0:
            self._run("workspace", "new", name)

    def init(self, lockfile_readonly: bool = False) -> None:
        # A saved plan is applied with the providers it was made with: the lock file it came with is not
        # updated (terraform refuses a plan whose providers' checksums differ anyway, later and less clearly).
        self._run("init", "-input=false", *(["-lockfile=readonly"] if lockfile_readonly else []))

    def plan(self, destroy: bool = False) -> PlanSummary:
        args = ["plan", "-input=false", f"-out={PLAN_FILE}"]
        if destroy:
            args.append("-destroy")
        self._run(*args)
        return self.show_saved()

    def show_saved(self) -> PlanSummary:
        """The summary of the plan file (the last plan, or one saved by an earlier run)."""
        shown = self._run("show", "-json", PLAN_FILE, capture=True)
        self.last_plan = json.loads(shown or "{}")
        return summarize(shown)

    def apply(self) -> None:
        self._run("apply", "-input=false", PLAN_FILE)

    def outputs(self) -> dict[str, object]:
        raw = json.loads(self._run("output", "-json", capture=True) or "{}")
        return {name: ("(sensitive)" if o.get("sensitive") else o.get("value")) for name, o in sorted(raw.items())}


Confirm = Callable[[PlanSummary], bool]


class Watch(Protocol):
    """Checks around the apply (:class:`mlinfra.ops.rollout.Rollout`): ``before`` gets the plan's JSON."""

    def before(self, plan: dict) -> None: ...

    def after(self) -> object: ...


def run_workflow(
    tf: Terraform,
    *,
    destroy: bool = False,
    plan_only: bool = False,
    auto_approve: bool = False,
    confirm: Confirm | None = None,
    workspace: str | None = None,
    watch: Watch | None = None,
    saved: bool = False,
) -> Outcome:
    """init → [workspace] → plan -out → (confirm) → apply that plan → outputs.

    ``confirm`` is None when no one can be asked (no TTY): then only ``auto_approve`` lets it apply.
    ``watch`` sees the plan just before the apply and checks the live result after it. ``saved``: nothing
    is planned; the plan file an earlier ``plan_only`` run left in the folder is the one applied (a
    pipeline's approved plan), and terraform itself refuses it when the state has changed since.
    """
    try:
        return _workflow(tf, destroy, plan_only, auto_approve, confirm, workspace, watch, saved)
    except KeyboardInterrupt as exc:
        from .guarded import Interrupted, signal_of

        signum, name = signal_of(exc)
        verb = "destroy" if destroy else "deploy"
        if tf.phase != "apply":
            raise Interrupted(
                f"{verb} interrupted ({name}) during terraform {tf.phase or 'start-up'}: nothing was applied; "
                f"run `mlinfra {verb}` again",
                signum,
            ) from None
        raise Interrupted(
            f"{verb} interrupted ({name}) during terraform apply: terraform was asked to stop and finished the "
            "calls in flight, so its state holds what was applied (an endpoint update already sent carries on "
            f"in SageMaker); run `mlinfra status` on the endpoints to see what is live, then `mlinfra {verb}` "
            "to finish (it plans from what was applied); if terraform reports its state locked, "
            "`terraform force-unlock LOCK_ID` in the output folder",
            signum,
        ) from None


def _workflow(
    tf: Terraform,
    destroy: bool,
    plan_only: bool,
    auto_approve: bool,
    confirm: Confirm | None,
    workspace: str | None,
    watch: Watch | None,
    saved: bool = False,
) -> Outcome:
    if saved and not (tf.workdir / PLAN_FILE).is_file():
        raise Refused(
            f"no saved plan in {tf.workdir} ({PLAN_FILE}): make one with `mlinfra deploy --plan-only`, "
            "or deploy without --from-plan"
        )
    tf.init(lockfile_readonly=saved)
    if workspace:
        tf.workspace(workspace)
    if saved:
        try:
            summary = tf.show_saved()
        except TerraformError as exc:
            raise TerraformError(
                f"{exc}: the saved plan cannot be used (terraform's reason above: a plan made on a state that "
                "has changed since is stale); plan again (`mlinfra deploy --plan-only`) and apply that plan",
                exc.exit_code,
            ) from None
    else:
        summary = tf.plan(destroy=destroy)
    if plan_only or summary.empty:
        return Outcome(summary, applied=False, outputs={})
    if not auto_approve:
        if confirm is None:
            raise Refused(
                f"plan: {summary}. Not applied: no terminal to confirm on; pass --auto-approve to apply without asking"
            )
        if not confirm(summary):
            raise Refused(f"plan: {summary}. Not applied: declined")
    if watch is not None and not destroy:
        watch.before(tf.last_plan)
    tf.apply()
    if watch is not None and not destroy:
        watch.after()
    return Outcome(summary, applied=True, outputs={} if destroy else tf.outputs())
