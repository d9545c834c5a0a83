"""The Step Functions role's statements for the batch pipeline, exactly as AWS documents them.

Step Functions does not create this role for Terraform users; AWS's "IAM policies for Amazon SageMaker"
(Step Functions developer guide, CreateTransformJob, Run a Job (.sync)) lists what it generates:

- ``sagemaker:CreateTransformJob``, ``DescribeTransformJob``, ``StopTransformJob`` on
  ``transform-job/<prefix>*``;
- ``sagemaker:ListTags`` (AWS's template says ``*``; ListTags takes a resource ARN, so it is scoped here to
  the same job prefix: the integration reads only its own jobs' tags);
- ``iam:PassRole`` of the SageMaker execution role, conditioned on ``iam:PassedToService``;
- ``events:PutTargets``, ``PutRule``, ``DescribeRule`` on the managed rule
  ``StepFunctionsGetEventsForSageMakerTransformJobsRule`` (how ``.sync`` learns that the job ended).

One addition AWS's template lacks: ``sagemaker:AddTags`` on the same prefix. ``.sync`` tags the job it
creates (``MANAGED_BY_AWS=STARTED_BY_STEP_FUNCTIONS``) and SageMaker authorises tags on create separately,
so without it CreateTransformJob is denied (aws-cdk#26012, fixed in CDK by adding exactly this).

Plus ``lambda:InvokeFunction`` on exactly the functions the state machine calls and ``sns:Publish`` on
exactly its topics. Partition, region, account, the job name prefix and ARNs may be Terraform expressions
(:class:`Ref`): a resource is then an :class:`Interp`; with plain strings it is a plain string.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..plan.parts import Expr, Statement
from ..render.hcl import Interp, Ref

TRANSFORM_EVENTS_RULE = "StepFunctionsGetEventsForSageMakerTransformJobsRule"


def arn(*parts: str | Ref | Interp) -> Expr:
    """Join ARN parts: a plain string when every part is one, else one flat :class:`Interp`."""
    flat: list[str | Ref] = []
    for part in parts:
        if isinstance(part, Interp):
            flat.extend(part.parts)
        else:
            flat.append(part)
    if all(isinstance(x, str) for x in flat):
        return "".join(flat)  # type: ignore[arg-type]
    merged: list[str | Ref] = []
    for x in flat:
        if isinstance(x, str) and merged and isinstance(merged[-1], str):
            merged[-1] += x
        elif x != "":
            merged.append(x)
    return Interp(*merged)


def step_functions_statements(
    *,
    partition: str | Ref,
    region: str | Ref,
    account: str | Ref,
    job_name_prefix: str | Ref,
    execution_role_arn: Expr,
    function_arns: Sequence[Expr],
    topic_arns: Sequence[Expr] = (),
) -> tuple[Statement, ...]:
    """The statements of the batch state machine's role, in a stable order."""
    jobs = arn("arn:", partition, ":sagemaker:", region, ":", account, ":transform-job/", job_name_prefix, "-*")
    rule = arn("arn:", partition, ":events:", region, ":", account, f":rule/{TRANSFORM_EVENTS_RULE}")
    statements = [
        Statement(
            "TransformJobs",
            ("sagemaker:CreateTransformJob", "sagemaker:DescribeTransformJob", "sagemaker:StopTransformJob"),
            (jobs,),
            comment="createTransformJob.sync starts, polls and (when the execution is stopped) stops the job",
        ),
        Statement(
            "TransformJobTags",
            ("sagemaker:AddTags", "sagemaker:ListTags"),
            (jobs,),
            comment=".sync tags the job it creates; SageMaker authorises tag-on-create as AddTags",
        ),
        Statement(
            "PassExecutionRole",
            ("iam:PassRole",),
            (execution_role_arn,),
            conditions=(("StringEquals", "iam:PassedToService", ("sagemaker.amazonaws.com",)),),
        ),
        Statement(
            "TransformJobEvents",
            ("events:DescribeRule", "events:PutRule", "events:PutTargets"),
            (rule,),
            comment="the managed rule through which .sync learns that the job ended",
        ),
    ]
    if function_arns:
        statements.append(Statement("InvokeFunctions", ("lambda:InvokeFunction",), tuple(function_arns)))
    if topic_arns:
        statements.append(Statement("PublishNotifications", ("sns:Publish",), tuple(topic_arns)))
    return tuple(statements)


def policy_document(statements: Sequence[Statement]) -> dict[str, Any]:
    """An IAM policy document (plain strings only), e.g. for tests and for ``--json`` output."""
    out = []
    for s in statements:
        values = [*s.resources, *(v for _, _, vs in s.conditions for v in vs)]
        if not all(isinstance(v, str) for v in values):
            raise TypeError(f"{s.sid}: resources are Terraform expressions; render them through the templates")
        body: dict[str, Any] = {
            "Sid": s.sid,
            "Effect": "Allow",
            "Action": list(s.actions),
            "Resource": list(s.resources),
        }
        if s.conditions:
            cond: dict[str, dict[str, list[str]]] = {}
            for test, variable, vs in s.conditions:
                cond.setdefault(test, {})[variable] = list(vs)  # type: ignore[arg-type]
            body["Condition"] = cond
        out.append(body)
    return {"Version": "2012-10-17", "Statement": out}
