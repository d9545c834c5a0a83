"""SageMaker's own API rules, checked on what Terraform evaluates.

This checker is deliberately independent of mlinfra: it imports nothing from
``mlinfra`` (not the config model, not its validation rules, not the planner).
A rule that mlinfra's validator forgets, or a planner bug that emits something the
validator never saw, still shows up here.

A rendered tree calls one generic endpoint module per endpoint; the values live at the
module calls and become resource arguments only through ``for_each``, ``dynamic``
blocks and variables. So the checker reads Terraform's own evaluation:

* ``plan_errors(plan, root) -> [str]``: ``plan`` is ``terraform show -json`` of a saved
  plan of the tree at ``root`` (``planned_values``: every resource instance with its
  evaluated arguments; ``configuration``: the module calls and their sources). The
  modules' ``lifecycle`` blocks, which a plan does not carry, are read from their
  source. Messages read ``<module instance>: <resource address>: [rule] detail``, e.g.
  ``module.endpoint_inference: aws_sagemaker_model.this["canary"]: [artifact] ...``.
* ``sagemaker_errors(root) -> [str]``: the same rules over a tree whose resources
  carry literal values (hand-written trees in the tests), read from the parsed HCL
  (``hcl_checks.load_tree``); messages ``<file>: <address>: <detail>``.

Both are pure (they only read files and the given plan).

Rules (SageMaker API reference: CreateModel, CreateEndpointConfig,
ProductionVariant, ServerlessConfig, DataCaptureConfig, CreateEndpoint,
DeploymentConfig, BlueGreenUpdatePolicy, TrafficRoutingConfig, RollingUpdatePolicy,
AutoRollbackConfig; Application Auto Scaling RegisterScalableTarget /
PutScalingPolicy; SageMaker CloudWatch metrics), each tagged in the messages
with the short name in brackets so a test can match it:

[name]            endpoint, endpoint config, model and variant names: at most 63
                  characters matching ``^[a-zA-Z0-9](-*[a-zA-Z0-9])*$`` (a name
                  with an interpolation is skipped).
[unique]          endpoint / endpoint config / model names are unique across the
                  tree (per resource type), variant names within one endpoint
                  config (production and shadow together), CloudWatch alarm names
                  across the tree (PutMetricAlarm silently overwrites), and one
                  scalable target per variant.
[variants]        1-10 production variants; each has a model_name referring to a
                  model of the module; either instance_type + initial_instance_count
                  >= 1 or serverless_config, never both; instance types look like
                  ``ml.<family>.<size>``; weights >= 0 and not all 0.
[shadow]          with shadow variants: exactly one production and one shadow variant.
[shadow]          shadow variants not beside asynchronous inference or a multi-model
                  container.
[serverless]      memory_size_in_mb 1024..6144 in steps of 1024, max_concurrency
                  1..200, provisioned_concurrency 1..max_concurrency; a serverless
                  config has a single variant, no shadow variant, no data capture,
                  no async inference, no multi-model container, and its model does
                  not enable network isolation nor have a vpc_config (serverless
                  endpoints support neither network isolation nor a VPC).
[artifact]        a SingleModel container's model_data_url is one .tar.gz archive
                  (CreateModel: "a single gzip compressed tar archive"); a MultiModel
                  container's is an S3 prefix ending with /; a model_data_source is
                  S3Prefix (a prefix ending with /, compression None) or S3Object (Gzip:
                  a .tar.gz), never beside model_data_url nor on a MultiModel container
                  nor for a serverless variant (SageMaker: ModelDataSource cannot be used
                  with batch transform, serverless or multi-model endpoints);
                  neither (the image carries the model) is accepted.
[multimodel]     GPU instances for multi-model endpoints only from SageMaker's list
                  (ml.p2.xlarge, ml.p3.2xlarge, ml.g4dn.xlarge..16xlarge,
                  ml.g5.xlarge..16xlarge); no Inferentia/Trainium instances.
[kms]             no kms_key_arn when any variant uses an instance type with local
                  NVMe storage (SageMaker rejects CreateEndpointConfig).
[settings]        production-variant settings (ProductionVariant): no routing_config, timeouts,
                  volume_size_in_gb or inference_ami_version on a serverless variant;
                  model_data_download_timeout_in_seconds and
                  container_startup_health_check_timeout_in_seconds 60..3600,
                  volume_size_in_gb 1..512 and not on instance types with local NVMe
                  storage (SageMaker attaches no EBS volume there); routing_strategy
                  LEAST_OUTSTANDING_REQUESTS or RANDOM; inference_ami_version one of
                  ProductionVariantInferenceAmiVersion, a gpu image on an NVIDIA GPU type
                  (ml.g*, ml.p*), neuron-2 on Inferentia2/Trainium (ml.inf2, ml.trn*);
                  no managed_instance_scaling beside a model_name (CreateEndpointConfig:
                  "ManagedInstanceScaling is only supported for inference component
                  endpoints").
[capture]         data capture: sampling 0..100; 1-2 capture options with modes
                  Input / Output / InputAndOutput, none repeated; destination s3://,
                  at most 512 characters (DataCaptureConfig.DestinationS3Uri); a
                  literal kms_key_id at most 2048 characters of [a-zA-Z0-9:/_-].
[tags]            SageMaker models, endpoint configs and endpoints carry at most 50
                  tags (TagList max 50; in a plan: tags_all, the provider's
                  default_tags merged in), no key starting with aws:, keys of
                  1-128 and values of at most 256 characters.
[immutable]       endpoint configs and models have lifecycle create_before_destroy =
                  true; an endpoint config name ends with ``-<8 hex>`` content hash.
[endpoint]        endpoint_config_name refers to an endpoint config of the module.
[deployment]      deployment_config: exactly one of blue_green_update_policy and
                  rolling_update_policy; traffic routing type and its sizes
                  (CANARY: canary_size <= 50 % of each production variant's
                  instance count -- TrafficRoutingConfig: "of the variant's total
                  instance count", so the smallest variant binds;
                  LINEAR: linear_step_size 10..50 % of it; ALL_AT_ONCE: neither);
                  wait_interval_in_seconds 0..3600; termination_wait_in_seconds
                  0..3600; maximum_execution_timeout_in_seconds 600..28800 and
                  larger than the waits; rolling: maximum_batch_size 5..50 %, a
                  single production variant, no shadow, no serverless; no
                  deployment guardrails on Inf1 instances (SageMaker falls back to
                  all at once without baking).
[rollback]        1-10 auto-rollback alarms, each an aws_cloudwatch_metric_alarm of
                  the module whose EndpointName dimensions all name this endpoint.
[autoscaling]     sagemaker scalable targets: resource_id
                  ``endpoint/<endpoint>/variant/<variant>`` naming an endpoint of the
                  module and a variant of its config; scalable_dimension
                  sagemaker:variant:DesiredInstanceCount; min <= initial_instance_count
                  <= max, min 0 only with async_inference_config; not on burstable
                  ml.t<digit> (ml.t2, ml.t3 ...; Trainium ml.trn* is fine) or
                  serverless variants.  Each scaling policy refers to one target of
                  the module.
[async]           asynchronous notification_config: success_topic / error_topic are SNS topic
                  ARNs, at least one is set, include_inference_response_in names only
                  topics that are set (AsyncInferenceNotificationConfig); s3_output_path
                  and s3_failure_path at most 512 characters (DestinationS3Uri).
[autoscaling]     target-tracking policies of one target have distinct names; on a target
                  with min_capacity 0 at most one of them scales in (the others set
                  disable_scale_in), else the variant never reaches zero.
[metric]          AWS/SageMaker metrics of alarms and scaling policies: EndpointName
                  names an endpoint of the module, VariantName a variant of its
                  config; per-variant metrics must carry VariantName (only the
                  asynchronous backlog metrics are published per endpoint). In a module
                  with async_inference_config no alarm, metric query or scaling policy
                  uses a metric AWS does not publish for asynchronous endpoints
                  (Invocations, InvocationsPerInstance, OverheadLatency; the predefined
                  SageMakerVariantInvocationsPerInstance): it would never get data.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .hcl_checks import MARK, load_tree

NAME_RE = re.compile(r"^[a-zA-Z0-9](-*[a-zA-Z0-9])*$")
NAME_MAX = 63
CONFIG_HASH_RE = re.compile(r"-[0-9a-f]{8}$")
INSTANCE_TYPE_RE = re.compile(r"^ml\.(?P<family>[a-z0-9-]+)\.(?P<size>[a-z0-9-]+)$")

# Families with local NVMe instance storage that the generation/`d` rule does not reveal.
LOCAL_NVME_FAMILIES = {"g5", "g6", "g6e", "gr6", "p5", "p5e", "p5en", "p6-b200", "trn1", "trn1n", "trn2"}

CAPTURE_MODES = {"Input", "Output", "InputAndOutput"}
# botocore sagemaker: DataCaptureConfig.DestinationS3Uri max 512; DataCaptureConfigSummary.KmsKeyId max
# 2048, pattern [a-zA-Z0-9:/_-]*; TagList max 50 (TagKey 1-128, TagValue 0-256).
CAPTURE_DESTINATION_MAX = 512
KMS_KEY_ID_MAX = 2048
KMS_KEY_ID_RE = re.compile(r"[a-zA-Z0-9:/_-]*")
TAGS_MAX = 50
ROUTING_TYPES = {"ALL_AT_ONCE", "CANARY", "LINEAR"}
CAPACITY_TYPES = {"INSTANCE_COUNT", "CAPACITY_PERCENT"}
SAGEMAKER_NAMESPACE = "AWS/SageMaker"
VARIANT_DIMENSION = "sagemaker:variant:DesiredInstanceCount"
# AWS/SageMaker metrics published with only the EndpointName dimension (asynchronous inference).
ENDPOINT_LEVEL_METRICS = {
    "ApproximateBacklogSize",
    "ApproximateBacklogSizePerInstance",
    "ApproximateAgeOfOldestRequest",
    "HasBacklogWithoutCapacity",
}
# AWS/SageMaker metrics an asynchronous endpoint never publishes. AWS, "Alarms and logs for tracking metrics
# from asynchronous endpoints" (sagemaker/latest/dg/async-inference-monitor.html): "Any metric not listed
# below is not published if the endpoint is enabled for asynchronous inference. Such metrics include (but
# are not limited to): OverheadLatency, Invocations, InvocationsPerInstance".
ASYNC_UNPUBLISHED_METRICS = {"Invocations", "InvocationsPerInstance", "OverheadLatency"}
#: Application Auto Scaling's predefined metric on InvocationsPerInstance.
INVOCATIONS_PER_INSTANCE = "SageMakerVariantInvocationsPerInstance"

_INTERPOLATION = re.compile(r"(?<!\$)\$\{|(?<!%)%\{")
_REF = re.compile(r'^\$\{(?P<type>aws_[\w-]+)\.(?P<name>[\w-]+(?:\["[^"]*"\])?)\.(?P<attr>[\w-]+)\}$')
_RESOURCE_ID = re.compile(r"^endpoint/(?P<endpoint>.+)/variant/(?P<variant>[^/]+)$")


# --------------------------------------------------------------------------
# Value helpers (python-hcl2 8 representation, see hcl_checks)
# --------------------------------------------------------------------------


def _text(value: Any) -> str | None:
    """Body of a quoted string literal (interpolations kept), else None."""
    if isinstance(value, str) and len(value) >= 2 and value[0] == value[-1] == '"':
        return value[1:-1]
    return None


def _interpolated(text: str) -> bool:
    return bool(_INTERPOLATION.search(text))


def _literal(value: Any) -> str | None:
    """A string literal without interpolation, unquoted; None for anything else."""
    text = _text(value)
    if text is None or _interpolated(text):
        return None
    return text


def _number(value: Any) -> int | float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return value


def _ref(value: Any) -> tuple[str, str, str] | None:
    """``${aws_type.name.attr}`` -> (type, name, attr)."""
    if not isinstance(value, str):
        return None
    match = _REF.match(value)
    return (match["type"], match["name"], match["attr"]) if match else None


def _blocks(body: dict, key: str) -> list[dict]:
    value = body.get(key)
    if isinstance(value, list):
        return [item for item in value if isinstance(item, dict) and item.get(MARK)]
    return []


def _block(body: dict, key: str) -> dict | None:
    found = _blocks(body, key)
    return found[0] if found else None


def _key(key: str) -> str:
    return key[1:-1] if len(key) >= 2 and key[0] == key[-1] == '"' else key


def _map(value: Any) -> dict[str, Any]:
    """A map attribute (``dimensions = {...}``) with its keys unquoted."""
    if isinstance(value, dict):
        return {_key(k): v for k, v in value.items() if k != MARK}
    return {}


def _local_nvme(instance_type: str) -> bool:
    match = INSTANCE_TYPE_RE.match(instance_type)
    if not match:
        return False
    family = match["family"]
    if family in LOCAL_NVME_FAMILIES:
        return True
    parts = re.fullmatch(r"([a-z]+)(\d+)([a-z-]*)", family)
    return bool(parts and "d" in parts.group(3))


def _burstable(instance_type: str) -> bool:
    """ml.t2 / ml.t3 / ...: burstable; ml.trn1 (Trainium) merely starts with a t."""
    return bool(re.match(r"^ml\.t\d", instance_type))


# --------------------------------------------------------------------------
# Tree model
# --------------------------------------------------------------------------


@dataclass
class _Resource:
    file: str
    type: str
    label: str
    body: dict

    @property
    def address(self) -> str:
        return f"{self.type}.{self.label}"

    @property
    def prefix(self) -> str:
        return f"{self.file}: {self.address}"


@dataclass
class _Module:
    directory: str
    resources: dict[str, dict[str, _Resource]] = field(default_factory=dict)

    def of(self, tf_type: str) -> dict[str, _Resource]:
        return self.resources.get(tf_type, {})


def resource_bodies(parsed: dict) -> list[tuple[str, str, dict]]:
    """(type, label, body) of every resource block of one parsed file, labels unquoted."""
    out = []
    for entry in parsed.get("resource", []):
        for tf_type, named in entry.items():
            if tf_type == MARK or not isinstance(named, dict):
                continue
            for label, body in named.items():
                if label != MARK and isinstance(body, dict):
                    out.append((_key(tf_type), _key(label), body))
    return out


def _modules(root: Path) -> list[_Module]:
    modules = []
    for module_dir, files in load_tree(root).items():
        mod = _Module(module_dir)
        for file_name, parsed in files.items():
            where = file_name if module_dir == "." else f"{module_dir}/{file_name}"
            for tf_type, label, body in resource_bodies(parsed):
                res = _Resource(where, tf_type, label, body)
                mod.resources.setdefault(res.type, {})[res.label] = res
        modules.append(mod)
    return modules


def _resolve(mod: _Module, tf_type: str, value: Any, attr: str = "name", by: str = "name") -> _Resource | None:
    """The resource of the module a value designates: ``${tf_type.X.<attr>}`` or its literal name."""
    ref = _ref(value)
    if ref is not None:
        if ref[0] == tf_type and ref[2] == attr:
            return mod.of(tf_type).get(ref[1])
        return None
    literal = _literal(value)
    if literal is None:
        return None
    for res in mod.of(tf_type).values():
        if _literal(res.body.get(by)) == literal:
            return res
    return None


def _resolve_token(mod: _Module, tf_type: str, token: str) -> _Resource | None:
    """Same as _resolve for a piece of template text (``${...}`` or literal)."""
    if token.startswith("${"):
        return _resolve(mod, tf_type, token)
    return _resolve(mod, tf_type, f'"{token}"')


def _variants(config: _Resource) -> tuple[list[dict], list[dict]]:
    return _blocks(config.body, "production_variants"), _blocks(config.body, "shadow_production_variants")


def _variant_by_name(config: _Resource, name: str) -> dict | None:
    production, shadow = _variants(config)
    for variant in production + shadow:
        if _literal(variant.get("variant_name")) == name:
            return variant
    return None


def _instance_counts(config: _Resource) -> dict[str, int] | None:
    """Initial instance count of each production variant (None when not all literal)."""
    counts: dict[str, int] = {}
    for index, variant in enumerate(_variants(config)[0]):
        if _block(variant, "serverless_config") is not None:
            continue
        count = _number(variant.get("initial_instance_count"))
        if count is None:
            return None
        counts[_literal(variant.get("variant_name")) or f"production_variants[{index}]"] = count
    return counts


def _is_serverless_config(config: _Resource) -> bool:
    production, shadow = _variants(config)
    return any(_block(v, "serverless_config") for v in production + shadow)


# --------------------------------------------------------------------------
# Checks
# --------------------------------------------------------------------------


# --------------------------------------------------------------------------
# Terraform's evaluated plan
# --------------------------------------------------------------------------


def _as_hcl(value: Any) -> Any:
    """A planned value in python-hcl2's shape, so one set of rules reads both: strings quoted, nested
    blocks (lists of objects) marked as blocks, nulls (unset arguments) left out."""
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, dict):
        return {k: _as_hcl(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        if value and all(isinstance(v, dict) for v in value):
            return [{**_as_hcl(v), MARK: True} for v in value]
        return [_as_hcl(v) for v in value]
    return value


#: An argument whose value Terraform knows only after apply (a KMS key's ARN): set, but no literal.
UNKNOWN = "${(known after apply)}"


def _with_unknown(values: Any, unknown: Any) -> Any:
    """Planned values with the arguments known only after apply (``after_unknown``) filled in as
    :data:`UNKNOWN`: a plan leaves them out, but they are set."""
    if unknown is True:
        return UNKNOWN
    if isinstance(unknown, dict):
        values = dict(values) if isinstance(values, dict) else {}
        for k, u in unknown.items():
            if u is True or (isinstance(u, (dict, list)) and k in values):
                values[k] = _with_unknown(values.get(k), u)
        return values
    if isinstance(unknown, list) and isinstance(values, list):
        return [_with_unknown(v, unknown[i]) if i < len(unknown) else v for i, v in enumerate(values)]
    return values


def _lifecycles(root: Path, plan: dict, top: Path | None = None) -> dict[tuple[str, str, str], dict]:
    """(module call path, type, name) -> the resource's lifecycle block, read from the module's source:
    ``lifecycle`` is not part of a plan's values. ``top``: the folder holding a split tree's stack roots
    and the modules they call (``../modules/x``), when ``root`` is one of them."""
    tree = load_tree(top or root)
    found: dict[tuple[str, str, str], dict] = {}

    def visit(config: dict, call_path: str, directory: Path) -> None:
        files = tree.get(directory.as_posix(), {})
        for parsed in files.values():
            for tf_type, label, body in resource_bodies(parsed):
                found[(call_path, tf_type, label)] = _block(body, "lifecycle") or {}
        for name, call in config.get("module_calls", {}).items():
            source = call.get("source", "")
            if source.startswith(("./", "../")):
                visit(call.get("module", {}), f"{call_path}.module.{name}".lstrip("."), Path(os.path.normpath(directory / source)))

    start = Path(root).relative_to(top) if top else Path(".")
    visit(plan.get("configuration", {}).get("root_module", {}), "", start)
    return found


def _plan_modules(plan: dict, root: Path, top: Path | None = None) -> list[_Module]:
    """One _Module per module instance of the plan (``module.endpoint_inference``), its resources'
    planned values as python-hcl2 would read literals."""
    lifecycles = _lifecycles(root, plan, top)
    unknown = {rc["address"]: rc.get("change", {}).get("after_unknown", {}) for rc in plan.get("resource_changes", [])}
    modules: list[_Module] = []

    def visit(module: dict) -> None:
        address = module.get("address", "")
        mod = _Module(address or ".")
        call_path = re.sub(r"\[[^\]]*\]", "", address)  # module.x["k"] -> module.x (one source)
        for res in module.get("resources", []):
            if res.get("mode") != "managed":
                continue
            label = res["name"] + (f"[{json.dumps(res['index'])}]" if "index" in res else "")
            body = _as_hcl(_with_unknown(res.get("values", {}), unknown.get(res["address"], {})))
            lifecycle = lifecycles.get((call_path, res["type"], res["name"]))
            if lifecycle:
                body["lifecycle"] = [lifecycle]
            item = _Resource(address or ".", res["type"], label, body)
            mod.resources.setdefault(item.type, {})[item.label] = item
        _link_computed_names(mod)
        modules.append(mod)
        for child in module.get("child_modules", []):
            visit(child)

    visit(plan.get("planned_values", {}).get("root_module", {}))
    return sorted(modules, key=lambda m: m.directory)


def _link_computed_names(mod: _Module) -> None:
    """Names Terraform computes at apply (the module hashes inputs known only then: role and key ARNs,
    subnet IDs) are unknown in a first plan, so the references to them are too. The endpoint module
    references them in two fixed ways, put back here so the checks still follow them: the endpoint's
    configuration is the module's one configuration, and a variant's model is the model keyed by the
    variant's ``model`` (the variant's name as a Terraform identifier, in every config mlinfra renders)."""
    configs = mod.of("aws_sagemaker_endpoint_configuration")
    models = mod.of("aws_sagemaker_model")
    for endpoint in mod.of("aws_sagemaker_endpoint").values():
        if _text(endpoint.body.get("endpoint_config_name")) == UNKNOWN and len(configs) == 1:
            [label] = configs
            endpoint.body["endpoint_config_name"] = f"${{aws_sagemaker_endpoint_configuration.{label}.name}}"
    for config in configs.values():
        production, shadow = _variants(config)
        for variant in production + shadow:
            # (model keys are Terraform identifiers: a variant's dashes become underscores)
            label = f'this["{(_literal(variant.get("variant_name")) or "").replace("-", "_")}"]'
            if _text(variant.get("model_name")) == UNKNOWN and label in models:
                variant["model_name"] = f"${{aws_sagemaker_model.{label}.name}}"


def plan_errors(plan: dict, root: Path, top: Path | None = None) -> list[str]:
    """Every SageMaker API rule Terraform's evaluated plan breaks (``terraform show -json`` of a saved
    plan of the tree at root): the values each module call passes, as Terraform evaluates them. Messages
    read ``<module instance>: <resource address>: [rule] detail``; lifecycle settings come from the
    modules' source (a plan does not carry them)."""
    return _errors(_plan_modules(plan, Path(root), top))


def sagemaker_errors(root: Path) -> list[str]:
    """Every SageMaker API rule the literal HCL of the tree at root breaks (see module docstring);
    endpoints with inference components are checked at their module calls (components_checks)."""
    from .components_checks import components_errors

    return components_errors(Path(root)) + _errors(_modules(Path(root)))


def _errors(modules: list[_Module]) -> list[str]:
    errors: list[str] = []
    errors.extend(_check_unique_names(modules))
    for mod in modules:
        for tf_type in ("aws_sagemaker_model", "aws_sagemaker_endpoint_configuration", "aws_sagemaker_endpoint"):
            for res in mod.of(tf_type).values():
                errors.extend(_check_tags(res))
        if mod.of("awscc_sagemaker_inference_component"):
            continue  # an endpoint with inference components: its own rules (components_checks)
        for model in mod.of("aws_sagemaker_model").values():
            errors.extend(_check_model(model))
        for config in mod.of("aws_sagemaker_endpoint_configuration").values():
            errors.extend(_check_endpoint_config(mod, config))
        for endpoint in mod.of("aws_sagemaker_endpoint").values():
            errors.extend(_check_endpoint(mod, endpoint))
        errors.extend(_check_autoscaling(mod))
        errors.extend(_check_tracking_policies(mod))
        errors.extend(_check_metrics(mod))
        errors.extend(_check_async_metrics(mod))
        for config in mod.of("aws_sagemaker_endpoint_configuration").values():
            errors.extend(_check_async(config))
    return errors


SNS_TOPIC_ARN_RE = re.compile(r"^arn:aws[a-z\-]*:sns:[a-z0-9\-]*:[0-9]{12}:[a-zA-Z0-9_.-]+$")
#: AsyncInferenceOutputConfig S3OutputPath / S3FailurePath: botocore's DestinationS3Uri, max 512.
ASYNC_PATH_MAX = 512
TOPIC_TYPES = {"success_topic": "SUCCESS_NOTIFICATION_TOPIC", "error_topic": "ERROR_NOTIFICATION_TOPIC"}


def _check_async(config: _Resource) -> list[str]:
    """[async] AsyncInferenceNotificationConfig: each topic an SNS topic ARN (botocore's SnsTopicArn), at
    least one topic in a notification_config, and IncludeInferenceResponseIn naming only topics that are set."""
    errors = []
    for a in _blocks(config.body, "async_inference_config"):
        for output in _blocks(a, "output_config"):
            for attr in ("s3_output_path", "s3_failure_path"):
                path = _literal(output.get(attr))
                if path is not None and len(path) > ASYNC_PATH_MAX:
                    errors.append(f"{config.prefix}: [async] {attr} is {len(path)} characters; SageMaker takes at most {ASYNC_PATH_MAX} (botocore's DestinationS3Uri)")
            for n in _blocks(output, "notification_config"):
                given = {attr for attr in TOPIC_TYPES if n.get(attr) is not None}
                if not given:
                    errors.append(f"{config.prefix}: [async] a notification_config without success_topic or error_topic")
                for attr in given:
                    arn = _literal(n.get(attr))
                    if arn is not None and not SNS_TOPIC_ARN_RE.match(arn):
                        errors.append(f"{config.prefix}: [async] {attr} {arn!r} is not an SNS topic ARN")
                included = n.get("include_inference_response_in") or []
                for kind in [_literal(k) or k for k in included] if isinstance(included, list) else []:
                    if kind not in {TOPIC_TYPES[a] for a in given}:
                        errors.append(f"{config.prefix}: [async] include_inference_response_in names {kind}, a topic that is not set")
    return errors


def _check_async_metrics(mod: _Module) -> list[str]:
    """[metric] an asynchronous endpoint's alarms and scaling policies read only metrics it publishes (see
    ASYNC_UNPUBLISHED_METRICS): a 5XX rate over Invocations is never computed, a target on
    InvocationsPerInstance never gets a data point."""
    if not any(_block(c.body, "async_inference_config") is not None for c in mod.of("aws_sagemaker_endpoint_configuration").values()):
        return []
    errors = []
    for alarm in mod.of("aws_cloudwatch_metric_alarm").values():
        for namespace, _dims, metric in _endpoint_dimensions(alarm):
            name = _literal(metric.get("metric_name"))
            if namespace == SAGEMAKER_NAMESPACE and name in ASYNC_UNPUBLISHED_METRICS:
                errors.append(f"{alarm.prefix}: [metric] {name} is not published for asynchronous endpoints: the alarm never gets data")
    for policy in mod.of("aws_appautoscaling_policy").values():
        for config in _blocks(policy.body, "target_tracking_scaling_policy_configuration"):
            for spec in _blocks(config, "predefined_metric_specification"):
                if _literal(spec.get("predefined_metric_type")) == INVOCATIONS_PER_INSTANCE:
                    errors.append(f"{policy.prefix}: [metric] {INVOCATIONS_PER_INSTANCE} tracks InvocationsPerInstance, which asynchronous endpoints do not publish: scale on the backlog")
            for spec in _blocks(config, "customized_metric_specification"):
                name = _literal(spec.get("metric_name"))
                if _literal(spec.get("namespace")) == SAGEMAKER_NAMESPACE and name in ASYNC_UNPUBLISHED_METRICS:
                    errors.append(f"{policy.prefix}: [metric] {name} is not published for asynchronous endpoints: the policy never gets data")
    return errors


def _check_tracking_policies(mod: _Module) -> list[str]:
    """[autoscaling] target-tracking policies on one scalable target: distinct names (PutScalingPolicy with
    a name the target has replaces that policy), and with min_capacity 0 at most one may scale in: Application
    Auto Scaling scales in only when every target-tracking policy agrees, and a second one that stays above
    its target while the backlog is empty (or has no data) would keep the variant from reaching zero."""
    errors = []
    targets = mod.of("aws_appautoscaling_target")
    by_target: dict[str, list[_Resource]] = {}
    for policy in mod.of("aws_appautoscaling_policy").values():
        if _literal(policy.body.get("policy_type")) != "TargetTrackingScaling":
            continue
        ref = _ref(policy.body.get("resource_id"))
        text = _text(policy.body.get("resource_id"))
        by_text = next((label for label, t in targets.items() if text is not None and _text(t.body.get("resource_id")) == text), None)
        key = ref[1] if ref is not None and ref[0] == "aws_appautoscaling_target" else (by_text or text or policy.address)
        by_target.setdefault(key, []).append(policy)
    for key, policies in sorted(by_target.items()):
        names = [_literal(p.body.get("name")) for p in policies]
        dupes = sorted({n for n in names if n is not None and names.count(n) > 1})
        if dupes:
            errors.append(f"{policies[0].prefix}: [autoscaling] target-tracking policies of one target share the name {', '.join(dupes)}")
        target = targets.get(key)
        if target is None or _number(target.body.get("min_capacity")) != 0 or len(policies) < 2:
            continue
        scaling_in = [p for p in policies if not any(c.get("disable_scale_in") is True for c in _blocks(p.body, "target_tracking_scaling_policy_configuration"))]
        if len(scaling_in) > 1:
            errors.append(
                f"{target.prefix}: [autoscaling] {len(scaling_in)} target-tracking policies may scale in on a target with min_capacity 0 "
                f"({', '.join(p.address for p in scaling_in)}): all must agree to scale in, so set disable_scale_in on all but the backlog's"
            )
    return errors


def _name_errors(what: str, value: Any) -> list[str]:
    name = _literal(value)
    if name is None:
        return []
    problems = []
    if len(name) > NAME_MAX:
        problems.append(f"[name] {what} {name!r} is {len(name)} characters long (SageMaker allows {NAME_MAX})")
    if not NAME_RE.match(name):
        problems.append(f"[name] {what} {name!r} does not match {NAME_RE.pattern}")
    return problems


def _check_unique_names(modules: list[_Module]) -> list[str]:
    errors = []
    for tf_type, attr in (
        ("aws_sagemaker_endpoint", "name"),
        ("aws_sagemaker_endpoint_configuration", "name"),
        ("aws_sagemaker_model", "name"),
        ("aws_cloudwatch_metric_alarm", "alarm_name"),
    ):
        seen: dict[str, _Resource] = {}
        for mod in modules:
            for res in mod.of(tf_type).values():
                name = _literal(res.body.get(attr))
                if name is None:
                    continue
                first = seen.setdefault(name, res)
                if first is not res:
                    errors.append(
                        f"{res.prefix}: [unique] {attr} {name!r} is already used by "
                        f"{first.address} in {first.file}"
                    )
    return errors


def _check_lifecycle(res: _Resource) -> list[str]:
    lifecycle = _block(res.body, "lifecycle")
    if lifecycle is None or lifecycle.get("create_before_destroy") is not True:
        return [
            f"{res.prefix}: [immutable] lifecycle create_before_destroy = true is missing: "
            "SageMaker cannot update it in place, and the replacement must exist before the old one goes"
        ]
    return []


def _check_model(model: _Resource) -> list[str]:
    errors = [f"{model.prefix}: {e}" for e in _name_errors("model name", model.body.get("name"))]
    errors.extend(_check_lifecycle(model))
    container = _block(model.body, "primary_container")
    if container is not None:
        url = _literal(container.get("model_data_url"))
        source = _block(container, "model_data_source")
        s3 = _block(source, "s3_data_source") if source is not None else None
        if s3 is not None:
            errors.extend(f"{model.prefix}: {e}" for e in _check_data_source(s3, url, _model_mode(model)))
        if url is not None:
            if _model_mode(model) == "MultiModel":
                if not url.endswith("/"):
                    errors.append(f"{model.prefix}: [artifact] a MultiModel container loads archives under a prefix; {url!r} does not end with /")
            elif not url.endswith(".tar.gz"):
                errors.append(f"{model.prefix}: [artifact] a SingleModel container needs one .tar.gz archive, not {url!r}")
    return errors


def _check_data_source(s3: dict, url: str | None, mode: str) -> list[str]:
    """ModelDataSource.S3DataSource: S3Prefix is uncompressed files under a prefix (CompressionType None);
    S3Object with Gzip is one .tar.gz archive; never beside ModelDataUrl."""
    uri, kind, compression = _literal(s3.get("s3_uri")), _literal(s3.get("s3_data_type")), _literal(s3.get("compression_type"))
    errors = []
    if url is not None:
        errors.append("[artifact] model_data_url and model_data_source together: CreateModel takes one of them")
    if mode == "MultiModel":
        errors.append("[artifact] a MultiModel container loads archives from model_data_url, not from model_data_source")
    if kind not in ("S3Prefix", "S3Object") or compression not in ("None", "Gzip"):
        errors.append(f"[artifact] s3_data_type {kind!r} / compression_type {compression!r} (S3Prefix or S3Object; None or Gzip)")
    elif kind == "S3Prefix":
        if compression != "None":
            errors.append(f"[artifact] an S3Prefix model data source is uncompressed files: compression_type None, not {compression!r}")
        if uri is not None and not uri.endswith("/"):
            errors.append(f"[artifact] an S3Prefix model data source is a prefix ending with /, not {uri!r}")
    elif compression == "Gzip" and uri is not None and not uri.endswith(".tar.gz"):
        errors.append(f"[artifact] a Gzip S3Object is one .tar.gz archive, not {uri!r}")
    return errors


def _model_mode(model: _Resource) -> str:
    container = _block(model.body, "primary_container")
    return (_literal(container.get("mode")) if container is not None else None) or "SingleModel"


#: GPU instance types SageMaker lists for multi-model endpoints (through Triton).
MULTI_MODEL_GPU_TYPES = {
    "ml.p2.xlarge",
    "ml.p3.2xlarge",
    *(f"ml.{family}.{size}" for family in ("g4dn", "g5") for size in ("xlarge", "2xlarge", "4xlarge", "8xlarge", "16xlarge")),
}
GPU_FAMILY_RE = re.compile(r"^ml\.(?:g\d|p\d|gr\d)")
NEURON_FAMILY_RE = re.compile(r"^ml\.(?:inf|trn)\d")


def _check_endpoint_config(mod: _Module, config: _Resource) -> list[str]:
    p = config.prefix
    errors = [f"{p}: {e}" for e in _name_errors("endpoint config name", config.body.get("name"))]
    errors.extend(_check_lifecycle(config))

    name_text = _text(config.body.get("name"))
    if name_text == UNKNOWN:
        pass  # hashed by Terraform at apply (test_render_day2 checks the hash reads every replacing input)
    elif name_text is None:
        errors.append(f"{p}: [immutable] no literal name: the name must end with a content hash -xxxxxxxx")
    elif not CONFIG_HASH_RE.search(name_text):
        errors.append(f"{p}: [immutable] name {name_text!r} does not end with a content hash -xxxxxxxx")

    production, shadow = _variants(config)
    if not 1 <= len(production) <= 10:
        errors.append(f"{p}: [variants] {len(production)} production variants (SageMaker requires 1-10)")
    if shadow and (len(production) != 1 or len(shadow) != 1):
        errors.append(
            f"{p}: [shadow] with shadow variants SageMaker allows exactly one production and one shadow "
            f"variant, found {len(production)} and {len(shadow)}"
        )

    seen: set[str] = set()
    for kind, variants in (("production_variants", production), ("shadow_production_variants", shadow)):
        for index, variant in enumerate(variants):
            at = f"{p}: {kind}[{index}]"
            name = _literal(variant.get("variant_name"))
            errors.extend(f"{at}: {e}" for e in _name_errors("variant name", variant.get("variant_name")))
            if name is not None:
                if name in seen:
                    errors.append(f"{at}: [unique] variant name {name!r} is used twice in this endpoint config")
                seen.add(name)
            errors.extend(f"{at}: {e}" for e in _check_variant(mod, variant))
            errors.extend(f"{at}: {e}" for e in _check_variant_settings(variant))

    weights = [_number(v.get("initial_variant_weight", 1)) for v in production]
    if production and all(w is not None for w in weights) and all(w == 0 for w in weights):
        errors.append(f"{p}: [variants] every production variant has weight 0: no variant would receive traffic")

    models = [_resolve(mod, "aws_sagemaker_model", v.get("model_name")) for v in production + shadow]
    multi_model = any(m is not None and _model_mode(m) == "MultiModel" for m in models)
    if shadow and _block(config.body, "async_inference_config") is not None:
        errors.append(f"{p}: [shadow] shadow variants are not supported with asynchronous inference")
    if shadow and multi_model:
        errors.append(f"{p}: [shadow] shadow variants are not supported on multi-model endpoints")
    if multi_model:
        for v in production + shadow:
            t = _literal(v.get("instance_type"))
            if t is None:
                continue
            if NEURON_FAMILY_RE.match(t):
                errors.append(f"{p}: [multimodel] {t}: multi-model endpoints run on CPU or listed GPU instances, not Inferentia/Trainium")
            elif GPU_FAMILY_RE.match(t) and t not in MULTI_MODEL_GPU_TYPES:
                errors.append(f"{p}: [multimodel] {t} is not a GPU instance type SageMaker supports for multi-model endpoints")

    serverless = _is_serverless_config(config)
    if serverless:
        for v, m in zip(production + shadow, models, strict=False):
            if m is not None and _block(v, "serverless_config") is not None and m.body.get("enable_network_isolation") is True:
                errors.append(f"{p}: [serverless] {m.address} enables network isolation, which serverless endpoints do not support")
            if m is not None and _block(v, "serverless_config") is not None and _block(m.body, "vpc_config") is not None:
                errors.append(f"{p}: [serverless] {m.address} has a vpc_config: serverless endpoints cannot run in a VPC")
            container = _block(m.body, "primary_container") if m is not None else None
            if container is not None and _block(v, "serverless_config") is not None and _block(container, "model_data_source") is not None:
                # ContainerDefinition.ModelDataSource: "Currently you cannot use ModelDataSource in conjunction
                # with SageMaker batch transform, SageMaker serverless endpoints, ..." (botocore's model).
                errors.append(f"{p}: [artifact] {m.address} has a model_data_source, which serverless endpoints cannot use (an archive in model_data_url, or none)")
        if multi_model:
            errors.append(f"{p}: [serverless] serverless endpoints cannot host a multi-model container")
        if len(production) != 1:
            errors.append(
                f"{p}: [serverless] a serverless endpoint config has a single variant, found {len(production)}"
            )
        if shadow:
            errors.append(f"{p}: [serverless] a serverless endpoint config cannot have shadow variants")
        if _block(config.body, "data_capture_config") is not None:
            errors.append(f"{p}: [serverless] serverless endpoints do not support data capture")
        if _block(config.body, "async_inference_config") is not None:
            errors.append(f"{p}: [serverless] asynchronous inference needs instances, not serverless_config")

    if config.body.get("kms_key_arn") is not None:
        nvme = sorted(
            {
                t
                for v in production + shadow
                if (t := _literal(v.get("instance_type"))) is not None and _local_nvme(t)
            }
        )
        if nvme:
            errors.append(
                f"{p}: [kms] kms_key_arn is set but {', '.join(nvme)} has local NVMe storage: "
                "CreateEndpointConfig fails (the instance store is encrypted by the hardware)"
            )

    capture = _block(config.body, "data_capture_config")
    if capture is not None:
        errors.extend(f"{p}: data_capture_config: {e}" for e in _check_capture(capture))
    return errors


def _check_variant(mod: _Module, variant: dict) -> list[str]:
    errors = []
    model = variant.get("model_name")
    if model is None:
        errors.append("[variants] model_name is missing")
    elif _resolve(mod, "aws_sagemaker_model", model) is None:
        errors.append(f"[variants] model_name {model} is not an aws_sagemaker_model of this module")

    serverless = _block(variant, "serverless_config")
    instance_type = variant.get("instance_type")
    count = variant.get("initial_instance_count")
    if serverless is not None:
        if instance_type is not None or count is not None:
            errors.append("[variants] serverless_config together with instance_type/initial_instance_count")
        errors.extend(_check_serverless(serverless))
    else:
        if instance_type is None or count is None:
            errors.append("[variants] neither serverless_config nor both instance_type and initial_instance_count")
        literal_type = _literal(instance_type)
        if literal_type is not None and not INSTANCE_TYPE_RE.match(literal_type):
            errors.append(f"[variants] instance_type {literal_type!r} is not an ml.<family>.<size> type")
        number = _number(count)
        if number is not None and number < 1:
            errors.append(f"[variants] initial_instance_count {number} (must be at least 1)")

    weight = _number(variant.get("initial_variant_weight"))
    if weight is not None and weight < 0:
        errors.append(f"[variants] initial_variant_weight {weight} is negative")
    return errors


ROUTING_STRATEGIES = {"LEAST_OUTSTANDING_REQUESTS", "RANDOM"}
#: botocore's ProductionVariantInferenceAmiVersion: the gpu images say "Accelerator: GPU", neuron-2
#: "Accelerator: Inferentia2 and Trainium".
GPU_AMIS = {
    "al2-ami-sagemaker-inference-gpu-2",
    "al2-ami-sagemaker-inference-gpu-2-1",
    "al2-ami-sagemaker-inference-gpu-3-1",
    "al2023-ami-sagemaker-inference-gpu-4-1",
}
NEURON_AMIS = {"al2-ami-sagemaker-inference-neuron-2"}
NEURON_AMI_TYPE_RE = re.compile(r"^ml\.(?:inf2|trn\d)")
#: ProductionVariantModelDataDownloadTimeoutInSeconds / ...ContainerStartupHealthCheckTimeoutInSeconds
#: 60..3600 and ProductionVariantVolumeSizeInGB 1..512 (botocore's service-2.json).
VARIANT_RANGES = {
    "model_data_download_timeout_in_seconds": (60, 3600),
    "container_startup_health_check_timeout_in_seconds": (60, 3600),
    "volume_size_in_gb": (1, 512),
}


def ami_errors(code: str, ami: str, instance_type: str | None) -> list[str]:
    """InferenceAmiVersion: one SageMaker offers, on the instances it is for (GPU images on NVIDIA GPU
    types, neuron-2 on Inferentia2 and Trainium); ``code`` is the checker's ([settings], [ic-settings])."""
    if ami not in GPU_AMIS | NEURON_AMIS:
        return [f"[{code}] inference_ami_version {ami!r} is not one SageMaker offers ({', '.join(sorted(GPU_AMIS | NEURON_AMIS))})"]
    if instance_type is not None and ami in GPU_AMIS and not GPU_FAMILY_RE.match(instance_type):
        return [f"[{code}] inference_ami_version {ami} is for NVIDIA GPU instances, not {instance_type}"]
    if instance_type is not None and ami in NEURON_AMIS and not NEURON_AMI_TYPE_RE.match(instance_type):
        return [f"[{code}] inference_ami_version {ami} is for Inferentia2 and Trainium instances, not {instance_type}"]
    return []


def _check_variant_settings(variant: dict) -> list[str]:
    errors = []
    serverless = _block(variant, "serverless_config") is not None
    instance_type = _literal(variant.get("instance_type"))
    # volume_size_in_gb is computed: a plan shows it as known after apply when unset (no number).
    numbers = {attr: _number(variant.get(attr)) for attr in VARIANT_RANGES}
    ami = _literal(variant.get("inference_ami_version"))
    routing = _blocks(variant, "routing_config")
    if serverless:
        present = [a for a, n in numbers.items() if n is not None] + (["inference_ami_version"] if ami else []) + (["routing_config"] if routing else [])
        for attr in present:
            errors.append(f"[settings] {attr} on a serverless variant: it describes instances, which serverless variants have none of")
    for attr, number in numbers.items():
        low, high = VARIANT_RANGES[attr]
        if number is not None and not low <= number <= high:
            errors.append(f"[settings] {attr} {number} ({low}..{high})")
    if numbers["volume_size_in_gb"] is not None and instance_type is not None and _local_nvme(instance_type):
        errors.append(f"[settings] volume_size_in_gb on {instance_type}, which has local NVMe storage: SageMaker attaches no EBS volume to it")
    for block in routing:
        strategy = _literal(block.get("routing_strategy"))
        if strategy is not None and strategy not in ROUTING_STRATEGIES:
            errors.append(f"[settings] routing_strategy {strategy!r} (one of {', '.join(sorted(ROUTING_STRATEGIES))})")
    if ami is not None:
        errors += ami_errors("settings", ami, instance_type)
    if _blocks(variant, "managed_instance_scaling") and variant.get("model_name") is not None:
        errors.append(
            "[settings] managed_instance_scaling on a variant with a model_name: SageMaker takes managed instance "
            "scaling only on endpoints with inference components"
        )
    return errors


def _check_serverless(serverless: dict) -> list[str]:
    errors = []
    memory = _number(serverless.get("memory_size_in_mb"))
    if memory is not None and (memory < 1024 or memory > 6144 or memory % 1024):
        errors.append(f"[serverless] memory_size_in_mb {memory} (1024..6144 in steps of 1024)")
    concurrency = _number(serverless.get("max_concurrency"))
    if concurrency is not None and not 1 <= concurrency <= 200:
        errors.append(f"[serverless] max_concurrency {concurrency} (1..200)")
    provisioned = _number(serverless.get("provisioned_concurrency"))
    if provisioned is not None:
        if provisioned < 1:
            errors.append(f"[serverless] provisioned_concurrency {provisioned} (at least 1)")
        if concurrency is not None and provisioned > concurrency:
            errors.append(
                f"[serverless] provisioned_concurrency {provisioned} exceeds max_concurrency {concurrency}"
            )
    return errors


def _check_capture(capture: dict) -> list[str]:
    errors = []
    sampling = _number(capture.get("initial_sampling_percentage"))
    if sampling is not None and not 0 <= sampling <= 100:
        errors.append(f"[capture] initial_sampling_percentage {sampling} (0..100)")
    options = _blocks(capture, "capture_options")
    if not 1 <= len(options) <= 2:
        errors.append(f"[capture] {len(options)} capture_options (1-2)")
    modes = [_literal(o.get("capture_mode")) for o in options]
    for mode in modes:
        if mode is not None and mode not in CAPTURE_MODES:
            errors.append(f"[capture] capture_mode {mode!r} (one of {', '.join(sorted(CAPTURE_MODES))})")
    known = [m for m in modes if m in CAPTURE_MODES]
    covered = [part for m in known for part in (("Input", "Output") if m == "InputAndOutput" else (m,))]
    if len(covered) != len(set(covered)):
        errors.append(f"[capture] capture modes {known} capture the same data twice")
    destination = _text(capture.get("destination_s3_uri"))
    if destination is not None and not destination.startswith("${") and not destination.startswith("s3://"):
        errors.append(f"[capture] destination_s3_uri {destination!r} is not an s3:// URI")
    if destination is not None and not _interpolated(destination) and len(destination) > CAPTURE_DESTINATION_MAX:
        errors.append(f"[capture] destination_s3_uri is {len(destination)} characters (at most {CAPTURE_DESTINATION_MAX})")
    key = _literal(capture.get("kms_key_id"))
    if key is not None and (len(key) > KMS_KEY_ID_MAX or not KMS_KEY_ID_RE.fullmatch(key)):
        errors.append(f"[capture] kms_key_id {key[:80]!r} is not at most {KMS_KEY_ID_MAX} characters of {KMS_KEY_ID_RE.pattern}")
    return errors


def _check_tags(res: _Resource) -> list[str]:
    """[tags] of one SageMaker resource: what it carries (tags_all in a plan, else its own tags)."""
    tags = _map(res.body.get("tags_all")) or _map(res.body.get("tags"))
    errors = []
    if len(tags) > TAGS_MAX:
        errors.append(f"{res.prefix}: [tags] {len(tags)} tags (at most {TAGS_MAX} per resource)")
    for key, value in tags.items():
        if key.lower().startswith("aws:"):
            errors.append(f"{res.prefix}: [tags] tag key {key!r}: the aws: prefix is reserved")
        if not 1 <= len(key) <= 128:
            errors.append(f"{res.prefix}: [tags] tag key {key[:40]!r} is {len(key)} characters (1-128)")
        text = _text(value)
        if text is not None and len(text) > 256:
            errors.append(f"{res.prefix}: [tags] tag {key!r} has a value of {len(text)} characters (at most 256)")
    return errors


def _in_range(at: str, block: dict, attr: str, low: int, high: int) -> list[str]:
    number = _number(block.get(attr))
    if number is not None and not low <= number <= high:
        return [f"[deployment] {at}.{attr} {number} ({low}..{high})"]
    return []


def _check_endpoint(mod: _Module, endpoint: _Resource) -> list[str]:
    p = endpoint.prefix
    errors = [f"{p}: {e}" for e in _name_errors("endpoint name", endpoint.body.get("name"))]
    config = _resolve(mod, "aws_sagemaker_endpoint_configuration", endpoint.body.get("endpoint_config_name"))
    if config is None:
        errors.append(
            f"{p}: [endpoint] endpoint_config_name {endpoint.body.get('endpoint_config_name')} is not an "
            "aws_sagemaker_endpoint_configuration of this module"
        )
    deployment = _block(endpoint.body, "deployment_config")
    if deployment is not None:
        errors.extend(f"{p}: deployment_config: {e}" for e in _check_deployment(mod, endpoint, config, deployment))
    return errors


def _capacity_errors(what: str, size: dict, low_pct: int, high_pct: int, counts: dict[str, int] | None) -> list[str]:
    """A CapacitySize between low_pct and high_pct percent of each production variant's instance count."""
    kind = _literal(size.get("type"))
    value = _number(size.get("value"))
    if kind is not None and kind not in CAPACITY_TYPES:
        return [f"[deployment] {what}.type {kind!r} (INSTANCE_COUNT or CAPACITY_PERCENT)"]
    if value is None:
        return []
    if kind == "CAPACITY_PERCENT" and not low_pct <= value <= high_pct:
        return [f"[deployment] {what} {value} % ({low_pct}..{high_pct} %)"]
    if kind == "INSTANCE_COUNT":
        if value < 1:
            return [f"[deployment] {what} {value} instances (at least 1)"]
        for name, count in (counts or {}).items():
            if not (value * 100 >= low_pct * count and value * 100 <= high_pct * count):
                return [
                    f"[deployment] {what} {value} instances is not {low_pct}..{high_pct} % of variant "
                    f"{name}'s {count} instances"
                ]
    return []


def _check_deployment(mod: _Module, endpoint: _Resource, config: _Resource | None, deployment: dict) -> list[str]:
    errors = []
    blue_green = _block(deployment, "blue_green_update_policy")
    rolling = _block(deployment, "rolling_update_policy")
    if (blue_green is None) == (rolling is None):
        errors.append("[deployment] exactly one of blue_green_update_policy and rolling_update_policy is required")
    total = _instance_counts(config) if config is not None else None
    if config is not None:
        inf1 = sorted({t for vs in _variants(config) for v in vs if (t := _literal(v.get("instance_type"))) and t.startswith("ml.inf1.")})
        if inf1:
            errors.append(f"[deployment] {', '.join(inf1)}: SageMaker applies no deployment guardrails to Inf1 instances (it deploys all at once, without baking)")

    if blue_green is not None:
        at = "blue_green_update_policy"
        errors.extend(_in_range(at, blue_green, "termination_wait_in_seconds", 0, 3600))
        errors.extend(_in_range(at, blue_green, "maximum_execution_timeout_in_seconds", 600, 28800))
        routing = _block(blue_green, "traffic_routing_configuration")
        if routing is None:
            errors.append(f"[deployment] {at}: traffic_routing_configuration is missing")
        else:
            at = f"{at}.traffic_routing_configuration"
            kind = _literal(routing.get("type"))
            canary = _block(routing, "canary_size")
            linear = _block(routing, "linear_step_size")
            errors.extend(_in_range(at, routing, "wait_interval_in_seconds", 0, 3600))
            if kind is not None and kind not in ROUTING_TYPES:
                errors.append(f"[deployment] {at}.type {kind!r} (one of {', '.join(sorted(ROUTING_TYPES))})")
            if kind == "CANARY" and (canary is None or linear is not None):
                errors.append(f"[deployment] {at}: CANARY needs canary_size and no linear_step_size")
            if kind == "LINEAR" and (linear is None or canary is not None):
                errors.append(f"[deployment] {at}: LINEAR needs linear_step_size and no canary_size")
            if kind == "ALL_AT_ONCE" and (canary is not None or linear is not None):
                errors.append(f"[deployment] {at}: ALL_AT_ONCE takes neither canary_size nor linear_step_size")
            if canary is not None:
                errors.extend(_capacity_errors(f"{at}.canary_size", canary, 1, 50, total))
            if linear is not None:
                errors.extend(_capacity_errors(f"{at}.linear_step_size", linear, 10, 50, total))
            timeout = _number(blue_green.get("maximum_execution_timeout_in_seconds"))
            waits = [_number(routing.get("wait_interval_in_seconds")), _number(blue_green.get("termination_wait_in_seconds")) or 0]
            if timeout is not None and waits[0] is not None and timeout <= sum(waits):
                errors.append(
                    f"[deployment] blue_green_update_policy.maximum_execution_timeout_in_seconds {timeout} is not larger "
                    f"than the waits ({waits[0]} + {waits[1]} s)"
                )

    if rolling is not None:
        at = "rolling_update_policy"
        errors.extend(_in_range(at, rolling, "wait_interval_in_seconds", 0, 3600))
        errors.extend(_in_range(at, rolling, "maximum_execution_timeout_in_seconds", 600, 28800))
        batch = _block(rolling, "maximum_batch_size")
        if batch is None:
            errors.append(f"[deployment] {at}: maximum_batch_size is missing")
        else:
            errors.extend(_capacity_errors(f"{at}.maximum_batch_size", batch, 5, 50, total))
        if config is not None:
            production, shadow = _variants(config)
            if len(production) != 1 or shadow:
                errors.append(
                    f"[deployment] {at}: rolling deployments need a single production variant and no shadow "
                    f"variant ({config.address} has {len(production)} and {len(shadow)})"
                )
            if _is_serverless_config(config):
                errors.append(f"[deployment] {at}: rolling deployments do not support serverless endpoints")

    rollback = _block(deployment, "auto_rollback_configuration")
    if rollback is not None:
        errors.extend(_check_rollback(mod, endpoint, rollback))
    return errors


def _endpoint_dimensions(alarm: _Resource) -> list[tuple[str | None, dict[str, Any], dict]]:
    """(namespace, dimensions, metric body) of every metric of an alarm: top level and metric queries."""
    found = []
    if "dimensions" in alarm.body or "metric_name" in alarm.body:
        found.append((_literal(alarm.body.get("namespace")), _map(alarm.body.get("dimensions")), alarm.body))
    for query in _blocks(alarm.body, "metric_query"):
        for metric in _blocks(query, "metric"):
            found.append((_literal(metric.get("namespace")), _map(metric.get("dimensions")), metric))
    return found


def _check_rollback(mod: _Module, endpoint: _Resource, rollback: dict) -> list[str]:
    errors = []
    alarms = _blocks(rollback, "alarms")
    if not 1 <= len(alarms) <= 10:
        errors.append(f"[rollback] auto_rollback_configuration has {len(alarms)} alarms (1-10)")
    for index, entry in enumerate(alarms):
        value = entry.get("alarm_name")
        alarm = _resolve(mod, "aws_cloudwatch_metric_alarm", value, attr="alarm_name", by="alarm_name")
        if alarm is None:
            errors.append(f"[rollback] alarms[{index}]: {value} is not an aws_cloudwatch_metric_alarm of this module")
            continue
        names = [dims["EndpointName"] for _ns, dims, _m in _endpoint_dimensions(alarm) if "EndpointName" in dims]
        targets = [_resolve(mod, "aws_sagemaker_endpoint", n) for n in names]
        if not names or any(t is not endpoint for t in targets):
            errors.append(
                f"[rollback] alarms[{index}]: {alarm.address} does not watch this endpoint "
                f"(EndpointName dimensions: {names or 'none'})"
            )
    return errors


def _check_autoscaling(mod: _Module) -> list[str]:
    errors: list[str] = []
    seen: dict[tuple[str, str], _Resource] = {}
    for target in mod.of("aws_appautoscaling_target").values():
        if _literal(target.body.get("service_namespace")) == "sagemaker":
            errors.extend(f"{target.prefix}: {e}" for e in _check_scalable_target(mod, target, seen))
    for policy in mod.of("aws_appautoscaling_policy").values():
        errors.extend(f"{policy.prefix}: {e}" for e in _check_scaling_policy(mod, policy))
    return errors


def _check_scalable_target(mod: _Module, target: _Resource, seen: dict[tuple[str, str], _Resource]) -> list[str]:
    errors = []
    body = target.body
    if _literal(body.get("scalable_dimension")) != VARIANT_DIMENSION:
        dimension = body.get("scalable_dimension")
        errors.append(f"[autoscaling] scalable_dimension {dimension} (expected {VARIANT_DIMENSION})")
    match = _RESOURCE_ID.match(_text(body.get("resource_id")) or "")
    if not match:
        resource_id = body.get("resource_id")
        return [*errors, f"[autoscaling] resource_id {resource_id} is not endpoint/<endpoint>/variant/<variant>"]
    endpoint = _resolve_token(mod, "aws_sagemaker_endpoint", match["endpoint"])
    if endpoint is None:
        return [*errors, f"[autoscaling] resource_id names {match['endpoint']!r}, not an aws_sagemaker_endpoint of this module"]
    name = match["variant"]
    first = seen.setdefault((endpoint.label, name), target)
    if first is not target:
        errors.append(f"[unique] variant {name!r} of {endpoint.address} already has scalable target {first.address}")
    config = _resolve(mod, "aws_sagemaker_endpoint_configuration", endpoint.body.get("endpoint_config_name"))
    if config is None:
        return errors  # reported on the endpoint
    variant = _variant_by_name(config, name)
    if variant is None:
        return [*errors, f"[autoscaling] {config.address} has no variant {name!r}"]
    if _block(variant, "serverless_config") is not None:
        return [*errors, f"[autoscaling] variant {name!r} is serverless: no instance auto-scaling"]
    instance_type = _literal(variant.get("instance_type")) or ""
    if _burstable(instance_type):
        errors.append(
            f"[autoscaling] variant {name!r} runs on {instance_type}: burstable instances cannot auto-scale"
        )

    low = _number(body.get("min_capacity"))
    high = _number(body.get("max_capacity"))
    initial = _number(variant.get("initial_instance_count"))
    if low is not None and high is not None and low > high:
        errors.append(f"[autoscaling] min_capacity {low} > max_capacity {high}")
    if low is not None and low < 0:
        errors.append(f"[autoscaling] min_capacity {low} is negative")
    if low == 0 and _block(config.body, "async_inference_config") is None:
        errors.append("[autoscaling] min_capacity 0 is only allowed for asynchronous endpoints")
    start = f"[autoscaling] initial_instance_count {initial} of variant {name!r}"
    if initial is not None and low is not None and initial < low:
        errors.append(f"{start} is below min_capacity {low}")
    if initial is not None and high is not None and initial > high:
        errors.append(f"{start} is above max_capacity {high}")
    return errors


def _check_scaling_policy(mod: _Module, policy: _Resource) -> list[str]:
    """resource_id, scalable_dimension and service_namespace all designate one target of the module."""
    targets = mod.of("aws_appautoscaling_target")
    chosen: set[str] = set()
    problems = []
    for attr in ("resource_id", "scalable_dimension", "service_namespace"):
        value = policy.body.get(attr)
        ref = _ref(value)
        if ref is not None:
            if ref[0] == "aws_appautoscaling_target" and ref[2] == attr and ref[1] in targets:
                chosen.add(ref[1])
            else:
                problems.append(f"{attr} {value}")
            continue
        text = _text(value)
        matching = {label for label, t in targets.items() if text is not None and _text(t.body.get(attr)) == text}
        if not matching:
            problems.append(f"{attr} {value}")
        elif len(matching) == 1:
            chosen |= matching
    if not problems and len(chosen) <= 1:
        return []
    detail = "; ".join(problems) if problems else f"attributes point at different targets {sorted(chosen)}"
    return [f"[autoscaling] does not refer to one aws_appautoscaling_target of this module ({detail})"]


def _check_dimensions(mod: _Module, where: str, metric_name: str | None, dims: dict[str, Any]) -> list[str]:
    errors = []
    if "EndpointName" not in dims:
        return [f"{where}: [metric] {metric_name} has no EndpointName dimension"]
    endpoint = _resolve(mod, "aws_sagemaker_endpoint", dims["EndpointName"])
    if endpoint is None:
        name = dims["EndpointName"]
        return [f"{where}: [metric] EndpointName {name} is not an aws_sagemaker_endpoint of this module"]
    if "VariantName" in dims:
        variant = _literal(dims["VariantName"])
        config = _resolve(mod, "aws_sagemaker_endpoint_configuration", endpoint.body.get("endpoint_config_name"))
        if variant is None:
            errors.append(f"{where}: [metric] VariantName {dims['VariantName']} is not a literal variant name")
        elif config is not None and _variant_by_name(config, variant) is None:
            errors.append(f"{where}: [metric] VariantName {variant!r} is not a variant of {endpoint.address}")
    elif metric_name is not None and metric_name not in ENDPOINT_LEVEL_METRICS:
        errors.append(
            f"{where}: [metric] {metric_name} is published per variant: without a VariantName "
            "dimension the alarm never sees data"
        )
    return errors


def _check_metrics(mod: _Module) -> list[str]:
    errors = []
    for alarm in mod.of("aws_cloudwatch_metric_alarm").values():
        for namespace, dims, metric in _endpoint_dimensions(alarm):
            if namespace == SAGEMAKER_NAMESPACE:
                errors.extend(_check_dimensions(mod, alarm.prefix, _literal(metric.get("metric_name")), dims))
    for policy in mod.of("aws_appautoscaling_policy").values():
        for config in _blocks(policy.body, "target_tracking_scaling_policy_configuration"):
            for spec in _blocks(config, "customized_metric_specification"):
                if _literal(spec.get("namespace")) != SAGEMAKER_NAMESPACE:
                    continue
                dims = {
                    _literal(d.get("name")) or str(d.get("name")): d.get("value")
                    for d in _blocks(spec, "dimensions")
                }
                errors.extend(_check_dimensions(mod, policy.prefix, _literal(spec.get("metric_name")), dims))
    return errors
