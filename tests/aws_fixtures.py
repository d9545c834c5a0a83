"""Helpers that build live SageMaker endpoints and CloudWatch alarms inside moto (no network, no credentials)."""

from __future__ import annotations

import os
from collections.abc import Callable

FAKE_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_REGION": "us-east-1",
}


def fake_credentials(monkeypatch) -> None:
    """Never reach AWS with a real identity: dummy keys and no profile or config file."""
    for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_ENDPOINT_URL"):
        monkeypatch.delenv(name, raising=False)
    for name, value in FAKE_ENV.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("AWS_CONFIG_FILE", os.devnull)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", os.devnull)


def make_endpoint(sm, name: str, weights: dict[str, float], config_name: str | None = None, instances: dict[str, int] | None = None) -> str:
    """An InService endpoint whose production variants have ``weights``; returns its config name."""
    config_name = config_name or f"{name}-config"
    sm.create_model(
        ModelName=f"{name}-model",
        ExecutionRoleArn="arn:aws:iam::123456789012:role/sagemaker-execution",
        PrimaryContainer={"Image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/model:1"},
    )
    sm.create_endpoint_config(
        EndpointConfigName=config_name,
        ProductionVariants=[
            {"VariantName": v, "ModelName": f"{name}-model", "InitialInstanceCount": (instances or {}).get(v, 1), "InstanceType": "ml.m5.large", "InitialVariantWeight": w}
            for v, w in weights.items()
        ],
    )
    sm.create_endpoint(EndpointName=name, EndpointConfigName=config_name)
    return config_name


def make_alarm(cw, name: str, endpoint: str, variant: str = "canary", metric_math: bool = False) -> None:
    """An alarm on the endpoint, either on one metric or (like mlinfra's error-rate alarms) on metric math."""
    dims = [{"Name": "EndpointName", "Value": endpoint}, {"Name": "VariantName", "Value": variant}]
    common = {"AlarmName": name, "EvaluationPeriods": 1, "Threshold": 1.0, "ComparisonOperator": "GreaterThanThreshold"}
    if metric_math:
        cw.put_metric_alarm(
            **common,
            Metrics=[
                {"Id": "rate", "Expression": "100 * errors / invocations", "ReturnData": True},
                {"Id": "errors", "MetricStat": {"Metric": {"Namespace": "AWS/SageMaker", "MetricName": "Invocation5XXErrors", "Dimensions": dims}, "Period": 60, "Stat": "Sum"}, "ReturnData": False},
                {"Id": "invocations", "MetricStat": {"Metric": {"Namespace": "AWS/SageMaker", "MetricName": "Invocations", "Dimensions": dims}, "Period": 60, "Stat": "Sum"}, "ReturnData": False},
            ],
        )
    else:
        cw.put_metric_alarm(**common, MetricName="ModelLatency", Namespace="AWS/SageMaker", Statistic="Average", Period=60, Dimensions=dims)


def weights(sm, endpoint: str) -> dict[str, float]:
    return {v["VariantName"]: v["CurrentWeight"] for v in sm.describe_endpoint(EndpointName=endpoint)["ProductionVariants"]}


class FakeClock:
    """Time that passes only when someone sleeps; ``at(t, fn)`` runs ``fn`` once the clock reaches ``t``."""

    def __init__(self) -> None:
        self.t = 0.0
        self.slept: list[float] = []
        self._events: list[tuple[float, Callable[[], None]]] = []

    def at(self, t: float, fn: Callable[[], None]) -> None:
        self._events.append((t, fn))

    def now(self) -> float:
        return self.t

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.t += seconds
        due = [e for e in self._events if e[0] <= self.t]
        self._events = [e for e in self._events if e[0] > self.t]
        for _, fn in due:
            fn()
