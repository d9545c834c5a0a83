"""The batch component: config → rendered HCL, the state machine definition it carries, its IAM exactly."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from mlinfra.batch.iam import step_functions_statements
from mlinfra.components.batch.component import Batch, state_machine_definition
from mlinfra.components.batch.plan import batch_plan
from mlinfra.core.arns import ACCOUNT as _ACCOUNT
from mlinfra.core.arns import PARTITION as _PARTITION
from mlinfra.core.arns import REGION as _REGION
from mlinfra.core.component import PlanRequest, Sinks
from mlinfra.expr import Interp, Ref
from mlinfra.pipeline import load_config, render_project
from tests.batch.test_definition import asl_validate
from tests.support.configs import edited
from tests.support.hcl_checks import load_tree
from tests.support.hcl_checks import module_call as call
from tests.test_config_invalid import first_problem
from tests.test_render import blocks, s

EXAMPLES = Path(__file__).resolve().parents[3] / "examples"


def main_tf(root: Path) -> str:
    return (root / "modules" / "batch" / "main.tf").read_text()


def res(root: Path, kind: str = "resource") -> dict[str, dict]:
    return blocks(load_tree(root)["modules/batch"]["main.tf"], kind)


def plan_of(path: Path):
    config = load_config(path)
    return batch_plan(PlanRequest(config, path.parent, f"{config.project.name}-{config.project.environment}"))


def placeholders(value):
    """Terraform references as the placeholder strings asl-validator accepts with --no-arn-check."""
    if isinstance(value, Ref):
        return value.expr if value.expr == "null" else "${" + value.expr + "}"
    if isinstance(value, Interp):
        return "".join("aws" if p == _PARTITION else (p if isinstance(p, str) else "${" + p.expr + "}") for p in value.parts)
    if isinstance(value, dict):
        return {k: placeholders(v) for k, v in value.items()}
    if isinstance(value, list):
        return [placeholders(v) for v in value]
    return value


@pytest.mark.parametrize("example", ["platform", "batch"])
def test_the_rendered_definition_is_valid_asl(example: str, tmp_path: Path) -> None:
    data = placeholders(state_machine_definition(plan_of(EXAMPLES / f"{example}.yaml"), _PARTITION))
    text = json.dumps(data).replace('"null"', "null")
    proc = asl_validate(text, tmp_path, "--no-arn-check")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert json.loads(text)["States"]["NotifySuccess"]["ResultPath"] is None


def test_reference_settings_reach_the_state_machine(rendered_examples: dict[str, Path]) -> None:
    text = main_tf(rendered_examples["platform"])
    sfn = res(rendered_examples["platform"])["aws_sfn_state_machine.this"]
    assert s(sfn["name"]) == "mlinfra-prod-batch"  # what mlinfra batch submit looks up
    definition = sfn["definition"]
    assert definition.startswith("${jsonencode({") and definition.endswith("})}")
    for line in (
        'InstanceType  = "ml.m5.xlarge"',
        "InstanceCount = 5",
        'BatchStrategy = "MultiRecord"',
        "MaxPayloadInMB = 6",
        'SplitType   = "Line"',
        'AssembleWith = "Line"',
        'ContentType = "application/jsonlines"',
        'Accept       = "application/jsonlines"',
        'ModelName      = "mlinfra-prod-batch-1-1-0"',
        "FunctionName = aws_lambda_function.validate.arn",
        "FunctionName = aws_lambda_function.notify.arn",
        'Resource = "arn:${local.partition}:states:::sagemaker:createTransformJob.sync"',
        'TransformJobName.$" = "States.Format(\'mlinfra-prod-batch-{}\', $$.Execution.Name)"',
        "KmsKeyId = var.kms_key_arn",
        "ResultPath = null",
    ):
        assert re.search(re.escape(line).replace(r"\ \ ", r"\s+").replace(r"\ =", r"\s*="), text), line
    assert sfn["tracing_configuration"][0]["enabled"] is True
    log = sfn["logging_configuration"][0]
    assert s(log["level"]) == "ALL" and log["include_execution_data"] is True
    assert s(log["log_destination"]) == "${aws_cloudwatch_log_group.state_machine.arn}:*"
    group = res(rendered_examples["platform"])["aws_cloudwatch_log_group.state_machine"]
    assert group["kms_key_id"] == "${var.kms_key_arn}" and group["retention_in_days"] == 365
    model = res(rendered_examples["platform"])["aws_sagemaker_model.this"]
    assert s(model["name"]) == "mlinfra-prod-batch-1-1-0" and model["execution_role_arn"] == "${var.execution_role_arn}"
    assert "schedule" not in text and "aws_scheduler_schedule" not in text


def test_batch_example_settings_buckets_subscribers_and_schedule(rendered_examples: dict[str, Path]) -> None:
    root = rendered_examples["batch"]
    r = res(root)
    text = main_tf(root)
    for line in ('ContentType = "text/csv"', "InstanceCount = 2"):
        assert re.search(re.escape(line).replace(r"\ =", r"\s*="), text), line
    for key in ("input", "output"):
        assert s(r[f"aws_s3_bucket.{key}"]["bucket"]) == f"churn-prod-batch-{key}-${{local.account_id}}"
        assert r[f"aws_s3_bucket_versioning.{key}"]["versioning_configuration"][0]["status"] == '"Enabled"'
        sse = r[f"aws_s3_bucket_server_side_encryption_configuration.{key}"]["rule"][0]["apply_server_side_encryption_by_default"][0]
        assert s(sse["sse_algorithm"]) == "aws:kms" and sse["kms_master_key_id"] == "${var.kms_key_arn}"
        assert all(r[f"aws_s3_bucket_public_access_block.{key}"][k] is True for k in ("block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets"))
    outputs = r["aws_s3_bucket_lifecycle_configuration.output"]["rule"][0]
    assert outputs["expiration"][0]["days"] == 90
    assert "expiration" not in r["aws_s3_bucket_lifecycle_configuration.input"]["rule"][0]
    subs = {k: (s(v["protocol"]), s(v["endpoint"])) for k, v in r.items() if k.startswith("aws_sns_topic_subscription.")}
    assert sorted(subs.values()) == [("email", "ml-platform@example.com"), ("sqs", "arn:aws:sqs:eu-west-1:123456789012:churn-scores-ready")]
    assert r["aws_sns_topic.this"]["kms_master_key_id"] == "${var.kms_key_arn}"
    sched = r["aws_scheduler_schedule.this"]
    assert s(sched["schedule_expression"]) == "cron(0 2 * * ? *)"
    assert sched["target"][0]["arn"] == "${aws_sfn_state_machine.this.arn}"
    data = res(root, "data")
    scheduler = data["aws_iam_policy_document.scheduler"]["statement"]
    assert [(st["actions"], st["resources"]) for st in scheduler] == [(['"states:StartExecution"'], ["${aws_sfn_state_machine.this.arn}"]), (['"kms:Decrypt"'], ["${var.kms_key_arn}"])]
    assert sched["kms_key_arn"] == "${var.kms_key_arn}"
    for fn in ("validate", "notify"):
        f = r[f"aws_lambda_function.{fn}"]
        assert s(f["handler"]) == f"mlinfra_lambdas.batch_{fn}.handler" and f["tracing_config"][0]["mode"] == '"Active"'
    package = sorted(p.name for p in (root / "modules" / "batch" / "package" / "mlinfra_lambdas").iterdir())
    assert package == ["__init__.py", "batch_notify.py", "batch_validate.py"]
    assert s(data["archive_file.package"]["output_file_mode"]) == "0644"


def _statements(doc: dict) -> list[tuple[str, list[str], list[str], list]]:
    return [(s(st["sid"]), [s(a) for a in st["actions"]], st["resources"], st.get("condition", [])) for st in doc["statement"]]


def test_the_state_machine_role_is_exactly_the_documented_statements(rendered_examples: dict[str, Path]) -> None:
    data = res(rendered_examples["platform"], "data")
    got = _statements(data["aws_iam_policy_document.state_machine"])
    expected = step_functions_statements(
        partition=_PARTITION,
        region=_REGION,
        account=_ACCOUNT,
        job_name_prefix="mlinfra-prod-batch",
        execution_role_arn=Ref("var.execution_role_arn"),
        function_arns=(Ref("aws_lambda_function.validate.arn"), Ref("aws_lambda_function.notify.arn")),
    )
    assert [(sid, actions) for sid, actions, _, _ in got[: len(expected)]] == [(st.sid, list(st.actions)) for st in expected]
    extra = got[len(expected) :]
    assert [(sid, res_) for sid, _, res_, _ in extra] == [("LogDelivery", ['"*"']), ("Tracing", ['"*"'])]
    assert all(a.startswith("logs:") for a in extra[0][1]) and all(a.startswith("xray:") for a in extra[1][1])
    passrole = next(g for g in got if "iam:PassRole" in g[1])
    assert passrole[2] == ["${var.execution_role_arn}"]
    assert any(s(c["variable"]) == "iam:PassedToService" for c in passrole[3])


def test_lambda_roles_are_least_privilege(rendered_examples: dict[str, Path]) -> None:
    data = res(rendered_examples["platform"], "data")
    validate = {sid: (actions, resources) for sid, actions, resources, _ in _statements(data["aws_iam_policy_document.validate"])}
    assert validate["ReadInput"] == (["s3:GetObject"], ['"arn:${local.partition}:s3:::mlinfra-prod-batch-input-${local.account_id}/input/*"'])
    assert validate["ListInput"][0] == ["s3:ListBucket"]
    notify = {sid: (actions, resources) for sid, actions, resources, _ in _statements(data["aws_iam_policy_document.notify"])}
    assert notify["Publish"] == (["sns:Publish"], ["${aws_sns_topic.this.arn}"])
    star = [(doc, sid) for doc in ("validate", "notify") for sid, _, resources, _ in _statements(data[f"aws_iam_policy_document.{doc}"]) if '"*"' in resources]
    assert star == [("validate", "Tracing"), ("notify", "Tracing")]


def test_the_sagemaker_role_gets_the_batch_prefixes(rendered_examples: dict[str, Path]) -> None:
    # The role's statements are a typed argument of its module call, in the root.
    role = call(load_tree(rendered_examples["batch"]), "sagemaker_role")
    got = {sid: (actions, resources) for sid, actions, resources, _ in _statements({"statement": role["statements"]})}
    assert got["BatchReadInput"] == (["s3:GetObject"], ['"arn:${data.aws_partition.current.partition}:s3:::churn-prod-batch-input-${data.aws_caller_identity.current.account_id}/customers/*"'])
    assert got["BatchReadModel"] == (["s3:GetObject"], ['"arn:${data.aws_partition.current.partition}:s3:::acme-churn-models/xgboost/2.3.0/model.tar.gz"'])
    assert got["BatchPullModelImage"][1] == ['"arn:${data.aws_partition.current.partition}:ecr:eu-west-1:123456789012:repository/churn-xgboost"']
    # No endpoints: no statement is left without resources (IAM refuses an empty list).
    assert all(resources for _, resources in got.values())
    assert got["BatchWriteOutput"] == (["s3:PutObject", "s3:AbortMultipartUpload"], ['"arn:${data.aws_partition.current.partition}:s3:::churn-prod-batch-output-${data.aws_caller_identity.current.account_id}/scores/*"'])


def test_existing_buckets_are_used_not_created(tmp_path: Path) -> None:
    path = edited("batch", tmp_path, ("  input:\n", "  input:\n    bucket: acme-landing\n"))
    files = {str(k): v for k, v in render_project(load_config(path), tmp_path).files.items()}
    main = files["modules/batch/main.tf"]
    assert 'resource "aws_s3_bucket" "input"' not in main and 'resource "aws_s3_bucket" "output"' in main
    assert re.search(r'input_bucket\s*=\s*"acme-landing"', main)
    assert '"arn:${data.aws_partition.current.partition}:s3:::acme-landing/customers/*"' in files["main.tf"]


@pytest.mark.parametrize(
    ("edit", "anchor", "path", "code"),
    [
        (("split_type: Line", "split_type: None"), "split_type: None", "batch.split_type", "batch-multirecord-split"),
        (("model_version: 2.3.0", "model_version: 9.9.9"), "model_version: 9.9.9", "batch.model_version", "batch-unknown-model"),
        (("    status: production", "    status: deprecated"), "model_version: 2.3.0", "batch.model_version", "batch-deprecated-model"),
        (("    - email: ml-platform@example.com", "    - email: ml-platform@example.com\n      https: https://hooks.example.com/x"), "- email: ml-platform", "batch.subscribers[0]", "batch-subscriber"),
        (("  name: churn", "  name: churnscoringplatform"), "schedule: cron", "batch.schedule", "batch-schedule-name"),
        (("max_payload_mb: 6", "max_payload_mb: 101"), "max_payload_mb: 101", "batch.max_payload_mb", None),
        (("strategy: MultiRecord", "strategy: Multi"), "strategy: Multi", "batch.strategy", None),
    ],
)
def test_bad_batch_settings_name_the_line(edit: tuple[str, str], anchor: str, path: str, code: str | None, tmp_path: Path) -> None:
    problem = first_problem(EXAMPLES / "batch.yaml", edit, anchor, path, tmp_path)
    if code is not None:
        assert problem.code == code


# --- in the platform's network ---------------------------------------------------------------------------


def _clients_called(module: str) -> set[str]:
    """The AWS services a batch Lambda's code creates boto3 clients for."""
    source = (Path(__file__).resolve().parents[3] / "src" / "mlinfra" / "lambdas" / f"{module}.py").read_text()
    return set(re.findall(r'(?:boto3\.client|_client)\("([a-z0-9-]+)"', source))


def test_batch_lambdas_run_in_the_private_subnets_with_their_own_group(rendered_examples: dict[str, Path]) -> None:
    root = rendered_examples["platform"]
    tree = load_tree(root)
    batch = call(tree, "batch")
    assert batch["subnet_ids"] == "${module.network.private_subnet_ids}"
    assert batch["security_group_id"] == "${module.network.batch_security_group_id}"
    assert call(tree, "network")["security_groups"]["batch"] == {"name": '"mlinfra-prod-batch"', "description": '"mlinfra batch Lambdas"'}
    resources = res(root)
    for fn in ("validate", "notify"):
        function = resources[f"aws_lambda_function.{fn}"]
        (vpc,) = function["vpc_config"]
        assert vpc["subnet_ids"] == "${var.subnet_ids}" and vpc["security_group_ids"] == ["${var.security_group_id}"]
        # The ENIs are created with the function: the VPC-access policy is attached first.
        assert f"${{aws_iam_role_policy_attachment.{fn}_vpc}}" in function["depends_on"]
        attachment = resources[f"aws_iam_role_policy_attachment.{fn}_vpc"]
        assert attachment["role"] == f"${{aws_iam_role.{fn}.name}}"
        assert s(attachment["policy_arn"]) == "arn:${local.partition}:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole"
    # In the VPC, checkov's "Lambda in a VPC" check holds: its skip is gone.
    assert "CKV_AWS_117" not in main_tf(root)


def test_batch_contributes_the_endpoints_its_lambdas_call(rendered_examples: dict[str, Path]) -> None:
    """Derived from the code: every service a batch Lambda calls is reachable from the private subnets,
    through a gateway endpoint (S3) or an interface endpoint the batch component contributes."""
    from mlinfra.components.network.plan import GATEWAY_SERVICES

    called = _clients_called("batch_validate") | _clients_called("batch_notify")
    assert called == {"s3", "sns"}  # a new client in the Lambdas needs its endpoint here
    sinks = Sinks()
    Batch().contribute(plan_of(EXAMPLES / "platform.yaml"), sinks)
    contributed = {service for service, by in sinks.vpc_endpoints.requested().items() if by == ("batch",)}
    assert contributed == called - set(GATEWAY_SERVICES) == {"sns"}
    assert sinks.security_groups.requested()["batch"].by == ("batch",)
    interface = call(load_tree(rendered_examples["platform"]), "network")["interface_endpoints"]
    assert s(interface["sns"]) == "com.amazonaws.us-east-1.sns"


def test_batch_without_a_network_stays_out_of_any_vpc(rendered_examples: dict[str, Path]) -> None:
    root = rendered_examples["batch"]
    tree = load_tree(root)
    assert "subnet_ids" not in call(tree, "batch") and "modules/network" not in tree
    resources = res(root)
    assert "vpc_config" not in resources["aws_lambda_function.validate"] and "aws_iam_role_policy_attachment.validate_vpc" not in resources
    assert "#checkov:skip=CKV_AWS_117:" in main_tf(root)
    sinks = Sinks()
    Batch().contribute(plan_of(EXAMPLES / "batch.yaml"), sinks)
    assert sinks.vpc_endpoints.requested() == {} and sinks.security_groups.requested() == {}
