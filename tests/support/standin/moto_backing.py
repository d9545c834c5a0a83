"""The stand-in's SageMaker, CloudWatch and Application Auto Scaling objects, kept in a moto server too.

When ``STANDIN_MOTO`` holds a moto server's URL (``http://127.0.0.1:PORT``), every apply of the resource
types in :data:`BACKED` also makes the calls the aws provider makes, with the same names and values,
against that server, and reads the object back: after ``terraform apply`` the server holds what AWS would,
so ``mlinfra status``, ``promote``, ``rollback`` and ``deploy`` run against what Terraform created
(tests/test_lifecycle.py).  Without ``STANDIN_MOTO`` nothing is called.

Where moto (5.2) lacks a call or a field, the stand-in keeps that part itself, in Terraform's state only:

* **UpdateEndpoint** (an endpoint moved to another endpoint configuration): moto has none, so the endpoint
  is deleted and created again under its name on the new configuration.  The variants then come up at the
  new configuration's InitialInstanceCount and InitialVariantWeight, which is what SageMaker does on an
  UpdateEndpoint without ``RetainAllVariantProperties`` (the aws provider never sends it);
* **DeploymentConfig** of CreateEndpoint / UpdateEndpoint (blue/green policy, rollback alarms): moto's
  CreateEndpoint takes no such argument; the policy lives in the state only, nothing rolls back;
* **CurrentWeight 0**: moto leaves CurrentWeight/DesiredWeight out of DescribeEndpoint for a variant created
  with InitialVariantWeight 0 (it tests the weight for truth); SageMaker reports 0.0, so after CreateEndpoint
  the stand-in sets every variant's weight and count once more with UpdateEndpointWeightsAndCapacities;
* **tags changed in place** on SageMaker objects (AddTags/DeleteTags): not sent; the objects keep their
  creation tags (nothing here reads them);
* **alarm actions and a scaling policy's alarms**: moto stores alarm actions but runs none, and creates no
  CloudWatch alarms for a target-tracking policy (AWS creates two, named TargetTracking-...).
"""

from __future__ import annotations

import os
from typing import Any

from .cty import UNKNOWN, Dyn

MOTO_ENV = "STANDIN_MOTO"
DUMMY = "testing"

BACKED = (
    "aws_sagemaker_model",
    "aws_sagemaker_endpoint_configuration",
    "aws_sagemaker_endpoint",
    "aws_cloudwatch_metric_alarm",
    "aws_appautoscaling_target",
    "aws_appautoscaling_policy",
)


class BackingError(Exception):
    """moto answered a call with an error, or did not hold what was sent (the provider reports it)."""


def enabled(type_name: str) -> bool:
    return bool(os.environ.get(MOTO_ENV)) and type_name in BACKED


def _client(service: str, region: str) -> Any:
    import boto3

    return boto3.client(
        service,
        endpoint_url=os.environ[MOTO_ENV],
        region_name=region,
        aws_access_key_id=DUMMY,
        aws_secret_access_key=DUMMY,
        aws_session_token=DUMMY,
    )


def apply(type_name: str, prior: dict | None, state: dict | None, region: str) -> None:
    """Create (``prior`` None), update, or delete (``state`` None) the object in moto, then read it back."""
    prior, state = _known(prior), _known(state)
    try:
        _BACKERS[type_name](prior, state, region)
    except BackingError:
        raise
    except Exception as exc:  # botocore's ClientError: AWS's own code and message
        raise BackingError(f"moto ({type_name}): {exc}") from exc


def _known(v: Any) -> Any:
    """The value without Dyn wrappers, unknowns (values AWS computes, left to it) as None."""
    if v is UNKNOWN:
        return None
    if isinstance(v, Dyn):
        return _known(v.value)
    if isinstance(v, dict):
        return {k: _known(e) for k, e in v.items()}
    if isinstance(v, list):
        return [_known(e) for e in v]
    return v


def _tags(obj: dict) -> list[dict[str, str]]:
    return [{"Key": k, "Value": v} for k, v in sorted((obj.get("tags_all") or obj.get("tags") or {}).items())]


def _one(blocks: Any) -> dict | None:
    return blocks[0] if isinstance(blocks, list) and blocks else None


def _set(out: dict, key: str, value: Any) -> None:
    if value is not None and value != [] and value != {}:
        out[key] = value


# --- SageMaker ----------------------------------------------------------------------------------------------


def _container(c: dict) -> dict:
    out: dict[str, Any] = {}
    _set(out, "Image", c.get("image"))
    _set(out, "Mode", c.get("mode"))
    _set(out, "ModelDataUrl", c.get("model_data_url"))
    _set(out, "Environment", c.get("environment"))
    source = _one(c.get("model_data_source"))
    s3 = _one(source.get("s3_data_source")) if source else None
    if s3:
        out["ModelDataSource"] = {
            "S3DataSource": {"S3Uri": s3["s3_uri"], "S3DataType": s3["s3_data_type"], "CompressionType": s3["compression_type"]}
        }
    return out


def _model(prior: dict | None, state: dict | None, region: str) -> None:
    sm = _client("sagemaker", region)
    if state is None:
        sm.delete_model(ModelName=prior["name"])
        return
    if prior is not None:
        return  # tags only (everything else replaces it): see the module docstring
    args: dict[str, Any] = {"ModelName": state["name"], "ExecutionRoleArn": state["execution_role_arn"]}
    primary = _one(state.get("primary_container"))
    if primary:
        args["PrimaryContainer"] = _container(primary)
    _set(args, "Containers", [_container(c) for c in state.get("container") or []])
    vpc = _one(state.get("vpc_config"))
    if vpc:
        args["VpcConfig"] = {"Subnets": sorted(vpc["subnets"]), "SecurityGroupIds": sorted(vpc["security_group_ids"])}
    if state.get("enable_network_isolation") is not None:
        args["EnableNetworkIsolation"] = bool(state["enable_network_isolation"])
    _set(args, "Tags", _tags(state))
    sm.create_model(**args)
    back = sm.describe_model(ModelName=state["name"])
    if primary and back.get("PrimaryContainer", {}).get("Image") != primary.get("image"):
        raise BackingError(f"moto holds model {state['name']} with image {back.get('PrimaryContainer')}, sent {primary.get('image')}")


def _variant(v: dict) -> dict:
    out: dict[str, Any] = {"VariantName": v["variant_name"], "ModelName": v["model_name"]}
    _set(out, "InstanceType", v.get("instance_type"))
    if v.get("initial_instance_count") is not None:
        out["InitialInstanceCount"] = int(v["initial_instance_count"])
    if v.get("initial_variant_weight") is not None:
        out["InitialVariantWeight"] = float(v["initial_variant_weight"])
    if v.get("volume_size_in_gb") is not None:
        out["VolumeSizeInGB"] = int(v["volume_size_in_gb"])
    serverless = _one(v.get("serverless_config"))
    if serverless:
        out["ServerlessConfig"] = {"MemorySizeInMB": int(serverless["memory_size_in_mb"]), "MaxConcurrency": int(serverless["max_concurrency"])}
    routing = _one(v.get("routing_config"))
    if routing:
        out["RoutingConfig"] = {"RoutingStrategy": routing["routing_strategy"]}
    return out


def _endpoint_configuration(prior: dict | None, state: dict | None, region: str) -> None:
    sm = _client("sagemaker", region)
    if state is None:
        sm.delete_endpoint_config(EndpointConfigName=prior["name"])
        return
    if prior is not None:
        return  # tags only: see the module docstring
    args: dict[str, Any] = {"EndpointConfigName": state["name"], "ProductionVariants": [_variant(v) for v in state.get("production_variants") or []]}
    _set(args, "ShadowProductionVariants", [_variant(v) for v in state.get("shadow_production_variants") or []])
    _set(args, "KmsKeyId", state.get("kms_key_arn"))
    capture = _one(state.get("data_capture_config"))
    if capture:
        args["DataCaptureConfig"] = {
            "EnableCapture": bool(capture.get("enable_capture")),
            "InitialSamplingPercentage": int(capture["initial_sampling_percentage"]),
            "DestinationS3Uri": capture["destination_s3_uri"],
            "CaptureOptions": [{"CaptureMode": o["capture_mode"]} for o in capture.get("capture_options") or []],
        }
    _set(args, "Tags", _tags(state))
    sm.create_endpoint_config(**args)
    back = sm.describe_endpoint_config(EndpointConfigName=state["name"])
    sent = [(v["VariantName"], v["ModelName"]) for v in args["ProductionVariants"]]
    held = [(v["VariantName"], v["ModelName"]) for v in back.get("ProductionVariants", [])]
    if held != sent:
        raise BackingError(f"moto holds endpoint configuration {state['name']} with variants {held}, sent {sent}")


def _endpoint(prior: dict | None, state: dict | None, region: str) -> None:
    sm = _client("sagemaker", region)
    if state is None:
        sm.delete_endpoint(EndpointName=prior["name"])
        return
    name, config = state["name"], state["endpoint_config_name"]
    if prior is not None:
        if prior.get("endpoint_config_name") == config:
            return  # tags or the deployment policy only: see the module docstring
        sm.delete_endpoint(EndpointName=name)  # moto has no UpdateEndpoint: see the module docstring
    sm.create_endpoint(EndpointName=name, EndpointConfigName=config, **({"Tags": _tags(state)} if _tags(state) else {}))
    # moto leaves CurrentWeight out for a variant created at weight 0: set what SageMaker reports.
    variants = sm.describe_endpoint_config(EndpointConfigName=config).get("ProductionVariants", [])
    desired = [
        {"VariantName": v["VariantName"], "DesiredWeight": float(v.get("InitialVariantWeight", 1.0)), **({"DesiredInstanceCount": v["InitialInstanceCount"]} if v.get("InitialInstanceCount") else {})}
        for v in variants
    ]
    if desired and any("ServerlessConfig" not in v for v in variants):
        sm.update_endpoint_weights_and_capacities(EndpointName=name, DesiredWeightsAndCapacities=desired)
    back = sm.describe_endpoint(EndpointName=name)
    if back["EndpointConfigName"] != config:
        raise BackingError(f"moto's endpoint {name} runs {back['EndpointConfigName']}, sent {config}")


# --- CloudWatch ---------------------------------------------------------------------------------------------


def _dimensions(d: dict | None) -> list[dict[str, str]]:
    return [{"Name": k, "Value": v} for k, v in sorted((d or {}).items())]


def _alarm(prior: dict | None, state: dict | None, region: str) -> None:
    cw = _client("cloudwatch", region)
    if state is None:
        cw.delete_alarms(AlarmNames=[prior["alarm_name"]])
        return
    if prior is not None and prior["alarm_name"] != state["alarm_name"]:
        cw.delete_alarms(AlarmNames=[prior["alarm_name"]])
    args: dict[str, Any] = {
        "AlarmName": state["alarm_name"],
        "EvaluationPeriods": int(state["evaluation_periods"]),
        "ComparisonOperator": state["comparison_operator"],
    }
    _set(args, "AlarmDescription", state.get("alarm_description"))
    if state.get("threshold") is not None:
        args["Threshold"] = float(state["threshold"])
    _set(args, "TreatMissingData", state.get("treat_missing_data"))
    _set(args, "AlarmActions", sorted(state.get("alarm_actions") or []))
    _set(args, "OKActions", sorted(state.get("ok_actions") or []))
    queries = state.get("metric_query") or []
    if queries:
        args["Metrics"] = []
        for q in sorted(queries, key=lambda q: q["id"]):
            query: dict[str, Any] = {"Id": q["id"], "ReturnData": bool(q.get("return_data"))}
            _set(query, "Expression", q.get("expression"))
            _set(query, "Label", q.get("label"))
            metric = _one(q.get("metric"))
            if metric:
                query["MetricStat"] = {
                    "Metric": {"Namespace": metric["namespace"], "MetricName": metric["metric_name"], "Dimensions": _dimensions(metric.get("dimensions"))},
                    "Period": int(metric["period"]),
                    "Stat": metric["stat"],
                }
            args["Metrics"].append(query)
    else:
        args.update(Namespace=state["namespace"], MetricName=state["metric_name"], Period=int(state["period"]), Dimensions=_dimensions(state.get("dimensions")))
        _set(args, "Statistic", state.get("statistic"))
        _set(args, "ExtendedStatistic", state.get("extended_statistic"))
    _set(args, "Tags", _tags(state))
    cw.put_metric_alarm(**args)
    held = cw.describe_alarms(AlarmNames=[state["alarm_name"]])
    if len(held.get("MetricAlarms", [])) != 1:
        raise BackingError(f"moto holds no alarm {state['alarm_name']}")


# --- Application Auto Scaling -------------------------------------------------------------------------------


def _target(prior: dict | None, state: dict | None, region: str) -> None:
    aas = _client("application-autoscaling", region)
    if state is None:
        aas.deregister_scalable_target(ServiceNamespace=prior["service_namespace"], ResourceId=prior["resource_id"], ScalableDimension=prior["scalable_dimension"])
        return
    key = {"ServiceNamespace": state["service_namespace"], "ResourceId": state["resource_id"], "ScalableDimension": state["scalable_dimension"]}
    aas.register_scalable_target(**key, MinCapacity=int(state["min_capacity"]), MaxCapacity=int(state["max_capacity"]))
    held = aas.describe_scalable_targets(ServiceNamespace=key["ServiceNamespace"], ResourceIds=[key["ResourceId"]])["ScalableTargets"]
    if [(t["MinCapacity"], t["MaxCapacity"]) for t in held] != [(int(state["min_capacity"]), int(state["max_capacity"]))]:
        raise BackingError(f"moto holds scalable target {key['ResourceId']} as {held}")


def _policy(prior: dict | None, state: dict | None, region: str) -> None:
    aas = _client("application-autoscaling", region)
    if state is None:
        aas.delete_scaling_policy(
            PolicyName=prior["name"], ServiceNamespace=prior["service_namespace"], ResourceId=prior["resource_id"], ScalableDimension=prior["scalable_dimension"]
        )
        return
    args: dict[str, Any] = {
        "PolicyName": state["name"],
        "ServiceNamespace": state["service_namespace"],
        "ResourceId": state["resource_id"],
        "ScalableDimension": state["scalable_dimension"],
        "PolicyType": state["policy_type"],
    }
    tracking = _one(state.get("target_tracking_scaling_policy_configuration"))
    if tracking:
        config: dict[str, Any] = {"TargetValue": float(tracking["target_value"])}
        for key, attr in (("ScaleInCooldown", "scale_in_cooldown"), ("ScaleOutCooldown", "scale_out_cooldown")):
            if tracking.get(attr) is not None:
                config[key] = int(tracking[attr])
        predefined = _one(tracking.get("predefined_metric_specification"))
        custom = _one(tracking.get("customized_metric_specification"))
        if predefined:
            config["PredefinedMetricSpecification"] = {"PredefinedMetricType": predefined["predefined_metric_type"]}
        elif custom:
            config["CustomizedMetricSpecification"] = {
                "MetricName": custom["metric_name"],
                "Namespace": custom["namespace"],
                "Statistic": custom["statistic"],
                "Dimensions": [{"Name": d["name"], "Value": d["value"]} for d in custom.get("dimensions") or []],
            }
        args["TargetTrackingScalingPolicyConfiguration"] = config
    step = _one(state.get("step_scaling_policy_configuration"))
    if step:
        args["StepScalingPolicyConfiguration"] = {
            k: v
            for k, v in {
                "AdjustmentType": step.get("adjustment_type"),
                "Cooldown": int(step["cooldown"]) if step.get("cooldown") is not None else None,
                "MetricAggregationType": step.get("metric_aggregation_type"),
                "StepAdjustments": [
                    {
                        "ScalingAdjustment": int(a["scaling_adjustment"]),
                        **({"MetricIntervalLowerBound": float(a["metric_interval_lower_bound"])} if a.get("metric_interval_lower_bound") not in (None, "") else {}),
                        **({"MetricIntervalUpperBound": float(a["metric_interval_upper_bound"])} if a.get("metric_interval_upper_bound") not in (None, "") else {}),
                    }
                    for a in step.get("step_adjustment") or []
                ],
            }.items()
            if v is not None
        }
    aas.put_scaling_policy(**args)
    held = aas.describe_scaling_policies(ServiceNamespace=args["ServiceNamespace"], ResourceId=args["ResourceId"], PolicyNames=[args["PolicyName"]])
    if len(held.get("ScalingPolicies", [])) != 1:
        raise BackingError(f"moto holds no scaling policy {args['PolicyName']}")


_BACKERS = {
    "aws_sagemaker_model": _model,
    "aws_sagemaker_endpoint_configuration": _endpoint_configuration,
    "aws_sagemaker_endpoint": _endpoint,
    "aws_cloudwatch_metric_alarm": _alarm,
    "aws_appautoscaling_target": _target,
    "aws_appautoscaling_policy": _policy,
}
