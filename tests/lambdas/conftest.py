"""Fixtures for the preprocessing Lambdas: a real redis-server per session, moto per test, a harness per kind.

No network and no AWS identity: dummy credentials, moto in-process (`mock_aws`) for sagemaker-runtime,
DynamoDB and Secrets Manager, and redis-server on 127.0.0.1.
"""

from __future__ import annotations

import json

import boto3
import pytest

from mlinfra.lambdas import image, passthrough, tabular, text

from .support import REGION, Blackhole, Context, Counting, RedisServer, event

ENDPOINT = "mlinfra-prod-inference"
TABULAR_SETTINGS = {
    "features": [
        {"name": "age", "default": 35.5, "mean": 35.5, "std": 12.3},
        {"name": "income", "default": 50000, "mean": 60000, "std": 20000},
        {"name": "score", "mean": 0, "std": 2},
    ]
}
IMAGE_SETTINGS = {"width": 4, "height": 3, "channels": 3}
TEXT_SETTINGS = {"max_tokens": 8, "lowercase": True, "vocabulary": ["[PAD]", "[UNK]", "hello", "world", ",", "!", "café"]}
MODULES = {"tabular": tabular, "image": image, "text": text, "passthrough": passthrough}
SETTINGS = {"tabular": TABULAR_SETTINGS, "image": IMAGE_SETTINGS, "text": TEXT_SETTINGS, "passthrough": {}}


class Clock:
    """An injectable monotonic clock that moves only when told."""

    def __init__(self, now: float = 1000.0):
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class Response:
    def __init__(self, raw: dict):
        self.raw = raw
        self.status = raw["statusCode"]
        self.headers = raw["headers"]
        self.text = raw["body"]
        self.json = json.loads(raw["body"])


class Harness:
    """One handler module configured with an env dict and (counting wrappers around) moto clients."""

    def __init__(self, module, env: dict, **inject):
        self.module = module
        self.env = env
        self.logs: list[str] = []
        self.clock = inject.pop("clock", None) or Clock()
        self.wall = inject.pop("wall", None) or Clock(1_700_000_000.0)
        if "runtime" not in inject:
            inject["runtime"] = Counting(boto3.client("sagemaker-runtime", region_name=REGION))
        self.runtime = inject["runtime"]
        self.container = module.configure(env=env, clock=self.clock, wall=self.wall, log=self.logs.append, **inject)

    def call(self, body=None, raw: str | None = None, b64: bool = False) -> Response:
        return Response(self.module.handler(event(body, raw=raw, b64=b64), Context()))

    def call_event(self, ev) -> Response:
        return Response(self.module.handler(ev, Context()))

    @property
    def last_log(self) -> dict:
        return json.loads(self.logs[-1])

    @property
    def invocations(self) -> int:
        return self.runtime.count("invoke_endpoint")

    def sent(self) -> dict:
        """The JSON body of the last InvokeEndpoint call."""
        return json.loads(self.runtime.last("invoke_endpoint")["Body"])


@pytest.fixture(autouse=True)
def _moto(aws) -> None:
    """Dummy credentials and moto (the shared ``aws`` fixture) for every test here."""


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory):
    server = RedisServer(tmp_path_factory.mktemp("redis")).start()
    yield server
    server.stop()


@pytest.fixture
def redis_client(redis_server):
    client = redis_server.client()
    client.flushall()
    yield client
    client.close()


@pytest.fixture
def blackhole():
    hole = Blackhole()
    yield hole
    hole.close()


@pytest.fixture(autouse=True)
def _reset_modules():
    yield
    for module in MODULES.values():
        module.reset()


def base_env(kind: str, redis_server=None, **overrides) -> dict:
    env = {
        "AWS_REGION": REGION,
        "MLINFRA_ENDPOINT": ENDPOINT,
        "MLINFRA_SETTINGS": json.dumps(SETTINGS[kind]),
        "MLINFRA_CACHE_TLS": "false",
    }
    if redis_server is not None:
        env["MLINFRA_CACHE_HOST"] = redis_server.host
        env["MLINFRA_CACHE_PORT"] = str(redis_server.port)
        # The handler's Redis timeouts (50 ms / 100 ms) suit ElastiCache beside the Lambda; a local
        # redis-server on a loaded test machine can be slower, and the handler would then rightly skip the
        # cache. Tests of the timeouts themselves set their own.
        env["MLINFRA_CACHE_TIMEOUT_MS"] = env["MLINFRA_CACHE_CONNECT_TIMEOUT_MS"] = "2000"
    env.update({k: str(v) for k, v in overrides.items() if v is not None})
    for k in [k for k, v in overrides.items() if v is None]:
        env.pop(k, None)
    return env


@pytest.fixture
def make(redis_client, redis_server):
    """``make(kind, env_overrides..., inject=...)`` -> a Harness using the session's (flushed) redis-server."""

    def factory(kind: str = "tabular", cache: bool = True, inject: dict | None = None, **overrides) -> Harness:
        env = base_env(kind, redis_server if cache else None, **overrides)
        return Harness(MODULES[kind], env, **(inject or {}))

    return factory
