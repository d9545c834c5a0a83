"""The typed provider schemas (tests/schema/*.json) and the extractor that derives them.

Two halves:

* facts of the committed JSON that the Terraform stand-in and the checks rely on
  (types, list vs set vs single, computed nested values, sensitive flags, the
  provider block), each of which a regressed extractor would get wrong;
* the extractor itself (tools/provider_schema/extract.py) run on a small package
  written here in the cdktf bindings' exact shape, so a change of its parsing is
  caught without npm.
"""

from __future__ import annotations

import base64
import dataclasses
import importlib.util
import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCHEMA_DIR = ROOT / "tests" / "schema"

_spec = importlib.util.spec_from_file_location("extract", ROOT / "tools" / "provider_schema" / "extract.py")
extract = importlib.util.module_from_spec(_spec)
sys.modules["extract"] = extract  # dataclasses need the module registered
_spec.loader.exec_module(extract)


def load(name: str) -> dict:
    return json.loads((SCHEMA_DIR / name).read_text(encoding="utf-8"))


AWS = load("aws-provider-6.25.0.json")
ARCHIVE = load("archive-provider-2.7.1.json")
RANDOM = load("random-provider-3.7.2.json")
RES, DATA = AWS["resources"], AWS["data_sources"]


def block(schema: dict, tf_type: str, path: str) -> dict:
    node, found = schema[tf_type], None
    for part in path.split("."):
        found = node["blocks"][part]
        node = found["block"]
    return found


# ---------------------------------------------------------------------------
# The committed JSON
# ---------------------------------------------------------------------------


def test_header_names_source_version_and_provider_block():
    assert (AWS["source"], AWS["version"]) == ("registry.terraform.io/hashicorp/aws", "6.25.0")
    assert (ARCHIVE["source"], ARCHIVE["version"]) == ("registry.terraform.io/hashicorp/archive", "2.7.1")
    assert (RANDOM["source"], RANDOM["version"]) == ("registry.terraform.io/hashicorp/random", "3.7.2")
    assert ARCHIVE["provider"] == RANDOM["provider"] == {"attributes": {}, "blocks": {}}


def test_aws_provider_block():
    provider = AWS["provider"]
    assert provider["attributes"]["region"] == {"computed": False, "optional": True, "required": False, "type": "string"}
    assert provider["attributes"]["allowed_account_ids"]["type"] == ["set", "string"]
    assert provider["attributes"]["max_retries"]["type"] == "number"
    assert "alias" not in provider["attributes"]  # a meta-argument, not part of the schema
    default_tags = provider["blocks"]["default_tags"]
    assert (default_tags["nesting"], default_tags["max_items"]) == ("list", 1)
    assert default_tags["block"]["attributes"]["tags"]["type"] == ["map", "string"]
    assume_role = provider["blocks"]["assume_role"]
    assert assume_role["nesting"] == "list" and "max_items" not in assume_role  # role chaining
    assert assume_role["block"]["attributes"]["role_arn"]["optional"]
    assert provider["blocks"]["endpoints"]["nesting"] == "set"


def test_scalar_and_collection_types():
    epc = RES["aws_sagemaker_endpoint_configuration"]
    assert epc["attributes"]["tags"]["type"] == ["map", "string"]
    assert epc["attributes"]["tags_all"] == {"computed": True, "optional": True, "required": False, "type": ["map", "string"]}
    variant = block(RES, "aws_sagemaker_endpoint_configuration", "production_variants")["block"]
    assert variant["attributes"]["model_name"]["type"] == "string"
    assert variant["attributes"]["initial_variant_weight"]["type"] == "number"
    assert variant["attributes"]["enable_ssm_access"]["type"] == "bool"
    assert RES["aws_lambda_function"]["attributes"]["architectures"]["type"] == ["list", "string"]
    assert RES["aws_lambda_function"]["attributes"]["layers"]["type"] == ["list", "string"]
    assert RES["aws_acm_certificate"]["attributes"]["subject_alternative_names"]["type"] == ["set", "string"]
    assert RES["aws_api_gateway_method"]["attributes"]["request_parameters"]["type"] == ["map", "bool"]
    status_codes = block(RES, "aws_cloudfront_distribution", "origin_group.failover_criteria")["block"]
    assert status_codes["attributes"]["status_codes"]["type"] == ["set", "number"]
    # Computed-only scalars are typed from their getters.
    assert RES["aws_lambda_layer_version"]["attributes"]["source_code_size"]["type"] == "number"
    assert RES["aws_acm_certificate"]["attributes"]["pending_renewal"]["type"] == "bool"
    assert RES["aws_acm_certificate"]["attributes"]["validation_emails"]["type"] == ["list", "string"]


def test_block_nesting_modes():
    expected = {
        ("aws_security_group", "ingress"): "set",
        ("aws_s3_bucket_lifecycle_configuration", "rule"): "list",
        ("aws_api_gateway_usage_plan", "api_stages"): "set",
        ("aws_cloudfront_distribution", "origin"): "set",
        ("aws_cloudfront_distribution", "ordered_cache_behavior"): "list",
        ("aws_cloudwatch_metric_alarm", "metric_query"): "set",
        ("aws_sagemaker_endpoint_configuration", "production_variants"): "list",
        ("aws_kms_grant", "constraints"): "set",
        ("aws_kms_key", "timeouts"): "single",
    }
    assert {key: block(RES, *key)["nesting"] for key in expected} == expected
    assert block(DATA, "aws_iam_policy_document", "statement")["nesting"] == "list"
    assert ARCHIVE["data_sources"]["archive_file"]["blocks"]["source"]["nesting"] == "set"
    timeouts = block(RES, "aws_kms_key", "timeouts")
    assert "max_items" not in timeouts and timeouts["block"]["attributes"]["create"]["type"] == "string"


def test_max_items_one_blocks_are_lists_of_one():
    # SDKv2 `MaxItems: 1` (vpc_config[0].vpc_id), not a single nested block.
    for tf_type, path in (
        ("aws_lambda_function", "vpc_config"),
        ("aws_lambda_function", "logging_config"),
        ("aws_sagemaker_endpoint_configuration", "data_capture_config"),
        ("aws_appautoscaling_policy", "target_tracking_scaling_policy_configuration"),
    ):
        spec = block(RES, tf_type, path)
        assert (spec["nesting"], spec["max_items"]) == ("list", 1), (tf_type, path)
    vpc = block(RES, "aws_lambda_function", "vpc_config")["block"]["attributes"]
    assert vpc["subnet_ids"]["required"] and vpc["subnet_ids"]["type"] == ["set", "string"]
    assert vpc["vpc_id"] == {"computed": True, "optional": False, "required": False, "type": "string"}


def test_block_limits_and_required_blocks():
    pv = block(RES, "aws_sagemaker_endpoint_configuration", "production_variants")
    assert (pv["required"], pv["min_items"], pv["max_items"]) == (True, 1, 10)
    member = block(RES, "aws_cloudfront_distribution", "origin_group.member")
    assert (member["nesting"], member["min_items"], member["max_items"]) == ("list", 2, 2)
    origin = block(RES, "aws_cloudfront_distribution", "origin")
    assert origin["required"] and origin["min_items"] == 1


def test_computed_nested_values_are_typed_attributes():
    dvo = RES["aws_acm_certificate"]["attributes"]["domain_validation_options"]
    assert (dvo["computed"], dvo["optional"], dvo["required"]) == (True, False, False)
    assert dvo["type"] == [
        "set",
        ["object", {
            "domain_name": "string",
            "resource_record_name": "string",
            "resource_record_type": "string",
            "resource_record_value": "string",
        }],
    ]
    assert "domain_validation_options" not in RES["aws_acm_certificate"]["blocks"]
    renewal = RES["aws_acm_certificate"]["attributes"]["renewal_summary"]["type"]
    assert renewal[0] == "list" and renewal[1][1]["renewal_status"] == "string"
    assert RES["aws_elasticache_replication_group"]["attributes"]["member_clusters"]["type"] == ["set", "string"]
    # Nested objects inside a computed value (cache policy -> config -> items).
    policy = DATA["aws_cloudfront_cache_policy"]["attributes"]["parameters_in_cache_key_and_forwarded_to_origin"]
    kind, (obj, fields) = policy["type"]
    assert (kind, obj) == ("list", "object")
    assert fields["enable_accept_encoding_gzip"] == "bool"
    assert fields["cookies_config"][1][1]["cookies"][1][1]["items"] == ["set", "string"]


def test_attribute_syntax_blocks_carry_their_implied_type():
    ingress = block(RES, "aws_security_group", "ingress")
    assert ingress["attribute_syntax"] and ingress["nesting"] == "set"
    kind, (obj, fields) = ingress["type"]
    assert (kind, obj) == ("set", "object")
    assert fields["from_port"] == "number" and fields["cidr_blocks"] == ["list", "string"]
    assert fields["security_groups"] == ["set", "string"] and fields["self"] == "bool"
    assert set(fields) == set(ingress["block"]["attributes"])
    # The provider's own Required fields, restored over Terraform core's view.
    assert ingress["block"]["attributes"]["from_port"]["required"]
    route = block(RES, "aws_route_table", "route")
    assert route["attribute_syntax"] and route["type"][0] == "set"
    assert block(RES, "aws_default_security_group", "egress")["attribute_syntax"]
    # Ordinary blocks have no type of their own.
    assert "type" not in block(RES, "aws_lambda_function", "vpc_config")


def test_every_attribute_syntax_type_matches_its_block():
    def walk(node):
        for spec in node["blocks"].values():
            if spec.get("attribute_syntax"):
                yield spec
            yield from walk(spec["block"])

    found = [spec for schema in (RES, DATA) for body in schema.values() for spec in walk(body)]
    assert len(found) == 5
    for spec in found:
        assert spec["type"] == [spec["nesting"], extract.implied_type(spec["block"])]


def test_sensitive_attributes():
    sensitive = {
        ("aws_api_gateway_api_key", "value"),
        ("aws_api_gateway_domain_name", "certificate_private_key"),
        ("aws_acm_certificate", "private_key"),
        ("aws_elasticache_replication_group", "auth_token"),
        ("aws_kms_grant", "grant_token"),
        ("aws_secretsmanager_secret_version", "secret_string"),
        ("aws_secretsmanager_secret_version", "secret_binary"),
        ("aws_secretsmanager_secret_version", "secret_string_wo"),
    }
    found = {
        (tf_type, name)
        for tf_type, body in RES.items()
        for name, attr in body["attributes"].items()
        if attr.get("sensitive")
    }
    assert found == sensitive
    assert "sensitive" not in RES["aws_api_gateway_api_key"]["attributes"]["name"]
    # The provider leaves it unmarked (random_password_data_source.go).
    assert "sensitive" not in DATA["aws_secretsmanager_random_password"]["attributes"]["random_password"]
    password = RANDOM["resources"]["random_password"]["attributes"]
    assert password["result"]["sensitive"] and password["bcrypt_hash"]["sensitive"]
    assert "sensitive" not in RANDOM["resources"]["random_string"]["attributes"]["result"]


def test_types_for_the_coming_components_are_present():
    for name in (
        "aws_sfn_state_machine", "aws_cloudwatch_event_rule", "aws_cloudwatch_event_target",
        "aws_scheduler_schedule", "aws_sns_topic_subscription", "aws_sqs_queue_policy",
        "aws_ecr_repository_policy", "aws_vpc", "aws_subnet", "aws_route_table",
        "aws_route_table_association", "aws_vpc_endpoint", "aws_flow_log",
        "aws_default_security_group", "aws_iam_policy", "aws_kms_grant", "aws_s3_object",
        "aws_sagemaker_model_package_group_policy", "aws_cloudwatch_composite_alarm",
        "aws_lambda_event_source_mapping", "aws_secretsmanager_secret_version",
        "aws_wafv2_web_acl_association",
    ):
        assert name in RES, name
    for name in (
        "aws_iam_policy_document", "aws_caller_identity", "aws_partition", "aws_region",
        "aws_availability_zones", "aws_vpc_endpoint_service", "aws_sagemaker_prebuilt_ecr_image",
        "aws_ecr_repository",
    ):
        assert name in DATA, name
    # cdktf elides rule.statement as `any`: the extractor refuses the type rather
    # than record a wrong schema (see test_elided_block_is_refused).
    assert "aws_wafv2_web_acl" not in RES


TYPE_NAMES = {"string", "number", "bool", "dynamic"}


def valid_type(t) -> bool:
    if isinstance(t, str):
        return t in TYPE_NAMES
    if isinstance(t, list) and len(t) == 2 and t[0] in ("list", "set", "map"):
        return valid_type(t[1])
    if isinstance(t, list) and len(t) == 2 and t[0] == "object" and isinstance(t[1], dict):
        return all(valid_type(v) for v in t[1].values())
    return False


@pytest.mark.parametrize("name", ["aws-provider-6.25.0.json", "archive-provider-2.7.1.json", "random-provider-3.7.2.json"])
def test_every_entry_is_well_formed(name):
    schema = load(name)
    problems: list[str] = []

    def walk(node, where):
        for attr_name, attr in node["attributes"].items():
            if not valid_type(attr.get("type")):
                problems.append(f"{where}.{attr_name}: type {attr.get('type')!r}")
            if sum(attr[k] for k in ("required", "optional")) > 1 or not (attr["required"] or attr["optional"] or attr["computed"]):
                problems.append(f"{where}.{attr_name}: flags {attr}")
        for block_name, spec in node["blocks"].items():
            if spec["nesting"] not in ("single", "list", "set"):
                problems.append(f"{where}.{block_name}: nesting {spec['nesting']!r}")
            if spec["nesting"] == "single" and "max_items" in spec:
                problems.append(f"{where}.{block_name}: single with max_items")
            walk(spec["block"], f"{where}.{block_name}")

    walk(schema["provider"], "provider")
    for section in ("resources", "data_sources"):
        for tf_type, body in schema[section].items():
            walk(body, tf_type)
    assert problems == []
    # Deterministic, as the extractor writes it.
    text = (SCHEMA_DIR / name).read_text(encoding="utf-8")
    assert text == json.dumps(schema, indent=1, sort_keys=True) + "\n"


# ---------------------------------------------------------------------------
# The extractor, on a package in the bindings' shape
# ---------------------------------------------------------------------------

HEADER = """// https://registry.terraform.io/providers/hashicorp/demo/1.0.0/docs/resources/thing
// generated from terraform resource schema

import { Construct } from 'constructs';
import * as cdktf from 'cdktf';
"""


def hcl_row(name: str, value: str, is_block: bool, kind: str, storage: str) -> str:
    return (
        f"      {name}: {{\n        value: {value},\n        isBlock: {str(is_block).lower()},\n"
        f'        type: "{kind}",\n        storageClassType: "{storage}",\n      }},\n'
    )


def flags(name: str, computed: bool, optional: bool, required: bool) -> str:
    return f"  // {name} - computed: {str(computed).lower()}, optional: {str(optional).lower()}, required: {str(required).lower()}\n"


def getter(name: str, expr: str, stored: str | None = None) -> str:
    camel = extract._camel(name)
    head = f"  private _{camel}?: {stored}; \n" if stored else ""
    return f"{head}  public get {camel}() {{\n    return {expr};\n  }}\n\n"


def new_getter(name: str, cls: str, wraps_set: bool | None = None) -> str:
    camel = extract._camel(name)
    extra = "" if wraps_set is None else f", {str(wraps_set).lower()}"
    return f'  private _{camel} = new {cls}(this, "{name}"{extra});\n  public get {camel}() {{\n    return this._{camel};\n  }}\n\n'


def struct(name: str, rows: str, getters: str) -> str:
    """A nested type: its fooToHclTerraform() table and its OutputReference class."""
    fn = name[0].lower() + name[1:]
    return (
        f"export interface {name} {{\n}}\n\n"
        f"export function {fn}ToHclTerraform(struct?: {name}): any {{\n  const attrs = {{\n{rows}  }};\n  return attrs;\n}}\n\n"
        f"export class {name}OutputReference extends cdktf.ComplexObject {{\n{getters}}}\n\n"
        f"export class {name}List extends cdktf.ComplexList {{\n}}\n"
    )


def thing_source(*, rule_wraps_set: str = "false", extra_interface: str = "") -> str:
    """`demo_thing`: one of each encoding the extractor must tell apart."""
    s = HEADER
    s += struct(
        "ThingRecord", "",
        flags("name", True, False, False) + getter("name", "this.getStringAttribute('name')")
        + flags("ttl", True, False, False) + getter("ttl", "this.getNumberAttribute('ttl')"),
    )
    s += struct(
        "ThingTimeouts",
        hcl_row("create", "cdktf.stringToHclTerraform(struct!.create)", False, "simple", "string"),
        flags("create", False, True, False) + getter("create", "this.getStringAttribute('create')", "string"),
    )
    s += struct(
        "ThingVpc",
        hcl_row("subnet_ids", "cdktf.listMapperHcl(cdktf.stringToHclTerraform, false)(struct!.subnetIds)", False, "set", "stringList"),
        flags("subnet_ids", False, False, True) + getter("subnet_ids", "cdktf.Fn.tolist(this.getListAttribute('subnet_ids'))", "string[]")
        + flags("vpc_id", True, False, False) + getter("vpc_id", "this.getStringAttribute('vpc_id')"),
    )
    s += struct(
        "ThingRule",
        hcl_row("id", "cdktf.stringToHclTerraform(struct!.id)", False, "simple", "string"),
        flags("id", False, False, True) + getter("id", "this.getStringAttribute('id')", "string"),
    )
    s += struct(
        "ThingGrant",
        hcl_row("ops", "cdktf.listMapperHcl(cdktf.stringToHclTerraform, false)(struct!.ops)", False, "list", "stringList"),
        flags("ops", False, True, False) + getter("ops", "this.getListAttribute('ops')", "string[]"),
    )
    s += struct(
        "ThingIngress",
        hcl_row("from_port", "struct!.fromPort === undefined ? null : cdktf.numberToHclTerraform(struct!.fromPort)", False, "simple", "number")
        + hcl_row("self", "struct!.selfAttribute === undefined ? null : cdktf.booleanToHclTerraform(struct!.selfAttribute)", False, "simple", "boolean"),
        flags("from_port", False, True, False) + getter("from_port", "this.getNumberAttribute('from_port')", "number")
        + flags("self", False, True, False) + getter("self", "this.getBooleanAttribute('self')", "boolean | cdktf.IResolvable"),
    )
    s += extra_interface
    s += "export class Thing extends cdktf.TerraformResource {\n"
    s += '  public static readonly tfResourceType = "demo_thing";\n\n'
    s += flags("arn", True, False, False) + getter("arn", "this.getStringAttribute('arn')")
    s += flags("name", False, False, True) + getter("name", "this.getStringAttribute('name')", "string")
    s += flags("tags", False, True, False) + getter("tags", "this.getStringMapAttribute('tags')", "{ [key: string]: string }")
    s += flags("secret", False, True, False) + getter("secret", "this.getStringAttribute('secret')", "string")
    s += flags("records", True, False, False) + new_getter("records", "ThingRecordList", True)
    s += flags("timeouts", False, True, False) + new_getter("timeouts", "ThingTimeoutsOutputReference")
    s += flags("vpc", False, True, False) + new_getter("vpc", "ThingVpcOutputReference")
    s += flags("rule", False, False, True) + new_getter("rule", "ThingRuleList", False)
    s += flags("grant", False, True, False) + new_getter("grant", "ThingGrantList", True)
    s += flags("ingress", True, True, False) + new_getter("ingress", "ThingIngressList", True)
    s += "  protected synthesizeHclAttributes(): { [name: string]: any } {\n    const attrs = {\n"
    s += hcl_row("name", "cdktf.stringToHclTerraform(this._name)", False, "simple", "string")
    s += hcl_row("tags", "cdktf.hashMapperHcl(cdktf.stringToHclTerraform)(this._tags)", False, "map", "stringMap")
    s += hcl_row("secret", "cdktf.stringToHclTerraform(this._secret)", False, "simple", "string")
    s += hcl_row("timeouts", "thingTimeoutsToHclTerraform(this._timeouts.internalValue)", True, "struct", "ThingTimeouts")
    s += hcl_row("vpc", "thingVpcToHclTerraform(this._vpc.internalValue)", True, "list", "ThingVpcList")
    s += hcl_row("rule", "cdktf.listMapperHcl(thingRuleToHclTerraform, true)(this._rule.internalValue)", True, "list", "ThingRuleList")
    s += hcl_row("grant", "cdktf.listMapperHcl(thingGrantToHclTerraform, true)(this._grant.internalValue)", True, "set", "ThingGrantList")
    s += hcl_row("ingress", "cdktf.listMapperHcl(thingIngressToHclTerraform, false)(this._ingress.internalValue)", True, "set", "ThingIngressList")
    s += "    };\n    return attrs;\n  }\n}\n"
    return s.replace("new ThingRuleList(this, \"rule\", false)", f"new ThingRuleList(this, \"rule\", {rule_wraps_set})")


PROVIDER_SOURCE = (
    HEADER
    + "export interface DemoProviderLimits {\n  readonly count: number;\n  readonly note?: string;\n}\n\n"
    + "export function demoProviderLimitsToHclTerraform(struct?: DemoProviderLimits): any {\n  const attrs = {\n"
    + hcl_row("count", "cdktf.numberToHclTerraform(struct!.count)", False, "simple", "number")
    + hcl_row("note", "cdktf.stringToHclTerraform(struct!.note)", False, "simple", "string")
    + "  };\n  return attrs;\n}\n\n"
    + "export class DemoProvider extends cdktf.TerraformProvider {\n"
    + '  public static readonly tfResourceType = "demo";\n\n'
    + flags("region", False, True, False) + getter("region", "this._region", "string")
    + flags("alias", False, True, False) + getter("alias", "this._alias", "string")
    + flags("limits", False, True, False) + getter("limits", "this._limits", "DemoProviderLimits[]")
    + "  protected synthesizeHclAttributes(): { [name: string]: any } {\n    const attrs = {\n"
    + hcl_row("region", "cdktf.stringToHclTerraform(this._region)", False, "simple", "string")
    + hcl_row("alias", "cdktf.stringToHclTerraform(this._alias)", False, "simple", "string")
    + hcl_row("limits", "cdktf.listMapperHcl(demoProviderLimitsToHclTerraform, true)(this._limits)", True, "list", "DemoProviderLimitsList")
    + "    };\n    return attrs;\n  }\n}\n"
)

DEMO = extract.ProviderSpec(
    name="demo",
    version="1.0.0",
    npm_package="@cdktf/provider-demo@1.0.0",
    resource_types=("demo_thing",),
    field_overrides={("resource", "demo_thing", "ingress"): {"from_port": {"required": True, "optional": False, "computed": False}}},
    provider_block_limits={"limits": {"max_items": 1}},
    sensitive={("resource", "demo_thing"): ("secret",)},
)


def write_js(path: Path, typescript: str) -> None:
    sourcemap = {"version": 3, "sources": ["index.ts"], "sourcesContent": [typescript]}
    encoded = base64.b64encode(json.dumps(sourcemap).encode()).decode()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f'"use strict";\n//# sourceMappingURL=data:application/json;base64,{encoded}\n', encoding="utf-8")


def demo_package(tmp_path: Path, thing: str) -> Path:
    package = tmp_path / "package"
    package.mkdir()
    meta = {"name": "@cdktf/provider-demo", "version": "1.0.0",
            "cdktf": {"provider": {"name": "registry.terraform.io/hashicorp/demo", "version": "1.0.0"}}}
    (package / "package.json").write_text(json.dumps(meta), encoding="utf-8")
    write_js(package / "lib" / "thing" / "index.js", thing)
    write_js(package / "lib" / "provider" / "index.js", PROVIDER_SOURCE)
    return package


def test_extractor_reads_every_encoding(tmp_path):
    schema, missing = extract.build_schema(DEMO, demo_package(tmp_path, thing_source()))
    assert missing == []
    assert (schema["source"], schema["version"]) == ("registry.terraform.io/hashicorp/demo", "1.0.0")
    thing = schema["resources"]["demo_thing"]
    attrs, blocks = thing["attributes"], thing["blocks"]
    assert attrs["arn"] == {"computed": True, "optional": False, "required": False, "type": "string"}
    assert attrs["name"]["required"] and attrs["name"]["type"] == "string"
    assert attrs["tags"]["type"] == ["map", "string"]
    assert attrs["secret"]["sensitive"] and "sensitive" not in attrs["name"]
    assert attrs["records"] == {
        "computed": True, "optional": False, "required": False,
        "type": ["set", ["object", {"name": "string", "ttl": "number"}]],
    }
    assert blocks["timeouts"]["nesting"] == "single" and "max_items" not in blocks["timeouts"]
    assert (blocks["vpc"]["nesting"], blocks["vpc"]["max_items"]) == ("list", 1)
    vpc = blocks["vpc"]["block"]["attributes"]
    assert vpc["subnet_ids"]["type"] == ["set", "string"] and vpc["vpc_id"]["computed"]
    assert (blocks["rule"]["nesting"], blocks["rule"]["required"], blocks["rule"]["min_items"]) == ("list", True, 1)
    assert blocks["grant"]["nesting"] == "set" and "attribute_syntax" not in blocks["grant"]
    assert blocks["grant"]["block"]["attributes"]["ops"]["type"] == ["list", "string"]
    ingress = blocks["ingress"]
    assert ingress["attribute_syntax"] and ingress["nesting"] == "set"
    assert ingress["type"] == ["set", ["object", {"from_port": "number", "self": "bool"}]]
    assert ingress["block"]["attributes"]["from_port"]["required"]  # field_overrides
    assert not ingress["block"]["attributes"]["self"]["required"]

    provider = schema["provider"]
    assert set(provider["attributes"]) == {"region"}  # alias is a meta-argument
    limits = provider["blocks"]["limits"]
    assert (limits["nesting"], limits["max_items"]) == ("list", 1)
    assert limits["block"]["attributes"]["count"] == {"computed": False, "optional": False, "required": True, "type": "number"}
    assert limits["block"]["attributes"]["note"]["optional"]


def test_table_and_getter_must_agree(tmp_path):
    # The table says `list`, the getter wraps a set: the bindings are not understood.
    package = demo_package(tmp_path, thing_source(rule_wraps_set="true"))
    with pytest.raises(extract.ExtractError, match=r"demo_thing\.rule: .*disagrees with getter"):
        extract.build_schema(DEMO, package)


def test_elided_block_is_refused(tmp_path):
    # cdktf types a too-deeply nested block `any` but documents it as a block
    # (aws_wafv2_web_acl.rule.statement): recording "dynamic" would be wrong.
    text = thing_source().replace(
        hcl_row("secret", "cdktf.stringToHclTerraform(this._secret)", False, "simple", "string"),
        hcl_row("secret", "cdktf.anyToHclTerraform(this._secret)", False, "simple", "any"),
    ).replace("this.getStringAttribute('secret')", "this.interpolationForAttribute('secret')")
    text = text.replace(
        "export class Thing extends",
        "export interface ThingConfig {\n  /**\n  * secret block\n  *\n  */\n  readonly secret?: any;\n}\n\nexport class Thing extends",
    )
    with pytest.raises(extract.ExtractError, match=r"demo_thing\.secret: a nested block that cdktf elided"):
        extract.build_schema(DEMO, demo_package(tmp_path, text))


def test_overrides_must_still_match(tmp_path):
    package = demo_package(tmp_path, thing_source())
    stale = dataclasses.replace(DEMO, sensitive={("resource", "demo_thing"): ("password",)})
    with pytest.raises(extract.ExtractError, match="no attribute password"):
        extract.build_schema(stale, package)
    stale = dataclasses.replace(DEMO, block_limit_overrides={("resource", "demo_thing", "vpc"): {"max_items": 3}})
    with pytest.raises(extract.ExtractError, match="not a repeated block"):
        extract.build_schema(stale, package)
