"""Rules of the ``batch`` section: what CreateTransformJob, Step Functions and the model accept."""

from __future__ import annotations

import difflib
import os
import re
import zoneinfo
from collections.abc import Iterator

from ...batch.definition import execution_name_limit
from ...config.rules import (
    MAX_TAGS,
    MLINFRA_TAGS,
    MODEL_DATA_SOURCE_EXCLUSIONS,
    PREFIX_FIX,
    Violation,
    bare_reference,
    model_reference,
    subscribers,
    unknown_instance_type,
)
from ...config.shapes import PlatformConfig
from ...instance_types import TRANSFORM
from .section import SECTION

#: A scheduled run's execution name is the one Step Functions generates (a UUID, 36 characters).
_GENERATED_EXECUTION_NAME = 36


def batch_settings(config: PlatformConfig) -> Iterator[Violation]:
    """The batch model is a listed, deployable version; the settings are what CreateTransformJob accepts."""
    b = SECTION.of(config)
    if b is None:
        return
    found = config.candidates(b.model_version)
    if len(found) > 1:
        yield from model_reference(config, b.model_version, ("batch", "model_version"), field="model_version")
    elif not found:
        have = ", ".join(sorted(v.ref for v in config.versions()))
        yield Violation(
            ("batch", "model_version"),
            f"model version {b.model_version} is not listed under models (listed: {have})",
            "batch-unknown-model",
        )
    elif found[0].entry.status == "deprecated":
        yield Violation(
            ("batch", "model_version"),
            f"model version {b.model_version} is deprecated; use a version that is not",
            "batch-deprecated-model",
        )
    if b.strategy == "MultiRecord" and b.split_type == "None":
        yield Violation(
            ("batch", "split_type"),
            "strategy MultiRecord needs a split_type (Line, RecordIO or TFRecord) to make records of the input; or use strategy SingleRecord",
            "batch-multirecord-split",
        )
    yield from bare_reference(config, b.model_version, ("batch", "model_version"))
    yield from subscribers("batch", b.subscribers, "batch-subscriber")
    if (
        b.input.bucket is not None
        and b.input.bucket == b.output.bucket
        and (b.input.prefix.startswith(b.output.prefix) or b.output.prefix.startswith(b.input.prefix))
    ):
        yield Violation(
            ("batch", "output", "prefix"),
            "the output prefix overlaps the input prefix in the same bucket: a later run would read earlier outputs",
            "batch-prefix-overlap",
        )
    if b.schedule is not None:
        prefix = f"{config.project.name}-{config.project.environment}-batch"
        if execution_name_limit(prefix) < _GENERATED_EXECUTION_NAME:
            yield Violation(
                ("batch", "schedule"),
                f"a scheduled run's transform job is named {prefix}-<36-character execution id>, over SageMaker's 63 characters; shorten project.name or project.environment by {_GENERATED_EXECUTION_NAME - execution_name_limit(prefix)}",
                "batch-schedule-name",
            )


def batch_model_form(config: PlatformConfig) -> Iterator[Violation]:
    """Uncompressed files under a prefix are a ModelDataSource, which batch transform cannot use."""
    b = SECTION.of(config)
    if b is None:
        return
    found = config.candidates(b.model_version)
    prefix = found[0].entry.model_data_prefix if len(found) == 1 else None
    if prefix is not None:
        yield Violation(
            ("batch", "model_version"),
            f"model version {b.model_version} has its files under a prefix (model_data_prefix {prefix}), and SageMaker says {MODEL_DATA_SOURCE_EXCLUSIONS}: "
            f"batch transform needs another form: {PREFIX_FIX}",
            "model-data-prefix-unsupported",
        )


def batch_model_tags(config: PlatformConfig) -> Iterator[Violation]:
    """The batch model carries the project's, mlinfra's and the version's own tags: within AWS's 50."""
    b = SECTION.of(config)
    common = set(MLINFRA_TAGS) | set(config.project.tags)
    if b is None or len(common) > MAX_TAGS:
        return  # the core rules report the project's tags
    found = config.candidates(b.model_version)
    listed = found[0] if len(found) == 1 else None
    if listed is not None and len(common | set(listed.entry.tags)) > MAX_TAGS:
        count = len(common | set(listed.entry.tags))
        yield Violation(
            (*listed.at, "tags"),
            f"model {listed.ref}'s batch transform model would carry {count} tags (the project's, mlinfra's and the version's own); AWS allows {MAX_TAGS}: drop {count - MAX_TAGS}",
            "too-many-tags",
        )


def batch_instance_type(config: PlatformConfig) -> Iterator[Violation]:
    b = SECTION.of(config)
    if b is not None:
        found = unknown_instance_type(("batch",), b.instance_type, TRANSFORM, "batch transform jobs")
        if found is not None:
            yield found


_RATE = re.compile(r"^rate\((?P<n>\d+) (?P<unit>[a-z]+)\)$")
_RATE_UNITS = ("minute", "hour", "day")
#: EventBridge Scheduler's cron fields: name, lowest and highest value, the names it takes, the special characters
_CRON_FIELDS = (
    ("minutes", 0, 59, (), ",-*/"),
    ("hours", 0, 23, (), ",-*/"),
    ("day-of-month", 1, 31, (), ",-*?/LW"),
    ("month", 1, 12, ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"), ",-*/"),
    ("day-of-week", 1, 7, ("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"), ",-*?L#"),
    ("year", 1970, 2199, (), ",-*/"),
)
_FORMS = "rate(1 day), rate(6 hours) or cron(0 2 * * ? *) (minutes hours day-of-month month day-of-week year)"


def _unix_to_eventbridge(fields: list[str]) -> str:
    """A five-field Unix cron line as EventBridge writes it: a year field, and ``?`` for the day field not set
    (EventBridge refuses ``*`` in both day fields)."""
    minute, hour, dom, month, dow = fields
    if dow == "*":
        dow = "?"
    elif dom == "*":
        dom = "?"
    return f"cron({minute} {hour} {dom} {month} {dow} *)"


def _cron_field_problem(value: str, low: int, high: int, names: tuple[str, ...], special: str) -> str | None:
    for part in re.split(r"[,/#-]", value.upper()):
        if part in ("", "*", "?", "L", "W") or part in names:
            if part in ("?", "L", "W") and part not in special:
                return f"{part} is not allowed there"
            continue
        digits = part.removesuffix("L").removesuffix("W")
        if not digits.isdigit():
            return f"{part} is not a number" + (f" or one of {', '.join(names)}" if names else "")
        if not low <= int(digits) <= high and "/" not in value:
            return f"{digits} is outside {low}-{high}"
    return None


def schedule_problem(expression: str) -> str | None:
    """Why EventBridge Scheduler refuses ``expression`` (rate() or cron()), with the fix; None when it takes it."""
    text = expression.strip()
    rate = _RATE.match(text)
    if rate is not None:
        n, unit = int(rate["n"]), rate["unit"]
        if unit.removesuffix("s") not in _RATE_UNITS:
            return f"rate() takes minute(s), hour(s) or day(s), not {unit}"
        if n == 0:
            return "a rate of 0 never runs: use 1 or more"
        want = unit.removesuffix("s") + ("" if n == 1 else "s")
        if unit != want:
            return f"EventBridge wants rate({n} {want}): the unit is singular for 1 and plural above"
        return None
    if text.startswith("cron(") and text.endswith(")"):
        fields = text[5:-1].split()
        if len(fields) == 5:
            return f"that is a five-field Unix cron line; EventBridge's has a year and ? for one day field: {_unix_to_eventbridge(fields)}"
        if len(fields) != 6:
            return f"cron() takes 6 fields (minutes hours day-of-month month day-of-week year), not {len(fields)}"
        for (name, low, high, names, special), value in zip(_CRON_FIELDS, fields, strict=True):
            problem = _cron_field_problem(value, low, high, names, special)
            if problem is not None:
                return f"the {name} field {value!r}: {problem}"
        if (fields[2] == "?") == (fields[4] == "?"):
            fixed = f"cron({' '.join([*fields[:4], '?', fields[5]])})" if fields[4] == "*" else None
            return "exactly one of day-of-month and day-of-week must be ?" + (f": {fixed}" if fixed else "")
        return None
    fields = text.split()
    if len(fields) == 5:
        return f"that is a Unix cron line; EventBridge writes it {_unix_to_eventbridge(fields)}"
    return f"write a schedule as {_FORMS}"


def batch_schedule(config: PlatformConfig) -> Iterator[Violation]:
    b = SECTION.of(config)
    if b is None:
        return
    if b.schedule is not None:
        problem = schedule_problem(b.schedule)
        if problem is not None:
            yield Violation(
                ("batch", "schedule"),
                f"{b.schedule!r} is not a schedule EventBridge takes: {problem}",
                "batch-schedule",
            )
    if not is_time_zone(b.schedule_timezone):
        close = difflib.get_close_matches(b.schedule_timezone, sorted(zoneinfo.available_timezones()), n=1)
        hint = (
            f'; did you mean "{close[0]}"?' if close else " (IANA names such as UTC, Europe/Berlin or America/New_York)"
        )
        yield Violation(
            ("batch", "schedule_timezone"),
            f"{b.schedule_timezone} is not an IANA time zone{hint}",
            "batch-schedule-timezone",
        )


def is_time_zone(name: str) -> bool:
    """Whether ``name`` is in ``zoneinfo.available_timezones()``, without that call in the usual case.

    The call walks the whole time zone database (about 600 files, ~40 ms here) for one name.
    The name is first looked for where the walk would find it: a TZif file under a TZPATH root, outside the
    ``posix``/``right`` copies, reached through no linked folder (the walk does not follow them), and not
    ``posixrules``. Anything else (a typo, or zones shipped by the ``tzdata`` package) takes the full call."""
    parts = name.split("/")
    if (
        name != "posixrules"
        and parts[0] not in ("posix", "right")
        and all(p not in ("", ".", "..") and "\\" not in p and "\0" not in p for p in parts)
    ):
        for root in zoneinfo.TZPATH:
            folder = root
            for p in parts[:-1]:
                folder = os.path.join(folder, p)
                if os.path.islink(folder):
                    break
            else:
                try:
                    with open(os.path.join(root, name), "rb") as f:
                        if f.read(4) == b"TZif":
                            return True
                except OSError:
                    pass
    return name in zoneinfo.available_timezones()


RULES = (batch_settings, batch_model_form, batch_model_tags, batch_instance_type, batch_schedule)
