"""Endpoints of ``kind: components``: SageMaker inference components on one shared fleet.

One module (``modules/inference_components``), called by one module block per such endpoint: an endpoint configuration that names no model (it carries the
execution role and managed instance scaling instead; aws provider ≥ 6.21), the endpoint, one SageMaker
model per component, one ``awscc_sagemaker_inference_component`` per component (only the awscc provider
has them) and their copy auto-scaling. The execution role gets what the models need
(``sinks.roles["sagemaker"]``).
"""

from __future__ import annotations

from collections.abc import Mapping

from ...core.component import (
    AWSCC,
    Component,
    Export,
    Input,
    ModuleContext,
    PlanRequest,
    Provider,
    ReadmeSection,
    RootOutput,
    Sinks,
    Wire,
    object_type,
)

# The alarms are the endpoint module's, on other dimensions: one typed shape and one translation for both.
from ...core.sagemaker_inputs import (
    ALARMS_TYPE,
    CAPTURE_TYPE,
    alarm_actions,
    alarm_object,
    capture_object,
    endpoint_exports,
)
from ...expr import NULL, or_null
from ...plan.parts import INFERENCE_COMPONENTS, ComponentsEndpointPlan, InferenceComponentsPlan
from .plan import inference_components_plan

# Endpoint configurations without a model, with execution_role_arn (inference components) need 6.21.
AWS_COMPONENTS = Provider("aws", "hashicorp/aws", "~> 6.0, >= 6.21")

_ENDPOINT_TYPE = object_type(
    name="string",
    config_name="string",
    variant_name="string",
    instance_type="string",
    initial_instance_count="number",
    min_instance_count="number",
    max_instance_count="number",
    routing_strategy="string",
    volume_size_in_gb="number",
    inference_ami_version="string",
)
_MODELS_TYPE = (
    "map("
    + object_type(
        name="string",
        image="string",
        model_data_url="string",
        model_data_prefix="string",
        environment="map(string)",
        network_isolation="bool",
        tags="map(string)",
    )
    + ")"
)
_COMPONENTS_TYPE = (
    "map("
    + object_type(
        name="string",
        min_memory_mb="number",
        max_memory_mb="number",
        cpu_cores="number",
        accelerators="number",
        copies="number",
        tags="map(string)",
        model_data_download_timeout_in_seconds="number",
        container_startup_health_check_timeout_in_seconds="number",
    )
    + ")"
)
#: What the one module holds (its README); each call's summary says which endpoint it is.
FOLDER_SUMMARY = (
    "One SageMaker endpoint with inference components: an endpoint configuration without a model (one instance "
    "fleet, managed instance scaling and routing when set), the endpoint, one model and one awscc inference "
    "component per component (with its rolling deployment and the alarms that roll it back), the components' "
    "CloudWatch alarms and the copy auto-scaling (target tracking, and the wake-up from zero copies)."
)

_CAPACITY_TYPE = object_type(type="string", value="number")
#: awscc_sagemaker_inference_component.deployment_config (awscc 1.106.0), by component.
_DEPLOYMENTS_TYPE = (
    "map("
    + object_type(
        rolling_update_policy=object_type(
            maximum_batch_size=_CAPACITY_TYPE,
            wait_interval_in_seconds="number",
            maximum_execution_timeout_in_seconds="number",
            rollback_maximum_batch_size=_CAPACITY_TYPE,
        ),
        auto_rollback_configuration=object_type(alarms="list(" + object_type(alarm_name="string") + ")"),
    )
    + ")"
)

_SCALING_TYPE = (
    "map("
    + object_type(
        policy_name="string",
        min="number",
        max="number",
        target_invocations="number",
        scale_in_cooldown="number",
        scale_out_cooldown="number",
    )
    + ")"
)


class InferenceComponents(Component):
    name = INFERENCE_COMPONENTS.name
    providers = (AWS_COMPONENTS, AWSCC)

    def build(self, request: PlanRequest, parts: Mapping[str, object]) -> InferenceComponentsPlan | None:
        return inference_components_plan(request.config, request.prefix)

    def contribute(self, part: InferenceComponentsPlan, sinks: Sinks) -> None:
        sinks.add_role_statements("sagemaker", part.role_statements)

    def exports(self, part: InferenceComponentsPlan) -> list[Export]:
        out = []
        for ep in part.endpoints:
            m = ep.module
            out.extend(endpoint_exports(f"inference_components.{ep.key}", m))
        return out

    def endpoints(self, part: InferenceComponentsPlan) -> int:
        return len(part.endpoints)

    def modules(self, part: InferenceComponentsPlan, wire: Wire, sinks: Sinks) -> list[ModuleContext]:
        return [self._module(ep, wire, part) for ep in part.endpoints]

    def _module(self, ep: ComponentsEndpointPlan, wire: Wire, part: InferenceComponentsPlan) -> ModuleContext:
        endpoint = {
            "name": ep.name,
            "config_name": ep.config_name,
            "variant_name": ep.variant_name,
            "instance_type": ep.instance_type,
            "initial_instance_count": ep.instance_count,
            "min_instance_count": ep.scaling.min if ep.scaling else NULL,
            "max_instance_count": ep.scaling.max if ep.scaling else NULL,
            "routing_strategy": or_null(ep.routing),
            "volume_size_in_gb": or_null(ep.volume_size_gb),
            "inference_ami_version": or_null(ep.inference_ami_version),
        }
        models = {
            c.key: {
                "name": c.model.name,
                "image": c.model.image,
                "model_data_url": or_null(c.model.model_data_url),
                "model_data_prefix": or_null(c.model.model_data_prefix),
                "environment": c.model.environment,
                "network_isolation": bool(c.model.network_isolation),
                "tags": c.model.tags,
            }
            for c in ep.components
        }
        components = {
            c.key: {
                "name": c.name,
                "min_memory_mb": c.min_memory_mb,
                "max_memory_mb": or_null(c.max_memory_mb),
                "cpu_cores": or_null(c.cpu_cores),
                "accelerators": or_null(c.accelerators),
                "copies": c.copies,
                "tags": ep.component_tags[c.key],
                "model_data_download_timeout_in_seconds": or_null(c.model_data_download_timeout),
                "container_startup_health_check_timeout_in_seconds": or_null(c.container_startup_health_check_timeout),
            }
            for c in ep.components
        }
        scaling = {
            c.key: {
                "policy_name": c.scaling.policy_name,
                "min": c.scaling.min,
                "max": c.scaling.max,
                "target_invocations": c.scaling.target_invocations,
                "scale_in_cooldown": c.scaling.scale_in_cooldown,
                "scale_out_cooldown": c.scaling.scale_out_cooldown,
            }
            for c in ep.components
            if c.scaling is not None
        }
        from_zero = {
            c.key: {"policy_name": c.scaling.from_zero_policy_name, "alarm_name": c.scaling.from_zero_alarm_name}
            for c in ep.components
            if c.scaling is not None and c.scaling.from_zero_policy_name is not None
        }
        kms = wire.need("kms.key_arn")
        # One module for every such endpoint: every input is passed at every call (empty maps and nulls
        # where a setting does not apply), so the module's text is the same for all of them.
        inputs = {
            "execution_role_arn": wire.need(
                "sagemaker_role.arn", "ARN of the SageMaker execution role the endpoint and its models run as."
            ),
            "storage_kms_key_arn": Input(
                kms.value if ep.encrypt_storage else NULL,
                "ARN of the KMS key of the instances' ML storage volumes; null where the instance type has local NVMe storage (SageMaker refuses a key, the hardware encrypts).",
                "string",
            ),
            "endpoint": Input(
                endpoint,
                "The endpoint, its configuration's name and its one instance fleet (managed instance scaling and routing: null when not set).",
                _ENDPOINT_TYPE,
            ),
            "models": Input(
                models,
                "The SageMaker model of each component (content-hashed names: models are immutable); the files are an archive (model_data_url), uncompressed under a prefix (model_data_prefix) or in the image (both null).",
                _MODELS_TYPE,
            ),
            "components": Input(
                components,
                "The inference components: what each copy reserves (null: not reserved), the initial copy count, their own tags.",
                _COMPONENTS_TYPE,
            ),
            "copy_scaling": Input(
                scaling,
                "Target tracking of the copy count on invocations per copy, by component (none: fixed copy counts).",
                _SCALING_TYPE,
            ),
            "from_zero": Input(
                from_zero,
                "Components that scale to zero copies: the step policy and alarm (on NoCapacityInvocationFailures) that add a copy when a request finds none.",
                "map(" + object_type(policy_name="string", alarm_name="string") + ")",
            ),
            "alarms": Input(
                {al.key: alarm_object(al) for al in ep.alarms},
                "CloudWatch alarms of the components, by key: each on its InferenceComponentName (a plain metric or metric math).",
                ALARMS_TYPE,
            ),
            "alarm_actions": alarm_actions(wire, part.alarm_topics),
            "deployments": Input(
                _deployments(ep),
                "How each component moves to a new model or specification (a rolling update, rolled back by its alarms), by component; none: SageMaker's default.",
                _DEPLOYMENTS_TYPE,
            ),
            # awscc has no default_tags: the project's tags are passed and written on each component.
            "tags": Input(
                part.tags,
                "Tags of the awscc resources (the aws provider adds the same through default_tags).",
                "map(string)",
            ),
            "endpoint_tags": Input(
                dict(ep.tags),
                "Tags of the endpoint's aws resources beyond the provider's default_tags (they win over the project's).",
                "map(string)",
            ),
            "data_capture": Input(
                capture_object(ep.capture, wire, kms.value) if ep.capture is not None else NULL,
                "Data capture of the endpoint's requests and responses (destination and its KMS key: the platform's bucket and key, or the config's own; a null key: the bucket's default encryption); null for none.",
                CAPTURE_TYPE,
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
        return ModuleContext(
            key=ep.module,
            template="inference_components",
            summary=f"The SageMaker endpoint {ep.label} with inference components ({', '.join(c.label for c in ep.components)}) on a fleet of {ep.instance_type}"
            + (", copy auto-scaling" if scaling else "")
            + (", alarms" if ep.alarms else "")
            + (", rolling deployment" if ep.rollout else "")
            + ".",
            inputs=inputs,
            outputs=(),
            folder="inference_components",
            folder_summary=FOLDER_SUMMARY,
            checkov_skips=tuple(skips),
            instances={
                "var.alarms": len(ep.alarms),
                "var.models": len(models),
                "var.components": len(components),
                "var.copy_scaling": len(scaling),
                "var.from_zero": len(from_zero),
            },
        )

    def root_outputs(self, part: InferenceComponentsPlan) -> list[RootOutput]:
        return [
            RootOutput(
                f"{ep.module}_name",
                f"Name of the SageMaker endpoint of module {ep.module}.",
                f"inference_components.{ep.key}.name",
            )
            for ep in part.endpoints
        ]

    def readme(self, part: InferenceComponentsPlan) -> list[ReadmeSection]:
        rows = []
        for ep in part.endpoints:
            fleet = f"{ep.instance_type} × {ep.instance_count}" + (
                f" (managed {ep.scaling.min}-{ep.scaling.max})" if ep.scaling else ""
            )
            for c in ep.components:
                copies = f"{c.copies}" + (
                    f" ({c.scaling.min}-{c.scaling.max} on {c.scaling.target_invocations} invocations per copy)"
                    if c.scaling
                    else ""
                )
                rows.append(
                    (ep.name, fleet, c.name, f"v{c.model.version}" if c.model.model is None else c.model.ref, copies)
                )
        return [
            ReadmeSection("Inference components", ("endpoint", "fleet", "component", "model", "copies"), tuple(rows))
        ]


def _deployments(ep: ComponentsEndpointPlan) -> dict[str, object]:
    r = ep.rollout
    if r is None:
        return {}
    out: dict[str, object] = {}
    for c in ep.components:
        names = [a.name for a in ep.alarms if a.key in r.rollback_alarms.get(c.key, ())]
        out[c.key] = {
            "rolling_update_policy": {
                "maximum_batch_size": {"type": r.step_type, "value": r.step_value},
                "wait_interval_in_seconds": r.wait_interval,
                "maximum_execution_timeout_in_seconds": or_null(r.max_execution_timeout),
                "rollback_maximum_batch_size": {"type": r.rollback_step_type, "value": r.rollback_step_value}
                if r.rollback_step_type is not None
                else NULL,
            },
            # The alarms by name (the module creates them before the components: depends_on).
            "auto_rollback_configuration": {"alarms": [{"alarm_name": n} for n in names]} if names else NULL,
        }
    return out
