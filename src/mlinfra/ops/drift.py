"""Config versus live endpoint: what differs (pure; the caller fetched the live state)."""

from __future__ import annotations

from dataclasses import dataclass

from ..plan.model import EndpointPlan
from .endpoint import Live
from .traffic import as_percent


@dataclass(frozen=True)
class Difference:
    what: str  # "weight" | "instances" | "endpoint-config" | "variant"
    subject: str
    config: object
    live: object

    def __str__(self) -> str:
        return f"{self.what} {self.subject}: config {self.config}, live {self.live}"


def differences(plan: EndpointPlan, live: Live) -> list[Difference]:
    out: list[Difference] = []
    if plan.config_name != live.config_name:
        out.append(Difference("endpoint-config", plan.name, plan.config_name, live.config_name))
    wanted = {v.name: v for v in plan.variants}
    for name in sorted(set(wanted) ^ set(live.weights)):
        out.append(Difference("variant", name, "present" if name in wanted else "absent", "present" if name in live.weights else "absent"))
    config_pct = as_percent({n: float(v.weight) for n, v in wanted.items()})
    live_pct = as_percent(live.weights)
    for name in sorted(set(wanted) & set(live.weights)):
        if abs(config_pct[name] - live_pct[name]) > 0.01:
            out.append(Difference("weight", name, f"{config_pct[name]:g} %", f"{live_pct[name]:g} %"))
        v = wanted[name]
        count = live.instances.get(name)
        if v.instance_count is None or count is None:
            continue
        if v.scaling is not None:
            # Auto-scaling owns the count between its bounds: only a count outside them is drift.
            if not v.scaling.min_capacity <= count <= v.scaling.max_capacity:
                out.append(Difference("instances", name, f"{v.scaling.min_capacity}-{v.scaling.max_capacity}", count))
        elif count != v.instance_count:
            out.append(Difference("instances", name, v.instance_count, count))
    return out
