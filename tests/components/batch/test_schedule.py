"""The batch schedule is an EventBridge Scheduler expression: its syntax is checked at validate, with the fix
(a Unix cron line gets its EventBridge form), in a time zone of the config's choice."""

from __future__ import annotations

import zoneinfo
from pathlib import Path

import pytest

from mlinfra.components.batch.rules import is_time_zone, schedule_problem
from mlinfra.pipeline import load_config
from tests.support.configs import edited, refused, render_edited

SCHEDULE = "  schedule: cron(0 2 * * ? *)"


@pytest.mark.parametrize(
    "expression",
    ["cron(0 2 * * ? *)", "cron(0/15 * * * ? *)", "cron(0 2 ? * MON-FRI *)", "cron(0 2 L * ? *)", "cron(0 2 ? * 6#3 *)", "rate(1 day)", "rate(6 hours)"],
)
def test_what_eventbridge_takes(expression: str) -> None:
    assert schedule_problem(expression) is None


@pytest.mark.parametrize(
    ("expression", "fix"),
    [
        ("0 2 * * *", "cron(0 2 * * ? *)"),
        ("cron(0 2 * * *)", "cron(0 2 * * ? *)"),
        ("cron(0 2 * * 1 *)", "exactly one of day-of-month and day-of-week must be ?"),
        ("cron(0 2 * * * *)", "cron(0 2 * * ? *)"),
        ("cron(0 25 * * ? *)", "25 is outside 0-23"),
        ("cron(0 2 * FOO ? *)", "FOO is not a number or one of JAN"),
        ("rate(1 days)", "rate(1 day)"),
        ("rate(2 day)", "rate(2 days)"),
        ("rate(1 week)", "minute(s), hour(s) or day(s)"),
        ("rate(0 minutes)", "never runs"),
        ("nightly", "cron(0 2 * * ? *)"),
    ],
)
def test_what_it_refuses_names_the_fix(expression: str, fix: str) -> None:
    problem = schedule_problem(expression)
    assert problem is not None and fix in problem


def test_a_unix_cron_line_is_refused_at_its_line(tmp_path: Path) -> None:
    problems = refused(edited("batch.yaml", tmp_path, (SCHEDULE, "  schedule: 0 2 * * *"))).problems
    assert [(p.path, p.line, p.code) for p in problems] == [("batch.schedule", 36, "batch-schedule")]
    assert "cron(0 2 * * ? *)" in problems[0].message


def test_a_time_zone_is_an_iana_name(tmp_path: Path) -> None:
    problems = refused(edited("batch.yaml", tmp_path, (SCHEDULE, SCHEDULE + "\n  schedule_timezone: Europe/Berln"))).problems
    assert [(p.path, p.code) for p in problems] == [("batch.schedule_timezone", "batch-schedule-timezone")]
    assert 'did you mean "Europe/Berlin"?' in problems[0].message


def test_the_time_zone_reaches_the_schedule(tmp_path: Path) -> None:
    config = edited("batch.yaml", tmp_path, (SCHEDULE, SCHEDULE + "\n  schedule_timezone: Europe/Berlin"))
    assert load_config(config).batch.schedule_timezone == "Europe/Berlin"  # type: ignore[attr-defined]
    out = render_edited("batch.yaml", tmp_path / "r", (SCHEDULE, SCHEDULE + "\n  schedule_timezone: Europe/Berlin"))
    assert 'schedule_timezone = "Europe/Berlin"' in (out / "main.tf").read_text()
    assert "schedule_expression_timezone = var.schedule_timezone" in (out / "modules" / "batch" / "main.tf").read_text()


def test_the_time_zone_check_agrees_with_zoneinfo() -> None:
    # is_time_zone spares the walk of the whole database for a name that is there; it must answer as
    # zoneinfo.available_timezones() does, for every zone and for names that look like one but are not.
    zones = zoneinfo.available_timezones()
    assert len(zones) > 300  # the machine has a time zone database, so the fast path is what is tested
    near = ["posixrules", "posix/Europe/Berlin", "right/UTC", "Europe", "Europe/", "/UTC", "Europe/../UTC", "utc"]
    for name in [*sorted(zones), *near, "Europe/Berln", "", "zone.tab", "tzdata.zi"]:
        assert is_time_zone(name) == (name in zones), name
