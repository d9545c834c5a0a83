"""Traffic arithmetic for canary promotion: pure functions, no AWS."""

from __future__ import annotations

import itertools

from ..errors import MlinfraError


class TrafficError(MlinfraError):
    """A requested traffic split is impossible (unknown variant, out of range, all weights zero)."""


def shift(weights: dict[str, float], variant: str, percent: float) -> dict[str, float]:
    """Give ``variant`` ``percent`` % of the traffic; the others share the rest in their current proportions.

    Weights are returned as percentages (summing to 100), rounded to 0.01. When the others currently have
    no weight at all (e.g. after a full promotion), they share the rest equally.
    """
    if variant not in weights:
        known = ", ".join(sorted(weights)) or "none"
        raise TrafficError(f'no production variant "{variant}" (variants: {known})')
    if not 0 <= percent <= 100:
        raise TrafficError(f"a traffic share is 0-100 %, got {percent:g}")
    others = {name: w for name, w in weights.items() if name != variant}
    if not others and percent < 100:
        raise TrafficError(f'"{variant}" is the only production variant: it must keep 100 % of the traffic')
    rest = 100 - percent
    total = sum(others.values())
    out = {variant: float(percent)}
    for name, w in others.items():
        out[name] = rest * (w / total if total > 0 else 1 / len(others))
    out = {name: round(w, 2) for name, w in out.items()}
    if not any(w > 0 for w in out.values()):
        raise TrafficError("every weight would be 0: no variant would receive traffic")
    return {name: out[name] for name in weights}


def as_percent(weights: dict[str, float]) -> dict[str, float]:
    """Relative weights (80/20, 4/1, ...) as percentages."""
    total = sum(weights.values())
    if total <= 0:
        return {name: 0.0 for name in weights}
    return {name: round(100 * w / total, 2) for name, w in weights.items()}


def parse_steps(text: str) -> list[float]:
    """``"10,25,50,100"`` → ``[10, 25, 50, 100]``; each 0-100 and rising."""
    try:
        steps = [float(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise TrafficError(f"--steps takes percentages separated by commas, got {text!r}") from None
    if not steps or any(not 0 <= s <= 100 for s in steps):
        raise TrafficError(f"--steps takes percentages from 0 to 100, got {text!r}")
    if any(b <= a for a, b in itertools.pairwise(steps)):
        raise TrafficError(f"--steps must rise, got {text!r}")
    return steps


def parse_duration(text: str) -> float:
    """``"5m"``, ``"90s"``, ``"1h"``, ``"300"`` → seconds."""
    units = {"s": 1, "m": 60, "h": 3600}
    raw = text.strip().lower()
    try:
        seconds = float(raw[:-1]) * units[raw[-1]] if raw and raw[-1] in units else float(raw)
    except ValueError:
        raise TrafficError(f"a duration is a number with s, m or h (e.g. 5m), got {text!r}") from None
    if seconds < 0:
        raise TrafficError(f"a duration cannot be negative, got {text!r}")
    return seconds
