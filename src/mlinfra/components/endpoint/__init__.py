"""SageMaker endpoints with variants (real-time, serverless, multi-model, asynchronous): one module
call per endpoint of the core ``endpoints`` section, and what the SageMaker execution role needs for
them. Its rules are the core's (every component reads the endpoints). Its Terraform:
``templates/modules/endpoint/``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ...config.section import Slice

if TYPE_CHECKING:
    from .component import Endpoint


def component() -> Endpoint:
    from .component import Endpoint

    return Endpoint()


SLICE = Slice("endpoint", component)
