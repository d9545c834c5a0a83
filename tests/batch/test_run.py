"""submit / wait / describe / recent in-process against moto, with a clock that only moves when slept on."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from mlinfra.batch import run as batch
from mlinfra.errors import UsageError
from mlinfra.ops.aws import AwsError, Clients
from tests.support.aws import FakeClock

REGION = "us-east-1"
ROLE = "arn:aws:iam::123456789012:role/mlinfra-prod-batch"


@pytest.fixture
def sfn(aws):
    return aws.client("stepfunctions", REGION)


@pytest.fixture
def machine(sfn) -> str:
    definition = {"StartAt": "ValidateInput", "States": {"ValidateInput": {"Type": "Pass", "End": True}}}
    return sfn.create_state_machine(name="mlinfra-prod-batch", definition=json.dumps(definition), roleArn=ROLE)["stateMachineArn"]


def _clients(sfn) -> Clients:
    return Clients(factory=lambda name: {"stepfunctions": sfn}[name])


def test_execution_names_fit_the_job_name() -> None:
    name = batch.new_execution_name(datetime(2026, 12, 1, 22, 0, 5, tzinfo=UTC), "1a2b3c")
    assert name == "20261201-220005-1a2b3c"
    assert batch.EXECUTION_NAME.match(name)
    # the longest prefix the config allows: 20-character project, 10-character environment
    assert len(f"{batch.state_machine_name('p' * 20, 'e' * 10)}-{name}") <= 63
    assert len(batch.new_execution_name(datetime.now(UTC))) == len(name)


def test_submit_starts_one_execution_with_the_uris(sfn, machine) -> None:
    clients = _clients(sfn)
    assert batch.find_state_machine(clients, "mlinfra-prod-batch") == machine
    arn = batch.submit(clients, machine, "s3://acme-batch/in/", "s3://acme-batch/out/", "20261201-220005-1a2b3c")
    d = sfn.describe_execution(executionArn=arn)
    assert d["name"] == "20261201-220005-1a2b3c"
    assert json.loads(d["input"]) == {"inputS3Uri": "s3://acme-batch/in/", "outputS3Uri": "s3://acme-batch/out/"}
    run = batch.describe(clients, batch.execution_arn(machine, "20261201-220005-1a2b3c"))
    assert (run.status, run.input_uri, run.output_uri) == ("RUNNING", "s3://acme-batch/in/", "s3://acme-batch/out/")
    assert run.job_name == "mlinfra-prod-batch-20261201-220005-1a2b3c"
    assert [r["name"] for r in batch.recent(clients, machine)] == ["20261201-220005-1a2b3c"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("https://x/in/", "s3://acme-batch/out/", "n1"), "--input"),
        (("s3://acme-batch/in/", "s3:/out", "n1"), "--output"),
        (("s3://acme-batch/in/", "s3://acme-batch/out/", "has space"), "--name"),
        (("s3://acme-batch/in/", "s3://acme-batch/out/", "x" * 45), "at most 44"),
    ],
)
def test_submit_refusals_start_nothing(sfn, machine, args, message) -> None:
    with pytest.raises(UsageError, match=message):
        batch.submit(_clients(sfn), machine, *args)
    assert sfn.list_executions(stateMachineArn=machine)["executions"] == []


def test_a_missing_state_machine_is_named(sfn) -> None:
    with pytest.raises(batch.BatchError, match="no state machine 'mlinfra-prod-batch' in this region"):
        batch.find_state_machine(_clients(sfn), "mlinfra-prod-batch")


def test_a_reused_name_is_aws_s_own_error(sfn, machine) -> None:
    """StartExecution is idempotent for the same name and input; another input under that name is refused."""
    clients = _clients(sfn)
    first = batch.submit(clients, machine, "s3://acme-batch/in/", "s3://acme-batch/out/", "run-1")
    assert batch.submit(clients, machine, "s3://acme-batch/in/", "s3://acme-batch/out/", "run-1") == first
    with pytest.raises(AwsError, match="ExecutionAlreadyExists"):
        batch.submit(clients, machine, "s3://acme-batch/in/", "s3://acme-batch/elsewhere/", "run-1")


def test_wait_polls_on_the_clock_and_reports_the_end(sfn, machine) -> None:
    clients = _clients(sfn)
    arn = batch.submit(clients, machine, "s3://acme-batch/in/", "s3://acme-batch/out/", "run-1")
    clock = FakeClock()
    # moto does not run the machine by default: the run stays RUNNING until it is stopped, at t = 95 s.
    clock.at(95, lambda: sfn.stop_execution(executionArn=arn, error="Operator", cause="stopped by hand"))
    lines: list[str] = []
    with pytest.raises(batch.BatchRunFailed) as info:
        batch.wait(clients, clock, arn, poll_seconds=30, heartbeat_seconds=60, report=lines.append)
    assert clock.slept == [30, 30, 30, 30]  # 0, 30, 60, 90 running; 120 sees ABORTED
    assert info.value.run.status == "ABORTED"
    assert "execution run-1 ABORTED" in str(info.value)
    assert lines[-1] == "[2m00s] ABORTED"
    assert "[1m00s] still in A State" in lines  # moto's canned history names its one state "A State"


def test_wait_gives_up_after_the_timeout(sfn, machine) -> None:
    clients = _clients(sfn)
    arn = batch.submit(clients, machine, "s3://acme-batch/in/", "s3://acme-batch/out/", "run-2")
    clock = FakeClock()
    with pytest.raises(batch.BatchError, match=r"still RUNNING .* after 1m00s; follow it with: mlinfra batch status run-2"):
        batch.wait(clients, clock, arn, poll_seconds=20, timeout_seconds=60, report=lambda line: None)
    assert clock.slept == [20, 20, 20]
    assert sfn.describe_execution(executionArn=arn)["status"] == "RUNNING"


def test_execution_arn_from_a_name() -> None:
    sm = "arn:aws-cn:states:cn-north-1:123456789012:stateMachine:mlinfra-prod-batch"
    assert batch.execution_arn(sm, "run-1") == "arn:aws-cn:states:cn-north-1:123456789012:execution:mlinfra-prod-batch:run-1"
    assert batch.execution_arn(sm, "arn:x") == "arn:x"


def test_pipeline_from_the_config_or_the_arn(tmp_path) -> None:
    from tests.conftest import copy_examples

    config = copy_examples(tmp_path)
    assert batch.pipeline(config, None) == batch.Pipeline("mlinfra-prod-batch", None, "us-east-1")
    arn = "arn:aws:states:eu-west-1:123456789012:stateMachine:other"
    assert batch.pipeline(None, arn) == batch.Pipeline("other", arn, "eu-west-1")
    with pytest.raises(UsageError, match="not a state machine ARN"):
        batch.pipeline(None, "mlinfra-prod-batch")
