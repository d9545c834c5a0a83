"""SageMaker's rules for endpoints with inference components, checked on a rendered Terraform tree.

Independent of mlinfra like ``sagemaker_checks`` (which hands these modules over to this file): it reads
the parsed HCL only. A components module takes its values as typed variables, so the rules are checked on
the literals of the root's module call, and the module's resources are checked to use them as AWS needs.

Rules (CreateEndpointConfig with inference components, CreateInferenceComponent,
InferenceComponentComputeResourceRequirements, ProductionVariantManagedInstanceScaling, Application
Auto Scaling for inference components), tagged like sagemaker_checks' messages:

[ic-config]   the endpoint configuration has exactly one production variant, no shadow, no model_name,
              an execution_role_arn, instance_type + initial_instance_count; managed instance scaling
              ENABLED with 0 <= min <= initial count <= max, max >= 1; a name ending in a content hash.
[ic-name]     inference component names at most 63 characters of ``^[a-zA-Z0-9](-*[a-zA-Z0-9])*$``,
              unique across the tree.
[ic-compute]  min_memory_required_in_mb >= 128 (required), max >= min, number_of_cpu_cores_required
              >= 0.25, number_of_accelerator_devices_required a whole number >= 1; copy_count >= 1.
[ic-wiring]   each component names the module's model of its own key, the endpoint of the module and
              the configuration's variant; the models and components maps have the same keys.
[ic-alarms]   every alarm of the call watches AWS/SageMaker metrics of one component of the call (an
              InferenceComponentName dimension naming it, in the plain metric and in every metric
              query), alarm names are unique; the module's alarms are for_each over var.alarms and take
              their dimensions from it.
[ic-deployment] each component's deployment_config (InferenceComponentDeploymentConfig): a
              rolling_update_policy with maximum_batch_size (COPY_COUNT or CAPACITY_PERCENT, 5..50 %
              of the component's copies), wait_interval_in_seconds 0..3600, timeout null or
              600..28800 and above the wait; a rollback batch of a known type and value >= 1 (a
              percentage <= 100); 1..10 rollback alarms, each an alarm of the call on this
              component; the module passes var.deployments[each.key] and creates the alarms first.
[ic-scaling]  scalable targets on ``inference-component/<component name>`` with dimension
              sagemaker:inference-component:DesiredCopyCount, min <= copies <= max; the policy tracks
              SageMakerInferenceComponentInvocationsPerCopy and refers to its target; a component that
              scales to 0 copies has a step policy on its target, acted on by an alarm on its
              NoCapacityInvocationFailures (target tracking cannot wake a component without copies).
[ic-settings] the fleet's volume_size_in_gb 1..512 and not on an instance type with local NVMe storage,
              its inference_ami_version one SageMaker offers for the type (gpu images on NVIDIA GPU
              types, neuron-2 on Inferentia2/Trainium); each component's start-up timeouts
              (StartupParameters) 60..3600; each rendered from the call's value.
[ic-capture]  data capture passed at the call: sampling 0..100, 1-2 capture modes of Input / Output /
              InputAndOutput, none repeated, an s3:// destination of at most 512 characters, a literal
              kms_key_id of [a-zA-Z0-9:/_-] (at most 2048); the configuration renders it as its
              data_capture_config (destination and key from the call's object).
[ic-tags]     every resource within AWS's 50 tags after the merge, no aws: keys: the endpoint's aws
              resources carry the call's tags (the provider's default_tags) and endpoint_tags, each model
              those and its own, each awscc component merge(var.tags, its own), in that order (the
              component's own win a shared key).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from tests.support.hcl_checks import MARK, load_tree
from tests.support.sagemaker_checks import (
    CONFIG_HASH_RE,
    _block,
    _blocks,
    _key,
    _literal,
    _local_nvme,
    _number,
    _text,
    ami_errors,
    resource_bodies,
)

NAME_RE = re.compile(r"^[a-zA-Z0-9](-*[a-zA-Z0-9])*$")
IC_TYPE = "awscc_sagemaker_inference_component"
COPY_DIMENSION = "sagemaker:inference-component:DesiredCopyCount"
COPY_METRIC = "SageMakerInferenceComponentInvocationsPerCopy"


def components_module_dirs(root: Path) -> set[str]:
    """The module directories that hold inference components."""
    out = set()
    for directory, files in load_tree(Path(root)).items():
        for parsed in files.values():
            for entry in parsed.get("resource", []):
                if any(_key(t) == IC_TYPE for t in entry):
                    out.add(directory)
    return out


def _resources(files: dict) -> dict[str, dict[str, dict]]:
    out: dict[str, dict[str, dict]] = {}
    for parsed in files.values():
        for tf_type, label, body in resource_bodies(parsed):
            out.setdefault(tf_type, {})[label] = body
    return out


def _calls(tree: dict) -> dict[str, dict[str, dict]]:
    """Root module calls by source directory (``modules/x``), then by module name: one module serves
    every endpoint with components, one call each."""
    out: dict[str, dict[str, dict]] = {}
    for parsed in tree.get(".", {}).values():
        for entry in parsed.get("module", []):
            for name, body in entry.items():
                if name != MARK and isinstance(body, dict):
                    source = _literal(body.get("source")) or ""
                    out.setdefault(source.removeprefix("./"), {})[_key(name)] = {_key(k): v for k, v in body.items()}
    return out


def _dynamic(body: dict, name: str) -> dict | None:
    """The content of ``dynamic "<name>"`` in body (python-hcl2's shape), or a literal block of that name."""
    for entry in body.get("dynamic", []) or []:
        for key, block in entry.items():
            if _key(key) == name and isinstance(block, dict):
                content = block.get("content")
                return {"for_each": block.get("for_each"), **(content[0] if isinstance(content, list) and content else {})}
    return _block(body, name)


def _obj(value: Any) -> dict[str, Any]:
    return {_key(k): v for k, v in value.items() if k != MARK} if isinstance(value, dict) else {}


def components_errors(root: Path) -> list[str]:
    tree = load_tree(Path(root))
    calls = _calls(tree)
    errors: list[str] = []
    names: dict[str, str] = {}
    for directory in sorted(components_module_dirs(root)):
        module_calls = calls.get(directory)
        if not module_calls:
            errors.append(f"{directory}: [ic-wiring] no module call of the root uses this module")
            continue
        for name, call in sorted(module_calls.items()):
            errors += [f"module.{name}: {e}" for e in _module_errors(_resources(tree[directory]), call, names, f"module.{name}")]
    return errors


def _module_errors(res: dict[str, dict[str, dict]], call: dict, names: dict[str, str], directory: str) -> list[str]:
    errors: list[str] = []
    endpoint = _obj(call.get("endpoint"))
    components = {k: _obj(v) for k, v in _obj(call.get("components")).items()}
    models = _obj(call.get("models"))
    scaling = {k: _obj(v) for k, v in _obj(call.get("copy_scaling")).items()}

    configs = res.get("aws_sagemaker_endpoint_configuration", {})
    if len(configs) != 1:
        return [f"[ic-config] {len(configs)} endpoint configurations (expected one)"]
    config = next(iter(configs.values()))
    if _text(config.get("execution_role_arn")) is None and not str(config.get("execution_role_arn", "")).startswith("${"):
        errors.append("[ic-config] no execution_role_arn: inference components run as the configuration's role")
    production, shadow = _blocks(config, "production_variants"), _blocks(config, "shadow_production_variants")
    if len(production) != 1 or shadow:
        errors.append(f"[ic-config] {len(production)} production and {len(shadow)} shadow variants (expected one production variant)")
    for variant in production:
        if "model_name" in variant:
            errors.append("[ic-config] a production variant names a model: with inference components it must not")
        if variant.get("variant_name") != "${var.endpoint.variant_name}":
            errors.append(f"[ic-config] variant_name {variant.get('variant_name')} is not the components' variant")
        scaling_block = _dynamic(variant, "managed_instance_scaling")
        initial = _number(endpoint.get("initial_instance_count"))
        if initial is None or initial < 1:
            errors.append(f"[ic-config] initial_instance_count {endpoint.get('initial_instance_count')} (at least 1)")
        low, high = endpoint.get("min_instance_count"), endpoint.get("max_instance_count")
        if (low is None) != (high is None):
            errors.append(f"[ic-config] managed instance scaling needs both min and max (min {low}, max {high})")
        elif high is not None:
            # The call sets managed instance scaling: the module must render it, ENABLED.
            if scaling_block is None or _literal(scaling_block.get("status")) != "ENABLED":
                errors.append("[ic-config] managed instance scaling set at the call but no managed_instance_scaling with status ENABLED")
            low, high = _number(low), _number(high)
            if low is None or high is None or not (0 <= low <= (initial or 0) <= high and high >= 1):
                errors.append(f"[ic-config] managed instance scaling min {low} / initial {initial} / max {high}")
    if not CONFIG_HASH_RE.search(_literal(endpoint.get("config_name")) or ""):
        errors.append(f"[ic-config] endpoint configuration name {endpoint.get('config_name')} does not end with a content hash")
    errors += _fleet_settings_errors(endpoint, production)

    if set(models) != set(components):
        errors.append(f"[ic-wiring] models {sorted(models)} and components {sorted(components)} differ")
    ic = res.get(IC_TYPE, {}).get("this")
    if ic is None or ic.get("for_each") != "${var.components}":
        return [*errors, f"[ic-wiring] no {IC_TYPE}.this for_each over var.components"]
    spec = _obj(ic.get("specification"))
    if spec.get("model_name") != "${aws_sagemaker_model.this[each.key].name}" or res.get("aws_sagemaker_model", {}).get("this", {}).get("for_each") != "${var.models}":
        errors.append("[ic-wiring] a component does not run the module's model of its own key")
    if ic.get("endpoint_name") != "${aws_sagemaker_endpoint.this.name}" or ic.get("variant_name") != "${var.endpoint.variant_name}":
        errors.append("[ic-wiring] components are not placed on the module's endpoint and variant")
    compute = _obj(spec.get("compute_resource_requirements"))
    expected = {
        "min_memory_required_in_mb": "${each.value.min_memory_mb}",
        "max_memory_required_in_mb": "${each.value.max_memory_mb}",
        "number_of_cpu_cores_required": "${each.value.cpu_cores}",
        "number_of_accelerator_devices_required": "${each.value.accelerators}",
    }
    if compute != expected:
        errors.append(f"[ic-wiring] compute_resource_requirements {compute} are not the component's")
    startup = _obj(spec.get("startup_parameters"))
    for attr in ("model_data_download_timeout_in_seconds", "container_startup_health_check_timeout_in_seconds"):
        if any(c.get(attr) is not None for c in components.values()) and startup.get(attr) != f"${{each.value.{attr}}}":
            errors.append(f"[ic-settings] a component sets {attr} but specification.startup_parameters does not render it")

    for key, c in components.items():
        at = f"components[{key}]"
        name = _literal(c.get("name"))
        if name is None or len(name) > 63 or not NAME_RE.match(name):
            errors.append(f"[ic-name] {at}: inference component name {c.get('name')}")
        elif name in names:
            errors.append(f"[ic-name] {at}: {name} is also a component of {names[name]}")
        else:
            names[name] = directory
        low, high = c.get("min_memory_mb"), c.get("max_memory_mb")
        if _number(low) is None or low < 128:
            errors.append(f"[ic-compute] {at}: min_memory_required_in_mb {low} (required, at least 128)")
        if high is not None and (_number(high) is None or (_number(low) is not None and high < low)):
            errors.append(f"[ic-compute] {at}: max_memory_required_in_mb {high} below the minimum {low}")
        cores = c.get("cpu_cores")
        if cores is not None and (_number(cores) is None or cores < 0.25):
            errors.append(f"[ic-compute] {at}: number_of_cpu_cores_required {cores} (at least 0.25)")
        acc = c.get("accelerators")
        if acc is not None and (_number(acc) is None or acc < 1 or float(acc) != int(acc)):
            errors.append(f"[ic-compute] {at}: number_of_accelerator_devices_required {acc} (a whole number, at least 1)")
        copies = _number(c.get("copies"))
        if copies is None or copies < 1:
            errors.append(f"[ic-compute] {at}: copy_count {c.get('copies')}")
        for attr in ("model_data_download_timeout_in_seconds", "container_startup_health_check_timeout_in_seconds"):
            value = c.get(attr)
            if value is not None and (_number(value) is None or not 60 <= value <= 3600):
                errors.append(f"[ic-settings] {at}: {attr} {value} (60..3600)")
        s = scaling.get(key)
        if s is not None and copies is not None and not (_number(s.get("min")) is not None and s["min"] <= copies <= s["max"]):
            errors.append(f"[ic-scaling] {at}: copies {copies} outside min {s.get('min')} / max {s.get('max')}")

    errors += _capture_errors(call, config) + _tags_errors(res, call, components, models)

    if set(scaling) - set(components):
        errors.append(f"[ic-scaling] copy_scaling keys {sorted(set(scaling) - set(components))} are no components")
    targets = res.get("aws_appautoscaling_target", {})
    policies = res.get("aws_appautoscaling_policy", {})
    if scaling or targets or policies:
        t = targets.get("copies", {})
        if t.get("for_each") != "${var.copy_scaling}" or _literal(t.get("scalable_dimension")) != COPY_DIMENSION or _literal(t.get("service_namespace")) != "sagemaker":
            errors.append("[ic-scaling] the copies' scalable target is not sagemaker's DesiredCopyCount over var.copy_scaling")
        if _text(t.get("resource_id")) != "inference-component/${awscc_sagemaker_inference_component.this[each.key].inference_component_name}":
            errors.append(f"[ic-scaling] resource_id {t.get('resource_id')} is not inference-component/<the component's name>")
        p = policies.get("copies", {})
        tracking = _block(p, "target_tracking_scaling_policy_configuration") or {}
        metric = _block(tracking, "predefined_metric_specification") or {}
        if _literal(metric.get("predefined_metric_type")) != COPY_METRIC:
            errors.append(f"[ic-scaling] the policy tracks {metric.get('predefined_metric_type')}, not {COPY_METRIC}")
        for attr in ("resource_id", "scalable_dimension", "service_namespace"):
            if p.get(attr) != f"${{aws_appautoscaling_target.copies[each.key].{attr}}}":
                errors.append(f"[ic-scaling] the policy's {attr} is not its target's")
    errors += _alarm_errors(res, call, components)
    errors += _deployment_errors(res, ic, call, components)
    from_zero = _obj(call.get("from_zero"))
    zero = {k for k, v in scaling.items() if v.get("min") == 0}
    if set(from_zero) != zero:
        errors.append(f"[ic-scaling] components scaled to 0 copies {sorted(zero)} and their wake-up policies {sorted(from_zero)} differ")
    if from_zero:
        p = policies.get("from_zero", {})
        if _literal(p.get("policy_type")) != "StepScaling" or any(p.get(a) != f"${{aws_appautoscaling_target.copies[each.key].{a}}}" for a in ("resource_id", "scalable_dimension", "service_namespace")):
            errors.append("[ic-scaling] the wake-up policy is not a step policy on the component's own target")
        alarm = res.get("aws_cloudwatch_metric_alarm", {}).get("from_zero", {})
        dims = _obj(alarm.get("dimensions"))
        if (
            _literal(alarm.get("metric_name")) != "NoCapacityInvocationFailures"
            or _literal(alarm.get("namespace")) != "AWS/SageMaker"
            or dims.get("InferenceComponentName") != "${awscc_sagemaker_inference_component.this[each.key].inference_component_name}"
            or alarm.get("alarm_actions") != ["${aws_appautoscaling_policy.from_zero[each.key].arn}"]
        ):
            errors.append("[ic-scaling] the wake-up alarm does not watch the component's NoCapacityInvocationFailures and act on its policy")
    return errors


def _fleet_settings_errors(endpoint: dict, production: list[dict]) -> list[str]:
    """The fleet's volume size and AMI (ProductionVariant VolumeSizeInGB 1..512, InferenceAmiVersion)."""
    errors = []
    instance_type = _literal(endpoint.get("instance_type")) or ""
    volume, ami = endpoint.get("volume_size_in_gb"), _literal(endpoint.get("inference_ami_version"))
    for attr, value in (("volume_size_in_gb", volume), ("inference_ami_version", endpoint.get("inference_ami_version"))):
        if value is not None and any(v.get(attr) != f"${{var.endpoint.{attr}}}" for v in production):
            errors.append(f"[ic-settings] the call sets {attr} but the production variant does not render var.endpoint.{attr}")
    if volume is not None:
        number = _number(volume)
        if number is None or not 1 <= number <= 512:
            errors.append(f"[ic-settings] volume_size_in_gb {volume} (1..512)")
        if _local_nvme(instance_type):
            errors.append(f"[ic-settings] volume_size_in_gb on {instance_type}, which has local NVMe storage: SageMaker attaches no EBS volume to it")
    if ami is not None:
        errors += ami_errors("ic-settings", ami, instance_type)
    return errors


CAPACITY_TYPES = {"COPY_COUNT", "CAPACITY_PERCENT"}


def _alarm_components(alarm: dict) -> set[str | None]:
    """The InferenceComponentName each AWS/SageMaker metric of an alarm (plain or metric query) names."""
    out: set[str | None] = set()
    metrics = [alarm] if alarm.get("metric_name") is not None else []
    metrics += [_obj(q.get("metric")) for q in alarm.get("metric_queries") or [] if isinstance(q, dict) and q.get("metric") is not None]
    for m in metrics:
        if _literal(m.get("namespace")) == "AWS/SageMaker":
            out.add(_literal(_obj(m.get("dimensions")).get("InferenceComponentName")))
    return out


def _alarm_errors(res: dict[str, dict[str, dict]], call: dict, components: dict[str, dict]) -> list[str]:
    errors: list[str] = []
    alarms = {k: _obj(v) for k, v in _obj(call.get("alarms")).items()}
    names = {_literal(c.get("name")) for c in components.values()}
    seen: set[str] = set()
    for key, a in sorted(alarms.items()):
        watched = _alarm_components(a)
        if not watched or len(watched) != 1 or not watched <= names:
            errors.append(f"[ic-alarms] alarms[{key}] watches {sorted(map(str, watched))}, not one inference component of this endpoint {sorted(map(str, names))}")
        name = _literal(a.get("alarm_name"))
        if name in seen:
            errors.append(f"[ic-alarms] alarms[{key}]: alarm name {name} is used twice")
        seen.add(name)
    if alarms:
        resource = res.get("aws_cloudwatch_metric_alarm", {}).get("this", {})
        if resource.get("for_each") != "${var.alarms}" or resource.get("dimensions") != "${each.value.dimensions}":
            errors.append("[ic-alarms] the module's alarms are not for_each over var.alarms with their dimensions")
    return errors


def _capacity(at: str, size: Any, copies: int | None, low: int, high: int) -> list[str]:
    size = _obj(size)
    kind, value = _literal(size.get("type")), _number(size.get("value"))
    if kind not in CAPACITY_TYPES or value is None or value < 1:
        return [f"[ic-deployment] {at} {size} (type COPY_COUNT or CAPACITY_PERCENT, value >= 1)"]
    percent = value if kind == "CAPACITY_PERCENT" else (100 * value / copies if copies else None)
    if percent is not None and not low <= percent <= high:
        return [f"[ic-deployment] {at} {value} {kind} is {percent:g} % of {copies} copies (SageMaker: {low}..{high} %)"]
    return []


def _deployment_errors(res: dict[str, dict[str, dict]], ic: dict, call: dict, components: dict[str, dict]) -> list[str]:
    errors: list[str] = []
    deployments = {k: _obj(v) for k, v in _obj(call.get("deployments")).items()}
    if not deployments:
        return errors
    if ic.get("deployment_config") != "${lookup(var.deployments, each.key, null)}":
        errors.append(f"[ic-deployment] the components' deployment_config {ic.get('deployment_config')} is not var.deployments[each.key]")
    if "${aws_cloudwatch_metric_alarm.this}" not in (ic.get("depends_on") or []):
        errors.append("[ic-deployment] the components do not depend on the alarms their deployments name")
    alarms = {_literal(_obj(v).get("alarm_name")): _obj(v) for v in _obj(call.get("alarms")).values()}
    for key, d in sorted(deployments.items()):
        at = f"deployments[{key}]"
        c = components.get(key)
        if c is None:
            errors.append(f"[ic-deployment] {at} is no component")
            continue
        copies = _number(c.get("copies"))
        rolling = _obj(d.get("rolling_update_policy"))
        if not rolling:
            errors.append(f"[ic-deployment] {at} has no rolling_update_policy (required)")
            continue
        errors += _capacity(f"{at}.maximum_batch_size", rolling.get("maximum_batch_size"), copies, 5, 50)
        wait = _number(rolling.get("wait_interval_in_seconds"))
        if wait is None or not 0 <= wait <= 3600:
            errors.append(f"[ic-deployment] {at}: wait_interval_in_seconds {rolling.get('wait_interval_in_seconds')} (required, 0..3600)")
        timeout = rolling.get("maximum_execution_timeout_in_seconds")
        if timeout is not None and (_number(timeout) is None or not 600 <= timeout <= 28800 or (wait is not None and timeout <= wait)):
            errors.append(f"[ic-deployment] {at}: maximum_execution_timeout_in_seconds {timeout} (600..28800, above the wait)")
        rollback = rolling.get("rollback_maximum_batch_size")
        if rollback is not None:
            errors += _capacity(f"{at}.rollback_maximum_batch_size", rollback, copies, 0, 100)
        auto = d.get("auto_rollback_configuration")
        if auto is not None:
            names = [_literal(_obj(a).get("alarm_name")) for a in _obj(auto).get("alarms") or []]
            if not 1 <= len(names) <= 10:
                errors.append(f"[ic-deployment] {at}: {len(names)} rollback alarms (AutoRollbackConfig takes 1..10)")
            for name in names:
                alarm = alarms.get(name)
                if alarm is None or _alarm_components(alarm) != {_literal(c.get("name"))}:
                    errors.append(f"[ic-deployment] {at}: rollback alarm {name} is not an alarm of this call on component {_literal(c.get('name'))}")
    return errors


CAPTURE_MODES = {"Input", "Output", "InputAndOutput"}
KMS_KEY_ID = re.compile(r"[a-zA-Z0-9:/_-]{0,2048}")  # botocore DataCaptureConfigSummary.KmsKeyId
TAGS_MAX = 50  # botocore TagList max 50


def _capture_errors(call: dict, config: dict) -> list[str]:
    capture = call.get("data_capture")
    if capture is None:
        return []
    c = _obj(capture)
    errors = []
    sampling = _number(c.get("initial_sampling_percentage"))
    if sampling is None or not 0 <= sampling <= 100:
        errors.append(f"[ic-capture] initial_sampling_percentage {c.get('initial_sampling_percentage')} (0..100)")
    modes = [_literal(m) for m in c.get("capture_modes") or []]
    covered = [p for m in modes if m in CAPTURE_MODES for p in (("Input", "Output") if m == "InputAndOutput" else (m,))]
    if not 1 <= len(modes) <= 2 or any(m not in CAPTURE_MODES for m in modes) or len(covered) != len(set(covered)):
        errors.append(f"[ic-capture] capture modes {modes} (1-2 of {', '.join(sorted(CAPTURE_MODES))}, none repeated)")
    destination = _text(c.get("destination_s3_uri")) or ""
    if not destination.startswith("s3://"):
        errors.append(f"[ic-capture] destination_s3_uri {c.get('destination_s3_uri')} is not an s3:// URI")
    elif "${" not in destination and len(destination) > 512:
        errors.append(f"[ic-capture] destination_s3_uri is {len(destination)} characters (at most 512)")
    key = _literal(c.get("kms_key_id"))
    if key is not None and not KMS_KEY_ID.fullmatch(key):
        errors.append(f"[ic-capture] kms_key_id {key[:80]!r} is not of the form SageMaker takes")
    block = _dynamic(config, "data_capture_config")
    if block is None or block.get("for_each") != "${var.data_capture == null ? [] : [var.data_capture]}":
        errors.append("[ic-capture] data capture passed at the call but the configuration renders no data_capture_config from var.data_capture")
    elif block.get("destination_s3_uri") != "${capture.value.destination_s3_uri}" or block.get("kms_key_id") != "${capture.value.kms_key_id}":
        errors.append("[ic-capture] the configuration's data_capture_config does not write the call's destination and key")
    return errors


def _tags_errors(res: dict[str, dict[str, dict]], call: dict, components: dict[str, dict], models: dict) -> list[str]:
    project = _obj(call.get("tags"))
    endpoint = {**project, **_obj(call.get("endpoint_tags"))}
    carried = {"the endpoint's resources": endpoint}
    carried |= {f"models[{k}]": {**project, **_obj(_obj(m).get("tags"))} for k, m in models.items()}
    carried |= {f"components[{k}]": {**project, **_obj(c.get("tags"))} for k, c in components.items()}
    errors = []
    for at, tags in carried.items():
        if len(tags) > TAGS_MAX:
            errors.append(f"[ic-tags] {at}: {len(tags)} tags (at most {TAGS_MAX} per resource)")
        errors += [f"[ic-tags] {at}: tag key {k!r}: the aws: prefix is reserved" for k in tags if k.lower().startswith("aws:")]
    ic = res.get(IC_TYPE, {}).get("this", {})
    if "merge(var.tags, each.value.tags)" not in str(ic.get("tags", "")):
        errors.append(f"[ic-tags] the components' tags {ic.get('tags')} are not merge(var.tags, each.value.tags): the project's first, the component's own winning")
    for tf_type, label in (("aws_sagemaker_endpoint_configuration", "this"), ("aws_sagemaker_endpoint", "this")):
        if call.get("endpoint_tags") and res.get(tf_type, {}).get(label, {}).get("tags") != "${var.endpoint_tags}":
            errors.append(f"[ic-tags] {tf_type}.{label} does not carry the endpoint's tags")
    return errors
