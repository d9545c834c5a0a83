"""HCL expression values shared by every layer: :class:`Ref` (a bare reference) and :class:`Interp`.

The plan decides wiring with these, the context passes them on, and the renderer's one escaping filter
(:mod:`mlinfra.render.hcl`) writes them out. They live here, below all layers, so that the plan never
imports the renderer.
"""

from __future__ import annotations

import re

from .records import record

# A Terraform reference: var.x, local.x, module.m.o, data.t.n.a, aws_t.n.a, with optional [0] / ["k"] parts.
_REF = re.compile(r'^[a-z_][a-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_-]*|\[\d+\]|\["[^"]*"\])+$')


@record
class Ref:
    """A Terraform expression written as-is, e.g. ``var.kms_key_arn``. Only code, never user data, builds these."""

    expr: str

    def __post_init__(self) -> None:
        # "null" too: a JSON document built as an HCL object for jsonencode may need an explicit null,
        # which the HCL filter refuses as None (there None means "the planner forgot a value").
        if not _REF.match(self.expr) and self.expr != "null":
            raise ValueError(f"not a Terraform reference: {self.expr!r}")


@record
class Interp:
    """A string template: literal parts (escaped) and :class:`Ref` parts (interpolated as ``${ref}``)."""

    parts: tuple[str | Ref, ...]

    def __init__(self, *parts: str | Ref):
        object.__setattr__(self, "parts", tuple(parts))


#: HCL's ``null``: an attribute of a typed object input that does not apply (Terraform 1.0 has no optional()).
NULL = Ref("null")


def or_null(value: object) -> object:
    """``value``, or HCL's ``null`` for ``None``."""
    return NULL if value is None else value


def plain_number(value: float) -> int | float:
    """``value`` as an ``int`` when it is whole: HCL and the descriptions write ``5``, not ``5.0``."""
    return int(value) if float(value).is_integer() else value
