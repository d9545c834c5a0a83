"""Endpoints of ``kind: components``: SageMaker inference components on one shared fleet, one module
call per such endpoint of the core ``endpoints`` section, with the rules of their fleet, components and
rolling deployment. Its Terraform: ``templates/modules/inference_components/``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ...config.section import Slice
from ...config.shapes import InferenceComponentsEndpoint
from .rules import RULES

if TYPE_CHECKING:
    from ...config.shapes import PlatformConfig
    from .component import InferenceComponents


def component() -> InferenceComponents:
    from .component import InferenceComponents

    return InferenceComponents()


def has_components(config: PlatformConfig) -> bool:
    return any(isinstance(ep, InferenceComponentsEndpoint) for ep in config.endpoints)


SLICE = Slice("inference_components", component, rules=RULES, present=has_components)
