"""Config versus live endpoint: what differs (pure; the caller fetched the live state)."""

from __future__ import annotations

from collections.abc import Iterable

from ..naming import terraform_completes
from ..plan.parts import EndpointPlan
from ..records import record
from .endpoint import Live
from .traffic import as_percent


@record
class Difference:
    what: str  # "weight" | "instances" | "endpoint-config" | "variant" | "component" | "model" | "copies"
    subject: str
    config: object
    live: object

    def __str__(self) -> str:
        return f"{self.what} {self.subject}: config {self.config}, live {self.live}"


def differences(plan: EndpointPlan, live: Live) -> list[Difference]:
    out = config_difference(plan.name, plan.config_name, live)
    wanted = {v.name: v for v in plan.variants}
    out += presence("variant", wanted, live.weights)
    config_pct = as_percent({n: float(v.weight) for n, v in wanted.items()})
    live_pct = as_percent(live.weights)
    for name in sorted(set(wanted) & set(live.weights)):
        if abs(config_pct[name] - live_pct[name]) > 0.01:
            out.append(Difference("weight", name, f"{config_pct[name]:g} %", f"{live_pct[name]:g} %"))
        v = wanted[name]
        if v.instance_count is None:
            continue
        bounds = (v.scaling.min_capacity, v.scaling.max_capacity) if v.scaling is not None else None
        out += count_difference("instances", name, v.instance_count, bounds, live.instances.get(name))
    return out


def config_difference(endpoint: str, config_name: str, live: Live) -> list[Difference]:
    """The endpoint runs another endpoint configuration than the config renders. ``config_name`` is the
    plan's part of the name; the module completes it with a hash of what only Terraform knows (subnets,
    role and key ARNs), so the live name (DescribeEndpoint's, the truth) is compared with that part."""
    return (
        []
        if terraform_completes(config_name, live.config_name)
        else [Difference("endpoint-config", endpoint, f"{config_name}-*", live.config_name)]
    )


def presence(what: str, wanted: Iterable[str], have: Iterable[str]) -> list[Difference]:
    """What the config has and the endpoint lacks, or the other way round (variants, components)."""
    wanted, have = set(wanted), set(have)
    return [
        Difference(what, name, "present" if name in wanted else "absent", "present" if name in have else "absent")
        for name in sorted(wanted ^ have)
    ]


def count_difference(
    what: str, subject: str, configured: int, bounds: tuple[int, int] | None, live: int | None
) -> list[Difference]:
    """A live count (instances, copies) against the config's. Where auto-scaling owns the count (``bounds``,
    its min and max) only a count outside them is drift; ``live`` None: SageMaker reported no count."""
    if live is None:
        return []
    if bounds is not None:
        low, high = bounds
        return [] if low <= live <= high else [Difference(what, subject, f"{low}-{high}", live)]
    return [] if live == configured else [Difference(what, subject, configured, live)]
