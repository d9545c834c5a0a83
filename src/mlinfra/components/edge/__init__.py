"""The API's public name: an ACM certificate (DNS-validated), CloudFront or a regional custom domain in
front of the API, and the Route 53 records; it reads the ``api`` section and has none of its own. Its
Terraform: ``templates/modules/edge/``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ...config.section import Slice

if TYPE_CHECKING:
    from .component import Edge


def component() -> Edge:
    from .component import Edge

    return Edge()


SLICE = Slice("edge", component)
