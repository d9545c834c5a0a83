"""boto3 clients, built lazily with the standard AWS configuration, and AWS errors made typed.

The standard chain applies: AWS_PROFILE / ``--profile``, AWS_REGION / AWS_DEFAULT_REGION / ``--region``,
AWS_ENDPOINT_URL (botocore reads it itself), and the standard retry mode (exponential back-off with
jitter, which also retries throttling). boto3 is imported on first use only: ``--help``, ``validate`` and
``render`` never pay for it.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator
from typing import Any

from ..errors import MlinfraError
from ..records import record


class AwsError(MlinfraError):
    """An AWS call failed (credentials, region, permissions, a missing endpoint, ...)."""


@record
class AwsOptions:
    profile: str | None = None
    region: str | None = None


ClientFactory = Callable[[str], Any]


def _service(name: str) -> Any:
    """A client attribute, made on first access, once per :class:`Clients` even when deploy's stacks (threads)
    ask at the same time: ``functools.cached_property`` holds no lock from Python 3.12 on."""

    def get(self: Clients) -> Any:
        with self._lock:
            if name not in self._made:
                self._made[name] = self._client(name)
            return self._made[name]

    return property(get)


class Clients:
    """The boto3 clients mlinfra uses, each created on first access.

    Tests pass ``factory`` (e.g. ``lambda name: boto3.client(name, region_name=...)`` under moto);
    production code gets one boto3 session for all of them.
    """

    def __init__(self, options: AwsOptions = AwsOptions(), factory: ClientFactory | None = None):
        self._options = options
        self._factory = factory
        self._made: dict[str, Any] = {}
        self._lock = threading.Lock()

    def _client(self, name: str) -> Any:
        if self._factory is not None:
            return self._factory(name)
        import boto3
        from botocore.config import Config

        with aws_errors():
            session = boto3.session.Session(profile_name=self._options.profile, region_name=self._options.region)
            return session.client(name, config=Config(retries={"mode": "standard", "max_attempts": 5}))

    sagemaker = _service("sagemaker")
    runtime = _service("sagemaker-runtime")
    cloudwatch = _service("cloudwatch")
    stepfunctions = _service("stepfunctions")
    s3 = _service("s3")
    apigateway = _service("apigateway")
    sts = _service("sts")


@contextlib.contextmanager
def aws_errors() -> Iterator[None]:
    """Turn botocore's exceptions into :class:`AwsError` with AWS's own message."""
    try:
        yield
    except MlinfraError:
        raise
    except Exception as exc:
        module = type(exc).__module__
        if not (module.startswith(("botocore", "boto3"))):
            raise
        response = getattr(exc, "response", None)
        if isinstance(response, dict) and "Error" in response:
            err = response["Error"]
            raise AwsError(f"{err.get('Code', 'Error')}: {err.get('Message', '')}".strip()) from None
        raise AwsError(f"{str(exc).rstrip('.')}{_NEXT_STEP.get(type(exc).__name__, '')}") from None


#: What to do about the errors botocore raises before any request is sent (by class name: checking them
#: needs no botocore import).
_CREDENTIALS = (
    ": give the command --profile NAME (a profile of ~/.aws/config), run `aws sso login --profile NAME` for an"
    " SSO profile, or set AWS_PROFILE or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"
)
_NEXT_STEP = {
    "NoCredentialsError": _CREDENTIALS,
    "PartialCredentialsError": _CREDENTIALS,
    "NoRegionError": ": give the command --region (e.g. --region us-east-1), or a config whose project.region"
    " names it, or set AWS_REGION",
    "UnauthorizedSSOTokenError": ": the SSO session has expired: run `aws sso login --profile NAME`",
    "TokenRetrievalError": ": the SSO token could not be refreshed: run `aws sso login --profile NAME`",
    "SSOTokenLoadError": ": no SSO session yet: run `aws sso login --profile NAME`",
}
