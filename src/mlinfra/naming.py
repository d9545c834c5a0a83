"""Names derived from config text: Terraform identifiers and AWS names, decided in one place.

The planner names resources with these functions, and ``config.rules`` applies the same functions to find
two config entities that would end up with one name (``/predict-image`` and ``/predict/image`` are both
``predict_image``): a collision is refused by ``validate`` instead of rendering two identical blocks or
silently dropping one. Nothing here imports the plan, the config model or boto3.
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

from .regions import dns_suffix, partition_of

#: CloudWatch namespace of the metrics mlinfra publishes itself (the Lambdas' inference metrics, drift);
#: the shipped Lambda code spells it too (lambdas/core.py), since it cannot import mlinfra.
METRICS_NAMESPACE = "MLInference"

__all__ = [
    "BACKLOG_ALARM",
    "CLIENT_ERROR_RATE_ALARM",
    "ERROR_RATE_ALARM",
    "LATENCY_ALARM",
    "MAX_LAMBDA_NAME",
    "MAX_SAGEMAKER_NAME",
    "METRICS_NAMESPACE",
    "alarm_key",
    "alarm_name",
    "api_key_key",
    "api_resource_keys",
    "dns_suffix",
    "drift_alarm_key",
    "drift_alarm_name",
    "ecr_repository_name",
    "endpoint_name",
    "execution_role_name",
    "from_zero_policy_key",
    "function_name",
    "global_prefix",
    "hashed_name",
    "ident",
    "lambda_role_name",
    "metric_alarm",
    "model_content",
    "model_package_group_name",
    "models_bucket_prefix",
    "partition_of",
    "planned_base",
    "region_code",
    "request_model_name",
    "requests_metric",
    "route_key",
    "sagemaker_model_name",
    "target_alarms",
    "terraform_completes",
    "usage_plan_key",
]

MAX_SAGEMAKER_NAME = 63
MAX_LAMBDA_NAME = 64
#: What a module appends to the name the plan starts for an immutable SageMaker object (models, endpoint
#: configurations, monitoring job definitions): "-" and 8 hex digits of a hash of the inputs that replace
#: it, computed in Terraform, where the values only Terraform knows (the execution role's ARN, subnet and
#: security group IDs, KMS keys, bucket names, topic ARNs) are known. The plan's part leaves room for it.
TERRAFORM_HASH = 9
#: The longest name the plan starts for such an object (SageMaker allows 63 characters in all).
MAX_PLANNED_NAME = MAX_SAGEMAKER_NAME - TERRAFORM_HASH


# --- Terraform identifiers -------------------------------------------------------------------------------


def ident(name: str) -> str:
    """A Terraform identifier for a config name (dashes become underscores; never starts with a digit)."""
    out = name.replace("-", "_")
    return out if out[0].isalpha() else f"v_{out}"


def route_key(path: str) -> str:
    """``/predict/tabular`` → ``predict_tabular``: the route's name in Terraform and in AWS names."""
    return re.sub(r"[^a-z0-9]+", "_", path.strip("/").lower()).strip("_")


def api_resource_keys(path: str) -> list[tuple[str, str, str]]:
    """The API Gateway resources a route's path needs, outermost first: (key, path part, path so far)."""
    parts = path.strip("/").split("/")
    return [
        (route_key("/".join(parts[:depth])), parts[depth - 1], "/" + "/".join(parts[:depth]))
        for depth in range(1, len(parts) + 1)
    ]


def request_model_name(key: str) -> str:
    """The API Gateway model (request schema) of route ``key``: ``predict_tabular`` → ``PredictTabularRequest``."""
    return "".join(p.capitalize() for p in key.split("_")) + "Request"


def usage_plan_key(name: str) -> str:
    return name.replace("-", "_")


def api_key_key(name: str) -> str:
    return name.replace("-", "_")


# --- AWS names -----------------------------------------------------------------------------------------


def endpoint_name(prefix: str, endpoint: str) -> str:
    return f"{prefix}-{endpoint}"


_DIRECTIONS = {
    "north": "n",
    "south": "s",
    "east": "e",
    "west": "w",
    "central": "c",
    "northeast": "ne",
    "northwest": "nw",
    "southeast": "se",
    "southwest": "sw",
}


def region_code(region: str) -> str:
    """``us-east-1`` → ``use1``, ``ap-southeast-2`` → ``apse2``, ``us-gov-west-1`` → ``usgovw1``: the
    region in names that are unique per account rather than per region (IAM roles, S3 buckets)."""
    parts = region.split("-")
    return "".join(_DIRECTIONS.get(p, p) for p in parts)


def global_prefix(prefix: str, region: str) -> str:
    """The prefix of names unique per account or partition (IAM roles, S3 buckets): the project's with
    the region's code, so the same project in a second region of the account does not collide."""
    return f"{prefix}-{region_code(region)}"


def execution_role_name(prefix: str, region: str) -> str:
    """The SageMaker execution role shared by every endpoint (IAM names are per account: the region's in it)."""
    return f"{global_prefix(prefix, region)}-sagemaker-execution"


def model_package_group_name(prefix: str, configured: str | None) -> str:
    """The SageMaker model package group: ``registry.model_package_group``, else ``<project>-<environment>``.

    One source for the rendered group and for ``mlinfra models ...``, which must address the same group.
    """
    return configured or prefix


def models_bucket_prefix(prefix: str, region: str) -> str:
    """The models bucket's default name before the account ID (which makes it globally unique; the region
    code keeps a second region of the account apart)."""
    return f"{global_prefix(prefix, region)}-models-"


def ecr_repository_name(prefix: str, configured: str | None) -> str:
    """The registry's ECR repository: ``registry.ecr_repository``, else ``<project>-<environment>``."""
    return configured or prefix


def function_name(prefix: str, key: str) -> str:
    """The preprocessing Lambda of route ``key`` (Lambda names are at most 64 characters)."""
    return f"{prefix}-{key.replace('_', '-')}"[:MAX_LAMBDA_NAME]


def lambda_role_name(function: str, region: str) -> str:
    """A Lambda's role: the function's name is per region, the role's per account (at most 64 characters,
    the region's code kept)."""
    suffix = f"-{region_code(region)}-lambda"
    return f"{function[: 64 - len(suffix)]}{suffix}"


#: A variant's alarms: (suffix of its Terraform name, suffix of its CloudWatch name).
LATENCY_ALARM = ("latency_p99", "latency-p99")
ERROR_RATE_ALARM = ("error_rate", "5xx-rate")
CLIENT_ERROR_RATE_ALARM = ("client_error_rate", "4xx-rate")
BACKLOG_ALARM = ("backlog_without_capacity", "backlog-without-capacity")  # scale-from-zero on async endpoints


def metric_alarm(metric: str, statistic: str) -> tuple[str, str]:
    """A raw-metric alarm's key and name parts (``invocation5xxerrors_average``, ``invocation5xxerrors-average``)."""
    return ident(metric.lower()) + "_" + statistic.lower().replace(".", "_"), f"{metric}-{statistic}".lower()


def target_alarms(alarms: Any) -> tuple[tuple[str, str], ...]:
    """Every alarm a variant or inference component gets from its endpoint's ``alarms`` settings, in the
    plan's order: latency, the 5XX rate, the 4XX rate when set, one per raw metric. The plan builds them
    (``core.alarms``) and the name-collision rule names them from this one list."""
    out = [LATENCY_ALARM, ERROR_RATE_ALARM]
    if alarms.client_error_rate_percent is not None:
        out.append(CLIENT_ERROR_RATE_ALARM)
    out += [metric_alarm(m.metric, m.statistic) for m in alarms.metrics]
    return tuple(out)


def requests_metric(is_async: bool) -> str:
    """The AWS/SageMaker metric that counts an endpoint's requests: Invocations, or on an asynchronous
    endpoint InvocationsProcessed. AWS, "Alarms and logs for tracking metrics from asynchronous endpoints"
    (sagemaker/latest/dg/async-inference-monitor.html): "Any metric not listed below is not published if
    the endpoint is enabled for asynchronous inference. Such metrics include ... Invocations". The page
    lists Invocation5XXErrors / Invocation4XXErrors among the common metrics (published) and
    InvocationsProcessed, "the number of async invocations processed by the endpoint", among the async
    ones: the requests taken from the queue and run, the same population the 5XX and 4XX counts are drawn
    from. An error rate divides by InvocationsProcessed alone, not InvocationsProcessed +
    InvocationFailures: InvocationFailures ("if an invocation fails for any reason") is not said to be
    disjoint from InvocationsProcessed, and a failure counted in both would halve the rate (an endpoint
    failing every request would read 50 %). Should InvocationsProcessed count successes only, errors /
    InvocationsProcessed reads high, never low: the alarm (and the rollback it drives) fires early rather
    than not at all."""
    return "InvocationsProcessed" if is_async else "Invocations"


def alarm_key(variant: str, alarm: tuple[str, str]) -> str:
    """A variant's alarm in Terraform (``production_latency_p99``)."""
    return f"{ident(variant)}_{alarm[0]}"


def drift_alarm_key(feature: str) -> str:
    """An endpoint's feature-drift alarm in Terraform (FeatureDrift has no variant dimension)."""
    return f"drift_{ident(feature)}"


def drift_alarm_name(endpoint: str, feature: str) -> str:
    return f"{endpoint}-drift-{feature}"


def from_zero_policy_key(variant: str) -> str:
    """The step-scaling policy that wakes an async variant scaled to zero (beside its target-tracking one)."""
    return f"{ident(variant)}_from_zero"


def alarm_name(endpoint: str, variant: str, alarm: tuple[str, str]) -> str:
    """A variant's CloudWatch alarm (alarm names are unique per account and region)."""
    return f"{endpoint}-{variant}-{alarm[1]}"


def model_content(
    *,
    image: str,
    data: str | None,
    env: dict[str, str],
    multi_model: bool,
    role: str,
    isolated: bool | None,
    uncompressed: bool = False,
) -> dict[str, object]:
    """What a SageMaker model is made of: its name changes exactly when this does (models are immutable).
    ``data`` is None for a model the image carries; ``uncompressed``: files under the prefix ``data``."""
    content: dict[str, object] = {
        "image": image,
        "data": data,
        "env": env,
        "mode": "MultiModel" if multi_model else "SingleModel",
        "role": role,
        "isolated": isolated,
    }
    if uncompressed:
        content["compression"] = "None"  # only then: the names of archive models stay what they were
    return content


def component_model_content(mv: Any, role: str) -> dict[str, object]:
    """The content of an inference component's model (a config ``ModelVersion``): one archive, files under a
    prefix or none; the planner and the name-collision rule share it."""
    prefix = mv.model_data_prefix if mv.model_data is None else None
    return model_content(
        image=mv.image,
        data=mv.model_data or prefix,
        env=mv.environment,
        multi_model=False,
        role=role,
        isolated=mv.network_isolation,
        uncompressed=prefix is not None,
    )


def sagemaker_model_name(endpoint: str, variant: str, content: dict[str, object]) -> str:
    """The plan's part of a SageMaker model's name (the module appends the hash of what Terraform knows)."""
    return hashed_name(f"{endpoint}-{variant}", content)


def hashed_name(base: str, content: object, length: int = MAX_PLANNED_NAME) -> str:
    """``base-<8 hex>``, at most ``length`` characters: a name that changes exactly when ``content`` does.

    The default leaves room for the hash the module appends (:data:`TERRAFORM_HASH`)."""
    digest = hashlib.sha256(
        json.dumps(content, sort_keys=True, separators=(",", ":"), default=_plain).encode()
    ).hexdigest()[:8]
    return f"{base[: length - 9].rstrip('-')}-{digest}"


def planned_base(base: str) -> str:
    """A plain base cut to :data:`MAX_PLANNED_NAME` (the module appends its hash): monitoring job definitions."""
    return base[:MAX_PLANNED_NAME].rstrip("-")


def terraform_completes(planned: str, name: str) -> bool:
    """Whether ``name`` (a live one, as DescribeEndpoint or DescribeInferenceComponent report it) is the
    plan's ``planned`` part completed by its module (``planned-<8 hex>``): the config's content is what runs,
    whatever the hash of the values only Terraform knows."""
    return re.fullmatch(re.escape(planned) + r"-[0-9a-f]{8}", name) is not None


def _plain(value: object) -> object:
    # HCL expressions (a Ref has .expr, an Interp .parts) and plan dataclasses, by shape: this module stays
    # below the plan and the render layer.
    if hasattr(value, "expr") and type(value).__name__ == "Ref":
        return {"ref": value.expr}
    if hasattr(value, "parts") and type(value).__name__ == "Interp":
        return {"interp": [_plain(p) if type(p).__name__ == "Ref" else p for p in value.parts]}
    if hasattr(value, "__dataclass_fields__"):
        return {k: getattr(value, k) for k in value.__dataclass_fields__}
    raise TypeError(type(value).__name__)
