"""The cache is best-effort: Redis down, hung, restarted, or behind an AUTH token from Secrets Manager."""

from __future__ import annotations

import json

import boto3
import pytest

from mlinfra.lambdas import core

from .conftest import Harness, base_env
from .support import REGION, Counting, RedisServer, free_port, queue_endpoint_results

BODY = {"data": {"age": 40, "score": 0}}


def _results(n: int = 6) -> None:
    queue_endpoint_results(*({"Body": {"p": i}} for i in range(n)))


def _cache_states(h: Harness) -> list[str]:
    return [json.loads(line)["cache"] for line in h.logs]


def test_redis_on_a_closed_port_does_not_fail_requests_and_the_breaker_skips_it():
    _results()
    from mlinfra.lambdas import tabular

    h = Harness(tabular, base_env("tabular", MLINFRA_CACHE_HOST="127.0.0.1", MLINFRA_CACHE_PORT=free_port()))
    first = h.call(BODY)
    assert first.status == 200
    assert first.json["cached"] is False
    assert "ConnectionError" in h.last_log["cache_error"]
    assert h.container.cache.breaker.state == "open"

    second = h.call(BODY)
    assert second.status == 200 and second.json["cached"] is False
    assert h.container.cache.breaker.failures == 1  # Redis was not tried again
    h.clock.advance(5)  # MLINFRA_CACHE_RETRY_AFTER_S's default
    assert h.container.cache.breaker.state == "half-open"
    h.call(BODY)
    assert h.container.cache.breaker.failures == 2  # tried once more, failed, open again
    assert _cache_states(h) == ["error", "skipped", "error"]
    assert h.invocations == 3


def test_hung_redis_costs_one_short_timeout_then_is_skipped(blackhole):
    """A Redis that accepts and never answers: one 50 ms read timeout, no retries, then the breaker."""
    _results()
    from mlinfra.lambdas import tabular

    env = base_env("tabular", MLINFRA_CACHE_HOST="127.0.0.1", MLINFRA_CACHE_PORT=blackhole.port, MLINFRA_CACHE_RETRY_AFTER_S=30)
    h = Harness(tabular, env)
    first = h.call(BODY)
    assert first.status == 200 and first.json["cached"] is False
    assert "Timeout" in h.last_log["cache_error"]
    waited = float(first.headers["X-Latency-Ms"])
    assert 50 <= waited < 400  # the 50 ms read timeout is in force
    assert blackhole.accept_pending() == 1  # and not retried (redis-py's default retries 10 times)

    second = h.call(BODY)
    assert second.status == 200
    assert h.container.cache.breaker.failures == 1
    assert float(second.headers["X-Latency-Ms"]) < waited
    h.clock.advance(29)
    h.call(BODY)
    assert h.container.cache.breaker.failures == 1  # still within MLINFRA_CACHE_RETRY_AFTER_S=30
    assert blackhole.accept_pending() == 0
    h.clock.advance(1)
    h.call(BODY)
    assert blackhole.accept_pending() == 1  # half-open: one new try
    assert _cache_states(h) == ["error", "skipped", "skipped", "error"]


def test_redis_stopped_then_restarted(tmp_path):
    _results()
    from mlinfra.lambdas import tabular

    server = RedisServer(tmp_path / "redis").start()
    try:
        h = Harness(tabular, base_env("tabular", server))
        assert h.call(BODY).json["cached"] is False
        assert h.call(BODY).json["cached"] is True

        server.stop()
        down = h.call(BODY)
        assert down.status == 200 and down.json["cached"] is False
        assert h.call(BODY).status == 200  # skipped
        assert h.container.cache.breaker.failures == 1

        server.start()  # same port, empty (no persistence)
        h.clock.advance(5)
        assert h.call(BODY).json["cached"] is False
        assert h.container.cache.breaker.state == "closed"
        assert h.call(BODY).json["cached"] is True
        assert _cache_states(h) == ["miss", "hit", "error", "skipped", "miss", "hit"]
    finally:
        server.stop()


def test_a_dead_kept_alive_connection_is_replaced_at_once(redis_server, redis_client):
    """A container thawed after its socket died (server-side close): one reconnect, no cache outage."""
    _results()
    from mlinfra.lambdas import tabular

    h = Harness(tabular, base_env("tabular", redis_server))
    assert h.call(BODY).json["cached"] is False
    redis_client.client_kill_filter(_type="normal", skipme=True)
    assert h.call(BODY).json["cached"] is True
    assert h.container.cache.breaker.failures == 0


def test_corrupt_cache_entry_is_a_miss_and_is_overwritten(make, redis_client):
    _results()
    h = make("tabular")
    h.call(BODY)
    (key,) = redis_client.keys(core.CACHE_PREFIX + "*")
    redis_client.set(key, b"\xff not json")
    response = h.call(BODY)
    assert response.status == 200 and response.json["cached"] is False
    assert "unreadable cache entry" in h.last_log["cache_error"]
    assert json.loads(redis_client.get(key))["variant"] == "production"


@pytest.fixture
def auth_server(tmp_path):
    server = RedisServer(tmp_path / "redis-auth", password="s3cr3t-token-0123456789").start()
    yield server
    server.stop()


def _secret(value: str) -> tuple[str, Counting]:
    sm = boto3.client("secretsmanager", region_name=REGION)
    arn = sm.create_secret(Name="mlinfra/cache-auth", SecretString=value)["ARN"]
    return arn, Counting(sm)


def test_auth_token_comes_from_secrets_manager_once_per_container(auth_server):
    import redis

    with pytest.raises(redis.AuthenticationError):  # the server really wants the token
        redis.Redis(host=auth_server.host, port=auth_server.port).get("x")
    _results()
    from mlinfra.lambdas import tabular

    arn, secrets = _secret(auth_server.password)
    env = base_env("tabular", auth_server, MLINFRA_CACHE_AUTH_SECRET_ARN=arn)
    h = Harness(tabular, env, secrets=secrets)
    assert h.call(BODY).json["cached"] is False
    assert h.call(BODY).json["cached"] is True
    assert h.call({"data": {"age": 41, "score": 0}}).json["cached"] is False
    assert secrets.count("get_secret_value") == 1
    assert secrets.last("get_secret_value") == {"SecretId": arn}
    assert auth_server.client().dbsize() == 2


def test_auth_token_as_json_with_username(auth_server):
    _results()
    from mlinfra.lambdas import tabular

    arn, secrets = _secret(json.dumps({"username": "default", "password": auth_server.password}))
    h = Harness(tabular, base_env("tabular", auth_server, MLINFRA_CACHE_AUTH_SECRET_ARN=arn), secrets=secrets)
    h.call(BODY)
    assert h.call(BODY).json["cached"] is True


def test_wrong_token_still_answers_and_a_rotated_token_is_fetched_again(auth_server):
    _results(8)
    from mlinfra.lambdas import tabular

    arn, secrets = _secret("not-the-token")
    h = Harness(tabular, base_env("tabular", auth_server, MLINFRA_CACHE_AUTH_SECRET_ARN=arn), secrets=secrets)
    response = h.call(BODY)
    assert response.status == 200 and response.json["cached"] is False
    assert "AuthenticationError" in h.last_log["cache_error"]

    # the secret is rotated to the right value: after the breaker's pause the token is fetched again
    boto3.client("secretsmanager", region_name=REGION).put_secret_value(SecretId=arn, SecretString=auth_server.password)
    h.clock.advance(5)
    assert h.call(BODY).json["cached"] is False
    assert h.call(BODY).json["cached"] is True
    assert secrets.count("get_secret_value") == 2


def test_secrets_manager_failure_is_a_cache_failure_only():
    _results()
    from mlinfra.lambdas import tabular

    env = base_env(
        "tabular",
        MLINFRA_CACHE_HOST="127.0.0.1",
        MLINFRA_CACHE_PORT=free_port(),
        MLINFRA_CACHE_AUTH_SECRET_ARN="arn:aws:secretsmanager:us-east-1:123456789012:secret:missing-AbCdEf",
    )
    h = Harness(tabular, env)
    response = h.call(BODY)
    assert response.status == 200
    assert "ResourceNotFoundException" in h.last_log["cache_error"]


def test_breaker_unit():
    from .conftest import Clock

    clock = Clock(0)
    breaker = core.Breaker(5, clock)
    assert breaker.allow() and breaker.state == "closed"
    breaker.failure()
    assert not breaker.allow() and breaker.state == "open"
    clock.advance(4.9)
    assert not breaker.allow()
    clock.advance(0.1)
    assert breaker.allow() and breaker.state == "half-open"
    breaker.success()
    assert breaker.state == "closed" and breaker.failures == 1
