"""Runs a month of a schedule expression (EventBridge Scheduler's ``rate()``/``cron()``/``at()``, Model
Monitor's ``cron()``), for the estimate: an average month of 730 hours (30.42 days)."""

from __future__ import annotations

import re

HOURS_PER_MONTH = 730
DAYS_PER_MONTH = HOURS_PER_MONTH / 24
_RATE = re.compile(r"^rate\((\d+)\s+(minute|minutes|hour|hours|day|days)\)$")
_UNIT_HOURS = {"minute": 1 / 60, "hour": 1, "day": 24}
_WEEKDAYS = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"]


def runs_per_month(expression: str | None) -> float:
    """How many times a month the expression fires: 0 without one (runs started by hand) and for a
    one-off ``at()``. Cron fields are read as lists, ranges and steps; a day-of-month list counts its
    days, a day-of-week list its share of the week."""
    if not expression:
        return 0.0
    expression = expression.strip()
    m = _RATE.match(expression)
    if m:
        every = int(m[1]) * _UNIT_HOURS[m[2].removesuffix("s")]
        return HOURS_PER_MONTH / every
    if expression.startswith("at("):
        return 0.0
    if not (expression.startswith("cron(") and expression.endswith(")")):
        return 0.0
    fields = expression[5:-1].split()
    if len(fields) < 5:
        return 0.0
    minutes, hours, dom, _month, dow = fields[:5]
    per_hour = _count(minutes, 60)
    per_day = _count(hours, 24) * per_hour
    if dom not in ("*", "?"):
        days = _count(dom, 31, start=1) * (DAYS_PER_MONTH / 30.42)
    elif dow not in ("*", "?"):
        days = DAYS_PER_MONTH * _count(_weekdays(dow), 7, start=1) / 7
    else:
        days = DAYS_PER_MONTH
    return days * per_day


def _weekdays(field: str) -> str:
    """MON-FRI → 2-6 (cron's 1 = Sunday), so that the counter reads names as numbers."""
    for i, name in enumerate(_WEEKDAYS, start=1):
        field = field.replace(name, str(i))
    return field.split("#")[0].rstrip("L") or "*"


def _count(field: str, size: int, start: int = 0) -> int:
    """Values a cron field selects out of ``size`` (``*`` all, ``*/15`` every 15th, ``1-5``, ``0,30``)."""
    total = 0
    for part in field.split(","):
        base, _, step = part.partition("/")
        every = int(step) if step.isdigit() and int(step) > 0 else 1
        if base in ("*", "?"):
            lo, hi = start, start + size - 1
        elif "-" in base:
            a, _, b = base.partition("-")
            lo, hi = (int(a), int(b)) if a.isdigit() and b.isdigit() else (start, start + size - 1)
        elif base.isdigit():
            lo = int(base)
            hi = lo if not step else start + size - 1
        else:
            lo, hi = start, start + size - 1
        total += len(range(lo, hi + 1, every))
    return max(1, min(total, size))
