"""The whole lifecycle offline (#21 §4): deploy → status → promote --canary 20 → rollback → a new model
version → deploy --plan-only (its plan in the README's Day 2 words) → deploy → status → destroy, through the
real CLI, on what Terraform itself created.

The real terraform applies the rendered tree on the stand-in provider with ``STANDIN_MOTO`` set, so the
stand-in also creates the SageMaker models, endpoint configurations and endpoint, the CloudWatch alarms and
the Application Auto Scaling target and policy in a moto server (tests/support/standin/moto_backing.py);
the operations (`status`, `promote`, `rollback`, and `deploy`'s checks around the apply) reach the same
server through AWS_ENDPOINT_URL, as a user's CLI reaches AWS. Nothing is made by hand but one thing AWS
would do on its own: Application Auto Scaling scaling the production variant out between the two deploys.

Names are read from Terraform's state (what the templates produced), never written here.

What moto lacks, the stand-in keeps itself (moto_backing's docstring says how):

* UpdateEndpoint: the endpoint is deleted and created again on the new configuration (its variants come up
  at the configuration's initial counts and weights, as on SageMaker without RetainAllVariantProperties);
* CreateEndpoint's DeploymentConfig (blue/green policy, rollback alarms): in Terraform's state only;
* a variant created at weight 0 reports no CurrentWeight in moto: the stand-in sets it explicitly;
* tag changes in place on SageMaker objects; the alarms of target-tracking policies; alarm actions.

Run alone: ``.venv/bin/python -m pytest -m terraform tests/test_lifecycle.py``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

import mlinfra.pipeline
from mlinfra.cli import app
from mlinfra.render import Rendered
from tests.support.aws import fake_credentials, server_client
from tests.support.configs import edit, edited
from tests.support.day2_catalogue import BLUE_GREEN, NEW_NAMES, UPDATED, effects
from tests.support.standin.moto_backing import MOTO_ENV
from tests.support.terraform_cycle import relax, run, terraform_binary

pytestmark = pytest.mark.terraform

runner = CliRunner()

# The smallest real-time example with a canary variant (model-sources: two variants, 90/10), without its
# inference-components endpoint, with the alarms that gate `promote` and auto-scaling on production.
EDITS = (
    lambda text: text[: text.index("\n  # The same two forms as inference components")] + "\n",
    ("        instance_count: 1\n        weight: 90\n",
     "        instance_count: 2\n        weight: 90\n        autoscaling: {min: 2, max: 6, target_invocations: 500}\n"),
    ("        instance_count: 1\n        weight: 10\n",
     "        instance_count: 1\n        weight: 10\n    alarms:\n      latency_p99_ms: 250\n      error_rate_percent: 5\n"),
)
# A new model version for the canary: a new image, a new SageMaker model, a new endpoint configuration.
NEW_VERSION = (
    ("    status: canary\n", "    status: deprecated\n"),
    ("      HF_TASK: text-classification\n\nendpoints:",
     "      HF_TASK: text-classification\n  - version: 1.2.0\n    status: canary\n"
     "    image: 123456789012.dkr.ecr.us-east-1.amazonaws.com/sentiment:1.2.0\n"
     "    environment:\n      HF_TASK: text-classification\n\nendpoints:"),
    ("        model: 1.1.0\n", "        model: 1.2.0\n"),
)


@pytest.fixture
def relaxed_render(monkeypatch):
    """The real render with the test-only adjustments Terraform 1.0.3 needs (tests/support/terraform_cycle.py)."""
    real = mlinfra.pipeline.render_project

    def render(config, base_dir=Path(".")):
        r = real(config, base_dir)
        return Rendered(files=relax(r.files), modules=r.modules, resources=r.resources, endpoints=r.endpoints)

    monkeypatch.setattr(mlinfra.pipeline, "render_project", render)


def _state(out: Path) -> dict[str, list[dict]]:
    """{resource type: [attributes of each instance]} of the Terraform state in ``out``."""
    by_type: dict[str, list[dict]] = {}
    for r in json.loads((out / "terraform.tfstate").read_text())["resources"]:
        if r["mode"] == "managed":
            by_type.setdefault(r["type"], []).extend(i["attributes"] for i in r["instances"])
    return by_type


def _live(sm, endpoint: str) -> dict[str, tuple]:
    d = sm.describe_endpoint(EndpointName=endpoint)
    return {v["VariantName"]: (v.get("CurrentInstanceCount"), v.get("CurrentWeight")) for v in d["ProductionVariants"]}


def _config_weights(config: Path) -> dict[str, float]:
    from mlinfra.pipeline import load_config

    return {v.name: float(v.weight) for v in load_config(config).endpoints[0].variants}


def test_the_whole_lifecycle_offline(moto_server, standin_env, relaxed_render, tmp_path: Path, monkeypatch) -> None:
    fake_credentials(monkeypatch)
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_server)  # the CLI's boto3 clients reach the moto server
    config = edited("model-sources", tmp_path / "config", *EDITS)
    out = tmp_path / "out"
    env = {**standin_env, MOTO_ENV: moto_server}  # terraform's provider reaches the same server

    def cli(*args: str):
        result = runner.invoke(app, list(args), env=env)
        assert "Traceback" not in result.output, result.output
        return result

    def deploy():
        return cli("deploy", str(config), "-o", str(out), "--auto-approve", "--terraform", terraform_binary())

    sm, cw = server_client(moto_server, "sagemaker"), server_client(moto_server, "cloudwatch")
    aas = server_client(moto_server, "application-autoscaling")

    # 1. deploy: what Terraform created is what moto holds.
    first = deploy()
    assert first.exit_code == 0, first.output
    assert "applied" in first.output
    state = _state(out)
    [endpoint] = state["aws_sagemaker_endpoint"]
    name, config_name = endpoint["name"], endpoint["endpoint_config_name"]
    described = sm.describe_endpoint(EndpointName=name)
    assert (described["EndpointStatus"], described["EndpointConfigName"]) == ("InService", config_name)
    assert _live(sm, name) == {"production": (2, 90), "canary": (1, 10)}
    models = {m["name"] for m in state["aws_sagemaker_model"]}
    held = sm.describe_endpoint_config(EndpointConfigName=config_name)["ProductionVariants"]
    assert {v["ModelName"] for v in held} == models
    alarms = sorted(a["alarm_name"] for a in state["aws_cloudwatch_metric_alarm"])
    assert len(alarms) >= 2
    live_alarms = cw.describe_alarms(AlarmNames=alarms)["MetricAlarms"]
    assert sorted(a["AlarmName"] for a in live_alarms) == alarms
    assert {a["StateValue"] for a in live_alarms} == {"OK"}
    [target] = state["aws_appautoscaling_target"]
    assert target["resource_id"] == f"endpoint/{name}/variant/production"
    scalable = aas.describe_scalable_targets(ServiceNamespace="sagemaker")["ScalableTargets"]
    assert [(t["ResourceId"], t["MinCapacity"], t["MaxCapacity"]) for t in scalable] == [(target["resource_id"], 2, 6)]
    [policy] = state["aws_appautoscaling_policy"]
    policies = aas.describe_scaling_policies(ServiceNamespace="sagemaker")["ScalingPolicies"]
    assert [(p["PolicyName"], p["TargetTrackingScalingPolicyConfiguration"]["TargetValue"]) for p in policies] == [(policy["name"], 500)]

    # 2. status: the variants, their weights and counts, the alarms the templates made; no drift.
    status = cli("status", str(config))
    assert status.exit_code == 0, status.output
    assert f"{name}: InService (config {config_name})" in status.output
    assert "  production: 90 % (desired 90 %), instances 2/2," in status.output
    assert "  canary: 10 % (desired 10 %), instances 1/1," in status.output
    for alarm in alarms:
        assert f"  alarm {alarm}: OK" in status.output
    assert "drift" not in status.output

    # 3. promote --canary 20: the alarms are OK, 20 % shifts, the config follows.
    promoted = cli("promote", str(config), "--canary", "20")
    assert promoted.exit_code == 0, promoted.output
    assert f"{name}: production (1.0.0) 80 %, canary (1.1.0) 20 %" in promoted.output
    assert {v: w for v, (_, w) in _live(sm, name).items()} == {"production": 80, "canary": 20}
    assert _config_weights(config) == {"production": 80, "canary": 20}

    # 4. rollback: the canary gets nothing, the config follows.
    rolled = cli("rollback", str(config))
    assert rolled.exit_code == 0, rolled.output
    assert f"{name}: canary rolled back: production (1.0.0) 100 %, canary (1.1.0) 0 %" in rolled.output
    assert {v: w for v, (_, w) in _live(sm, name).items()} == {"production": 100, "canary": 0}
    assert _config_weights(config) == {"production": 100, "canary": 0}

    # Under load, Application Auto Scaling takes production to 4 instances (within the target's 2-6).
    sm.update_endpoint_weights_and_capacities(
        EndpointName=name, DesiredWeightsAndCapacities=[{"VariantName": "production", "DesiredInstanceCount": 4, "DesiredWeight": 100}]
    )

    # 5. a new model version for the canary, deployed: a new model and endpoint configuration, the endpoint
    # moved to it, the old ones gone; the live count of production kept, the weights as live and config say.
    config.write_text(edit(config.read_text(), *NEW_VERSION))
    before = json.loads((out / "terraform.tfstate").read_text())
    planned = cli("deploy", str(config), "-o", str(out), "--plan-only", "--terraform", terraform_binary())
    assert planned.exit_code == 0, planned.output
    assert "endpoint sentiment: new endpoint configuration (variant canary: model 1.1.0 → 1.2.0) → blue/green rollout" in planned.output
    # In the README's Day 2 words: a blue/green rollout, the canary's model under a new name, the execution
    # role's policy (the new image's repository) updated; nothing replaced under its name.
    plan = json.loads(run(terraform_binary(), env, out, "show", "show", "-json", "mlinfra.tfplan").stdout)
    assert effects(plan, before) == (UPDATED, BLUE_GREEN, NEW_NAMES)
    assert _live(sm, name)["production"] == (4, 100)  # a plan changes nothing live
    second = deploy()
    assert second.exit_code == 0, second.output
    assert f"{name}: kept the live production 4 instances (changed outside terraform)" in second.output
    after = _state(out)
    [moved] = after["aws_sagemaker_endpoint"]
    new_config = moved["endpoint_config_name"]
    assert moved["name"] == name and new_config != config_name
    assert sm.describe_endpoint(EndpointName=name)["EndpointConfigName"] == new_config
    with pytest.raises(sm.exceptions.ClientError):
        sm.describe_endpoint_config(EndpointConfigName=config_name)  # create_before_destroy deleted it
    new_models = {m["name"] for m in after["aws_sagemaker_model"]}
    assert len(new_models - models) == 1 and len(models - new_models) == 1  # the canary's model only
    [canary_model] = new_models - models
    assert sm.describe_model(ModelName=canary_model)["PrimaryContainer"]["Image"].endswith("sentiment:1.2.0")
    [gone] = models - new_models
    with pytest.raises(sm.exceptions.ClientError):
        sm.describe_model(ModelName=gone)
    assert _live(sm, name) == {"production": (4, 100), "canary": (1, 0)}
    assert _config_weights(config) == {"production": 100, "canary": 0}  # the write-back agrees with live
    assert sorted(a["AlarmName"] for a in cw.describe_alarms(AlarmNames=alarms)["MetricAlarms"]) == alarms

    # And status agrees: the new configuration, production's 4 instances within its bounds, no drift.
    again = cli("status", str(config))
    assert again.exit_code == 0, again.output
    assert f"{name}: InService (config {new_config})" in again.output
    assert "  production: 100 % (desired 100 %), instances 4/4," in again.output
    assert "drift" not in again.output

    # 6. destroy: what Terraform created is gone from moto too.
    gone = cli("destroy", str(config), "-o", str(out), "--auto-approve", "--terraform", terraform_binary())
    assert gone.exit_code == 0, gone.output
    assert sm.list_endpoints()["Endpoints"] == [] and sm.list_endpoint_configs()["EndpointConfigs"] == []
    assert sm.list_models()["Models"] == []
    assert cw.describe_alarms()["MetricAlarms"] == []
    assert aas.describe_scalable_targets(ServiceNamespace="sagemaker")["ScalableTargets"] == []
    assert aas.describe_scaling_policies(ServiceNamespace="sagemaker")["ScalingPolicies"] == []

