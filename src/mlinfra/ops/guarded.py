"""One guarded step runner: a live change made in steps, each gated on the endpoint's alarms.

A weight shift (:func:`mlinfra.ops.endpoint.promote`) and a copy-count change
(:func:`mlinfra.ops.components.scale`) run the same loop: refuse to start while a guarding alarm is in
ALARM; apply each step; bake after it (watch the alarms for a while, through the injected clock); and when
an alarm fires, go back to the starting point and stop. The runner decides *when*; a :class:`Change` says
*how* a step is applied and how to go back, and how its steps read in messages. Each step's apply waits
for what it changed to be in service again: :func:`wait_until_in_service`, the same for both.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Generic, TypeVar

from ..errors import MlinfraError
from ..records import record

if TYPE_CHECKING:
    from .endpoint import Clock, Report

S = TypeVar("S")


class AlarmFiring(MlinfraError):
    """An alarm guarding the endpoint is in ALARM."""

    def __init__(self, message: str, alarms: Sequence[str]):
        super().__init__(message)
        self.alarms = tuple(alarms)


class Interrupted(MlinfraError):
    """A live change was stopped by a signal (Ctrl-C: SIGINT, or SIGTERM) part way; the message says what
    it left live, what the config says now, and how to resume or roll back. Exit code: 128 + the signal."""

    def __init__(self, message: str, signum: int = 2):
        super().__init__(message)
        self.exit_code = 128 + signum


def signal_of(exc: BaseException) -> tuple[int, str]:
    """The signal behind a KeyboardInterrupt: SIGINT, unless the CLI's SIGTERM handler set ``signum``."""
    import signal

    signum = int(getattr(exc, "signum", signal.SIGINT))
    return signum, signal.Signals(signum).name


class MovedByOthers(MlinfraError):
    """Between two steps the live state was no longer what this change had set: someone else (another
    promote, a rollback, the console) changed it. The change stops rather than interleave with theirs."""

    exit_code = 5

    def __init__(self, message: str, live: object = None):
        super().__init__(message)
        self.live = live


class EndpointNotReady(MlinfraError):
    """The endpoint is not InService (creating, updating, failed, ...): traffic cannot be shifted."""


@record
class Change(Generic[S]):
    """How one kind of live change is made; :func:`run_guarded_steps` decides when."""

    subject: str  # what is changed (the endpoint's name): the first word of every message
    apply: Callable[[S], None]  # make a step's state live (returns once it is in service again)
    revert: Callable[[S], S]  # an alarm fired while this step baked: go back to the start; returns the state now live
    describe: Callable[[S], str]  # a step's state, for the progress report ("classification at 4 copies")
    unchanged: str  # what a refusal at the start did not do ("no traffic was shifted")
    reverted: Callable[[S, S], str]  # (the step that baked, the state gone back to) → the alarm message's end
    # Between steps: raises MovedByOthers when the live state is no longer the step this change set.
    still: Callable[[S], None] | None = None


def run_guarded_steps(
    change: Change[S],
    steps: Sequence[S],
    firing: Callable[[], list[str]],
    clock: Clock,
    bake_seconds: float = 0,
    poll_seconds: float = 30,
    report: Report = lambda _: None,
    on_change: Callable[[S], None] = lambda _: None,
) -> S | None:
    """Apply ``steps`` in turn, baking ``bake_seconds`` after each; the last state applied (None: no steps).

    ``firing`` returns the names of the guarding alarms in ALARM now. One firing before the first step
    raises :class:`AlarmFiring` and nothing is applied; one firing during a bake reverts (``change.revert``)
    and raises :class:`AlarmFiring`. ``on_change`` receives every state that went live, the revert's too.
    """
    fired = firing()
    if fired:
        raise AlarmFiring(f"{change.subject}: alarm {', '.join(fired)} is in ALARM; {change.unchanged}", fired)
    last: S | None = None
    for i, state in enumerate(steps, 1):
        if last is not None and change.still is not None:
            change.still(last)  # two shifts on one endpoint must not interleave
        change.apply(state)
        last = state
        on_change(state)
        report(f"step {i}/{len(steps)}: {change.describe(state)}")
        if bake_seconds > 0:
            fired = bake(clock, firing, bake_seconds, poll_seconds, report)
            if fired:
                back = change.revert(state)
                on_change(back)
                raise AlarmFiring(
                    f"{change.subject}: alarm {', '.join(fired)} fired during the bake {change.reverted(state, back)}",
                    fired,
                )
    if last is not None and bake_seconds > 0 and change.still is not None:
        change.still(last)  # the last bake: its verdict was about this state
    return last


def bake(clock: Clock, firing: Callable[[], list[str]], seconds: float, poll: float, report: Report) -> list[str]:
    """Watch the alarms for ``seconds``; the names of those that fired, or [] when the bake passed."""
    deadline = clock.now() + seconds
    report(f"baking {seconds:g} s, watching alarms every {poll:g} s")
    while True:
        fired = firing()
        if fired:
            return fired
        left = deadline - clock.now()
        if left <= 0:
            return []
        clock.sleep(min(poll, left))


def wait_until_in_service(
    clock: Clock,
    subject: str,
    status: Callable[[], str],
    stops: tuple[str, ...],
    timeout: float,
    poll: float,
    report: Report,
) -> None:
    """Poll ``status`` until it reads InService (an update passes through Updating, Creating, ...).

    Raises :class:`EndpointNotReady` on a status of ``stops`` (from which no update comes back by itself) or
    once ``timeout`` seconds have passed on ``clock``.
    """
    deadline = clock.now() + timeout
    while True:
        now = status()
        if now == "InService":
            return
        if now in stops or clock.now() >= deadline:
            raise EndpointNotReady(f"{subject} is {now} (waited for InService)")
        report(f"{subject} is {now}; waiting")
        clock.sleep(poll)
