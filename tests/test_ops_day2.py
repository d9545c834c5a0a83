"""Day 2 on AWS: what `status`, `deploy`, `promote` and `rollback` do once an endpoint lives and others touch it."""

from __future__ import annotations

import datetime as dt

import boto3
import pytest
from typer.testing import CliRunner

from mlinfra.cli import app
from mlinfra.ops.aws import Clients

runner = CliRunner()
T0 = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def described(config: str = "ep-config", status: str = "InService", **extra) -> dict:
    return {
        "EndpointName": "ep",
        "EndpointArn": "arn:aws:sagemaker:us-east-1:123456789012:endpoint/ep",
        "EndpointConfigName": config,
        "EndpointStatus": status,
        "CreationTime": T0,
        "LastModifiedTime": T0,
        **extra,
    }


# --- 1. status: counts SageMaker did not report ------------------------------------------------------------


def test_status_says_unknown_for_instance_counts_sagemaker_left_out(aws, monkeypatch) -> None:
    """While a variant is created or updated (and for serverless variants) DescribeEndpoint leaves out
    CurrentInstanceCount/DesiredInstanceCount: the report reads "unknown", not "None/None"."""
    from botocore.stub import Stubber

    from mlinfra.cli import common

    sm = boto3.client("sagemaker", region_name="us-east-1")
    variants = [
        {"VariantName": "main", "CurrentWeight": 1.0, "DesiredWeight": 1.0},
        {"VariantName": "half", "CurrentWeight": 1.0, "DesiredWeight": 1.0, "CurrentInstanceCount": 2},
    ]
    clients = Clients(factory=lambda name: sm if name == "sagemaker" else aws.client(name))
    monkeypatch.setattr(common, "clients", lambda profile, region: clients)
    with Stubber(sm) as stub:
        stub.add_response("describe_endpoint", described(ProductionVariants=variants), {"EndpointName": "ep"})
        result = runner.invoke(app, ["status", "--endpoint", "ep"])
        stub.assert_no_pending_responses()
    assert result.exit_code == 0, result.output
    assert "main: 50 % (desired 50 %), instances unknown/unknown," in result.output
    assert "half: 50 % (desired 50 %), instances 2/unknown," in result.output
    assert "None" not in result.output


# --- 2 and 3. deploy on a live endpoint: silent rollbacks, out-of-band counts and weights -------------------

OLD, NEW = "ep-config-old", "ep-config-new"


def _variant(name: str, count: int, weight: float) -> dict:
    return {"variant_name": name, "initial_instance_count": count, "initial_variant_weight": weight}


def endpoint_plan(variants: list[dict]) -> dict:
    """`terraform show -json` of a deploy that moves endpoint ep from OLD to NEW (a new model version:
    model and configuration replaced, create_before_destroy)."""
    return {
        "resource_changes": [
            {"type": "aws_sagemaker_model", "change": {"actions": ["create", "delete"], "before": {"name": "ep-model"}, "after": {"name": "ep-model-new"}}},
            {
                "type": "aws_sagemaker_endpoint_configuration",
                "change": {"actions": ["create", "delete"], "before": {"name": OLD}, "after": {"name": NEW, "production_variants": variants}},
            },
            {
                "type": "aws_sagemaker_endpoint",
                "change": {"actions": ["update"], "before": {"name": "ep", "endpoint_config_name": OLD}, "after": {"name": "ep", "endpoint_config_name": NEW}},
            },
        ]
    }


class FakeTerraform:
    """The subprocess runner of ops.terraform, playing terraform with the aws provider against moto: apply
    creates the new model and configuration, "updates" the endpoint (``takes``: SageMaker took the new
    configuration; else it rolled back and the endpoint stays on OLD), then deletes the old ones."""

    def __init__(self, sm, plan: dict, takes: bool):
        self.sm, self.plan, self.takes = sm, plan, takes
        self.calls: list[str] = []

    def __call__(self, argv, cwd, capture):
        import json

        self.calls.append(argv[1])
        if argv[1] == "show":
            return 0, json.dumps(self.plan)
        if argv[1] == "output":
            return 0, "{}"
        if argv[1] == "apply":
            self.apply()
        return 0, ""

    def apply(self) -> None:
        sm = self.sm
        sm.create_model(ModelName="ep-model-new", ExecutionRoleArn="arn:aws:iam::123456789012:role/sagemaker-execution", PrimaryContainer={"Image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/model:2"})
        variants = self.plan["resource_changes"][1]["change"]["after"]["production_variants"]
        sm.create_endpoint_config(
            EndpointConfigName=NEW,
            ProductionVariants=[
                {"VariantName": v["variant_name"], "ModelName": "ep-model-new", "InitialInstanceCount": v["initial_instance_count"], "InstanceType": "ml.m5.large", "InitialVariantWeight": v["initial_variant_weight"]}
                for v in variants
            ],
        )
        if self.takes:  # moto has no UpdateEndpoint: the endpoint comes back on NEW, as SageMaker brings it up
            sm.delete_endpoint(EndpointName="ep")
            sm.create_endpoint(EndpointName="ep", EndpointConfigName=NEW)
        sm.delete_endpoint_config(EndpointConfigName=OLD)  # create_before_destroy: the provider said success
        sm.delete_model(ModelName="ep-model")


class RolledBackEndpoint:
    """moto's SageMaker, but DescribeEndpoint says what SageMaker says after an automatic rollback."""

    def __init__(self, sm):
        self._sm = sm

    def __getattr__(self, name):
        return getattr(self._sm, name)

    def describe_endpoint(self, **kwargs):
        d = self._sm.describe_endpoint(**kwargs)
        if d["EndpointConfigName"] == OLD:
            d["FailureReason"] = "Alarm ep-canary-5xx-rate fired during the deployment; traffic rolled back"
        return d


@pytest.fixture
def deploy(aws, tmp_path, monkeypatch):
    """`mlinfra deploy --auto-approve` of the seed config, its terraform played by a FakeTerraform."""
    import sys

    from mlinfra.cli import common
    from tests.conftest import copy_examples
    from tests.support.aws import make_endpoint

    config = copy_examples(tmp_path)
    make_endpoint(aws.sm, "ep", {"production": 80, "canary": 20}, config_name=OLD, instances={"production": 2, "canary": 1})

    def run(plan: dict, takes: bool, sagemaker=None):
        fake = FakeTerraform(aws.sm, plan, takes)
        sm = sagemaker or aws.sm
        monkeypatch.setattr(common, "terraform_runner", lambda: fake)
        monkeypatch.setattr(common, "clients", lambda profile, region: Clients(factory=lambda n: sm if n == "sagemaker" else aws.client(n)))
        result = runner.invoke(app, ["deploy", str(config), "-o", str(tmp_path / "out"), "--auto-approve", "--terraform", sys.executable])
        return result, fake

    return run


def test_deploy_catches_a_silent_rollback_and_keeps_the_live_configuration(aws, deploy) -> None:
    plan = endpoint_plan([_variant("production", 2, 80), _variant("canary", 1, 20)])
    result, fake = deploy(plan, takes=False, sagemaker=RolledBackEndpoint(aws.sm))
    assert "apply" in fake.calls
    assert result.exit_code == 4, result.output
    out = " ".join(result.output.split())
    assert f"SageMaker did not take endpoint configuration {NEW}" in out and f"InService on {OLD}" in out
    assert "Alarm ep-canary-5xx-rate fired during the deployment" in out  # the FailureReason
    assert "mlinfra deploy" in out and "Traceback" not in result.output
    # What the endpoint runs on is there again, with its model, as it was.
    restored = aws.sm.describe_endpoint_config(EndpointConfigName=OLD)
    assert {v["VariantName"]: (v["ModelName"], v["InitialInstanceCount"]) for v in restored["ProductionVariants"]} == {"production": ("ep-model", 2), "canary": ("ep-model", 1)}
    assert aws.sm.describe_model(ModelName="ep-model")["PrimaryContainer"]["Image"].endswith("model:1")
    assert f"re-created it: model ep-model, endpoint configuration {OLD}" in out


def test_deploy_that_sagemaker_took_passes(aws, deploy) -> None:
    result, _ = deploy(endpoint_plan([_variant("production", 2, 80), _variant("canary", 1, 20)]), takes=True)
    assert result.exit_code == 0, result.output
    assert "applied" in result.output and "kept the live" not in result.output


def test_deploy_keeps_out_of_band_counts_and_weights(aws, deploy) -> None:
    """Auto-scaling took production to 5 instances and someone moved traffic to 70/30 outside the config; a new
    model version brings a new fleet up at the configuration's values: deploy sets the live ones back. The
    canary's count the config itself changed (1 -> 3) is the user's and stays."""
    aws.sm.update_endpoint_weights_and_capacities(
        EndpointName="ep",
        DesiredWeightsAndCapacities=[
            {"VariantName": "production", "DesiredInstanceCount": 5, "DesiredWeight": 70},
            {"VariantName": "canary", "DesiredInstanceCount": 1, "DesiredWeight": 30},
        ],
    )
    result, _ = deploy(endpoint_plan([_variant("production", 2, 80), _variant("canary", 3, 20)]), takes=True)
    assert result.exit_code == 0, result.output
    live = {v["VariantName"]: (v["CurrentInstanceCount"], v["CurrentWeight"]) for v in aws.sm.describe_endpoint(EndpointName="ep")["ProductionVariants"]}
    assert aws.sm.describe_endpoint(EndpointName="ep")["EndpointConfigName"] == NEW
    assert live == {"production": (5, 70), "canary": (3, 30)}
    assert "ep: kept the live production 5 instances, canary weight 30, production weight 70 (changed outside terraform)" in result.output


# --- 4. interruption: promote stopped by SIGINT or SIGTERM mid-bake -----------------------------------------


@pytest.mark.parametrize("signum", [2, 15], ids=["SIGINT", "SIGTERM"])
def test_interrupted_promote_says_what_it_left_live(moto_server, tmp_path, signum) -> None:
    """`promote --steps 10,25,50 --bake 6s`, signalled during step 2's bake: it exits 128+signal and says
    what is live, that the config says the same, and the commands that resume or roll back."""
    import os
    import signal
    import subprocess
    import sys
    import time

    from mlinfra.pipeline import load_config
    from mlinfra.plan.platform import build_plan
    from tests.conftest import copy_examples
    from tests.support.aws import Cli, deployed, make_alarm, make_endpoint, server_client, weights

    config = copy_examples(tmp_path)
    ep = build_plan(load_config(config), config.parent).endpoints[0]
    sm, cw = server_client(moto_server, "sagemaker"), server_client(moto_server, "cloudwatch")
    make_endpoint(sm, ep.name, {"production": 80, "canary": 20}, config_name=deployed(ep.config_name), instances={"production": 2, "canary": 2})
    for alarm in ep.alarms:
        make_alarm(cw, alarm.name, ep.name, alarm.variant)
    cli = Cli(moto_server, tmp_path)
    proc = subprocess.Popen(
        [sys.executable, "-m", "mlinfra", "promote", str(config), "--steps", "10,25,50", "--bake", "6s", "--poll", "1s"],
        cwd=tmp_path,
        env={**cli.env, "PYTHONUNBUFFERED": "1"},
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    seen = []
    deadline = time.monotonic() + 60
    assert proc.stdout is not None
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        seen.append(line)
        if line.startswith("step 2/3") or not line:
            break
    assert seen[-1].startswith("step 2/3"), "".join(seen)
    time.sleep(0.5)  # in the bake
    os.kill(proc.pid, signum)
    out, err = proc.communicate(timeout=60)
    text = "".join(seen) + out + err
    assert proc.returncode == 128 + signum, text
    assert "Traceback" not in text
    name = signal.Signals(signum).name
    assert f"promote interrupted ({name}) after step 2/3; live: production 75 %, canary 25 % (InService)" in text
    assert "; instances production " in text  # (moto drops the counts on a weight-only update: "unknown")
    assert f"{config}: weights now say production 75 %, canary 25 % (as live)" in text
    assert f"resume: `mlinfra promote {config} --endpoint inference --variant canary --steps 50 --bake 6s`" in text
    assert f"or roll back: `mlinfra rollback {config} --endpoint inference --variant canary`" in text
    assert "step 3/3" not in text
    assert weights(sm, ep.name) == {"production": 75, "canary": 25}
    live = {v.name: v.weight for v in load_config(config).endpoints[0].variants}
    assert live == {"production": 75, "canary": 25}


def test_interrupted_deploy_says_where_terraform_stopped(tmp_path) -> None:
    """Ctrl-C during terraform apply: terraform was asked to stop gracefully (its own session, one SIGINT
    passed on); deploy exits 130 and says what to run next."""
    from mlinfra.ops.guarded import Interrupted
    from mlinfra.ops.terraform import Terraform, run_workflow

    def runner(argv, cwd, capture):
        if argv[1] == "show":
            return 0, '{"resource_changes": [{"type": "null_resource", "change": {"actions": ["create"]}}]}'
        if argv[1] == "apply":
            raise KeyboardInterrupt
        return 0, ""

    with pytest.raises(Interrupted) as caught:
        run_workflow(Terraform("terraform", tmp_path, runner), auto_approve=True)
    assert caught.value.exit_code == 130
    assert "deploy interrupted (SIGINT) during terraform apply" in str(caught.value)
    assert "`mlinfra deploy`" in str(caught.value)


def test_terraform_gets_one_sigint_and_is_waited_for(tmp_path) -> None:
    """The real runner: an interrupt reaching mlinfra is passed on to the child as one SIGINT, and mlinfra
    waits for it to stop (here a child that traps SIGINT, writes a file and exits) instead of killing it."""
    import signal
    import sys
    import threading

    from mlinfra.ops.terraform import stream_runner

    done = tmp_path / "stopped"
    child = f"import signal, sys, time, pathlib\ndef stop(*_):\n    time.sleep(0.3); pathlib.Path({str(done)!r}).write_text('ok'); sys.exit(0)\nsignal.signal(signal.SIGINT, stop)\npathlib.Path({str(tmp_path / 'up')!r}).write_text('up')\ntime.sleep(30)\n"

    def interrupt() -> None:
        import os
        import time

        while not (tmp_path / "up").exists():
            time.sleep(0.05)
        os.kill(os.getpid(), signal.SIGINT)

    timer = threading.Thread(target=interrupt)
    timer.start()
    with pytest.raises(KeyboardInterrupt):
        stream_runner([sys.executable, "-c", child], tmp_path, capture=False)
    timer.join()
    assert done.read_text() == "ok"


# --- 5. concurrency: two shifts against one endpoint ---------------------------------------------------------


def test_a_shift_stops_when_another_moved_the_weights_during_its_bake(aws, tmp_path, monkeypatch) -> None:
    """promote --steps 10,25,50 --bake 60s; during step 1's bake a second shift (a rollback) sends the canary
    to 0 %. Before step 2 the first sees weights it did not set: it stops (exit 5), changes nothing more,
    and its config says what is live."""
    from mlinfra.cli import common
    from mlinfra.ops.endpoint import rollback
    from mlinfra.pipeline import load_config
    from mlinfra.plan.platform import build_plan
    from tests.conftest import copy_examples
    from tests.support.aws import FakeClock, deployed, make_alarm, make_endpoint, weights

    config = copy_examples(tmp_path)
    ep = build_plan(load_config(config), config.parent).endpoints[0]
    make_endpoint(aws.sm, ep.name, {"production": 80, "canary": 20}, config_name=deployed(ep.config_name), instances={"production": 2, "canary": 2})
    for alarm in ep.alarms:
        make_alarm(aws.cw, alarm.name, ep.name, alarm.variant)
    clock = FakeClock()
    other: list = []
    clock.at(30, lambda: other.append(rollback(aws.clients, FakeClock(), ep.name, "canary")))
    monkeypatch.setattr(common, "clock", lambda: clock)
    result = runner.invoke(app, ["promote", str(config), "--steps", "10,25,50", "--bake", "60s", "--poll", "30s"])
    assert other and other[0].changed  # the second shift ran, during the first's bake
    assert result.exit_code == 5, result.output
    out = " ".join(result.output.split())
    assert "step 1/3: production 90 %, canary 10 %" in out and "step 2/3" not in out
    assert f"{ep.name}: the live weights moved while this shift baked: it set production 90 %, canary 10 %, the endpoint now has production 100 %, canary 0 %" in out
    assert weights(aws.sm, ep.name) == {"production": 100, "canary": 0}  # the other shift's, untouched
    assert {v.name: v.weight for v in load_config(config).endpoints[0].variants} == {"production": 100, "canary": 0}
    assert f"{config}: weights now say production 100 %, canary 0 % (as live)" in out


def test_a_shift_left_alone_completes(aws) -> None:
    from mlinfra.ops.endpoint import Guard, promote
    from tests.support.aws import FakeClock, make_endpoint, weights

    make_endpoint(aws.sm, "ep", {"production": 80, "canary": 20})
    result = promote(aws.clients, FakeClock(), "ep", "canary", [10, 25, 50], Guard(None), bake_seconds=60, poll_seconds=30)
    assert result.changed and weights(aws.sm, "ep") == {"production": 50, "canary": 50}
