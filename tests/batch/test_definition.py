"""The batch state machine definition: npm's asl-validator on several variants, and its shape asserted."""

from __future__ import annotations

import json
import re
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest

from mlinfra.batch.definition import BatchDefinition, Lambda, Sns, definition, execution_name_limit, to_json
from tests.conftest import ROOT

VALIDATOR = ROOT / ".npm-tools" / "node_modules" / ".bin" / "asl-validator"

BASE = BatchDefinition(
    partition="aws",
    job_name_prefix="mlinfra-prod-batch",
    model_name="mlinfra-prod-batch-1-2-0",
    instance_type="ml.m5.xlarge",
    instance_count=5,
    validate_function_arn="arn:aws:lambda:us-east-1:123456789012:function:mlinfra-prod-batch-validate",
    notify=Lambda("arn:aws:lambda:us-east-1:123456789012:function:mlinfra-prod-batch-notify"),
)
VARIANTS = {
    "reference": BASE,
    "sns": replace(BASE, notify=Sns("arn:aws:sns:us-east-1:123456789012:mlinfra-prod-batch")),
    "aws-cn": replace(
        BASE,
        partition="aws-cn",
        validate_function_arn="arn:aws-cn:lambda:cn-north-1:123456789012:function:v",
        notify=Sns("arn:aws-cn:sns:cn-north-1:123456789012:t"),
    ),
    "gov-single-record": replace(
        BASE,
        partition="aws-us-gov",
        validate_function_arn="arn:aws-us-gov:lambda:us-gov-west-1:123456789012:function:v",
        notify=Lambda("arn:aws-us-gov:lambda:us-gov-west-1:123456789012:function:n"),
        batch_strategy="SingleRecord",
        split_type="None",
        assemble_with="None",
        content_type="text/csv",
        accept="text/csv",
        max_concurrent_transforms=4,
        output_kms_key="arn:aws-us-gov:kms:us-gov-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
        volume_kms_key="arn:aws-us-gov:kms:us-gov-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
    ),
    "placeholders": replace(BASE, validate_function_arn="${validate_function_arn}", notify=Lambda("${notify_function_arn}")),
}


def asl_validate(text: str, tmp_path: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    if not VALIDATOR.exists():
        pytest.fail(f"{VALIDATOR} is missing: `make test` installs asl-validator into .npm-tools")
    path = tmp_path / "definition.json"
    path.write_text(text)
    return subprocess.run([str(VALIDATOR), "--json-path", str(path), *extra], check=False, capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize("name", sorted(VARIANTS))
def test_the_validator_accepts_every_variant(name: str, tmp_path: Path) -> None:
    spec = VARIANTS[name]
    # Terraform placeholders are not ARNs: for them, only the ARN check is skipped.
    extra = ("--no-arn-check",) if name == "placeholders" else ()
    proc = asl_validate(to_json(spec), tmp_path, *extra)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "is valid" in proc.stdout


def test_the_validator_can_fail(tmp_path: Path) -> None:
    """The check is real: a dangling transition and an unknown field are refused."""
    broken = definition(BASE)
    broken["States"]["Transform"]["Next"] = "NoSuchState"
    proc = asl_validate(json.dumps(broken), tmp_path)
    assert proc.returncode != 0 and "NoSuchState" in proc.stdout + proc.stderr
    typo = definition(BASE)
    typo["States"]["ValidateInput"]["Retries"] = typo["States"]["ValidateInput"].pop("Retry")
    proc = asl_validate(json.dumps(typo), tmp_path)
    assert proc.returncode != 0, proc.stdout


def test_the_reference_pipeline_shape() -> None:
    d = definition(BASE)
    states = d["States"]
    assert d["StartAt"] == "ValidateInput"
    assert states["ValidateInput"]["Next"] == "Transform"
    assert states["Transform"]["Next"] == "NotifySuccess"
    assert states["NotifySuccess"]["Next"] == "Succeeded" and states["Succeeded"]["Type"] == "Succeed"
    assert states["NotifyFailure"]["Next"] == "Failed" and states["Failed"]["Type"] == "Fail"

    t = states["Transform"]
    assert t["Resource"] == "arn:aws:states:::sagemaker:createTransformJob.sync"
    p = t["Parameters"]
    assert p["TransformJobName.$"] == "States.Format('mlinfra-prod-batch-{}', $$.Execution.Name)"
    assert p["ModelName"] == "mlinfra-prod-batch-1-2-0"
    assert p["TransformInput"] == {
        "DataSource": {"S3DataSource": {"S3DataType": "S3Prefix", "S3Uri.$": "$.inputS3Uri"}},
        "ContentType": "application/json",
        "SplitType": "Line",
    }
    assert p["TransformOutput"] == {"S3OutputPath.$": "$.outputS3Uri", "AssembleWith": "Line"}
    assert p["TransformResources"] == {"InstanceType": "ml.m5.xlarge", "InstanceCount": 5}
    assert (p["BatchStrategy"], p["MaxPayloadInMB"]) == ("MultiRecord", 6)

    # Failures of validation and of the job are caught, kept under $.error, and notified.
    for name in ("ValidateInput", "Transform"):
        assert states[name]["Catch"] == [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "NotifyFailure"}]
    # Retries back off (rate > 1) on the transient errors only.
    v_retry, = states["ValidateInput"]["Retry"]
    assert {"Lambda.TooManyRequestsException", "Lambda.ServiceException"} <= set(v_retry["ErrorEquals"])
    assert "InvalidBatchInput" not in v_retry["ErrorEquals"] and "States.ALL" not in v_retry["ErrorEquals"]
    t_retry, = t["Retry"]
    assert set(t_retry["ErrorEquals"]) == {"SageMaker.AmazonSageMakerException", "ThrottlingException"}
    for r in (v_retry, t_retry):
        assert r["BackoffRate"] > 1 and r["MaxAttempts"] >= 3

    # ValidateInput keeps the execution input (its result goes under $.validation).
    assert states["ValidateInput"]["ResultPath"] == "$.validation"
    assert states["ValidateInput"]["Parameters"]["FunctionName"] == BASE.validate_function_arn
    assert states["NotifyFailure"]["Parameters"]["Payload"]["status"] == "FAILED"
    assert states["NotifySuccess"]["Parameters"]["Payload"]["state.$"] == "$"


@pytest.mark.parametrize("name", sorted(VARIANTS))
def test_partition_neutral(name: str) -> None:
    """Every integration ARN carries the given partition; none hard-codes arn:aws: elsewhere."""
    spec = VARIANTS[name]
    resources = [s["Resource"] for s in definition(spec)["States"].values() if "Resource" in s]
    assert resources and all(r.startswith(f"arn:{spec.partition}:states:::") for r in resources)
    if spec.partition != "aws":
        assert "arn:aws:" not in to_json(spec)


def test_sns_variant_publishes_to_the_topic_only() -> None:
    d = definition(VARIANTS["sns"])
    for name in ("NotifySuccess", "NotifyFailure"):
        s = d["States"][name]
        assert s["Resource"] == "arn:aws:states:::sns:publish"
        assert s["Parameters"]["TopicArn"] == "arn:aws:sns:us-east-1:123456789012:mlinfra-prod-batch"
        assert s["Parameters"]["Message.$"].startswith("States.Format(")


def test_optional_fields_appear_only_when_given() -> None:
    base = definition(BASE)["States"]["Transform"]["Parameters"]
    assert "MaxConcurrentTransforms" not in base and "Accept" not in base["TransformOutput"] and "KmsKeyId" not in base["TransformOutput"]
    gov = definition(VARIANTS["gov-single-record"])["States"]["Transform"]["Parameters"]
    assert gov["MaxConcurrentTransforms"] == 4 and gov["TransformOutput"]["Accept"] == "text/csv"
    assert gov["TransformResources"]["VolumeKmsKeyId"].startswith("arn:aws-us-gov:kms:")


def test_serialised_with_sorted_keys_and_stable() -> None:
    text = to_json(BASE)
    assert text == to_json(BASE)
    assert text == json.dumps(json.loads(text), sort_keys=True, indent=2, ensure_ascii=False) + "\n"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"partition": "aws-moon"}, "partition"),
        ({"job_name_prefix": "Mlinfra"}, "prefix"),
        ({"job_name_prefix": "x" * 60}, "prefix"),
        ({"job_name_prefix": "a'b"}, "prefix"),
        ({"instance_count": 0}, "instance_count"),
        ({"max_payload_mb": 0}, "max_payload_mb"),
        ({"max_payload_mb": 101}, "max_payload_mb"),
        ({"split_type": "None"}, "MultiRecord needs a split_type"),
        ({"max_concurrent_transforms": 17}, "at most 100"),
        ({"max_concurrent_transforms": 0}, "at most 100"),
    ],
)
def test_bad_input_is_refused(change: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        replace(BASE, **change)


def test_execution_name_limit_keeps_job_names_within_63() -> None:
    limit = execution_name_limit(BASE.job_name_prefix)
    assert len(f"{BASE.job_name_prefix}-{'x' * limit}") == 63
    assert re.fullmatch(r"[a-z0-9-]+", BASE.job_name_prefix)
