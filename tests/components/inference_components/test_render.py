"""Endpoints of kind components rendered: the module, its call, the role, the providers, and the checks
that read them (which must be able to fail)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.support import configs
from tests.support.components_checks import components_errors
from tests.support.hcl_checks import MARK, load_tree
from tests.support.hcl_checks import module_call as _call
from tests.test_render import blocks, s

EXAMPLE = ROOT / "examples" / "inference-components.yaml"
MODULE = "modules/inference_components"
SCHEMAS = ROOT / "tests" / "schema"


def render(text: str, tmp_path: Path) -> Path:
    return configs.render(configs.write_config(tmp_path / "cfg", text, "c.yaml", beside_examples=True), tmp_path / "out")


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return render(EXAMPLE.read_text(), tmp_path_factory.mktemp("ic"))


def test_module_resources_and_call(root: Path) -> None:
    tree = load_tree(root)
    res = blocks(tree[MODULE]["main.tf"], "resource")
    assert sorted(res) == [
        "aws_appautoscaling_policy.copies",
        "aws_appautoscaling_policy.from_zero",
        "aws_appautoscaling_target.copies",
        "aws_cloudwatch_metric_alarm.from_zero",
        "aws_cloudwatch_metric_alarm.this",
        "aws_sagemaker_endpoint.this",
        "aws_sagemaker_endpoint_configuration.this",
        "aws_sagemaker_model.this",
        "awscc_sagemaker_inference_component.this",
    ]
    config = res["aws_sagemaker_endpoint_configuration.this"]
    variant = config["production_variants"][0]
    assert "model_name" not in variant and config["execution_role_arn"] == "${var.execution_role_arn}"
    managed = {k.strip('"'): v for d in variant["dynamic"] for k, v in d.items()}["managed_instance_scaling"]
    assert managed["for_each"] == "${var.endpoint.max_instance_count == null ? [] : [var.endpoint]}"
    assert s(managed["content"][0]["status"]) == "ENABLED"
    # g4dn has local NVMe storage: SageMaker refuses a KMS key, and the call passes none.
    assert config["kms_key_arn"] == "${var.storage_kms_key_arn}"
    call = _call(tree, "inference_components_vision")
    assert call["storage_kms_key_arn"] is None
    endpoint = {k: v for k, v in call["endpoint"].items()}
    assert (endpoint["initial_instance_count"], endpoint["min_instance_count"], endpoint["max_instance_count"]) == (2, 2, 20)
    assert s(endpoint["routing_strategy"]) == "LEAST_OUTSTANDING_REQUESTS" and s(endpoint["variant_name"]) == "AllTraffic"
    components = call["components"]
    assert sorted(components) == ["classification", "object_detection"]
    c = components["classification"]
    assert (c["min_memory_mb"], c["max_memory_mb"], c["cpu_cores"], c["accelerators"], c["copies"]) == (4096, None, 1, 1, 1)
    assert s(c["name"]) == "vision-prod-vision-classification"
    assert components["object_detection"]["max_memory_mb"] == 12288
    scaling = call["copy_scaling"]["object_detection"]
    assert (scaling["min"], scaling["max"], scaling["target_invocations"], scaling["scale_in_cooldown"], scaling["scale_out_cooldown"]) == (1, 10, 1000, 300, 60)
    assert s(call["models"]["object_detection"]["model_data_url"]) == "s3://acme-vision-models/detection/v3.0.0/model.tar.gz"
    assert all(m["network_isolation"] is True for m in call["models"].values())
    assert res["aws_sagemaker_model.this"]["enable_network_isolation"] == "${each.value.network_isolation}"
    # awscc has no default_tags: the project's tags reach the module and each component's list.
    assert {k: s(v) for k, v in call["tags"].items()} == {"Environment": "prod", "ManagedBy": "mlinfra", "Project": "vision", "team": "ml-platform"}
    ic = res["awscc_sagemaker_inference_component.this"]
    assert ic["tags"] == "${[for k, v in merge(var.tags, each.value.tags) : {key = k, value = v}]}"
    assert ic["lifecycle"][0]["ignore_changes"] == ["runtime_config"]


def test_providers_pin_awscc_and_aws_6_21(root: Path) -> None:
    versions = (root / "versions.tf").read_text()
    assert 'version = "~> 6.0, >= 6.21"' in versions and 'source  = "hashicorp/awscc"' in versions and 'version = "~> 1.106"' in versions
    module_versions = (root / MODULE / "versions.tf").read_text()
    assert "hashicorp/awscc" in module_versions and "~> 6.0, >= 6.21" in module_versions
    assert 'provider "awscc" {\n  region = "us-east-1"\n}' in (root / "providers.tf").read_text()
    # Other modules keep the plain requirement.
    assert "hashicorp/awscc" not in (root / "modules" / "kms" / "versions.tf").read_text()


def test_role_statements_for_the_components(root: Path) -> None:
    role = _call(load_tree(root), "sagemaker_role")["statements"]
    sids = [s(st["sid"]) for st in role]
    assert len(sids) == len(set(sids)), sids  # IAM refuses a policy with a repeated Sid
    by_sid = {s(st["sid"]): st for st in role}
    artifacts = [s(r) for r in by_sid["ReadComponentModelArtifacts"]["resources"]]
    assert artifacts == [
        "arn:${data.aws_partition.current.partition}:s3:::acme-vision-models/classification/v2.1.0/model.tar.gz",
        "arn:${data.aws_partition.current.partition}:s3:::acme-vision-models/detection/v3.0.0/model.tar.gz",
    ]
    assert len(by_sid["PullComponentModelImages"]["resources"]) == 2
    logs = [s(r) for r in by_sid["WriteComponentEndpointLogs"]["resources"]]
    assert any(r.endswith(":log-group:/aws/sagemaker/InferenceComponents/vision-prod-vision-classification:*") for r in logs)


def test_beside_a_realtime_endpoint_the_endpoint_plan_skips_components(tmp_path: Path) -> None:
    """platform.yaml's endpoints plus a components endpoint: one endpoint module per realtime/serverless
    endpoint as before, one components module, and the role's Sids stay unique."""
    platform = (ROOT / "examples" / "platform.yaml").read_text()
    ic = EXAMPLE.read_text()
    # platform.yaml lists one unnamed model's versions: the components' versions join them as staging.
    ic_endpoint = ic[ic.index("  - name: vision\n") :].replace("model: classification@", "model: ").replace("model: detection@", "model: ")
    versions = ic[ic.index("      - version: 2.1.0") : ic.index("\nendpoints:")].replace("  - name: detection\n    versions:\n", "")
    models = "\n".join(line[4:] for line in versions.strip("\n").splitlines()).replace("status: production", "status: staging")
    text = platform.replace("\nmodels:\n", "\nmodels:\n" + models + "\n", 1).replace("\nendpoints:\n", "\nendpoints:\n" + ic_endpoint, 1)
    out = render(text, tmp_path)
    mods = sorted(p.name for p in (out / "modules").iterdir())
    assert "inference_components" in mods and "inference_components_vision" not in mods
    assert not any(m == "endpoint_vision" for m in mods)
    assert [m for m in mods if m.startswith("endpoint_")] == [m for m in sorted(p.name for p in (render((ROOT / "examples" / "platform.yaml").read_text(), tmp_path / "p") / "modules").iterdir()) if m.startswith("endpoint_")]
    sids = [s(st["sid"]) for st in _call(load_tree(out), "sagemaker_role")["statements"]]
    assert len(sids) == len(set(sids)), sids
    assert components_errors(out) == []


def test_cpu_fleet_without_scaling(root: Path, tmp_path: Path) -> None:
    text = (
        EXAMPLE.read_text()
        .replace("instance_type: ml.g4dn.xlarge", "instance_type: ml.m5.4xlarge")
        .replace("      scaling: {min: 2, max: 20}\n", "")
        .replace("      routing: LEAST_OUTSTANDING_REQUESTS\n", "")
        .replace("        accelerators: 1\n", "")
    )
    text = "\n".join(line for line in text.splitlines() if "autoscaling:" not in line) + "\n"
    out = render(text, tmp_path)
    tree = load_tree(out)
    # The one module is the same text; this call passes no scaling, routing or copy scaling.
    assert (out / MODULE / "main.tf").read_text() == (root / MODULE / "main.tf").read_text()
    call = _call(tree, "inference_components_vision")
    assert call["copy_scaling"] == {} and call["from_zero"] == {} and call["storage_kms_key_arn"] == "${module.kms.key_arn}"
    assert call["endpoint"]["min_instance_count"] is None and call["endpoint"]["max_instance_count"] is None and call["endpoint"]["routing_strategy"] is None
    assert call["components"]["classification"]["accelerators"] is None
    assert components_errors(out) == []


def test_fleet_may_scale_to_zero(tmp_path: Path) -> None:
    text = EXAMPLE.read_text().replace("scaling: {min: 2, max: 20}", "scaling: {min: 0, max: 20}")
    text = text.replace("autoscaling: {min: 1, max: 10", "autoscaling: {min: 0, max: 10", 1)
    out = render(text, tmp_path)
    tree = load_tree(out)
    call = _call(tree, "inference_components_vision")
    assert call["endpoint"]["min_instance_count"] == 0 and call["copy_scaling"]["classification"]["min"] == 0
    # Target tracking cannot wake a component at zero copies: a step policy on a no-capacity alarm does.
    only_classification_from_zero = s(call["from_zero"]["classification"]["alarm_name"]) == "vision-prod-vision-classification-no-capacity"
    assert only_classification_from_zero and sorted(call["from_zero"]) == ["classification"]
    res = blocks(tree[MODULE]["main.tf"], "resource")
    alarm = res["aws_cloudwatch_metric_alarm.from_zero"]
    assert s(alarm["metric_name"]) == "NoCapacityInvocationFailures" and alarm["alarm_actions"] == ["${aws_appautoscaling_policy.from_zero[each.key].arn}"]
    assert s(res["aws_appautoscaling_policy.from_zero"]["policy_type"]) == "StepScaling"
    assert components_errors(out) == []
    # The checks see a component scaled to zero without its wake-up policy.
    main = out / "main.tf"
    main.write_text(main.read_text().replace("      policy_name        = \"vision-prod-vision-object-detection-invocations-per-copy\"\n      min                = 1", "      policy_name        = \"vision-prod-vision-object-detection-invocations-per-copy\"\n      min                = 0"))
    assert any("wake-up policies" in e for e in components_errors(out))


def _broken(root: Path, tmp_path: Path, file: str, old: str, new: str) -> list[str]:
    copy = tmp_path / "broken"
    shutil.copytree(root, copy)
    path = copy / file
    text = path.read_text()
    assert text.count(old) == 1, old
    path.write_text(text.replace(old, new))
    return components_errors(copy)


@pytest.mark.parametrize(
    ("file", "old", "new", "tag"),
    [
        ("main.tf", "min_memory_mb = 4096", "min_memory_mb = 64", "[ic-compute]"),
        ("main.tf", "accelerators  = 1\n      copies        = 1\n      tags = {\n        framework    = \"pytorch\"", "accelerators  = 0.25\n      copies        = 1\n      tags = {\n        framework    = \"pytorch\"", "[ic-compute]"),
        ("main.tf", "cpu_cores     = 2", "cpu_cores     = 0.1", "[ic-compute]"),
        ("main.tf", "min_instance_count     = 2", "min_instance_count     = 3", "[ic-config]"),
        ("main.tf", 'config_name            = "vision-prod-vision-', 'config_name            = "vision-prod-vision-x', "[ic-config]"),
        ("main.tf", 'name          = "vision-prod-vision-classification"', 'name          = "vision_prod_vision_classification"', "[ic-name]"),
        (f"{MODULE}/main.tf", "    initial_instance_count = var.endpoint.initial_instance_count\n", "    initial_instance_count = var.endpoint.initial_instance_count\n    model_name = \"x\"\n", "[ic-config]"),
        (f"{MODULE}/main.tf", 'status             = "ENABLED"', 'status             = "DISABLED"', "[ic-config]"),
        (f"{MODULE}/main.tf", '"sagemaker:inference-component:DesiredCopyCount"', '"sagemaker:variant:DesiredInstanceCount"', "[ic-scaling]"),
        (f"{MODULE}/main.tf", '"SageMakerInferenceComponentInvocationsPerCopy"', '"SageMakerVariantInvocationsPerInstance"', "[ic-scaling]"),
        (f"{MODULE}/main.tf", "model_name = aws_sagemaker_model.this[each.key].name", 'model_name = "other"', "[ic-wiring]"),
        # alarms and rolling deployment
        ("main.tf", 'InferenceComponentName = "vision-prod-vision-classification"\n      }\n      period         = 60', 'InferenceComponentName = "vision-prod-vision-other"\n      }\n      period         = 60', "[ic-alarms]"),
        ("main.tf", 'alarm_name          = "vision-prod-vision-object-detection-5xx-rate"', 'alarm_name          = "vision-prod-vision-classification-5xx-rate"', "[ic-alarms]"),
        (f"{MODULE}/main.tf", "  dimensions          = each.value.dimensions\n  period", '  dimensions          = { InferenceComponentName = "x" }\n  period', "[ic-alarms]"),
        ("main.tf", 'type  = "CAPACITY_PERCENT"\n          value = 50\n        }\n        wait_interval_in_seconds             = 600\n        maximum_execution_timeout_in_seconds = 3600\n        rollback_maximum_batch_size = {\n          type  = "COPY_COUNT"\n          value = 1\n        }\n      }\n      auto_rollback_configuration = {\n        alarms = [\n          {\n            alarm_name = "vision-prod-vision-classification',
         'type  = "CAPACITY_PERCENT"\n          value = 60\n        }\n        wait_interval_in_seconds             = 600\n        maximum_execution_timeout_in_seconds = 3600\n        rollback_maximum_batch_size = {\n          type  = "COPY_COUNT"\n          value = 1\n        }\n      }\n      auto_rollback_configuration = {\n        alarms = [\n          {\n            alarm_name = "vision-prod-vision-classification', "[ic-deployment]"),
        ("main.tf", '            alarm_name = "vision-prod-vision-object-detection-latency-p99"', '            alarm_name = "vision-prod-vision-classification-latency-p99"', "[ic-deployment]"),
        (f"{MODULE}/main.tf", "  depends_on = [aws_cloudwatch_metric_alarm.this]\n", "", "[ic-deployment]"),
        (f"{MODULE}/main.tf", "deployment_config = lookup(var.deployments, each.key, null)", "deployment_config = null", "[ic-deployment]"),
        ("main.tf", "initial_sampling_percentage = 20", "initial_sampling_percentage = 120", "[ic-capture]"),
        ("main.tf", 'destination_s3_uri          = "s3://${module.capture_bucket.bucket}/vision"', 'destination_s3_uri          = "https://x/vision"', "[ic-capture]"),
        (f"{MODULE}/main.tf", "kms_key_id = capture.value.kms_key_id", "kms_key_id = null", "[ic-capture]"),
        ("main.tf", 'Component    = "classification"', '"aws:component" = "classification"', "[ic-tags]"),
        (f"{MODULE}/main.tf", "merge(var.tags, each.value.tags)", "merge(each.value.tags, var.tags)", "[ic-tags]"),
        (f"{MODULE}/main.tf", "  endpoint_config_name = aws_sagemaker_endpoint_configuration.this.name\n\n  tags = var.endpoint_tags\n", "  endpoint_config_name = aws_sagemaker_endpoint_configuration.this.name\n", "[ic-tags]"),
    ],
)
def test_components_checks_can_fail(root: Path, tmp_path: Path, file: str, old: str, new: str, tag: str) -> None:
    assert components_errors(root) == []
    errors = _broken(root, tmp_path, file, old, new)
    assert any(tag in e for e in errors), errors


def _attribute_paths(body: object, prefix: str = "") -> set[str]:
    """Attribute and block names used in a parsed resource body, as a.b.c paths."""
    out: set[str] = set()
    if isinstance(body, list):
        for item in body:
            out |= _attribute_paths(item, prefix)
    elif isinstance(body, dict):
        for k, v in body.items():
            if k == MARK or k in ("for_each", "lifecycle", "depends_on"):  # meta-arguments
                continue
            name = k.strip('"')
            if name == "dynamic":  # dynamic "x" { content { ... } } renders block x
                for d in v:
                    for block, body in d.items():
                        if block != MARK:
                            out.add(prefix + block.strip('"'))
                            out |= _attribute_paths(body.get("content", []), prefix + block.strip('"') + ".")
                continue
            out.add(prefix + name)
            if isinstance(v, (dict, list)) and not (isinstance(v, dict) and name in ("tags", "environment", "dimensions")):
                out |= _attribute_paths(v, prefix + name + ".")
    return out


def _schema_paths(block: dict, prefix: str = "") -> set[str]:
    out: set[str] = set()
    for name, a in block.get("attributes", {}).items():
        out.add(prefix + name)
        if "nested_type" in a:
            out |= _schema_paths(a["nested_type"], prefix + name + ".")
    for name, b in block.get("blocks", {}).items():
        out.add(prefix + name)
        out |= _schema_paths(b.get("block", b), prefix + name + ".")
    return out


def test_module_uses_only_attributes_the_provider_schemas_have(root: Path) -> None:
    """Until the stand-in serves awscc to Terraform: every argument is in the provider's schema."""
    aws = json.loads((SCHEMAS / "aws-provider-6.25.0.json").read_text())["resources"]
    awscc = json.loads((SCHEMAS / "awscc-provider-1.106.0.json").read_text())["resources"]
    for address, body in blocks(load_tree(root)[MODULE]["main.tf"], "resource").items():
        tf_type = address.split(".")[0]
        schema = (awscc if tf_type.startswith("awscc_") else aws)[tf_type]
        unknown = _attribute_paths(body) - _schema_paths(schema)
        assert not unknown, (address, sorted(unknown))


def test_alarms_and_rolling_deployment_of_each_component(root: Path) -> None:
    """examples/inference-components.yaml's alarms and deployment, from config to the call and the module:
    per component a latency and a 5XX-rate alarm on its InferenceComponentName, and a rolling update of half
    its copies per step that those alarms roll back, one copy at a time."""
    tree = load_tree(root)
    call = _call(tree, "inference_components_vision")
    alarms = call["alarms"]
    assert sorted(alarms) == ["classification_error_rate", "classification_latency_p99", "object_detection_error_rate", "object_detection_latency_p99"]
    latency = alarms["object_detection_latency_p99"]
    assert latency["dimensions"] == {"InferenceComponentName": '"vision-prod-vision-object-detection"'}
    assert (s(latency["metric_name"]), s(latency["extended_statistic"]), latency["threshold"]) == ("ModelLatency", "p99", 250000)
    errors = alarms["classification_error_rate"]
    queries = {s(q["id"]): q for q in errors["metric_queries"]}
    assert queries["errors"]["metric"]["dimensions"] == {"InferenceComponentName": '"vision-prod-vision-classification"'}
    assert s(queries["errors"]["metric"]["metric_name"]) == "Invocation5XXErrors" and errors["threshold"] == 2
    d = call["deployments"]["classification"]
    policy = d["rolling_update_policy"]
    assert policy["maximum_batch_size"] == {"type": '"CAPACITY_PERCENT"', "value": 50}
    assert (policy["wait_interval_in_seconds"], policy["maximum_execution_timeout_in_seconds"]) == (600, 3600)
    assert policy["rollback_maximum_batch_size"] == {"type": '"COPY_COUNT"', "value": 1}
    assert [s(a["alarm_name"]) for a in d["auto_rollback_configuration"]["alarms"]] == ["vision-prod-vision-classification-latency-p99", "vision-prod-vision-classification-5xx-rate"]
    ic = blocks(tree[MODULE]["main.tf"], "resource")["awscc_sagemaker_inference_component.this"]
    assert ic["deployment_config"] == "${lookup(var.deployments, each.key, null)}"
    assert ic["depends_on"] == ["${aws_cloudwatch_metric_alarm.this}"]


def test_without_alarms_and_deployment_nothing_is_passed(tmp_path: Path) -> None:
    text = EXAMPLE.read_text().split("    # Per component: p99 latency")[0]
    out = render(text, tmp_path)
    call = _call(load_tree(out), "inference_components_vision")
    assert call["alarms"] == {} and call["deployments"] == {}
    assert components_errors(out) == []


def test_rollout_without_rollback_alarms(tmp_path: Path) -> None:
    """rollback_on_alarms: false keeps the alarms (they still notify) out of the deployment."""
    text = EXAMPLE.read_text().replace("      rollback_step_copies: 1\n", "      step_percent: 50\n".replace("step_percent: 50", "rollback_on_alarms: false"))
    out = render(text, tmp_path)
    call = _call(load_tree(out), "inference_components_vision")
    assert all(d["auto_rollback_configuration"] is None and d["rolling_update_policy"]["rollback_maximum_batch_size"] is None for d in call["deployments"].values())
    assert len(call["alarms"]) == 4
    assert components_errors(out) == []
