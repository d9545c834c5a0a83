"""The SageMaker execution role. It owns no grants of its own: the components whose SageMaker resources
run as it contribute their statements (``sinks.roles["sagemaker"]``)."""

from __future__ import annotations

from collections.abc import Mapping

from ...core.arns import AT_ROOT
from ...core.component import (
    Component,
    Export,
    Input,
    ModuleContext,
    Output,
    PlanRequest,
    RootOutput,
    Sinks,
    Wire,
    statement_object,
    statements_type,
    variables_in,
)
from ...expr import Ref
from ...plan.parts import ROLE, RolePlan
from .plan import role_plan


class SagemakerRole(Component):
    name = ROLE.name

    def build(self, request: PlanRequest, parts: Mapping[str, object]) -> RolePlan:
        return role_plan(request.prefix, request.config.project.region)

    def exports(self, part: RolePlan) -> list[Export]:
        return [
            Export(
                "sagemaker_role.arn",
                "sagemaker_role",
                # Models, transform jobs and inference components handed the ARN before the policy exists
                # fail CreateModel ("Could not access model data") on the first apply.
                Output(
                    "arn",
                    "ARN of the SageMaker execution role, once its policy is attached.",
                    Ref("aws_iam_role.this.arn"),
                    depends_on=(Ref("aws_iam_role_policy.this"),),
                ),
            ),
            Export(
                "sagemaker_role.name",
                "sagemaker_role",
                Output("name", "Name of the SageMaker execution role.", Ref("aws_iam_role.this.name")),
            ),
        ]

    def modules(self, part: RolePlan, wire: Wire, sinks: Sinks) -> list[ModuleContext]:
        statements = tuple(sinks.roles.get("sagemaker", ()))
        wired = {"var.kms_key_arn": wire.ref("kms.key_arn")}
        if "capture_bucket_arn" in variables_in(statements):
            wired["var.capture_bucket_arn"] = wire.ref("capture_bucket.arn")
        # The statements' values at the call site: what contributors wrote as the module's own names.
        at_call = {**AT_ROOT, **wired}
        inputs = {
            "statements": Input(
                [statement_object(st, at_call) for st in statements],
                "Statements of the role's permissions policy (least privilege: each names the artifacts, images, "
                "capture prefixes, log groups and key the endpoints use).",
                statements_type(),
            )
        }
        return [
            ModuleContext(
                key="sagemaker_role",
                template="sagemaker_role",
                summary="The SageMaker execution role, granted exactly the model artifacts, images, capture prefixes and key it needs.",
                inputs=inputs,
                outputs=(),
                values={"role": part},
            )
        ]

    def root_outputs(self, part: RolePlan) -> list[RootOutput]:
        return [
            RootOutput("sagemaker_execution_role_arn", "ARN of the SageMaker execution role.", "sagemaker_role.arn")
        ]
