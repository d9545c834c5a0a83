"""The CloudWatch alarms of whatever serves on an endpoint: a variant (either endpoint kind's) or an
inference component, on their own dimensions, from the endpoint's ``alarms`` settings."""

from __future__ import annotations

from typing import TypedDict

from .. import naming
from ..config.shapes import Alarms
from ..expr import plain_number
from ..naming import CLIENT_ERROR_RATE_ALARM, ERROR_RATE_ALARM, LATENCY_ALARM, alarm_key, alarm_name
from ..plan.parts import AlarmPlan


class AlarmBasics(TypedDict):
    period: int
    evaluation_periods: int
    comparison: str


#: The config's comparisons → CloudWatch's operators, and in words (for descriptions).
COMPARISONS = {
    ">": ("GreaterThanThreshold", "above"),
    ">=": ("GreaterThanOrEqualToThreshold", "at or above"),
    "<": ("LessThanThreshold", "below"),
    "<=": ("LessThanOrEqualToThreshold", "at or below"),
}


def alarm_basics(a: Alarms) -> tuple[str, AlarmBasics]:
    """What every alarm of ``a`` shares: the comparison in words (for descriptions), and the period,
    evaluation periods and CloudWatch comparison operator (AlarmPlan's keyword arguments)."""
    comparison, above = COMPARISONS[a.comparison]
    return above, AlarmBasics(period=a.period_seconds, evaluation_periods=a.evaluation_periods, comparison=comparison)


def target_alarms(
    a: Alarms, endpoint_name: str, target: str, dims: dict[str, str], what: str, requests: str = "Invocations"
) -> list[AlarmPlan]:
    """The latency, 5XX and (with client_error_rate_percent) 4XX alarms of one thing that serves: a
    variant (EndpointName, VariantName) or an inference component (InferenceComponentName). ``target`` is
    the variant's or component's name in the alarm's key and name; ``what`` names it in the description;
    ``requests`` is the metric the error rates divide by (``naming.requests_metric``)."""
    above, common = alarm_basics(a)
    out = [
        AlarmPlan(
            key=alarm_key(target, LATENCY_ALARM),
            name=alarm_name(endpoint_name, target, LATENCY_ALARM),
            description=f"{a.latency_statistic} model latency of {what} {above} {plain_number(a.latency_p99_ms)} ms",
            variant=target,
            kind="latency",
            # ModelLatency is reported in microseconds.
            threshold=plain_number(a.latency_p99_ms * 1000),
            dimensions=dims,
            statistic=a.latency_statistic,
            **common,
        ),
    ]
    # The 5XX and (when set) 4XX rates: metric math over the requests metric, one alarm each.
    ids = naming.target_alarms(a)
    rates = [
        (alarm, kind, codes, percent)
        for alarm, kind, codes, percent in (
            (ERROR_RATE_ALARM, "error_rate", "5XX", a.error_rate_percent),
            (CLIENT_ERROR_RATE_ALARM, "client_error_rate", "4XX", a.client_error_rate_percent),
        )
        if alarm in ids and percent is not None
    ]
    out += [
        AlarmPlan(
            key=alarm_key(target, alarm),
            name=alarm_name(endpoint_name, target, alarm),
            description=f"{codes} error rate of {what} {above} {plain_number(percent)} %",
            variant=target,
            kind=kind,
            threshold=plain_number(percent),
            dimensions=dims,
            requests_metric=requests,
            **common,
        )
        for alarm, kind, codes, percent in rates
    ]
    # Raw metrics with their statistic (AWS's deployment-guardrail examples: Average of Invocation5XXErrors >= 1).
    for m in a.metrics:
        operator, words = COMPARISONS[m.comparison or a.comparison]
        slug = naming.metric_alarm(m.metric, m.statistic)
        out.append(
            AlarmPlan(
                key=alarm_key(target, slug),
                name=alarm_name(endpoint_name, target, slug),
                description=f"{m.statistic} of {m.metric} of {what} {words} {plain_number(m.threshold)}",
                variant=target,
                kind="metric",
                threshold=plain_number(m.threshold),
                dimensions=dims,
                statistic=m.statistic,
                metric=m.metric,
                period=common["period"],
                evaluation_periods=common["evaluation_periods"],
                comparison=operator,
            )
        )
    return out
