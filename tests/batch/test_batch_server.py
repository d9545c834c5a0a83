"""``mlinfra batch submit | status``: the real CLI in a subprocess against a moto server on 127.0.0.1.

moto executes Pass / Wait / Succeed / Fail states (with ``execute_state_machine``) but not ``.sync``
service integrations, so the machines here are stand-ins with the pipeline's state names: they exercise
start_execution, describe_execution, list_executions and get_execution_history through the wire.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import requests

from tests.conftest import copy_examples
from tests.support.aws import Cli, output, server_client

ROLE = "arn:aws:iam::123456789012:role/mlinfra-prod-batch"
SUCCEEDS = {
    "StartAt": "ValidateInput",
    "States": {
        "ValidateInput": {"Type": "Pass", "Next": "Transform"},
        "Transform": {"Type": "Pass", "Next": "NotifySuccess"},
        "NotifySuccess": {"Type": "Pass", "Next": "Succeeded"},
        "Succeeded": {"Type": "Succeed"},
    },
}
FAILS = {
    "StartAt": "ValidateInput",
    "States": {
        "ValidateInput": {"Type": "Pass", "Next": "NotifyFailure"},
        "NotifyFailure": {"Type": "Pass", "Next": "Failed"},
        "Failed": {"Type": "Fail", "Error": "BatchTransformFailed", "Cause": "the batch pipeline failed"},
    },
}


def _execute(moto_server: str, on: bool) -> None:
    requests.post(f"{moto_server}/moto-api/config", json={"stepfunctions": {"execute_state_machine": on}}, timeout=10).raise_for_status()


@pytest.fixture
def sfn(moto_server: str):
    _execute(moto_server, False)
    yield server_client(moto_server, "stepfunctions")
    _execute(moto_server, False)


@pytest.fixture
def cli(moto_server: str, tmp_path: Path) -> Cli:
    copy_examples(tmp_path)  # platform.yaml: project mlinfra, environment prod, us-east-1
    return Cli(moto_server, tmp_path)


def _machine(sfn, definition: dict, name: str = "mlinfra-prod-batch") -> str:
    return sfn.create_state_machine(name=name, definition=json.dumps(definition), roleArn=ROLE)["stateMachineArn"]


def test_submit_finds_the_machine_by_the_config_s_naming(cli, sfn) -> None:
    machine = _machine(sfn, SUCCEEDS)
    _machine(sfn, SUCCEEDS, name="mlinfra-prod-batch-old")  # a longer name that starts the same: not ours
    proc = cli("batch", "submit", "-c", "platform.yaml", "--input", "s3://acme-batch/in/", "--output", "s3://acme-batch/out/")
    assert proc.returncode == 0, output(proc)
    arn = re.fullmatch(r"started (\S+)\n", proc.stdout).group(1)
    assert arn.startswith("arn:aws:states:us-east-1:123456789012:execution:mlinfra-prod-batch:")
    assert re.fullmatch(r"\d{8}-\d{6}-[0-9a-f]{6}", arn.rsplit(":", 1)[1])
    (execution,) = sfn.list_executions(stateMachineArn=machine)["executions"]
    assert execution["executionArn"] == arn
    assert json.loads(sfn.describe_execution(executionArn=arn)["input"]) == {"inputS3Uri": "s3://acme-batch/in/", "outputS3Uri": "s3://acme-batch/out/"}


def test_submit_wait_follows_the_states_to_success(cli, sfn, moto_server) -> None:
    _execute(moto_server, True)
    machine = _machine(sfn, SUCCEEDS)
    proc = cli("batch", "submit", "--state-machine", machine, "--input", "s3://acme-batch/in/", "--output", "s3://acme-batch/out/", "--name", "run-ok", "--wait", "--poll", "0.2s")
    assert proc.returncode == 0, output(proc)
    lines = proc.stdout.splitlines()
    assert lines[0] == f"started {machine.replace(':stateMachine:', ':execution:')}:run-ok"
    assert [re.sub(r"^\[\d+m\d\ds\] ", "", x) for x in lines[1:-1]] == ["ValidateInput", "Transform", "NotifySuccess", "Succeeded", "SUCCEEDED"]
    assert lines[-1] == "run-ok: SUCCEEDED; results in s3://acme-batch/out/"


def test_submit_wait_exits_1_with_the_error(cli, sfn, moto_server) -> None:
    _execute(moto_server, True)
    machine = _machine(sfn, FAILS)
    proc = cli("batch", "submit", "--state-machine", machine, "--input", "s3://acme-batch/in/", "--output", "s3://acme-batch/out/", "--name", "run-bad", "--wait", "--poll", "0.2s")
    assert proc.returncode == 1, output(proc)
    assert "NotifyFailure" in proc.stdout and "FAILED" in proc.stdout
    assert "error: execution run-bad FAILED: BatchTransformFailed: the batch pipeline failed" in proc.stderr


# ValidateInput routes on the input: a "bad" prefix fails, any other waits in Transform (a long job).
ROUTED = {
    "StartAt": "ValidateInput",
    "States": {
        "ValidateInput": {"Type": "Choice", "Choices": [{"Variable": "$.inputS3Uri", "StringEquals": "s3://a-b/bad/", "Next": "NotifyFailure"}], "Default": "Transform"},
        "Transform": {"Type": "Wait", "Seconds": 3600, "Next": "NotifySuccess"},
        "NotifySuccess": {"Type": "Pass", "Next": "Succeeded"},
        "Succeeded": {"Type": "Succeed"},
        **{k: v for k, v in FAILS["States"].items() if k != "ValidateInput"},
    },
}


def test_status_of_one_run_and_of_the_latest(cli, sfn, moto_server) -> None:
    _execute(moto_server, True)
    machine = _machine(sfn, ROUTED)
    sfn.start_execution(stateMachineArn=machine, name="run-1", input=json.dumps({"inputS3Uri": "s3://a-b/bad/", "outputS3Uri": "s3://a-b/out/"}))
    running = sfn.start_execution(stateMachineArn=machine, name="run-2", input=json.dumps({"inputS3Uri": "s3://a-b/in/", "outputS3Uri": "s3://a-b/out/"}))["executionArn"]
    try:
        one = cli("batch", "status", "run-1", "--json", "-c", "platform.yaml")
        assert one.returncode == 0, output(one)
        report = json.loads(one.stdout)
        assert (report["name"], report["status"], report["error"], report["current_state"]) == ("run-1", "FAILED", "BatchTransformFailed", "Failed")
        assert [s["name"] for s in report["states"]] == ["ValidateInput", "NotifyFailure", "Failed"]
        assert (report["input_uri"], report["output_uri"], report["job_name"]) == ("s3://a-b/bad/", "s3://a-b/out/", "mlinfra-prod-batch-run-1")

        text = cli("batch", "status", "run-1", "-c", "platform.yaml")
        assert text.returncode == 0, output(text)
        assert text.stdout.startswith("run-1: FAILED\n  transform job: mlinfra-prod-batch-run-1\n"), output(text)
        assert "error: BatchTransformFailed: the batch pipeline failed" in text.stdout

        by_arn = cli("batch", "status", running)  # an ARN needs no config
        assert by_arn.returncode == 0, output(by_arn)
        assert by_arn.stdout.startswith("run-2: RUNNING in Transform\n"), output(by_arn)
        assert re.search(r"  Transform  \(running\)$", by_arn.stdout, re.M), output(by_arn)

        latest = cli("batch", "status", "--json", "-c", "platform.yaml")
        assert latest.returncode == 0, output(latest)
        assert {r["name"]: r["status"] for r in json.loads(latest.stdout)} == {"run-1": "FAILED", "run-2": "RUNNING"}
        listing = cli("batch", "status", "-c", "platform.yaml")
        assert re.search(r"^run-2  RUNNING ", listing.stdout, re.M) and re.search(r"^run-1  FAILED ", listing.stdout, re.M), output(listing)
    finally:
        sfn.stop_execution(executionArn=running)


def test_wait_times_out_and_leaves_the_run_going(cli, sfn, moto_server) -> None:
    _execute(moto_server, True)
    machine = _machine(sfn, ROUTED)
    proc = cli("batch", "submit", "--state-machine", machine, "--input", "s3://a-b/in/", "--output", "s3://a-b/out/", "--name", "run-long", "--wait", "--poll", "0.2s", "--timeout", "1s")
    arn = machine.replace(":stateMachine:", ":execution:") + ":run-long"
    try:
        assert proc.returncode == 1, output(proc)
        assert "still RUNNING in Transform after" in proc.stderr and "mlinfra batch status run-long" in proc.stderr, output(proc)
        assert sfn.describe_execution(executionArn=arn)["status"] == "RUNNING"
    finally:
        sfn.stop_execution(executionArn=arn)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["submit", "--input", "s3://acme-batch/in/", "--output", "s3://acme-batch/out/"], "no state machine 'mlinfra-prod-batch' in this region"),
        (["submit", "--input", "in/", "--output", "s3://acme-batch/out/"], "--input: 'in/' is not an S3 URI"),
        (["submit", "--input", "s3://acme-batch/in/", "--output", "s3://acme-batch/out/", "--state-machine", "batch"], "not a state machine ARN"),
        (["status", "nope"], "no state machine"),
        (["submit", "-c", "missing.yaml", "--input", "s3://acme-batch/in/", "--output", "s3://acme-batch/out/"], "missing.yaml: no such file"),
    ],
    ids=["no-machine", "bad-uri", "bad-arn", "status-no-machine", "no-config"],
)
def test_refusals(cli, sfn, args, message) -> None:
    proc = cli("batch", *args, "-c", "platform.yaml") if "-c" not in args else cli("batch", *args)
    assert proc.returncode != 0, output(proc)
    assert message in proc.stderr, output(proc)


def test_status_of_an_unknown_run_is_aws_s_message(cli, sfn) -> None:
    _machine(sfn, SUCCEEDS)
    proc = cli("batch", "status", "no-such-run", "-c", "platform.yaml")
    assert proc.returncode == 1, output(proc)
    assert "ExecutionDoesNotExist" in proc.stderr, output(proc)
