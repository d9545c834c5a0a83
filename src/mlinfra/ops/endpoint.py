"""Live endpoint operations: promote a canary (gated on alarms), roll it back, read status, invoke.

All AWS calls go through injected :class:`~mlinfra.ops.aws.Clients`; waiting goes through an injected
:class:`Clock`, so a staged promotion with a five-minute bake runs instantly under test.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from ..records import record
from .aws import Clients, aws_errors
from .guarded import AlarmFiring as AlarmFiring  # re-exported: promote and rollback raise it
from .guarded import Change, EndpointNotReady, MovedByOthers, run_guarded_steps, wait_until_in_service
from .traffic import TrafficError, as_percent, shift

Report = Callable[[str], None]


class Clock(Protocol):
    def now(self) -> float: ...

    def sleep(self, seconds: float) -> None: ...


class SystemClock:
    def now(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


@record
class Live:
    """What SageMaker says about an endpoint right now."""

    name: str
    status: str
    config_name: str
    weights: dict[str, float]  # current weight per production variant, as SageMaker reports it
    desired_weights: dict[str, float]
    instances: dict[str, int | None]
    desired_instances: dict[str, int | None]
    # DescribeEndpoint returns AsyncInferenceConfig for asynchronous endpoints (which publish no Invocations).
    is_async: bool = False


@record
class Guard:
    """The alarms that gate a promotion: named ones, or (``names is None``) every alarm on the endpoint."""

    names: tuple[str, ...] | None = None
    # With names None: alarms on these inference components count too (mlinfra's component alarms name
    # InferenceComponentName, not the endpoint).
    components: tuple[str, ...] = ()


@dataclass
class Shift:
    """The outcome of a promotion or rollback."""

    before: dict[str, float]
    after: dict[str, float]
    steps: list[dict[str, float]] = field(default_factory=list)
    changed: bool = False


def describe(clients: Clients, endpoint: str) -> Live:
    with aws_errors():
        d = clients.sagemaker.describe_endpoint(EndpointName=endpoint)
    variants = d.get("ProductionVariants", [])
    return Live(
        name=d["EndpointName"],
        status=d["EndpointStatus"],
        config_name=d.get("EndpointConfigName", ""),
        weights={v["VariantName"]: float(v.get("CurrentWeight", 0)) for v in variants},
        desired_weights={v["VariantName"]: float(v.get("DesiredWeight", v.get("CurrentWeight", 0))) for v in variants},
        instances={v["VariantName"]: v.get("CurrentInstanceCount") for v in variants},
        desired_instances={v["VariantName"]: v.get("DesiredInstanceCount") for v in variants},
        is_async=d.get("AsyncInferenceConfig") is not None,
    )


def alarm_states(clients: Clients, endpoint: str, guard: Guard) -> dict[str, str]:
    """{alarm name: state} for the alarms that guard ``endpoint``."""
    states: dict[str, str] = {}
    with aws_errors():
        if guard.names is not None:
            names = list(guard.names)
            for i in range(0, len(names), 100):  # DescribeAlarms takes at most 100 names
                page = clients.cloudwatch.describe_alarms(AlarmNames=names[i : i + 100])
                for alarm in page.get("MetricAlarms", []) + page.get("CompositeAlarms", []):
                    states[alarm["AlarmName"]] = alarm["StateValue"]
            for name in names:
                states.setdefault(name, "MISSING")
            return dict(sorted(states.items()))
        for page in clients.cloudwatch.get_paginator("describe_alarms").paginate(AlarmTypes=["MetricAlarm"]):
            for alarm in page.get("MetricAlarms", []):
                if endpoint in _dimension_values(alarm, "EndpointName") or set(guard.components) & _dimension_values(
                    alarm, "InferenceComponentName"
                ):
                    states[alarm["AlarmName"]] = alarm["StateValue"]
    return dict(sorted(states.items()))


def _dimension_values(alarm: dict[str, Any], name: str) -> set[str]:
    """Every value of dimension ``name`` an alarm watches, in its metric or in any metric-math query."""
    dims = list(alarm.get("Dimensions", []))
    for query in alarm.get("Metrics", []):
        dims += query.get("MetricStat", {}).get("Metric", {}).get("Dimensions", [])
    return {d["Value"] for d in dims if d.get("Name") == name}


def _firing(states: dict[str, str]) -> list[str]:
    return [name for name, state in states.items() if state == "ALARM"]


def alarms_firing(clients: Clients, endpoint: str, guard: Guard) -> list[str]:
    """The names of the alarms guarding ``endpoint`` that are in ALARM now."""
    return _firing(alarm_states(clients, endpoint, guard))


def promote(
    clients: Clients,
    clock: Clock,
    endpoint: str,
    variant: str,
    steps: Sequence[float],
    guard: Guard,
    bake_seconds: float = 0,
    poll_seconds: float = 30,
    dry_run: bool = False,
    report: Report = lambda _: None,
    on_change: Callable[[dict[str, float]], None] = lambda _: None,
) -> Shift:
    """Shift ``variant`` to each percentage of ``steps`` in turn, baking and watching alarms after each.

    Refuses to start while any guarding alarm is in ALARM. An alarm during a bake rolls the variant back to
    0 % and raises :class:`AlarmFiring`. ``on_change`` receives every weight split that went live.
    """
    live = _ready(clients, endpoint)
    before = as_percent(live.weights)
    plan = []
    current = before
    for pct in steps:
        current = shift(current, variant, pct)
        plan.append(current)
    result = Shift(before=before, after=before, steps=plan)
    if dry_run:
        result.after = plan[-1] if plan else before
        return result

    def revert(weights: dict[str, float]) -> dict[str, float]:
        back = shift(weights, variant, 0)
        _apply(clients, clock, endpoint, back, report)
        return back

    change = Change(
        subject=endpoint,
        apply=lambda weights: _apply(clients, clock, endpoint, weights, report),
        revert=revert,
        describe=_fmt,
        unchanged="no traffic was shifted",
        reverted=lambda weights, back: f"at {weights[variant]:g} %; {variant} rolled back to 0 % ({_fmt(back)})",
        still=lambda weights: _still(clients, endpoint, weights),
    )
    last = run_guarded_steps(
        change,
        plan,
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


def _still(clients: Clients, endpoint: str, weights: dict[str, float]) -> None:
    """Raise :class:`MovedByOthers` when the endpoint's weights (current or desired) are no longer ``weights``."""
    live = describe(clients, endpoint)
    for seen in (as_percent(live.weights), as_percent(live.desired_weights)):
        if set(seen) != set(weights) or any(abs(seen[v] - weights[v]) > 0.01 for v in weights):
            raise MovedByOthers(
                f"{endpoint}: the live weights moved while this shift baked: it set {_fmt(weights)}, the endpoint "
                f"now has {_fmt(seen)} (another promote or rollback, or a change outside mlinfra); stopped here, "
                "nothing more was changed",
                seen,
            )


def rollback(clients: Clients, clock: Clock, endpoint: str, variant: str, report: Report = lambda _: None) -> Shift:
    """Send ``variant`` no traffic; the others share it in their current proportions. Alarms do not block this."""
    live = _ready(clients, endpoint)
    before = as_percent(live.weights)
    after = shift(before, variant, 0)
    if after == before:
        return Shift(before=before, after=before)
    _apply(clients, clock, endpoint, after, report)
    return Shift(before=before, after=after, steps=[after], changed=True)


def _ready(clients: Clients, endpoint: str) -> Live:
    live = describe(clients, endpoint)
    if live.status != "InService":
        raise EndpointNotReady(
            f"{endpoint} is {live.status}, not InService: traffic can only be shifted on an endpoint in service"
        )
    if not live.weights:
        raise TrafficError(f"{endpoint} has no production variants")
    return live


def _apply(clients: Clients, clock: Clock, endpoint: str, weights: dict[str, float], report: Report) -> None:
    if not any(w > 0 for w in weights.values()):
        raise TrafficError("refusing to set every weight to 0")
    with aws_errors():
        clients.sagemaker.update_endpoint_weights_and_capacities(
            EndpointName=endpoint,
            DesiredWeightsAndCapacities=[{"VariantName": name, "DesiredWeight": w} for name, w in weights.items()],
        )
    wait_in_service(clients, clock, endpoint, report=report)


def wait_in_service(
    clients: Clients,
    clock: Clock,
    endpoint: str,
    timeout: float = 3600,
    poll: float = 15,
    report: Report = lambda _: None,
) -> Live:
    """Poll until the endpoint is InService again (weight updates pass through Updating)."""
    seen: list[Live] = []

    def status() -> str:
        seen.append(describe(clients, endpoint))
        return seen[-1].status

    wait_until_in_service(
        clock, endpoint, status, ("Failed", "OutOfService", "Deleting", "RollingBack"), timeout, poll, report
    )
    return seen[-1]


def _fmt(weights: dict[str, float]) -> str:
    return ", ".join(f"{name} {w:g} %" for name, w in weights.items())


# --- status ---------------------------------------------------------------------------------------------


@record
class VariantMetrics:
    invocations: float | None
    errors_5xx: float | None
    latency_p99_ms: float | None

    def fields(self) -> dict[str, float | None]:
        """The report's names for these numbers (``status`` of variants and of components alike)."""
        return {
            "invocations_1h": self.invocations,
            "errors_5xx_1h": self.errors_5xx,
            "latency_p99_ms_1h": self.latency_p99_ms,
        }


def variant_metrics(
    clients: Clients,
    clock_now: Callable[[], Any],
    endpoint: str,
    variants: Iterable[str],
    requests_metric: str = "Invocations",
) -> dict[str, VariantMetrics]:
    """Last hour's invocations, 5XX errors and p99 model latency per variant (one GetMetricData call).
    ``requests_metric`` counts the invocations: InvocationsProcessed on asynchronous endpoints, which
    publish no Invocations (AWS, "Alarms and logs for tracking metrics from asynchronous endpoints")."""
    return last_hour_metrics(
        clients,
        clock_now,
        {v: [{"Name": "EndpointName", "Value": endpoint}, {"Name": "VariantName", "Value": v}] for v in variants},
        requests_metric,
    )


def last_hour_metrics(
    clients: Clients,
    now: Callable[[], Any],
    dimensions: dict[str, list[dict[str, str]]],
    requests_metric: str = "Invocations",
) -> dict[str, VariantMetrics]:
    """Last hour's invocations (``requests_metric``), 5XX errors and p99 model latency of each subject (a
    variant, an inference component), given by its metrics' dimensions; one GetMetricData call."""
    import datetime as dt

    subjects = list(dimensions)
    queries = []
    for i, subject in enumerate(subjects):
        for key, metric, stat in (
            ("inv", requests_metric, "Sum"),
            ("err", "Invocation5XXErrors", "Sum"),
            ("lat", "ModelLatency", "p99"),
        ):
            queries.append(
                {
                    "Id": f"{key}{i}",
                    "MetricStat": {
                        "Metric": {
                            "Namespace": "AWS/SageMaker",
                            "MetricName": metric,
                            "Dimensions": dimensions[subject],
                        },
                        "Period": 3600,
                        "Stat": stat,
                    },
                    "ReturnData": True,
                }
            )
    if not queries:
        return {}
    end = now()
    with aws_errors():
        data = clients.cloudwatch.get_metric_data(
            MetricDataQueries=queries, StartTime=end - dt.timedelta(hours=1), EndTime=end
        )
    values = {r["Id"]: (r["Values"][0] if r.get("Values") else None) for r in data.get("MetricDataResults", [])}
    out = {}
    for i, subject in enumerate(subjects):
        lat = values.get(f"lat{i}")
        out[subject] = VariantMetrics(
            values.get(f"inv{i}"), values.get(f"err{i}"), None if lat is None else round(lat / 1000, 3)
        )  # µs → ms
    return out


# --- invoke ---------------------------------------------------------------------------------------------


@record
class Invocation:
    body: bytes
    content_type: str | None
    variant: str | None
    latency_ms: float


def invoke(
    clients: Clients,
    endpoint: str,
    body: bytes,
    content_type: str,
    variant: str | None = None,
    timer: Callable[[], float] = time.perf_counter,
    component: str | None = None,
) -> Invocation:
    """One InvokeEndpoint call (routed to ``variant``, or to inference component ``component``, when given),
    with its round-trip latency."""
    kwargs: dict[str, Any] = {"EndpointName": endpoint, "Body": body, "ContentType": content_type, "Accept": "*/*"}
    if variant:
        kwargs["TargetVariant"] = variant
    if component:
        kwargs["InferenceComponentName"] = component
    start = timer()
    with aws_errors():
        resp = clients.runtime.invoke_endpoint(**kwargs)
        payload = resp["Body"].read()
    return Invocation(
        payload, resp.get("ContentType"), resp.get("InvokedProductionVariant"), round((timer() - start) * 1000, 2)
    )
