"""The SageMaker execution role. It owns no grants of its own: the components whose SageMaker resources
run as it contribute their statements (``sinks.roles["sagemaker"]``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ...config.section import Slice

if TYPE_CHECKING:
    from .component import SagemakerRole


def component() -> SagemakerRole:
    from .component import SagemakerRole

    return SagemakerRole()


SLICE = Slice("sagemaker_role", component)
