"""A record behaves as the frozen dataclass it replaces: the same init, fields, equality, hash, repr and
frozenness, checked against ``@dataclass(frozen=True)`` on the same class body."""

from __future__ import annotations

import dataclasses
import pickle
from dataclasses import dataclass, field

import pytest

from mlinfra.records import record


def _decorated(decorate):  # type: ignore[no-untyped-def]
    """One class body, made a record or a frozen dataclass (a new class at each call)."""

    @decorate
    class Body:
        name: str
        count: int = 1
        tags: tuple[str, ...] = ()
        note: str = field(default="", compare=False)
        hidden: str = field(default="x", repr=False)

    return Body


def _pair():  # type: ignore[no-untyped-def]
    return _decorated(record), _decorated(dataclass(frozen=True))


def test_equality_hash_and_repr_match_a_frozen_dataclass() -> None:
    Rec, Dc = _pair()
    cases = [
        (("a",), ("a",)),
        (("a", 2), ("a", 2)),
        (("a", 2), ("a", 3)),
        (("a", 1, ("t",)), ("a", 1, ("t",))),
        (("a", 1, (), "one note"), ("a", 1, (), "another")),  # compare=False: equal
        (("a", 1, (), "", "h1"), ("a", 1, (), "", "h2")),
    ]
    for left, right in cases:
        r1, r2, d1, d2 = Rec(*left), Rec(*right), Dc(*left), Dc(*right)
        assert (r1 == r2) == (d1 == d2), (left, right)
        assert (r1 != r2) == (d1 != d2), (left, right)
        if r1 == r2:
            assert hash(r1) == hash(r2)
        assert repr(r1) == repr(d1)
    # Another class with the same fields is not equal, as with dataclasses.
    assert Rec("a") != Dc("a")
    assert Rec("a").__eq__(Dc("a")) is NotImplemented
    assert len({Rec("a"), Rec("a"), Rec("b")}) == 2


def test_records_are_frozen_dataclasses() -> None:
    Rec, _ = _pair()
    r = Rec("a", 2)
    with pytest.raises(dataclasses.FrozenInstanceError):
        r.count = 3  # type: ignore[misc]
    assert dataclasses.is_dataclass(r)
    assert [f.name for f in dataclasses.fields(r)] == ["name", "count", "tags", "note", "hidden"]
    assert dataclasses.replace(r, count=5) == Rec("a", 5)
    assert dataclasses.asdict(r)["count"] == 2
    assert Rec.__match_args__ == ("name", "count", "tags", "note", "hidden")


def test_a_method_the_class_defines_is_kept() -> None:
    @record
    class Named:
        name: str

        def __repr__(self) -> str:
            return f"<{self.name}>"

    assert repr(Named("x")) == "<x>"
    assert Named("x") == Named("x")


def test_no_fields_and_subclasses() -> None:
    @record
    class Empty:
        pass

    @record
    class Base:
        a: int

    @record
    class Child(Base):
        b: int = 0

    assert Empty() == Empty() and hash(Empty()) == hash(Empty())
    assert repr(Empty()) == "test_no_fields_and_subclasses.<locals>.Empty()"
    assert Child(1, 2) != Child(1, 3)  # the child's own fields are compared
    assert Child(1, 2) != Base(1)
    assert repr(Child(1, 2)).endswith("Child(a=1, b=2)")


def test_a_record_pickles() -> None:
    from mlinfra.expr import Ref

    assert pickle.loads(pickle.dumps(Ref("var.x"))) == Ref("var.x")


def test_one_nan_field_compares_as_a_dataclass_does() -> None:
    @record
    class R:
        x: float

    @dataclass(frozen=True)
    class D:
        x: float

    nan = float("nan")
    assert (R(nan) == R(nan)) == (D(nan) == D(nan)) is True  # the same object: equal, as in a tuple
    assert (R(nan) == R(float("nan"))) == (D(nan) == D(float("nan"))) is False
