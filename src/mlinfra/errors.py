"""Typed errors raised by the library; the CLI is the only place that turns them into messages and exit codes."""

from __future__ import annotations

from .records import record


class MlinfraError(Exception):
    """Base class of every error mlinfra raises on purpose."""

    exit_code = 1


@record
class Problem:
    """One thing wrong with a config file, located as precisely as the YAML allows."""

    file: str
    line: int | None
    path: str  # dotted field path, e.g. ``endpoints[0].variants[1].weight``; "" for the whole document
    message: str
    code: str  # a stable rule name, e.g. ``duplicate-variant-name``

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        field = f" {self.path}:" if self.path else ""
        return f"{where}:{field} {self.message} [{self.code}]"

    def as_json(self) -> dict[str, object]:
        """For editors and CI (``validate --json``): the code is the rule's name."""
        return _located(self)


@record
class ConfigWarning:
    """A value of a config file read in a forgiving way (an S3 https URL as s3://, a number as text): the
    config is valid, and the file should say what it means. ``load_config(..., warnings=sink)`` fills a
    list of these; the CLI prints them."""

    file: str
    line: int | None
    path: str  # dotted field path, as in :class:`Problem`
    message: str
    code: str  # a stable name, e.g. ``s3-url-normalised``

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        field = f" {self.path}:" if self.path else ""
        return f"{where}:{field} {self.message} [{self.code}]"

    def as_json(self) -> dict[str, object]:
        return _located(self)


def _located(p: Problem | ConfigWarning) -> dict[str, object]:
    return {"file": p.file, "line": p.line, "path": p.path, "message": p.message, "rule": p.code}


class ConfigError(MlinfraError):
    """The config file is missing, unreadable or invalid. Carries every problem found, not just the first."""

    exit_code = 2

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


class RenderError(MlinfraError):
    """A template or the writer failed; this is a bug or a disk problem, never a config problem."""


class OutputError(MlinfraError):
    """The output directory cannot be written (not a directory, permissions, ...)."""


class UsageError(MlinfraError):
    """The command was given contradictory or missing options."""

    exit_code = 2


class DataError(MlinfraError):
    """A dataset, a baseline, capture files or metric input cannot be used (missing, unreadable, malformed)."""

    exit_code = 2
