"""SageMaker endpoints: one module (``modules/endpoint``), called by one module block per endpoint of the
config, whose arguments carry the endpoint's values. Each grants the SageMaker execution role exactly what
its models and captures need (``sinks.roles["sagemaker"]``).

Terraform 1.0 has no ``optional()`` object attributes: every attribute of the typed inputs is passed at
every call, ``null`` where it does not apply (a serverless variant's instance type, a plain alarm's metric
queries), and absent blocks are empty lists or ``null`` objects the module's ``dynamic`` blocks skip.
"""

from __future__ import annotations

from collections.abc import Mapping

from ...core.component import (
    Component,
    Export,
    Input,
    ModuleContext,
    Output,
    PlanRequest,
    ReadmeSection,
    RootOutput,
    Sinks,
    Wire,
    object_type,
)
from ...core.sagemaker_inputs import (
    ALARMS_TYPE,
    CAPTURE_TYPE,
    alarm_actions,
    alarm_object,
    capture_object,
    endpoint_exports,
)
from ...expr import NULL, Ref, or_null
from ...plan.parts import ENDPOINTS, EndpointPlan, EndpointsPlan, ModelPlan, ScalingPlan, VariantPlan
from .plan import endpoints_plan

_KINDS = {"realtime": "real-time", "serverless": "serverless", "multi-model": "multi-model", "async": "asynchronous"}

_CAPACITY = object_type(type="string", value="number")
_MODELS = (
    "map("
    + object_type(
        name="string",
        image="string",
        mode="string",
        model_data_url="string",
        model_data_prefix="string",
        environment="map(string)",
        network_isolation="bool",
        tags="map(string)",
    )
    + ")"
)
_VARIANTS = (
    "list("
    + object_type(
        variant_name="string",
        model="string",
        initial_variant_weight="number",
        instance_type="string",
        initial_instance_count="number",
        serverless_config=object_type(
            memory_size_in_mb="number", max_concurrency="number", provisioned_concurrency="number"
        ),
        routing_strategy="string",
        model_data_download_timeout_in_seconds="number",
        container_startup_health_check_timeout_in_seconds="number",
        volume_size_in_gb="number",
        inference_ami_version="string",
    )
    + ")"
)
_ASYNC = object_type(
    s3_output_path="string",
    s3_failure_path="string",
    max_concurrent_invocations_per_instance="number",
    kms_key_id="string",
    include_inference_response_in="list(string)",
)
_DEPLOYMENT = object_type(
    rolling_update=object_type(
        wait_interval_in_seconds="number", maximum_execution_timeout_in_seconds="number", maximum_batch_size=_CAPACITY
    ),
    blue_green_update=object_type(
        termination_wait_in_seconds="number",
        maximum_execution_timeout_in_seconds="number",
        traffic_routing=object_type(
            type="string", wait_interval_in_seconds="number", canary_size=_CAPACITY, linear_step_size=_CAPACITY
        ),
    ),
    rollback_alarms="list(string)",
)
_SCALING = (
    "map("
    + object_type(
        variant_name="string",
        min_capacity="number",
        max_capacity="number",
        policy_name="string",
        target_value="number",
        scale_in_cooldown="number",
        scale_out_cooldown="number",
        predefined_metric="string",
    )
    + ")"
)
_VPC = object_type(subnets="list(string)", security_group_ids="list(string)")
_FROM_ZERO = "map(" + object_type(policy_name="string", alarm_name="string", cooldown="number") + ")"

#: What the one endpoint module holds (its README); each call's summary says which endpoint it is.
FOLDER_SUMMARY = (
    "One SageMaker endpoint: its models (one per variant), the endpoint configuration (production and shadow "
    "variants, data capture, asynchronous inference), the endpoint and its deployment policy, CloudWatch alarms, "
    "auto-scaling and the asynchronous notification topics, each from the module's typed inputs."
)


class Endpoint(Component):
    name = ENDPOINTS.name

    def build(self, request: PlanRequest, parts: Mapping[str, object]) -> EndpointsPlan:
        return endpoints_plan(request.config, request.prefix)

    def contribute(self, part: EndpointsPlan, sinks: Sinks) -> None:
        sinks.add_role_statements("sagemaker", part.role_statements)
        if any(ep.in_vpc for ep in part.endpoints):
            sinks.security_groups.request("models", "SageMaker models of the endpoints", by=self.name)
            # A model in a private VPC reaches AWS only through VPC endpoints. SageMaker's hosting guide
            # requires the S3 gateway endpoint for the artifacts (the network creates it with the VPC); the
            # images are pulled from ECR (the API for the token and manifests, the registry for the layers,
            # whose blobs come from S3 through the same gateway). Logs and metrics are written by SageMaker's
            # own agents, and the containers run network-isolated (no calls of their own): no logs,
            # monitoring or sts endpoints for them.
            for service in ("ecr.api", "ecr.dkr"):
                sinks.vpc_endpoints.add(service, by=self.name)

    def endpoints(self, part: EndpointsPlan) -> int:
        return len(part.endpoints)

    def exports(self, part: EndpointsPlan) -> list[Export]:
        out = []
        for ep in part.endpoints:
            m = ep.module
            out.extend(endpoint_exports(f"endpoint.{ep.key}", m))
            out.append(
                Export(
                    f"endpoint.{ep.key}.config_name",
                    m,
                    Output(
                        "endpoint_config_name",
                        "Name of the endpoint configuration in service (changes with its content).",
                        Ref("aws_sagemaker_endpoint_configuration.this.name"),
                    ),
                )
            )
            out.append(
                Export(
                    f"endpoint.{ep.key}.alarm_names",
                    m,
                    Output("alarm_names", "Name of each alarm of var.alarms, by key.", Ref("local.alarm_names")),
                )
            )
            out.append(
                Export(
                    f"endpoint.{ep.key}.topic_arns",
                    m,
                    Output(
                        "topic_arns",
                        "ARN of each asynchronous notification topic (success, error), by key.",
                        Ref("local.topic_arns"),
                    ),
                )
            )
        return out

    def modules(self, part: EndpointsPlan, wire: Wire, sinks: Sinks) -> list[ModuleContext]:
        return [self._module(ep, wire, part.alarm_topics) for ep in part.endpoints]

    def _module(self, ep: EndpointPlan, wire: Wire, alarm_topics: tuple[str, ...]) -> ModuleContext:
        kms = wire.need("kms.key_arn")
        capture = capture_object(ep.capture, wire, kms.value) if ep.capture is not None else None
        a = ep.async_inference
        inputs = {
            "name": Input(ep.name, "Name of the SageMaker endpoint."),
            "config_name": Input(
                ep.config_name,
                "Name of the endpoint configuration: a hash of its content (configurations are immutable).",
            ),
            "execution_role_arn": wire.need(
                "sagemaker_role.arn", "ARN of the SageMaker execution role the models run as."
            ),
            "kms_key_arn": Input(
                kms.value,
                "ARN of the platform KMS key: data capture, asynchronous results and the notification topics.",
                "string",
            ),
            "storage_kms_key_arn": Input(
                kms.value if ep.encrypt_storage else NULL,
                "ARN of the KMS key of the instances' ML storage volumes; null where an instance type has local NVMe storage (SageMaker refuses a key, the hardware encrypts).",
            ),
            "models": Input(
                {m.key: _model(m) for m in ep.models},
                "The SageMaker models, by key: one per variant; the files are an archive (model_data_url), uncompressed under a prefix (model_data_prefix) or in the image (both null).",
                _MODELS,
            ),
            "production_variants": Input(
                [_variant(v) for v in ep.variants],
                "Production variants, in order; model is a key of var.models.",
                _VARIANTS,
            ),
            "shadow_variants": Input(
                [_variant(ep.shadow)] if ep.shadow else [],
                "The shadow variant (none or one): receives a copy of the traffic.",
                _VARIANTS,
            ),
            "data_capture": Input(
                capture if capture is not None else NULL,
                "Data capture of requests and responses (destination and its KMS key: the platform's bucket and key, or the config's own; a null key: the bucket's default encryption); null for none.",
                CAPTURE_TYPE,
            ),
            "async_inference": Input(
                {
                    "s3_output_path": a.output_path,
                    "s3_failure_path": a.failure_path if a.failure_path is not None else NULL,
                    "max_concurrent_invocations_per_instance": a.max_concurrent_invocations_per_instance
                    if a.max_concurrent_invocations_per_instance is not None
                    else NULL,
                    # The results' own key (bring your own), else the platform key.
                    "kms_key_id": a.kms_key_arn if a.kms_key_arn is not None else kms.value,
                    "include_inference_response_in": list(a.topic_types),
                }
                if a is not None
                else NULL,
                "Asynchronous inference (results in S3); null for a synchronous endpoint.",
                _ASYNC,
            ),
            "notification_topics": Input(
                {t.key: t.name for t in (a.success_topic, a.error_topic) if t is not None} if a is not None else {},
                "SNS topics of asynchronous results, by key (success, error): both or none.",
                "map(string)",
            ),
            "notification_topic_arns": Input(
                {
                    k: arn
                    for k, arn in (("success", a.success_topic_arn), ("error", a.error_topic_arn))
                    if arn is not None
                }
                if a is not None
                else {},
                "ARNs of existing SNS topics (bring your own) told of asynchronous results, by key (success, error); either may be absent.",
                "map(string)",
            ),
            "deployment": Input(
                _deployment(ep),
                "How the endpoint moves to a new configuration (rolling or blue/green); null: all at once.",
                _DEPLOYMENT,
            ),
            "alarms": Input(
                {al.key: alarm_object(al) for al in ep.alarms},
                "CloudWatch alarms of the endpoint, by key: a plain metric or metric math (metric_queries).",
                ALARMS_TYPE,
            ),
            "alarm_actions": alarm_actions(wire, alarm_topics),
            "scaling": Input(
                {v.key: _scaling(v.name, v.scaling) for v in ep.variants if v.scaling},
                "Auto-scaling of the production variants, by variant key.",
                _SCALING,
            ),
            "scale_from_zero": Input(
                {
                    v.key: {
                        "policy_name": v.scaling.scale_from_zero.policy_name,
                        "alarm_name": v.scaling.scale_from_zero.alarm_name,
                        "cooldown": v.scaling.scale_out_cooldown,
                    }
                    for v in ep.variants
                    if v.scaling and v.scaling.scale_from_zero
                },
                "Variants (keys of var.scaling) that start their first instance when requests wait and none runs.",
                _FROM_ZERO,
            ),
            "vpc_config": Input(
                _vpc_config(ep, wire),
                "Subnets and security groups the models run in; null outside a VPC (and on serverless endpoints, which support none).",
                _VPC,
            ),
            "tags": Input(
                dict(ep.tags), "Tags of the endpoint's resources beyond the provider's default_tags.", "map(string)"
            ),
        }
        skips = []
        if not ep.encrypt_storage:
            skips.append(
                (
                    "CKV_AWS_98",
                    "instance storage with local NVMe is hardware-encrypted; SageMaker refuses a KMS key here",
                )
            )
        if any(m.network_isolation is None for m in ep.models):
            skips.append(("CKV_AWS_370", "Serverless Inference supports no network isolation (SageMaker rejects it)"))
        return ModuleContext(
            key=ep.module,
            template="endpoint",
            summary=f"The {_KINDS[ep.kind]} SageMaker endpoint {ep.name}: models, endpoint configuration, endpoint"
            + (", alarms" if ep.alarms else "")
            + (", auto-scaling" if any(v.scaling for v in ep.variants) else "")
            + ".",
            inputs=inputs,
            outputs=(),
            values={"ignored_weights": ep.ignored_weights},
            folder="endpoint",
            folder_summary=FOLDER_SUMMARY,
            checkov_skips=tuple(skips),
            instances={
                "var.models": len(ep.models),
                "var.alarms": len(ep.alarms),
                "var.scaling": sum(1 for v in ep.variants if v.scaling),
                "var.scale_from_zero": sum(1 for v in ep.variants if v.scaling and v.scaling.scale_from_zero),
                "var.notification_topics": sum(
                    1 for t in ((a.success_topic, a.error_topic) if a else ()) if t is not None
                ),
            },
            moved=_moved(ep),
        )

    def root_outputs(self, part: EndpointsPlan) -> list[RootOutput]:
        return [
            RootOutput(
                f"{ep.module}_name", f"Name of the SageMaker endpoint of module {ep.module}.", f"endpoint.{ep.key}.name"
            )
            for ep in part.endpoints
        ]

    def readme(self, part: EndpointsPlan) -> list[ReadmeSection]:
        if not part.endpoints:
            return []
        rows = []
        for ep in part.endpoints:
            variants = ", ".join(f"{v.name} ({_shown(v.model)}, weight {v.weight})" for v in ep.variants)
            if ep.shadow:
                variants += f"; shadow {ep.shadow.name} ({_shown(ep.shadow.model)})"
            rows.append((ep.name, ep.kind, variants))
        return [ReadmeSection("Endpoints", ("endpoint", "kind", "variants"), tuple(rows))]


def _vpc_config(ep: EndpointPlan, wire: Wire) -> object:
    if not ep.in_vpc:
        return NULL
    # Both exported by the network component: its private subnets (created, or the config's existing
    # ones) and the group it creates on the endpoint component's request.
    return {
        "subnets": wire.ref("network.private_subnet_ids"),
        "security_group_ids": [wire.ref("network.security_group.models")],
    }


def _model(m: ModelPlan) -> dict[str, object]:
    return {
        "name": m.name,
        "image": m.image,
        "mode": m.mode,
        "model_data_url": or_null(m.model_data_url),
        "model_data_prefix": or_null(m.model_data_prefix),
        "environment": dict(m.environment),
        "network_isolation": or_null(m.network_isolation),
        "tags": dict(m.tags),
    }


def _variant(v: VariantPlan) -> dict[str, object]:
    s = v.serverless
    return {
        "variant_name": v.name,
        "model": v.model.key,
        "initial_variant_weight": v.weight,
        "instance_type": or_null(v.instance_type),
        "initial_instance_count": or_null(v.instance_count),
        "serverless_config": {
            "memory_size_in_mb": s.memory_size_in_mb,
            "max_concurrency": s.max_concurrency,
            "provisioned_concurrency": or_null(s.provisioned_concurrency),
        }
        if s
        else NULL,
        # null: SageMaker's default (random routing, its own timeouts, the type's default volume and AMI).
        "routing_strategy": or_null(v.routing),
        "model_data_download_timeout_in_seconds": or_null(v.model_data_download_timeout),
        "container_startup_health_check_timeout_in_seconds": or_null(v.container_startup_health_check_timeout),
        "volume_size_in_gb": or_null(v.volume_size_gb),
        "inference_ami_version": or_null(v.inference_ami_version),
    }


def _deployment(ep: EndpointPlan) -> object:
    d = ep.deployment
    if d is None:
        return NULL
    step = {"type": d.step_type, "value": d.step_value} if d.step_type is not None else NULL
    rolling: object = NULL
    blue_green: object = NULL
    if d.rolling:
        rolling = {
            "wait_interval_in_seconds": d.wait_interval,
            "maximum_execution_timeout_in_seconds": or_null(d.max_execution_timeout),
            "maximum_batch_size": step,
        }
    else:
        blue_green = {
            "termination_wait_in_seconds": or_null(d.termination_wait),
            "maximum_execution_timeout_in_seconds": or_null(d.max_execution_timeout),
            "traffic_routing": {
                "type": d.traffic_type,
                "wait_interval_in_seconds": d.wait_interval,
                "canary_size": step if d.step_block == "canary_size" else NULL,
                "linear_step_size": step if d.step_block == "linear_step_size" else NULL,
            },
        }
    return {"rolling_update": rolling, "blue_green_update": blue_green, "rollback_alarms": list(d.rollback_alarms)}


def _scaling(variant: str, s: ScalingPlan) -> dict[str, object]:
    return {
        "variant_name": variant,
        "min_capacity": s.min_capacity,
        "max_capacity": s.max_capacity,
        "policy_name": s.policy_name,
        "target_value": s.target_value,
        "scale_in_cooldown": s.scale_in_cooldown,
        "scale_out_cooldown": s.scale_out_cooldown,
        "predefined_metric": or_null(s.predefined_metric),
    }


def _moved(ep: EndpointPlan) -> tuple[tuple[str, str], ...]:
    """Earlier renders gave the endpoint a module copy of its own with one block per model, alarm and
    scaling resource; the shared module's blocks are for_each instances of the same objects."""
    out = [(f"aws_sagemaker_model.{m.key}", f'aws_sagemaker_model.this["{m.key}"]') for m in ep.models]
    out += [(f"aws_cloudwatch_metric_alarm.{a.key}", f'aws_cloudwatch_metric_alarm.this["{a.key}"]') for a in ep.alarms]
    for v in ep.variants:
        if v.scaling:
            out.append((f"aws_appautoscaling_target.{v.scaling.key}", f'aws_appautoscaling_target.this["{v.key}"]'))
            out.append((f"aws_appautoscaling_policy.{v.scaling.key}", f'aws_appautoscaling_policy.this["{v.key}"]'))
            if z := v.scaling.scale_from_zero:
                out.append(
                    (f"aws_appautoscaling_policy.{z.policy_key}", f'aws_appautoscaling_policy.from_zero["{v.key}"]')
                )
                out.append(
                    (
                        f"aws_cloudwatch_metric_alarm.{z.alarm_key}",
                        f'aws_cloudwatch_metric_alarm.backlog_without_capacity["{v.key}"]',
                    )
                )
    a = ep.async_inference
    for t in (a.success_topic, a.error_topic) if a else ():
        if t is not None:
            out.append((f"aws_sns_topic.{t.key}", f'aws_sns_topic.this["{t.key}"]'))
    return tuple(out)


def _shown(m: ModelPlan) -> str:
    """A variant's model in the rendered README: v1.1.0 in the one-model form, detection@3.0.0 when named."""
    return f"v{m.version}" if m.model is None else m.ref
