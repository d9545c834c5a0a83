"""API Gateway REST API: routes with request validation, Lambda integrations, stage, usage plans, keys.

The module's text is the same for every project: the config's values (the API's and stage's names, the
path tree, the routes, throttling, access logs, the account's logging role, usage plans and keys) are the
arguments of its call in the root, typed in its variables.tf. The path tree nests (a resource's parent is
another resource): one for_each block per depth, up to the most parts a route's path has
(:data:`~mlinfra.components.preprocessing.section.MAX_PATH_PARTS`), keyed by the path. The access log
group and the logging role are counts of 0 or 1; the root's moved blocks carry the objects of earlier
renders, which wrote them one by one, to these instances.
"""

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
from ...expr import NULL, Interp, Ref, or_null
from ...plan.parts import API, PREPROCESSING, ApiPlan
from ..preprocessing.section import MAX_PATH_PARTS
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
        inputs = {"kms_key_arn": wire.need("kms.key_arn")}
        inputs |= {
            "name": Input(part.name, "Name of the REST API."),
            "disable_execute_api_endpoint": Input(
                part.disable_execute_api_endpoint,
                "Switch off the default execute-api URL (clients come in through a regional custom domain only).",
                "bool",
            ),
            "region": Input(part.region, "Region of the routes' Lambdas (their invoke ARNs)."),
            "resources": Input(
                [{"path": r.path, "path_part": r.path_part, "parent": or_null(r.parent)} for r in part.resources],
                f"The path tree's resources, a parent before its children (the deployment hashes them in this order): the path (at most {MAX_PATH_PARTS} parts), its last part and the parent's path (null: the API's root).",
                "list(" + object_type(path="string", path_part="string", parent="string") + ")",
            ),
            # No output of the preprocessing module: each route names its function (the config knows the
            # name), which keeps the API's inputs a few references deep, so that checkov expands its for_each.
            "routes": Input(
                {m.key: {"path": m.path, "function_name": m.function_name} for m in part.methods},
                "The routes (POST), by route key: the path (a resource of the path tree) and the name of its Lambda.",
                "map(" + object_type(path="string", function_name="string") + ")",
            ),
            "models": Input(
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
            ),
            "stage": Input(part.stage, "Name of the stage."),
            "tracing": Input(part.tracing, "X-Ray tracing of the stage.", "bool"),
            "api_key_required": Input(
                part.require_api_key, "Every route requires an API key (x-api-key) of a usage plan.", "bool"
            ),
            "throttle": Input(
                {"rate_limit": part.throttle_rate, "burst_limit": part.throttle_burst},
                "Default throttling of every method of the stage (requests per second, burst).",
                _THROTTLE,
            ),
            "access_log": Input(
                {"log_group": part.access_log_group, "retention_in_days": part.log_retention_days}
                if part.access_logs
                else NULL,
                "The stage's access logs: their log group and its retention in days; null: none.",
                object_type(log_group="string", retention_in_days="number"),
            ),
            "logging_role_name": Input(
                part.cloudwatch_role_name if part.account_logging_role else NULL,
                "Name of the role API Gateway writes logs through, set for the whole account and region; null: not managed here.",
            ),
            "usage_plans": Input(
                {
                    u.key: {
                        "name": u.name,
                        "throttle": {"burst_limit": u.throttle[0], "rate_limit": u.throttle[1]} if u.throttle else NULL,
                        "quota": {"limit": u.quota[0], "period": u.quota[1]} if u.quota else NULL,
                    }
                    for u in part.usage_plans
                },
                "Usage plans of the stage, by key: name, throttling (null: the stage's) and quota (null: none).",
                "map("
                + object_type(name="string", throttle=_THROTTLE, quota=object_type(limit="number", period="string"))
                + ")",
            ),
            "api_keys": Input(
                {
                    key: {"name": name, "client": client, "usage_plan": u.key}
                    for u in part.usage_plans
                    for key, name, client in u.keys
                },
                "API keys, by key: the key's name in AWS, its name in the config (its key in the api_keys output) and its usage plan's key.",
                "map(" + object_type(name="string", client="string", usage_plan="string") + ")",
            ),
        }
        depths = [len(r.path.split("/")) - 1 for r in part.resources]
        return [
            ModuleContext(
                key="api",
                template="api",
                summary="API Gateway REST API: routes with request validation, Lambda integrations, stage, throttling, usage plans and API keys.",
                inputs=inputs,
                outputs=(),
                values={
                    "max_depth": MAX_PATH_PARTS,
                    "integration_uri": _INTEGRATION_URI,
                    "redeployment_triggers": [
                        Ref(f"aws_api_gateway_{kind}")
                        for kind in ("request_validator.body", "model.this", "method.this", "integration.this")
                    ],
                    "deployment_dependencies": [
                        Ref("aws_api_gateway_method.this"),
                        Ref("aws_api_gateway_integration.this"),
                    ],
                    "cloudwatch_policy_arn": _CLOUDWATCH_POLICY_ARN,
                    "access_log_format": dict(ACCESS_LOG_FORMAT),
                },
                files={m.schema_file: m.schema for m in part.methods if m.schema_file and m.schema},
                instances={
                    "var.routes": len(part.methods),
                    "var.models": sum(1 for m in part.methods if m.schema),
                    **{f"local.depth{d}": depths.count(d) for d in range(1, MAX_PATH_PARTS + 1)},
                    "local.access_logs": int(part.access_logs),
                    "local.logging_roles": int(part.account_logging_role),
                    "var.usage_plans": len(part.usage_plans),
                    "var.api_keys": sum(len(u.keys) for u in part.usage_plans),
                },
                moved_at_root=_moved(part),
                # The integrations invoke the routes' Lambdas by their names (the preprocessing module's).
                calls=("preprocessing",) if part.methods else (),
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


#: Fields of one access-log line (API Gateway $context variables), as JSON.
ACCESS_LOG_FORMAT = {
    "requestId": "$context.requestId",
    "ip": "$context.identity.sourceIp",
    "apiKeyId": "$context.identity.apiKeyId",
    "requestTime": "$context.requestTime",
    "httpMethod": "$context.httpMethod",
    "resourcePath": "$context.resourcePath",
    "status": "$context.status",
    "responseLength": "$context.responseLength",
    "integrationLatency": "$context.integrationLatency",
    "latency": "$context.responseLatency",
    "xrayTraceId": "$context.xrayTraceId",
}

_THROTTLE = object_type(rate_limit="number", burst_limit="number")
_PARTITION = Ref("data.aws_partition.current.partition")
_CLOUDWATCH_POLICY_ARN = Interp(
    "arn:", _PARTITION, ":iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs"
)
#: A route's Lambda invoke ARN as the AWS provider computes ``aws_lambda_function.invoke_arn``
#: (``arn:P:apigateway:R:lambda:path/2015-03-31/functions/<function ARN>/invocations``), from the function's
#: name the config knows.
_INTEGRATION_URI = Interp(
    "arn:",
    _PARTITION,
    ":apigateway:",
    Ref("var.region"),
    ":lambda:path/2015-03-31/functions/arn:",
    _PARTITION,
    ":lambda:",
    Ref("var.region"),
    ":",
    Ref("data.aws_caller_identity.current.account_id"),
    ":function:",
    Ref("each.value.function_name"),
    "/invocations",
)


def resource_block(depth: int) -> str:
    """The module's block of the path resources ``depth`` parts deep (``/predict/tabular``: 2)."""
    return f"aws_api_gateway_resource.depth{depth}"


def _moved(part: ApiPlan) -> tuple[tuple[str, str], ...]:
    """Earlier renders wrote a block per path resource, per route (its model, method and integration),
    per usage plan and per API key, and the access logs' group and the account's logging role only when
    the config had them: they are for_each and count instances now."""
    out = [
        (f"{kind}.{m.key}", f'{kind}.this["{m.key}"]')
        for m in part.methods
        for kind in (("aws_api_gateway_model",) if m.schema else ())
        + ("aws_api_gateway_method", "aws_api_gateway_integration")
    ]
    out += [
        (f"aws_api_gateway_resource.{r.key}", f'{resource_block(len(r.path.split("/")) - 1)}["{r.path}"]')
        for r in part.resources
    ]
    if part.access_logs:
        out.append(("aws_cloudwatch_log_group.access", "aws_cloudwatch_log_group.access[0]"))
    if part.account_logging_role:
        out += [
            (a, f"{a}[0]")
            for a in (
                "aws_iam_role.cloudwatch",
                "aws_iam_role_policy_attachment.cloudwatch",
                "aws_api_gateway_account.this",
            )
        ]
    for u in part.usage_plans:
        out.append((f"aws_api_gateway_usage_plan.{u.key}", f'aws_api_gateway_usage_plan.this["{u.key}"]'))
        for key, _, _ in u.keys:
            out += [
                (f"{kind}.{key}", f'{kind}.this["{key}"]')
                for kind in ("aws_api_gateway_api_key", "aws_api_gateway_usage_plan_key")
            ]
    return tuple(out)
