"""The one way a value enters HCL: :func:`hcl` renders Python values as HCL literals.

Config values are *literals* in the generated Terraform; references to other Terraform objects are
:class:`Ref` (a bare expression) or :class:`Interp` (a string that mixes literal text and references).
Nothing else may reach a template's output, so user text can never become Terraform syntax: quotes,
backslashes and control characters are escaped, and ``${`` / ``%{`` (which start interpolations and
template directives even inside quoted strings) are doubled to ``$${`` / ``%%{``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence

from ..expr import Interp, Ref

_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")
_KEYWORDS = {"true", "false", "null", "for", "in", "if", "else", "endif", "endfor"}

__all__ = ["Interp", "Ref", "escape_string", "hcl", "hcl_block_list", "hcl_block_map", "hcl_nested", "key"]


# What escape_string rewrites, character by character: quotes, backslashes and control characters.
_ESCAPES = {ord("\\"): "\\\\", ord('"'): '\\"', ord("\n"): "\\n", ord("\r"): "\\r", ord("\t"): "\\t"}
_ESCAPES.update({c: f"\\u{c:04x}" for c in (*range(0x20), 0x7F) if c not in _ESCAPES})
# A string with none of these is its own escape (most are: names, ARNs, paths).
_NEEDS_ESCAPE = re.compile(r'[\\"\x00-\x1f\x7f]|[$%]\{')


def escape_string(text: str) -> str:
    """The inside of an HCL quoted string for ``text`` (without the quotes)."""
    if _NEEDS_ESCAPE.search(text) is None:
        return text
    # Interpolation and directive openers are literal only when doubled (escapes add no $, % nor {).
    return text.translate(_ESCAPES).replace("${", "$${").replace("%{", "%%{")


def key(name: str) -> str:
    """An object key: bare when it is a plain identifier, quoted otherwise."""
    found = _KEYS.get(name)
    if found is None:
        found = name if _IDENT.match(name) and name not in _KEYWORDS else f'"{escape_string(name)}"'
        if len(_KEYS) < 10_000:
            _KEYS[name] = found
    return found


_KEYS: dict[str, str] = {}


def hcl(value: object) -> str:
    """Render ``value`` as an HCL expression on one line (maps become ``{ k = v, ... }``)."""
    # The common exact types first (the ABC checks below cost more); subclasses take the general path.
    kind = type(value)
    if kind is str:
        return f'"{escape_string(value)}"'  # type: ignore[arg-type]
    if kind is Ref:
        return value.expr  # type: ignore[attr-defined]
    if kind is bool:
        return "true" if value else "false"
    if kind is int:
        return str(value)
    if kind is dict:
        if not value:
            return "{}"
        return "{ " + ", ".join([f"{key(str(k))} = {hcl(v)}" for k, v in value.items()]) + " }"  # type: ignore[attr-defined]
    if kind is list or kind is tuple:
        return "[" + ", ".join([hcl(v) for v in value]) + "]"  # type: ignore[attr-defined]
    if isinstance(value, Ref):
        return value.expr
    if isinstance(value, Interp):
        inner = "".join(f"${{{p.expr}}}" if isinstance(p, Ref) else escape_string(p) for p in value.parts)
        return f'"{inner}"'
    if value is None:
        raise TypeError("None reached a template: the planner must decide a value or leave the argument out")
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"{value} has no HCL literal")
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, str):
        return f'"{escape_string(value)}"'
    if isinstance(value, Mapping):
        if not value:
            return "{}"
        return "{ " + ", ".join(f"{key(str(k))} = {hcl(v)}" for k, v in value.items()) + " }"
    if isinstance(value, Sequence):
        return "[" + ", ".join(hcl(v) for v in value) + "]"
    raise TypeError(f"cannot render {type(value).__name__} as HCL")


def hcl_block_map(value: Mapping[str, object], indent: int) -> str:
    """A map as a multi-line object literal, its entries ``indent`` spaces deeper than the closing brace.

    Used for tags and environment maps, where one entry per line reads (and diffs) best.
    """
    if not value:
        return "{}"
    pad = " " * (indent + 2)
    lines = [f"{pad}{key(str(k))} = {hcl(v)}" for k, v in value.items()]
    return "{\n" + "\n".join(lines) + "\n" + " " * indent + "}"


def hcl_block_list(value: Sequence[object], indent: int) -> str:
    """A list, one item per line when it has more than one (long ARN lists read and diff better)."""
    if len(value) <= 1:
        return hcl(list(value))
    pad = " " * (indent + 2)
    return "[\n" + "".join(f"{pad}{hcl(v)},\n" for v in value) + " " * indent + "]"


def hcl_nested(value: object, indent: int) -> str:
    """Like :func:`hcl_block_map`, with nested maps multi-line too (a module argument's typed objects)."""
    if type(value) in _SCALARS:  # most leaves: no ABC checks
        return hcl(value)
    if isinstance(value, Mapping) and value:
        pad = " " * (indent + 2)
        lines = [f"{pad}{key(str(k))} = {hcl_nested(v, indent + 2)}" for k, v in value.items()]
        return "{\n" + "\n".join(lines) + "\n" + " " * indent + "}"
    if isinstance(value, Sequence) and not isinstance(value, str) and any(_collection(v) for v in value):
        pad = " " * (indent + 2)
        return "[\n" + "".join(f"{pad}{hcl_nested(v, indent + 2)},\n" for v in value) + " " * indent + "]"
    if isinstance(value, Sequence) and not isinstance(value, str):
        return hcl_block_list(value, indent)
    return hcl(value)


_SCALARS = frozenset({str, int, float, bool, Ref, Interp})


def _collection(value: object) -> bool:
    """A map or a list (a string is neither)."""
    kind = type(value)
    if kind in _SCALARS:
        return False
    return isinstance(value, Mapping) or (isinstance(value, Sequence) and not isinstance(value, str))
