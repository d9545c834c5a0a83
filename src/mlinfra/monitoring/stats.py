"""Streaming per-feature statistics (numpy), fed one chunk of text values at a time.

Model Monitor's rules, as documented for statistics.json / constraints.json: a feature is ``Integral``
or ``Fractional`` when its values are numbers, ``String`` otherwise; numerical features get count, missing,
mean, sum, standard deviation, min, max and a KLL distribution materialised in 10 equal-width buckets;
string features get present/missing counts, the distinct count and the distribution of values.

Choices of ours: the standard deviation is the population one (deequ's ``StandardDeviation``, which the
Model Monitor container builds on, is ``stddev_pop``); NaN and infinities count as missing; a feature's
kind is decided by the first chunk in which it has values, and later text in a numerical column is
counted as missing and reported (``invalid``), not allowed to turn the column into strings halfway.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from .sketch import KllSketch

BUCKETS = 10  # Model Monitor materialises the distribution in 10 buckets
MAX_TRACKED_VALUES = 100_000  # distinct strings counted exactly per feature (bounded memory)
MAX_CATEGORICAL_BUCKETS = 1_000  # most frequent values written to statistics.json
_NUMBER = r"^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$|^\s*[+-]?(inf|infinity|nan)\s*$"


@dataclass
class Parsed:
    values: np.ndarray  # the finite numbers of the chunk
    missing: int  # null, empty, NaN or infinite
    invalid: int  # text that is not a number
    first_invalid: int | None  # row index in the chunk
    fractional: bool  # some value is written with a decimal point or an exponent


def parse_numbers(arr: Any) -> Parsed:
    """A pyarrow string array as numbers, in C (pyarrow.compute) with a slower path for stray text."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if pa.types.is_integer(arr.type) or pa.types.is_floating(arr.type):  # parsed by the CSV reader already
        values = arr.to_numpy(zero_copy_only=False).astype(np.float64, copy=False)
        finite = values[np.isfinite(values)]
        return Parsed(finite, len(arr) - finite.size, 0, None, pa.types.is_floating(arr.type))
    invalid, first_invalid, text = 0, None, arr
    try:
        nums = pc.cast(arr, pa.float64())
    except pa.ArrowInvalid:
        trimmed = pc.utf8_trim_whitespace(arr)
        ok = pc.match_substring_regex(trimmed, _NUMBER, ignore_case=True)
        bad = pc.and_(pc.invert(ok), pc.is_valid(trimmed))
        invalid = pc.sum(bad).as_py() or 0
        if invalid:
            first_invalid = int(np.flatnonzero(bad.to_numpy(zero_copy_only=False))[0])
        text = pc.if_else(ok, trimmed, pa.scalar(None, pa.string()))
        nums = pc.cast(text, pa.float64())
    values = nums.to_numpy(zero_copy_only=False)  # nulls become NaN
    finite = values[np.isfinite(values)]
    fractional = False
    if finite.size:
        fractional = bool(pc.any(pc.match_substring(text, ".")).as_py()) or bool(
            pc.any(pc.match_substring(text, "e", ignore_case=True)).as_py()
        )
    return Parsed(finite, len(arr) - finite.size - invalid, invalid, first_invalid, fractional)


class NumericStats:
    """Count, moments (Chan's parallel update: stable for any chunking), extremes and a KLL sketch."""

    def __init__(self, missing: int = 0) -> None:
        self.present = 0
        self.missing = missing
        self.invalid = 0
        self.mean = 0.0
        self.m2 = 0.0
        self.total = 0.0
        self.min = math.inf
        self.max = -math.inf
        self.fractional = False
        self.sketch = KllSketch()

    def add(self, parsed: Parsed) -> None:
        v = parsed.values
        self.missing += parsed.missing + parsed.invalid
        self.invalid += parsed.invalid
        self.fractional = self.fractional or parsed.fractional
        if v.size == 0:
            return
        n_b = v.size
        mean_b = float(v.mean())
        m2_b = float(((v - mean_b) ** 2).sum())
        n = self.present + n_b
        delta = mean_b - self.mean
        self.mean += delta * n_b / n
        self.m2 += m2_b + delta * delta * self.present * n_b / n
        self.present = n
        self.total += float(v.sum())
        self.min = min(self.min, float(v.min()))
        self.max = max(self.max, float(v.max()))
        self.sketch.update(v)

    @property
    def inferred_type(self) -> str:
        return "Fractional" if self.fractional else "Integral"

    def edges(self) -> np.ndarray:
        return bucket_edges(self.min, self.max)

    def statistics(self) -> dict:
        counts = self.sketch.histogram(self.edges()) if self.present else np.zeros(0)
        edges = self.edges()
        buckets = (
            [
                {"lower_bound": float(edges[i]), "upper_bound": float(edges[i + 1]), "count": float(counts[i])}
                for i in range(len(edges) - 1)
            ]
            if self.present
            else []
        )
        return {
            "common": {"num_present": self.present, "num_missing": self.missing},
            "mean": self.mean if self.present else 0.0,
            "sum": self.total,
            "std_dev": math.sqrt(self.m2 / self.present) if self.present else 0.0,
            "min": self.min if self.present else 0.0,
            "max": self.max if self.present else 0.0,
            "distribution": {"kll": {"buckets": buckets, "sketch": self.sketch.to_json()}},
        }


def bucket_edges(lo: float, hi: float) -> np.ndarray:
    if hi <= lo:  # a constant feature: one bucket holding every value
        return np.array([lo, hi])
    return np.linspace(lo, hi, BUCKETS + 1)


class StringStats:
    """Present/missing counts and exact value counts (up to MAX_TRACKED_VALUES distinct values)."""

    def __init__(self, missing: int = 0) -> None:
        self.present = 0
        self.missing = missing
        self.counts: dict[str, int] = {}
        self.untracked = 0  # values seen after the distinct-value cap was reached

    def add(self, arr: Any) -> None:
        import pyarrow.compute as pc

        self.missing += arr.null_count
        self.present += len(arr) - arr.null_count
        vc = pc.value_counts(arr)
        counts = self.counts
        for value, count in zip(vc.field("values").to_pylist(), vc.field("counts").to_pylist(), strict=True):
            if value is None:
                continue
            if value in counts:
                counts[value] += count
            elif len(counts) < MAX_TRACKED_VALUES:
                counts[value] = count
            else:
                self.untracked += count

    def statistics(self) -> dict:
        top = sorted(self.counts.items(), key=lambda kv: (-kv[1], kv[0]))[:MAX_CATEGORICAL_BUCKETS]
        return {
            "common": {"num_present": self.present, "num_missing": self.missing},
            "distinct_count": float(len(self.counts)),
            "distribution": {"categorical": {"buckets": [{"value": v, "count": float(c)} for v, c in top]}},
        }


class Feature:
    """One column: undecided until it has a value, then numerical or string for good."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.stats: NumericStats | StringStats | None = None
        self.pending_missing = 0
        self.first_invalid_line: int | None = None

    def add(self, arr: Any, first_line: int) -> None:
        if self.stats is None:
            if arr.null_count == len(arr):
                self.pending_missing += len(arr)
                return
            parsed = parse_numbers(arr)
            if parsed.invalid == 0 and parsed.values.size > 0:
                self.stats = NumericStats(self.pending_missing)
                self.stats.add(parsed)
            else:
                self.stats = StringStats(self.pending_missing)
                self.stats.add(arr)
            return
        if isinstance(self.stats, NumericStats):
            parsed = parse_numbers(arr)
            if parsed.invalid and self.first_invalid_line is None:
                self.first_invalid_line = first_line + (parsed.first_invalid or 0)
            self.stats.add(parsed)
        else:
            self.stats.add(arr)

    @property
    def inferred_type(self) -> str:
        if self.stats is None:
            return "Unknown"
        return self.stats.inferred_type if isinstance(self.stats, NumericStats) else "String"

    @property
    def missing(self) -> int:
        return self.pending_missing if self.stats is None else self.stats.missing

    @property
    def present(self) -> int:
        return 0 if self.stats is None else self.stats.present
