"""The quality gate, evaluated offline: a version's metrics against thresholds and the production version's.

Pure: no AWS, no config file. ``mlinfra models validate`` (the reference's ``validate_model.py`` build
step) and ``mlinfra models register`` both call :func:`evaluate`.
"""

from __future__ import annotations

from collections.abc import Mapping

from ..components.registry.section import QualityGate
from ..records import record


@record
class Check:
    metric: str
    rule: str  # e.g. ">= 0.9" or "not below production 0.89 - 0.01"
    value: float | None  # the candidate's value (None: it has none)
    passed: bool
    message: str


@record
class GateResult:
    version: str
    production: str | None
    checks: tuple[Check, ...]

    @property
    def passed(self) -> bool:
        return all(c.passed for c in self.checks)

    @property
    def failures(self) -> tuple[Check, ...]:
        return tuple(c for c in self.checks if not c.passed)

    def summary(self) -> str:
        """One line: what failed (for ApprovalDescription and CI logs), or that everything passed."""
        if not self.checks:
            return "no quality gate checks apply (registry.quality_gate is empty or absent)"
        if self.passed:
            return f"quality gate passed ({len(self.checks)} checks)"
        return "quality gate failed: " + "; ".join(c.message for c in self.failures)

    def to_json(self) -> dict:
        return {
            "version": self.version,
            "production": self.production,
            "passed": self.passed,
            "checks": [
                {"metric": c.metric, "rule": c.rule, "value": c.value, "passed": c.passed, "message": c.message}
                for c in self.checks
            ],
        }


def evaluate(
    gate: QualityGate, version: str, metrics: Mapping[str, float], production: tuple[str, Mapping[str, float]] | None
) -> GateResult:
    """Every check of ``gate`` on ``metrics``; comparisons with production only when there is one.

    A missing metric fails its check: a gate that cannot be evaluated does not admit a model.
    """
    checks: list[Check] = []
    for metric, threshold in sorted(gate.thresholds.items()):
        value = metrics.get(metric)
        if value is None:
            checks.append(Check(metric, str(threshold), None, False, f"{metric} is missing (needs {threshold})"))
        elif threshold.holds(value):
            checks.append(Check(metric, str(threshold), value, True, f"{metric} {value:g} {threshold}"))
        else:
            checks.append(Check(metric, str(threshold), value, False, f"{metric} {value:g} is not {threshold}"))
    if production is not None and production[0] != version:
        prod_version, prod_metrics = production
        for r in gate.versus_production:
            value, base = metrics.get(r.metric), prod_metrics.get(r.metric)
            if r.better == "higher":
                bound, rule = (
                    (None if base is None else base - r.max_regression),
                    f">= production {prod_version} ({base}) - {r.max_regression:g}",
                )
            else:
                bound, rule = (
                    (None if base is None else base + r.max_regression),
                    f"<= production {prod_version} ({base}) + {r.max_regression:g}",
                )
            if value is None:
                checks.append(Check(r.metric, rule, None, False, f"{r.metric} is missing (needs {rule})"))
            elif bound is None or base is None:  # one is None when the other is
                checks.append(
                    Check(r.metric, rule, value, False, f"production {prod_version} has no {r.metric} to compare with")
                )
            else:
                # Rounded to the metric's precision: 0.88 vs 0.89 - 0.01 must not fail on 0.88 < 0.8800000000000001.
                ok = round(value - bound, 12) >= 0 if r.better == "higher" else round(bound - value, 12) >= 0
                delta = value - base
                worse = (
                    f"equal to production {prod_version}"
                    if delta == 0
                    else f"{abs(delta):g} {'below' if delta < 0 else 'above'} production {prod_version} ({base:g})"
                )
                limit = f"at most {r.max_regression:g} {'below' if r.better == 'higher' else 'above'}"
                checks.append(
                    Check(
                        r.metric,
                        rule,
                        value,
                        ok,
                        f"{r.metric} {value:g} is {worse}" + ("" if ok else f"; allowed: {limit}"),
                    )
                )
    return GateResult(version, production[0] if production else None, tuple(checks))
