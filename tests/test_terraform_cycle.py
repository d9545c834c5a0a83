"""Terraform itself checks every rendered example, offline: init, validate, plan, apply, an empty second
plan, destroy -- on the stand-in provider (tests/support/standin), which serves the real provider
schemas.  Breakage tests prove the gate fails with Terraform's own message.

Run alone: ``.venv/bin/python -m pytest -m terraform``.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.conftest import EXAMPLES, ROOT, run_concurrently, selected_params
from tests.support.configs import edited
from tests.support.terraform_cycle import (
    CycleError,
    CycleResult,
    StacksCycleResult,
    copy_planned,
    finish_cycle,
    is_split,
    planned_once,
    prepare,
    run_cycle,
    run_stacks_cycle,
)

pytestmark = pytest.mark.terraform


# Configurations the examples do not cover: (example, text, replacement).
VARIANTS = {
    "platform-regional-domain": ("platform.yaml", "  cloudfront: true\n", "  cloudfront: false\n"),
    # Components that scale to zero copies get a wake-up step policy and alarm.
    "inference-components-from-zero": ("inference-components.yaml", "autoscaling: {min: 1,", "autoscaling: {min: 0,"),
    # A fleet on an instance type with EBS storage takes a volume size (ml.g4dn has local NVMe storage),
    # and a GPU fleet an inference AMI.
    "inference-components-ebs-volume": (
        "inference-components.yaml",
        "      instance_type: ml.g4dn.xlarge     # 4 vCPU, 16 GiB, 1 NVIDIA T4\n",
        "      instance_type: ml.p3.2xlarge\n      volume_size_gb: 100\n      inference_ami_version: al2-ami-sagemaker-inference-gpu-3-1\n",
    ),
    # A monitoring section beside components endpoints only: the alerts topic, no monitoring module.
    "inference-components-alerts": (
        "inference-components.yaml",
        "      rollback_step_copies: 1\n",
        "      rollback_step_copies: 1\nmonitoring:\n  subscribers:\n    - email: ml-oncall@example.com\n",
    ),
    # A registry beside two named models: the first model's package group and the other's (for_each), and
    # the other's own ECR repository.
    "inference-components-registry": (
        "inference-components.yaml",
        "\nendpoints:\n",
        "\nregistry:\n  owner_environment: prod\n  models:\n    detection:\n      model_package_group: vision-detection\n"
        "      ecr_repository: tensorrt-inference\n\nendpoints:\n",
    ),
    # The API without a public name: no edge module, served on its execute-api URL (the api_invoke_url output).
    "platform-no-domain": ("platform.yaml", "  domain: ml.acme-corp.com\n  hosted_zone: acme-corp.com\n  cloudfront: true\n", ""),
    # Batch transform of a model the image carries: no model_data_url, no artifact statement in the role.
    "batch-image-only": ("batch.yaml", "    model_data: s3://acme-churn-models/xgboost/2.3.0/model.tar.gz\n", ""),
    # An existing success topic alone: the notification_config's error_topic is null, the response goes to one topic.
    "async-success-topic-only": ("async.yaml", "        error_topic: arn:aws:sns:us-east-1:123456789012:receipts-failed\n", ""),
    # A capture destination of the user's own without a key of its own: kms_key_id null (the bucket's
    # default encryption).
    # The pipeline on an existing connection, notifying the alerts topic, without the approval trigger:
    # the created connection, the approvers' topic and the trigger are count 0.
    "pipeline-existing-connection-alert-topic": (
        "pipeline.yaml",
        "    github: {repository: acme/fraud-platform, branch: main}\n  dockerfile: docker/Dockerfile\n  approvers:\n"
        "    emails: [ml-leads@example.com]\n  canary: {endpoint: scoring, percent: 20, bake_minutes: 10}\n"
        "  trigger_on_model_approval: true\n",
        "    github: {repository: acme/fraud-platform, branch: main}\n"
        "    connection_arn: arn:aws:codeconnections:eu-west-1:123456789012:connection/0f3c1a2b-1234-4abc-9def-0123456789ab\n"
        "  approvers:\n    alert_topic: true\nmonitoring:\n  subscribers:\n    - email: ml-oncall@example.com\n",
    ),
    "monitoring-capture-default-encryption": ("monitoring.yaml", "      kms_key_arn: arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab\n", ""),
    # Bring your own: a passthrough route, a model archive under CDK's <hash>.gz name, a raw-metric alarm
    # beside the rates and an existing SNS topic every alarm notifies.
    "platform-bring-your-own": (
        "platform.yaml",
        "  - path: /predict/text\n",
        "  - path: /generate\n    preprocessor: passthrough\n    endpoint: inference\n  - path: /predict/text\n",
        "s3://acme-ml-models/models/v1.2.0/model.tar.gz",
        "s3://cdk-hnb659fds-assets-123456789012-us-east-1/5f1c6a3e0d2b4e8f9a7c1d3e5b7a9c0e.gz",
        "      error_rate_percent: 5\n",
        "      error_rate_percent: 5\n      metrics:\n        - {metric: Invocation5XXErrors, statistic: Average, threshold: 1, comparison: \">=\"}\n",
        "monitoring:\n  subscribers:\n",
        "monitoring:\n  alarm_topics:\n    - arn:aws:sns:us-east-1:210987654321:oncall\n  subscribers:\n",
    ),
}


def _variant(name: str, base: Path) -> Path:
    example, *edits = VARIANTS[name]

    def change(text: str) -> str:
        for old, new in zip(edits[::2], edits[1::2], strict=True):
            assert old in text, f"examples/{example} no longer contains {old!r}: update the variant"
            text = text.replace(old, new)  # every occurrence (inference-components-from-zero: both components)
        return text

    return edited(example, base / f"{name}-config", change)


@pytest.fixture(scope="session")
def cycles(request, tmp_path_factory, standin_env, plan_cache) -> dict:
    """The cycle of every selected example (and variant), two at a time: init to plan once per run
    (``planned_once``: test_sagemaker_checks.py reads the same plans), apply to destroy in a copy."""
    base = tmp_path_factory.mktemp("cycles")

    def cycle(key: str, make) -> CycleResult:
        return finish_cycle(copy_planned(planned_once(key, make, plan_cache, standin_env), base / key), standin_env)

    def split_cycle(example: Path) -> StacksCycleResult:
        return run_stacks_cycle(example, base / example.stem, standin_env)

    jobs = {
        p: (lambda p=p: split_cycle(p)) if is_split(p) else (lambda p=p: cycle(p.stem, lambda dest: prepare(p, dest)))
        for p in selected_params(request, "cycles", "example")
    }
    for name in selected_params(request, "cycles", "variant"):
        jobs[name] = lambda n=name: cycle(n, lambda dest: prepare(_variant(n, base), dest))
    return run_concurrently(jobs)


@pytest.mark.parametrize("example", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_terraform_accepts_applies_and_destroys(example: Path, cycles: dict) -> None:
    result = cycles[example]
    if isinstance(result, Exception):
        raise result
    if isinstance(result, StacksCycleResult):  # a split tree: the cycle ran in every stack
        assert all(set(t) == {"init", "validate", "plan", "show", "apply", "replan", "destroy"} for t in result.times.values())
        assert len(result.times) > 1
        assert result.planned > 0
        return
    assert isinstance(result, CycleResult)
    assert set(result.times) == {"init", "validate", "plan", "show", "apply", "replan", "destroy"}
    assert result.planned > 0


def _outputs(attribute: dict) -> dict:
    """A terraform_remote_state's ``outputs`` as the state keeps it (a dynamic value: value and type)."""
    return attribute["value"] if set(attribute) == {"value", "type"} else attribute


@pytest.mark.parametrize("example", [p for p in EXAMPLES if is_split(p)], ids=[p.stem for p in EXAMPLES if is_split(p)])
def test_cross_stack_references_resolve(example: Path, cycles: dict) -> None:
    """Each consumer stack's terraform_remote_state read its producer's real outputs from state (the values
    apply gave them), and every stack but the first reads at least one."""
    result = cycles[example]
    if isinstance(result, Exception):
        raise result
    assert isinstance(result, StacksCycleResult)
    consumers = [name for name, read in result.read.items() if read]
    assert consumers, "no stack reads another's state"
    for consumer in consumers:
        for label, attribute in result.read[consumer].items():
            producer = next(n for n in result.produced if n.replace("-", "_") == label)
            outputs = _outputs(attribute)
            assert outputs, f"{consumer} read no outputs of {producer}"
            assert outputs == result.produced[producer], f"{consumer} read other values than {producer}'s state holds"


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_terraform_accepts_the_variants(variant: str, cycles: dict) -> None:
    result = cycles[variant]
    if isinstance(result, Exception):
        raise result
    assert set(result.times) == {"init", "validate", "plan", "show", "apply", "replan", "destroy"}


# --- the gate can fail -------------------------------------------------------------------------------

# (file in the rendered platform tree, text, replacement, Terraform's own words)
BREAKAGES = {
    # At an endpoint module call, where the config's values are: Terraform checks them against the
    # module's typed variables.
    "list-for-a-number": (
        "main.tf",
        "initial_instance_count                            = 2",
        "initial_instance_count                            = [2]",
        ["Invalid value for module argument", 'child module variable "production_variants"', 'attribute "initial_instance_count": number required.'],
    ),
    "unknown-function": (
        "modules/registry/main.tf",
        "policy = jsonencode({",
        "policy = jsonencodex({",
        ["Call to unknown function", 'There is no function named "jsonencodex".'],
    ),
    "nonexistent-attribute": (
        "modules/capture_bucket/outputs.tf",
        "value       = aws_s3_bucket.this.arn",
        "value       = aws_s3_bucket.this.bucket_arn",
        ["Unsupported attribute", 'This object has no argument, nested block, or exported attribute named "bucket_arn".'],
    ),
    "missing-required-argument": (
        "modules/endpoint/main.tf",
        "  endpoint_config_name = aws_sagemaker_endpoint_configuration.this.name\n",
        "",
        ["Missing required argument", 'The argument "endpoint_config_name" is required, but no definition was found.'],
    ),
    "second-single-block": (
        "modules/preprocessing/main.tf",
        "  environment {\n",
        "  environment {\n    variables = {}\n  }\n\n  environment {\n",
        ["Too many environment blocks", 'No more than 1 "environment" blocks are allowed'],
    ),
    # What tests/support/hcl_checks.py used to check by itself, and Terraform now does:
    "unknown-argument": (
        "modules/capture_bucket/main.tf",
        '  bucket = "${var.name_prefix}',
        '  bucket_name = "${var.name_prefix}',
        ["Unsupported argument", 'An argument named "bucket_name" is not expected here.'],
    ),
    "unknown-resource-type": (
        "modules/capture_bucket/main.tf",
        'resource "aws_s3_bucket_public_access_block" "this" {',
        'resource "aws_s3_bucket_public_access" "this" {',
        ["Invalid resource type", 'The provider hashicorp/aws does not support resource type "aws_s3_bucket_public_access".'],
    ),
    "undeclared-variable": (
        "modules/capture_bucket/main.tf",
        "kms_master_key_id = var.kms_key_arn",
        "kms_master_key_id = var.kms_key",
        ["Reference to undeclared input variable", 'An input variable with the name "kms_key" has not been declared.'],
    ),
    "undeclared-resource": (
        "modules/capture_bucket/outputs.tf",
        "value       = aws_s3_bucket.this.arn",
        "value       = aws_s3_bucket.capture.arn",
        ["Reference to undeclared resource", 'A managed resource "aws_s3_bucket" "capture" has not been declared in module.capture_bucket.'],
    ),
    "undeclared-module-input": (
        "main.tf",
        '  source = "./modules/capture_bucket"\n',
        '  source = "./modules/capture_bucket"\n\n  bucket_name = "x"\n',
        ["Unsupported argument", 'An argument named "bucket_name" is not expected here.'],
    ),
    "missing-module-input": (
        "main.tf",
        '  kms_key_arn    = module.kms.key_arn\n  name_prefix    = "mlinfra-prod-use1-capture-"\n',
        '  name_prefix    = "mlinfra-prod-use1-capture-"\n',
        ["Missing required argument", 'The argument "kms_key_arn" is required, but no definition was found.'],
    ),
    "missing-provider-alias": (
        "main.tf",
        "    aws.us_east_1 = aws.us_east_1\n",
        "",
        ["Add a provider named aws.us_east_1 to the providers map for module.edge in the root module."],
    ),
    # SageMaker's own rules, from botocore's model (the stand-in's ValidateResourceConfig):
    # (at the module calls: the values reach the resources at plan, when the module's variables are known)
    "sagemaker-instance-type": (
        "main.tf",
        'instance_type                                     = "ml.g4dn.xlarge"',
        'instance_type                                     = "ml.g4dn.xlarg"',
        ["Invalid ProductionVariant.InstanceType", "'ml.g4dn.xlarg' is not a value SageMaker accepts", "did you mean ml.g4dn.xlarge", "with module.endpoint_inference.aws_sagemaker_endpoint_configuration.this"],
    ),
    "sagemaker-serverless-memory": (
        "main.tf",
        "memory_size_in_mb       = 4096",
        "memory_size_in_mb       = 8192",
        ["Invalid ProductionVariantServerlessConfig.MemorySizeInMB", "8192 is outside SageMaker's range 1024 to 6144", "with module.endpoint_serverless.aws_sagemaker_endpoint_configuration.this", "on modules/endpoint/main.tf line"],
    ),
    "sagemaker-sampling-percentage": (
        "main.tf",
        "initial_sampling_percentage = 100",
        "initial_sampling_percentage = 101",
        ["Invalid DataCaptureConfig.InitialSamplingPercentage", "101 is outside SageMaker's range 0 to 100"],
    ),
}
# Terraform finds a missing provider configuration already at init; the provider's checks of values passed
# to a module at plan (validate evaluates a module with unknown variables); everything else at validate.
FAILING_STEP = {"missing-provider-alias": "init", **dict.fromkeys(("sagemaker-instance-type", "sagemaker-serverless-memory", "sagemaker-sampling-percentage"), "plan")}


@pytest.fixture(scope="session")
def breakages(request, tmp_path_factory, standin_env) -> dict:
    base = tmp_path_factory.mktemp("breakages")
    good = prepare(ROOT / "examples" / "platform.yaml", base / "good")

    def broken(name: str):
        path, old, new, _ = BREAKAGES[name]
        tree = base / name
        shutil.copytree(good.path, tree)
        target = tree / path
        text = target.read_text()
        assert old in text, f"{path} no longer contains {old!r}: update the breakage"
        target.write_text(text.replace(old, new, 1))
        return run_cycle(type(good)(tree, good.resources), standin_env, until=FAILING_STEP.get(name, "validate"))

    return run_concurrently({name: (lambda n=name: broken(n)) for name in selected_params(request, "breakages", "breakage")})


@pytest.mark.parametrize("breakage", sorted(BREAKAGES))
def test_the_gate_fails_with_terraforms_message(breakage: str, breakages: dict) -> None:
    result = breakages[breakage]
    assert isinstance(result, CycleError), f"terraform accepted the broken tree: {result!r}"
    assert result.step == FAILING_STEP.get(breakage, "validate")
    message = " ".join(str(result).split())  # terraform wraps long lines
    for words in BREAKAGES[breakage][3]:
        assert words in message, str(result)


def test_a_split_tree_without_a_backend_reads_the_local_states(tmp_path: Path, standin_env) -> None:
    """Without a state section the stacks render local remote states (../<stack>/terraform.tfstate): as
    rendered, not rewritten by relax(), Terraform reads the producers' applied outputs through them."""
    config = edited(
        "fleet-stacks",
        tmp_path / "config",
        ("state:\n  bucket: acme-terraform-state\n  key: fleet/prod/terraform.tfstate   # each stack's state beside it: fleet/prod/<stack>.tfstate\n", ""),
    )
    result = run_stacks_cycle(config, tmp_path / "tree", standin_env)
    assert result.read["front"].keys() == {"shared", "fraud", "pricing"}
    for label, attribute in result.read["front"].items():
        assert _outputs(attribute) == result.produced[label]
