"""Deploy a split tree: several Terraform root modules ("stacks"), each at ``OUT/<stack>/`` with its own
state, sharing the module folders at ``OUT/modules/``.

A stack reads the outputs of the stacks it ``needs`` from their state (``terraform_remote_state``), which
Terraform reads at plan time: so a stack is planned only once every stack it needs is applied, and stacks
that need nothing of each other run side by side (each its own terraform process, from a thread pool).
Destroy goes the other way: a stack is destroyed once every stack that needs it is gone.

Only what changed is planned. After each stack's apply, deploy records a digest of what it applied (the
stack's root files, the module folders they call, and the digests of the stacks it needs, so that a change
to a needed stack reaches its dependents even when it was applied by an earlier run) in
:func:`stacks_record`, one per workspace; a stack whose digest is the recorded one, and none of whose needed
stacks was re-applied in this run, is skipped. A failed stack's dependents are not run; the others finish.

The library never prints: progress goes to ``report``, the table to the caller (:func:`table`).
"""

from __future__ import annotations

import hashlib
import json
import posixpath
import re
import threading
from collections.abc import Callable, Collection, Iterable, Mapping
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import field, replace
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

from ..errors import MlinfraError, OutputError, RenderError, UsageError
from ..records import record
from .terraform import PLAN_FILE, Confirm, Outcome, Runner, Terraform, Watch, run_workflow

if TYPE_CHECKING:
    from ..render import Stack

Emit = Callable[[str], None]

# Results, as the table shows them.
APPLIED, NO_CHANGES, SKIPPED, FAILED, NOT_RUN = "applied", "no changes", "skipped", "failed", "not run"
PLANNED, WAITING, DESTROYED, INTERRUPTED = "planned", "waiting", "destroyed", "interrupted"


@record
class StackResult:
    name: str
    result: str
    summary: str = ""  # the plan's summary, or why it did not run
    outputs: Mapping[str, object] = field(default_factory=dict)
    error: BaseException | None = None


@record
class StacksOutcome:
    results: tuple[StackResult, ...]  # in the stacks' order
    signal: tuple[int, str] | None = None  # the interrupt that stopped the run

    @property
    def ok(self) -> bool:
        return self.signal is None and not any(r.result in (FAILED, NOT_RUN, INTERRUPTED) for r in self.results)

    @property
    def complete(self) -> bool:
        """Every stack runs what was rendered (nothing failed, unselected or left waiting)."""
        return self.ok and all(r.result in (APPLIED, NO_CHANGES) or _unchanged(r) for r in self.results)

    def error(self, verb: str = "deploy") -> MlinfraError | None:
        """What the run ends with: None when every stack succeeded."""
        if self.ok:
            return None
        from .guarded import Interrupted
        from .rollout import RolledBack

        if self.signal is not None:
            signum, name = self.signal
            lines = [f"{verb} interrupted ({name}): terraform was asked to stop in the stacks that were running"]
            lines += [f"  {r.name}: {r.summary}" for r in self.results if r.result == INTERRUPTED]
            lines.append(
                "  each stack's state holds what its terraform applied; run `mlinfra status` on the endpoints to "
                f"see what is live, then `mlinfra {verb}` again (it plans the stacks not finished); if terraform "
                "reports a state locked, `terraform force-unlock LOCK_ID` in that stack's folder"
            )
            return Interrupted("\n".join(lines), signum)
        failed = [r for r in self.results if r.result == FAILED]
        message = "; ".join(f"stack {r.name} failed: {r.error}" for r in failed) or "stacks were not run"
        error = StacksFailed(message)
        errors = [r.error for r in failed if r.error is not None]
        if any(isinstance(e, RolledBack) for e in errors):
            error.exit_code = RolledBack.exit_code
        elif errors:
            error.exit_code = max(int(getattr(e, "exit_code", 1)) for e in errors) or 1
        return error


def _unchanged(r: StackResult) -> bool:
    return r.result == SKIPPED and r.summary.startswith("unchanged")


class StacksFailed(MlinfraError):
    """At least one stack failed (its dependents were not run); the stacks independent of it finished."""


def check(stacks: Iterable[Stack]) -> list[Stack]:
    """The stacks in an order where each comes after the stacks it needs (ties by name); raises
    :class:`~mlinfra.errors.RenderError` on a duplicate name, an unknown need or a cycle (a render bug)."""
    by_name: dict[str, Stack] = {}
    for stack in stacks:
        if stack.name in by_name:
            raise RenderError(f"two stacks are named {stack.name}")
        by_name[stack.name] = stack
    for stack in by_name.values():
        unknown = sorted(set(stack.needs) - set(by_name))
        if unknown:
            raise RenderError(f"stack {stack.name} needs unknown stacks: {', '.join(unknown)}")
    ordered: list[Stack] = []
    placed: set[str] = set()
    while len(ordered) < len(by_name):
        ready = sorted(n for n, s in by_name.items() if n not in placed and set(s.needs) <= placed)
        if not ready:
            raise RenderError(f"stacks need each other in a cycle: {', '.join(sorted(set(by_name) - placed))}")
        ordered += [by_name[n] for n in ready]
        placed.update(ready)
    return ordered


def select(stacks: Iterable[Stack], names: Collection[str]) -> frozenset[str]:
    """``--stack NAME``: the names, each checked against the stacks rendered."""
    known = sorted(s.name for s in stacks)
    unknown = sorted(set(names) - set(known))
    if unknown:
        raise UsageError(f"no stack named {', '.join(unknown)}; the stacks are: {', '.join(known)}")
    return frozenset(names)


def stacks_record(workspace: str | None = None) -> str:
    """The file, at the top of the output folder, of the digest each stack last applied (per workspace)."""
    if workspace and workspace != "default":
        return f".mlinfra-applied-stacks.{workspace}.json"
    return ".mlinfra-applied-stacks.json"


_SOURCE = re.compile(r'^\s*source\s*=\s*"(\.{1,2}/[^"]*)"', re.MULTILINE)


def digests(files: Mapping[PurePosixPath, str], stacks: Iterable[Stack]) -> dict[str, str]:
    """Each stack's digest: its root's files and every local module folder they call (transitively)."""
    result: dict[str, str] = {}
    for stack in stacks:
        h = hashlib.sha256()
        for path in sorted(_used_files(files, stack.directory)):
            h.update(f"{path}\0{len(files[path])}\0".encode())
            h.update(files[path].encode())
        result[stack.name] = h.hexdigest()
    return result


def _used_files(files: Mapping[PurePosixPath, str], root: PurePosixPath) -> set[PurePosixPath]:
    used: set[PurePosixPath] = set()
    folders, seen = [root], {root}
    while folders:
        folder = folders.pop()
        inside = [p for p in files if p.parent == folder]
        used.update(inside)
        for path in inside:
            if path.suffix != ".tf":
                continue
            for source in _SOURCE.findall(files[path]):
                target = PurePosixPath(posixpath.normpath(str(folder / source)))
                if target not in seen:
                    seen.add(target)
                    # A module folder is all of its files, subfolders (a Lambda's source) included.
                    used.update(p for p in files if target in p.parents and p.parent != target)
                    folders.append(target)
    return used


@record
class Applied:
    """A stack's entry in the record: the digest it last applied; ``serial``, how many of its applies changed
    something (its dependents plan again when it moves); ``needs``, the serials of the stacks it needs as
    they were when it was last planned."""

    digest: str
    serial: int = 0
    needs: Mapping[str, int] = field(default_factory=dict)

    def as_json(self) -> dict[str, object]:
        return {"digest": self.digest, "serial": self.serial, "needs": dict(sorted(self.needs.items()))}


def read_record(out: Path, workspace: str | None) -> dict[str, Applied]:
    """What each stack last applied, by name (empty without a record, or with one unreadable)."""
    try:
        data = json.loads((out / stacks_record(workspace)).read_text(encoding="utf-8"))
        return {
            str(name): Applied(str(e["digest"]), int(e["serial"]), {str(k): int(v) for k, v in e["needs"].items()})
            for name, e in data["stacks"].items()
        }
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return {}


class _Record:
    """The record, written after each stack (a later failure keeps what succeeded)."""

    def __init__(self, out: Path, workspace: str | None):
        self.path = out / stacks_record(workspace)
        self.entries = read_record(out, workspace)
        self._lock = threading.Lock()

    def unchanged(self, stack: Stack, digest: str) -> bool:
        """The stack's files are what it last applied, and no stack it needs changed since."""
        with self._lock:
            entry = self.entries.get(stack.name)
            if entry is None or entry.digest != digest:
                return False
            return all(n in self.entries and entry.needs.get(n) == self.entries[n].serial for n in stack.needs)

    def set(self, stack: Stack, digest: str | None, changed: bool = False) -> None:
        with self._lock:
            if digest is None:
                self.entries.pop(stack.name, None)
            else:
                old = self.entries.get(stack.name)
                serial = (old.serial if old else 0) + (1 if changed or old is None else 0)
                needs = {n: self.entries[n].serial if n in self.entries else 0 for n in stack.needs}
                self.entries[stack.name] = Applied(digest, serial, needs)
            data = {"stacks": {n: e.as_json() for n, e in sorted(self.entries.items())}}
            try:
                if self.entries:
                    self.path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
                else:
                    self.path.unlink(missing_ok=True)
            except OSError as exc:
                raise OutputError(f"{self.path}: cannot record what was applied: {exc.strerror}") from None


@record
class Options:
    destroy: bool = False
    plan_only: bool = False
    auto_approve: bool = False
    workspace: str | None = None
    saved: bool = False  # --from-plan: apply each stack's saved plan
    only: frozenset[str] = frozenset()  # --stack: plan these alone
    all_stacks: bool = False  # --all-stacks: plan every stack, changed or not
    parallelism: int = 4


def run_stacks(
    out: Path,
    stacks: Iterable[Stack],
    files: Mapping[PurePosixPath, str],
    *,
    binary: str,
    runner: Callable[[Emit], Runner],
    options: Options,
    report: Emit,
    confirm: Callable[[Stack], Confirm | None] = lambda stack: None,
    watch: Callable[[Stack, Emit], Watch | None] = lambda stack, emit: None,
    interrupt: Callable[[], None] = lambda: None,
) -> StacksOutcome:
    """Run :func:`~mlinfra.ops.terraform.run_workflow` in each stack's folder, in dependency order (reversed
    for destroy), at most ``options.parallelism`` at once. ``runner(emit)`` is the subprocess runner whose
    shown output goes to ``emit``; ``confirm(stack)`` asks about one stack's plan (None: no terminal);
    ``watch(stack, emit)`` checks around one stack's apply (one per stack: a watch keeps the plan it saw);
    ``interrupt()`` passes an interrupt of the main thread on to the terraform processes running."""
    ordered = check(stacks)
    by_name = {s.name: s for s in ordered}
    if options.destroy:  # a stack waits for every stack that needs it
        waits = {s.name: tuple(sorted(d.name for d in ordered if s.name in d.needs)) for s in ordered}
    else:
        waits = {s.name: tuple(sorted(s.needs)) for s in ordered}
    digest = digests(files, ordered)
    record = _Record(out, options.workspace)
    if options.plan_only:  # a later --from-plan applies the plans made now, never an older one
        for stack in ordered:
            (out / stack.directory / PLAN_FILE).unlink(missing_ok=True)
    lock = threading.Lock()

    def say(line: str) -> None:
        with lock:
            report(line)

    confirm_lock = threading.Lock()
    done: dict[str, StackResult] = {}
    outputs_move: dict[str, bool] = {}  # plan-only: the stack's plan changes its outputs
    stopping = threading.Event()

    def decide(stack: Stack) -> StackResult | None:
        """The stack's result without running it, or None: run it."""
        name = stack.name
        for other in waits[name]:
            got = done[other].result
            if got in (FAILED, INTERRUPTED):
                why = f"{other}, which needs it, failed" if options.destroy else f"needs {other}, which failed"
                return StackResult(name, NOT_RUN, why)
            if got == NOT_RUN:
                why = (
                    f"{other}, which needs it, was not run" if options.destroy else f"needs {other}, which was not run"
                )
                return StackResult(name, NOT_RUN, why)
        if options.destroy:
            return None
        if options.only and name not in options.only:
            return StackResult(name, SKIPPED, "not selected (--stack)")
        plan_file = out / stack.directory / PLAN_FILE
        if options.plan_only:
            moving = [n for n in stack.needs if done[n].result == WAITING or outputs_move.get(n)]
            if moving:
                return StackResult(
                    name,
                    WAITING,
                    f"waits for {', '.join(moving)}: their outputs it reads change (or they have no state yet); "
                    "apply them, then plan this stack",
                )
        if options.saved and not plan_file.is_file():
            return StackResult(name, SKIPPED, f"no saved plan ({PLAN_FILE})")
        if options.only or options.all_stacks or options.saved:
            return None
        reapplied = [n for n in stack.needs if done[n].result == APPLIED]
        if not reapplied and record.unchanged(stack, digest[name]):
            return StackResult(name, SKIPPED, "unchanged since the last apply")
        return None

    def run(stack: Stack) -> StackResult:
        name = stack.name

        def emit(line: str) -> None:
            say(f"[{name}] {line}")

        tf = Terraform(binary, out / stack.directory, runner(emit))
        ask = confirm(stack)
        if ask is not None:
            asker = ask

            def ask_once(summary):  # one question on the terminal at a time, none once interrupted
                with confirm_lock:
                    return not stopping.is_set() and asker(summary)

            ask = ask_once
        try:
            outcome: Outcome = run_workflow(
                tf,
                destroy=options.destroy,
                plan_only=options.plan_only,
                auto_approve=options.auto_approve,
                confirm=ask,
                workspace=options.workspace,
                watch=watch(stack, emit),
                saved=options.saved,
            )
        except Exception as exc:  # noqa: BLE001 (a stack's failure is its result: the others go on)
            if stopping.is_set():
                return StackResult(
                    name, INTERRUPTED, f"interrupted during terraform {tf.phase or 'start-up'}", error=exc
                )
            say(f"stack {name}: {exc}")
            return StackResult(name, FAILED, _failure(tf, exc), error=exc)
        summary = str(outcome.summary)
        if options.plan_only:
            moves = any(
                c.get("actions", ["no-op"]) != ["no-op"] for c in (tf.last_plan.get("output_changes") or {}).values()
            )
            outputs_move[name] = moves and not outcome.summary.empty
        if outcome.summary.empty:
            if not options.destroy and not options.plan_only:
                record.set(stack, digest[name])
            return StackResult(name, NO_CHANGES, summary)
        if not outcome.applied:
            return StackResult(name, PLANNED, f"{summary}; saved in {stack.directory}/{PLAN_FILE}")
        record.set(stack, None if options.destroy else digest[name], changed=True)
        return StackResult(name, DESTROYED if options.destroy else APPLIED, summary, outcome.outputs)

    pending = [s.name for s in ordered]
    running: dict[Future[StackResult], str] = {}
    caught: tuple[int, str] | None = None
    with ThreadPoolExecutor(max_workers=max(1, options.parallelism), thread_name_prefix="stack") as pool:
        while pending or running:
            try:
                progressed = True
                while progressed and not stopping.is_set():
                    progressed = False
                    for name in list(pending):
                        if not all(w in done for w in waits[name]):
                            continue
                        pending.remove(name)
                        progressed = True
                        decided = decide(by_name[name])
                        if decided is not None:
                            done[name] = decided
                            say(_line(decided))
                        else:
                            say(f"stack {name}: {'destroying' if options.destroy else 'planning'}")
                            running[pool.submit(run, by_name[name])] = name
                if stopping.is_set() and not running:
                    for name in pending:
                        done[name] = StackResult(name, NOT_RUN, "not started: interrupted")
                    pending.clear()
                    break
                if not running:
                    continue
                # A timeout, not a plain wait: a signal the kernel gave a worker thread runs its Python handler
                # (the KeyboardInterrupt) in this thread, and only once this thread wakes.
                finished, _ = wait(running, timeout=0.5, return_when=FIRST_COMPLETED)
                for future in finished:
                    name = running.pop(future)
                    done[name] = future.result()
                    say(_line(done[name]))
            except KeyboardInterrupt as exc:
                from .guarded import signal_of

                caught = caught or signal_of(exc)
                if not stopping.is_set():
                    say(f"interrupted ({caught[1]}): asking the running terraform to stop; no other stack starts")
                stopping.set()
                interrupt()
    stopped = StackResult("", NOT_RUN, "not started: interrupted")
    return StacksOutcome(tuple(done.get(s.name) or replace(stopped, name=s.name) for s in ordered), caught)


def _failure(tf: Terraform, exc: Exception) -> str:
    """A failed stack's summary: its plan's, and where it stopped."""
    from .rollout import RolledBack
    from .terraform import Refused, summarize

    planned = f"{summarize(json.dumps(tf.last_plan))}; " if tf.last_plan else ""
    if isinstance(exc, Refused):
        return planned + ("declined" if "declined" in str(exc) else "no terminal to confirm on (--auto-approve)")
    if isinstance(exc, RolledBack):
        return planned + "SageMaker rolled an endpoint update back"
    return planned + (f"terraform {tf.phase} failed" if tf.phase else str(exc))


def _line(r: StackResult) -> str:
    if r.result == SKIPPED:
        return f"stack {r.name}: {r.summary} (skipped)"
    return f"stack {r.name}: {r.result}" + (f": {r.summary}" if r.summary else "")


def table(outcome: StacksOutcome) -> list[str]:
    """The run as a table: stack, result, summary."""
    rows = [("stack", "result", "summary")] + [(r.name, r.result, r.summary) for r in outcome.results]
    widths = [max(len(row[i]) for row in rows) for i in range(2)]
    return [f"{a:<{widths[0]}}  {b:<{widths[1]}}  {c}".rstrip() for a, b, c in rows]
