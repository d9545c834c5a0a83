"""The batch transform pipeline: input and output buckets, the batch model, the ValidateInput and notifier
Lambdas, the SNS topic and the Step Functions state machine ``<project>-<env>-batch`` (what
``mlinfra batch submit`` starts), optionally on an EventBridge Scheduler schedule.

The module's text is the same for every project: the config's values (names, buckets, the model, the
transform's settings, subscribers, schedule, network) are the arguments of its call in the root, typed
in its variables.tf. What the config may leave out is a count of 0 or 1 (the default buckets, the Lambdas'
VPC-access attachments, the schedule), the subscriptions a for_each; the root's moved blocks carry the
objects of earlier renders, which wrote them one by one, to these instances.

The state machine's definition is :func:`mlinfra.batch.definition.definition`'s dict with the module's
variables in place of the settings and Terraform references in place of the ARNs, rendered as an HCL
object and serialised by ``jsonencode``: never text.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from typing import Any

from ...batch import definition as asl
from ...batch.iam import step_functions_statements
from ...config.shapes import LOCAL_STORAGE
from ...core.arns import ACCOUNT, PARTITION, REGION, ecr_repository_arn, s3_arn
from ...core.component import (
    ARCHIVE,
    AWS,
    Component,
    Export,
    Input,
    ModuleContext,
    Output,
    PlanRequest,
    RootOutput,
    Sinks,
    Wire,
    object_type,
)
from ...core.lambdas import LAMBDA_PACKAGE
from ...core.logs import logs_key_statement
from ...core.subscriptions import subscribers_input, subscription_moves
from ...expr import NULL, Interp, Ref, or_null
from ...plan.parts import Statement
from .plan import BatchPlan, BucketPlan, batch_plan


def _bucket_arn(bucket: BucketPlan, partition: Ref, account: Ref) -> Interp:
    if bucket.name is not None:
        return Interp("arn:", partition, f":s3:::{bucket.name}")
    return Interp("arn:", partition, f":s3:::{bucket.name_prefix}", account)


def _under(arn: Interp, prefix: str) -> Interp:
    return Interp(*arn.parts, f"/{prefix}*")


def sagemaker_statements(part: BatchPlan) -> tuple[Statement, ...]:
    """What the transform job, running as the SageMaker execution role, reads and writes (in that module's terms)."""
    i, o = _bucket_arn(part.input, PARTITION, ACCOUNT), _bucket_arn(part.output, PARTITION, ACCOUNT)
    # A model the image carries has no artifact to read (an empty resource list is a policy IAM refuses).
    artifact = (
        (
            Statement(
                "BatchReadModel",
                ("s3:GetObject",),
                (s3_arn(part.model_data_url),),
                comment="the batch model's artifact",
            ),
        )
        if part.model_data_url
        else ()
    )
    return (
        *artifact,
        Statement(
            "BatchPullModelImage",
            ("ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"),
            (ecr_repository_arn(part.image),),
        ),
        Statement(
            "BatchListInput",
            ("s3:ListBucket",),
            (i,),
            (("StringLike", "s3:prefix", (f"{part.input.prefix}*",)),),
            comment="the transform job lists its input prefix",
        ),
        Statement("BatchReadInput", ("s3:GetObject",), (_under(i, part.input.prefix),)),
        Statement(
            "BatchWriteOutput",
            ("s3:PutObject", "s3:AbortMultipartUpload"),
            (_under(o, part.output.prefix),),
            comment="results are uploaded in parts",
        ),
    )


def _nulls(value: Any) -> Any:
    # ASL's "ResultPath": null discards a state's result; the HCL filter refuses None, so it is spelled out.
    if value is None:
        return Ref("null")
    if isinstance(value, dict):
        return {k: _nulls(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_nulls(v) for v in value]
    return value


# The definition's settings, each the module variable that holds it; the partition is the module's.
_SETTINGS = {
    "partition": PARTITION,
    "job_name_prefix": Ref("var.name"),
    "model_name": Ref("aws_sagemaker_model.this.name"),
    "instance_type": Ref("var.transform.instance_type"),
    "instance_count": Ref("var.transform.instance_count"),
    "batch_strategy": Ref("var.transform.batch_strategy"),
    "max_payload_mb": Ref("var.transform.max_payload_mb"),
    "split_type": Ref("var.transform.split_type"),
    "assemble_with": Ref("var.transform.assemble_with"),
    "content_type": Ref("var.transform.content_type"),
    "accept": Ref("var.transform.accept"),
}
_MARK = re.compile("\x00([a-z_]+)\x00")


def _variables(value: Any) -> Any:
    """Each setting's mark in the library's output → its variable (a string that holds one, a template)."""
    if isinstance(value, str) and _MARK.search(value):
        parts = [p if i % 2 == 0 else _SETTINGS[p] for i, p in enumerate(_MARK.split(value))]
        if parts[0] == "" and parts[-1] == "" and len(parts) == 3:
            return parts[1]
        return Interp(*(p for p in parts if p != ""))
    if isinstance(value, dict):
        return {k: _variables(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_variables(v) for v in value]
    return value


def state_machine_definition() -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """The library's definition as the module writes it, the transform's output settings but Accept and
    its resources but the volume's KMS key.

    Its settings are the module's variables, the Lambdas' ARNs and the KMS key the module's references.
    The library checks a definition's values when it is built from them (:class:`asl.BatchDefinition`);
    the config's own rules check the config's values, and the module's definition is built around a
    mark for each setting instead (a string the library only places), then each mark becomes its
    variable. Accept is the one setting the library leaves out when it is absent (the container's
    default): the definition's TransformOutput is ``local.transform_output``, these settings with Accept
    added only when ``var.transform.accept`` is set. The TransformResources it returns have no
    VolumeKmsKeyId: the module adds the key when ``var.transform.encrypt_volume`` (not on instance types
    with local NVMe storage, where SageMaker refuses one)."""
    spec = object.__new__(asl.BatchDefinition)  # marks, not values: nothing to check
    for f in dataclasses.fields(asl.BatchDefinition):
        object.__setattr__(spec, f.name, f"\x00{f.name}\x00" if f.name in _SETTINGS else None)
    object.__setattr__(spec, "validate_function_arn", Ref("aws_lambda_function.validate.arn"))
    object.__setattr__(spec, "notify", asl.Lambda(Ref("aws_lambda_function.notify.arn")))  # type: ignore[arg-type]
    object.__setattr__(spec, "output_kms_key", Ref("var.kms_key_arn"))
    object.__setattr__(spec, "volume_kms_key", Ref("var.kms_key_arn"))
    data = _nulls(_variables(asl.definition(spec)))
    parameters = data["States"]["Transform"]["Parameters"]
    output = dict(parameters["TransformOutput"])
    assert output.pop("Accept") == Ref("var.transform.accept")
    parameters["TransformOutput"] = Ref("local.transform_output")
    # VolumeKmsKeyId likewise, only where the instance type has an EBS volume (local.transform_resources).
    resources = dict(parameters["TransformResources"])
    assert resources.pop("VolumeKmsKeyId") == Ref("var.kms_key_arn")
    parameters["TransformResources"] = Ref("local.transform_resources")
    return data, output, resources


class Batch(Component):
    name = "batch"
    providers = (AWS, ARCHIVE)  # the Lambda package is zipped by archive_file at plan time

    def build(self, request: PlanRequest, parts: Mapping[str, object]) -> BatchPlan | None:
        return batch_plan(request)

    def contribute(self, part: BatchPlan, sinks: Sinks) -> None:
        sinks.add_key_policy(logs_key_statement(part.region))
        sinks.add_role_statements("sagemaker", sagemaker_statements(part))
        if part.in_vpc:
            sinks.security_groups.request("batch", "mlinfra batch Lambdas", by=self.name)
            # What the Lambdas call from their subnets: ValidateInput and the notifier list and read S3
            # (through the gateway endpoint), the notifier publishes to SNS. Step Functions invokes them
            # and runs the transform job from outside the VPC; S3 and SNS call KMS themselves; logs and
            # traces leave through the Lambda service, not the functions' network interfaces.
            sinks.vpc_endpoints.add("sns", by=self.name)

    def exports(self, part: BatchPlan) -> list[Export]:
        return [
            Export(
                "batch.state_machine_arn",
                "batch",
                Output("state_machine_arn", "ARN of the batch state machine.", Ref("aws_sfn_state_machine.this.arn")),
            ),
            Export(
                "batch.topic_arn",
                "batch",
                Output("topic_arn", "ARN of the batch notifications topic.", Ref("aws_sns_topic.this.arn")),
            ),
            Export(
                "batch.input_uri",
                "batch",
                Output("input_uri", "S3 URI batch runs read by default.", Ref("local.input_uri")),
            ),
            Export(
                "batch.output_uri",
                "batch",
                Output("output_uri", "S3 URI batch runs write by default.", Ref("local.output_uri")),
            ),
        ]

    def modules(self, part: BatchPlan, wire: Wire, sinks: Sinks) -> list[ModuleContext]:
        b = part.config
        names = _names(part)
        definition, transform_output, transform_resources = state_machine_definition()
        created = {bucket.key: bucket.name is None for bucket in (part.input, part.output)}
        skips = []
        if not part.in_vpc:
            skips.append(("CKV_AWS_117", "the batch Lambdas reach only S3 and SNS, through their public endpoints"))
        return [
            ModuleContext(
                key="batch",
                template="batch",
                summary="Batch transform: input/output buckets, the batch model, ValidateInput and notifier Lambdas, SNS topic and the Step Functions state machine.",
                inputs={
                    "kms_key_arn": wire.need("kms.key_arn"),
                    "execution_role_arn": wire.need("sagemaker_role.arn"),
                    "name": Input(
                        part.name,
                        "Name of the state machine, its SNS topic and schedule; the transform jobs are named <name>-<execution name>.",
                    ),
                    "names": Input(
                        names,
                        "Names of the Lambdas (and of their roles: their log groups are /aws/lambda/<function name>), the state machine's role and log group, and the scheduler's role.",
                        _NAMES,
                    ),
                    "input": Input(
                        _bucket(part.input),
                        "Where runs read by default: an existing bucket, or (bucket null) one created here, named name_prefix and the account ID; prefix: the key prefix.",
                        _INPUT,
                    ),
                    "output": Input(
                        {**_bucket(part.output), "expire_days": part.output.expire_days},
                        "Where runs write by default, as var.input; the objects of a bucket created here expire after expire_days.",
                        _OUTPUT,
                    ),
                    "model": Input(
                        {
                            "name": part.model_name,
                            "image": part.image,
                            # null: the image carries the model (batch transform takes no ModelDataSource).
                            "model_data_url": or_null(part.model_data_url),
                            "environment": dict(part.environment),
                            "network_isolation": part.network_isolation,
                            "tags": dict(part.model_tags),
                        },
                        "The SageMaker model the transform jobs run (models are immutable: a new version is a new model); tags: the model version's own.",
                        _MODEL,
                    ),
                    "transform": Input(
                        {
                            "instance_type": b.instance_type,
                            "instance_count": b.instance_count,
                            "batch_strategy": b.strategy,
                            "max_payload_mb": b.max_payload_mb,
                            "split_type": b.split_type,
                            "assemble_with": b.assemble_with,
                            "content_type": b.content_type,
                            "accept": or_null(b.accept),
                            "encrypt_volume": not LOCAL_STORAGE.match(b.instance_type),
                        },
                        "The transform jobs' settings (CreateTransformJob); accept null: the container's default output type; encrypt_volume false on instance types with local NVMe storage (SageMaker refuses a volume KMS key there, the hardware encrypts).",
                        _TRANSFORM,
                    ),
                    "log_retention_days": Input(
                        b.log_retention_days,
                        "Retention of the Lambdas' and the state machine's logs, in days.",
                        "number",
                    ),
                    "subscribers": subscribers_input(part.subscribers, "the notifications topic"),
                    "schedule": Input(
                        or_null(b.schedule),
                        "EventBridge Scheduler expression of runs over the default input and output; null: none.",
                    ),
                    "schedule_timezone": Input(
                        b.schedule_timezone, "IANA time zone of the schedule's cron expression."
                    ),
                    "vpc_config": Input(
                        {
                            "subnet_ids": wire.ref("network.private_subnet_ids"),
                            "security_group_ids": [wire.ref("network.security_group.batch")],
                        }
                        if part.in_vpc
                        else NULL,
                        "Subnets and security groups the Lambdas run in; null outside a VPC.",
                        _VPC,
                    ),
                },
                outputs=(),
                values={
                    "definition": definition,
                    "transform_output": transform_output,
                    "transform_resources": transform_resources,
                    "sfn_statements": _SFN_STATEMENTS,
                    "validate_statements": _VALIDATE_STATEMENTS,
                    "notify_statements": _NOTIFY_STATEMENTS,
                    "package": LAMBDA_PACKAGE,
                },
                files=part.package,
                providers=self.providers,
                checkov_skips=tuple(skips),
                instances={
                    "local.input_buckets": int(created["input"]),
                    "local.output_buckets": int(created["output"]),
                    "local.in_vpc": int(part.in_vpc),
                    "local.scheduled": int(b.schedule is not None),
                    "var.subscribers": len(part.subscribers),
                },
                moved_at_root=_moved(part, created),
            )
        ]

    def root_outputs(self, part: BatchPlan) -> list[RootOutput]:
        return [
            RootOutput(
                "batch_state_machine_arn",
                "ARN of the batch state machine (mlinfra batch submit starts it).",
                "batch.state_machine_arn",
            ),
            RootOutput("batch_input_uri", "Default input of batch runs.", "batch.input_uri"),
            RootOutput("batch_output_uri", "Default output of batch runs.", "batch.output_uri"),
        ]


_NAMES = object_type(
    validate_function="string",
    notify_function="string",
    validate_role="string",
    notify_role="string",
    state_machine_role="string",
    state_machine_log_group="string",
    scheduler_role="string",
)
_BUCKET = {"bucket": "string", "name_prefix": "string", "prefix": "string"}
_INPUT = object_type(**_BUCKET)
_OUTPUT = object_type(**_BUCKET, expire_days="number")
_MODEL = object_type(
    name="string",
    image="string",
    model_data_url="string",
    environment="map(string)",
    network_isolation="bool",
    tags="map(string)",
)
_TRANSFORM = object_type(
    instance_type="string",
    instance_count="number",
    batch_strategy="string",
    max_payload_mb="number",
    split_type="string",
    assemble_with="string",
    content_type="string",
    accept="string",
    encrypt_volume="bool",
)
_VPC = object_type(subnet_ids="list(string)", security_group_ids="list(string)")


def _names(part: BatchPlan) -> dict[str, object]:
    return {
        "validate_function": f"{part.name}-validate",
        "notify_function": f"{part.name}-notify",
        # IAM names are per account, the functions' and the state machine's per region: the roles carry
        # the region's code.
        "validate_role": f"{part.role_prefix}-validate",
        "notify_role": f"{part.role_prefix}-notify",
        "state_machine_role": f"{part.role_prefix}-states",
        # Step Functions' log deliveries need a name under /aws/vendedlogs/ (its resource policy size limit).
        "state_machine_log_group": f"/aws/vendedlogs/states/{part.name}",
        "scheduler_role": f"{part.role_prefix}-scheduler",
    }


def _bucket(bucket: BucketPlan) -> dict[str, object]:
    return {
        "bucket": or_null(bucket.name),
        "name_prefix": bucket.name_prefix if bucket.name is None else NULL,
        "prefix": bucket.prefix,
    }


def _moved(part: BatchPlan, created: Mapping[str, bool]) -> tuple[tuple[str, str], ...]:
    """Earlier renders wrote the module's optional objects only when the config had them, and one block
    per subscription: they are count and for_each instances now."""
    out = []
    for key in ("input", "output"):
        if created[key]:
            out += [(f"{kind}.{key}", f"{kind}.{key}[0]") for kind in _BUCKET_RESOURCES]
    if part.in_vpc:
        out += [
            (f"aws_iam_role_policy_attachment.{fn}_vpc", f"aws_iam_role_policy_attachment.{fn}_vpc[0]")
            for fn in ("validate", "notify")
        ]
    out += subscription_moves(part.subscribers)
    if part.config.schedule is not None:
        out += [
            (a, f"{a}[0]")
            for a in ("aws_iam_role.scheduler", "aws_iam_role_policy.scheduler", "aws_scheduler_schedule.this")
        ]
    return tuple(out)


_BUCKET_RESOURCES = (
    "aws_s3_bucket",
    "aws_s3_bucket_public_access_block",
    "aws_s3_bucket_ownership_controls",
    "aws_s3_bucket_versioning",
    "aws_s3_bucket_server_side_encryption_configuration",
    "aws_s3_bucket_lifecycle_configuration",
    "aws_s3_bucket_policy",
)


def _bucket_statements(key: str) -> tuple[Ref, Interp, Interp]:
    """A default bucket's ARN, the ARN of its objects under the prefix, and the prefix as s3:prefix matches it."""
    arn = Ref(f"local.{key}_bucket_arn")
    return arn, Interp(arn, "/", Ref(f"var.{key}.prefix"), "*"), Interp(Ref(f"var.{key}.prefix"), "*")


def _logs_and_xray(function: str) -> tuple[Statement, ...]:
    return (
        Statement(
            "Logs",
            ("logs:CreateLogStream", "logs:PutLogEvents"),
            (Interp(Ref(f"aws_cloudwatch_log_group.{function}.arn"), ":*"),),
        ),
        # X-Ray's trace APIs take no resource: AWS requires "*".
        Statement("Tracing", ("xray:PutTraceSegments", "xray:PutTelemetryRecords"), ("*",)),
    )


_IN, _IN_OBJECTS, _IN_PREFIX = _bucket_statements("input")
_OUT, _, _OUT_PREFIX = _bucket_statements("output")
_SFN_STATEMENTS = step_functions_statements(
    partition=PARTITION,
    region=REGION,
    account=ACCOUNT,
    job_name_prefix=Ref("var.name"),
    execution_role_arn=Ref("var.execution_role_arn"),
    function_arns=(Ref("aws_lambda_function.validate.arn"), Ref("aws_lambda_function.notify.arn")),
)
_VALIDATE_STATEMENTS = (
    Statement("ListInput", ("s3:ListBucket",), (_IN,), (("StringLike", "s3:prefix", (_IN_PREFIX,)),)),
    Statement("ReadInput", ("s3:GetObject",), (_IN_OBJECTS,)),
    Statement(
        "DecryptInput",
        ("kms:Decrypt",),
        (Ref("var.kms_key_arn"),),
        comment="the input objects are SSE-KMS encrypted",
    ),
    *_logs_and_xray("validate"),
)
_NOTIFY_STATEMENTS = (
    Statement("Publish", ("sns:Publish",), (Ref("aws_sns_topic.this.arn"),)),
    Statement(
        "EncryptMessages",
        ("kms:GenerateDataKey", "kms:Decrypt"),
        (Ref("var.kms_key_arn"),),
        comment="the topic is encrypted with the platform key",
    ),
    Statement(
        "ListOutput",
        ("s3:ListBucket",),
        (_OUT,),
        (("StringLike", "s3:prefix", (_OUT_PREFIX,)),),
        comment="the message counts the output objects",
    ),
    *_logs_and_xray("notify"),
)
