"""The real-time path as rendered for the seed platform: parsed HCL, asserted on structure."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mlinfra.pipeline import load_config, render_project
from mlinfra.write import write_tree
from tests.conftest import copy_examples
from tests.support.hcl_checks import hygiene_errors, load_tree
from tests.support.hcl_checks import module_call as call
from tests.test_render import blocks, s


@pytest.fixture(scope="module")
def tree(rendered_examples: dict[str, Path]) -> dict:
    return load_tree(rendered_examples["platform"])


# aws_lambda_function.invoke_arn as the provider builds it, from the function's name at the API's call.
INVOKE_ARN = (
    "arn:${data.aws_partition.current.partition}:apigateway:us-east-1:lambda:path/2015-03-31/functions/"
    "arn:${data.aws_partition.current.partition}:lambda:us-east-1:${data.aws_caller_identity.current.account_id}:function:${each.value.function_name}/invocations"
)


def res(tree: dict, module: str, kind: str = "resource") -> dict[str, dict]:
    return blocks(tree[f"modules/{module}"]["main.tf"], kind)


def test_api_routes_keys_and_validation(tree: dict, rendered_examples: dict[str, Path]) -> None:
    schemas = rendered_examples["platform"] / "modules" / "api" / "schemas"
    api = res(tree, "api")
    assert s(api["aws_api_gateway_rest_api.this"]["name"]) == "mlinfra-prod-inference"
    paths = {k: s(v["path_part"]) for k, v in api.items() if k.startswith("aws_api_gateway_resource.")}
    assert paths == {
        "aws_api_gateway_resource.predict": "predict",
        "aws_api_gateway_resource.predict_tabular": "tabular",
        "aws_api_gateway_resource.predict_image": "image",
        "aws_api_gateway_resource.predict_text": "text",
    }
    assert api["aws_api_gateway_resource.predict_tabular"]["parent_id"] == "${aws_api_gateway_resource.predict.id}"
    # Per route: for_each over the call's routes (and models) maps.
    method, integration, model = (api[f"{k}.this"] for k in ("aws_api_gateway_method", "aws_api_gateway_integration", "aws_api_gateway_model"))
    assert method["for_each"] == integration["for_each"] == "${var.routes}" and model["for_each"] == "${var.models}"
    # The invoke permission is the function's, in the preprocessing module (the API takes none of its outputs).
    assert not any(k.startswith("aws_lambda_permission.") for k in api)
    permission = res(tree, "preprocessing")["aws_lambda_permission.api"]
    assert permission["for_each"] == "${var.functions}"
    assert permission["function_name"] == "${aws_lambda_function.this[each.key].function_name}"
    assert s(method["http_method"]) == "POST" and method["api_key_required"] is True
    assert method["request_validator_id"] == "${contains(keys(var.models), each.key) ? aws_api_gateway_request_validator.body.id : null}"
    assert method["resource_id"] == "${local.resource_ids[each.value.resource]}"
    assert model["schema"] == '${file("${path.module}/${each.value.schema_file}")}'
    assert s(integration["type"]) == "AWS_PROXY" and s(integration["uri"]) == INVOKE_ARN
    assert s(permission["source_arn"]) == "${var.api_execution_arn}/*/POST${each.value.path}"
    assert call(tree, "preprocessing")["api_execution_arn"] == "${module.api.execution_arn}"
    resource_ids = tree["modules/api"]["main.tf"]["locals"][0]["resource_ids"]
    api_call = call(tree, "api")
    for route in ("predict_tabular", "predict_image", "predict_text"):
        path = "/" + route.replace("_", "/")
        assert {k: s(v) for k, v in api_call["routes"][route].items()} == {"path": path, "resource": route, "function_name": "mlinfra-prod-" + route.replace("_", "-")}
        assert s(call(tree, "preprocessing")["functions"][route]["path"]) == path
        # The name the API builds the invoke ARN from is the function's.
        assert s(api_call["routes"][route]["function_name"]) == s(call(tree, "preprocessing")["functions"][route]["function_name"])
        assert resource_ids[route] == f"${{aws_api_gateway_resource.{route}.id}}"
        assert s(api_call["models"][route]["schema_file"]) == f"schemas/{route}.json"
        assert json.loads((schemas / f"{route}.json").read_text())["type"] == "object"
    tabular_schema = json.loads((schemas / "predict_tabular.json").read_text())
    assert tabular_schema == json.loads((Path(__file__).parent.parent / "examples" / "schemas" / "tabular.json").read_text())

    plans = {k.split(".")[1]: v for k, v in api.items() if k.startswith("aws_api_gateway_usage_plan.")}
    assert sorted(plans) == ["partner", "standard"]
    assert plans["standard"]["quota_settings"][0]["limit"] == 1000000 and s(plans["standard"]["quota_settings"][0]["period"]) == "MONTH"
    assert plans["partner"]["throttle_settings"][0] == {"burst_limit": 20, "rate_limit": 10, "__is_block__": True}
    keys = {k.split(".")[1]: s(v["name"]) for k, v in api.items() if k.startswith("aws_api_gateway_api_key.")}
    assert keys == {"web_app": "mlinfra-prod-web-app", "batch_jobs": "mlinfra-prod-batch-jobs", "partner_acme": "mlinfra-prod-partner-acme"}
    assert all("value" not in v for k, v in api.items() if k.startswith("aws_api_gateway_api_key."))  # AWS generates them
    links = {k.split(".")[1]: v["usage_plan_id"] for k, v in api.items() if k.startswith("aws_api_gateway_usage_plan_key.")}
    assert links["partner_acme"] == "${aws_api_gateway_usage_plan.partner.id}"

    settings = api["aws_api_gateway_method_settings.all"]["settings"][0]
    assert (settings["throttling_rate_limit"], settings["throttling_burst_limit"]) == (500, 1000)
    stage = api["aws_api_gateway_stage.this"]
    assert stage["xray_tracing_enabled"] is True
    assert '"$context.requestId"' in stage["access_log_settings"][0]["format"]  # jsonencode({requestId = ...})
    outputs = tree["modules/api"]["outputs.tf"]["output"]
    api_keys = next(o['"api_keys"'] for o in outputs if '"api_keys"' in o)
    assert api_keys["sensitive"] is True
    root_outputs = {k.strip('"'): v for o in tree["."]["outputs.tf"]["output"] for k, v in o.items()}
    assert root_outputs["api_keys"]["sensitive"] is True


def test_edge_cloudfront_acm_route53(tree: dict) -> None:
    edge = res(tree, "edge")
    cert = edge["aws_acm_certificate.this"]
    assert cert["provider"] == "${aws.us_east_1}" and s(cert["validation_method"]) == "DNS"
    cf = edge["aws_cloudfront_distribution.this"]
    assert cf["aliases"] == ["${var.domain_name}"]
    edge_call = call(tree, "edge")
    assert s(edge_call["domain_name"]) == "ml.acme-corp.com" and s(edge_call["zone_name"]) == "acme-corp.com" and s(edge_call["region"]) == "us-east-1"
    behaviour = cf["default_cache_behavior"][0]
    assert '"POST"' in behaviour["allowed_methods"] and behaviour["cached_methods"] == ['"GET"', '"HEAD"']
    assert behaviour["cache_policy_id"] == "${data.aws_cloudfront_cache_policy.disabled.id}"
    assert s(behaviour["viewer_protocol_policy"]) == "https-only"
    assert s(cf["viewer_certificate"][0]["minimum_protocol_version"]) == "TLSv1.2_2021"
    origin = cf["origin"][0]
    assert s(origin["domain_name"]) == "${var.rest_api_id}.execute-api.${var.region}.amazonaws.com"
    assert s(origin["custom_origin_config"][0]["origin_protocol_policy"]) == "https-only"
    data = res(tree, "edge", "data")
    assert s(data["aws_cloudfront_origin_request_policy.all_viewer_except_host"]["name"]) == "Managed-AllViewerExceptHostHeader"
    for record in ("a", "aaaa"):
        alias = edge[f"aws_route53_record.{record}"]["alias"][0]
        assert alias["name"] == "${aws_cloudfront_distribution.this.domain_name}"
    providers = tree["."]["providers.tf"]["provider"]
    assert any(s(p['"aws"'].get("alias", '""')) == "us_east_1" and s(p['"aws"']["region"]) == "us-east-1" for p in providers)


def test_lambdas_are_least_privilege(tree: dict) -> None:
    pre = res(tree, "preprocessing")
    docs = res(tree, "preprocessing", "data")
    # One module, for_each over the functions: the config's values are in the call's functions map.
    fn = pre["aws_lambda_function.this"]
    assert fn["for_each"] == "${var.functions}"
    assert fn["tracing_config"][0]["mode"] == '"Active"'
    assert fn["dead_letter_config"][0]["target_arn"] == "${aws_sqs_queue.dead_letters.arn}"
    assert fn["vpc_config"][0]["security_group_ids"] == ["${var.security_group_id}"]
    assert fn["environment"][0]["variables"] == "${merge(each.value.environment, local.wired_environment)}"
    wired = {k: v for k, v in tree["modules/preprocessing"]["main.tf"]["locals"][0]["wired_environment"].items()}
    assert wired == {"MLINFRA_CACHE_AUTH_SECRET_ARN": "${var.cache_auth_secret_arn}", "MLINFRA_CACHE_HOST": "${var.cache_host}"}
    functions = call(tree, "preprocessing")["functions"]
    assert sorted(functions) == ["predict_image", "predict_tabular", "predict_text"]
    for route, kind, variant in (("predict_tabular", "tabular", None), ("predict_image", "image", None), ("predict_text", "text", "production")):
        f = functions[route]
        assert s(f["handler"]) == f"mlinfra_lambdas.{kind}.handler"
        assert s(f["runtime"]) == "python3.12" and f["memory_size"] == 1024 and f["timeout"] == 10 and f["reserved_concurrency"] == 100
        env = f["environment"]
        assert s(env["MLINFRA_ENDPOINT"]) == "mlinfra-prod-inference" and s(env["MLINFRA_CACHE_TTL"]) == "300"
        assert s(env["MLINFRA_RESULTS_TABLE"]) == "mlinfra-prod-predictions"
        assert ("MLINFRA_TARGET_VARIANT" in env) == (variant is not None)
        assert s(f["endpoint_name"]) == "mlinfra-prod-inference"
    statements = {s(st["sid"]): st for st in docs["aws_iam_policy_document.this"]["statement"]}
    assert docs["aws_iam_policy_document.this"]["for_each"] == "${var.functions}"
    assert [s(r) for r in statements["InvokeRoutedEndpoint"]["resources"]] == [
        "arn:${local.partition}:sagemaker:us-east-1:${local.account_id}:endpoint/${each.value.endpoint_name}"
    ]
    assert [s(r) for r in statements["WriteLogs"]["resources"]] == ["arn:${local.partition}:logs:us-east-1:${local.account_id}:log-group:${each.value.log_group}:*"]
    assert statements["ReadCacheToken"]["resources"] == ["${var.cache_auth_secret_arn}"]
    assert statements["WriteResults"]["actions"] == ['"dynamodb:PutItem"']
    wildcard = [sid for sid, st in statements.items() if '"*"' in st["resources"]]
    assert wildcard == ["Tracing"]
    settings = json.loads(s(functions["predict_tabular"]["environment"]["MLINFRA_SETTINGS"]).replace('\\"', '"'))
    assert settings["features"][0] == {"name": "age", "default": 35.5, "mean": 35.5, "std": 12.3}
    # The API reaches each route's function by the name at its call (an invoke ARN the provider would
    # compute the same way), not through an output of this module: checkov expands its for_each then.
    api = res(tree, "api")
    assert s(api["aws_api_gateway_integration.this"]["uri"]) == INVOKE_ARN
    assert not any("module." in str(v) for v in call(tree, "api").values() if v != "${module.kms.key_arn}")


def test_cache_results_and_network(tree: dict) -> None:
    cache = res(tree, "cache")
    rg = cache["aws_elasticache_replication_group.this"]
    assert rg["at_rest_encryption_enabled"] is True and rg["transit_encryption_enabled"] is True
    assert rg["auth_token"] == "${random_password.auth.result}" and rg["kms_key_id"] == "${var.kms_key_arn}"
    assert rg["num_cache_clusters"] == "${var.cache.num_cache_clusters}" and rg["automatic_failover_enabled"] == "${var.cache.automatic_failover}"
    settings = call(tree, "cache")["cache"]
    assert settings["num_cache_clusters"] == 2 and settings["automatic_failover"] is True
    assert s(settings["engine_version"]) == "7.1" and s(settings["parameter_group_name"]) == "default.redis7"
    # The platform's VPC is created (tests/test_network.py): the cache sits in its subnets.
    assert settings["port"] == 6379 and settings["subnet_ids"] == "${module.network.private_subnet_ids}"
    assert settings["vpc_id"] == "${module.network.vpc_id}"
    ingress = cache["aws_vpc_security_group_ingress_rule.from_clients"]
    assert ingress["referenced_security_group_id"] == "${var.clients_security_group_id}" and ingress["from_port"] == "${var.cache.port}"
    assert cache["aws_secretsmanager_secret_version.auth"]["secret_string"] == "${random_password.auth.result}"
    table = res(tree, "results")["aws_dynamodb_table.this"]
    assert s(table["billing_mode"]) == "PAY_PER_REQUEST"
    assert table["ttl"][0]["enabled"] is True and table["ttl"][0]["attribute_name"] == "${var.ttl_attribute}"
    assert table["point_in_time_recovery"][0]["enabled"] == "${var.point_in_time_recovery}"
    assert table["server_side_encryption"][0]["kms_key_arn"] == "${var.kms_key_arn}"
    results = call(tree, "results")
    assert s(results["table_name"]) == "mlinfra-prod-predictions" and s(results["ttl_attribute"]) == "expires_at"
    assert results["point_in_time_recovery"] is True
    network = call(tree, "network")
    assert s(network["vpc"]["cidr"]) == "10.0.0.0/16" and s(network["security_groups"]["lambda"]["name"]) == "mlinfra-prod-preprocessing"
    kms_policy = res(tree, "kms", "data")["aws_iam_policy_document.key"]
    assert [s(st["sid"]) for st in kms_policy["statement"]] == ["AccountAdministers"]
    assert kms_policy["dynamic"][0]['"statement"']["for_each"] == "${var.service_statements}"
    assert [s(st["sid"]) for st in call(tree, "kms")["service_statements"]] == ["EcrEncryptsRepositories", "CloudWatchLogsEncrypt", "CloudWatchAlarmsPublish"]


def test_lambda_package_is_in_the_tree(rendered_examples: dict[str, Path]) -> None:
    package = rendered_examples["platform"] / "modules" / "preprocessing" / "package" / "mlinfra_lambdas"
    names = sorted(p.name for p in package.iterdir())
    assert {"core.py", "tabular.py", "image.py", "text.py"} <= set(names)
    assert not [n for n in names if n.startswith("batch_")], "the batch pipeline's handlers are not preprocessing code"
    assert (package / "data" / "predict_text.vocab").read_text().splitlines()[:2] == ["[PAD]", "[UNK]"]
    # The package is mlinfra's own handler code, byte for byte.
    from mlinfra.plan.realtime import lambda_sources

    for name, text in lambda_sources().items():
        assert (package / name).read_text() == text


def test_regional_domain_without_cloudfront(tmp_path: Path) -> None:
    config = copy_examples(tmp_path / "cfg")
    config.write_text(config.read_text().replace("  cloudfront: true\n", "  cloudfront: false\n"))
    out = tmp_path / "out"
    write_tree(render_project(load_config(config), config.parent).files, out)
    # Terraform: test_terraform_cycle.py (variant platform-regional-domain); no endpoint changes here.
    assert hygiene_errors(out) == []
    tree = load_tree(out)
    edge = res(tree, "edge")
    assert "aws_cloudfront_distribution.this" not in edge and "provider" not in edge["aws_acm_certificate.this"]
    domain = edge["aws_api_gateway_domain_name.this"]
    assert s(domain["security_policy"]) == "TLS_1_2"
    assert edge["aws_route53_record.a"]["alias"][0]["name"] == "${aws_api_gateway_domain_name.this.regional_domain_name}"
    assert "configuration_aliases" not in (out / "modules" / "edge" / "versions.tf").read_text()
    assert all("alias" not in p['"aws"'] for p in tree["."]["providers.tf"]["provider"] if '"aws"' in p)


def _literals(value: object) -> object:
    """A parsed module call's values without python-hcl2's quotes (strings, in lists and maps too)."""
    if isinstance(value, str):
        return value[1:-1] if len(value) > 1 and value[0] == value[-1] == '"' else value
    if isinstance(value, list):
        return [_literals(v) for v in value]
    if isinstance(value, dict):
        return {_literals(k): _literals(v) for k, v in value.items()}
    return value


def test_async_endpoint_with_own_topics_key_and_backlog_scaling_only(rendered_examples: dict[str, Path]) -> None:
    """examples/async.yaml's "receipts": no input_path, existing SNS topics, its own KMS key for the results,
    and target tracking on the backlog alone (async endpoints publish no InvocationsPerInstance), from config
    to the rendered module call and module."""
    tree = load_tree(rendered_examples["async"])
    receipts, layout = _literals(call(tree, "endpoint_receipts")), _literals(call(tree, "endpoint_layout"))
    a = receipts["async_inference"]
    assert a["kms_key_id"] == "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    assert a["include_inference_response_in"] == ["SUCCESS_NOTIFICATION_TOPIC", "ERROR_NOTIFICATION_TOPIC"]
    assert receipts["notification_topics"] == {}  # mlinfra creates none
    assert receipts["notification_topic_arns"] == {"success": "arn:aws:sns:us-east-1:123456789012:receipts-done", "error": "arn:aws:sns:us-east-1:123456789012:receipts-failed"}
    # One target-tracking policy, on the backlog; the wake-up from zero stays.
    assert receipts["scaling"]["main"]["policy_name"] == "docs-prod-receipts-main-backlog"
    assert receipts["scaling"]["main"]["predefined_metric"] is None
    assert "invocation_scaling" not in receipts and "invocation_scaling" not in layout
    assert set(receipts["scale_from_zero"]) == {"main"}
    # The endpoint mlinfra notifies for: its own topics, the platform key, one policy.
    assert layout["async_inference"]["kms_key_id"] == "${module.kms.key_arn}"
    assert layout["notification_topic_arns"] == {} and set(layout["notification_topics"]) == {"success", "error"}

    module = res(tree, "endpoint")
    assert "aws_appautoscaling_policy.invocations" not in module
    locals_ = tree["modules/endpoint"]["main.tf"]["locals"][0]
    assert locals_["notification_arns"] == "${merge(var.notification_topic_arns, local.topic_arns)}"
