"""Asynchronous invocations (``mlinfra invoke-async``): the request body is uploaded to S3, InvokeEndpointAsync
names it, and SageMaker writes the result to the OutputLocation it returns (or the failure to the
FailureLocation), announcing it on the endpoint's topics.

Where the body goes: under ``--input-location`` (an async endpoint's ``input_path``, which its execution role
reads), else where the SageMaker Python SDK's ``AsyncPredictor`` uploads,
``s3://sagemaker-<region>-<account>/async-endpoint-inputs/<endpoint (51)>-<yymmdd-HHMM>/<time>-<uuid>``:
exactly what the role of an endpoint without ``input_path`` may read (``core.sagemaker_sdk.SDK_ASYNC_INPUT_PREFIX``).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from ..core.sagemaker_sdk import SDK_ASYNC_INPUT_PREFIX, SDK_NAME_BASE_MAX
from ..errors import UsageError
from ..records import record
from .aws import Clients, aws_errors


@record
class AsyncInvocation:
    input_location: str
    output_location: str | None
    failure_location: str | None
    inference_id: str | None


def _utc_now() -> datetime:
    return datetime.now(UTC)


def sdk_input_key(endpoint: str, now: datetime, token: str) -> str:
    """The key the SDK's AsyncPredictor gives a request: name_from_base(endpoint, short=True), then
    sagemaker_timestamp() and a UUID."""
    stamp = now.strftime("%Y-%m-%d-%H-%M-%S-%f")[:-3]
    return f"{SDK_ASYNC_INPUT_PREFIX}/{endpoint[:SDK_NAME_BASE_MAX]}-{now:%y%m%d-%H%M}/{stamp}-{token}"


def _split(uri: str) -> tuple[str, str]:
    bucket, _, key = uri.removeprefix("s3://").partition("/")
    if not uri.startswith("s3://") or not bucket:
        raise UsageError(f"--input-location {uri!r}: give an S3 URI such as s3://bucket/requests/")
    return bucket, key


def invoke_async(
    clients: Clients,
    endpoint: str,
    body: bytes,
    content_type: str,
    input_location: str | None = None,
    now: Callable[[], datetime] = _utc_now,
    token: Callable[[], str] = lambda: str(uuid.uuid4()),
) -> AsyncInvocation:
    """Upload ``body`` and call InvokeEndpointAsync with it. ``input_location`` is a prefix (ending with /,
    a name is added) or an object's URI; None: the SDK's default location for ``endpoint``."""
    at = now()
    with aws_errors():
        if input_location is None:
            account = clients.sts.get_caller_identity()["Account"]
            region = clients.runtime.meta.region_name
            bucket, key = f"sagemaker-{region}-{account}", sdk_input_key(endpoint, at, token())
        else:
            bucket, key = _split(input_location)
            if key == "" or key.endswith("/"):
                key += f"{at.strftime('%Y-%m-%d-%H-%M-%S-%f')[:-3]}-{token()}"
        clients.s3.put_object(Bucket=bucket, Key=key, Body=body, ContentType=content_type)
        location = f"s3://{bucket}/{key}"
        resp: dict[str, Any] = clients.runtime.invoke_endpoint_async(
            EndpointName=endpoint, InputLocation=location, ContentType=content_type, Accept="*/*"
        )
    return AsyncInvocation(location, resp.get("OutputLocation"), resp.get("FailureLocation"), resp.get("InferenceId"))
