"""Forgiving input where AWS is: values written the way AWS's own consoles and documents show them, read
as what SageMaker takes, each with a warning that says so (#11).

- An S3 object URL (``https://bucket.s3.us-east-1.amazonaws.com/key``, path-style, legacy, dualstack,
  China) wherever an S3 URI is taken: read as ``s3://bucket/key``. Any other https URL is refused with
  the forms accepted.
- A number or boolean among a model version's environment values: SageMaker stores strings (the
  Environment map is string to string), so the value becomes the text as it was written in the YAML
  (``1e-3``, ``4.10``, ``true``), which is what the author saw, rather than Python's spelling of the
  parsed number (``0.001``, ``4.1``, ``True``).

Fields opt in through a marker in their ``Annotated`` type (:data:`S3_URL`, :data:`ENV_TEXT`); the
loader walks the document along the config model and rewrites what the markers accept before pydantic
validates (:func:`soften`), so each rewrite is reported with its line and field path. The fields'
validators do the same rewrite for a config built in Python (without a warning: there is no file).
"""

from __future__ import annotations

import functools
import re
import types
import typing
from collections.abc import Callable, Iterator
from typing import Annotated, Any
from urllib.parse import unquote_plus, urlsplit

from pydantic import BaseModel, Discriminator, Tag
from pydantic_core import PydanticCustomError

from ..records import record

# --- S3 object URLs --------------------------------------------------------------------------------------

#: AWS's S3 endpoint label: s3, s3-REGION (legacy), s3-external-1, s3-fips, s3-accelerate.
_ENDPOINT_LABEL = re.compile(r"^s3(?:-fips|-accelerate|-external-1|-[a-z]{2}(?:-[a-z]+)+-\d)?$")
#: What may follow it before amazonaws.com: a region, dualstack, fips (s3.dualstack.us-east-1, s3-fips.us-gov-west-1).
_AFTER_LABEL = re.compile(r"^(?:[a-z]{2}(?:-[a-z]+)+-\d|dualstack|fips)$")
_DOMAINS = (".amazonaws.com", ".amazonaws.com.cn")

ACCEPTED = (
    "an S3 URI such as s3://bucket/key, or an S3 object URL: https://BUCKET.s3.REGION.amazonaws.com/KEY "
    "(virtual-hosted; also BUCKET.s3.amazonaws.com, BUCKET.s3-REGION.amazonaws.com, dualstack) or "
    "https://s3.REGION.amazonaws.com/BUCKET/KEY (path-style), and the same under amazonaws.com.cn"
)


class NotAnS3Url(ValueError):
    """An http(s) URL that names no S3 object; the message says what is accepted."""


def s3_uri_from_url(url: str) -> tuple[str, str]:
    """``(s3://bucket/key, note)`` for an S3 object URL; raises :class:`NotAnS3Url` for any other URL.

    The key is percent-decoded as S3 decodes a request path (``%20`` and ``+`` are a space, ``%2B`` a
    plus); a query string (a presigned URL's signature) is dropped: SageMaker reads with its role."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    domain = next((d for d in _DOMAINS if host.endswith(d)), None)
    labels = host[: -len(domain)].split(".") if domain else []
    at = next((i for i, label in enumerate(labels) if _ENDPOINT_LABEL.match(label)), None)
    if parts.scheme not in ("https", "http") or at is None or not all(_AFTER_LABEL.match(x) for x in labels[at + 1 :]):
        raise NotAnS3Url(f"must be {ACCEPTED}; {host or url!r} is not an S3 endpoint")
    path = parts.path
    if at > 0:  # virtual-hosted: the bucket is the host's first labels
        bucket, key = ".".join(labels[:at]), path[1:]
    else:  # path-style: the bucket is the path's first segment
        bucket, _, key = path[1:].partition("/")
        if not bucket:
            raise NotAnS3Url(
                f"must be {ACCEPTED}; a path-style URL names the bucket first in its path, and {url!r} has none"
            )
    uri = f"s3://{bucket}" + (f"/{unquote_plus(key)}" if key else "")
    note = (
        " (the query string is dropped: SageMaker reads the object with its role, not a presigned URL)"
        if parts.query
        else ""
    )
    return uri, note


def url_region(url: str) -> str | None:
    """The region an S3 URL's host names (s3.eu-west-1, s3-eu-west-1, s3.dualstack.eu-west-1), if any."""
    labels = (urlsplit(url).hostname or "").lower().split(".")
    at = next((i for i, label in enumerate(labels) if _ENDPOINT_LABEL.match(label)), len(labels))
    for label in labels[at:]:  # not the bucket's labels: a bucket may be called models-us-east-1
        found = re.fullmatch(r"s3-([a-z]{2}(?:-[a-z]+)+-\d)|([a-z]{2}(?:-[a-z]+)+-\d)", label)
        if found:
            return found.group(1) or found.group(2)
    return None


def _s3_url(value: Any) -> Any:
    """Field validator: an S3 object URL read as its s3:// URI; any other http(s) URL refused."""
    if isinstance(value, str) and value[:8].lower().startswith(("https://", "http://")):
        try:
            return s3_uri_from_url(value)[0]
        except NotAnS3Url as exc:
            # Its own error type, so that the loader reports it as [s3-url-unknown] in these words.
            raise PydanticCustomError("s3_url_unknown", "{words}", {"words": str(exc)}) from None
    return value


def _env_value(value: Any) -> Any:
    """Field validator: a number or boolean as SageMaker stores it, a string (the loader passes the
    YAML text instead, so a config file keeps what was written)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    return value


# --- the markers -----------------------------------------------------------------------------------------


@record
class Lenient:
    """Marks a field type whose YAML value the loader may rewrite (and report) before validation."""

    kind: str  # "s3-url" | "env-text"
    validator: Callable[[Any], Any]
    scalars: bool = False  # the file may hold a number or a boolean, taken as its text (JSON Schema too)

    def __get_pydantic_core_schema__(self, source: Any, handler: Any) -> Any:
        # The marker is also the field's before-validator (as pydantic's BeforeValidator is built).
        from pydantic_core import core_schema

        accepted = None
        if self.scalars:
            accepted = core_schema.union_schema(
                [core_schema.str_schema(), core_schema.float_schema(), core_schema.bool_schema()]
            )
        return core_schema.no_info_before_validator_function(
            self.validator, handler(source), json_schema_input_schema=accepted
        )


S3_URL = Lenient("s3-url", _s3_url)
ENV_TEXT = Lenient("env-text", _env_value, scalars=True)


# --- the loader's pass -----------------------------------------------------------------------------------

Loc = tuple[Any, ...]


@record
class Softened:
    """One value rewritten: where, what it now is, and the warning to give."""

    loc: Loc
    message: str
    code: str


def soften(data: Any, root: type[BaseModel], texts: dict[Loc, str]) -> list[Softened]:
    """Rewrite, in place, the values of ``data`` that lenient fields accept in another form; ``texts``
    holds the YAML text of every number and boolean by location. URLs that are not S3 URLs are left
    for the field's validator to refuse (with its field path and line)."""
    done: list[Softened] = []
    project = data.get("project") if isinstance(data, dict) else None
    region = project.get("region") if isinstance(project, dict) else None
    for parent, key, loc, mark in _marked({"": data}, "", root, ()):
        value = parent[key]
        if mark is S3_URL and isinstance(value, str) and value[:8].lower().startswith(("https://", "http://")):
            try:
                uri, note = s3_uri_from_url(value)
            except NotAnS3Url:
                continue
            parent[key] = uri
            named = url_region(value)
            if named is not None and isinstance(region, str) and named != region:
                # CreateModel: "The model artifacts must be in an S3 bucket that is in the same region as
                # the model or endpoint"; an s3:// URI says no region, so this is the one chance to tell.
                note += f"; the URL names region {named}, and SageMaker reads from buckets in the project's region {region}: is the bucket there?"
            done.append(Softened(loc, f"read as {uri}{note}", "s3-url-normalised"))
        elif mark is ENV_TEXT and isinstance(value, (bool, int, float)):
            text = texts.get(loc, _env_value(value))
            parent[key] = text
            what = "a boolean" if isinstance(value, bool) else "a number"
            done.append(
                Softened(
                    loc,
                    f'YAML read {text} as {what}; SageMaker stores environment values as strings: passed as "{text}" (quote it to say so)',
                    "env-value-text",
                )
            )
    return done


def _marked(parent: Any, key: Any, ann: Any, loc: Loc) -> Iterator[tuple[Any, Any, Loc, Lenient]]:
    """Every place in the data whose type carries a :class:`Lenient` marker, with its container and key."""
    value = parent[key]
    if typing.get_origin(ann) is Annotated:
        base, *meta = typing.get_args(ann)
        mark = next((x for x in meta if isinstance(x, Lenient)), None)
        if mark is not None:
            yield parent, key, loc, mark
            return
        if any(isinstance(x, Discriminator) for x in meta):
            disc = next(x for x in meta if isinstance(x, Discriminator))
            tag = disc.discriminator(value) if callable(disc.discriminator) else None
            for arm in typing.get_args(base):
                if any(isinstance(x, Tag) and x.tag == tag for x in typing.get_args(arm)[1:]):
                    yield from _marked(parent, key, typing.get_args(arm)[0], loc)
            return
        yield from _marked(parent, key, base, loc)
        return
    origin = typing.get_origin(ann)
    if origin in (typing.Union, types.UnionType):
        seen: set[Loc] = set()
        for arm in typing.get_args(ann):
            for found in _marked(parent, key, arm, loc):
                if found[2] not in seen:
                    seen.add(found[2])
                    yield found
        return
    if origin is list and isinstance(value, list):
        (item,) = typing.get_args(ann)
        for i in range(len(value)):
            yield from _marked(value, i, item, (*loc, i))
        return
    if origin is dict and isinstance(value, dict):
        _, item = typing.get_args(ann)
        for k in list(value):
            yield from _marked(value, k, item, (*loc, k))
        return
    if isinstance(ann, type) and issubclass(ann, BaseModel) and isinstance(value, dict):
        for alias, name, field_ann in _fields(ann):
            at = alias if alias in value else name if name in value else None
            if at is not None:
                yield from _marked(value, at, field_ann, (*loc, at))


@functools.cache
def _fields(model: type[BaseModel]) -> tuple[tuple[str, str, Any], ...]:
    """(alias, name, annotation with its metadata) of each field that may hold a marker, once per model."""
    out = []
    for name, f in model.model_fields.items():
        ann = Annotated[(f.annotation, *f.metadata)] if f.metadata else f.annotation
        if _may_mark(ann):
            out.append((f.alias or name, name, ann))
    return tuple(out)


def _may_mark(ann: Any) -> bool:
    """Whether a marker or a model (which may hold one) is anywhere inside ``ann``."""
    if isinstance(ann, Lenient) or (isinstance(ann, type) and issubclass(ann, BaseModel)):
        return True
    return any(_may_mark(a) for a in typing.get_args(ann))
