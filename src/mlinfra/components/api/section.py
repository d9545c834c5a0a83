"""The ``api`` section: the REST API (API Gateway) that serves the routes, its stage, throttling, usage
plans and keys, and its public name (the edge component's CloudFront or regional domain, ACM, Route 53)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from ...config.section import Section
from ...config.shapes import ComponentName, LogRetention, PositiveInt, Strict


class Throttle(Strict):
    rate: Annotated[float, Field(gt=0, le=10000)]  # steady-state requests per second
    burst: Annotated[int, Field(ge=1, le=5000)]


class Quota(Strict):
    limit: PositiveInt
    period: Literal["DAY", "WEEK", "MONTH"]


class UsagePlan(Strict):
    """A usage plan and the API keys (by name) subscribed to it; AWS generates the key values."""

    name: ComponentName
    throttle: Throttle | None = None
    quota: Quota | None = None
    keys: Annotated[list[ComponentName], Field(min_length=1)]


class Api(Strict):
    """The public edge: API Gateway (REST) behind CloudFront, under a Route 53 name; without ``domain``, the
    API alone, on its execute-api URL (the ``api_invoke_url`` output)."""

    domain: (
        Annotated[
            str, StringConstraints(pattern=r"^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$", max_length=253)
        ]
        | None
    ) = None
    hosted_zone: (
        Annotated[
            str, StringConstraints(pattern=r"^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$", max_length=253)
        ]
        | None
    ) = None
    # How the custom domain is served (CloudFront, or a regional API Gateway domain): only with ``domain``.
    cloudfront: bool = True
    stage: Annotated[str, StringConstraints(pattern=r"^[a-zA-Z0-9_]{1,128}$")] = "v1"
    throttle: Throttle = Throttle(rate=100, burst=200)
    usage_plans: list[UsagePlan] = Field(default_factory=list)
    # Every route requires an API key (x-api-key), which a usage plan's keys give out; false: the routes
    # take calls without one (the stage's throttle still applies).
    require_api_key: bool = True
    access_logs: bool = True
    # API Gateway's CloudWatch Logs role is ONE setting per account and region (aws_api_gateway_account):
    # opt in on exactly one platform per account and region, or set it outside mlinfra. Logging needs it.
    account_logging_role: bool = False
    log_retention_days: LogRetention = 365
    tracing: bool = True


SECTION = Section("api", Api)
