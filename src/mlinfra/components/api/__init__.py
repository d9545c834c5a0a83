"""The inference API: an API Gateway REST API serving the routes (request validation, Lambda proxy
integrations), its stage, throttling, access logs, usage plans and API keys. Its Terraform:
``templates/modules/api/``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ...config.section import Slice
from .rules import RULES, names
from .section import SECTION

if TYPE_CHECKING:
    from .component import Api


def component() -> Api:
    from .component import Api

    return Api()


SLICE = Slice("api", component, (SECTION,), RULES, names=names)
