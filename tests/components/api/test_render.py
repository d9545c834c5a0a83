"""The API as rendered for the seed platform: parsed HCL, asserted on structure; the module's text is the
same for every project (the config's values are the arguments of its call), and the root's moved blocks
carry every object of earlier renders, which wrote them one by one, to its instance."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from mlinfra.components.api.component import resource_block
from mlinfra.components.preprocessing.section import MAX_PATH_PARTS
from mlinfra.pipeline import load_config
from mlinfra.plan.parts import API
from mlinfra.plan.platform import build_plan
from tests.support.configs import edited, render
from tests.support.hcl_checks import load_tree
from tests.support.hcl_checks import module_call as call
from tests.test_render import blocks, s


@pytest.fixture(scope="module")
def tree(rendered_examples: dict[str, Path]) -> dict:
    return load_tree(rendered_examples["platform"])


# aws_lambda_function.invoke_arn as the provider builds it, from the function's name at the API's call.
INVOKE_ARN = (
    "arn:${data.aws_partition.current.partition}:apigateway:${var.region}:lambda:path/2015-03-31/functions/"
    "arn:${data.aws_partition.current.partition}:lambda:${var.region}:${data.aws_caller_identity.current.account_id}:function:${each.value.function_name}/invocations"
)


def res(tree: dict, module: str, kind: str = "resource") -> dict[str, dict]:
    return blocks(tree[f"modules/{module}"]["main.tf"], kind)


def test_api_routes_keys_and_validation(tree: dict, rendered_examples: dict[str, Path]) -> None:
    schemas = rendered_examples["platform"] / "modules" / "api" / "schemas"
    api = res(tree, "api")
    api_call = call(tree, "api")
    assert api["aws_api_gateway_rest_api.this"]["name"] == "${var.name}" and s(api_call["name"]) == "mlinfra-prod-inference"
    assert s(api_call["region"]) == "us-east-1" and s(api_call["stage"]) == "v1"
    # The path tree: one for_each block per depth, keyed by the path, its parent an instance of the block above.
    resources = [{k: s(v) if v is not None else None for k, v in r.items()} for r in api_call["resources"]]
    assert resources == [
        {"path": "/predict", "path_part": "predict", "parent": None},
        {"path": "/predict/tabular", "path_part": "tabular", "parent": "/predict"},
        {"path": "/predict/image", "path_part": "image", "parent": "/predict"},
        {"path": "/predict/text", "path_part": "text", "parent": "/predict"},
    ]
    depths = {k: v for k, v in api.items() if k.startswith("aws_api_gateway_resource.")}
    assert sorted(depths) == sorted(f"aws_api_gateway_resource.depth{d}" for d in range(1, MAX_PATH_PARTS + 1))
    assert depths["aws_api_gateway_resource.depth1"]["parent_id"] == "${aws_api_gateway_rest_api.this.root_resource_id}"
    assert depths["aws_api_gateway_resource.depth2"]["parent_id"] == "${aws_api_gateway_resource.depth1[each.value.parent].id}"
    assert all(v["for_each"] == f"${{local.{k.split('.')[1]}}}" for k, v in depths.items())
    # Per route: for_each over the call's routes (and models) maps.
    method, integration, model = (api[f"{k}.this"] for k in ("aws_api_gateway_method", "aws_api_gateway_integration", "aws_api_gateway_model"))
    assert method["for_each"] == integration["for_each"] == "${var.routes}" and model["for_each"] == "${var.models}"
    # The invoke permission is the function's, in the preprocessing module (the API takes none of its outputs).
    assert not any(k.startswith("aws_lambda_permission.") for k in api)
    permission = res(tree, "preprocessing")["aws_lambda_permission.api"]
    assert permission["for_each"] == "${var.functions}"
    assert permission["function_name"] == "${aws_lambda_function.this[each.key].function_name}"
    assert s(method["http_method"]) == "POST" and method["api_key_required"] == "${var.api_key_required}"
    assert method["request_validator_id"] == "${contains(keys(var.models), each.key) ? aws_api_gateway_request_validator.body.id : null}"
    assert method["resource_id"] == "${local.resources[each.value.path].id}"
    assert model["schema"] == '${file("${path.module}/${each.value.schema_file}")}'
    assert s(integration["type"]) == "AWS_PROXY" and s(integration["uri"]) == INVOKE_ARN
    assert s(permission["source_arn"]) == "${var.api_execution_arn}/*/POST${each.value.path}"
    assert call(tree, "preprocessing")["api_execution_arn"] == "${module.api.execution_arn}"
    for route in ("predict_tabular", "predict_image", "predict_text"):
        path = "/" + route.replace("_", "/")
        assert {k: s(v) for k, v in api_call["routes"][route].items()} == {"path": path, "function_name": "mlinfra-prod-" + route.replace("_", "-")}
        assert path in [r["path"] for r in resources]  # the route's resource, by its path
        assert s(call(tree, "preprocessing")["functions"][route]["path"]) == path
        # The name the API builds the invoke ARN from is the function's.
        assert s(api_call["routes"][route]["function_name"]) == s(call(tree, "preprocessing")["functions"][route]["function_name"])
        assert s(api_call["models"][route]["schema_file"]) == f"schemas/{route}.json"
        assert json.loads((schemas / f"{route}.json").read_text())["type"] == "object"
    tabular_schema = json.loads((schemas / "predict_tabular.json").read_text())
    assert tabular_schema == json.loads((Path(__file__).resolve().parents[3] / "examples" / "schemas" / "tabular.json").read_text())

    plans = api_call["usage_plans"]
    assert sorted(plans) == ["partner", "standard"] and api["aws_api_gateway_usage_plan.this"]["for_each"] == "${var.usage_plans}"
    assert plans["standard"]["quota"]["limit"] == 1000000 and s(plans["standard"]["quota"]["period"]) == "MONTH"
    assert plans["partner"]["throttle"] == {"burst_limit": 20, "rate_limit": 10}
    keys = {k: {a: s(v) for a, v in key.items()} for k, key in api_call["api_keys"].items()}
    assert keys == {
        "web_app": {"name": "mlinfra-prod-web-app", "client": "web-app", "usage_plan": "standard"},
        "batch_jobs": {"name": "mlinfra-prod-batch-jobs", "client": "batch-jobs", "usage_plan": "standard"},
        "partner_acme": {"name": "mlinfra-prod-partner-acme", "client": "partner-acme", "usage_plan": "partner"},
    }
    assert "value" not in api["aws_api_gateway_api_key.this"]  # AWS generates them
    assert api["aws_api_gateway_usage_plan_key.this"]["usage_plan_id"] == "${aws_api_gateway_usage_plan.this[each.value.usage_plan].id}"

    settings = api["aws_api_gateway_method_settings.all"]["settings"][0]
    assert api_call["throttle"] == {"rate_limit": 500, "burst_limit": 1000}
    assert (settings["throttling_rate_limit"], settings["throttling_burst_limit"]) == ("${var.throttle.rate_limit}", "${var.throttle.burst_limit}")
    stage = api["aws_api_gateway_stage.this"]
    assert stage["xray_tracing_enabled"] == "${var.tracing}" and api_call["tracing"] is True
    assert '"$context.requestId"' in stage["dynamic"][0]['"access_log_settings"']["content"][0]["format"]  # jsonencode({requestId = ...})
    assert {k: s(v) if isinstance(v, str) else v for k, v in api_call["access_log"].items()} == {
        "log_group": "/aws/apigateway/mlinfra-prod-inference",
        "retention_in_days": 365,
    }
    assert s(api_call["logging_role_name"]) == "mlinfra-prod-use1-apigateway-cloudwatch"
    outputs = tree["modules/api"]["outputs.tf"]["output"]
    api_keys = next(o['"api_keys"'] for o in outputs if '"api_keys"' in o)
    assert api_keys["sensitive"] is True
    root_outputs = {k.strip('"'): v for o in tree["."]["outputs.tf"]["output"] for k, v in o.items()}
    assert root_outputs["api_keys"]["sensitive"] is True


# Another API: a regional domain, a deeper path beside the others, a usage plan without throttle or quota,
# no access logs and no account logging role.
VARIANT = (
    ("  cloudfront: true\n", "  cloudfront: false\n"),
    ("  - path: /predict/text\n", "  - path: /v2/predict/text/en\n"),
    ("      throttle: {rate: 10, burst: 20}\n      quota: {limit: 50000, period: DAY}\n", ""),
    ("  access_logs: true\n", "  access_logs: false\n"),
    ("  account_logging_role: true\n", ""),
)


@pytest.fixture(scope="module")
def variant(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("api-variant")
    return edited("platform", tmp / "cfg", *VARIANT)


def _module_files(root: Path) -> dict[str, str]:
    folder = root / "modules" / "api"
    return {str(f.relative_to(folder)): f.read_text() for f in folder.rglob("*") if f.is_file() and f.parent.name != "schemas"}


def test_the_module_is_the_same_for_every_project(rendered_examples: dict[str, Path], variant: Path, tmp_path: Path) -> None:
    """The module's files do not depend on the config (but for the routes' own JSON Schemas): its values
    are the call's; no per-project moved.tf (the root's moved.tf holds the moves)."""
    other = render(variant, tmp_path / "out")
    files = _module_files(rendered_examples["platform"])
    assert "moved.tf" not in files and "main.tf" in files
    assert _module_files(rendered_examples["private-network"]) == files == _module_files(other)


def old_addresses(config: Path) -> set[str]:
    """The API module's objects as the earlier template wrote them, one block each: a resource per path
    prefix named by its key, the per-route model, method and integration (for_each since, moved then),
    a usage plan per plan, an API key and usage plan key per key, the access logs' group and the account's
    logging role only when the config had them."""
    part = API.of(build_plan(load_config(config), config.parent).parts)
    assert part is not None
    out = {f"aws_api_gateway_resource.{r.key}" for r in part.resources}
    out |= {f"{kind}.{m.key}" for m in part.methods for kind in ("aws_api_gateway_method", "aws_api_gateway_integration")}
    out |= {f"aws_api_gateway_model.{m.key}" for m in part.methods if m.schema}
    out |= {f"aws_api_gateway_usage_plan.{u.key}" for u in part.usage_plans}
    out |= {f"{kind}.{k}" for u in part.usage_plans for k, _, _ in u.keys for kind in ("aws_api_gateway_api_key", "aws_api_gateway_usage_plan_key")}
    if part.access_logs:
        out.add("aws_cloudwatch_log_group.access")
    if part.account_logging_role:
        out |= {"aws_iam_role.cloudwatch", "aws_iam_role_policy_attachment.cloudwatch", "aws_api_gateway_account.this"}
    return out


def new_instances(root: Path) -> set[str]:
    """The instances of the module's repeated and optional blocks, as Terraform expands them from the
    call's values: depth<n>[path] (n: the path's parts), this[key] over the call's maps, [0] for a count of 1."""
    tree = load_tree(root)
    api_call, api = call(tree, "api"), res(tree, "api")
    out = {f'{resource_block(len(s(r["path"]).split("/")) - 1)}["{s(r["path"])}"]' for r in api_call["resources"]}
    for address, body in api.items():
        for_each = body.get("for_each", "")
        if for_each.startswith("${var."):
            out |= {f'{address}["{key}"]' for key in api_call[for_each[len("${var.") : -1]]}
        elif body.get("count") == "${local.access_logs}":
            out |= {f"{address}[0]"} if api_call["access_log"] is not None else set()
        elif body.get("count") == "${local.logging_roles}":
            out |= {f"{address}[0]"} if api_call["logging_role_name"] is not None else set()
        elif "for_each" not in body and "count" not in body:
            out.add(address)
    return out


def moves_of(root: Path) -> dict[str, str]:
    text = (root / "moved.tf").read_text()
    # (the invoke permissions, the API's once, moved to the preprocessing module: not the API's objects)
    moves = re.findall(r"from = module\.api\.(\S+)\n\s*to\s+= module\.api\.(\S+)\n", text)
    return {a: b for a, b in moves if not a.startswith("aws_lambda_permission.")}


# The API module's addresses in main's render of examples/platform.yaml before the module became static
# (terraform state list of a deployed platform, module.api's managed resources).
PLATFORM_BEFORE = {
    "aws_api_gateway_account.this",
    "aws_api_gateway_api_key.batch_jobs",
    "aws_api_gateway_api_key.partner_acme",
    "aws_api_gateway_api_key.web_app",
    "aws_api_gateway_deployment.this",
    'aws_api_gateway_integration.this["predict_image"]',
    'aws_api_gateway_integration.this["predict_tabular"]',
    'aws_api_gateway_integration.this["predict_text"]',
    'aws_api_gateway_method.this["predict_image"]',
    'aws_api_gateway_method.this["predict_tabular"]',
    'aws_api_gateway_method.this["predict_text"]',
    "aws_api_gateway_method_settings.all",
    'aws_api_gateway_model.this["predict_image"]',
    'aws_api_gateway_model.this["predict_tabular"]',
    'aws_api_gateway_model.this["predict_text"]',
    "aws_api_gateway_request_validator.body",
    "aws_api_gateway_resource.predict",
    "aws_api_gateway_resource.predict_image",
    "aws_api_gateway_resource.predict_tabular",
    "aws_api_gateway_resource.predict_text",
    "aws_api_gateway_rest_api.this",
    "aws_api_gateway_stage.this",
    "aws_api_gateway_usage_plan.partner",
    "aws_api_gateway_usage_plan.standard",
    "aws_api_gateway_usage_plan_key.batch_jobs",
    "aws_api_gateway_usage_plan_key.partner_acme",
    "aws_api_gateway_usage_plan_key.web_app",
    "aws_cloudwatch_log_group.access",
    "aws_iam_role.cloudwatch",
    "aws_iam_role_policy_attachment.cloudwatch",
}


def _follow(address: str, moves: dict[str, str]) -> str:
    while address in moves:
        address = moves[address]
    return address


@pytest.mark.parametrize("example", ["platform", "private-network", "variant"])
def test_every_old_object_moves_to_an_instance_of_the_static_module(
    example: str, rendered_examples: dict[str, Path], variant: Path, tmp_path: Path
) -> None:
    """Upgrading a deployed API replaces nothing: each object of the earlier layout (a block per path
    resource, route, usage plan and key; the optional ones plain blocks) follows the root's moved blocks
    to an instance the new module declares for the call's values, and the moves map the old objects
    one to one onto the new ones (no instance is created beside them, none is left over)."""
    if example == "variant":
        root, config = render(variant, tmp_path / "out"), variant
    else:
        root, config = rendered_examples[example], Path(__file__).resolve().parents[3] / "examples" / f"{example}.yaml"
    old, moves, new = old_addresses(config), moves_of(root), new_instances(root)
    assert set(moves) == old  # each old object moves; no move names an object the earlier render did not have
    targets = {_follow(a, moves) for a in old}
    assert len(targets) == len(old) and targets <= new
    # What no move reaches is a block whose address did not change (the API, its stage, its deployment).
    assert all("[" not in a for a in new - targets), new - targets
    if example == "platform":
        before = {_follow(a, moves) for a in PLATFORM_BEFORE}
        assert before == new
        assert moves["aws_api_gateway_resource.predict_tabular"] == 'aws_api_gateway_resource.depth2["/predict/tabular"]'
        assert moves["aws_api_gateway_usage_plan.partner"] == 'aws_api_gateway_usage_plan.this["partner"]'
        assert moves["aws_api_gateway_account.this"] == "aws_api_gateway_account.this[0]"
    if example == "variant":
        assert moves["aws_api_gateway_resource.v2_predict_text_en"] == 'aws_api_gateway_resource.depth4["/v2/predict/text/en"]'
        assert "aws_cloudwatch_log_group.access" not in moves and "aws_iam_role.cloudwatch" not in moves


def test_paths_are_no_deeper_than_the_modules_depth_blocks(tmp_path: Path) -> None:
    """The module nests MAX_PATH_PARTS levels of resources: the config refuses a deeper route path."""
    from tests.support.configs import refused

    deep = "/" + "/".join(f"p{i}" for i in range(MAX_PATH_PARTS + 1))
    ok = "/" + "/".join(f"p{i}" for i in range(MAX_PATH_PARTS))
    err = refused(edited("platform", tmp_path / "deep", ("  - path: /predict/text\n", f"  - path: {deep}\n")))
    assert f"must be a path of 1-{MAX_PATH_PARTS} lower-case segments" in str(err), err
    load_config(edited("platform", tmp_path / "ok", ("  - path: /predict/text\n", f"  - path: {ok}\n")))
