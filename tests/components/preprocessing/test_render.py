"""The preprocessing Lambdas as rendered for the seed platform: parsed HCL, asserted on structure."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.components.api.test_render import INVOKE_ARN
from tests.support.hcl_checks import load_tree
from tests.support.hcl_checks import module_call as call
from tests.test_render import blocks, s


@pytest.fixture(scope="module")
def tree(rendered_examples: dict[str, Path]) -> dict:
    return load_tree(rendered_examples["platform"])


def res(tree: dict, module: str, kind: str = "resource") -> dict[str, dict]:
    return blocks(tree[f"modules/{module}"]["main.tf"], kind)


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


def test_lambda_package_is_in_the_tree(rendered_examples: dict[str, Path]) -> None:
    package = rendered_examples["platform"] / "modules" / "preprocessing" / "package" / "mlinfra_lambdas"
    names = sorted(p.name for p in package.iterdir())
    assert {"core.py", "tabular.py", "image.py", "text.py"} <= set(names)
    assert not [n for n in names if n.startswith("batch_")], "the batch pipeline's handlers are not preprocessing code"
    assert (package / "data" / "predict_text.vocab").read_text().splitlines()[:2] == ["[PAD]", "[UNK]"]
    # The package is mlinfra's own handler code, byte for byte.
    from mlinfra.components.preprocessing.plan import lambda_sources

    for name, text in lambda_sources().items():
        assert (package / name).read_text() == text
