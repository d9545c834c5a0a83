"""Terraform's value model (cty) as far as the plugin protocol needs it.

Types are kept in Terraform's JSON type notation, parsed into tuples: ``"string"``, ``"number"``,
``"bool"``, ``"dynamic"``, ``("list", T)``, ``("set", T)``, ``("map", T)``, ``("object", {name: T})``,
``("tuple", [T, ...])``.  Values are plain Python: ``None`` is null, :data:`UNKNOWN` is an unknown
value, objects and maps are dicts, lists/sets/tuples are lists, a value of type ``dynamic`` is a
:class:`Dyn` (its concrete type travels with it, as on the wire).

DynamicValue arrives as msgpack (unknown = extension type 0) or, from older state, as JSON.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import msgpack


class _Unknown:
    _instance = None

    def __new__(cls):
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "UNKNOWN"


UNKNOWN = _Unknown()


class Num(float):
    """A number Terraform sent as its decimal text (cty's msgpack form of a number no float64 holds
    exactly, such as 0.85): compares as a float, goes back as the same text, so the planned value equals
    the configured one."""

    text: str

    def __new__(cls, text: str) -> Num:
        n = super().__new__(cls, text)
        n.text = text
        return n


@dataclass(frozen=True)
class Dyn:
    """A value whose schema type is ``dynamic``: its concrete type is part of the value."""

    type: Any
    value: Any


def parse_type(t: Any) -> Any:
    """JSON type notation (already json-decoded) -> the tuple form used here."""
    if isinstance(t, str):
        if t not in ("string", "number", "bool", "dynamic"):
            raise ValueError(f"unknown primitive type {t!r}")
        return t
    kind = t[0]
    if kind in ("list", "set", "map"):
        return (kind, parse_type(t[1]))
    if kind == "object":
        return ("object", {k: parse_type(v) for k, v in t[1].items()})
    if kind == "tuple":
        return ("tuple", [parse_type(e) for e in t[1]])
    raise ValueError(f"unknown type {t!r}")


def type_json(t: Any) -> Any:
    """The tuple form -> JSON type notation (a json-encodable value)."""
    if isinstance(t, str):
        return t
    kind = t[0]
    if kind in ("list", "set", "map"):
        return [kind, type_json(t[1])]
    if kind == "object":
        return ["object", {k: type_json(v) for k, v in sorted(t[1].items())}]
    return ["tuple", [type_json(e) for e in t[1]]]


# --- msgpack -------------------------------------------------------------------------------------

# cty encodes an unknown as msgpack extension 0 with one zero byte of payload (fixext1).
_UNKNOWN_EXT = msgpack.ExtType(0, b"\x00")


def _ext_hook(code: int, data: bytes) -> Any:
    if code == 0:  # newer Terraform may put refinements in the payload: still just unknown to us
        return UNKNOWN
    raise ValueError(f"unexpected msgpack extension {code}")


def decode_msgpack(data: bytes, t: Any) -> Any:
    raw = msgpack.unpackb(data, ext_hook=_ext_hook, raw=False, strict_map_key=False)
    return _from_wire(raw, t, msgpack_form=True)


def encode_msgpack(value: Any, t: Any) -> bytes:
    return msgpack.packb(_to_wire(value, t), use_bin_type=True)


def decode_json(data: bytes | str, t: Any) -> Any:
    return _from_wire(json.loads(data), t, msgpack_form=False)


def _from_wire(v: Any, t: Any, msgpack_form: bool) -> Any:
    if v is None or v is UNKNOWN:
        return v
    if t == "dynamic":
        if msgpack_form:  # [type JSON as bytes, value]
            tj, inner = v
            ct = parse_type(json.loads(tj))
        else:  # {"value": ..., "type": ...}
            ct, inner = parse_type(v["type"]), v["value"]
        return Dyn(ct, _from_wire(inner, ct, msgpack_form))
    if t == "string":
        return v if isinstance(v, str) else str(v)
    if t == "number":
        if isinstance(v, str):  # numbers float64 does not hold exactly travel as strings
            return int(v) if v.lstrip("-").isdigit() else Num(v)
        return v
    if t == "bool":
        return bool(v)
    kind = t[0]
    if kind in ("list", "set"):
        return [_from_wire(e, t[1], msgpack_form) for e in v]
    if kind == "tuple":
        return [_from_wire(e, et, msgpack_form) for e, et in zip(v, t[1], strict=False)]
    if kind == "map":
        return {k: _from_wire(e, t[1], msgpack_form) for k, e in v.items()}
    if kind == "object":
        # Absent attributes are null; an attribute not in the type is an error, as in cty.
        extra = set(v) - set(t[1])
        if extra:
            raise ValueError(f"unsupported attribute(s) {sorted(extra)}")
        return {k: _from_wire(v.get(k), at, msgpack_form) for k, at in t[1].items()}
    raise ValueError(f"unknown type {t!r}")


def _to_wire(v: Any, t: Any) -> Any:
    if v is None:
        return None
    if v is UNKNOWN:
        return _UNKNOWN_EXT
    if t == "dynamic":
        if not isinstance(v, Dyn):
            v = Dyn(infer_type(v), v)
        return [json.dumps(type_json(v.type), separators=(",", ":")).encode(), _to_wire(v.value, v.type)]
    if t == "string":
        if not isinstance(v, str):
            raise TypeError(f"string expected, got {v!r}")
        return v
    if t == "number":
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            raise TypeError(f"number expected, got {v!r}")
        return v.text if isinstance(v, Num) else v
    if t == "bool":
        if not isinstance(v, bool):
            raise TypeError(f"bool expected, got {v!r}")
        return v
    kind = t[0]
    if kind in ("list", "set"):
        return [_to_wire(e, t[1]) for e in v]
    if kind == "tuple":
        return [_to_wire(e, et) for e, et in zip(v, t[1], strict=False)]
    if kind == "map":
        return {k: _to_wire(e, t[1]) for k, e in sorted(v.items())}
    if kind == "object":
        extra = set(v) - set(t[1])
        if extra:
            raise TypeError(f"attribute(s) {sorted(extra)} not in the object type")
        return {k: _to_wire(v.get(k), at) for k, at in sorted(t[1].items())}
    raise ValueError(f"unknown type {t!r}")


def infer_type(v: Any) -> Any:
    """The type Terraform would give a plain value (used for values of dynamic attributes we make up)."""
    if isinstance(v, bool):
        return "bool"
    if isinstance(v, (int, float)):
        return "number"
    if isinstance(v, str):
        return "string"
    if isinstance(v, dict):
        return ("object", {k: infer_type(e) for k, e in v.items()})
    if isinstance(v, list):
        return ("tuple", [infer_type(e) for e in v])
    if isinstance(v, Dyn):
        return v.type
    raise TypeError(f"cannot infer a type for {v!r}")


# --- walking values --------------------------------------------------------------------------------


def has_unknown(v: Any) -> bool:
    if v is UNKNOWN:
        return True
    if isinstance(v, Dyn):
        return has_unknown(v.value)
    if isinstance(v, dict):
        return any(has_unknown(e) for e in v.values())
    if isinstance(v, list):
        return any(has_unknown(e) for e in v)
    return False


def plain(v: Any) -> Any:
    """The value without Dyn wrappers (for building JSON documents and hashes)."""
    if isinstance(v, Dyn):
        return plain(v.value)
    if isinstance(v, dict):
        return {k: plain(e) for k, e in v.items()}
    if isinstance(v, list):
        return [plain(e) for e in v]
    if v is UNKNOWN:
        return "<unknown>"
    return v
