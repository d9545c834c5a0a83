"""The request path end to end: real redis-server, moto's sagemaker-runtime and DynamoDB."""

from __future__ import annotations

import hashlib
import json
import time

import boto3
import pytest

from mlinfra.lambdas import core

from .conftest import ENDPOINT, TABULAR_SETTINGS
from .support import REGION, moto_requests, queue_endpoint_results

BODY = {"data": {"age": 47.8, "score": 1}}
EXPECTED_FEATURES = [(47.8 - 35.5) / 12.3, (50000 - 60000) / 20000, 0.5]


# The tabular settings as the preprocessor resolves them: (name, default, mean, std), numbers as floats.
RESOLVED = [["age", 35.5, 35.5, 12.3], ["income", 50000.0, 60000.0, 20000.0], ["score", None, 0.0, 2.0]]


def canonical(endpoint, variant, body=BODY, kind="tabular", preprocessing=RESOLVED) -> str:
    """The key written out by hand: sha256 of the sorted compact JSON header, a newline, the body's bytes."""
    head = {"endpoint": endpoint, "kind": kind, "preprocessing": preprocessing, "scheme": "mlinfra-cache-key/2", "target_variant": variant}
    data = json.dumps(head, sort_keys=True, separators=(",", ":")) + "\n" + json.dumps(body)
    return hashlib.sha256(data.encode()).hexdigest()


def test_miss_then_hit_does_not_call_the_endpoint_again(make, redis_client):
    queue_endpoint_results({"Body": {"score": 0.91}}, {"Body": {"score": -1}})
    h = make("tabular")

    first = h.call(BODY)
    assert first.status == 200
    assert first.json == {"prediction": {"score": 0.91}, "cached": False}
    assert first.headers["X-Model-Version"] == "production"
    assert first.headers["Content-Type"] == "application/json"
    assert float(first.headers["X-Latency-Ms"]) >= 0
    assert h.invocations == 1
    assert h.sent() == {"features": EXPECTED_FEATURES}

    second = h.call(BODY)
    assert second.status == 200
    assert second.json == {"prediction": {"score": 0.91}, "cached": True}
    assert second.headers["X-Model-Version"] == "production"  # the variant stored with the prediction
    assert h.invocations == 1  # the counting wrapper around moto's client saw no second call
    assert len(moto_requests()) == 1  # and moto saw one request only...
    from .support import moto_runtime_backend

    assert len(moto_runtime_backend().results_queue) == 1  # ...so the second queued result is unused
    assert [json.loads(line)["cache"] for line in h.logs] == ["miss", "hit"]


def test_cache_key_is_sha256_of_the_settings_and_the_body_bytes_and_has_the_ttl(make, redis_client):
    queue_endpoint_results({"Body": [0.1, 0.9]})
    h = make("tabular")
    assert h.call(BODY).status == 200
    key = canonical(ENDPOINT, None)
    assert core.canonical_key(ENDPOINT, None, "tabular", RESOLVED, json.dumps(BODY)) == key
    stored = redis_client.get(core.CACHE_PREFIX + key)
    assert json.loads(stored) == {"prediction": [0.1, 0.9], "variant": "production"}
    assert 295 <= redis_client.ttl(core.CACHE_PREFIX + key) <= 300  # the seed's 300 s by default
    assert redis_client.dbsize() == 1


def test_ttl_expiry_with_a_real_wait(make, redis_client):
    queue_endpoint_results({"Body": {"v": 1}}, {"Body": {"v": 2}})
    h = make("tabular", MLINFRA_CACHE_TTL=1)
    assert h.call(BODY).json["cached"] is False
    key = core.CACHE_PREFIX + canonical(ENDPOINT, None)
    assert 0 < redis_client.pttl(key) <= 1000
    assert h.call(BODY).json["cached"] is True
    time.sleep(1.3)
    assert redis_client.exists(key) == 0
    third = h.call(BODY)
    assert third.json["cached"] is False
    assert h.invocations == 2


def test_target_variant_reaches_the_endpoint_and_the_cache_key(make, redis_client):
    queue_endpoint_results({"Body": {"score": 0.3}, "InvokedProductionVariant": "canary"})
    h = make("tabular", MLINFRA_TARGET_VARIANT="canary")
    response = h.call(BODY)
    assert response.status == 200
    assert response.headers["X-Model-Version"] == "canary"
    assert h.runtime.last("invoke_endpoint")["TargetVariant"] == "canary"
    # moto's own record of the HTTP request carries the header botocore sent
    (seen,) = moto_requests()
    assert {k.lower(): v for k, v in seen.items()}["x-amzn-sagemaker-target-variant"] == "canary"
    assert redis_client.exists(core.CACHE_PREFIX + canonical(ENDPOINT, "canary")) == 1
    assert canonical(ENDPOINT, "canary") != canonical(ENDPOINT, None)


def test_no_target_variant_sends_none(make):
    queue_endpoint_results({"Body": {"score": 0.3}})
    h = make("tabular", cache=False)
    assert h.call(BODY).status == 200
    call = h.runtime.last("invoke_endpoint")
    assert "TargetVariant" not in call
    assert call["ContentType"] == "application/json"
    assert call["EndpointName"] == ENDPOINT


def test_the_seeds_client_call_works_through_the_helper():
    """The seed's own call shape, against moto with a queued result, reads InvokedProductionVariant."""
    queue_endpoint_results({"Body": {"prediction": [0.2, 0.8]}, "InvokedProductionVariant": "production"})
    sagemaker = boto3.client("sagemaker-runtime", region_name=REGION)
    features = [0.1, 0.2]
    response = sagemaker.invoke_endpoint(
        EndpointName="ml-inference-endpoint",
        ContentType="application/json",
        Body=json.dumps({"features": features}),
        TargetVariant="production",
    )
    assert response["InvokedProductionVariant"] == "production"
    assert json.loads(response["Body"].read()) == {"prediction": [0.2, 0.8]}


def test_the_handler_makes_the_seeds_call(make):
    """What the handler sends is the seed's call (plus Accept), with the configured endpoint and variant."""
    queue_endpoint_results({"Body": {"prediction": 1}})
    h = make("tabular", cache=False, MLINFRA_ENDPOINT="ml-inference-endpoint", MLINFRA_TARGET_VARIANT="production")
    response = h.call(BODY)
    assert response.status == 200
    call = h.runtime.last("invoke_endpoint")
    assert set(call) == {"EndpointName", "ContentType", "Accept", "Body", "TargetVariant"}
    assert (call["EndpointName"], call["ContentType"], call["TargetVariant"]) == ("ml-inference-endpoint", "application/json", "production")
    assert json.loads(call["Body"]) == {"features": EXPECTED_FEATURES}
    assert response.headers["X-Model-Version"] == "production"


def _table(name: str = "predictions"):
    ddb = boto3.client("dynamodb", region_name=REGION)
    ddb.create_table(
        TableName=name,
        AttributeDefinitions=[{"AttributeName": "cache_key", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "cache_key", "KeyType": "HASH"}],
        BillingMode="PAY_PER_REQUEST",
    )
    return ddb


def test_dynamodb_item_written_on_a_miss_only(make, redis_client):
    ddb = _table()
    queue_endpoint_results({"Body": {"label": "cat", "p": 0.75}, "InvokedProductionVariant": "production"})
    h = make("tabular", MLINFRA_RESULTS_TABLE="predictions", MLINFRA_RESULTS_TTL_DAYS=7)
    assert h.call(BODY).status == 200
    key = canonical(ENDPOINT, None)
    item = ddb.get_item(TableName="predictions", Key={"cache_key": {"S": key}})["Item"]
    assert json.loads(item["prediction"]["S"]) == {"label": "cat", "p": 0.75}
    assert item["model_variant"]["S"] == "production"
    assert item["endpoint"]["S"] == ENDPOINT
    created = int(item["created_at"]["N"])
    assert created == 1_700_000_000  # the injected wall clock
    assert int(item["expires_at"]["N"]) == created + 7 * 86400

    h.wall.advance(60)
    assert h.call(BODY).json["cached"] is True
    again = ddb.get_item(TableName="predictions", Key={"cache_key": {"S": key}})["Item"]
    assert again["created_at"] == item["created_at"]  # a hit writes nothing
    assert ddb.scan(TableName="predictions")["Count"] == 1


def test_results_table_failure_does_not_fail_the_request(make):
    queue_endpoint_results({"Body": {"p": 1}})
    h = make("tabular", cache=False, MLINFRA_RESULTS_TABLE="no-such-table")
    response = h.call(BODY)
    assert response.status == 200
    assert "ResourceNotFoundException" in h.last_log["results_error"]


def test_log_line_is_structured_and_carries_emf_metrics(make, redis_client):
    queue_endpoint_results({"Body": {"p": 1}, "InvokedProductionVariant": "production"})
    h = make("tabular")
    h.call(BODY)
    h.call(BODY)
    assert len(h.logs) == 2  # one line per request
    miss, hit = (json.loads(line) for line in h.logs)
    for line, cached in ((miss, 0), (hit, 1)):
        assert line["request_id"] == "req-0001"
        assert line["status"] == 200
        assert line["kind"] == "tabular"
        metrics = line["_aws"]["CloudWatchMetrics"][0]
        assert metrics["Namespace"] == "MLInference"
        assert metrics["Dimensions"] == [["Endpoint", "Variant"]]
        assert {m["Name"]: m["Unit"] for m in metrics["Metrics"]} == {"LatencyMs": "Milliseconds", "CacheHit": "Count"}
        assert line["_aws"]["Timestamp"] == 1_700_000_000_000
        assert (line["Endpoint"], line["Variant"], line["CacheHit"]) == (ENDPOINT, "production", cached)
        assert isinstance(line["LatencyMs"], float)
    assert "data" not in json.dumps(miss)  # inputs are not logged


def test_base64_encoded_body(make):
    queue_endpoint_results({"Body": {"p": 1}})
    h = make("tabular", cache=False)
    response = h.call(BODY, b64=True)
    assert response.status == 200
    assert h.sent() == {"features": EXPECTED_FEATURES}


def test_a_hit_is_answered_from_the_bytes_before_any_preprocessing(make, redis_client):
    """The key is the body's bytes: a repeat hits without parsing (the preprocessor is not called), and
    another spelling of the same features is another entry, preprocessed and stored on its own."""
    queue_endpoint_results({"Body": {"p": 1}})  # moto answers the same input body with the same result
    h = make("tabular")
    seen = []
    features = h.container.preprocessor.features
    h.container.preprocessor.features = lambda body: seen.append(body) or features(body)
    assert h.call({"data": {"score": 1, "age": 47.8}}).json == {"prediction": {"p": 1}, "cached": False}
    assert h.call({"data": {"score": 1, "age": 47.8}}).json == {"prediction": {"p": 1}, "cached": True}
    assert len(seen) == 1  # the hit never reached the preprocessor
    respelled = h.call({"data": {"age": 47.8, "score": 1.0, "income": None}})
    assert respelled.json == {"prediction": {"p": 1}, "cached": False}
    assert len(seen) == 2 and h.invocations == 2
    assert h.sent() == {"features": EXPECTED_FEATURES}  # the same features reached the endpoint
    assert redis_client.dbsize() == 2


def test_base64_and_text_bodies_of_the_same_bytes_share_an_entry(make, redis_client):
    queue_endpoint_results({"Body": {"p": 1}})
    h = make("tabular")
    assert h.call(BODY, b64=True).json["cached"] is False
    assert h.call(BODY).json["cached"] is True
    assert redis_client.exists(core.CACHE_PREFIX + canonical(ENDPOINT, None)) == 1


def test_other_preprocessing_settings_never_hit_an_entry(make, redis_client):
    """Same endpoint, same bytes, another normalisation (a new config): the old prediction is not reused."""
    queue_endpoint_results({"Body": {"p": 1}}, {"Body": {"p": 2}})
    assert make("tabular").call(BODY).json == {"prediction": {"p": 1}, "cached": False}
    settings = {"features": [{**f, "std": 4} if f["name"] == "score" else f for f in TABULAR_SETTINGS["features"]]}
    other = make("tabular", MLINFRA_SETTINGS=json.dumps(settings))
    assert other.call(BODY).json == {"prediction": {"p": 2}, "cached": False}
    assert redis_client.dbsize() == 2
    resolved = [*RESOLVED[:2], ["score", None, 0.0, 4.0]]
    assert redis_client.exists(core.CACHE_PREFIX + canonical(ENDPOINT, None, preprocessing=resolved)) == 1


def test_an_invalid_request_is_never_stored(make, redis_client):
    h = make("tabular")
    for _ in range(2):
        response = h.call({"data": {"age": "old"}})
        assert response.status == 400 and response.json["field"] == "data.age"
        assert h.last_log["cache"] == "miss"  # looked up by its bytes first, then refused
    assert redis_client.dbsize() == 0 and h.invocations == 0


def test_default_clients_are_built_from_the_environment(redis_server, redis_client):
    """No injection at all: the handler reads os.environ and builds boto3 and redis clients itself."""
    from mlinfra.lambdas import tabular

    queue_endpoint_results({"Body": {"p": 2}})
    env = {
        "MLINFRA_ENDPOINT": ENDPOINT,
        "MLINFRA_SETTINGS": json.dumps({"features": [{"name": "x", "default": 0}]}),
        "MLINFRA_CACHE_HOST": redis_server.host,
        "MLINFRA_CACHE_PORT": str(redis_server.port),
        "MLINFRA_CACHE_TLS": "false",
        "MLINFRA_CACHE_TIMEOUT_MS": "2000",  # a local redis-server on a loaded machine (see base_env)
    }
    with pytest.MonkeyPatch.context() as mp:
        for k, v in env.items():
            mp.setenv(k, v)
        tabular.reset()
        from .support import event

        first = tabular.handler(event({"data": {"x": 3}}), None)
        second = tabular.handler(event({"data": {"x": 3}}), None)
    assert (first["statusCode"], second["statusCode"]) == (200, 200)
    assert json.loads(first["body"]) == {"prediction": {"p": 2}, "cached": False}
    assert json.loads(second["body"]) == {"prediction": {"p": 2}, "cached": True}


def test_misconfigured_function_answers_500_and_logs_why(capsys):
    from mlinfra.lambdas import tabular

    with pytest.MonkeyPatch.context() as mp:
        mp.delenv("MLINFRA_ENDPOINT", raising=False)
        mp.setenv("MLINFRA_SETTINGS", json.dumps({"features": [{"name": "x", "std": 0}]}))
        tabular.reset()
        from .support import event

        response = tabular.handler(event({"data": {"x": 1}}), None)
    assert response["statusCode"] == 500
    assert json.loads(response["body"]) == {"message": "the preprocessor is misconfigured (see its log)"}
    line = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert line["level"] == "error"
    assert "MLINFRA_ENDPOINT is required" in line["error"]


@pytest.mark.parametrize(
    "env, message",
    [
        ({"MLINFRA_SETTINGS": "{"}, "MLINFRA_SETTINGS: not valid JSON"),
        ({"MLINFRA_SETTINGS": "[]"}, "MLINFRA_SETTINGS: must be a JSON object"),
        ({"MLINFRA_CACHE_TLS": "yes"}, "MLINFRA_CACHE_TLS: 'yes' is not 'true' or 'false'"),
        ({"MLINFRA_CACHE_TTL": "0"}, "MLINFRA_CACHE_TTL: 0 is out of range"),
        ({"MLINFRA_CACHE_PORT": "http"}, "MLINFRA_CACHE_PORT: 'http' is not an integer"),
        ({"MLINFRA_SETTINGS": json.dumps({"features": [{"name": "x", "stdev": 1}]})}, "unknown key(s) stdev"),
    ],
)
def test_configuration_errors_are_precise(env, message):
    from mlinfra.lambdas import tabular

    from .conftest import base_env

    with pytest.raises(core.ConfigError) as info:
        tabular.configure(env=base_env("tabular", **env))
    assert message in str(info.value)


def test_cache_tls_default_is_on():
    """ElastiCache AUTH needs TLS: a function says MLINFRA_CACHE_TLS=false to talk to a plain Redis."""
    from mlinfra.lambdas import tabular

    from .conftest import base_env

    env = base_env("tabular", MLINFRA_CACHE_HOST="cache.example.internal", MLINFRA_CACHE_TLS=None)
    container = tabular.configure(env=env)
    assert container.config.cache_tls is True
    client = container.cache._build()
    from redis.connection import SSLConnection

    assert client.connection_pool.connection_class is SSLConnection
    kwargs = client.connection_pool.connection_kwargs
    assert kwargs["socket_timeout"] == 0.05
    assert kwargs["socket_connect_timeout"] == 0.1
