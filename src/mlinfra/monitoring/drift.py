"""Per-feature drift of captured traffic against a Model Monitor baseline.

Numerical features: the population stability index over the baseline's 10 buckets (the outer buckets
open-ended, so every captured value lands in one), and the Kolmogorov-Smirnov distance between the
baseline's KLL sketch and a sketch of the captured values. Categorical features: the L-infinity distance
between the two value distributions (Model Monitor's ``LInfinity`` categorical drift method) and the PSI
over the categories. Every feature: missing values and, against the baseline, out-of-range values
(numbers outside the baseline's [min, max], negative numbers where the baseline had none, strings outside
its domain).

Checks (Model Monitor's names where it has the check) and where their thresholds come from:

* ``baseline_drift_check``: KS > ``distribution_constraints.comparison_threshold`` (numerical) or
  L-infinity > ``categorical_comparison_threshold`` (categorical), both read from constraints.json;
* ``psi_check``: PSI > ``psi_threshold`` (0.2 by default: the usual "significant shift" level);
* ``completeness_check``: observed completeness below the baseline's ``completeness``;
* ``data_type_check``: more than ``datatype_check_threshold`` of a numerical feature's values are not numbers;
* ``non_negative_check``: negative values where constraints say ``is_non_negative``;
* ``categorical_values_check``: more than ``domain_content_threshold`` of the values outside ``domains``.

PSI bins whose share is 0 on either side are floored at ``PSI_FLOOR`` so the index stays finite.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..errors import DataError
from ..records import record
from .capture import CaptureStats, Row
from .sketch import KllSketch, ks_distance
from .stats import NumericStats, StringStats, parse_numbers
from .table import rows_to_columns

PSI_FLOOR = 1e-4
NUMERIC = ("Integral", "Fractional")


@record
class Thresholds:
    psi: float = 0.2
    ks: float | None = None  # None: constraints.json's comparison_threshold
    linf: float | None = None  # None: constraints.json's categorical_comparison_threshold


@dataclass
class DriftReport:
    features: list[dict]
    capture: CaptureStats
    thresholds: dict = field(default_factory=dict)

    @property
    def violations(self) -> list[tuple[str, dict]]:
        return [(f["name"], v) for f in self.features for v in f["violations"]]

    def to_json(self) -> dict:
        c = self.capture
        return {
            "records": c.records,
            "rows": c.rows,
            "skipped_lines": len(c.problems),
            "problems": [str(p) for p in c.problems],
            "inference_time": {"first": c.first_inference, "last": c.last_inference},
            "thresholds": self.thresholds,
            "features": self.features,
            "violations": len(self.violations),
        }


def psi(expected: np.ndarray, actual: np.ndarray) -> float:
    """Population stability index sum((a - e) * ln(a / e)) of two count (or share) vectors."""
    e = np.asarray(expected, dtype=np.float64)
    a = np.asarray(actual, dtype=np.float64)
    if e.sum() <= 0 or a.sum() <= 0:
        return 0.0
    e = np.clip(e / e.sum(), PSI_FLOOR, None)
    a = np.clip(a / a.sum(), PSI_FLOOR, None)
    return float(np.sum((a - e) * np.log(a / e)))


def linf(expected: dict[str, float], actual: dict[str, float]) -> float:
    """Largest difference in share of any category (categories missing on one side have share 0)."""
    te, ta = sum(expected.values()), sum(actual.values())
    if te <= 0 or ta <= 0:
        return 0.0
    keys = set(expected) | set(actual)
    return max(abs(expected.get(k, 0.0) / te - actual.get(k, 0.0) / ta) for k in keys)


class _Numeric:
    def __init__(self, name: str, stats: dict, constraint: dict):
        self.name = name
        ns = stats.get("numerical_statistics") or {}
        kll = (ns.get("distribution") or {}).get("kll") or {}
        buckets = kll.get("buckets") or []
        self.edges = (
            np.array([buckets[0]["lower_bound"]] + [b["upper_bound"] for b in buckets]) if buckets else np.array([])
        )
        self.expected = np.array([b["count"] for b in buckets], dtype=np.float64)
        self.baseline_sketch = KllSketch.from_json(kll["sketch"]) if "sketch" in kll else None
        self.lo, self.hi = ns.get("min"), ns.get("max")
        self.non_negative = bool((constraint.get("num_constraints") or {}).get("is_non_negative"))
        self.completeness = constraint.get("completeness")
        self.seen = NumericStats()
        self.actual = np.zeros(max(len(self.expected), 1))
        self.below = self.above = self.negative = 0

    def add(self, arr) -> None:
        parsed = parse_numbers(arr)
        self.seen.add(parsed)
        v = parsed.values
        if v.size == 0:
            return
        if len(self.edges) >= 2:
            # The outer buckets are open-ended: values beyond the baseline's range still count, at the edge.
            idx = np.clip(np.searchsorted(self.edges[1:-1], v, side="right"), 0, len(self.expected) - 1)
            self.actual += np.bincount(idx, minlength=len(self.expected))
        if self.lo is not None:
            self.below += int(np.count_nonzero(v < self.lo))
            self.above += int(np.count_nonzero(v > self.hi))
        self.negative += int(np.count_nonzero(v < 0))

    def report(self, limits: dict) -> dict:
        s = self.seen
        total = s.present + s.missing
        out: dict[str, Any] = {
            "name": self.name,
            "kind": "numerical",
            "count": total,
            "missing": s.missing,
            "completeness": s.present / total if total else None,
            "baseline_completeness": self.completeness,
            "not_numbers": s.invalid,
            "out_of_range": {
                "below_min": self.below,
                "above_max": self.above,
                "baseline_min": self.lo,
                "baseline_max": self.hi,
            },
            "negative": self.negative,
            "psi": None,
            "ks": None,
            "drift": None,
            "violations": [],
        }
        if s.present and len(self.expected):
            out["psi"] = psi(self.expected, self.actual)
        if s.present and self.baseline_sketch is not None:
            out["ks"] = out["drift"] = ks_distance(self.baseline_sketch, s.sketch)
        v = out["violations"]
        if out["ks"] is not None and out["ks"] > limits["ks"]:
            v.append({"check": "baseline_drift_check", "detail": f"KS distance {out['ks']:.4f} > {limits['ks']:g}"})
        if out["psi"] is not None and out["psi"] > limits["psi"]:
            v.append({"check": "psi_check", "detail": f"PSI {out['psi']:.4f} > {limits['psi']:g}"})
        _completeness(out, v)
        if total and s.invalid / total > limits["datatype"]:
            v.append(
                {
                    "check": "data_type_check",
                    "detail": f"{s.invalid} of {total} values are not numbers (> {limits['datatype']:g})",
                }
            )
        if self.non_negative and self.negative:
            v.append(
                {"check": "non_negative_check", "detail": f"{self.negative} negative values; the baseline had none"}
            )
        return out


class _Categorical:
    def __init__(self, name: str, stats: dict, constraint: dict):
        self.name = name
        ss = stats.get("string_statistics") or {}
        buckets = ((ss.get("distribution") or {}).get("categorical") or {}).get("buckets") or []
        self.expected = {str(b["value"]): float(b["count"]) for b in buckets}
        domains = (constraint.get("string_constraints") or {}).get("domains")
        self.domain = set(map(str, domains)) if domains is not None else None
        self.completeness = constraint.get("completeness")
        self.seen = StringStats()

    def add(self, arr) -> None:
        self.seen.add(arr)

    def report(self, limits: dict) -> dict:
        s = self.seen
        total = s.present + s.missing
        actual = {k: float(c) for k, c in s.counts.items()}
        known = self.domain if self.domain is not None else set(self.expected)
        unknown = sum(c for k, c in s.counts.items() if k not in known) + s.untracked
        out: dict[str, Any] = {
            "name": self.name,
            "kind": "categorical",
            "count": total,
            "missing": s.missing,
            "completeness": s.present / total if total else None,
            "baseline_completeness": self.completeness,
            "out_of_domain": unknown,
            "out_of_domain_values": sorted(k for k in s.counts if k not in known)[:10],
            "psi": None,
            "linf": None,
            "drift": None,
            "violations": [],
        }
        if s.present and self.expected:
            keys = sorted(set(self.expected) | set(actual))
            out["psi"] = psi(
                np.array([self.expected.get(k, 0.0) for k in keys]), np.array([actual.get(k, 0.0) for k in keys])
            )
            out["linf"] = out["drift"] = linf(self.expected, actual)
        v = out["violations"]
        if out["linf"] is not None and out["linf"] > limits["linf"]:
            v.append(
                {
                    "check": "baseline_drift_check",
                    "detail": f"L-infinity distance {out['linf']:.4f} > {limits['linf']:g}",
                }
            )
        if out["psi"] is not None and out["psi"] > limits["psi"]:
            v.append({"check": "psi_check", "detail": f"PSI {out['psi']:.4f} > {limits['psi']:g}"})
        _completeness(out, v)
        if self.domain is not None and s.present and unknown / s.present > limits["domain"]:
            v.append(
                {
                    "check": "categorical_values_check",
                    "detail": f"{unknown} of {s.present} values outside the baseline's domain (> {limits['domain']:g})",
                }
            )
        return out


def _completeness(out: dict, violations: list) -> None:
    want, got = out["baseline_completeness"], out["completeness"]
    if want is not None and got is not None and got < float(want) - 1e-12:
        violations.append(
            {"check": "completeness_check", "detail": f"completeness {got:.4f} < baseline {float(want):.4f}"}
        )


def feature_names(statistics: dict) -> list[str]:
    return [str(f.get("name")) if isinstance(f, dict) else f"#{i + 1}" for i, f in enumerate(statistics["features"])]


def drift_report(
    statistics: dict,
    constraints: dict,
    batches: Iterable[list[Row]],
    capture: CaptureStats,
    thresholds: Thresholds = Thresholds(),
    source: str = "statistics.json",
) -> DriftReport:
    """Fold every batch of captured rows (aligned with the baseline's features) into the report."""
    names = feature_names(statistics)
    by_name = {str(c.get("name")): c for c in constraints.get("features", []) if isinstance(c, dict)}
    config = constraints.get("monitoring_config") or {}
    dist = config.get("distribution_constraints") or {}
    limits = {
        "psi": thresholds.psi,
        "ks": thresholds.ks if thresholds.ks is not None else float(dist.get("comparison_threshold", 0.1)),
        "linf": thresholds.linf
        if thresholds.linf is not None
        else float(dist.get("categorical_comparison_threshold", 0.1)),
        "datatype": float(config.get("datatype_check_threshold", 0.1)),
        "domain": float(config.get("domain_content_threshold", 0.1)),
    }
    trackers: list[_Numeric | _Categorical | None] = []
    for i, feat in enumerate(statistics["features"]):
        name = str(feat.get("name")) if isinstance(feat, dict) else f"#{i + 1}"
        try:
            constraint = by_name.get(name, {})
            if feat.get("inferred_type") in NUMERIC and "numerical_statistics" in feat:
                trackers.append(_Numeric(name, feat, constraint))
            elif feat.get("inferred_type") == "String":
                trackers.append(_Categorical(name, feat, constraint))
            else:
                trackers.append(None)  # Unknown: the baseline never saw a value
        except (AttributeError, KeyError, TypeError, ValueError, IndexError) as exc:
            raise DataError(
                f"{source}: feature {name}: not in Model Monitor's statistics format ({type(exc).__name__}: {exc})"
            ) from None
    for rows in batches:
        columns = rows_to_columns(rows, names)
        for name, tracker in zip(names, trackers, strict=True):
            if tracker is not None:
                tracker.add(columns[name])
    if capture.rows == 0:
        detail = f" ({len(capture.problems)} lines skipped)" if capture.problems else ""
        raise DataError(f"no usable capture records{detail}: nothing to compare with the baseline")
    features = [t.report(limits) for t in trackers if t is not None]
    return DriftReport(features, capture, limits)
