"""The component list: one package here and one template folder per platform component.

The order is the order in which plans are built (a component's plan may read those before it) and in
which its rules run; the root module's blocks are ordered by what each module references, ties broken by
this order. Adding a component: its package (``<name>/``: ``section.py``, ``rules.py``, ``plan.py``,
``component.py`` and an ``__init__.py`` exporting its :class:`~mlinfra.config.section.Slice`), its template
folder (``templates/modules/<name>/``), and one line below.

Importing this package imports every component's section and rules, not its plan or layout: ``validate``
needs only the schema. A render loads only the components its config may have (:func:`for_config`): a
fleet of endpoints imports no API, batch or pipeline code. ``ALL`` (every component) is loaded at its
first use.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

from ..config.schema import Schema, assemble
from ..config.section import Slice
from ..stacks import SLICE as STACKS
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


SLICES: tuple[Slice, ...] = (
    kms.SLICE,
    endpoint.SLICE,
    inference_components.SLICE,
    capture_bucket.SLICE,
    registry.SLICE,
    sagemaker_role.SLICE,
    network.SLICE,
    cache.SLICE,
    results.SLICE,
    preprocessing.SLICE,
    api.SLICE,
    edge.SLICE,
    batch.SLICE,
    monitoring.SLICE,
    pipeline.SLICE,
)


@functools.cache
def schema() -> Schema:
    """The config file's root model and rules: the core's, every slice's, and the stacks section's (not a
    component: it splits the laid-out tree into root modules and lays out no module of its own)."""
    return assemble((*SLICES, STACKS))


_loaded: dict[str, Component] = {}  # by slice name


def load(s: Slice) -> Component:
    """The slice's component, imported at the first call."""
    component = _loaded.get(s.name)
    if component is None:
        component = _loaded[s.name] = s.load()
        assert component.name == s.name, f"slice {s.name} loads component {component.name}"
    return component


def for_config(config: PlatformConfig) -> tuple[Component, ...]:
    """The components whose part this config may have, in the order of the component list. The others'
    plan would be ``None``: they are not imported."""
    return tuple(load(s) for s in SLICES if s.may_have(config))  # SLICES read at call time: a test may add one


def __getattr__(name: str) -> tuple[Component, ...]:
    # ALL, every component in the order of the component list, is imported at its first use, not with the
    # package: their plans and layouts are most of what importing mlinfra.components would cost.
    if name != "ALL":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return tuple(load(s) for s in SLICES)
