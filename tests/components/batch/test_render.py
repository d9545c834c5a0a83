"""The batch component: config → rendered HCL, the state machine definition it carries, its IAM exactly."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from mlinfra.batch import definition as asl
from mlinfra.batch.iam import step_functions_statements
from mlinfra.components.batch.component import Batch, state_machine_definition
from mlinfra.components.batch.plan import batch_plan
from mlinfra.context import build_context
from mlinfra.core.arns import ACCOUNT as _ACCOUNT
from mlinfra.core.arns import PARTITION as _PARTITION
from mlinfra.core.arns import REGION as _REGION
from mlinfra.core.component import PlanRequest, Sinks
from mlinfra.expr import NULL, Interp, Ref
from mlinfra.pipeline import load_config, render_project
from mlinfra.plan.platform import build_plan
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


def call_values(path: Path) -> dict:
    """The batch module call's arguments, as the component passes them (before rendering)."""
    config = load_config(path)
    (mod,) = [m for m in build_context(build_plan(config, path.parent)).modules if m.key == "batch"]
    return {name: i.value for name, i in mod.inputs.items()}


def resolved(value, call: dict):
    """The module's definition as Terraform evaluates it for one call: its variables → the call's values
    (``local.transform_output`` as the module merges it), the partition aws, the Lambdas' ARNs and the
    KMS key as the placeholder strings asl-validator accepts with --no-arn-check."""
    _, transform_output, transform_resources = state_machine_definition()
    if isinstance(value, Ref):
        if value == NULL:
            return None
        if value.expr == "local.partition":
            return "aws"
        if value.expr == "local.transform_output":
            accept = call["transform"]["accept"]
            return {**resolved(transform_output, call), **({} if accept == NULL else {"Accept": accept})}
        if value.expr == "local.transform_resources":
            key = {"VolumeKmsKeyId": "${var.kms_key_arn}"} if call["transform"]["encrypt_volume"] else {}
            return {**resolved(transform_resources, call), **key}
        if value.expr.startswith("var.") and value.expr != "var.kms_key_arn":
            out = call
            for part in value.expr.split(".")[1:]:
                out = out[part]
            return out
        return "${" + value.expr + "}"
    if isinstance(value, Interp):
        return "".join(str(resolved(p, call)) for p in value.parts)
    if isinstance(value, dict):
        return {k: resolved(v, call) for k, v in value.items()}
    if isinstance(value, list):
        return [resolved(v, call) for v in value]
    return value


def _without_accept(tmp_path: Path) -> Path:
    path = tmp_path / "batch.yaml"
    path.write_text((EXAMPLES / "batch.yaml").read_text().replace("  accept: text/csv\n", ""))
    return path


@pytest.mark.parametrize("example", ["platform", "batch", "batch-without-accept"])
def test_the_rendered_definition_is_the_librarys_for_the_call(example: str, tmp_path: Path) -> None:
    """The module's definition (one text for every project), with the values the call passes, is the
    library's definition of the config's settings, and valid ASL."""
    path = _without_accept(tmp_path) if example == "batch-without-accept" else EXAMPLES / f"{example}.yaml"
    call = call_values(path)
    definition, _, _ = state_machine_definition()
    got = resolved(definition, call)
    b, part = load_config(path).batch, plan_of(path)
    expected = asl.definition(
        asl.BatchDefinition(
            partition="aws",
            job_name_prefix=part.name,
            model_name="${aws_sagemaker_model.this.name}",  # the module's name: the call's and a hash
            instance_type=b.instance_type,
            instance_count=b.instance_count,
            validate_function_arn="${aws_lambda_function.validate.arn}",
            notify=asl.Lambda("${aws_lambda_function.notify.arn}"),
            batch_strategy=b.strategy,
            max_payload_mb=b.max_payload_mb,
            split_type=b.split_type,
            assemble_with=b.assemble_with,
            content_type=b.content_type,
            accept=b.accept,
            output_kms_key="${var.kms_key_arn}",
            volume_kms_key="${var.kms_key_arn}",
        )
    )
    assert got == expected
    assert ("Accept" in got["States"]["Transform"]["Parameters"]["TransformOutput"]) is (b.accept is not None)
    text = json.dumps(got)
    proc = asl_validate(text, tmp_path, "--no-arn-check")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert json.loads(text)["States"]["NotifySuccess"]["ResultPath"] is None


def test_the_module_is_the_same_for_every_project(rendered_examples: dict[str, Path], tmp_path: Path) -> None:
    """The module's files do not depend on the config: its values are the call's (a bucket of the
    config's own, no network, no schedule, no subscriber change nothing in it)."""
    text = (EXAMPLES / "batch.yaml").read_text()
    for old, new in (
        ("  input:\n", "  input:\n    bucket: acme-landing\n"),
        ("  schedule: cron(0 2 * * ? *)\n", ""),
        ("  accept: text/csv\n", ""),
        ("    - email: ml-platform@example.com\n    - sqs: arn:aws:sqs:eu-west-1:123456789012:churn-scores-ready\n", "    - email: x@example.com\n"),
    ):
        assert old in text
        text = text.replace(old, new)
    (tmp_path / "batch.yaml").write_text(text)
    other = {str(k): v for k, v in render_project(load_config(tmp_path / "batch.yaml"), tmp_path).files.items()}
    for root in (rendered_examples["platform"], rendered_examples["batch"]):
        folder = root / "modules" / "batch"
        files = {str(f.relative_to(root)): f.read_text() for f in folder.rglob("*") if f.is_file()}
        assert files == {k: v for k, v in other.items() if k.startswith("modules/batch/")}


def test_reference_settings_reach_the_state_machine(rendered_examples: dict[str, Path]) -> None:
    text = main_tf(rendered_examples["platform"])
    transform = call(load_tree(rendered_examples["platform"]), "batch")["transform"]
    assert {k: v if isinstance(v, int) else s(v) for k, v in transform.items()} == {
        "instance_type": "ml.m5.xlarge",
        "instance_count": 5,
        "batch_strategy": "MultiRecord",
        "max_payload_mb": 6,
        "split_type": "Line",
        "assemble_with": "Line",
        "content_type": "application/jsonlines",
        "accept": "application/jsonlines",
        "encrypt_volume": True,  # ml.m5.xlarge has an EBS volume
    }
    batch = call(load_tree(rendered_examples["platform"]), "batch")
    assert s(batch["name"]) == "mlinfra-prod-batch"  # what mlinfra batch submit looks up
    assert s(batch["model"]["name"]) == "mlinfra-prod-batch-1-1-0"
    sfn = res(rendered_examples["platform"])["aws_sfn_state_machine.this"]
    assert sfn["name"] == "${var.name}"
    definition = sfn["definition"]
    assert definition.startswith("${jsonencode({") and definition.endswith("})}")
    for line in (
        "InstanceType  = var.transform.instance_type",
        "InstanceCount = var.transform.instance_count",
        "BatchStrategy = var.transform.batch_strategy",
        "MaxPayloadInMB = var.transform.max_payload_mb",
        "SplitType   = var.transform.split_type",
        "AssembleWith = var.transform.assemble_with",
        "ContentType = var.transform.content_type",
        "TransformOutput = local.transform_output",
        "ModelName      = aws_sagemaker_model.this.name",
        "FunctionName = aws_lambda_function.validate.arn",
        "FunctionName = aws_lambda_function.notify.arn",
        'Resource = "arn:${local.partition}:states:::sagemaker:createTransformJob.sync"',
        'TransformJobName.$" = "States.Format(\'${var.name}-{}\', $$.Execution.Name)"',
        "KmsKeyId = var.kms_key_arn",
        "ResultPath = null",
    ):
        assert re.search(re.escape(line).replace(r"\ \ ", r"\s+").replace(r"\ =", r"\s*="), text), line
    # Accept only when the call sets it (jsonencode would write a null).
    assert "{ for key, value in { Accept = var.transform.accept } : key => value if value != null }" in text
    assert sfn["tracing_configuration"][0]["enabled"] is True
    log = sfn["logging_configuration"][0]
    assert s(log["level"]) == "ALL" and log["include_execution_data"] is True
    assert s(log["log_destination"]) == "${aws_cloudwatch_log_group.state_machine.arn}:*"
    group = res(rendered_examples["platform"])["aws_cloudwatch_log_group.state_machine"]
    assert group["kms_key_id"] == "${var.kms_key_arn}" and group["retention_in_days"] == "${var.log_retention_days}"
    assert batch["log_retention_days"] == 365
    assert s(batch["names"]["state_machine_log_group"]) == "/aws/vendedlogs/states/mlinfra-prod-batch"
    model = res(rendered_examples["platform"])["aws_sagemaker_model.this"]
    assert model["name"] == "${local.model_name}" and model["execution_role_arn"] == "${var.execution_role_arn}"
    # No schedule: the schedule's objects are count 0.
    assert batch["schedule"] is None
    assert res(rendered_examples["platform"])["aws_scheduler_schedule.this"]["count"] == "${local.scheduled}"


def test_batch_example_settings_buckets_subscribers_and_schedule(rendered_examples: dict[str, Path]) -> None:
    root = rendered_examples["batch"]
    r = res(root)
    batch = call(load_tree(root), "batch")
    assert s(batch["transform"]["content_type"]) == "text/csv" and batch["transform"]["instance_count"] == 2
    for key, prefix in (("input", "customers/"), ("output", "scores/")):
        assert batch[key]["bucket"] is None and s(batch[key]["prefix"]) == prefix
        # Bucket names are global: the region's code (eu-west-1), and in/out to stay within 63 characters.
        assert s(batch[key]["name_prefix"]) == f"churn-prod-euw1-batch-{key[:-3] if key == 'output' else key[:2]}-"
        assert r[f"aws_s3_bucket.{key}"]["count"] == f"${{local.{key}_buckets}}"
        assert s(r[f"aws_s3_bucket.{key}"]["bucket"]) == f"${{var.{key}.name_prefix}}${{local.account_id}}"
        assert r[f"aws_s3_bucket_versioning.{key}"]["versioning_configuration"][0]["status"] == '"Enabled"'
        sse = r[f"aws_s3_bucket_server_side_encryption_configuration.{key}"]["rule"][0]["apply_server_side_encryption_by_default"][0]
        assert s(sse["sse_algorithm"]) == "aws:kms" and sse["kms_master_key_id"] == "${var.kms_key_arn}"
        assert all(r[f"aws_s3_bucket_public_access_block.{key}"][k] is True for k in ("block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets"))
    outputs = r["aws_s3_bucket_lifecycle_configuration.output"]["rule"][0]
    assert outputs["expiration"][0]["days"] == "${var.output.expire_days}" and batch["output"]["expire_days"] == 90
    assert "expiration" not in r["aws_s3_bucket_lifecycle_configuration.input"]["rule"][0]
    subs = {k: (s(v["protocol"]), s(v["endpoint"])) for k, v in batch["subscribers"].items()}
    assert subs == {"email_1": ("email", "ml-platform@example.com"), "sqs_2": ("sqs", "arn:aws:sqs:eu-west-1:123456789012:churn-scores-ready")}
    sub = r["aws_sns_topic_subscription.this"]
    assert sub["for_each"] == "${var.subscribers}" and sub["topic_arn"] == "${aws_sns_topic.this.arn}"
    assert r["aws_sns_topic.this"]["kms_master_key_id"] == "${var.kms_key_arn}"
    sched = r["aws_scheduler_schedule.this"]
    assert s(batch["schedule"]) == "cron(0 2 * * ? *)" and sched["schedule_expression"] == "${var.schedule}"
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


def test_optional_and_repeated_objects_move_to_their_instances(rendered_examples: dict[str, Path]) -> None:
    """Earlier renders wrote the buckets, the schedule and each subscription as blocks of their own:
    the root's moved blocks carry each to its count or for_each instance, whose block is declared."""
    root = rendered_examples["batch"]
    moves = dict(re.findall(r"from = (module\.batch\.\S+)\n\s*to\s+= (\S+)\n", (root / "moved.tf").read_text()))
    declared = res(root)
    for old, new in moves.items():
        address = re.fullmatch(r'module\.batch\.(\w+\.\w+)(\[0\]|\["\w+"\])', new)
        assert address and address[1] in declared, (old, new)
        if address[2] == "[0]":  # the same block, counted now
            assert old == f"module.batch.{address[1]}" and declared[address[1]]["count"].startswith("${local."), old
        else:  # a block of its own then, an instance of the for_each block now
            assert old.removeprefix("module.batch.") not in declared, old
    assert moves["module.batch.aws_sns_topic_subscription.sqs_2"] == 'module.batch.aws_sns_topic_subscription.this["sqs_2"]'
    assert moves["module.batch.aws_scheduler_schedule.this"] == "module.batch.aws_scheduler_schedule.this[0]"
    assert len(moves) == 2 * 7 + 2 + 3  # two buckets' seven resources, two subscriptions, the schedule's three
    # In the platform's network: the Lambdas' VPC-access attachments too (and no schedule).
    platform = dict(re.findall(r"from = (module\.batch\.\S+)\n\s*to\s+= (\S+)\n", (rendered_examples["platform"] / "moved.tf").read_text()))
    assert platform["module.batch.aws_iam_role_policy_attachment.notify_vpc"] == "module.batch.aws_iam_role_policy_attachment.notify_vpc[0]"
    assert not any("scheduler" in old for old in platform)


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
    assert validate["ReadInput"] == (["s3:GetObject"], ['"${local.input_bucket_arn}/${var.input.prefix}*"'])
    assert validate["ListInput"] == (["s3:ListBucket"], ["${local.input_bucket_arn}"])
    text = main_tf(rendered_examples["platform"])
    assert 'input_bucket_arn  = "arn:${local.partition}:s3:::${var.input.bucket != null ? var.input.bucket : "${var.input.name_prefix}${local.account_id}"}"' in text
    notify = {sid: (actions, resources) for sid, actions, resources, _ in _statements(data["aws_iam_policy_document.notify"])}
    assert notify["Publish"] == (["sns:Publish"], ["${aws_sns_topic.this.arn}"])
    star = [(doc, sid) for doc in ("validate", "notify") for sid, _, resources, _ in _statements(data[f"aws_iam_policy_document.{doc}"]) if '"*"' in resources]
    assert star == [("validate", "Tracing"), ("notify", "Tracing")]


def test_the_sagemaker_role_gets_the_batch_prefixes(rendered_examples: dict[str, Path]) -> None:
    # The role's statements are a typed argument of its module call, in the root.
    role = call(load_tree(rendered_examples["batch"]), "sagemaker_role")
    got = {sid: (actions, resources) for sid, actions, resources, _ in _statements({"statement": role["statements"]})}
    assert got["BatchReadInput"] == (["s3:GetObject"], ['"arn:${data.aws_partition.current.partition}:s3:::churn-prod-euw1-batch-in-${data.aws_caller_identity.current.account_id}/customers/*"'])
    assert got["BatchReadModel"] == (["s3:GetObject"], ['"arn:${data.aws_partition.current.partition}:s3:::acme-churn-models/xgboost/2.3.0/model.tar.gz"'])
    assert got["BatchPullModelImage"][1] == ['"arn:${data.aws_partition.current.partition}:ecr:eu-west-1:123456789012:repository/churn-xgboost"']
    # No endpoints: no statement is left without resources (IAM refuses an empty list).
    assert all(resources for _, resources in got.values())
    assert got["BatchWriteOutput"] == (["s3:PutObject", "s3:AbortMultipartUpload"], ['"arn:${data.aws_partition.current.partition}:s3:::churn-prod-euw1-batch-out-${data.aws_caller_identity.current.account_id}/scores/*"'])


def test_existing_buckets_are_used_not_created(tmp_path: Path) -> None:
    path = edited("batch", tmp_path, ("  input:\n", "  input:\n    bucket: acme-landing\n"))
    files = {str(k): v for k, v in render_project(load_config(path), tmp_path).files.items()}
    main = files["modules/batch/main.tf"]
    # The existing bucket: none created (count 0), the locals name it.
    assert re.search(r"input_buckets\s*=\s*var\.input\.bucket == null \? 1 : 0", main)
    assert re.search(r"input_bucket\s*=\s*var\.input\.bucket != null \? var\.input\.bucket : aws_s3_bucket\.input\[0\]\.bucket", main)
    assert re.search(r'input = \{\n\s+bucket\s+= "acme-landing"\n\s+name_prefix = null\n\s+prefix\s+= "customers/"\n', files["main.tf"])
    assert re.search(r'output = \{\n\s+bucket\s+= null\n', files["main.tf"])
    assert '"arn:${data.aws_partition.current.partition}:s3:::acme-landing/customers/*"' in files["main.tf"]
    assert "module.batch.aws_s3_bucket.input" not in files["moved.tf"] and "module.batch.aws_s3_bucket.output" in files["moved.tf"]
    assert render_project(load_config(path), tmp_path).resources == render_project(load_config(EXAMPLES / "batch.yaml"), EXAMPLES).resources - 7


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
    assert batch["vpc_config"] == {"subnet_ids": "${module.network.private_subnet_ids}", "security_group_ids": ["${module.network.batch_security_group_id}"]}
    assert call(tree, "network")["security_groups"]["batch"] == {"name": '"mlinfra-prod-batch"', "description": '"mlinfra batch Lambdas"'}
    resources = res(root)
    for fn in ("validate", "notify"):
        function = resources[f"aws_lambda_function.{fn}"]
        dynamic = function["dynamic"][0]['"vpc_config"']
        (vpc,) = dynamic["content"]
        assert dynamic["for_each"] == "${var.vpc_config == null ? [] : [var.vpc_config]}"
        assert vpc["subnet_ids"] == "${vpc_config.value.subnet_ids}" and vpc["security_group_ids"] == "${vpc_config.value.security_group_ids}"
        # The ENIs are created with the function: the VPC-access policy is attached first.
        assert f"${{aws_iam_role_policy_attachment.{fn}_vpc}}" in function["depends_on"]
        attachment = resources[f"aws_iam_role_policy_attachment.{fn}_vpc"]
        assert attachment["count"] == "${local.in_vpc}" and attachment["role"] == f"${{aws_iam_role.{fn}.name}}"
        assert s(attachment["policy_arn"]) == "arn:${local.partition}:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole"
    # In the VPC, checkov's "Lambda in a VPC" check holds: its skip is gone.
    assert "CKV_AWS_117" not in main_tf(root) and "CKV_AWS_117" not in (root / "main.tf").read_text()


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
    assert call(tree, "batch")["vpc_config"] is None and "modules/network" not in tree
    # The "Lambda in a VPC" check is skipped at this call only (the module is the same in a VPC).
    batch_block = (root / "main.tf").read_text().split('module "batch" {')[1].split("\n}\n")[0]
    assert "#checkov:skip=CKV_AWS_117:" in batch_block and "CKV_AWS_117" not in main_tf(root)
    sinks = Sinks()
    Batch().contribute(plan_of(EXAMPLES / "batch.yaml"), sinks)
    assert sinks.vpc_endpoints.requested() == {} and sinks.security_groups.requested() == {}
