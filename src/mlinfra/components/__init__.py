"""The component list: one package here and one template folder per platform component.

The order is the order in which plans are built (a component's plan may read those before it) and in
which its rules run; the root module's blocks are ordered by what each module references, ties broken by
this order. Adding a component: its package (``<name>/``: ``section.py``, ``rules.py``, ``plan.py``,
``component.py`` and an ``__init__.py`` exporting its :class:`~mlinfra.config.section.Slice`), its template
folder (``templates/modules/<name>/``), and one line below.

Importing this package imports every component's section and rules, not its plan or layout: ``validate``
needs only the schema; ``ALL`` (the components themselves) is loaded at its first use.
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


def __getattr__(name: str) -> tuple[Component, ...]:
    # ALL, the components in the order of the component list, is imported at its first use (a render), not with the
    # package: their plans and layouts are most of what importing mlinfra.components would cost.
    if name != "ALL":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    loaded = tuple(s.load() for s in SLICES)
    for s, c in zip(SLICES, loaded, strict=True):
        assert c.name == s.name, f"slice {s.name} loads component {c.name}"
    globals()["ALL"] = loaded
    return loaded
