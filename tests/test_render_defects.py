"""Template-level defects found in review (issue 8), one test each, over every rendered example."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.conftest import EXAMPLES
from tests.support.configs import Edit, render_edited
from tests.support.hcl_checks import hygiene_errors, load_tree, module_call
from tests.test_render import blocks, s


def _roots(tree: dict) -> list[dict]:
    """The root modules of a parsed tree: the one root (``.``), or each stack's of a split tree."""
    if "." in tree:
        return [tree["."]]
    return [files for folder, files in tree.items() if "/" not in folder and folder != "modules"]


def _module_calls(tree: dict) -> dict[str, dict]:
    return {k.strip('"'): v for root in _roots(tree) for m in root["main.tf"].get("module", []) for k, v in m.items()}


def _resources(tree: dict, kind: str = "resource") -> dict[str, dict]:
    """{"<module dir>:<type>.<name>": body} over the whole tree."""
    out = {}
    for module_dir, files in tree.items():
        for parsed in files.values():
            for address, body in blocks(parsed, kind).items():
                out[f"{module_dir}:{address}"] = body
    return out


def _version(text: str) -> tuple[int, ...]:
    return tuple(int(x) for x in text.split("."))


def test_serverless_models_get_no_network_isolation(rendered_examples: dict[str, Path]) -> None:
    """Serverless Inference supports neither network isolation nor a VPC (instance models keep it on):
    read at each endpoint module call, where the values are."""
    seen = {"serverless": 0, "instances": 0}
    for root in rendered_examples.values():
        for call in (m for r in _roots(load_tree(root)) for m in r["main.tf"].get("module", [])):
            for key, body in call.items():
                if body.get("source") not in ('"./modules/endpoint"', '"../modules/endpoint"'):
                    continue
                variants = body["production_variants"] + body["shadow_variants"]
                serverless = {v["model"] for v in variants if v["serverless_config"] is not None}
                for model_key, model in body["models"].items():
                    if f'"{model_key}"' in serverless:
                        seen["serverless"] += 1
                        assert model["network_isolation"] is None and model.get("vpc_config") is None, (key, model_key)
                    else:
                        seen["instances"] += 1
                        assert model["network_isolation"] is True, (key, model_key)
    assert seen["serverless"] >= 2 and seen["instances"] >= 5, seen


def test_no_literal_aws_partition_in_derived_arns(rendered_examples: dict[str, Path]) -> None:
    """Every ARN mlinfra derives names the partition through data.aws_partition (GovCloud, China).

    ARNs the config spells out itself (e.g. Lambda layers) stay as written.
    """
    for example, root in rendered_examples.items():
        config_text = next(p for p in EXAMPLES if p.stem == example).read_text()
        given = set(re.findall(r"arn:aws:[^\s\"',\]\}]+", config_text))
        for path in root.rglob("*.tf"):
            text = path.read_text()
            for arn in given:
                text = text.replace(arn, "")
            assert "arn:aws:" not in text, (path, [line for line in text.splitlines() if "arn:aws:" in line])


def test_no_literal_partition_in_ecr_and_managed_policy_arns(rendered_examples: dict[str, Path]) -> None:
    tree = load_tree(rendered_examples["platform"])
    role = _module_calls(tree)["sagemaker_role"]
    pull = next(st for st in role["statements"] if s(st["sid"]) == "PullModelImages")
    assert [s(r) for r in pull["resources"]] == ["arn:${data.aws_partition.current.partition}:ecr:us-east-1:123456789012:repository/ml-inference"]
    attachments = {a: b for a, b in _resources(tree).items() if ":aws_iam_role_policy_attachment." in a}
    assert attachments and all(s(b["policy_arn"]).startswith("arn:${") for b in attachments.values()), attachments


def test_a_providers_map_passes_the_default_aws_too(rendered_examples: dict[str, Path]) -> None:
    """A module block with `providers` inherits nothing: without `aws = aws` its resources lose the
    configured region and default_tags."""
    with_map = 0
    for root in rendered_examples.values():
        for name, call in _module_calls(load_tree(root)).items():
            if "providers" in call:
                with_map += 1
                providers = call["providers"][0] if isinstance(call["providers"], list) else call["providers"]
                assert providers.get("aws") in ("aws", "${aws}"), (root, name, providers)
    assert with_map >= 1


# Terraform features (as they appear in rendered text) and the first version that has them.
FEATURES = {
    r"^\s*use_lockfile\s*=": "1.10",
    r"\bephemeral\s+\"": "1.10",
    r"_wo\s*=": "1.11",
    r"^removed\s*\{": "1.7",
    r"^(import|check)\s*\{": "1.5",
    r"^moved\s*\{": "1.1",
    r"\boptional\(": "1.3",
    r"\bconfiguration_aliases\b": "0.15",
}


def test_required_version_covers_every_feature_used(rendered_examples: dict[str, Path]) -> None:
    for example, root in rendered_examples.items():
        needed = {"root": (0,), "modules": (0,)}
        for path in root.rglob("*.tf"):
            text = path.read_text()
            for pattern, version in FEATURES.items():
                if re.search(pattern, text, re.M):
                    needed["root"] = max(needed["root"], _version(version))
        # The one root, or each stack root of a split tree (a folder beside modules/ with its versions.tf).
        roots = [root] if (root / "versions.tf").exists() else [p.parent for p in root.glob("*/versions.tf") if p.parent.name != "modules"]
        assert roots, example
        for versions in (r / "versions.tf" for r in roots):
            pin = re.search(r'required_version\s*=\s*">=\s*([\d.]+)"', versions.read_text())
            assert pin is not None, example
            assert _version(pin[1]) >= needed["root"], (example, pin[1], needed)


def test_backend_lockfile_pins_terraform_1_10(rendered_examples: dict[str, Path]) -> None:
    root = rendered_examples["multi-model"]
    assert "use_lockfile = true" in (root / "backend.tf").read_text()
    assert 'required_version = ">= 1.10"' in (root / "versions.tf").read_text()


def test_lambdas_in_a_vpc_wait_for_their_vpc_access_policy(rendered_examples: dict[str, Path]) -> None:
    main = blocks(load_tree(rendered_examples["platform"])["modules/preprocessing"]["main.tf"], "resource")
    fn = main["aws_lambda_function.this"]
    assert "vpc_config" in fn and main["aws_iam_role_policy_attachment.vpc"]["for_each"] == fn["for_each"]
    assert "${aws_iam_role_policy_attachment.vpc}" in fn["depends_on"], fn["depends_on"]


def test_lambda_package_file_modes_are_fixed(rendered_examples: dict[str, Path]) -> None:
    data = blocks(load_tree(rendered_examples["platform"])["modules/preprocessing"]["main.tf"], "data")
    assert s(data["archive_file.package"]["output_file_mode"]) == "0644"


def test_api_redeploys_when_any_rendered_part_changes(rendered_examples: dict[str, Path]) -> None:
    """The deployment's trigger hashes every resource, model, validator, method and integration of the API."""
    main = blocks(load_tree(rendered_examples["platform"])["modules/api"]["main.tf"], "resource")
    trigger = main["aws_api_gateway_deployment.this"]["triggers"]["redeployment"]
    # The path's resources first, each as its own object in the call's order (the hash of the earlier
    # renders, which wrote a block per resource), then the rest.
    prefix = "${sha1(jsonencode(concat([for r in var.resources : local.resources[r.path]], ["
    assert trigger.startswith(prefix) and trigger.endswith("])))}"), trigger
    hashed = set(re.findall(r"aws_api_gateway_\w+\.\w+", trigger))
    parts = ("method", "integration", "model", "request_validator")
    expected = {a for a in main if a.split(".")[0] in {f"aws_api_gateway_{p}" for p in parts}}
    # (the methods, integrations and models are for_each blocks: one address each, every instance hashed)
    assert {"aws_api_gateway_method.this", "aws_api_gateway_integration.this", "aws_api_gateway_model.this"} <= expected
    assert len(expected) == 4 and hashed == expected, hashed ^ expected
    # local.resources: every depth's block.
    (resources,) = [loc["resources"] for loc in load_tree(rendered_examples["platform"])["modules/api"]["main.tf"]["locals"] if "resources" in loc]
    depths = {a for a in main if a.startswith("aws_api_gateway_resource.")}
    assert set(re.findall(r"aws_api_gateway_resource\.\w+", resources)) == depths and len(depths) >= 2


def _render(tmp_path: Path, edit: Edit) -> dict:
    out = render_edited("platform", tmp_path, edit)
    assert hygiene_errors(out) == []  # Terraform itself: test_terraform_cycle.py
    return load_tree(out)


def test_execute_api_endpoint_is_off_behind_a_regional_custom_domain(tmp_path: Path, rendered_examples: dict[str, Path]) -> None:
    # CloudFront's origin is the execute-api host name: it must stay on (API keys and throttling are
    # enforced by API Gateway itself, whichever way a request comes in).
    cloudfront = load_tree(rendered_examples["platform"])
    rest_api = blocks(cloudfront["modules/api"]["main.tf"], "resource")["aws_api_gateway_rest_api.this"]
    # null (the provider's default: on) unless switched off
    assert rest_api["disable_execute_api_endpoint"] == "${var.disable_execute_api_endpoint ? true : null}"
    assert module_call(cloudfront, "api")["disable_execute_api_endpoint"] is False
    regional = _render(tmp_path, ("  cloudfront: true\n", "  cloudfront: false\n"))
    assert module_call(regional, "api")["disable_execute_api_endpoint"] is True


@pytest.mark.parametrize("opt_in", [True, False])
def test_api_gateway_account_setting_is_an_explicit_opt_in(tmp_path: Path, opt_in: bool) -> None:
    """aws_api_gateway_account is one setting per account and region: only where the config asks (the
    logging role's name at the call; null: the module's count 0)."""
    tree = _render(tmp_path, lambda t: t if opt_in else t.replace("  account_logging_role: true\n", ""))
    api = blocks(tree["modules/api"]["main.tf"], "resource")
    assert api["aws_api_gateway_account.this"]["count"] == api["aws_iam_role.cloudwatch"]["count"] == "${local.logging_roles}"
    assert tree["modules/api"]["main.tf"]["locals"][0]["logging_roles"] == "${var.logging_role_name == null ? 0 : 1}"
    assert (module_call(tree, "api")["logging_role_name"] is not None) is opt_in
    stage = api["aws_api_gateway_stage.this"]
    assert module_call(tree, "api")["access_log"] is not None  # access logs stay on either way
    assert '"access_log_settings"' in stage["dynamic"][0]
    assert stage["depends_on"] == ["${aws_api_gateway_account.this}"]  # no object without the role


def test_for_each_addresses_carry_moved_blocks_from_the_old_ones(rendered_examples: dict[str, Path]) -> None:
    """Resources that became for_each instances keep their state: a moved block per old address, whose
    target is declared (and whose key is in the for_each map at the call) and whose source is not. (The
    API's path resources, usage plans and keys: tests/components/api.)"""
    root = rendered_examples["platform"]
    tree = load_tree(root)
    calls = _module_calls(tree)
    moves = 0
    texts = {
        "preprocessing": (root / "modules" / "preprocessing" / "moved.tf").read_text(),
        # The API's text is the same for every project: its moves are in the root's moved.tf.
        "api": "\n".join(re.findall(r"moved \{\n\s*from = module\.api\.(?:\w+\.\w+)\n\s*to\s+= module\.api\.\w+\.this\[\S+\n", (root / "moved.tf").read_text())).replace("module.api.", ""),
    }
    for module, text in texts.items():
        main = blocks(tree[f"modules/{module}"]["main.tf"], "resource")
        for old, new in re.findall(r'from = (\S+)\n\s*to\s+= (\S+)\n', text):
            if module == "api" and not re.match(r"aws_api_gateway_(method|integration|model)\.", old):
                continue  # the per-route ones: the path resources, usage plans and keys are tests/components/api's
            moves += 1
            address, key = re.fullmatch(r'(\w+\.\w+)\["(\w+)"\]', new).groups()
            assert address in main and old not in main, (module, old, new)
            for_each = main[address]["for_each"]  # "${var.functions}" / "${var.routes}" / "${var.models}"
            assert key in calls[module][for_each[len("${var.") : -1]], (module, new)
    assert moves == 3 * 5 + 3 * 3, moves  # 3 functions x (log group, role, policy, VPC attachment, Lambda); 3 routes x (model, method, integration)


def test_invoke_permissions_move_from_the_api_to_their_functions(rendered_examples: dict[str, Path]) -> None:
    """The API's invoke permissions (one by one, then for_each over the routes in the API module) are the
    preprocessing module's now: the root's moved blocks chain each old address to the function's instance,
    whose key is in the functions map at the call; neither old address is declared any more."""
    root = rendered_examples["platform"]
    tree = load_tree(root)
    calls = _module_calls(tree)
    api, pre = (blocks(tree[f"modules/{m}"]["main.tf"], "resource") for m in ("api", "preprocessing"))
    assert not any(address.startswith("aws_lambda_permission.") for address in api)
    assert pre["aws_lambda_permission.api"]["for_each"] == "${var.functions}"
    moves = dict(re.findall(r'from = (module\.api\.aws_lambda_permission\S+)\n\s*to\s+= (\S+)\n', (root / "moved.tf").read_text()))
    assert not (root / "modules" / "api" / "moved.tf").exists()
    keys = set(calls["preprocessing"]["functions"])
    assert keys == {"predict_tabular", "predict_image", "predict_text"}
    for key in keys:
        step = moves[f"module.api.aws_lambda_permission.{key}"]
        assert step == f'module.api.aws_lambda_permission.this["{key}"]'
        assert moves[step] == f'module.preprocessing.aws_lambda_permission.api["{key}"]'
    assert len(moves) == 2 * len(keys)


def test_endpoint_copies_move_into_the_shared_module(rendered_examples: dict[str, Path]) -> None:
    """Each endpoint had a module copy of its own: its models, alarms, scaling and topics keep their state
    in the shared module's for_each instances, through moved blocks in the root (a shared module cannot
    list one call's addresses). Each target's type and name are declared in modules/endpoint, its key is
    in that call's map, and its source names a block that no longer exists."""
    moves = 0
    for name in ("platform", "async"):
        root = rendered_examples[name]
        tree = load_tree(root)
        calls = _module_calls(tree)
        main = blocks(tree["modules/endpoint"]["main.tf"], "resource")
        text = (root / "moved.tf").read_text()
        for old, new in re.findall(r'from = (\S+)\n\s*to\s+= (\S+)\n', text):
            caller = re.match(r"module\.(\w+)\.", old)
            if caller is None or str(calls.get(caller[1], {}).get("source")).strip('"') != "./modules/endpoint":
                continue  # another component's moves (the network's flow logs), tested with it
            moves += 1
            module, old_address = re.fullmatch(r"module\.(\w+)\.(\w+\.\w+)", old).groups()
            new_module, address, key = re.fullmatch(r'module\.(\w+)\.(\w+\.\w+)\["(\w+)"\]', new).groups()
            assert module == new_module and address in main and old_address not in main, (old, new)
            for_each = main[address]["for_each"]
            assert key in calls[module][for_each[len("${var.") : -1]], (old, new)
    # platform: 2 + 1 models, 4 alarms, 1 target and policy; async: 1 model, 1 target, policy, from-zero
    # policy and alarm, 2 topics (layout), and the same less the topics (receipts: existing topics) plus its
    # 3 variant alarms (latency, 5XX and 4XX rates).
    assert moves == (3 + 4 + 2) + (1 + 2 + 2 + 2) + (1 + 2 + 2 + 3), moves
