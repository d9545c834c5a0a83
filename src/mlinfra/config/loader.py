"""Read ``mlinfra.yaml`` into a :class:`PlatformConfig`, reporting every problem as ``FILE:LINE: field: message``.

ruamel.yaml's round-trip loader is used because it remembers where each key and item stood (so errors
name a line) and refuses duplicated keys (a loader that keeps the last one silently loses data).
"""

from __future__ import annotations

import difflib
import types
import typing
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from ..errors import ConfigError, Problem
from . import model as m
from .rules import Loc, check, check_files

#: Human wording for the regular expressions in ``model.py`` (pydantic would print the pattern itself).
_PATTERN_WORDS = {
    m.SAGEMAKER_NAME_RE: "letters, digits and dashes, starting and ending with a letter or digit",
    m.COMPONENT_NAME_RE: "lower-case letters, digits and single dashes, starting with a letter",
    m.SEMVER_RE: "a semantic version such as 1.2.0",
    m.S3_URI_RE: "an S3 URI such as s3://bucket/key",
    m.INSTANCE_TYPE_RE: "a SageMaker instance type such as ml.m5.xlarge",
    m.REGION_RE: "an AWS region such as us-east-1",
    m.IMAGE_RE: "an ECR image with a tag or digest, such as 123456789012.dkr.ecr.us-east-1.amazonaws.com/repo:1.0",
}


def load_config(path: str | Path) -> m.PlatformConfig:
    """Load and validate a config file. Raises :class:`ConfigError` listing every problem found."""
    path = Path(path)
    name = str(path)
    data = _read_yaml(path, name)
    try:
        config = m.PlatformConfig.model_validate(data)
    except ValidationError as exc:
        raise ConfigError([_from_pydantic(name, data, err) for err in exc.errors()]) from None
    violations = check(config) + check_files(config, path.parent)
    if violations:
        raise ConfigError([Problem(name, _line(data, v.loc), _dotted(v.loc), v.message, v.code) for v in violations])
    return config


def _read_yaml(path: Path, name: str) -> Any:
    def fail(message: str, code: str, line: int | None = None) -> ConfigError:
        return ConfigError([Problem(name, line, "", message, code)])

    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise fail("no such file", "file-not-found") from None
    except IsADirectoryError:
        raise fail("is a directory, not a config file", "not-a-file") from None
    except OSError as exc:
        raise fail(f"cannot read: {exc.strerror}", "unreadable") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise fail("is not UTF-8 text (a binary file?)", "not-text", line) from None
    if "\x00" in text:
        raise fail("contains NUL bytes: not a YAML text file", "not-text", text[: text.index("\x00")].count("\n") + 1)

    from ruamel.yaml import YAML
    from ruamel.yaml.error import MarkedYAMLError, YAMLError
    from ruamel.yaml.reader import ReaderError

    try:
        data = YAML(typ="rt", pure=True).load(text)
    except ReaderError as exc:
        # Raised for characters YAML does not allow (control characters other than tab and newlines).
        line = text[: exc.position].count("\n") + 1
        raise fail(f"contains the control character U+{exc.character:04X}, which YAML does not allow", "not-text", line) from None
    except MarkedYAMLError as exc:
        if type(exc).__name__ == "DuplicateKeyError":
            raise fail(*_duplicate_key(exc, text)) from None
        raise fail(_yaml_message(exc), "yaml-syntax", _syntax_line(exc, text)) from None
    except YAMLError as exc:
        raise fail(f"YAML error: {' '.join(str(exc).split())}", "yaml-syntax") from None
    if data is None:
        raise fail("the file is empty; it needs at least project and models", "empty-file")
    if not isinstance(data, Mapping):
        kind = "a list" if isinstance(data, Sequence) and not isinstance(data, str) else f"a {type(data).__name__}"
        raise fail(f"expected a mapping of sections (project, models, endpoints, ...), found {kind}", "not-a-mapping", 1)
    return data


def _yaml_message(exc: Exception) -> str:
    problem = getattr(exc, "problem", None) or str(exc)
    context = getattr(exc, "context", None)
    return f"YAML syntax error: {problem}" + (f" ({context})" if context else "")


def _syntax_line(exc: Any, text: str) -> int | None:
    """The problem's line, or where the construct began when the problem is the end of the file
    (an unclosed quote or bracket is reported at the end of the stream)."""
    problem, context = exc.problem_mark, exc.context_mark
    last = text.count("\n") + (0 if text.endswith("\n") else 1)
    if problem is not None and problem.line + 1 <= last:
        return problem.line + 1
    if context is not None:
        return context.line + 1
    return last if problem is not None else None


def _duplicate_key(exc: Any, text: str) -> tuple[str, str, int | None]:
    # ruamel: 'found duplicate key "x" with value "..." (original value: "...")'; its context mark is
    # the start of the mapping, so the first occurrence is found as the same key at the same column.
    key = exc.problem.split('"')[1] if '"' in exc.problem else "?"
    mark, start = exc.problem_mark, exc.context_mark
    lines = text.splitlines()
    first = None
    if mark is not None:
        for number in range(start.line if start is not None else 0, mark.line):
            rest = lines[number][mark.column :]
            if rest.startswith(key) and rest[len(key) :].lstrip().startswith(":"):
                first = number + 1
                break
    at = f" (first at line {first})" if first else ""
    line = mark.line + 1 if mark is not None else None
    return f'duplicated key "{key}"{at}: a later value would silently replace the earlier one', "duplicate-key", line


def _from_pydantic(name: str, data: Any, err: Mapping[str, Any]) -> Problem:
    loc: Loc = tuple(err["loc"])
    kind = err["type"]
    if kind == "extra_forbidden":
        key = loc[-1]
        allowed = _fields_at(loc[:-1])
        close = difflib.get_close_matches(str(key), allowed, n=1)
        hint = f'; did you mean "{close[0]}"?' if close else (f"; expected one of: {', '.join(allowed)}" if allowed else "")
        return Problem(name, _line(data, loc), _dotted(loc), f'unknown key "{key}"{hint}', "unknown-key")
    if kind == "missing":
        return Problem(name, _line(data, loc), _dotted(loc), "required field is missing", "missing-field")
    message = err["msg"]
    pattern = (err.get("ctx") or {}).get("pattern")
    value = err.get("input")
    if kind == "string_pattern_mismatch" and pattern in _PATTERN_WORDS:
        message = f"must be {_PATTERN_WORDS[pattern]}, got {value!r}"
    elif kind == "string_type" and isinstance(value, (int, float)) and not isinstance(value, bool):
        what = "a semantic version such as 1.2.0" if loc and loc[-1] in ("version", "model") else "text"
        message = f"must be {what}; YAML read {value} as a number: quote it (\"{value}\")"
    else:
        message = f"{message}, got {_describe(err['input'])}"
    return Problem(name, _line(data, loc), _dotted(loc), message, kind.replace("_", "-"))


def _describe(value: Any) -> str:
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, (int, float)):
        return f"the number {value}"
    return f"{type(value).__name__} {value!r}"


def _fields_at(loc: Loc) -> list[str]:
    """The keys a mapping at ``loc`` accepts, for "did you mean" hints."""
    cls: Any = m.PlatformConfig
    for part in loc:
        if isinstance(part, int):
            continue
        if not (isinstance(cls, type) and issubclass(cls, BaseModel)):
            return []
        field = next((f for n, f in cls.model_fields.items() if (f.alias or n) == part), None)
        if field is None:
            return []
        cls = _model_in(field.annotation)
    if isinstance(cls, type) and issubclass(cls, BaseModel):
        return sorted(f.alias or n for n, f in cls.model_fields.items())
    return []


def _model_in(annotation: Any) -> Any:
    """The BaseModel class inside ``X | None``, ``list[X]``, ``Annotated[list[X], ...]``, if any."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in typing.get_args(annotation):
        found = _model_in(arg)
        if found is not None:
            return found
    if isinstance(annotation, types.UnionType):
        return None
    return None


def _line(data: Any, loc: Loc) -> int | None:
    """1-based line of the deepest node of ``loc`` that exists in the YAML document."""
    node, line = data, getattr(getattr(data, "lc", None), "line", 0) + 1
    for part in loc:
        lc = getattr(node, "lc", None)
        if isinstance(node, Mapping) and part in node:
            try:
                line = lc.key(part)[0] + 1
            except (AttributeError, KeyError, TypeError):
                pass  # a key merged in with `<<: *anchor` has no position of its own: keep the mapping's
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            try:
                line = lc.item(part)[0] + 1
            except (AttributeError, KeyError, TypeError):
                pass
            node = node[part]
        elif part == "[key]":
            continue  # pydantic's marker for "the key itself was invalid": the key's line is already set
        else:
            break
    return line


def _dotted(loc: Loc) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part == "[key]":
            continue
        else:
            out += f".{part}" if out else str(part)
    return out
