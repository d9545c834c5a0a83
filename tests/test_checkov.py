"""checkov (in its own venv: it conflicts with python-hcl2) finds nothing in any rendered example.

Every check mlinfra does not satisfy is skipped inside the rendered resource with its reason
(`#checkov:skip=ID:reason`), so reviewers see the trade-off where it is made.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

import pytest

from tests.conftest import ROOT

CHECKOV = Path(os.environ.get("MLINFRA_CHECKOV", ROOT / ".venv-checkov" / "bin" / "checkov"))


def checkov(root: Path) -> dict:
    if not CHECKOV.exists():
        pytest.fail(f"{CHECKOV} is missing: `make test` installs checkov into .venv-checkov")
    proc = subprocess.run(
        [str(CHECKOV), "-d", str(root), "--framework", "terraform", "-o", "json", "--skip-download"],
        check=False,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "BC_SKIP_MAPPING": "TRUE", "CHECKOV_RUN_SCA_PACKAGE_SCAN_V2": "false"},
    )
    assert proc.stdout.strip(), proc.stderr
    report = json.loads(proc.stdout)
    return report[0] if isinstance(report, list) else report


def test_rendered_examples_pass_checkov(rendered_examples: dict[str, Path], tmp_path: Path) -> None:
    import shutil

    # One run over all examples (checkov's start-up dominates); it does not follow symlinks.
    for name, root in rendered_examples.items():
        shutil.copytree(root, tmp_path / name)
    report = checkov(tmp_path)
    assert "summary" in report, report  # an empty scan reports bare counters
    summary = report["summary"]
    failed = [f"{f['check_id']} {f['resource']} ({f['file_path']}): {f['check_name']}" for f in report["results"]["failed_checks"]]
    assert failed == []
    assert summary["parsing_errors"] == 0 and summary["passed"] > 400
    # Every skip is one of ours, with a reason.
    # (A skip inside a for_each resource counts once per instance.)
    skip_comments = [m for root in rendered_examples.values() for p in root.rglob("*.tf") for m in re.findall(r"#checkov:skip=(CKV\w+):\S", p.read_text())]
    assert summary["skipped"] >= len(skip_comments)
    assert {s["check_id"] for s in report["results"]["skipped_checks"]} == set(skip_comments)
    for skipped in report["results"]["skipped_checks"]:
        assert skipped["check_result"].get("suppress_comment"), skipped["check_id"]


def test_checkov_does_catch_a_weakened_tree(rendered_examples: dict[str, Path], tmp_path: Path) -> None:
    """The check can fail: turn key rotation off, open the capture bucket's public-access block, and
    (at the module call in the root, where the config's values are) switch the predictions table's
    point-in-time recovery off: checkov evaluates module arguments through the module's variables."""
    import shutil

    root = tmp_path / "weak"
    shutil.copytree(rendered_examples["platform"], root)
    kms = root / "modules" / "kms" / "main.tf"
    kms.write_text(kms.read_text().replace("enable_key_rotation     = true", "enable_key_rotation     = false"))
    bucket = root / "modules" / "capture_bucket" / "main.tf"
    bucket.write_text(bucket.read_text().replace("block_public_acls       = true", "block_public_acls       = false"))
    main = root / "main.tf"
    assert "point_in_time_recovery = true" in main.read_text()
    main.write_text(main.read_text().replace("point_in_time_recovery = true", "point_in_time_recovery = false"))
    failed = {(f["check_id"], f["resource"]) for f in checkov(root)["results"]["failed_checks"]}
    assert {"CKV_AWS_7", "CKV_AWS_53"} <= {check for check, _ in failed}
    assert ("CKV_AWS_28", "module.results.aws_dynamodb_table.this") in failed, sorted(failed)


def test_checkov_sees_values_through_a_for_each_map(rendered_examples: dict[str, Path], tmp_path: Path) -> None:
    """One function of the preprocessing call on a deprecated runtime is flagged, on that instance only.

    checkov expands a module's for_each resources only if its variable rendering reaches the module call
    before a heuristic stops it (RENDER_EDGES_DUPLICATE_ITER_COUNT: about 15 rounds of references on
    this tree). Each module a call waits for adds ~6 rounds, so the chain kms → network → cache →
    preprocessing was too long: the flow logs (the network's only use of the KMS key) are a module of
    their own, which leaves kms → cache → preprocessing."""
    import shutil

    root = tmp_path / "weak"
    shutil.copytree(rendered_examples["platform"], root)
    main = root / "main.tf"
    text = main.read_text()
    assert 'runtime              = "python3.12"' in text
    main.write_text(text.replace('runtime              = "python3.12"', 'runtime              = "python2.7"', 1))
    report = checkov(root)
    failed = {(f["check_id"], f["resource"]) for f in report["results"]["failed_checks"]}
    assert ("CKV_AWS_363", 'module.preprocessing.aws_lambda_function.this["predict_tabular"]') in failed, sorted(failed)
    assert not any(check == "CKV_AWS_363" and "predict_image" in resource for check, resource in failed)
    # Every route's function is evaluated on its own values (the others pass).
    passed = {(f["check_id"], f["resource"]) for f in report["results"]["passed_checks"]}
    assert {("CKV_AWS_363", f'module.preprocessing.aws_lambda_function.this["{key}"]') for key in ("predict_image", "predict_text")} <= passed


def test_the_network_does_not_wait_for_the_kms_key(rendered_examples: dict[str, Path]) -> None:
    """What keeps the chain short enough for checkov: the network module takes nothing from another module."""
    main = (rendered_examples["platform"] / "main.tf").read_text()
    network = main[main.index('module "network" {') :]
    network = network[: network.index("\n}\n")]
    assert "module." not in network


def test_checkov_sees_the_api_routes_through_its_for_each_map(rendered_examples: dict[str, Path], tmp_path: Path) -> None:
    """One route of the API call without an API key requirement is flagged (CKV_AWS_59), on that
    for_each instance only.

    The API's checked arguments are the module's own (every route requires a key), so the test makes the
    method read that one from the call's routes map and sets it false on predict_text. checkov judges
    the instance only if it expands the module's for_each: the API took the Lambdas' names and invoke
    ARNs from the preprocessing module (kms → cache → preprocessing → api), too deep for its variable
    rendering, and passed one unexpanded method on unresolved values. The call now names each route's
    function (invoke ARN built from it) and takes no module output but the KMS key's."""
    import shutil

    root = tmp_path / "weak"
    shutil.copytree(rendered_examples["platform"], root)
    api = root / "modules" / "api" / "main.tf"
    assert api.read_text().count("api_key_required     = var.api_key_required") == 1
    api.write_text(api.read_text().replace("api_key_required     = var.api_key_required", "api_key_required     = each.value.api_key_required"))
    main = root / "main.tf"
    text = main.read_text()
    start = text.index('module "api" {')
    end = text.index("\n}\n", start)
    call = text[start:end]
    routes = call.index("  routes = {")  # (the path tree's resources name the paths too)
    for route in ("tabular", "image", "text"):
        found = re.compile(rf'(?m)^( +)path( +)= "/predict/{route}"\n').search(call, routes)
        assert found, route
        call = call[: found.end()] + f"{found.group(1)}api_key_required = {'false' if route == 'text' else 'true'}\n" + call[found.end() :]
    main.write_text(text[:start] + call + text[end:])
    report = checkov(root)["results"]
    failed = {(f["check_id"], f["resource"]) for f in report["failed_checks"]}
    assert failed == {("CKV_AWS_59", 'module.api.aws_api_gateway_method.this["predict_text"]')}, sorted(failed)
    passed = {(f["check_id"], f["resource"]) for f in report["passed_checks"]}
    assert {("CKV_AWS_59", f'module.api.aws_api_gateway_method.this["{key}"]') for key in ("predict_tabular", "predict_image")} <= passed


def test_the_api_does_not_wait_for_the_lambdas(rendered_examples: dict[str, Path]) -> None:
    """What keeps the API's chain short enough for checkov: its call takes no module output but the KMS
    key's; the invoke permissions are the preprocessing module's (which takes the API's execution ARN)."""
    main = (rendered_examples["platform"] / "main.tf").read_text()
    api = main[main.index('module "api" {') :]
    api = api[: api.index("\n}\n")]
    assert re.findall(r"module\.\w+\.\w+", api) == ["module.kms.key_arn"]
    assert "aws_lambda_permission" not in (rendered_examples["platform"] / "modules" / "api" / "main.tf").read_text()


def test_checkov_evaluates_an_endpoint_module_call(rendered_examples: dict[str, Path], tmp_path: Path) -> None:
    """The endpoint module exists once; checkov still judges each call by the values it passes: one model
    of one endpoint call without network isolation is flagged on that for_each instance only, and a check
    skipped on one module call (CKV_AWS_370 on the serverless endpoint) stays in force on the others."""
    import shutil

    root = tmp_path / "weak"
    shutil.copytree(rendered_examples["platform"], root)
    main = root / "main.tf"
    text = main.read_text()
    start = text.index('module "endpoint_inference" {')
    canary = text.index("    canary = {\n", start)
    isolation = text.index("network_isolation = true", canary)
    assert isolation < text.index("\n}\n", start), "the canary model of endpoint_inference isolates its network"
    main.write_text(text[:isolation] + "network_isolation = false" + text[isolation + len("network_isolation = true") :])
    report = checkov(root)["results"]
    failed = {(f["check_id"], f["resource"]) for f in report["failed_checks"]}
    assert failed == {("CKV_AWS_370", 'module.endpoint_inference.aws_sagemaker_model.this["canary"]')}, sorted(failed)
    passed = {(f["check_id"], f["resource"]) for f in report["passed_checks"]}
    assert ("CKV_AWS_370", 'module.endpoint_inference.aws_sagemaker_model.this["production"]') in passed
    skipped = {(f["check_id"], f["resource"]) for f in report["skipped_checks"]}
    assert ("CKV_AWS_370", 'module.endpoint_serverless.aws_sagemaker_model.this["serverless"]') in skipped
    assert ("CKV_AWS_98", "module.endpoint_inference.aws_sagemaker_endpoint_configuration.this") in skipped
    # (checkov 3.3.30 also passes CKV_AWS_98 when a call passes storage_kms_key_arn = null: it sees the
    # argument, not the null value. What judges the storage key per call is the SageMaker checker's [kms]
    # rule over Terraform's plan, tests/test_sagemaker_checks.py.)
    assert ("CKV_AWS_98", "module.endpoint_serverless.aws_sagemaker_endpoint_configuration.this") in passed
