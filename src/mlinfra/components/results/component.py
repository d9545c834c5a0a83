"""DynamoDB table of predictions."""

from __future__ import annotations

from collections.abc import Mapping

from ...core.component import Component, Export, Input, ModuleContext, Output, PlanRequest, RootOutput, Sinks, Wire
from ...expr import Ref
from ...plan.parts import RESULTS, ResultsPlan
from .plan import results_plan


class Results(Component):
    name = RESULTS.name

    def build(self, request: PlanRequest, parts: Mapping[str, object]) -> ResultsPlan | None:
        return results_plan(request.config, request.prefix)

    def exports(self, part: ResultsPlan) -> list[Export]:
        return [
            Export(
                "results.table_name",
                "results",
                Output("table_name", "Name of the predictions table.", Ref("aws_dynamodb_table.this.name")),
            ),
            Export(
                "results.table_arn",
                "results",
                Output("table_arn", "ARN of the predictions table.", Ref("aws_dynamodb_table.this.arn")),
            ),
        ]

    def modules(self, part: ResultsPlan, wire: Wire, sinks: Sinks) -> list[ModuleContext]:
        return [
            ModuleContext(
                key="results",
                template="results",
                summary="DynamoDB table of predictions (on demand, TTL, point-in-time recovery, KMS).",
                inputs={
                    "kms_key_arn": wire.need("kms.key_arn"),
                    "table_name": Input(part.table_name, "Name of the predictions table."),
                    "hash_key": Input(
                        part.hash_key, "Partition key of the table (the preprocessing Lambdas' cache key)."
                    ),
                    "ttl_attribute": Input(
                        part.ttl_attribute, "Attribute holding each item's expiry, in epoch seconds."
                    ),
                    "point_in_time_recovery": Input(
                        True, "Keep continuous backups (35 days of point-in-time recovery).", "bool"
                    ),
                },
                outputs=(),
            )
        ]

    def root_outputs(self, part: ResultsPlan) -> list[RootOutput]:
        return [RootOutput("results_table", "DynamoDB table of predictions.", "results.table_name")]
