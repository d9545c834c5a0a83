"""API Gateway REST API: routes with request validation, Lambda integrations, stage, usage plans, keys."""

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
    object_type,
)
from ...expr import Ref
from ...plan.parts import API, PREPROCESSING, ApiPlan
from .plan import api_plan


class Api(Component):
    name = API.name

    def build(self, request: PlanRequest, parts: Mapping[str, object]) -> ApiPlan | None:
        if PREPROCESSING.of(parts) is None:
            return None  # every route goes through its preprocessing Lambda
        return api_plan(request.config, request.prefix, request.base_dir)

    def contribute(self, part: ApiPlan, sinks: Sinks) -> None:
        for st in part.key_policy:
            sinks.add_key_policy(st)

    def exports(self, part: ApiPlan) -> list[Export]:
        return [
            Export(
                "api.rest_api_id",
                "api",
                Output("rest_api_id", "ID of the REST API.", Ref("aws_api_gateway_rest_api.this.id")),
            ),
            Export(
                "api.stage_name",
                "api",
                Output("stage_name", "Name of the deployed stage.", Ref("aws_api_gateway_stage.this.stage_name")),
            ),
            Export(
                "api.invoke_url",
                "api",
                Output("invoke_url", "Invoke URL of the stage.", Ref("aws_api_gateway_stage.this.invoke_url")),
            ),
            Export(
                "api.execution_arn",
                "api",
                Output(
                    "execution_arn",
                    "Execution ARN of the REST API (of the Lambdas' invoke permissions).",
                    Ref("aws_api_gateway_rest_api.this.execution_arn"),
                ),
            ),
            Export(
                "api.api_keys",
                "api",
                Output("api_keys", "API key values by key name.", Ref("local.api_keys"), sensitive=True),
            ),
        ]

    def modules(self, part: ApiPlan, wire: Wire, sinks: Sinks) -> list[ModuleContext]:
        # No output of the preprocessing module: each route names its function (the config knows the name),
        # which keeps the API's inputs a few references deep, so that checkov expands its for_each.
        inputs = {"kms_key_arn": wire.need("kms.key_arn")}
        inputs["routes"] = Input(
            {m.key: {"path": m.path, "resource": m.resource, "function_name": m.function_name} for m in part.methods},
            "The routes (POST), by route key: the path, the resource of the path tree it is on and the name of its Lambda.",
            "map(" + object_type(path="string", resource="string", function_name="string") + ")",
        )
        inputs["models"] = Input(
            {
                m.key: {
                    "name": m.model_name,
                    "description": f"Request body of POST {m.path}",
                    "schema_file": m.schema_file,
                }
                for m in part.methods
                if m.schema
            },
            "Request models (JSON Schema files of this module) of the routes that validate their body, by route key.",
            "map(" + object_type(name="string", description="string", schema_file="string") + ")",
        )
        return [
            ModuleContext(
                key="api",
                template="api",
                summary="API Gateway REST API: routes with request validation, Lambda integrations, stage, throttling, usage plans and API keys.",
                inputs=inputs,
                outputs=(),
                values={
                    "api": part,
                    "api_resource_ids": {
                        r.key: Ref(f"aws_api_gateway_resource.{r.key}.id")
                        for r in part.resources
                        if r.key in {m.resource for m in part.methods}
                    },
                },
                files={m.schema_file: m.schema for m in part.methods if m.schema_file and m.schema},
                instances={"var.routes": len(part.methods), "var.models": sum(1 for m in part.methods if m.schema)},
                moved=tuple(
                    (f"{kind}.{m.key}", f'{kind}.this["{m.key}"]')
                    for m in part.methods
                    for kind in (("aws_api_gateway_model",) if m.schema else ())
                    + ("aws_api_gateway_method", "aws_api_gateway_integration")
                ),
            )
        ]

    def root_outputs(self, part: ApiPlan) -> list[RootOutput]:
        out = []
        if not part.disable_execute_api_endpoint:
            out.append(
                RootOutput(
                    "api_invoke_url",
                    "Invoke URL of the API Gateway stage (prefer the custom domain).",
                    "api.invoke_url",
                )
            )
        out.append(
            RootOutput(
                "api_keys", "API key values by key name, for handing to clients.", "api.api_keys", sensitive=True
            )
        )
        return out
