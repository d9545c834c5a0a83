"""The batch transform pipeline: input and output buckets, the batch model, the ValidateInput and notifier
Lambdas, the SNS topic and the Step Functions state machine ``<project>-<env>-batch`` (what
``mlinfra batch submit`` starts), optionally on an EventBridge Scheduler schedule.

The state machine's definition is :func:`mlinfra.batch.definition.definition`'s dict with Terraform
references in place of the ARNs, rendered as an HCL object and serialised by ``jsonencode``: never text.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ...batch import definition as asl
from ...batch.iam import step_functions_statements
from ...core.arns import ACCOUNT, PARTITION, REGION, ecr_repository_arn, s3_arn
from ...core.component import (
    ARCHIVE,
    AWS,
    Component,
    Export,
    ModuleContext,
    Output,
    PlanRequest,
    RootOutput,
    Sinks,
    Wire,
)
from ...core.lambdas import LAMBDA_PACKAGE
from ...core.logs import logs_key_statement
from ...expr import Interp, Ref
from ...plan.model import Statement
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


def state_machine_definition(part: BatchPlan, partition: str | Ref = "aws") -> dict[str, Any]:
    """The library's definition with the module's Lambda ARNs and KMS key as Terraform references."""
    b = part.config
    spec = asl.BatchDefinition(
        partition="aws",  # placeholder for the validation only: the ARNs below take the module's partition
        job_name_prefix=part.name,
        model_name=part.model_name,
        instance_type=b.instance_type,
        instance_count=b.instance_count,
        validate_function_arn=Ref("aws_lambda_function.validate.arn"),  # type: ignore[arg-type]
        notify=asl.Lambda(Ref("aws_lambda_function.notify.arn")),  # type: ignore[arg-type]
        batch_strategy=b.strategy,
        max_payload_mb=b.max_payload_mb,
        split_type=b.split_type,
        assemble_with=b.assemble_with,
        content_type=b.content_type,
        accept=b.accept,
        output_kms_key=Ref("var.kms_key_arn"),  # type: ignore[arg-type]
        volume_kms_key=Ref("var.kms_key_arn"),  # type: ignore[arg-type]
    )
    data = asl.definition(spec)
    if isinstance(partition, Ref):
        for state in data["States"].values():
            if "Resource" in state:
                _, _, rest = state["Resource"].partition("arn:aws:")
                state["Resource"] = Interp("arn:", partition, ":" + rest)
    return _nulls(data)


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
        sfn = step_functions_statements(
            partition=PARTITION,
            region=REGION,
            account=ACCOUNT,
            job_name_prefix=part.name,
            execution_role_arn=Ref("var.execution_role_arn"),
            function_arns=(Ref("aws_lambda_function.validate.arn"), Ref("aws_lambda_function.notify.arn")),
        )
        i, o = _bucket_arn(part.input, PARTITION, ACCOUNT), _bucket_arn(part.output, PARTITION, ACCOUNT)
        validate = (
            Statement(
                "ListInput", ("s3:ListBucket",), (i,), (("StringLike", "s3:prefix", (f"{part.input.prefix}*",)),)
            ),
            Statement("ReadInput", ("s3:GetObject",), (_under(i, part.input.prefix),)),
            Statement(
                "DecryptInput",
                ("kms:Decrypt",),
                (Ref("var.kms_key_arn"),),
                comment="the input objects are SSE-KMS encrypted",
            ),
            *_logs_and_xray("validate"),
        )
        notify = (
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
                (o,),
                (("StringLike", "s3:prefix", (f"{part.output.prefix}*",)),),
                comment="the message counts the output objects",
            ),
            *_logs_and_xray("notify"),
        )
        return [
            ModuleContext(
                key="batch",
                template="batch",
                summary="Batch transform: input/output buckets, the batch model, ValidateInput and notifier Lambdas, SNS topic and the Step Functions state machine.",
                inputs={
                    "kms_key_arn": wire.need("kms.key_arn"),
                    "execution_role_arn": wire.need("sagemaker_role.arn"),
                    **(
                        {
                            "subnet_ids": wire.need(
                                "network.private_subnet_ids", "Private subnets the Lambdas run in.", "list(string)"
                            ),
                            "security_group_id": wire.need(
                                "network.security_group.batch", "Security group of the Lambdas."
                            ),
                        }
                        if part.in_vpc
                        else {}
                    ),
                },
                outputs=(),
                values={
                    "b": part,
                    "names": _names(part),
                    "cfg": part.config,
                    "definition": state_machine_definition(part, PARTITION),
                    "sfn_statements": sfn,
                    "validate_statements": validate,
                    "notify_statements": notify,
                },
                files=part.package,
                providers=self.providers,
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


def _names(part: BatchPlan) -> dict[str, object]:
    def uri(bucket: BucketPlan) -> Interp:
        return Interp("s3://", Ref(f"local.{bucket.key}_bucket"), f"/{bucket.prefix}")

    names: dict[str, object] = {
        "input_uri": uri(part.input),
        "output_uri": uri(part.output),
        "states_log_group": f"/aws/vendedlogs/states/{part.name}",
        "states_role": f"{part.name}-states",
        "scheduler_role": f"{part.name}-scheduler",
    }
    for bucket in (part.input, part.output):
        names[bucket.key] = Interp(bucket.name_prefix, ACCOUNT)
    for fn in ("validate", "notify"):
        names[fn] = {
            "function": f"{part.name}-{fn}",
            "log_group": f"/aws/lambda/{part.name}-{fn}",
            "handler": f"{LAMBDA_PACKAGE}.batch_{fn}.handler",
        }
    return names


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
