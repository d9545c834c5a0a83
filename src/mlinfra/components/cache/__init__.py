"""The prediction cache: ElastiCache (Redis OSS) in the platform's VPC, encrypted at rest and in transit,
its AUTH token in Secrets Manager, reachable only from its clients' security group. Its Terraform:
``templates/modules/cache/``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ...config.section import Slice
from .rules import RULES
from .section import SECTION

if TYPE_CHECKING:
    from .component import Cache


def component() -> Cache:
    from .component import Cache

    return Cache()


SLICE = Slice("cache", component, (SECTION,), RULES)
