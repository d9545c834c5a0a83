"""The preprocessing Lambdas, one per route, with their package (mlinfra's own handler code)."""

from __future__ import annotations

from collections.abc import Mapping

from ..expr import Ref
from ..plan import realtime
from ..plan.model import CachePlan, PreprocessingPlan, ResultsPlan
from .base import ARCHIVE, AWS, Component, Export, ModuleContext, Output, PlanRequest, Sinks, Wire


class Preprocessing(Component):
    name = "preprocessing"
    providers = (AWS, ARCHIVE)  # the package is zipped by archive_file at plan time

    def build(self, request: PlanRequest, parts: Mapping[str, object]) -> PreprocessingPlan | None:
        if not request.config.routes:
            return None
        cache, results = parts.get("cache"), parts.get("results")
        assert cache is None or isinstance(cache, CachePlan)
        assert results is None or isinstance(results, ResultsPlan)
        return realtime.preprocessing_plan(request.config, request.prefix, request.base_dir, realtime.lambda_sources(), cache, results)

    def contribute(self, part: PreprocessingPlan, sinks: Sinks) -> None:
        for st in part.key_policy:
            sinks.add_key_policy(st)

    def exports(self, part: PreprocessingPlan) -> list[Export]:
        out = []
        for f in part.functions:
            out.append(Export(f"preprocessing.{f.key}.function_name", "preprocessing", Output(f"{f.key}_function_name", f"Name of the Lambda behind {f.route}.", Ref(f"aws_lambda_function.{f.key}.function_name"))))
            out.append(Export(f"preprocessing.{f.key}.invoke_arn", "preprocessing", Output(f"{f.key}_invoke_arn", f"Invoke ARN of the Lambda behind {f.route}.", Ref(f"aws_lambda_function.{f.key}.invoke_arn"))))
        return out

    def modules(self, part: PreprocessingPlan, wire: Wire, sinks: Sinks) -> list[ModuleContext]:
        inputs = {"kms_key_arn": wire.need("kms.key_arn")}
        if wire.has("network.lambda_security_group_id"):
            inputs["security_group_id"] = wire.need("network.lambda_security_group_id", "Security group of the Lambdas.")
        if wire.has("cache.primary_endpoint"):
            inputs["cache_host"] = wire.need("cache.primary_endpoint", "Address of the prediction cache.")
            inputs["cache_auth_secret_arn"] = wire.need("cache.auth_secret_arn")
        if wire.has("results.table_arn"):
            inputs["results_table_arn"] = wire.need("results.table_arn")
        return [
            ModuleContext(
                key="preprocessing",
                template="preprocessing",
                summary="The preprocessing Lambdas (one per route), their roles, log groups and dead-letter queue.",
                inputs=inputs,
                outputs=(),
                values={"pre": part},
                files={f"package/{path}": text for path, text in part.package.items()},
                providers=self.providers,
            )
        ]
