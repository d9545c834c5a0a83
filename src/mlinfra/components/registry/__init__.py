"""The model registry: the models bucket, the ECR repository of the model images and the SageMaker model
package group ``mlinfra models`` records versions in, present when the config has a ``registry`` section.
Its Terraform: ``templates/modules/registry/``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ...config.section import Slice
from .rules import RULES
from .section import SECTION

if TYPE_CHECKING:
    from .component import Registry


def component() -> Registry:
    from .component import Registry

    return Registry()


SLICE = Slice("registry", component, (SECTION,), RULES)
