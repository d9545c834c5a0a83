"""The API as rendered for the seed platform: parsed HCL, asserted on structure."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support.hcl_checks import load_tree
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
    assert tabular_schema == json.loads((Path(__file__).resolve().parents[3] / "examples" / "schemas" / "tabular.json").read_text())

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
