"""The guarded step runner on its own: no AWS, a fake clock, a change that records what went live."""

from __future__ import annotations

import pytest

from mlinfra.ops.guarded import AlarmFiring, Change, bake, run_guarded_steps
from tests.support.aws import FakeClock

START = 1


class Counter:
    """A live value that starts at START; ``firing`` is what the alarms say right now."""

    def __init__(self) -> None:
        self.value = START
        self.applied: list[int] = []
        self.firing: list[str] = []
        self.reads = 0

    def apply(self, n: int) -> None:
        self.applied.append(n)
        self.value = n

    def revert(self, _: int) -> int:
        self.apply(START)
        return START

    def alarms(self) -> list[str]:
        self.reads += 1
        return list(self.firing)

    def change(self) -> Change[int]:
        return Change(
            subject="ep",
            apply=self.apply,
            revert=self.revert,
            describe=lambda n: f"at {n}",
            unchanged="nothing was changed",
            reverted=lambda n, back: f"at {n}; back to {back}",
        )


def test_an_alarm_at_the_start_applies_no_step() -> None:
    live, clock, seen = Counter(), FakeClock(), []
    live.firing = ["ep-latency"]
    with pytest.raises(AlarmFiring, match="ep: alarm ep-latency is in ALARM; nothing was changed") as err:
        run_guarded_steps(live.change(), [2, 4], live.alarms, clock, bake_seconds=60, on_change=seen.append)
    assert err.value.alarms == ("ep-latency",)
    assert live.applied == [] and seen == [] and live.value == START and clock.slept == []


def test_an_alarm_during_the_second_bake_goes_back_to_the_start() -> None:
    live, clock, seen, lines = Counter(), FakeClock(), [], []
    # Step 1 bakes 0-60 s; step 2 bakes 60-120 s: the alarm fires at 90 s, inside the second bake.
    clock.at(90, lambda: live.firing.append("ep-5xx"))
    with pytest.raises(AlarmFiring, match="ep: alarm ep-5xx fired during the bake at 4; back to 1") as err:
        run_guarded_steps(live.change(), [2, 4, 8], live.alarms, clock, bake_seconds=60, poll_seconds=30, report=lines.append, on_change=seen.append)
    assert err.value.alarms == ("ep-5xx",)
    assert live.applied == [2, 4, START] and live.value == START  # step 3 never ran
    assert seen == [2, 4, START]  # on_change saw the revert too
    assert clock.t == 90 and clock.slept == [30, 30, 30]  # the fake clock: no real sleeping
    assert lines[:2] == ["step 1/3: at 2", "baking 60 s, watching alarms every 30 s"] and "step 2/3: at 4" in lines


def test_all_green_ends_at_the_last_step() -> None:
    live, clock, seen, lines = Counter(), FakeClock(), [], []
    assert run_guarded_steps(live.change(), [2, 4], live.alarms, clock, bake_seconds=50, poll_seconds=30, report=lines.append, on_change=seen.append) == 4
    assert live.applied == [2, 4] and seen == [2, 4] and live.value == 4
    assert clock.slept == [30, 20, 30, 20]  # each bake lasts exactly 50 s: the last poll is cut short
    assert live.reads == 1 + 3 + 3  # the check at the start, then the alarms at 0, 30 and 50 s of each bake
    assert [line for line in lines if line.startswith("step")] == ["step 1/2: at 2", "step 2/2: at 4"]


def test_without_a_bake_the_alarms_are_read_once() -> None:
    live, clock = Counter(), FakeClock()
    assert run_guarded_steps(live.change(), [3], live.alarms, clock) == 3
    assert live.reads == 1 and clock.slept == []
    assert run_guarded_steps(live.change(), [], live.alarms, clock) is None  # no steps: nothing applied


def test_bake_returns_the_alarms_that_fired() -> None:
    live, clock = Counter(), FakeClock()
    clock.at(60, lambda: live.firing.append("ep-latency"))
    assert bake(clock, live.alarms, 300, 30, lambda _: None) == ["ep-latency"] and clock.t == 60
    live.firing.clear()
    assert bake(clock, live.alarms, 10, 30, lambda _: None) == [] and clock.t == 70


def test_waiting_for_in_service_polls_until_it_is_or_cannot_be() -> None:
    from mlinfra.ops.guarded import EndpointNotReady, wait_until_in_service

    clock, lines = FakeClock(), []
    statuses = iter(["Updating", "Updating", "InService"])
    wait_until_in_service(clock, "ep", lambda: next(statuses), ("Failed",), 3600, 15, lines.append)
    assert clock.slept == [15, 15] and lines == ["ep is Updating; waiting"] * 2
    with pytest.raises(EndpointNotReady, match="ep is Failed"):
        wait_until_in_service(FakeClock(), "ep", lambda: "Failed", ("Failed",), 3600, 15, lines.append)
    clock = FakeClock()
    with pytest.raises(EndpointNotReady, match=r"ep is Updating \(waited for InService\)"):
        wait_until_in_service(clock, "ep", lambda: "Updating", ("Failed",), 60, 15, lines.append)
    assert clock.t == 60  # the timeout is the injected clock's
