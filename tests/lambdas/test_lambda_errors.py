"""Client errors (400 naming the field, 413) and endpoint errors (502 / 503 / 504), never a traceback."""

from __future__ import annotations

import base64
import json

import boto3
import pytest
from botocore.exceptions import EndpointConnectionError, ReadTimeoutError
from botocore.stub import Stubber

from .conftest import ENDPOINT
from .support import REGION, event, queue_endpoint_results

GOOD = {"data": {"age": 40, "score": 0}}


def assert_clean(response) -> None:
    """An error body: a message, no stack trace, JSON content type."""
    assert response.headers["Content-Type"] == "application/json"
    assert set(response.json) <= {"message", "field", "request_id"}
    assert response.json["message"]
    for marker in ("Traceback", 'File "', "botocore", "Exception:"):
        assert marker not in response.text


@pytest.mark.parametrize(
    "body, raw, field",
    [
        (None, None, "body"),
        (None, "{not json", "body"),
        (None, "[1, 2]", "body"),
        (None, '{"data": {"age": NaN, "score": 0}}', "body"),
        (None, "[" * 60000, "body"),
        ({}, None, "data"),
        ({"data": [1, 2]}, None, "data"),
        ({"data": {"age": "forty", "score": 0}}, None, "data.age"),
        ({"data": {"age": True, "score": 0}}, None, "data.age"),
        ({"data": {"age": {"v": 1}, "score": 0}}, None, "data.age"),
        ({"data": {"age": 10**400, "score": 0}}, None, "data.age"),
        ({"data": {"age": 40}}, None, "data.score"),
        ({"data": {"age": 40, "score": None}}, None, "data.score"),
        ({"data": {"agee": 40, "score": 0}}, None, "data.agee"),
        ({"data": GOOD["data"], "debug": True}, None, "debug"),
    ],
)
def test_invalid_body_is_a_400_naming_the_field(make, body, raw, field):
    h = make("tabular", cache=False)
    response = h.call(body, raw=raw)
    assert response.status == 400, response.json
    assert response.json["field"] == field
    assert response.json["message"].startswith(f"{field}: ")
    assert response.json["request_id"] == "req-0001"
    assert_clean(response)
    assert h.invocations == 0
    assert h.last_log["level"] == "warning" and h.last_log["status"] == 400


def test_messages_say_what_is_wrong(make):
    h = make("tabular", cache=False)
    assert h.call({"data": {"age": "forty", "score": 0}}).json["message"] == "data.age: must be a number, not a string"
    assert h.call({"data": {"age": 40}}).json["message"] == "data.score: required (this feature has no default)"
    unknown = h.call({"data": {"agee": 40, "score": 0}}).json["message"]
    assert unknown == "data.agee: unknown feature (expected: age, income, score)"


def test_invalid_base64_body(make):
    h = make("tabular", cache=False)
    ev = event(raw="not base64 at all!")
    ev["isBase64Encoded"] = True
    response = h.call_event(ev)
    assert response.status == 400 and response.json["field"] == "body"
    assert "base64" in response.json["message"]


def test_not_a_proxy_event(make):
    h = make("tabular", cache=False)
    response = h.call_event(["not", "an", "event"])
    assert response.status == 400 and response.json["field"] == "event"


@pytest.mark.parametrize("b64", [False, True])
def test_oversize_body_is_413(make, b64):
    h = make("tabular", cache=False)
    padding = " " * (64 * 1024)
    raw = json.dumps(GOOD) + padding
    response = h.call(raw=raw, b64=b64)
    assert response.status == 413
    assert response.json["field"] == "body"
    assert "over the limit of 65536 bytes" in response.json["message"]
    assert_clean(response)
    assert h.invocations == 0


def test_body_limit_counts_utf8_bytes_and_is_configurable(make):
    queue_endpoint_results({"Body": {"p": 1}})
    h = make("text", cache=False)
    assert h.call(raw=json.dumps({"text": "é" * 20000}, ensure_ascii=False)).status == 200  # 40 KB
    assert h.call(raw=json.dumps({"text": "€" * 22000}, ensure_ascii=False)).status == 413  # 22 k characters, 66 KB
    raw = json.dumps(GOOD)
    assert make("tabular", cache=False, MLINFRA_MAX_BODY_BYTES=len(raw) - 1).call(raw=raw).status == 413
    queue_endpoint_results({"Body": {"p": 2}})
    assert make("tabular", cache=False, MLINFRA_MAX_BODY_BYTES=len(raw)).call(raw=raw).status == 200


def test_image_default_limit_is_one_mib(make):
    h = make("image", cache=False)
    assert h.container.config.max_body == 1024 * 1024
    payload = base64.b64encode(b"\0" * (800 * 1024)).decode()  # ~1.07 MB of JSON
    response = h.call({"image": payload})
    assert response.status == 413


def _stubbed(code: str, status: int, message: str = "boom", **modeled):
    client = boto3.client("sagemaker-runtime", region_name=REGION)
    stubber = Stubber(client)
    stubber.add_client_error("invoke_endpoint", service_error_code=code, service_message=message, http_status_code=status, modeled_fields=modeled or None)
    stubber.activate()
    return client


@pytest.mark.parametrize(
    "code, http, message, expected, text",
    [
        ("ModelError", 424, "Received server error (500) from primary", 502, "the model returned an error (status 500)"),
        ("InternalFailure", 500, "internal", 502, "the model endpoint call failed (InternalFailure)"),
        ("InternalDependencyException", 530, "dependency", 502, "the model endpoint call failed (InternalDependencyException)"),
        ("ThrottlingException", 400, "Rate exceeded", 503, "the model endpoint is throttling requests"),
        ("ServiceUnavailable", 503, "unavailable", 503, "the model endpoint is unavailable"),
        ("ModelNotReadyException", 429, "not ready", 503, "the model is not ready"),
        ("ValidationError", 400, f"Endpoint {ENDPOINT} of account 123456789012 not found.", 503, f"model endpoint {ENDPOINT} not found"),
        ("ValidationError", 400, f"Endpoint {ENDPOINT} is not in service.", 503, f"model endpoint {ENDPOINT} is not in service"),
        ("ValidationError", 400, "Inference Component Name header is required", 502, "the model endpoint rejected the request"),
    ],
)
def test_endpoint_errors_map_to_502_503(make, redis_client, code, http, message, expected, text):
    modeled = {}
    if code == "ModelError":
        modeled = {"OriginalStatusCode": 500, "OriginalMessage": 'Traceback (most recent call last):\n  File "/opt/ml/model/code/inference.py", line 1'}
    h = make("tabular", inject={"runtime": _stubbed(code, http, message, **modeled)})
    response = h.call(GOOD)
    assert response.status == expected
    assert response.json["message"] == text
    assert_clean(response)
    assert "123456789012" not in response.text  # AWS's message (with the account) stays in the log
    assert redis_client.dbsize() == 0  # nothing cached
    log = h.last_log
    assert log["level"] == "error" and log["status"] == expected
    assert code in log["error_detail"]
    assert "_aws" not in log  # metrics are for answered predictions


@pytest.mark.parametrize(
    "error, expected, text",
    [
        (ReadTimeoutError(endpoint_url="https://runtime.sagemaker.us-east-1.amazonaws.com"), 504, "the model endpoint timed out"),
        (EndpointConnectionError(endpoint_url="https://runtime.sagemaker.us-east-1.amazonaws.com"), 503, "the model endpoint is unreachable"),
        (RuntimeError("something else"), 502, "the model endpoint call failed"),
    ],
)
def test_transport_errors(make, error, expected, text):
    class Failing:
        def invoke_endpoint(self, **kwargs):
            raise error

    h = make("tabular", cache=False, inject={"runtime": Failing()})
    response = h.call(GOOD)
    assert (response.status, response.json["message"]) == (expected, text)
    assert_clean(response)


def test_invalid_endpoint_response_is_502(make, redis_client):
    queue_endpoint_results({"Body": "<html>not json</html>", "ContentType": "text/html"})
    h = make("tabular")
    response = h.call(GOOD)
    assert response.status == 502
    assert response.json["message"] == "the model endpoint returned an invalid response (not JSON)"
    assert_clean(response)
    assert redis_client.dbsize() == 0


def test_a_bug_is_a_500_without_traceback_in_the_body(make):
    class Broken:
        fields = ("data",)
        payload_key = "features"

        def features(self, body):
            raise ZeroDivisionError("oops")

    h = make("tabular", cache=False)
    h.container.preprocessor = Broken()
    response = h.call(GOOD)
    assert response.status == 500
    assert response.json == {"message": "internal error", "request_id": "req-0001"}
    assert "ZeroDivisionError" in h.last_log["traceback"]  # the log has it whole
