"""The predictions table's plan: its name, keys and time to live."""

from __future__ import annotations

from ...config.shapes import PlatformConfig
from ...plan.parts import ResultsPlan
from .section import SECTION


def results_plan(config: PlatformConfig, prefix: str) -> ResultsPlan | None:
    results = SECTION.of(config)
    if results is None:
        return None
    return ResultsPlan(
        table_name=f"{prefix}-predictions",
        hash_key="cache_key",
        ttl_attribute="expires_at",
        ttl_days=results.ttl_days,
    )
