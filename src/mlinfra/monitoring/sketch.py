"""A KLL quantile sketch (Karnin, Lang, Liberty 2016) in numpy: bounded memory for any number of values.

Model Monitor stores a KLL sketch per numerical feature in ``statistics.json``
(``distribution.kll.sketch``: ``parameters`` {c, k} and ``data``, one array per level) and derives the
bucket counts from it; this module writes and reads that shape. An item at level ``h`` stands for
``2**h`` values, so the weights always add up to the number of values seen. While fewer than ``k`` values
have arrived nothing is compacted and the sketch is exact (the drift tests rely on that to compare with
scipy sample for sample).

Compaction is randomised (which half survives); the generator is seeded so two runs over the same data
write the same file.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

DEFAULT_K = 2048
DEFAULT_C = 0.64


class KllSketch:
    def __init__(self, k: int = DEFAULT_K, c: float = DEFAULT_C, seed: int = 0):
        self.k = k
        self.c = c
        self.levels: list[np.ndarray] = [np.empty(0, dtype=np.float64)]
        self._rng = np.random.default_rng(seed)

    def _capacity(self, level: int) -> int:
        depth = len(self.levels) - 1 - level
        return max(2, math.ceil(self.k * self.c**depth))

    def update(self, values: np.ndarray) -> None:
        """Add finite values (the caller drops NaN and infinities)."""
        if values.size == 0:
            return
        self.levels[0] = np.concatenate([self.levels[0], values.astype(np.float64, copy=False)])
        level = 0
        while level < len(self.levels):
            items = self.levels[level]
            if items.size > self._capacity(level):
                if level + 1 == len(self.levels):
                    self.levels.append(np.empty(0, dtype=np.float64))
                items = np.sort(items)
                odd = items.size % 2
                # An odd item stays behind so that the total weight is exactly the count.
                kept, body = (items[-1:], items[:-1]) if odd else (items[:0], items)
                offset = int(self._rng.integers(2))
                self.levels[level + 1] = np.concatenate([self.levels[level + 1], body[offset::2]])
                self.levels[level] = kept
            level += 1

    def weighted(self) -> tuple[np.ndarray, np.ndarray]:
        """All items, sorted, with their weights."""
        items = np.concatenate(self.levels)
        weights = np.concatenate([np.full(lvl.size, 2.0**h) for h, lvl in enumerate(self.levels)])
        order = np.argsort(items, kind="stable")
        return items[order], weights[order]

    @property
    def count(self) -> int:
        return int(sum(lvl.size * 2**h for h, lvl in enumerate(self.levels)))

    def histogram(self, edges: np.ndarray) -> np.ndarray:
        """Counts per bin (the last bin includes its upper edge, like numpy's)."""
        items, weights = self.weighted()
        counts, _ = np.histogram(items, bins=edges, weights=weights)
        return counts

    def cdf(self, x: np.ndarray) -> np.ndarray:
        """Fraction of values <= x."""
        items, weights = self.weighted()
        if items.size == 0:
            return np.zeros_like(x, dtype=np.float64)
        cum = np.concatenate([[0.0], np.cumsum(weights)])
        return cum[np.searchsorted(items, x, side="right")] / cum[-1]

    def to_json(self) -> dict:
        return {
            "parameters": {"c": self.c, "k": float(self.k)},
            "data": [[float(v) for v in np.sort(lvl)] for lvl in self.levels],
        }

    @classmethod
    def from_json(cls, doc: dict) -> KllSketch:
        params = doc.get("parameters", {})
        sketch = cls(k=int(params.get("k", DEFAULT_K)), c=float(params.get("c", DEFAULT_C)))
        data: Sequence[Sequence[float]] = doc.get("data", [])
        sketch.levels = [np.asarray(level, dtype=np.float64) for level in data] or [np.empty(0)]
        return sketch


def ks_distance(a: KllSketch, b: KllSketch) -> float:
    """Two-sample Kolmogorov-Smirnov statistic sup |F_a - F_b| over the sketches' items (exact for exact
    sketches: it equals scipy.stats.ks_2samp's statistic)."""
    xa, _ = a.weighted()
    xb, _ = b.weighted()
    if xa.size == 0 or xb.size == 0:
        return 0.0
    grid = np.unique(np.concatenate([xa, xb]))
    return float(np.max(np.abs(a.cdf(grid) - b.cdf(grid))))
