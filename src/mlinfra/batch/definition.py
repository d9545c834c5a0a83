"""The batch pipeline's Step Functions state machine, as Amazon States Language data.

    ValidateInput (Lambda) ─▶ Transform (createTransformJob.sync) ─▶ NotifySuccess ─▶ Succeeded
          └─────────────── Catch States.ALL (ResultPath $.error) ─▶ NotifyFailure ─▶ Failed

:func:`definition` is pure: a typed :class:`BatchDefinition` in, a dict out; :func:`to_json` serialises it
(``json.dumps(sort_keys=True)``), so the text is never glued together and two renders are byte-identical.
An execution's input is ``{"inputS3Uri": "s3://…/", "outputS3Uri": "s3://…/"}``; the transform job is named
``<job_name_prefix>-<execution name>``, so the execution name must keep that within SageMaker's 63
characters (:func:`execution_name_limit`; ``mlinfra batch submit`` names executions to fit).

Function and topic ARNs are opaque strings (literal ARNs, or placeholders the Terraform side substitutes);
the partition is a parameter, so the service-integration ARNs are right in aws-cn and aws-us-gov too.
"""

from __future__ import annotations

import json
import re
from typing import Any, Literal

from ..records import record

#: SageMaker job names: ^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}. Ours are lower-case: SageMaker lower-cases job
#: ARNs, and the role's ``transform-job/<prefix>-*`` resource must match what IAM sees.
_PREFIX_RE = re.compile(r"^[a-z0-9](-*[a-z0-9])*$")
MAX_JOB_NAME = 63
PARTITIONS = ("aws", "aws-cn", "aws-us-gov", "aws-iso", "aws-iso-b", "aws-iso-e", "aws-iso-f", "aws-eusc")

#: The names of the error the ValidateInput Lambda raises (Step Functions names a Lambda error by its type).
INPUT_ERROR = "InvalidBatchInput"

BatchStrategy = Literal["MultiRecord", "SingleRecord"]
SplitType = Literal["Line", "RecordIO", "TFRecord", "None"]
AssembleWith = Literal["Line", "None"]

# Lambda's transient errors, as AWS's Lambda-integration guide lists them for a Retry.
_LAMBDA_TRANSIENT = [
    "Lambda.ServiceException",
    "Lambda.AWSLambdaException",
    "Lambda.SdkClientException",
    "Lambda.TooManyRequestsException",
]
# SageMaker rejects CreateTransformJob under throttling / transient faults with these; a failed *job* is
# States.TaskFailed and is not retried (it would fail again on the same data, and cost instance hours).
_SAGEMAKER_TRANSIENT = ["SageMaker.AmazonSageMakerException", "ThrottlingException"]


@record
class Lambda:
    """Notify through the notifier Lambda (it formats the message and publishes to SNS)."""

    function_arn: str


@record
class Sns:
    """Notify by publishing straight to an SNS topic (a fixed one-line message)."""

    topic_arn: str


@record
class BatchDefinition:
    """Everything the state machine needs; names and ARNs are decided by the caller (the planner)."""

    partition: str
    job_name_prefix: str  # e.g. "mlinfra-prod-batch"
    model_name: str  # the SageMaker model the transform job runs
    instance_type: str
    instance_count: int
    validate_function_arn: str
    notify: Lambda | Sns
    batch_strategy: BatchStrategy = "MultiRecord"
    max_payload_mb: int = 6
    split_type: SplitType = "Line"
    assemble_with: AssembleWith = "Line"
    content_type: str = "application/json"
    accept: str | None = None  # the output's MIME type; None: the container's default
    max_concurrent_transforms: int | None = None
    output_kms_key: str | None = None
    volume_kms_key: str | None = None

    def __post_init__(self) -> None:
        if self.partition not in PARTITIONS:
            raise ValueError(f"unknown partition {self.partition!r}")
        if not _PREFIX_RE.match(self.job_name_prefix) or execution_name_limit(self.job_name_prefix) < 8:
            raise ValueError(
                f"job name prefix {self.job_name_prefix!r}: lower-case letters, digits and dashes, at most {MAX_JOB_NAME - 9} characters"
            )
        if self.instance_count < 1:
            raise ValueError("instance_count must be at least 1")
        # CreateTransformJob: MaxPayloadInMB 0..100; with SingleRecord/MultiRecord it must exceed 0.
        if not 1 <= self.max_payload_mb <= 100:
            raise ValueError("max_payload_mb must be 1-100")
        # CreateTransformJob: the batch strategy needs records to split; the payload times the concurrency
        # must stay within 100 MB.
        if self.batch_strategy == "MultiRecord" and self.split_type == "None":
            raise ValueError("MultiRecord needs a split_type (Line, RecordIO or TFRecord) to make records of the input")
        if self.max_concurrent_transforms is not None and (
            self.max_concurrent_transforms < 1 or self.max_payload_mb * self.max_concurrent_transforms > 100
        ):
            raise ValueError("max_payload_mb × max_concurrent_transforms must be at most 100 (MB)")
        if not self.validate_function_arn:
            raise ValueError("validate_function_arn is empty")


def execution_name_limit(job_name_prefix: str) -> int:
    """The longest execution name whose transform job name (``prefix-name``) SageMaker accepts."""
    return MAX_JOB_NAME - len(job_name_prefix) - 1


def integration_arn(partition: str, service: str, api: str) -> str:
    """``arn:<partition>:states:::<service>:<api>`` (the optimised service integrations' ARNs)."""
    return f"arn:{partition}:states:::{service}:{api}"


def _backoff(errors: list[str], *, interval: int, attempts: int, rate: float = 2.0) -> dict[str, Any]:
    return {"ErrorEquals": list(errors), "IntervalSeconds": interval, "MaxAttempts": attempts, "BackoffRate": rate}


def _job_name(prefix: str) -> str:
    # The prefix is [a-z0-9-] only (checked above), so it needs no escaping inside the intrinsic's quotes.
    return f"States.Format('{prefix}-{{}}', $$.Execution.Name)"


def definition(spec: BatchDefinition) -> dict[str, Any]:
    """The state machine as a dict of Amazon States Language."""
    p = spec.partition
    lambda_invoke = integration_arn(p, "lambda", "invoke")
    job_name = _job_name(spec.job_name_prefix)

    validate = {
        "Type": "Task",
        "Comment": "The input prefix exists, holds objects, and its first lines parse as the content type says.",
        "Resource": lambda_invoke,
        "Parameters": {
            "FunctionName": spec.validate_function_arn,
            "Payload": {
                "inputS3Uri.$": "$.inputS3Uri",
                "outputS3Uri.$": "$.outputS3Uri",
                "contentType": spec.content_type,
                "splitType": spec.split_type,
                "jobName.$": job_name,
            },
        },
        "ResultSelector": {
            "objects.$": "$.Payload.objects",
            "bytes.$": "$.Payload.bytes",
            "sampledLines.$": "$.Payload.sampledLines",
        },
        "ResultPath": "$.validation",
        "Retry": [_backoff(_LAMBDA_TRANSIENT, interval=2, attempts=6)],
        "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "NotifyFailure"}],
        "Next": "Transform",
    }

    transform_input: dict[str, Any] = {
        "DataSource": {"S3DataSource": {"S3DataType": "S3Prefix", "S3Uri.$": "$.inputS3Uri"}},
        "ContentType": spec.content_type,
        "SplitType": spec.split_type,
    }
    transform_output: dict[str, Any] = {"S3OutputPath.$": "$.outputS3Uri", "AssembleWith": spec.assemble_with}
    if spec.accept is not None:
        transform_output["Accept"] = spec.accept
    if spec.output_kms_key is not None:
        transform_output["KmsKeyId"] = spec.output_kms_key
    resources: dict[str, Any] = {"InstanceType": spec.instance_type, "InstanceCount": spec.instance_count}
    if spec.volume_kms_key is not None:
        resources["VolumeKmsKeyId"] = spec.volume_kms_key
    parameters: dict[str, Any] = {
        "TransformJobName.$": job_name,
        "ModelName": spec.model_name,
        "TransformInput": transform_input,
        "TransformOutput": transform_output,
        "TransformResources": resources,
        "BatchStrategy": spec.batch_strategy,
        "MaxPayloadInMB": spec.max_payload_mb,
    }
    if spec.max_concurrent_transforms is not None:
        parameters["MaxConcurrentTransforms"] = spec.max_concurrent_transforms
    transform = {
        "Type": "Task",
        "Comment": "Runs the SageMaker batch transform job and waits for it (.sync: EventBridge reports its end).",
        "Resource": integration_arn(p, "sagemaker", "createTransformJob.sync"),
        "Parameters": parameters,
        "ResultPath": "$.transform",
        "Retry": [_backoff(_SAGEMAKER_TRANSIENT, interval=10, attempts=4)],
        "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "NotifyFailure"}],
        "Next": "NotifySuccess",
    }

    states = {
        "ValidateInput": validate,
        "Transform": transform,
        "NotifySuccess": _notify(spec, "SUCCEEDED", job_name, "Succeeded"),
        "NotifyFailure": _notify(spec, "FAILED", job_name, "Failed"),
        "Succeeded": {"Type": "Succeed"},
        "Failed": {
            "Type": "Fail",
            "Comment": "The cause was caught into $.error and sent with the failure notification.",
            "Error": "BatchTransformFailed",
            "Cause": "the batch pipeline failed: see the failure notification or the execution history",
        },
    }
    return {
        "Comment": f"Batch transform with {spec.model_name}: validate the input, run the job, notify.",
        "StartAt": "ValidateInput",
        "States": states,
    }


def _notify(spec: BatchDefinition, status: str, job_name: str, next_state: str) -> dict[str, Any]:
    state: dict[str, Any] = {"Type": "Task", "Retry": [], "Next": next_state}
    if isinstance(spec.notify, Lambda):
        state["Resource"] = integration_arn(spec.partition, "lambda", "invoke")
        state["Parameters"] = {
            "FunctionName": spec.notify.function_arn,
            "Payload": {
                "status": status,
                "executionName.$": "$$.Execution.Name",
                "executionStartTime.$": "$$.Execution.StartTime",
                "jobName.$": job_name,
                # The whole state: inputS3Uri, outputS3Uri, and validation / transform / error as far as
                # the run got (a JSONPath to a missing field would fail the notification itself).
                "state.$": "$",
            },
        }
        state["Retry"] = [_backoff(_LAMBDA_TRANSIENT, interval=2, attempts=6)]
    else:
        state["Resource"] = integration_arn(spec.partition, "sns", "publish")
        message = f"States.Format('Batch job {{}} {status}: input {{}}, output {{}}', {job_name}, $.inputS3Uri, $.outputS3Uri)"
        state["Parameters"] = {
            "TopicArn": spec.notify.topic_arn,
            "Subject": f"mlinfra batch {status.lower()}",
            "Message.$": message,
        }
        state["Retry"] = [
            _backoff(
                ["SNS.SdkClientException", "SNS.InternalErrorException", "SNS.ThrottledException"],
                interval=2,
                attempts=6,
            )
        ]
    state["ResultPath"] = None  # keep the state as it was: the notification's answer is not needed
    return state


def to_json(spec: BatchDefinition, *, indent: int | None = 2) -> str:
    """The definition as JSON text, keys sorted: the same input always gives the same bytes."""
    return json.dumps(definition(spec), sort_keys=True, indent=indent, ensure_ascii=False) + (
        "\n" if indent is not None else ""
    )
