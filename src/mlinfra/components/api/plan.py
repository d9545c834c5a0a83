"""The REST API's plan: its path resources, one method and request model per route, the stage, access
logs, usage plans and keys, from the ``api`` section and the routes it serves."""

from __future__ import annotations

import json
from pathlib import Path

from ...config.shapes import PlatformConfig
from ...core.logs import logs_key_statement
from ...naming import api_key_key, api_resource_keys, global_prefix, request_model_name, route_key, usage_plan_key
from ...naming import function_name as lambda_name
from ...plan.parts import ApiPlan, ApiResourcePlan, MethodPlan, UsagePlanPlan
from ..preprocessing.section import ROUTES, Route
from .section import SECTION


def api_plan(config: PlatformConfig, prefix: str, base_dir: Path) -> ApiPlan | None:
    api, routes = SECTION.of(config), ROUTES.of(config)
    if api is None or not routes:
        return None
    resources: dict[str, ApiResourcePlan] = {}
    methods = []
    for route in routes:
        parent = None
        for key, part, path in api_resource_keys(route.path):
            resources.setdefault(key, ApiResourcePlan(key=key, path=path, path_part=part, parent=parent))
            parent = path
        key = route_key(route.path)
        schema = _schema_text(base_dir, route)
        methods.append(
            MethodPlan(
                key=key,
                resource=key,
                path=route.path,
                model_name=request_model_name(key) if schema else None,
                schema=schema,
                schema_file=f"schemas/{key}.json" if schema else None,
                function=key,
                function_name=lambda_name(prefix, key),
            )
        )
    usage_plans = []
    for plan in api.usage_plans:
        usage_plans.append(
            UsagePlanPlan(
                key=usage_plan_key(plan.name),
                name=f"{prefix}-{plan.name}",
                throttle=(plan.throttle.burst, _num(plan.throttle.rate)) if plan.throttle else None,
                quota=(plan.quota.limit, plan.quota.period) if plan.quota else None,
                keys=tuple((api_key_key(k), f"{prefix}-{k}", k) for k in plan.keys),
            )
        )
    return ApiPlan(
        name=f"{prefix}-inference",
        stage=api.stage,
        throttle_rate=_num(api.throttle.rate),
        throttle_burst=api.throttle.burst,
        resources=tuple(resources.values()),
        methods=tuple(methods),
        usage_plans=tuple(usage_plans),
        require_api_key=api.require_api_key,
        access_logs=api.access_logs,
        account_logging_role=api.account_logging_role,
        # A regional custom domain is the only way in; CloudFront (and no domain at all) use the execute-api URL.
        disable_execute_api_endpoint=api.domain is not None and not api.cloudfront,
        access_log_group=f"/aws/apigateway/{prefix}-inference",
        log_retention_days=api.log_retention_days,
        tracing=api.tracing,
        cloudwatch_role_name=f"{global_prefix(prefix, config.project.region)}-apigateway-cloudwatch",
        key_policy=(logs_key_statement(config.project.region),) if api.access_logs else (),
        region=config.project.region,
    )


def _schema_text(base_dir: Path, route: Route) -> str | None:
    if route.schema_file is None:
        return None
    # Re-serialised with sorted keys: stable, and a change of layout alone is not a redeployment.
    return (
        json.dumps(json.loads((base_dir / route.schema_file).read_text(encoding="utf-8")), sort_keys=True, indent=2)
        + "\n"
    )


def _num(value: float) -> int | float:
    return int(value) if float(value).is_integer() else value
