"""What a platform component declares to the config layer: the section it owns at the root of
``mlinfra.yaml``, the rules that check it, and how to load the component itself.

A component package (``mlinfra.components.<name>``) exports one :class:`Slice`; the registry
(``mlinfra.components``) lists them, and :func:`mlinfra.config.schema.assemble` makes the root model of
the file from the core fields (project, models, endpoints, ...) and every slice's section. The component
(its plan and module layout) is imported only when a render needs it: ``validate`` reads sections and
rules alone.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from pydantic import BaseModel

if TYPE_CHECKING:
    from .model import PlatformConfig
    from .rules import Violation

T = TypeVar("T", bound=BaseModel)

#: A rule: every violation it finds in a whole config (see :mod:`mlinfra.config.rules`).
Rule = Callable[["PlatformConfig"], Iterator["Violation"]]


@dataclass(frozen=True)
class Section(Generic[T]):
    """A key at the root of the config file, optional, whose value is one ``model``."""

    key: str
    model: type[T]

    def of(self, config: PlatformConfig) -> T | None:
        """This section of a loaded config (``None`` when the file has none)."""
        value = getattr(config, self.key, None)
        assert value is None or isinstance(value, self.model), f"{self.key}: {type(value).__name__}"
        return value


@dataclass(frozen=True)
class Slice:
    """One platform component as the registry lists it.

    ``load`` imports the component (its plan and layout) and returns it; it is called once, at the first
    render. ``rules`` run after the core rules, in registry order, each in file order.
    """

    name: str  # the component's name: its key in the plan's parts
    load: Callable[[], Any]  # () -> mlinfra.core.component.Component
    section: Section[Any] | None = None
    rules: tuple[Rule, ...] = ()
