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
    """One function of the preprocessing call on a deprecated runtime is flagged, on that instance only."""
    import shutil

    root = tmp_path / "weak"
    shutil.copytree(rendered_examples["platform"], root)
    main = root / "main.tf"
    text = main.read_text()
    assert 'runtime              = "python3.12"' in text
    main.write_text(text.replace('runtime              = "python3.12"', 'runtime              = "python2.7"', 1))
    failed = {(f["check_id"], f["resource"]) for f in checkov(root)["results"]["failed_checks"]}
    assert ("CKV_AWS_363", 'module.preprocessing.aws_lambda_function.this["predict_tabular"]') in failed, sorted(failed)
    assert not any(check == "CKV_AWS_363" and "predict_image" in resource for check, resource in failed)


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
