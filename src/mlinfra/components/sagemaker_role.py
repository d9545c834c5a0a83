"""The SageMaker execution role. It owns no grants of its own: the components whose SageMaker resources
run as it contribute their statements (``sinks.roles["sagemaker"]``)."""

from __future__ import annotations

from collections.abc import Mapping

from ..expr import Ref
from ..plan.build import role_plan
from ..plan.model import RolePlan
from .base import Component, Export, ModuleContext, Output, PlanRequest, RootOutput, Sinks, Wire, variables_in


class SagemakerRole(Component):
    name = "sagemaker_role"

    def build(self, request: PlanRequest, parts: Mapping[str, object]) -> RolePlan:
        return role_plan(request.prefix)

    def exports(self, part: RolePlan) -> list[Export]:
        return [
            Export("sagemaker_role.arn", "sagemaker_role", Output("arn", "ARN of the SageMaker execution role.", Ref("aws_iam_role.this.arn"))),
            Export("sagemaker_role.name", "sagemaker_role", Output("name", "Name of the SageMaker execution role.", Ref("aws_iam_role.this.name"))),
        ]

    def modules(self, part: RolePlan, wire: Wire, sinks: Sinks) -> list[ModuleContext]:
        statements = tuple(sinks.roles.get("sagemaker", ()))
        inputs = {"kms_key_arn": wire.need("kms.key_arn")}
        if "capture_bucket_arn" in variables_in(statements):
            inputs["capture_bucket_arn"] = wire.need(
                "capture_bucket.arn", "ARN of the data capture bucket; the role may write only below each endpoint's capture prefix."
            )
        return [
            ModuleContext(
                key="sagemaker_role",
                template="sagemaker_role",
                summary="The SageMaker execution role, granted exactly the model artifacts, images, capture prefixes and key it needs.",
                inputs=inputs,
                outputs=(),
                values={"role": part, "statements": statements},
            )
        ]

    def root_outputs(self, part: RolePlan) -> list[RootOutput]:
        return [RootOutput("sagemaker_execution_role_arn", "ARN of the SageMaker execution role.", "sagemaker_role.arn")]
