"""The stand-in's moto backing (tests/support/standin/moto_backing.py), without Terraform: the values of a
resource's state become the calls the aws provider makes, against a moto server."""

from __future__ import annotations

import pytest

from tests.support.aws import server_client
from tests.support.standin import moto_backing
from tests.support.standin.cty import UNKNOWN

ROLE = "arn:aws:iam::123456789012:role/sagemaker-execution"


@pytest.fixture
def backed(moto_server: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv(moto_backing.MOTO_ENV, moto_server)
    return moto_server


def model(name: str, image: str) -> dict:
    return {"name": name, "execution_role_arn": ROLE, "arn": UNKNOWN, "enable_network_isolation": True, "tags_all": {"ModelVersion": "1"},
            "primary_container": [{"image": image, "mode": "SingleModel", "environment": {"A": "1"}, "model_data_url": None}]}


def config(name: str, weights: dict[str, float]) -> dict:
    return {"name": name, "arn": UNKNOWN, "kms_key_arn": None, "tags_all": {},
            "production_variants": [{"variant_name": v, "model_name": "m1", "instance_type": "ml.m5.large", "initial_instance_count": 2,
                                     "initial_variant_weight": w, "volume_size_in_gb": UNKNOWN} for v, w in weights.items()]}


def test_without_the_variable_nothing_is_backed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(moto_backing.MOTO_ENV, raising=False)
    assert not moto_backing.enabled("aws_sagemaker_endpoint")


def test_an_endpoint_created_updated_and_deleted(backed: str) -> None:
    sm = server_client(backed, "sagemaker")
    assert moto_backing.enabled("aws_sagemaker_endpoint") and not moto_backing.enabled("aws_iam_role")
    moto_backing.apply("aws_sagemaker_model", None, model("m1", "img:1"), "us-east-1")
    assert sm.describe_model(ModelName="m1")["PrimaryContainer"]["Environment"] == {"A": "1"}
    moto_backing.apply("aws_sagemaker_endpoint_configuration", None, config("c1", {"production": 100, "canary": 0}), "us-east-1")
    # An unknown (AWS's to compute: the volume size) is not sent.
    assert "VolumeSizeInGB" not in sm.describe_endpoint_config(EndpointConfigName="c1")["ProductionVariants"][0]
    endpoint = {"name": "ep", "endpoint_config_name": "c1", "tags_all": {}}
    moto_backing.apply("aws_sagemaker_endpoint", None, endpoint, "us-east-1")
    live = sm.describe_endpoint(EndpointName="ep")["ProductionVariants"]
    # A variant created at weight 0 reports 0.0, as SageMaker does (moto alone leaves CurrentWeight out).
    assert {v["VariantName"]: (v["CurrentWeight"], v["CurrentInstanceCount"]) for v in live} == {"production": (100, 2), "canary": (0, 2)}

    moto_backing.apply("aws_sagemaker_endpoint_configuration", None, config("c2", {"production": 50, "canary": 50}), "us-east-1")
    moto_backing.apply("aws_sagemaker_endpoint", endpoint, {**endpoint, "endpoint_config_name": "c2"}, "us-east-1")
    assert sm.describe_endpoint(EndpointName="ep")["EndpointConfigName"] == "c2"
    moto_backing.apply("aws_sagemaker_endpoint_configuration", config("c1", {}), None, "us-east-1")
    with pytest.raises(sm.exceptions.ClientError):
        sm.describe_endpoint_config(EndpointConfigName="c1")
    moto_backing.apply("aws_sagemaker_endpoint", {**endpoint, "endpoint_config_name": "c2"}, None, "us-east-1")
    assert sm.list_endpoints()["Endpoints"] == []


def test_alarms_targets_and_policies(backed: str) -> None:
    cw, aas = server_client(backed, "cloudwatch"), server_client(backed, "application-autoscaling")
    metric = {"namespace": "AWS/SageMaker", "metric_name": "Invocations", "dimensions": {"EndpointName": "ep"}, "period": 60, "stat": "Sum"}
    alarm = {"alarm_name": "ep-5xx-rate", "evaluation_periods": 2, "comparison_operator": "GreaterThanThreshold", "threshold": 5, "tags_all": {},
             "metric_query": [{"id": "rate", "expression": "100 * e / i", "return_data": True, "metric": []},
                              {"id": "i", "return_data": False, "metric": [metric]}]}
    moto_backing.apply("aws_cloudwatch_metric_alarm", None, alarm, "us-east-1")
    [held] = cw.describe_alarms(AlarmNames=["ep-5xx-rate"])["MetricAlarms"]
    assert {m["Id"] for m in held["Metrics"]} == {"rate", "i"} and held["StateValue"] == "OK"
    moto_backing.apply("aws_cloudwatch_metric_alarm", alarm, {**alarm, "threshold": 10}, "us-east-1")  # PutMetricAlarm again
    assert cw.describe_alarms(AlarmNames=["ep-5xx-rate"])["MetricAlarms"][0]["Threshold"] == 10

    target = {"service_namespace": "sagemaker", "resource_id": "endpoint/ep/variant/production", "scalable_dimension": "sagemaker:variant:DesiredInstanceCount",
              "min_capacity": 2, "max_capacity": 6}
    moto_backing.apply("aws_appautoscaling_target", None, target, "us-east-1")
    policy = {"name": "ep-production-invocations", "policy_type": "TargetTrackingScaling", **{k: target[k] for k in ("service_namespace", "resource_id", "scalable_dimension")},
              "target_tracking_scaling_policy_configuration": [{"target_value": 500, "scale_in_cooldown": 300, "scale_out_cooldown": None,
                                                                "predefined_metric_specification": [{"predefined_metric_type": "SageMakerVariantInvocationsPerInstance"}]}]}
    moto_backing.apply("aws_appautoscaling_policy", None, policy, "us-east-1")
    [p] = aas.describe_scaling_policies(ServiceNamespace="sagemaker")["ScalingPolicies"]
    assert p["TargetTrackingScalingPolicyConfiguration"]["TargetValue"] == 500
    moto_backing.apply("aws_appautoscaling_policy", policy, None, "us-east-1")
    moto_backing.apply("aws_appautoscaling_target", target, None, "us-east-1")
    assert aas.describe_scalable_targets(ServiceNamespace="sagemaker")["ScalableTargets"] == []


def test_what_moto_refuses_is_the_providers_error(backed: str) -> None:
    with pytest.raises(moto_backing.BackingError, match=r"moto \(aws_sagemaker_endpoint\): .*ValidationException.*CreateEndpoint.*Could not find endpoint configuration"):
        moto_backing.apply("aws_sagemaker_endpoint", None, {"name": "ep", "endpoint_config_name": "missing", "tags_all": {}}, "us-east-1")
