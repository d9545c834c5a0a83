"""Rules of the ``cache`` section."""

from __future__ import annotations

from collections.abc import Iterator

from ...config.rules import Violation
from ...config.shapes import PlatformConfig
from ..network.section import SECTION as NETWORK
from .section import SECTION


def cache_needs_network(config: PlatformConfig) -> Iterator[Violation]:
    if SECTION.of(config) is not None and NETWORK.of(config) is None:
        yield Violation(
            ("cache",),
            'ElastiCache lives in a VPC: add a "network" section (vpc_id, private_subnet_ids)',
            "cache-needs-network",
        )


RULES = (cache_needs_network,)
