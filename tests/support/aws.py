"""AWS without AWS, one way: moto in process (the ``aws`` fixture) or a moto server on 127.0.0.1 (the
``moto_server`` fixture, for the CLI in a subprocess), always with dummy credentials and no profile or config
file; and helpers that build live SageMaker endpoints and CloudWatch alarms in it.

    def test_x(aws):                 # moto in process for this test
        sm = aws.client("sagemaker")  # one client per service and region (us-east-1 unless given)
        promote(aws.clients, ...)     # mlinfra's Clients over the same clients

    def test_y(moto_server, tmp_path):   # the URL of a moto server, emptied before the test
        proc = Cli(moto_server, tmp_path)("status", ...)

Both fixtures are registered for every test by tests/conftest.py.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

REGION = "us-east-1"
DUMMY = "testing"
FAKE_ENV = {
    "AWS_ACCESS_KEY_ID": DUMMY,
    "AWS_SECRET_ACCESS_KEY": DUMMY,
    "AWS_SESSION_TOKEN": DUMMY,
    "AWS_DEFAULT_REGION": REGION,
    "AWS_REGION": REGION,
    "AWS_CONFIG_FILE": os.devnull,
    "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
}
#: Whatever of the machine's own AWS setup would otherwise win over FAKE_ENV.
UNSET_ENV = ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_ENDPOINT_URL")


def fake_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    """Never reach AWS with a real identity: dummy keys and no profile or config file."""
    for name in UNSET_ENV:
        monkeypatch.delenv(name, raising=False)
    for name, value in FAKE_ENV.items():
        monkeypatch.setenv(name, value)


# --- moto in process ----------------------------------------------------------------------------------------


class Aws:
    """moto's in-process AWS: one boto3 client per service and region, made on first use."""

    def __init__(self) -> None:
        self._clients: dict[tuple[str, str], object] = {}

    def client(self, service: str, region: str = REGION):
        key = (service, region)
        if key not in self._clients:
            import boto3

            self._clients[key] = boto3.client(service, region_name=region)
        return self._clients[key]

    @property
    def sm(self):
        return self.client("sagemaker")

    @property
    def cw(self):
        return self.client("cloudwatch")

    @property
    def clients(self):
        """mlinfra's Clients handing out these clients."""
        from mlinfra.ops.aws import Clients

        return Clients(factory=self.client)


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[Aws]:
    """moto in process for one test, with dummy credentials."""
    from moto import mock_aws  # (here: conftest imports this module for every test, most need no moto)

    fake_credentials(monkeypatch)
    with mock_aws():
        yield Aws()


# --- a moto server --------------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def _moto_server_url() -> Iterator[str]:
    """One moto server per session (per xdist worker), on a free port of 127.0.0.1 (port 0: the OS picks it)."""
    from moto.server import ThreadedMotoServer

    werkzeug = logging.getLogger("werkzeug")
    level = werkzeug.level
    werkzeug.setLevel(logging.ERROR)  # no request log line per AWS call
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        assert host == "127.0.0.1"
        yield f"http://{host}:{port}"
    finally:
        server.stop()
        werkzeug.setLevel(level)


@pytest.fixture
def moto_server(_moto_server_url: str) -> str:
    """The moto server's URL, the server emptied before the test."""
    import requests

    requests.post(f"{_moto_server_url}/moto-api/reset", timeout=10).raise_for_status()
    return _moto_server_url


def server_client(url: str, service: str, region: str = REGION):
    """A boto3 client of the moto server at ``url``."""
    import boto3

    return boto3.client(service, endpoint_url=url, region_name=region, aws_access_key_id=DUMMY, aws_secret_access_key=DUMMY, aws_session_token=DUMMY)


class Cli:
    """``python -m mlinfra`` as a user would run it, pointed at the moto server by the environment alone."""

    def __init__(self, url: str, cwd: Path):
        self.cwd = cwd
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}  # no AWS_PROFILE, no real keys
        self.env.update(FAKE_ENV, AWS_ENDPOINT_URL=url)

    def __call__(self, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        proc = subprocess.run(
            [sys.executable, "-m", "mlinfra", *args],
            check=False,
            cwd=self.cwd,
            env={**self.env, **(env or {})},
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert "Traceback" not in proc.stdout + proc.stderr, proc.stdout + proc.stderr
        return proc


def output(proc: subprocess.CompletedProcess[str]) -> str:
    """A finished process's exit code and output, for an assertion's message."""
    return f"exit {proc.returncode}\nstdout:\n{proc.stdout}\nstderr:\n{proc.stderr}"


# --- live resources -------------------------------------------------------------------------------------------


def deployed(planned: str, digest: str = "0a1b2c3d") -> str:
    """The name a module gives an object whose name the plan starts (a model, an endpoint configuration):
    the plan's part, "-" and 8 hex digits of a hash of what only Terraform knows (naming.TERRAFORM_HASH)."""
    return f"{planned}-{digest}"


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
