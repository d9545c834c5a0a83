"""The API's public name: an ACM certificate (DNS-validated), CloudFront or a regional custom domain in
front of the API, and the Route 53 records; it reads the ``api`` section and has none of its own. Its
Terraform: ``templates/modules/edge/``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ...config.section import Slice, deferred

if TYPE_CHECKING:
    from ...config.shapes import PlatformConfig
    from .component import Edge


def _component() -> Edge:
    from .component import Edge

    return Edge()


def has_api(config: PlatformConfig) -> bool:
    # The name fronts the API, which exists when the config has routes (see the api component).
    from ..preprocessing.section import ROUTES

    return bool(ROUTES.of(config))


def _slice() -> Slice:
    return Slice("edge", _component, present=has_api)


#: The config's root key that decides whether it is present: without routes, a render never imports it.
READS = ("routes",)
__getattr__ = deferred(_slice)
