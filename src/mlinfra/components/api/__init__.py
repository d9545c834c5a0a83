"""The inference API: an API Gateway REST API serving the routes (request validation, Lambda proxy
integrations), its stage, throttling, access logs, usage plans and API keys. Its Terraform:
``templates/modules/api/``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ...config.section import Slice
from ..preprocessing.section import ROUTES
from .rules import RULES, names
from .section import SECTION

if TYPE_CHECKING:
    from ...config.shapes import PlatformConfig
    from .component import Api


def component() -> Api:
    from .component import Api

    return Api()


def serves_routes(config: PlatformConfig) -> bool:
    # The API serves the routes, each through its preprocessing Lambda: no routes, no API, with or without
    # an api section (its settings all have defaults).
    return bool(ROUTES.of(config))


SLICE = Slice("api", component, (SECTION,), RULES, names=names, present=serves_routes)
