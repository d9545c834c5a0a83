"""The component list: one package here and one template folder per platform component.

The order is the order in which plans are built (a component's plan may read those before it) and in
which its rules run; the root module's blocks are ordered by what each module references, ties broken by
this order. Adding a component: its package (``<name>/``: ``section.py``, ``rules.py``, ``plan.py``,
``component.py`` and an ``__init__.py`` exporting its :class:`~mlinfra.config.section.Slice`), its template
folder (``templates/modules/<name>/``), and one line below.

A config needs only some of the components, and pays only for those. A package that declares ``READS``
(the root keys its sections, rules and presence read) and defers its ``SLICE``
(:func:`~mlinfra.config.section.deferred`) is imported without its sections and rules; :func:`schema`
assembles the root model of a config from the slices its keys need (every slice when a key is unknown,
so that "did you mean" knows them all), and a render loads only the components its config may have
(:func:`for_config`): a fleet of endpoints imports no API, batch or pipeline code, not even their
sections. ``SLICES`` and ``ALL`` (every slice, every component) are loaded at their first use.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import TYPE_CHECKING, Any

from .. import stacks
from ..config.schema import Schema, assemble
from ..config.section import Slice, has
from . import (
    api,
    batch,
    cache,
    capture_bucket,
    edge,
    endpoint,
    inference_components,
    kms,
    monitoring,
    network,
    pipeline,
    preprocessing,
    registry,
    results,
    sagemaker_role,
)

if TYPE_CHECKING:
    from ..config.shapes import PlatformConfig
    from ..core.component import Component


#: The component packages, in the order of the component list.
COMPONENTS: tuple[Any, ...] = (
    kms,
    endpoint,
    inference_components,
    capture_bucket,
    registry,
    sagemaker_role,
    network,
    cache,
    results,
    preprocessing,
    api,
    edge,
    batch,
    monitoring,
    pipeline,
)
#: Packages whose slices belong to the config alone: the stacks section splits the laid-out tree into root
#: modules and lays out no module of its own.
CONFIG_ONLY: tuple[Any, ...] = (stacks,)


def _needed(package: Any, keys: Collection[str] | None) -> bool:
    # A package without READS (its slice made with the package) is always needed.
    reads = getattr(package, "READS", None)
    return keys is None or reads is None or any(k in keys for k in reads)


def slices(keys: Collection[str] | None = None) -> tuple[Slice, ...]:
    """Every component's slice (``keys`` None), or those a config with these root keys needs."""
    return tuple(p.SLICE for p in COMPONENTS if _needed(p, keys))


_schemas: dict[tuple[str, ...], Schema] = {}


def schema(keys: Collection[str] | None = None) -> Schema:
    """The config file's root model and rules: the core's and the slices' that a config with these root
    keys needs (every slice's when ``keys`` is None), the stacks section's among them."""
    chosen = (*slices(keys), *(p.SLICE for p in CONFIG_ONLY if _needed(p, keys)))
    key = tuple(s.name for s in chosen)
    found = _schemas.get(key)
    if found is None:
        found = _schemas[key] = assemble(chosen)
    return found


def present_keys(config: PlatformConfig) -> set[str]:
    """The root keys the packages read that this config sets (a list section counts when not empty)."""
    keys = {k for p in (*COMPONENTS, *CONFIG_ONLY) for k in getattr(p, "READS", ())}
    return {k for k in keys if has(config, k)}


_loaded: dict[str, Component] = {}  # by slice name


def load(s: Slice) -> Component:
    """The slice's component, imported at the first call."""
    component = _loaded.get(s.name)
    if component is None:
        component = _loaded[s.name] = s.load()
        assert component.name == s.name, f"slice {s.name} loads component {component.name}"
    return component


def component(name: str) -> Component:
    """The component of this name (a key of a plan's parts), loaded by the render that built the plan."""
    found = _loaded.get(name)
    if found is None:
        found = load(next(s for s in slices() if s.name == name))
    return found


def for_config(config: PlatformConfig) -> tuple[Component, ...]:
    """The components whose part this config may have, in the order of the component list. The others'
    plan would be ``None``: they are not imported, nor are the sections of those whose keys it lacks."""
    return tuple(load(s) for s in slices(present_keys(config)) if s.may_have(config))


def __getattr__(name: str) -> tuple[Any, ...]:
    # SLICES and ALL, every slice and every component in the order of the component list, are made at each
    # use from COMPONENTS (a test may add one): most runs need neither.
    if name == "SLICES":
        return slices()
    if name == "ALL":
        return tuple(load(s) for s in slices())
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
