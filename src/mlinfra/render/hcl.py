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


def escape_string(text: str) -> str:
    """The inside of an HCL quoted string for ``text`` (without the quotes)."""
    out = []
    for ch in text:
        if ch == "\\":
            out.append("\\\\")
        elif ch == '"':
            out.append('\\"')
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\r":
            out.append("\\r")
        elif ch == "\t":
            out.append("\\t")
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    # Interpolation and directive openers are literal only when doubled.
    return "".join(out).replace("${", "$${").replace("%{", "%%{")


def key(name: str) -> str:
    """An object key: bare when it is a plain identifier, quoted otherwise."""
    if _IDENT.match(name) and name not in _KEYWORDS:
        return name
    return f'"{escape_string(name)}"'


def hcl(value: object) -> str:
    """Render ``value`` as an HCL expression on one line (maps become ``{ k = v, ... }``)."""
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
    if isinstance(value, Mapping) and value:
        pad = " " * (indent + 2)
        lines = [f"{pad}{key(str(k))} = {hcl_nested(v, indent + 2)}" for k, v in value.items()]
        return "{\n" + "\n".join(lines) + "\n" + " " * indent + "}"
    if (
        isinstance(value, Sequence)
        and not isinstance(value, str)
        and any(isinstance(v, Mapping) or (isinstance(v, Sequence) and not isinstance(v, str)) for v in value)
    ):
        pad = " " * (indent + 2)
        return "[\n" + "".join(f"{pad}{hcl_nested(v, indent + 2)},\n" for v in value) + " " * indent + "]"
    if isinstance(value, Sequence) and not isinstance(value, str):
        return hcl_block_list(value, indent)
    return hcl(value)
