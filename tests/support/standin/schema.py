"""The committed provider schemas (tests/schema/*.json) as the stand-in serves them.

A block is turned into the object type Terraform derives from it (attributes by their type; nested
blocks as an object, a list or a set of objects) and into the protobuf ``Schema`` message.

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
}


@dataclass
class Attr:
    type: Any
    required: bool = False
    optional: bool = False
    computed: bool = False
    sensitive: bool = False


@dataclass
class NestedBlock:
    nesting: str  # single | list | set
    block: "Block"
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
    return Attr(
        type=parse_type(raw["type"]),
        required=bool(raw.get("required")),
        optional=bool(raw.get("optional")),
        computed=bool(raw.get("computed")),
        sensitive=bool(raw.get("sensitive")),
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


def to_proto(block: Block, pb: Any) -> Any:
    """``Schema.Block`` for a block (pb is the tfplugin6 protobuf module)."""
    modes = {
        "single": pb.Schema.NestedBlock.SINGLE,
        "list": pb.Schema.NestedBlock.LIST,
        "set": pb.Schema.NestedBlock.SET,
    }
    return pb.Schema.Block(
        attributes=[
            pb.Schema.Attribute(
                name=name,
                type=json.dumps(type_json(a.type)).encode(),
                required=a.required,
                optional=a.optional,
                computed=a.computed,
                sensitive=a.sensitive,
            )
            for name, a in block.attributes.items()
        ],
        block_types=[
            pb.Schema.NestedBlock(
                type_name=name,
                block=to_proto(nb.block, pb),
                nesting=modes[nb.nesting],
                min_items=nb.min_items,
                max_items=nb.max_items,
            )
            for name, nb in block.blocks.items()
        ],
    )
