"""What AWS refuses only half-way through a first apply, checked against the account before terraform runs.

API Gateway writes a stage's access and execution logs through ONE CloudWatch Logs role per account and
region (the account setting ``cloudwatchRoleArn``, Terraform's ``aws_api_gateway_account``). A fresh account
has none, and creating a stage that logs then fails with "CloudWatch Logs role ARN must be set in account
settings to enable logging" — after the API, its Lambdas and everything before it were created. The config
cannot know the account: ``api.account_logging_role: false`` (the default) means "someone else sets it".
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from ..components.api.section import SECTION as API
from ..errors import MlinfraError
from .aws import aws_errors

if TYPE_CHECKING:
    from ..config.shapes import PlatformConfig
    from .aws import Clients


class AccountNotReady(MlinfraError):
    """The account lacks a setting the platform needs and does not manage itself; nothing was applied."""


def require_api_logging_role(config: PlatformConfig, clients: Clients, config_file: Path, region: str) -> None:
    """Raise :class:`AccountNotReady` when the API logs, the config leaves the account's logging role to
    someone else, and the account (in ``region``) has none. One GetAccount call, only in that case."""
    api = API.of(config)
    if api is None or not api.access_logs or api.account_logging_role:
        return
    with aws_errors():
        account = clients.apigateway.get_account()
    if account.get("cloudwatchRoleArn"):
        return
    raise AccountNotReady(
        f"{config_file}: api.access_logs is on, but API Gateway in this account has no CloudWatch Logs role in "
        f"{region} (its account setting cloudwatchRoleArn is empty), so creating the stage would fail half-way "
        'through the apply ("CloudWatch Logs role ARN must be set in account settings to enable logging"). '
        "Nothing was applied. Fix one of: set api.account_logging_role: true in this config (on exactly one "
        "platform per account and region: the setting is shared); or set the role once for the account "
        f"(aws apigateway update-account --region {region} --patch-operations "
        "op=replace,path=/cloudwatchRoleArn,value=ROLE_ARN, a role API Gateway can assume with "
        "AmazonAPIGatewayPushToCloudWatchLogs); or set api.access_logs: false"
    )
