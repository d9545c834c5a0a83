"""Read ``mlinfra.yaml`` into a :class:`PlatformConfig`, reporting every problem as ``FILE:LINE: field: message``.

``yaml_source`` parses the text (remembering the line of every key and item, refusing duplicated keys);
pydantic checks shapes and ranges; ``rules`` checks what relates several fields. Every problem found is
reported, each with its file, line and field path.
"""

from __future__ import annotations

import difflib
import os
import re
import types
import typing
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Tag, ValidationError

from ..errors import ConfigError, ConfigWarning, Problem
from . import shapes as m
from .lenient import soften
from .rules import Loc, Violation, check, check_files
from .schema import Schema
from .yaml_source import Document

#: A platform config is a few kilobytes; a file a thousand times larger is a mistake (or an attack).
MAX_CONFIG_BYTES = 2**20

#: Human wording for the regular expressions in ``model.py`` (pydantic would print the pattern itself).
_PATTERN_WORDS = {
    m.SAGEMAKER_NAME_RE: "letters, digits and dashes, starting and ending with a letter or digit",
    m.COMPONENT_NAME_RE: "lower-case letters, digits and single dashes, starting with a letter",
    m.SEMVER_RE: "a semantic version such as 1.2.0",
    m.MODEL_REF_RE: "a model version: detection@1.2.0 (the model's name, @, a semantic version), or 1.2.0 where one model has it",
    m.S3_URI_RE: "an S3 URI such as s3://bucket/key",
    m.INSTANCE_TYPE_RE: "a SageMaker instance type such as ml.m5.xlarge",
    m.IMAGE_RE: "an ECR image with a tag or digest, such as 123456789012.dkr.ecr.us-east-1.amazonaws.com/repo:1.0",
    m.SNS_TOPIC_ARN_RE: "an SNS topic ARN such as arn:aws:sns:us-east-1:123456789012:results",
    m.CLOUDWATCH_STATISTIC_RE: "a CloudWatch statistic: SampleCount, Average, Sum, Minimum, Maximum or a percentile such as p99",
    r"^(/[a-z0-9][a-z0-9_-]*){1,8}$": "a path of 1-8 lower-case segments such as /predict/tabular",
    r"^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$": "a lower-case DNS name such as ml.example.com",
    r"^[A-Za-z_][A-Za-z0-9_]{0,63}$": "a name of letters, digits and underscores, not starting with a digit",
    r"^[\w .:/=+@-]*$": "letters, digits, spaces and _ . : / = + @ - (AWS's tag characters)",
    r"^[\w .:/=+@-]+$": "letters, digits, spaces and _ . : / = + @ - (AWS's tag characters)",
    r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$": "an S3 bucket name: 3-63 lower-case letters, digits, dots and dashes",
    r"^[a-zA-Z0-9!_.*'()/-]+$": "an S3 key prefix of letters, digits and ! _ . * ' ( ) / -",
    r"^[a-zA-Z0-9*.+/-]+$": "a content type such as application/json",
    r"^[a-zA-Z0-9_.-]{3,255}$": "a DynamoDB table name: 3-255 letters, digits, _ . -",
    r"^[a-zA-Z0-9_]{1,128}$": "a stage name of letters, digits and underscores",
    r"^[a-zA-Z_][a-zA-Z0-9_.-]*$": "a metric name of letters, digits and _ . -, not starting with a digit",
    r"^[a-zA-Z_][a-zA-Z0-9_]{0,1023}$": "an environment variable name (letters, digits, underscores; not starting with a digit)",
    r"^\d+\.\d+$": "a MAJOR.MINOR version such as 7.1",
    r"^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:layer:[A-Za-z0-9_-]+:\d+$": "a Lambda layer version ARN such as arn:aws:lambda:us-east-1:123456789012:layer:redis:3",
    r"^cache\.[a-z0-9]+\.[a-z0-9]+$": "an ElastiCache node type such as cache.t4g.small",
    r"^subnet-[0-9a-f]{8,17}$": "a subnet id such as subnet-0a1b2c3d4e5f60001",
    r"^vpc-[0-9a-f]{8,17}$": "a VPC id such as vpc-0a1b2c3d4e5f60718",
    # Model Monitor expressions: six cron fields, minutes first and a year last, with ? in one of the two day
    # fields (AWS's cron, not crontab's five). The batch schedule's syntax is its rule's (batch-schedule).
    r"^cron\([^)]+\)$": (
        "a Model Monitor schedule such as cron(0 * ? * * *) (hourly) or cron(0 0 ? * * *) (daily): "
        "six fields, minutes first, ? in one day field"
    ),
    r"^[^@\s]+@[^@\s]+\.[^@\s]+$": "an e-mail address such as name@example.com",
    r"^https://[^\s]+$": "an https:// URL such as https://hooks.example.com/alerts",
    r"^arn:aws[a-z-]*:sqs:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,80}(\.fifo)?$": (
        "an SQS queue ARN such as arn:aws:sqs:us-east-1:123456789012:alerts"
    ),
    r"^s3://[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]/([^\s]*/)?$": "an S3 prefix URI ending with /, such as s3://bucket/ground-truth/",
    r"^[\w.+-]+/[\w.+-]+$": "a content type such as text/csv or application/json",
    r"^([A-Za-z0-9!_.*'()-]+/)+$": "an S3 key prefix ending with /, such as input/ (letters, digits and ! _ . * ' ( ) -)",
    r"^[a-z0-9]+([.-][a-z0-9]+)*$": "an AWS service name such as sts or ecr.api (com.amazonaws.REGION.<name>)",
    r"^[a-z0-9]+([._-][a-z0-9]+)*(/[a-z0-9]+([._-][a-z0-9]+)*)*$": "an ECR repository name such as team/models (lower-case)",
    r"^[a-z0-9][a-z0-9-]*[a-z0-9]$": "an S3 bucket name of lower-case letters, digits and dashes, such as acme-models",
    r"^[\w.\[\]$-]+$": "a feature name or JSONPath of letters, digits and _ . [ ] $ -",
    r"^(>=|>|<=|<)\s*-?\d+(\.\d+)?$": 'a comparison such as ">= 0.9" (>=, >, <= or < and a number)',
    r"^\s*(>=|<=|>|<)\s*([-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?)\s*$": 'a comparison such as ">= 0.9" (>=, >, <= or < and a number)',
}
#: The patterns of S3 URIs: a refusal says what is wrong with the bucket name when that is the cause.
_S3_PATTERNS = frozenset({m.S3_URI_RE, r"^s3://[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]/([^\s]*/)?$"})


def _s3_bucket_why(value: object) -> str | None:
    """Why the bucket of an s3:// URI is not a bucket name (S3's rules), or None when the bucket is fine."""
    if not isinstance(value, str) or not value.startswith("s3://"):
        return None
    bucket = value[5:].split("/", 1)[0]
    if not bucket:
        return "names no bucket: write s3://BUCKET/KEY"
    if len(bucket) < 3 or len(bucket) > 63:
        return f"its bucket name {bucket!r} has {len(bucket)} characters; S3 bucket names have 3 to 63"
    if bucket != bucket.lower():
        return f"its bucket name {bucket!r} has upper-case letters; S3 bucket names are lower-case"
    bad = sorted({c for c in bucket if not (c.isascii() and (c.isalnum() or c in ".-"))})
    if bad:
        shown = ", ".join(repr(c) for c in bad)
        return f"its bucket name {bucket!r} contains {shown}; S3 bucket names hold only lower-case letters, digits, dots and dashes"
    if not (bucket[0].isalnum() and bucket[-1].isalnum()):
        return f"its bucket name {bucket!r} must start and end with a letter or digit"
    return None


def load_config(
    path: str | Path,
    schema: Schema | Callable[[Collection[str] | None], Schema],
    *,
    warnings: list[ConfigWarning] | None = None,
    notes: list[ConfigWarning] | None = None,
) -> m.PlatformConfig:
    """Load and validate a config file against ``schema`` (the core and every component's section and
    rules), or against the schema ``schema(keys)`` makes for the file's root keys (the sections and rules
    they need: :func:`mlinfra.pipeline.load_config` passes the component list's). Raises
    :class:`ConfigError` listing every problem found.

    Values read in a forgiving way (an S3 https URL as its s3:// URI, a number among environment values
    as its text) are reported as :class:`ConfigWarning` on ``warnings`` when given, before validation:
    a config that fails still reports them. Advice on the config's form (the one-model ``models`` form and
    the form that names the model) goes to ``notes`` when given, for ``mlinfra validate``. The library never
    prints them."""
    path = Path(path)
    name = str(path)
    doc = _read_yaml(path, name)
    if not isinstance(schema, Schema):
        schema = _schema_for(doc.data, schema)
    softened = soften(doc.data, schema.model, doc.texts)
    if warnings is not None:
        warnings.extend(ConfigWarning(name, doc.line(s.loc), _dotted(s.loc), s.message, s.code) for s in softened)
    try:
        config = schema.model.model_validate(doc.data)
    except ValidationError as exc:
        words = {**_PATTERN_WORDS, **schema.pattern_words}
        problems = [_from_pydantic(schema.model, name, doc, err, words) for err in exc.errors()]
        later = _rules_despite(schema, doc.data, exc, path.parent)
        seen = {(p.path, p.code) for p in problems}
        problems += [
            Problem(name, doc.line(v.loc), _dotted(v.loc), _related(doc, v), v.code)
            for v in later
            if (_dotted(v.loc), v.code) not in seen
        ]
        raise ConfigError(problems) from None
    violations = check(config, schema.rules) + check_files(config, path.parent, schema.file_rules)
    if warnings is not None:
        warnings.extend(
            ConfigWarning(name, doc.line(v.loc), _dotted(v.loc), _related(doc, v), v.code)
            for v in violations
            if v.warning and not v.note
        )
    if notes is not None:
        notes.extend(
            ConfigWarning(name, doc.line(v.loc), _dotted(v.loc), _related(doc, v), v.code) for v in violations if v.note
        )
    violations = [v for v in violations if not v.warning]
    if violations:
        raise ConfigError(
            [Problem(name, doc.line(v.loc), _dotted(v.loc), _related(doc, v), v.code) for v in violations]
        )
    return config


def _schema_for(data: Any, schema_for: Callable[[Collection[str] | None], Schema]) -> Schema:
    """The schema the file's root keys need; every slice's when a key is none of those (an unknown key is
    reported with the closest of all the keys, and a root that is not a mapping as it always was)."""
    if isinstance(data, dict) and all(isinstance(k, str) for k in data):
        needed = schema_for(frozenset(data))
        if all(k in needed.model.model_fields for k in data):
            return needed
    return schema_for(None)


#: Rounds of setting aside what pydantic refused before giving up on running the rules as well.
_REPAIR_ROUNDS = 3


def _rules_despite(schema: Schema, data: Any, exc: ValidationError, base_dir: Path) -> list[Violation]:
    """The rules' violations in a config whose shapes pydantic refused, so that one run reports every problem.

    Each refused key is set aside (a field with a default takes it; an unknown key goes) and the rest is
    validated again. When that yields a config, the rules run on it, and their violations at or under a
    refused key -- consequences of setting it aside -- are dropped. A required field that is missing, or an
    error on a list item or the whole file, cannot be set aside: then only pydantic's problems are reported."""
    import copy

    trial = copy.deepcopy(data)
    refused: list[Loc] = []
    errors = exc.errors()
    for _ in range(_REPAIR_ROUNDS):
        for err in errors:
            loc = _untagged(schema.model, tuple(err["loc"]))
            if err["type"] == "missing" or not loc or not _set_aside(trial, loc):
                return []
            refused.append(loc)
            if err["type"] == "extra_forbidden":
                # The key it was meant to be ("did you mean") counts as refused too: its absence is this error.
                close = difflib.get_close_matches(str(loc[-1]), _fields_at(schema.model, tuple(err["loc"])[:-1]), n=1)
                refused += [(*loc[:-1], c) for c in close]
        try:
            config = schema.model.model_validate(trial)
        except ValidationError as again:
            errors = again.errors()
            continue
        found = check(config, schema.rules) + check_files(config, base_dir, schema.file_rules)
        # A finding at or under a key set aside, or naming one (``hosted_zone`` in the message of a rule that
        # needs it beside ``domain``), is about that key: its own problem is already reported.
        named = {str(r[-1]) for r in refused if "_" in str(r[-1])}
        return [
            v
            for v in found
            if not v.warning
            and not any(v.loc[: len(r)] == r for r in refused)
            and not any(re.search(rf"\b{re.escape(n)}\b", v.message) for n in named)
        ]
    return []


def _set_aside(data: Any, loc: Loc) -> bool:
    """Remove the key at ``loc`` from its mapping; False when ``loc`` is not a mapping's key."""
    parent = data
    for part in loc[:-1]:
        try:
            parent = parent[part]
        except (KeyError, IndexError, TypeError):
            return False
    if not isinstance(parent, dict) or loc[-1] not in parent:
        return False
    del parent[loc[-1]]
    return True


def _related(doc: Document, v: Violation) -> str:
    if v.related is None:
        return v.message
    return v.message.replace("{related_line}", str(doc.line(v.related) or "?"))


def _read_yaml(path: Path, name: str) -> Document:
    def fail(message: str, code: str, line: int | None = None) -> ConfigError:
        return ConfigError([Problem(name, line, "", message, code)])

    try:
        with open(path, "rb") as fh:
            # Read one byte past the bound rather than the whole file: /dev/zero or a 10 GB log is refused
            # just as fast.
            raw = fh.read(MAX_CONFIG_BYTES + 1)
            if len(raw) > MAX_CONFIG_BYTES:
                size = os.fstat(fh.fileno()).st_size
                found = f" ({size / 2**20:.1f} MiB)" if size > MAX_CONFIG_BYTES else ""
                raise fail(
                    f"is over 1 MiB{found}: a platform config is a few kilobytes; is this the right file?",
                    "file-too-large",
                )
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

    from .yaml_source import YamlProblem, parse

    try:
        doc = parse(text)
    except YamlProblem as exc:
        raise fail(exc.message, exc.code, exc.line) from None
    data = doc.data
    if data is None:
        raise fail("the file is empty; it needs at least project and models", "empty-file")
    if not isinstance(data, Mapping):
        kind = "a list" if isinstance(data, Sequence) and not isinstance(data, str) else f"a {type(data).__name__}"
        raise fail(
            f"expected a mapping of sections (project, models, endpoints, ...), found {kind}", "not-a-mapping", 1
        )
    return doc


def _from_pydantic(
    root: type[BaseModel], name: str, doc: Document, err: Mapping[str, Any], words: Mapping[str, str] = _PATTERN_WORDS
) -> Problem:
    """One pydantic error, said in the config's words (never pydantic's "Input should be ...")."""
    tagged: Loc = tuple(err["loc"])
    loc = _untagged(root, tagged)
    kind = err["type"]
    line, path = doc.line(loc), _dotted(loc)
    if kind == "extra_forbidden":
        key = loc[-1]
        allowed = _fields_at(root, tagged[:-1])
        close = difflib.get_close_matches(str(key), allowed, n=1)
        hint = (
            f'; did you mean "{close[0]}"?'
            if close
            else (f"; expected one of: {', '.join(allowed)}" if allowed else "")
        )
        return Problem(name, line, path, f'unknown key "{key}"{hint}', "unknown-key")
    if kind == "missing":
        return Problem(name, line, path, "required field is missing", "missing-field")
    return Problem(
        name,
        line,
        path,
        _in_words(root, tagged, kind, err.get("ctx") or {}, err.get("input"), words),
        kind.replace("_", "-"),
    )


def _in_words(
    root: type[BaseModel],
    loc: Loc,
    kind: str,
    ctx: Mapping[str, Any],
    value: Any,
    pattern_words: Mapping[str, str] = _PATTERN_WORDS,
) -> str:
    got = _describe(value)
    if ctx.get("words") is not None:
        # An error type of mlinfra's own (lenient.py), with its message in the config's words.
        return str(ctx["words"])
    if kind == "value_error" and ctx.get("error") is not None:
        # Raised by mlinfra's own field validators: already in the config's words.
        return str(ctx["error"])
    if kind == "string_pattern_mismatch":
        pattern = ctx.get("pattern")
        words = pattern_words.get(pattern) if isinstance(pattern, str) else None
        why = _s3_bucket_why(value) if pattern in _S3_PATTERNS else None
        if why:
            return f"must be {words}, got {value!r}: {why}"
        return f"must be {words}, got {value!r}" if words else f"is not in the form this field takes, got {value!r}"
    if kind == "string_type" and isinstance(value, (int, float)) and not isinstance(value, bool):
        what = "a semantic version such as 1.2.0" if loc and loc[-1] in ("version", "model") else "text"
        return f'must be {what}; YAML read {value} as a number: quote it ("{value}")'
    if kind == "literal_error":
        allowed = [a.strip().strip("'") for a in re.split(r",| or ", str(ctx.get("expected", ""))) if a.strip()]
        close = difflib.get_close_matches(str(value), allowed, n=1) if isinstance(value, str) else []
        hint = f'; did you mean "{close[0]}"?' if close else ""
        return f"must be one of {', '.join(allowed)}; got {got}{hint}"
    if kind == "model_type":
        keys = _fields_at(root, loc)
        return f"must be a mapping of {', '.join(keys)}" + f", got {got}" if keys else f"must be a mapping, got {got}"
    if kind in ("too_short", "too_long"):
        actual = ctx.get("actual_length")
        if kind == "too_short":
            least = ctx.get("min_length")
            return (
                "must not be empty: add at least one entry"
                if least == 1 and actual == 0
                else f"needs at least {least} entries, has {actual}"
            )
        return f"allows at most {ctx.get('max_length')} entries, has {actual}"
    if kind == "string_too_short":
        least = ctx.get("min_length")
        return "must not be empty" if least == 1 else f"must be at least {least} characters, got {value!r}"
    if kind == "string_too_long":
        return (
            f"must be at most {ctx.get('max_length')} characters, got {len(value) if isinstance(value, str) else '?'}"
        )
    bounds = {
        "greater_than": ("more than", "gt"),
        "greater_than_equal": ("at least", "ge"),
        "less_than": ("less than", "lt"),
        "less_than_equal": ("at most", "le"),
    }
    if kind in bounds:
        words, key = bounds[kind]
        bound = ctx.get(key)
        bound = f"{bound:g}" if isinstance(bound, float) else bound
        return f"must be {words} {bound}, got {got}"
    types = {
        "string_type": "text",
        "int_type": "a whole number",
        "int_parsing": "a whole number",
        "float_type": "a number",
        "float_parsing": "a number",
        "bool_type": "true or false",
        "bool_parsing": "true or false",
        "list_type": "a list (lines starting with - , or [a, b])",
        "dict_type": "a mapping (key: value lines)",
        "finite_number": "a finite number",
    }
    if kind in types:
        yaml_hint = (
            "; YAML reads yes/no as text: write true or false"
            if kind.startswith("bool") and isinstance(value, str)
            else ""
        )
        return f"must be {types[kind]}, got {got}{yaml_hint}"
    return f"is not a value this field takes, got {got}"


def _describe(value: Any) -> str:
    if value is None:
        return "nothing (an empty value)"
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


def _tags(annotation: Any) -> dict[str, Any]:
    """Tag → model of the discriminated union inside ``annotation`` (``endpoints``: endpoint, components)."""
    found: dict[str, Any] = {}
    for meta in getattr(annotation, "__metadata__", ()):
        if isinstance(meta, Tag):
            found[meta.tag] = typing.get_args(annotation)[0]
    for arg in typing.get_args(annotation):
        found.update(_tags(arg))
    return found


def _walk(root: type[BaseModel], loc: Loc) -> Iterator[tuple[str | int, Any, bool]]:
    """Each part of a pydantic location with the model it leads to (from the root model of the file),
    and whether it is a union's tag."""
    cls: Any = root
    tags: dict[str, Any] = {}
    for part in loc:
        if isinstance(part, int):
            yield part, cls, False
            continue
        if part in tags:
            cls, tags = tags[part], {}
            yield part, cls, True
            continue
        model = isinstance(cls, type) and issubclass(cls, BaseModel)
        field = next((f for n, f in cls.model_fields.items() if (f.alias or n) == part), None) if model else None
        tags = _tags(field.annotation) if field is not None else {}
        cls = _model_in(field.annotation) if field is not None else None
        yield part, cls, False


def _untagged(root: type[BaseModel], loc: Loc) -> Loc:
    """The location in the config's terms: without the tags of discriminated unions."""
    return tuple(part for part, _, tag in _walk(root, loc) if not tag)


def _fields_at(root: type[BaseModel], loc: Loc) -> list[str]:
    """The keys a mapping at ``loc`` (a pydantic location, tags included) accepts, for "did you mean" hints."""
    cls: Any = root
    for _part, cls, _ in _walk(root, loc):
        if cls is None:
            return []
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
