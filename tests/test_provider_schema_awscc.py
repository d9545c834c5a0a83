"""The typed schema of hashicorp/awscc 1.106.0 (tests/schema/awscc-provider-1.106.0.json).

awscc is a plugin-framework provider: every nested value is a nested attribute
(`nested_type`), never a block.  Two halves, as in test_provider_schema.py:

* facts of the committed JSON that the checks and the Terraform stand-in rely
  on, each of which a regressed extractor would get wrong (nesting modes,
  required fields deep inside, computed-only nested values, the tags shape, the
  provider's nested attributes);
* the extractor run on a small wheel written here in the cdktn bindings' exact
  shape (no network), including its version check and determinism.
"""

from __future__ import annotations

import dataclasses
import io
import json
import re
import tarfile
import zipfile
from pathlib import Path

import pytest

from tests.test_provider_schema import (
    SCHEMA_DIR,
    extract,
    flags,
    getter,
    hcl_row,
    new_getter,
    valid_type,
    write_js,
)

NAME = "awscc-provider-1.106.0.json"
AWSCC = json.loads((SCHEMA_DIR / NAME).read_text(encoding="utf-8"))
RES = AWSCC["resources"]

TAG = {"key": "string", "value": "string"}


def attr(tf_type: str, path: str) -> dict:
    """The attribute at a dotted path, descending through nested attributes."""
    node, found = RES[tf_type]["attributes"], None
    for part in path.split("."):
        found = node[part]
        node = found.get("nested_type", {}).get("attributes", {})
    return found


def flag_set(a: dict) -> set[str]:
    return {k for k in ("required", "optional", "computed") if a[k]}


# ---------------------------------------------------------------------------
# The committed JSON
# ---------------------------------------------------------------------------


def test_header_and_resources():
    assert (AWSCC["source"], AWSCC["version"]) == ("registry.terraform.io/hashicorp/awscc", "1.106.0")
    assert set(RES) == set(extract.AWSCC_RESOURCE_TYPES)
    assert {
        "awscc_sagemaker_model_quality_job_definition",
        "awscc_sagemaker_model_bias_job_definition",
        "awscc_sagemaker_model_explainability_job_definition",
        "awscc_sagemaker_data_quality_job_definition",
        "awscc_sagemaker_monitoring_schedule",
        "awscc_sagemaker_inference_component",
        "awscc_sagemaker_endpoint",
        "awscc_sagemaker_endpoint_config",
        "awscc_sagemaker_model_package_group",
    } <= set(RES)
    assert AWSCC["data_sources"] == {}


def test_inference_component_nested_attributes():
    spec = attr("awscc_sagemaker_inference_component", "specification")
    assert spec["nested_type"]["nesting_mode"] == "single" and flag_set(spec) == {"optional", "computed"}
    crr = attr("awscc_sagemaker_inference_component", "specification.compute_resource_requirements")
    assert crr["nested_type"]["nesting_mode"] == "single"
    memory = crr["nested_type"]["attributes"]["min_memory_required_in_mb"]
    assert memory["type"] == "number" and "nested_type" not in memory
    assert set(crr["nested_type"]["attributes"]) == {
        "max_memory_required_in_mb",
        "min_memory_required_in_mb",
        "number_of_accelerator_devices_required",
        "number_of_cpu_cores_required",
    }
    # The cty type of a single nested attribute is the object itself (no list around it).
    assert spec["type"][0] == "object"
    assert spec["type"][1]["compute_resource_requirements"] == [
        "object",
        {name: "number" for name in crr["nested_type"]["attributes"]},
    ]
    assert attr("awscc_sagemaker_inference_component", "specification.model_name")["type"] == "string"

    copies = attr("awscc_sagemaker_inference_component", "runtime_config.copy_count")
    assert copies["type"] == "number" and flag_set(copies) == {"optional", "computed"}
    assert attr("awscc_sagemaker_inference_component", "endpoint_name")["required"]
    # The multi-instance-type form is a list of specifications.
    assert attr("awscc_sagemaker_inference_component", "specifications")["nested_type"]["nesting_mode"] == "list"
    # Rolling deployment with rollback alarms.
    alarms = attr("awscc_sagemaker_inference_component", "deployment_config.auto_rollback_configuration.alarms")
    assert alarms["nested_type"]["nesting_mode"] == "list"
    assert alarms["type"] == ["list", ["object", {"alarm_name": "string"}]]


def test_computed_only_nested_values_are_nested_attributes():
    status = attr("awscc_sagemaker_inference_component", "runtime_config.placement_status")
    assert flag_set(status) == {"computed"}
    assert status["nested_type"]["nesting_mode"] == "list"
    assert all(flag_set(a) == {"computed"} for a in status["nested_type"]["attributes"].values())
    assert status["type"] == ["list", ["object", {"current_copy_count": "number", "instance_type": "string"}]]
    assert flag_set(attr("awscc_sagemaker_inference_component", "runtime_config.current_copy_count")) == {"computed"}
    assert flag_set(attr("awscc_sagemaker_inference_component", "inference_component_arn")) == {"computed"}


def test_required_fields_below_required_parents():
    t = "awscc_sagemaker_model_quality_job_definition"
    for path in ("job_resources", "job_resources.cluster_config"):
        assert flag_set(attr(t, path)) == {"required"}
        assert attr(t, path)["nested_type"]["nesting_mode"] == "single"
    instance_type = attr(t, "job_resources.cluster_config.instance_type")
    assert instance_type == {"computed": False, "optional": False, "required": True, "type": "string"}
    assert attr(t, "job_resources.cluster_config.instance_count")["type"] == "number"
    assert flag_set(attr(t, "job_resources.cluster_config.volume_kms_key_id")) == {"optional", "computed"}
    assert attr(t, "model_quality_job_input.ground_truth_s3_input.s3_uri")["required"]
    assert attr(t, "model_quality_app_specification.problem_type")["required"]
    assert attr(t, "role_arn")["required"]
    outputs = attr(t, "model_quality_job_output_config.monitoring_outputs")
    assert outputs["nested_type"]["nesting_mode"] == "list" and outputs["required"]
    for kind in ("model_bias", "model_explainability", "data_quality"):
        t = f"awscc_sagemaker_{kind}_job_definition"
        assert attr(t, "job_resources.cluster_config.instance_type")["required"]
        assert attr(t, f"{kind}_app_specification")["nested_type"]["nesting_mode"] == "single"


def test_required_fields_below_optional_parents_are_optional():
    # awscc turns a CloudFormation-required field under an optional parent into
    # optional+computed (and enforces it with a not-null validator the bindings
    # do not carry): the schema records the provider's flags, not CloudFormation's.
    t = "awscc_sagemaker_endpoint_config"
    capture = attr(t, "data_capture_config.capture_options")
    assert capture["nested_type"]["nesting_mode"] == "list"
    assert flag_set(capture["nested_type"]["attributes"]["capture_mode"]) == {"optional", "computed"}
    # ... while below a required list they stay required.
    variants = attr(t, "production_variants")
    assert variants["required"] and variants["nested_type"]["nesting_mode"] == "list"
    assert attr(t, "production_variants.variant_name")["required"]
    assert attr(t, "production_variants.managed_instance_scaling")["nested_type"]["nesting_mode"] == "single"
    assert attr(t, "production_variants.routing_config.routing_strategy")["type"] == "string"
    assert attr(t, "execution_role_arn")["type"] == "string"
    assert attr(t, "vpc_config.subnets")["type"] == ["list", "string"]


def test_monitoring_schedule_and_endpoint():
    t = "awscc_sagemaker_monitoring_schedule"
    assert flag_set(attr(t, "monitoring_schedule_config")) == {"required"}
    # schedule_config is optional in CloudFormation, so its required expression is optional here.
    expression = attr(t, "monitoring_schedule_config.schedule_config.schedule_expression")
    assert flag_set(expression) == {"optional", "computed"} and expression["type"] == "string"
    # A schedule either names a job definition or embeds one.
    embedded = attr(t, "monitoring_schedule_config.monitoring_job_definition.monitoring_inputs")
    assert embedded["nested_type"]["nesting_mode"] == "list"
    assert attr(t, "monitoring_schedule_config.monitoring_type")["type"] == "string"
    assert attr(t, "monitoring_schedule_config.monitoring_job_definition_name")["type"] == "string"
    assert attr(t, "monitoring_schedule_name")["required"]
    assert attr("awscc_sagemaker_endpoint", "endpoint_config_name")["required"]
    group = RES["awscc_sagemaker_model_package_group"]["attributes"]
    assert group["model_package_group_name"]["required"]
    assert group["model_package_group_policy"]["type"] == "string"  # JSON text


@pytest.mark.parametrize("tf_type", sorted(extract.AWSCC_RESOURCE_TYPES))
def test_tags_are_lists_of_key_value_objects(tf_type):
    tags = RES[tf_type]["attributes"]["tags"]
    assert flag_set(tags) == {"optional", "computed"}
    assert tags["nested_type"]["nesting_mode"] == "list"
    assert tags["type"] == ["list", ["object", TAG]]
    assert {n: a["type"] for n, a in tags["nested_type"]["attributes"].items()} == TAG


def test_provider_block():
    provider = AWSCC["provider"]
    assert provider["blocks"] == {}
    attrs = provider["attributes"]
    assert attrs["region"] == {"computed": False, "optional": True, "required": False, "type": "string"}
    assert attrs["max_retries"]["type"] == "number" and attrs["insecure"]["type"] == "bool"
    assert attrs["shared_config_files"]["type"] == ["list", "string"]
    assert "alias" not in attrs and "default_tags" not in attrs  # awscc has no default_tags
    assume_role = attrs["assume_role"]
    assert assume_role["nested_type"]["nesting_mode"] == "single" and assume_role["optional"]
    inner = assume_role["nested_type"]["attributes"]
    assert inner["role_arn"]["required"] and inner["session_name"]["optional"]
    assert inner["transitive_tag_keys"]["type"] == ["set", "string"]
    assert inner["tags"]["type"] == ["map", "string"]
    user_agent = attrs["user_agent"]
    assert user_agent["nested_type"]["nesting_mode"] == "list"
    assert user_agent["nested_type"]["attributes"]["product_name"]["required"]
    assert attrs["endpoints"]["nested_type"]["nesting_mode"] == "single"


def expected_type(a: dict):
    nested = a["nested_type"]
    obj = ["object", {n: v["type"] for n, v in nested["attributes"].items()}]
    return obj if nested["nesting_mode"] == "single" else [nested["nesting_mode"], obj]


def test_every_entry_is_well_formed_and_deterministic():
    problems: list[str] = []

    def walk(attributes: dict, where: str) -> None:
        for name, a in attributes.items():
            at = f"{where}.{name}"
            if set(a) - {"type", "required", "optional", "computed", "nested_type"}:
                problems.append(f"{at}: keys {sorted(a)}")  # also: nothing is sensitive
            if not valid_type(a.get("type")):
                problems.append(f"{at}: type {a.get('type')!r}")
            if a["required"] + a["optional"] > 1 or not (a["required"] or a["optional"] or a["computed"]):
                problems.append(f"{at}: flags {a}")
            if "nested_type" in a:
                if a["nested_type"]["nesting_mode"] not in ("single", "list", "set", "map"):
                    problems.append(f"{at}: nesting_mode {a['nested_type']['nesting_mode']!r}")
                if a["type"] != expected_type(a):
                    problems.append(f"{at}: type disagrees with nested_type")
                if flag_set(a) == {"computed"} and any(
                    flag_set(v) != {"computed"} for v in a["nested_type"]["attributes"].values()
                ):
                    problems.append(f"{at}: settable field inside a computed-only value")
                walk(a["nested_type"]["attributes"], at)

    walk(AWSCC["provider"]["attributes"], "provider")
    for tf_type, body in RES.items():
        if body["blocks"]:
            problems.append(f"{tf_type}: blocks {sorted(body['blocks'])}")
        walk(body["attributes"], tf_type)
    assert problems == []
    text = (SCHEMA_DIR / NAME).read_text(encoding="utf-8")
    assert text == json.dumps(AWSCC, indent=1, sort_keys=True) + "\n"


# ---------------------------------------------------------------------------
# The extractor, on a wheel in the cdktn bindings' shape
# ---------------------------------------------------------------------------

HEADER = """// https://registry.terraform.io/providers/hashicorp/democc/2.0.0/docs/resources/widget
// generated from terraform resource schema

import { Construct } from 'constructs';
import * as cdktn from 'cdktn';
"""


def nested_struct(name: str, rows: str, getters: str, container: str | None = None) -> str:
    """A nested type: its fooToHclTerraform() table, its OutputReference class and,
    for repeated values, the List or Map class."""
    fn = name[0].lower() + name[1:]
    s = (
        f"export interface {name} {{\n}}\n\n"
        f"export function {fn}ToHclTerraform(struct?: {name}): any {{\n  const attrs = {{\n{rows}  }};\n  return attrs;\n}}\n\n"
        f"export class {name}OutputReference extends cdktn.ComplexObject {{\n{getters}}}\n\n"
    )
    if container:
        s += f"export class {name}{container} extends cdktn.Complex{container} {{\n}}\n"
    return s


def widget_source(*, rules_wraps_set: str = "true") -> str:
    """`democc_widget`: one of each nested-attribute encoding."""
    s = HEADER
    s += nested_struct(
        "WidgetSpecResources",
        hcl_row("min_memory", "cdktn.numberToHclTerraform(struct!.minMemory)", False, "simple", "number"),
        flags("min_memory", False, False, True) + getter("min_memory", "this.getNumberAttribute('min_memory')", "number"),
    )
    s += nested_struct(
        "WidgetSpec",
        hcl_row("image", "cdktn.stringToHclTerraform(struct!.image)", False, "simple", "string")
        + hcl_row("resources", "widgetSpecResourcesToHclTerraform(struct!.resources)", True, "struct", "WidgetSpecResources")
        + hcl_row("args", "cdktn.listMapperHcl(cdktn.stringToHclTerraform, false)(struct!.args)", False, "list", "stringList"),
        flags("image", True, True, False) + getter("image", "this.getStringAttribute('image')", "string")
        + flags("resources", False, False, True) + new_getter("resources", "WidgetSpecResourcesOutputReference")
        + flags("args", True, True, False) + getter("args", "this.getListAttribute('args')", "string[]")
        + flags("digest", True, False, False) + getter("digest", "this.getStringAttribute('digest')"),
    )
    s += nested_struct(
        "WidgetTags",
        hcl_row("key", "cdktn.stringToHclTerraform(struct!.key)", False, "simple", "string")
        + hcl_row("value", "cdktn.stringToHclTerraform(struct!.value)", False, "simple", "string"),
        flags("key", True, True, False) + getter("key", "this.getStringAttribute('key')", "string")
        + flags("value", True, True, False) + getter("value", "this.getStringAttribute('value')", "string"),
        "List",
    )
    s += nested_struct(
        "WidgetRules",
        hcl_row("port", "cdktn.numberToHclTerraform(struct!.port)", False, "simple", "number"),
        flags("port", False, True, False) + getter("port", "this.getNumberAttribute('port')", "number"),
        "List",
    )
    s += nested_struct(
        "WidgetActions",
        hcl_row("enabled", "cdktn.booleanToHclTerraform(struct!.enabled)", False, "simple", "boolean"),
        flags("enabled", False, False, True) + getter("enabled", "this.getBooleanAttribute('enabled')", "boolean"),
        "Map",
    )
    s += nested_struct(
        "WidgetStatusHosts",
        "",
        flags("host", True, False, False) + getter("host", "this.getStringAttribute('host')"),
        "List",
    )
    s += nested_struct(
        "WidgetStatus",
        "",
        flags("phase", True, False, False) + getter("phase", "this.getStringAttribute('phase')")
        + flags("hosts", True, False, False) + new_getter("hosts", "WidgetStatusHostsList", True),
    )
    s += "export class Widget extends cdktn.TerraformResource {\n"
    s += '  public static readonly tfResourceType = "democc_widget";\n\n'
    s += flags("id", True, False, False) + getter("id", "this.getStringAttribute('id')")
    s += flags("name", False, False, True) + getter("name", "this.getStringAttribute('name')", "string")
    s += flags("spec", True, True, False) + new_getter("spec", "WidgetSpecOutputReference")
    s += flags("tags", True, True, False) + new_getter("tags", "WidgetTagsList", False)
    s += flags("rules", False, True, False) + new_getter("rules", "WidgetRulesList", rules_wraps_set == "true")
    s += flags("actions", False, True, False) + new_getter("actions", "WidgetActionsMap")
    s += flags("status", True, False, False) + new_getter("status", "WidgetStatusOutputReference")
    s += "  protected synthesizeHclAttributes(): { [name: string]: any } {\n    const attrs = {\n"
    s += hcl_row("name", "cdktn.stringToHclTerraform(this._name)", False, "simple", "string")
    s += hcl_row("spec", "widgetSpecToHclTerraform(this._spec.internalValue)", True, "struct", "WidgetSpec")
    s += hcl_row("tags", "cdktn.listMapperHcl(widgetTagsToHclTerraform, false)(this._tags.internalValue)", True, "list", "WidgetTagsList")
    s += hcl_row("rules", "cdktn.listMapperHcl(widgetRulesToHclTerraform, false)(this._rules.internalValue)", True, "set", "WidgetRulesList")
    s += hcl_row("actions", "cdktn.hashMapperHcl(widgetActionsToHclTerraform)(this._actions.internalValue)", True, "map", "WidgetActionsMap")
    s += "    };\n    return attrs;\n  }\n}\n"
    return s


PROVIDER_SOURCE = (
    HEADER
    + "export interface DemoccProviderAssumeRole {\n  readonly roleArn: string;\n  readonly sessionName?: string;\n}\n\n"
    + "export function democcProviderAssumeRoleToHclTerraform(struct?: DemoccProviderAssumeRole): any {\n  const attrs = {\n"
    + hcl_row("role_arn", "cdktn.stringToHclTerraform(struct!.roleArn)", False, "simple", "string")
    + hcl_row("session_name", "cdktn.stringToHclTerraform(struct!.sessionName)", False, "simple", "string")
    + "  };\n  return attrs;\n}\n\n"
    + "export interface DemoccProviderUserAgent {\n  readonly productName: string;\n}\n\n"
    + "export function democcProviderUserAgentToHclTerraform(struct?: DemoccProviderUserAgent): any {\n  const attrs = {\n"
    + hcl_row("product_name", "cdktn.stringToHclTerraform(struct!.productName)", False, "simple", "string")
    + "  };\n  return attrs;\n}\n\n"
    + "export class DemoccProvider extends cdktn.TerraformProvider {\n"
    + '  public static readonly tfResourceType = "democc";\n\n'
    + flags("region", False, True, False) + getter("region", "this._region", "string")
    + flags("alias", False, True, False) + getter("alias", "this._alias", "string")
    + flags("assume_role", False, True, False) + getter("assume_role", "this._assumeRole", "DemoccProviderAssumeRole")
    + flags("user_agent", False, True, False) + getter("user_agent", "this._userAgent", "DemoccProviderUserAgent[]")
    + "  protected synthesizeHclAttributes(): { [name: string]: any } {\n    const attrs = {\n"
    + hcl_row("region", "cdktn.stringToHclTerraform(this._region)", False, "simple", "string")
    + hcl_row("alias", "cdktn.stringToHclTerraform(this._alias)", False, "simple", "string")
    + hcl_row("assume_role", "democcProviderAssumeRoleToHclTerraform(this._assumeRole)", True, "struct", "DemoccProviderAssumeRole")
    + hcl_row("user_agent", "cdktn.listMapperHcl(democcProviderUserAgentToHclTerraform, false)(this._userAgent)", True, "list", "DemoccProviderUserAgentList")
    + "    };\n    return attrs;\n  }\n}\n"
)

DEMOCC = extract.ProviderSpec(
    name="democc",
    version="2.0.0",
    npm_package="",
    pypi_package="cdktn-provider-democc==1.0.0",
    resource_types=("democc_widget",),
    nested_attributes=True,
)

BOUND = {"provider": {"name": "registry.terraform.io/hashicorp/democc", "version": "2.0.0"}}


def demo_wheel(tmp_path: Path, widget: str, meta: dict | None = None) -> Path:
    """A jsii wheel: `<module>/_jsii/<name>.jsii.tgz` holding the npm package."""
    staging = tmp_path / "staging"
    package = staging / "package"
    package.mkdir(parents=True)
    meta = meta or {"name": "@cdktn/provider-democc", "version": "1.0.0", "cdktf": BOUND, "cdktn": BOUND}
    (package / "package.json").write_text(json.dumps(meta), encoding="utf-8")
    write_js(package / "lib" / "widget" / "index.js", widget)
    write_js(package / "lib" / "provider" / "index.js", PROVIDER_SOURCE)
    (package / "lib" / "gadget").mkdir()  # a type we do not keep: not extracted
    (package / "lib" / "gadget" / "index.js").write_text("not read", encoding="utf-8")
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for path in sorted(staging.rglob("*")):
            tar.add(path, arcname=str(path.relative_to(staging)), recursive=False)
    wheel = tmp_path / "cdktn_provider_democc-1.0.0-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as whl:
        whl.writestr("cdktn_provider_democc/__init__.py", "")
        whl.writestr("cdktn_provider_democc/_jsii/provider-democc@1.0.0.jsii.tgz", buffer.getvalue())
    return wheel


def build(tmp_path: Path, widget: str | None = None, meta: dict | None = None) -> dict:
    wheel = demo_wheel(tmp_path, widget or widget_source(), meta)
    package = extract.unpack_wheel(DEMOCC, wheel, tmp_path / "unpacked")
    assert not (package / "lib" / "gadget").exists()
    schema, missing = extract.build_schema(DEMOCC, package)
    assert missing == []
    return schema


def test_extractor_reads_every_nested_attribute_encoding(tmp_path):
    schema = build(tmp_path)
    assert (schema["source"], schema["version"]) == ("registry.terraform.io/hashicorp/democc", "2.0.0")
    widget = schema["resources"]["democc_widget"]
    assert widget["blocks"] == {}
    attrs = widget["attributes"]
    assert attrs["id"] == {"computed": True, "optional": False, "required": False, "type": "string"}
    assert attrs["name"]["required"]

    spec = attrs["spec"]
    assert spec["nested_type"]["nesting_mode"] == "single" and flag_set(spec) == {"optional", "computed"}
    inner = spec["nested_type"]["attributes"]
    assert inner["args"]["type"] == ["list", "string"]
    assert flag_set(inner["digest"]) == {"computed"}  # computed-only scalar inside
    resources = inner["resources"]
    assert resources["nested_type"] == {
        "attributes": {"min_memory": {"computed": False, "optional": False, "required": True, "type": "number"}},
        "nesting_mode": "single",
    }
    assert spec["type"] == [
        "object",
        {"args": ["list", "string"], "digest": "string", "image": "string",
         "resources": ["object", {"min_memory": "number"}]},
    ]

    assert attrs["tags"]["nested_type"]["nesting_mode"] == "list"
    assert attrs["tags"]["type"] == ["list", ["object", TAG]]
    assert attrs["rules"]["nested_type"]["nesting_mode"] == "set"
    assert attrs["rules"]["type"] == ["set", ["object", {"port": "number"}]]
    assert attrs["actions"]["nested_type"]["nesting_mode"] == "map"
    assert attrs["actions"]["type"] == ["map", ["object", {"enabled": "bool"}]]
    assert attrs["actions"]["nested_type"]["attributes"]["enabled"]["required"]

    status = attrs["status"]  # computed-only, nested twice
    assert flag_set(status) == {"computed"} and status["nested_type"]["nesting_mode"] == "single"
    hosts = status["nested_type"]["attributes"]["hosts"]
    assert hosts["nested_type"]["nesting_mode"] == "set"
    assert hosts["type"] == ["set", ["object", {"host": "string"}]]

    provider = schema["provider"]
    assert provider["blocks"] == {} and set(provider["attributes"]) == {"region", "assume_role", "user_agent"}
    assume_role = provider["attributes"]["assume_role"]
    assert assume_role["nested_type"]["nesting_mode"] == "single"
    assert assume_role["nested_type"]["attributes"]["role_arn"]["required"]
    assert assume_role["nested_type"]["attributes"]["session_name"]["optional"]
    user_agent = provider["attributes"]["user_agent"]
    assert user_agent["nested_type"]["nesting_mode"] == "list"
    assert user_agent["type"] == ["list", ["object", {"product_name": "string"}]]


def test_list_and_set_must_agree_with_the_getter(tmp_path):
    # The table says `set`, the List class does not wrap a set: not understood.
    with pytest.raises(extract.ExtractError, match=r"democc_widget\.rules: .*disagrees with getter"):
        build(tmp_path, widget_source(rules_wraps_set="false"))


def test_sdkv2_block_encoding_is_refused_in_nested_attribute_mode(tmp_path):
    # listMapperHcl(..., true) is a repeated SDKv2 block, which awscc never has.
    text = widget_source().replace(
        "cdktn.listMapperHcl(widgetTagsToHclTerraform, false)", "cdktn.listMapperHcl(widgetTagsToHclTerraform, true)"
    )
    with pytest.raises(extract.ExtractError, match=r"democc_widget\.tags: .*disagrees with getter"):
        build(tmp_path, text)


def test_bound_provider_version_is_checked(tmp_path):
    other = {"provider": {"name": "registry.terraform.io/hashicorp/democc", "version": "1.9.9"}}
    with pytest.raises(extract.ExtractError, match=r"binds registry.terraform.io/hashicorp/democc 1.9.9, expected .* 2.0.0"):
        build(tmp_path / "a", meta={"name": "x", "version": "1", "cdktf": other, "cdktn": other})
    # cdktn packages name the provider twice; the two must agree.
    with pytest.raises(extract.ExtractError, match="names two providers"):
        build(tmp_path / "b", meta={"name": "x", "version": "1", "cdktf": BOUND, "cdktn": other})
    # The generated source names its version too.
    stale = widget_source().replace("hashicorp/democc/2.0.0/", "hashicorp/democc/1.9.9/")
    with pytest.raises(extract.ExtractError, match=re.escape("bindings are not for hashicorp/democc 2.0.0")):
        build(tmp_path / "c", stale)


def test_main_on_a_wheel_is_deterministic(tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(extract.PROVIDERS, "democc", DEMOCC)
    wheel = demo_wheel(tmp_path, widget_source())
    outputs = []
    for run in ("first", "second"):
        out = tmp_path / f"{run}.json"
        assert extract.main(["--provider", "democc", str(wheel), "-o", str(out)]) == 0
        outputs.append(out.read_text(encoding="utf-8"))
    assert outputs[0] == outputs[1]
    schema = json.loads(outputs[0])
    assert outputs[0] == json.dumps(schema, indent=1, sort_keys=True) + "\n"
    assert list(schema["resources"]["democc_widget"]["attributes"]) == sorted(
        schema["resources"]["democc_widget"]["attributes"]
    )
    assert "1 resources, 0 data sources" in capsys.readouterr().out


def test_missing_type_is_reported(tmp_path, monkeypatch, capsys):
    spec = dataclasses.replace(DEMOCC, resource_types=("democc_widget", "democc_gizmo"))
    monkeypatch.setitem(extract.PROVIDERS, "democc", spec)
    wheel = demo_wheel(tmp_path, widget_source())
    assert extract.main(["--provider", "democc", str(wheel), "-o", str(tmp_path / "o.json")]) == 1
    assert "not in hashicorp/democc 2.0.0: democc_gizmo" in capsys.readouterr().err

