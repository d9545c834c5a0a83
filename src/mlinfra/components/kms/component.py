"""The platform's customer-managed KMS key: every other component encrypts with it (``kms.key_arn``);
services that must use it themselves add statements to its key policy (``sinks.key_policy``)."""

from __future__ import annotations

from collections.abc import Mapping

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
)
from ...expr import Ref
from ...plan.parts import KMS, KmsPlan
from .plan import kms_plan


class Kms(Component):
    name = KMS.name

    def build(self, request: PlanRequest, parts: Mapping[str, object]) -> KmsPlan:
        return kms_plan(request.prefix)

    def exports(self, part: KmsPlan) -> list[Export]:
        return [
            Export(
                "kms.key_arn", "kms", Output("key_arn", "ARN of the platform KMS key.", Ref("aws_kms_key.this.arn"))
            ),
            Export(
                "kms.key_id", "kms", Output("key_id", "ID of the platform KMS key.", Ref("aws_kms_key.this.key_id"))
            ),
            Export(
                "kms.alias_name",
                "kms",
                Output("alias_name", "Alias of the platform KMS key.", Ref("aws_kms_alias.this.name")),
            ),
        ]

    def modules(self, part: KmsPlan, wire: Wire, sinks: Sinks) -> list[ModuleContext]:
        return [
            ModuleContext(
                key="kms",
                template="kms",
                summary="The platform's customer-managed KMS key (rotation on) and its alias.",
                inputs={
                    "alias": Input(part.alias, "Alias of the key (alias/...)."),
                    "description": Input(part.description, "Description of the key: what it encrypts."),
                    "service_statements": Input(
                        [statement_object(st, principals=True) for st in sinks.key_policy],
                        "Key policy statements of the AWS services that encrypt with the key themselves (beside the account's).",
                        statements_type(principals=True),
                    ),
                },
                outputs=(),
            )
        ]

    def root_outputs(self, part: KmsPlan) -> list[RootOutput]:
        return [RootOutput("kms_key_arn", "ARN of the platform KMS key.", "kms.key_arn")]
