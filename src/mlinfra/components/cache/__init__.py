"""The prediction cache: ElastiCache (Redis OSS) in the platform's VPC, encrypted at rest and in transit,
its AUTH token in Secrets Manager, reachable only from its clients' security group. Its Terraform:
``templates/modules/cache/``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ...config.section import Slice, deferred

if TYPE_CHECKING:
    from .component import Cache


def _component() -> Cache:
    from .component import Cache

    return Cache()


def _slice() -> Slice:
    from .rules import RULES
    from .section import SECTION

    return Slice("cache", _component, (SECTION,), RULES)


#: The config's root keys its sections and rules read: a config without any of them never imports them.
READS = ("cache",)
__getattr__ = deferred(_slice)
