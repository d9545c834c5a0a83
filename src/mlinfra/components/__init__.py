"""The component registry: one module here and one template folder per platform component.

The order is the order in which plans are built (a component's plan may read those before it); the
root module's blocks are ordered by what each module references, ties broken by this order. Adding a
component: its module (a :class:`~mlinfra.components.base.Component`), its template folder, its config
section, its tests, and one line below.
"""

from __future__ import annotations

from .api import Api
from .base import Component
from .batch import Batch
from .cache import Cache
from .capture_bucket import CaptureBucket
from .edge import Edge
from .endpoint import Endpoint
from .inference_components import InferenceComponents
from .kms import Kms
from .monitoring import MonitoringComponent
from .network import Network
from .preprocessing import Preprocessing
from .registry import Registry
from .results import Results
from .sagemaker_role import SagemakerRole

REGISTRY: tuple[Component, ...] = (
    Kms(),
    Endpoint(),
    InferenceComponents(),
    CaptureBucket(),
    Registry(),
    SagemakerRole(),
    Network(),
    Cache(),
    Results(),
    Preprocessing(),
    Api(),
    Edge(),
    Batch(),
    MonitoringComponent(),
)
