"""The committed provider schemas (tests/schema/*.json) as the stand-in serves them.

A block is turned into the object type Terraform derives from it (attributes by their type; nested
blocks as an object, a list or a set of objects) and into the protobuf ``Schema`` message.

awscc's nested attributes (``nested_type``) keep their nested schema (:class:`Nested`) next to the
equivalent cty type, which the stand-in uses to decode values; they are served with ``nested_type``
alone, since Terraform 1.0.3 panics on an attribute with both ("NestedType and Type cannot both be
set", configschema/decoder_spec.go).  One more 1.0.3 panic shapes what is served, see
:func:`served_as_computed`.

The format is described in tests/schema/README.md.  One translation: a block written with attribute
syntax allowed (SDKv2 ``ConfigMode: SchemaConfigModeAttr``, e.g. ``aws_security_group.ingress``) is
served as the real provider serves it, as one optional+computed attribute of the block's ``type``
(a list/set of objects); Terraform core's "attributes as blocks" fix-up accepts the block form too.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from .cty import parse_type, type_json

SCHEMA_DIR = Path(__file__).resolve().parents[2] / "schema"

PROVIDERS = {
    # name: (schema file, version)
    "aws": ("aws-provider-6.25.0.json", "6.25.0"),
    "archive": ("archive-provider-2.7.1.json", "2.7.1"),
    "random": ("random-provider-3.7.2.json", "3.7.2"),
    "awscc": ("awscc-provider-1.106.0.json", "1.106.0"),
}


@dataclass
class Attr:
    type: Any
    required: bool = False
    optional: bool = False
    computed: bool = False
    sensitive: bool = False
    nested: Nested | None = None  # a nested attribute (protocol 6, awscc)


@dataclass
class Nested:
    """The nested type of a nested attribute: its attributes and how they repeat."""

    attributes: dict[str, Attr]
    nesting: str  # single | list | set | map


@dataclass
class NestedBlock:
    nesting: str  # single | list | set
    block: Block
    min_items: int = 0
    max_items: int = 0


@dataclass
class Block:
    attributes: dict[str, Attr] = field(default_factory=dict)
    blocks: dict[str, NestedBlock] = field(default_factory=dict)

    def type(self) -> Any:
        """The object type of a value conforming to this block."""
        atys = {name: a.type for name, a in self.attributes.items()}
        for name, nb in self.blocks.items():
            obj = nb.block.type()
            if nb.nesting == "list" and _has_dynamic(obj):
                # As in Terraform's configschema: a list of blocks whose elements may differ in type
                # is a tuple, i.e. dynamic.
                atys[name] = "dynamic"
            else:
                atys[name] = obj if nb.nesting == "single" else (nb.nesting, obj)
        return ("object", atys)


def _has_dynamic(t: Any) -> bool:
    if isinstance(t, str):
        return t == "dynamic"
    if t[0] == "object":
        return any(_has_dynamic(v) for v in t[1].values())
    if t[0] == "tuple":
        return any(_has_dynamic(v) for v in t[1])
    return _has_dynamic(t[1])


@dataclass
class ProviderSchema:
    name: str
    version: str
    provider: Block
    resources: dict[str, Block]
    data_sources: dict[str, Block]


def _attr(name: str, raw: dict) -> Attr:
    if "type" not in raw:
        raise ValueError(f"attribute {name!r} has no type: tests/schema/ must be the typed schema")
    nested = None
    if "nested_type" in raw:
        nt = raw["nested_type"]
        nested = Nested(attributes={k: _attr(k, v) for k, v in sorted(nt["attributes"].items())}, nesting=nt["nesting_mode"])
    return Attr(
        type=parse_type(raw["type"]),
        required=bool(raw.get("required")),
        optional=bool(raw.get("optional")),
        computed=bool(raw.get("computed")),
        sensitive=bool(raw.get("sensitive")),
        nested=nested,
    )


def _block(raw: dict) -> Block:
    out = Block()
    for name, a in sorted(raw.get("attributes", {}).items()):
        out.attributes[name] = _attr(name, a)
    for name, b in sorted(raw.get("blocks", {}).items()):
        inner = _block(b["block"])
        nesting = b["nesting"]
        if b.get("attribute_syntax"):
            out.attributes[name] = Attr(type=parse_type(b["type"]), optional=True, computed=True)
            continue
        min_items = int(b.get("min_items", 1 if b.get("required") else 0))
        max_items = int(b.get("max_items", 0))
        out.blocks[name] = NestedBlock(nesting=nesting, block=inner, min_items=min_items, max_items=max_items)
    return out


@cache
def load(name: str) -> ProviderSchema:
    filename, version = PROVIDERS[name]
    raw = json.loads((SCHEMA_DIR / filename).read_text())
    if raw["version"] != version:
        raise ValueError(f"{filename} holds version {raw['version']}, the mirror serves {version}")
    return ProviderSchema(
        name=name,
        version=version,
        provider=_block(raw["provider"]),
        resources={k: _block(v) for k, v in raw["resources"].items()},
        data_sources={k: _block(v) for k, v in raw.get("data_sources", {}).items()},
    )


# --- protobuf ------------------------------------------------------------------------------------


def served_as_computed(a: Attr) -> bool:
    """Whether a nested attribute is served optional+computed although the provider's is not.

    Terraform 1.0.3's ProposedNew descends into a non-computed nested attribute with a synthetic
    prior value from ``objchange.AllAttributesNull``, which makes every nested attribute below it a
    non-null *object* of nulls whatever its nesting mode (fixed in 1.0.9, #29701).  On a new object
    that either panics ("not a list, map, or tuple type": awscc's ``*_job_output_config.
    monitoring_outputs``, a required list below a required object) or proposes an object of nulls
    for each nested attribute the configuration leaves out, which then fails to encode where it holds
    a list ("list of object required": ``monitoring_schedule_config.monitoring_job_definition``).
    Served as optional+computed, ProposedNew takes a configured nested value as it stands; the
    stand-in enforces the provider's own ``required`` flags in ValidateResourceConfig
    (:func:`missing_required`) and plans the computed values inside (provider._carry_prior).
    """
    return a.nested is not None and not a.computed


def missing_required(block: Block, config: Any) -> list[list]:
    """Paths of the attributes :func:`served_as_computed` turned optional that a configuration omits."""
    out: list[list] = []

    def walk(attrs: dict[str, Attr], obj: Any, path: list) -> None:
        if not isinstance(obj, dict):
            return
        for name, a in attrs.items():
            v = obj.get(name)
            if v is None and a.required and served_as_computed(a):
                out.append([*path, name])
            if a.nested is None or not isinstance(v, (dict, list)):
                continue
            if a.nested.nesting == "single":
                walk(a.nested.attributes, v, [*path, name])
            elif a.nested.nesting == "map":
                for k, e in v.items():
                    walk(a.nested.attributes, e, [*path, name, ("key", k)])
            else:
                for i, e in enumerate(v):
                    walk(a.nested.attributes, e, [*path, name, i])

    walk(block.attributes, config, [])
    return out


def to_proto(block: Block, pb: Any, planned: bool = False) -> Any:
    """``Schema.Block`` for a block (pb is the tfplugin6 protobuf module); ``planned``: a resource's
    schema, which Terraform plans (see :func:`served_as_computed`)."""
    modes = {
        "single": pb.Schema.NestedBlock.SINGLE,
        "list": pb.Schema.NestedBlock.LIST,
        "set": pb.Schema.NestedBlock.SET,
    }
    return pb.Schema.Block(
        attributes=[_attr_proto(name, a, pb, planned) for name, a in block.attributes.items()],
        block_types=[
            pb.Schema.NestedBlock(
                type_name=name,
                block=to_proto(nb.block, pb, planned),
                nesting=modes[nb.nesting],
                min_items=nb.min_items,
                max_items=nb.max_items,
            )
            for name, nb in block.blocks.items()
        ],
    )


def _attr_proto(name: str, a: Attr, pb: Any, planned: bool) -> Any:
    """``Schema.Attribute``: a type, or a nested type (never both, see the module docstring)."""
    if a.nested is None:
        return pb.Schema.Attribute(
            name=name, type=json.dumps(type_json(a.type)).encode(),
            required=a.required, optional=a.optional, computed=a.computed, sensitive=a.sensitive,
        )
    modes = {"single": pb.Schema.Object.SINGLE, "list": pb.Schema.Object.LIST, "set": pb.Schema.Object.SET, "map": pb.Schema.Object.MAP}
    loosened = planned and served_as_computed(a)
    return pb.Schema.Attribute(
        name=name,
        nested_type=pb.Schema.Object(
            attributes=[_attr_proto(n, inner, pb, planned) for n, inner in a.nested.attributes.items()],
            nesting=modes[a.nested.nesting],
        ),
        required=a.required and not loosened, optional=a.optional or loosened, computed=a.computed or loosened, sensitive=a.sensitive,
    )
