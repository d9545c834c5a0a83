"""deploy's check of the account before terraform runs (#21, first apply in a fresh account): API Gateway's
CloudWatch Logs role is one setting per account and region; a stage that logs fails half-way through the
apply without it, so a config that logs and leaves the setting to someone else is refused before anything
is rendered or applied when the account has none. Against moto (in process and a moto server)."""

from __future__ import annotations

from pathlib import Path

import pytest

from mlinfra.ops.aws import Clients
from mlinfra.ops.preflight import AccountNotReady, require_api_logging_role
from mlinfra.pipeline import load_config
from tests.conftest import ROOT, copy_examples
from tests.support.aws import REGION, Cli, output, server_client

PRIVATE = ROOT / "examples" / "private-network.yaml"  # logs, leaves the account's role to someone else
PLATFORM = ROOT / "examples" / "platform.yaml"  # sets the role itself (api.account_logging_role: true)
ROLE = "arn:aws:iam::123456789012:role/apigateway-cloudwatch"


def _config(tmp_path: Path, source: Path = PRIVATE, replace: tuple[str, str] | None = None) -> Path:
    """A copy of an example among copies of the files it names (schemas, vocabularies), edited."""
    copy = copy_examples(tmp_path / "examples").parent / source.name
    if replace:
        text = copy.read_text()
        assert replace[0] in text
        copy.write_text(text.replace(*replace, 1))
    return copy


def test_a_fresh_account_is_refused_with_the_fix(aws, tmp_path: Path) -> None:
    config = _config(tmp_path)
    with pytest.raises(AccountNotReady) as refused:
        require_api_logging_role(load_config(config), aws.clients, config, REGION)
    message = str(refused.value)
    assert str(config) in message and "api.access_logs" in message and REGION in message
    assert "api.account_logging_role: true" in message and "update-account" in message and "Nothing was applied" in message


def test_an_account_whose_role_is_set_passes(aws, tmp_path: Path) -> None:
    config = _config(tmp_path)
    aws.client("apigateway").update_account(patchOperations=[{"op": "replace", "path": "/cloudwatchRoleArn", "value": ROLE}])
    require_api_logging_role(load_config(config), aws.clients, config, REGION)  # no error


@pytest.mark.parametrize(
    ("source", "replace"),
    [
        (PLATFORM, None),  # the platform manages the setting itself
        (PRIVATE, ("\napi:\n", "\napi:\n  access_logs: false\n")),  # nothing logs
    ],
    ids=["manages-the-role", "no-access-logs"],
)
def test_no_aws_call_when_the_config_does_not_depend_on_the_account(tmp_path: Path, source: Path, replace) -> None:
    config = _config(tmp_path, source, replace)

    def no_call(service: str):
        raise AssertionError(f"no {service} call expected")

    require_api_logging_role(load_config(config), Clients(factory=no_call), config, REGION)


def test_deploy_refuses_before_writing_anything(moto_server: str, tmp_path: Path) -> None:
    config = _config(tmp_path)
    out = tmp_path / "out"
    cli = Cli(moto_server, tmp_path)
    refused = cli("deploy", str(config), "-o", str(out), "--auto-approve", "--terraform", "/nonexistent/terraform")
    assert refused.returncode == 1, output(refused)
    assert "no CloudWatch Logs role" in refused.stderr + refused.stdout, output(refused)
    assert not out.exists()  # refused before the render was written (and before terraform was looked for)

    # Once the account has the role, the same deploy gets past the check (to the missing terraform binary).
    region = load_config(config).project.region  # the account setting is per region: deploy asks the config's
    server_client(moto_server, "apigateway", region).update_account(patchOperations=[{"op": "replace", "path": "/cloudwatchRoleArn", "value": ROLE}])
    past = cli("deploy", str(config), "-o", str(out), "--auto-approve", "--terraform", "/nonexistent/terraform")
    assert "no CloudWatch Logs role" not in past.stderr + past.stdout, output(past)
    assert "terraform" in past.stderr + past.stdout, output(past)
