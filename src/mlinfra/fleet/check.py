"""A ``kind: components`` endpoint's fleet against its components: the packings ``validate`` shows and the
rules check (at the initial copy and instance counts, and at the most copies auto-scaling may ask for)."""

from __future__ import annotations

import re
from fractions import Fraction
from typing import TYPE_CHECKING

from ..records import record
from .capacity import Copy, InstanceType, Packing, instance_types, pack

if TYPE_CHECKING:
    from ..config.shapes import InferenceComponent, InferenceComponentsEndpoint, PlatformConfig

_PERCENT = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*%\s*$")


def gpu_share(value: float | str | None) -> Fraction | None:
    """The accelerators a component asks for, as a number (``"25 %"`` is 1/4); None if it is no number."""
    if value is None:
        return Fraction(0)
    if isinstance(value, str):
        m = _PERCENT.match(value)
        return Fraction(m[1]) / 100 if m else None
    return Fraction(str(value))


def whole_accelerators(c: InferenceComponent) -> int:
    """The devices of a checked component (the rules refused anything but a whole number ≥ 1, or none)."""
    share = gpu_share(c.accelerators)
    assert share is not None and share.denominator == 1
    return int(share)


def demand(c: InferenceComponent) -> Copy:
    return Copy(
        c.name,
        c.min_memory_mb,
        Fraction(str(c.cpu_cores)) if c.cpu_cores is not None else Fraction(0),
        whole_accelerators(c),
    )


def max_instances(ep: InferenceComponentsEndpoint) -> int:
    f = ep.fleet
    return f.scaling.max if f.scaling is not None else f.instance_count


def max_copies(c: InferenceComponent) -> int:
    return c.autoscaling.max if c.autoscaling is not None else c.copies


@record
class FleetPacking:
    endpoint: str
    instance_type: InstanceType
    initial: Packing  # initial copies on fleet.instance_count instances
    at_max: Packing  # every component at its most copies, on the most instances the fleet may have

    def lines(self) -> list[str]:
        t = self.instance_type
        out = [f'endpoint "{self.endpoint}": fleet of {t.name} ({t.describe()})']
        for label, p in (("initial", self.initial), ("at max", self.at_max)):
            verdict = "fits" if p.fits else "DOES NOT FIT"
            out.append(f"  {label}: {p.copies} copies on {len(p.instances)} of {p.limit} instances, {verdict}")
            out += [f"    {line}" for line in p.lines()]
        return out


def fleet_packing(ep: InferenceComponentsEndpoint) -> FleetPacking | None:
    """The two packings of an endpoint whose config the rules accepted (None for an unknown instance type)."""
    t = instance_types().get(ep.fleet.instance_type)
    if t is None:
        return None
    initial = pack(t, [(demand(c), c.copies) for c in ep.components], ep.fleet.instance_count)
    at_max = pack(t, [(demand(c), max_copies(c)) for c in ep.components], max_instances(ep))
    return FleetPacking(ep.name, t, initial, at_max)


def instances_needed(t: InstanceType, ep: InferenceComponentsEndpoint, at_max: bool) -> int:
    """How many instances this packing needs when the fleet may grow without bound."""
    copies = [(demand(c), max_copies(c) if at_max else c.copies) for c in ep.components]
    total = sum(n for _, n in copies)
    return len(pack(t, copies, total).instances)


def packing_report(config: PlatformConfig) -> list[str]:
    """What ``mlinfra validate`` prints for every ``kind: components`` endpoint of a valid config."""
    from ..config.shapes import InferenceComponentsEndpoint

    out: list[str] = []
    for ep in config.endpoints:
        if isinstance(ep, InferenceComponentsEndpoint):
            p = fleet_packing(ep)
            if p is not None:
                out += p.lines()
    return out
