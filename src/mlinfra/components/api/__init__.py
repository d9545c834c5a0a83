"""The inference API: an API Gateway REST API serving the routes (request validation, Lambda proxy
integrations), its stage, throttling, access logs, usage plans and API keys. Its Terraform:
``templates/modules/api/``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ...config.section import Slice, deferred

if TYPE_CHECKING:
    from ...config.shapes import PlatformConfig
    from .component import Api


def _component() -> Api:
    from .component import Api

    return Api()


def serves_routes(config: PlatformConfig) -> bool:
    # The API serves the routes, each through its preprocessing Lambda: no routes, no API, with or without
    # an api section (its settings all have defaults).
    from ..preprocessing.section import ROUTES

    return bool(ROUTES.of(config))


def _slice() -> Slice:
    from .rules import RULES, names
    from .section import SECTION

    return Slice("api", _component, (SECTION,), RULES, names=names, present=serves_routes)


#: The config's root keys its sections and rules read (its rules: the routes it serves): a config without
#: any of them never imports them.
READS = ("api", "routes")
__getattr__ = deferred(_slice)
