"""The preprocessing Lambdas, one per route (``for_each`` over a typed map in one module), with their
package (mlinfra's own handler code)."""

from __future__ import annotations

from collections.abc import Mapping

from ...core.component import (
    ARCHIVE,
    AWS,
    Component,
    Export,
    Input,
    ModuleContext,
    PlanRequest,
    Sinks,
    Wire,
    object_type,
)
from ...plan.parts import CACHE, PREPROCESSING, RESULTS, FunctionPlan, PreprocessingPlan
from .plan import lambda_sources, preprocessing_plan
from .section import ROUTES

_FUNCTION_TYPE = (
    "map("
    + object_type(
        description="string",
        function_name="string",
        handler="string",
        role_name="string",
        log_group="string",
        log_retention_days="number",
        runtime="string",
        memory_size="number",
        timeout="number",
        reserved_concurrency="number",
        layers="list(string)",
        environment="map(string)",
        endpoint_name="string",
        path="string",
    )
    + ")"
)


class Preprocessing(Component):
    name = PREPROCESSING.name
    providers = (AWS, ARCHIVE)  # the package is zipped by archive_file at plan time

    def build(self, request: PlanRequest, parts: Mapping[str, object]) -> PreprocessingPlan | None:
        if not ROUTES.of(request.config):
            return None
        cache, results = CACHE.of(parts), RESULTS.of(parts)
        return preprocessing_plan(request.config, request.prefix, request.base_dir, lambda_sources(), cache, results)

    def contribute(self, part: PreprocessingPlan, sinks: Sinks) -> None:
        for st in part.key_policy:
            sinks.add_key_policy(st)
        if part.in_vpc:
            # AWS's description of a group cannot change in place: this is the one it had when the network
            # module wrote it by hand.
            sinks.security_groups.request("lambda", "mlinfra preprocessing Lambdas", by=self.name)
            # What the functions call from their subnets (DynamoDB goes through its gateway endpoint; logs and
            # EMF metrics leave through the Lambda service, not the function's network interfaces).
            sinks.vpc_endpoints.add("sagemaker.runtime", by=self.name)
            if any("secretsmanager:GetSecretValue" in st.actions for st in part.statements):
                sinks.vpc_endpoints.add("secretsmanager", by=self.name)  # the cache's AUTH token

    def exports(self, part: PreprocessingPlan) -> list[Export]:
        # The API builds its integrations' invoke ARNs from the function names; the invoke permissions are
        # here, next to the functions they are for.
        return []

    def modules(self, part: PreprocessingPlan, wire: Wire, sinks: Sinks) -> list[ModuleContext]:
        # Literal settings travel in the functions map; references to other modules' objects are the same
        # for every function and stay module variables.
        wired = {k: v for k, v in part.functions[0].environment.items() if not isinstance(v, str)}
        assert all({k: v for k, v in f.environment.items() if not isinstance(v, str)} == wired for f in part.functions)
        inputs = {
            "kms_key_arn": wire.need("kms.key_arn"),
            "dlq_name": Input(part.dlq_name, "Name of the dead-letter queue of the functions."),
            "functions": Input(
                {f.key: _function(f) for f in part.functions},
                "The functions, by route key: one Lambda, role, policy and log group each.",
                _FUNCTION_TYPE,
            ),
        }
        if part.in_vpc:
            inputs["subnet_ids"] = wire.need(
                "network.private_subnet_ids", "Private subnets the functions run in.", "list(string)"
            )
            inputs["security_group_id"] = wire.need("network.security_group.lambda", "Security group of the Lambdas.")
        if wire.has("cache.primary_endpoint"):
            inputs["cache_host"] = wire.need("cache.primary_endpoint", "Address of the prediction cache.")
            inputs["cache_auth_secret_arn"] = wire.need("cache.auth_secret_arn")
        if wire.has("results.table_arn"):
            inputs["results_table_arn"] = wire.need("results.table_arn")
        api = wire.has("api.execution_arn")
        if api:
            inputs["api_execution_arn"] = wire.need("api.execution_arn")
        return [
            ModuleContext(
                key="preprocessing",
                template="preprocessing",
                summary="The preprocessing Lambdas (one per route), their roles, log groups, dead-letter queue and the API's permission to invoke them."
                if api
                else "The preprocessing Lambdas (one per route), their roles, log groups and dead-letter queue.",
                inputs=inputs,
                outputs=(),
                values={"pre": part, "statements": part.statements, "wired_environment": wired, "api": api},
                files={f"package/{path}": text for path, text in part.package.items()},
                providers=self.providers,
                instances={"var.functions": len(part.functions)},
                serves=tuple(dict.fromkeys(f.endpoint_name for f in part.functions)),
                moved=tuple(
                    (f"{kind}.{old}", f'{kind}.{new}["{f.key}"]')
                    for f in part.functions
                    for kind, old, new in (
                        ("aws_cloudwatch_log_group", f.key, "this"),
                        ("aws_iam_role", f.key, "this"),
                        ("aws_iam_role_policy", f.key, "this"),
                        *((("aws_iam_role_policy_attachment", f"{f.key}_vpc", "vpc"),) if part.in_vpc else ()),
                        ("aws_lambda_function", f.key, "this"),
                    )
                ),
                moved_in=_permission_moves(part) if api else (),
            )
        ]


def _permission_moves(part: PreprocessingPlan) -> tuple[tuple[str, str], ...]:
    """Earlier renders kept the invoke permissions in the API module (one by one, then for_each there)."""
    moves: list[tuple[str, str]] = []
    for f in part.functions:
        moves.append((f"module.api.aws_lambda_permission.{f.key}", f'module.api.aws_lambda_permission.this["{f.key}"]'))
        moves.append(
            (
                f'module.api.aws_lambda_permission.this["{f.key}"]',
                f'module.preprocessing.aws_lambda_permission.api["{f.key}"]',
            )
        )
    return tuple(moves)


def _function(f: FunctionPlan) -> dict[str, object]:
    out: dict[str, object] = {
        "description": f.summary,
        "function_name": f.function_name,
        "handler": f.handler,
        "role_name": f.role_name,
        "log_group": f.log_group,
        "log_retention_days": f.log_retention_days,
        "runtime": f.runtime,
        "memory_size": f.memory_mb,
        "timeout": f.timeout,
    }
    # -1 is the provider's "unreserved" (its default): no optional() attributes, which Terraform < 1.3
    # does not know.
    out["reserved_concurrency"] = f.reserved_concurrency if f.reserved_concurrency is not None else -1
    out["layers"] = list(f.layers)
    out["environment"] = {k: v for k, v in f.environment.items() if isinstance(v, str)}
    out["endpoint_name"] = f.endpoint_name
    out["path"] = f.path  # the route's, in the API's invoke permission
    return out
