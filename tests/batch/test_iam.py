"""The Step Functions role of the batch pipeline: AWS's documented statements for createTransformJob.sync."""

from __future__ import annotations

import pytest

from mlinfra.batch.iam import arn, policy_document, step_functions_statements
from mlinfra.render.hcl import Interp, Ref, hcl

ROLE = "arn:aws:iam::123456789012:role/mlinfra-prod-sagemaker"
VALIDATE = "arn:aws:lambda:us-east-1:123456789012:function:mlinfra-prod-batch-validate"
NOTIFY = "arn:aws:lambda:us-east-1:123456789012:function:mlinfra-prod-batch-notify"
TOPIC = "arn:aws:sns:us-east-1:123456789012:mlinfra-prod-batch"


def _doc(partition: str = "aws", topics: tuple[str, ...] = ()) -> dict:
    return policy_document(
        step_functions_statements(
            partition=partition,
            region="us-east-1",
            account="123456789012",
            job_name_prefix="mlinfra-prod-batch",
            execution_role_arn=ROLE,
            function_arns=(VALIDATE, NOTIFY),
            topic_arns=topics,
        )
    )


def test_exact_statements() -> None:
    assert _doc(topics=(TOPIC,))["Statement"] == [
        {
            "Sid": "TransformJobs",
            "Effect": "Allow",
            "Action": ["sagemaker:CreateTransformJob", "sagemaker:DescribeTransformJob", "sagemaker:StopTransformJob"],
            "Resource": ["arn:aws:sagemaker:us-east-1:123456789012:transform-job/mlinfra-prod-batch-*"],
        },
        {
            "Sid": "TransformJobTags",
            "Effect": "Allow",
            "Action": ["sagemaker:AddTags", "sagemaker:ListTags"],
            "Resource": ["arn:aws:sagemaker:us-east-1:123456789012:transform-job/mlinfra-prod-batch-*"],
        },
        {
            "Sid": "PassExecutionRole",
            "Effect": "Allow",
            "Action": ["iam:PassRole"],
            "Resource": [ROLE],
            "Condition": {"StringEquals": {"iam:PassedToService": ["sagemaker.amazonaws.com"]}},
        },
        {
            "Sid": "TransformJobEvents",
            "Effect": "Allow",
            "Action": ["events:DescribeRule", "events:PutRule", "events:PutTargets"],
            "Resource": ["arn:aws:events:us-east-1:123456789012:rule/StepFunctionsGetEventsForSageMakerTransformJobsRule"],
        },
        {"Sid": "InvokeFunctions", "Effect": "Allow", "Action": ["lambda:InvokeFunction"], "Resource": [VALIDATE, NOTIFY]},
        {"Sid": "PublishNotifications", "Effect": "Allow", "Action": ["sns:Publish"], "Resource": [TOPIC]},
    ]


@pytest.mark.parametrize("topics", [(), (TOPIC,)], ids=["lambda-notifier", "sns"])
def test_no_wildcard_action_or_resource(topics: tuple[str, ...]) -> None:
    statements = _doc(topics=topics)["Statement"]
    for s in statements:
        assert all("*" not in a for a in s["Action"]), s
        assert "*" not in s["Resource"], s
        # A wildcard only as the job-name prefix's tail, never inside service, region, account or type.
        for r in s["Resource"]:
            assert r.count("*") <= 1 and (r.count("*") == 0 or r.endswith("transform-job/mlinfra-prod-batch-*")), r
    assert any(s["Action"] == ["sns:Publish"] for s in statements) == bool(topics)


def test_partition_is_a_parameter() -> None:
    text = repr(_doc("aws-cn"))
    assert "arn:aws-cn:sagemaker:" in text and "arn:aws-cn:events:" in text and "arn:aws:sagemaker" not in text


def test_terraform_expressions_become_one_interpolation() -> None:
    statements = step_functions_statements(
        partition=Ref("data.aws_partition.current.partition"),
        region=Ref("data.aws_region.current.region"),
        account=Ref("data.aws_caller_identity.current.account_id"),
        job_name_prefix="mlinfra-prod-batch",
        execution_role_arn=Ref("var.execution_role_arn"),
        function_arns=(Ref("aws_lambda_function.validate.arn"),),
    )
    jobs = statements[0].resources[0]
    assert isinstance(jobs, Interp)
    assert hcl(jobs) == (
        '"arn:${data.aws_partition.current.partition}:sagemaker:${data.aws_region.current.region}:'
        '${data.aws_caller_identity.current.account_id}:transform-job/mlinfra-prod-batch-*"'
    )
    assert statements[2].resources == (Ref("var.execution_role_arn"),)
    with pytest.raises(TypeError):
        policy_document(statements)


def test_arn_joins_plain_strings() -> None:
    assert arn("arn:", "aws", ":s3:::bucket") == "arn:aws:s3:::bucket"
    assert arn("arn:", Ref("var.p"), "", ":x") == Interp("arn:", Ref("var.p"), ":x")
