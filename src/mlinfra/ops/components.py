"""Live operations on endpoints with inference components: status and copy counts.

On such an endpoint traffic is not split by variant weights: a caller names the inference component it
invokes, and what an operator changes is how many copies of a component serve (``promote`` with
``--component`` and ``--copies``). A copy-count change is gated on the endpoint's alarms like a weight
shift, may be staged with a bake after each step, and goes back to the starting count when an alarm
fires. :mod:`mlinfra.ops.promotion` writes the final count back to the component's ``copies`` in the config
(:func:`mlinfra.ops.config_edit.write_copies`), so that ``status`` shows no drift and a new deployment starts
where the live one is; the rendered component ignores live copy counts, so a deploy never undoes a change.
There ``copies`` is the initial count, checked to fit the fleet's initial ``instance_count``: a count that
fits the live fleet but not that is changed live and not written (known, and said, before the change).
Before any call, the new count is checked against the fleet: with the other components at their
configured copies it must fit the fleet's most instances.

AWS calls: ListInferenceComponents, DescribeInferenceComponent, UpdateInferenceComponentRuntimeConfig,
DescribeEndpoint, GetMetricData (dimension InferenceComponentName), DescribeAlarms.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..errors import MlinfraError, UsageError
from ..naming import terraform_completes
from ..plan.parts import ComponentsEndpointPlan, InferenceComponentPlan
from ..records import record
from .aws import Clients, aws_errors
from .drift import Difference, config_difference, count_difference, presence
from .endpoint import (
    Clock,
    EndpointNotReady,
    Guard,
    Live,
    Report,
    VariantMetrics,
    alarm_states,
    alarms_firing,
    describe,
    last_hour_metrics,
)
from .guarded import Change, run_guarded_steps, wait_until_in_service


@record
class LiveComponent:
    name: str
    status: str
    model: str | None
    copies: int | None  # current copy count
    desired_copies: int | None


def describe_component(clients: Clients, name: str) -> LiveComponent:
    with aws_errors():
        d = clients.sagemaker.describe_inference_component(InferenceComponentName=name)
    runtime = d.get("RuntimeConfig", {})
    return LiveComponent(
        name=d["InferenceComponentName"],
        status=d.get("InferenceComponentStatus", ""),
        model=d.get("Specification", {}).get("ModelName"),
        copies=runtime.get("CurrentCopyCount"),
        desired_copies=runtime.get("DesiredCopyCount"),
    )


def list_components(clients: Clients, endpoint: str) -> list[LiveComponent]:
    names: list[str] = []
    with aws_errors():
        token: str | None = None
        while True:
            kwargs: dict[str, Any] = {"EndpointNameEquals": endpoint}
            if token:
                kwargs["NextToken"] = token
            page = clients.sagemaker.list_inference_components(**kwargs)
            names += [c["InferenceComponentName"] for c in page.get("InferenceComponents", [])]
            token = page.get("NextToken")
            if not token:
                break
    return [describe_component(clients, n) for n in sorted(names)]


#: What ``status`` shows of a component's last hour: the same three numbers as of a variant's.
ComponentMetrics = VariantMetrics


def component_metrics(
    clients: Clients, now: Callable[[], dt.datetime], components: Sequence[str]
) -> dict[str, ComponentMetrics]:
    """Last hour's invocations, 5XX errors and p99 model latency per component (one GetMetricData call)."""
    return last_hour_metrics(clients, now, {c: [{"Name": "InferenceComponentName", "Value": c}] for c in components})


def differences(plan: ComponentsEndpointPlan, live: Live, components: Sequence[LiveComponent]) -> list[Difference]:
    """Config versus live: the endpoint configuration, the fleet's instances, each component's model and copies."""
    out = config_difference(plan.name, plan.config_name, live)
    # Managed instance scaling owns the fleet's count between its bounds, copy auto-scaling a component's.
    fleet = (plan.scaling.min, plan.scaling.max) if plan.scaling is not None else None
    out += count_difference(
        "instances", plan.variant_name, plan.instance_count, fleet, live.instances.get(plan.variant_name)
    )
    wanted = {c.name: c for c in plan.components}
    have = {c.name: c for c in components}
    out += presence("component", wanted, have)
    for name in sorted(set(wanted) & set(have)):
        w, h = wanted[name], have[name]
        # The live model's name (DescribeInferenceComponent's) against the plan's part of it (the module
        # appends a hash of what only Terraform knows: the execution role's ARN).
        if h.model is not None and not terraform_completes(w.model.name, h.model):
            out.append(Difference("model", name, f"{w.model.name}-*", h.model))
        copies = h.desired_copies if h.desired_copies is not None else h.copies
        bounds = (w.scaling.min, w.scaling.max) if w.scaling is not None else None
        out += count_difference("copies", name, w.copies, bounds, copies)
    return out


def _with_components(guard: Guard, components: Sequence[str]) -> Guard:
    """A guard that searches alarms by dimension (no names: no config) also takes those on the components."""
    return Guard(None, tuple(components)) if guard.names is None else guard


def status_report(
    clients: Clients,
    endpoint: str,
    plan: ComponentsEndpointPlan | None,
    guard: Guard,
    now: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
) -> dict:
    """A JSON-ready report of an endpoint with inference components; ``drift`` as for variant endpoints."""
    live = describe(clients, endpoint)
    components = list_components(clients, endpoint)
    metrics = component_metrics(clients, now, [c.name for c in components])
    drift = differences(plan, live, components) if plan is not None else []
    # The model version each component serves, as the config names it (detection@3.0.0 among named models).
    served = {w.name: w.model.ref for w in plan.components} if plan is not None else {}
    return {
        "endpoint": live.name,
        "status": live.status,
        "endpoint_config": live.config_name,
        "fleet": [
            {"variant": v, "instances": live.instances.get(v), "desired_instances": live.desired_instances.get(v)}
            for v in live.instances
        ],
        "components": [
            {
                "name": c.name,
                "status": c.status,
                "model": c.model,
                "model_version": served.get(c.name),
                "copies": c.copies,
                "desired_copies": c.desired_copies,
                **metrics[c.name].fields(),
            }
            for c in components
        ],
        "alarms": alarm_states(clients, endpoint, _with_components(guard, [c.name for c in components])),
        "drift": [str(d) for d in drift],
    }


# --- copy counts ---------------------------------------------------------------------------------------


class CopyCountError(MlinfraError):
    """A copy count the component's auto-scaling bounds or its fleet cannot take."""

    exit_code = 2


@dataclass
class CopyShift:
    component: str
    before: int
    after: int
    steps: list[int] = field(default_factory=list)
    changed: bool = False


def component_named(plan: ComponentsEndpointPlan, name: str) -> InferenceComponentPlan:
    """A component of the config's endpoint, by its name there or its SageMaker name."""
    for c in plan.components:
        if name in (c.label, c.name):
            return c
    raise UsageError(
        f"endpoint {plan.label} has no component {name!r} (components: {', '.join(c.label for c in plan.components)})"
    )


def check_copies(plan: ComponentsEndpointPlan, component: str, steps: Sequence[int]) -> None:
    """Offline: each step within the component's auto-scaling bounds, and (the other components at their
    configured copies) placeable on the fleet's most instances."""
    from ..fleet.capacity import Copy, instance_types, pack

    me = component_named(plan, component)
    t = instance_types()[plan.instance_type]
    limit = plan.scaling.max if plan.scaling is not None else plan.instance_count

    def demand(c: Any) -> Copy:
        from fractions import Fraction

        return Copy(
            c.label,
            c.min_memory_mb,
            Fraction(str(c.cpu_cores)) if c.cpu_cores is not None else Fraction(0),
            c.accelerators or 0,
        )

    for n in steps:
        if n < 1:
            raise CopyCountError(
                f"{component}: {n} copies; at least 1 (scaling a component to 0 copies belongs to its auto-scaling, min 0)"
            )
        if me.scaling is not None and not me.scaling.min <= n <= me.scaling.max:
            raise CopyCountError(
                f"{component}: {n} copies is outside its auto-scaling bounds {me.scaling.min}-{me.scaling.max}, which would move it back; change autoscaling in the config first"
            )
        packing = pack(t, [(demand(c), n if c is me else c.copies) for c in plan.components], limit)
        if not packing.fits:
            left = ", ".join(f"{k} of {c}" for c, k in packing.unplaced)
            raise CopyCountError(
                f"{component}: {n} copies do not fit the fleet ({limit} × {t.name}, per instance {t.describe()}; each copy whole on one instance): "
                f"no room for {left}"
            )


def scale(
    clients: Clients,
    clock: Clock,
    endpoint: str,
    component: str,
    steps: Sequence[int],
    guard: Guard,
    bake_seconds: float = 0,
    poll_seconds: float = 30,
    dry_run: bool = False,
    report: Report = lambda _: None,
    on_change: Callable[[int], None] = lambda _: None,
) -> CopyShift:
    """Set ``component``'s copy count to each of ``steps`` in turn, baking and watching alarms after each.

    Refuses to start while a guarding alarm is in ALARM; an alarm during a bake sets the starting count
    again and raises :class:`AlarmFiring`. ``on_change`` receives every count that went live.
    """
    live = describe_component(clients, component)
    if live.status != "InService":
        raise EndpointNotReady(
            f"{component} is {live.status}, not InService: its copies can only be changed in service"
        )
    before = live.desired_copies if live.desired_copies is not None else (live.copies or 0)
    result = CopyShift(component, before, before, list(steps))
    if dry_run:
        result.after = steps[-1] if steps else before
        return result

    def revert(_: int) -> int:
        _set_copies(clients, clock, component, before, report)
        return before

    change = Change(
        subject=endpoint,
        apply=lambda n: _set_copies(clients, clock, component, n, report),
        revert=revert,
        describe=lambda n: f"{component} at {n} copies",
        unchanged="no copies were changed",
        reverted=lambda n, back: f"at {n} copies; {component} set back to {back}",
    )
    guard = _with_components(guard, [component])
    last = run_guarded_steps(
        change,
        steps,
        lambda: alarms_firing(clients, endpoint, guard),
        clock,
        bake_seconds,
        poll_seconds,
        report,
        on_change,
    )
    if last is not None:
        result.after, result.changed = last, True
    return result


def _set_copies(
    clients: Clients, clock: Clock, component: str, copies: int, report: Report, timeout: float = 3600, poll: float = 15
) -> None:
    with aws_errors():
        clients.sagemaker.update_inference_component_runtime_config(
            InferenceComponentName=component, DesiredRuntimeConfig={"CopyCount": copies}
        )
    wait_until_in_service(
        clock,
        component,
        lambda: describe_component(clients, component).status,
        ("Failed", "Deleting"),
        timeout,
        poll,
        report,
    )
