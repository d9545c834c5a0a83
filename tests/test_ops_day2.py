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
