"""The model registry: the models bucket, the ECR repository of the model images and the SageMaker model
package group ``mlinfra models`` records versions in, present when the config has a ``registry`` section.
Its Terraform: ``templates/modules/registry/``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ...config.section import Slice, deferred

if TYPE_CHECKING:
    from .component import Registry


def _component() -> Registry:
    from .component import Registry

    return Registry()


def _slice() -> Slice:
    from .rules import RULES
    from .section import SECTION

    return Slice("registry", _component, (SECTION,), RULES)


#: The config's root keys its sections and rules read: a config without any of them never imports them.
READS = ("registry",)
__getattr__ = deferred(_slice)
