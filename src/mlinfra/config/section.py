"""What a platform component declares to the config layer: the sections it owns at the root of
``mlinfra.yaml``, the rules that check them (and the files they name), the names it derives from them,
and how to load the component itself.

A component package (``mlinfra.components.<name>``) exports one :class:`Slice`; the registry
(``mlinfra.components``) lists them, and :func:`mlinfra.config.schema.assemble` makes the root model of
the file from the core fields (project, models, endpoints, ...) and every slice's sections. The component
(its plan and module layout) is imported only when a render needs it: ``validate`` reads sections and
rules alone.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator, Mapping
from dataclasses import field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from pydantic import BaseModel, Field

from ..records import record

if TYPE_CHECKING:
    from .names import Named
    from .rules import Violation
    from .shapes import PlatformConfig

T = TypeVar("T", bound=BaseModel)

#: A rule: every violation it finds in a whole config (see :mod:`mlinfra.config.rules`).
Rule = Callable[["PlatformConfig"], Iterator["Violation"]]
#: A rule on the files a config names, read relative to the config's folder.
FileRule = Callable[["PlatformConfig", Path], Iterator["Violation"]]
#: The Terraform and AWS names a component derives from a config, for the collision check.
Names = Callable[["PlatformConfig"], Iterator["Named"]]


@record
class Section(Generic[T]):
    """A key at the root of the config file, optional, whose value is one ``model``."""

    key: str
    model: type[T]

    def of(self, config: PlatformConfig) -> T | None:
        """This section of a loaded config (``None`` when the file has none)."""
        value = getattr(config, self.key, None)
        assert value is None or isinstance(value, self.model), f"{self.key}: {type(value).__name__}"
        return value

    def field(self) -> tuple[Any, Any]:
        """The root model's field: (annotation, default)."""
        return self.model | None, None


@record
class ListSection(Generic[T]):
    """A key at the root of the config file whose value is a list of ``model`` (empty when the file has none)."""

    key: str
    model: type[T]

    def of(self, config: PlatformConfig) -> list[T]:
        """This section of a loaded config."""
        value = getattr(config, self.key, [])
        assert isinstance(value, list), f"{self.key}: {type(value).__name__}"
        return value

    def field(self) -> tuple[Any, Any]:
        """The root model's field: (annotation, default)."""
        # A type built at run time, which mypy reads as a type expression.
        return list[self.model], Field(default_factory=list)  # type: ignore[name-defined]


@record
class Slice:
    """One platform component as the registry lists it.

    ``load`` imports the component (its plan and layout) and returns it; it is called once, at the first
    render that may need it: one whose config :meth:`may_have` its part. ``sections`` become fields of the
    root model, in this order. ``rules`` run after the core rules, in the order of the component list, each
    in file order; ``file_rules`` likewise after the core file rules.
    ``names`` are checked for collisions with the core's and every other slice's (``name-collision``).
    """

    name: str  # the component's name: its key in the plan's parts
    load: Callable[[], Any]  # () -> mlinfra.core.component.Component
    sections: tuple[Section[Any] | ListSection[Any], ...] = ()
    rules: tuple[Rule, ...] = ()
    file_rules: tuple[FileRule, ...] = ()
    names: Names | None = None
    #: The forms its sections' patterns take, in words (pattern -> "a connection ARN such as ..."): a value
    #: that does not match is told the form, not the regular expression.
    pattern_words: Mapping[str, str] = field(default_factory=dict)
    #: Whether a config may have this component's part, read from the config alone (its plan decides for
    #: sure). ``None``: when one of its sections is set, or always for a component with none.
    present: Callable[[PlatformConfig], bool] | None = None

    def may_have(self, config: PlatformConfig) -> bool:
        """Whether the component's plan may have a part for this config: ``False`` only when it surely has
        none, so a render need not import the component at all."""
        if self.present is not None:
            return self.present(config)
        if not self.sections:
            return True
        return any(has(config, s.key) for s in self.sections)


def has(config: PlatformConfig, key: str) -> bool:
    """Whether the config sets this root key (a list section when it is not empty), read without importing
    the section's module: a config validated against the slices it needs has no field for the others."""
    return getattr(config, key, None) not in (None, [])


def deferred(make: Callable[[], Slice]) -> Callable[[str], Slice]:
    """A component package's module ``__getattr__`` that makes its ``SLICE`` at the first use.

    A package that declares ``READS`` (the root keys of the config its sections and rules read) and
    defers its slice so is imported by the registry without its sections and rules: pydantic models are
    costly to define, and a config without any of those keys (a fleet of endpoints without an API) never
    needs them. The registry asks for ``SLICE`` when a config has one of the keys, or when every slice is
    wanted (the JSON schema, an unknown key's "did you mean")."""
    made = functools.cache(make)

    def __getattr__(name: str) -> Slice:
        if name != "SLICE":
            raise AttributeError(f"a component package has no attribute {name!r}")
        return made()

    return __getattr__
