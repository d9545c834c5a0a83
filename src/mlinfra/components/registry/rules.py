"""Rules of the ``registry`` section: what the quality gate's comparisons with production can compare."""

from __future__ import annotations

from collections.abc import Iterator

from ...config.rules import Violation
from ...config.shapes import PlatformConfig
from .section import SECTION


def regression_metrics(config: PlatformConfig) -> Iterator[Violation]:
    """Each comparison with production names a metric once, and one the production version reports."""
    registry = SECTION.of(config)
    if registry is None:
        return
    production = [m for m in config.models if m.status == "production"]
    seen: set[str] = set()
    for i, r in enumerate(registry.quality_gate.versus_production):
        loc = ("registry", "quality_gate", "versus_production", i, "metric")
        if r.metric in seen:
            yield Violation(loc, f"metric {r.metric} is compared with production twice", "duplicate-regression-metric")
        seen.add(r.metric)
        for m in production:
            if r.metric not in m.metrics:
                have = ", ".join(sorted(m.metrics)) or "none"
                yield Violation(
                    loc,
                    f"the production version {m.version} has no metric {r.metric} to compare with (its metrics: {have}); add it to its metrics",
                    "regression-metric-missing",
                )


RULES = (regression_metrics,)
