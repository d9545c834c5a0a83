"""Frozen records: the dataclasses of mlinfra's config, plan, context and operations layers.

``@record`` is ``@dataclass(frozen=True)`` with the same ``__init__``, frozenness, fields, ``replace``,
``asdict``, equality, hash and repr, and mypy reads it as that (PEP 681's ``dataclass_transform``). What
differs is the cost of defining a class. On Python 3.11 and 3.12, ``dataclasses`` compiles every generated
method with its own ``exec`` (six for a frozen class) and, for a class without a docstring, builds its
``__doc__`` from ``inspect.signature``: about 0.5 ms a class, and a render defines some 130 of them. A
record compiles only ``__init__`` and the two frozen guards; its equality, hash and repr are shared
functions that read the fields through one :func:`operator.attrgetter` made when the class is defined,
and a class without a docstring gets its name as one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, fields
from operator import attrgetter
from typing import Any, TypeVar, dataclass_transform

C = TypeVar("C", bound=type)


def _eq(self: Any, other: Any) -> bool:
    # As dataclasses compares: the same class, then the fields with compare=True, in order.
    if other.__class__ is not self.__class__:
        return NotImplemented
    result: bool = self._record_key(self) == self._record_key(other)
    return result


def _hash(self: Any) -> int:
    return hash(self._record_key(self))


def _repr(self: Any) -> str:
    shown = ", ".join(f"{f.name}={getattr(self, f.name)!r}" for f in fields(self) if f.repr)
    return f"{self.__class__.__qualname__}({shown})"


def _no_fields(_: object) -> tuple[()]:
    return ()


def _one_field(name: str) -> Callable[[object], tuple[object]]:
    get = attrgetter(name)
    return lambda record: (get(record),)


@dataclass_transform(frozen_default=True, field_specifiers=(field,))
def record(cls: C) -> C:
    """A frozen dataclass whose equality, hash and repr are shared (see the module's docstring)."""
    if cls.__doc__ is None:
        # dataclasses writes a missing docstring from inspect.signature(cls), the costliest step left.
        cls.__doc__ = cls.__qualname__
    dataclass(frozen=True, eq=False, repr=False)(cls)  # sets the methods on cls itself (no slots)
    compared = [f.name for f in fields(cls) if f.compare]
    # Always a tuple, as the dataclass methods compare (a tuple's == tries identity first: a NaN field).
    key: Callable[[object], object]
    if len(compared) > 1:
        key = attrgetter(*compared)
    elif compared:
        key = _one_field(compared[0])
    else:
        key = _no_fields
    # Set on the class itself, not inherited: a record that subclasses another compares its own fields,
    # and a plain dataclass between them would otherwise leave object's (or its own) methods in place.
    shared = {"_record_key": staticmethod(key), "__eq__": _eq, "__hash__": _hash, "__repr__": _repr}
    for name, value in shared.items():
        if cls.__dict__.get(name) is None:  # as dataclasses does, a method the class defines stays
            setattr(cls, name, value)
    return cls
