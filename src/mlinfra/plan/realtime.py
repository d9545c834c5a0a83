"""Config → plan for the real-time path: API Gateway, the edge (CloudFront, ACM, Route 53), the
preprocessing Lambdas, the Redis cache and the results table."""

from __future__ import annotations

import json
from pathlib import Path

from ..components.network.section import SECTION as NETWORK
from ..config.model import ImageSettings, PlatformConfig, Route, TabularSettings, TextSettings
from ..core.arns import ACCOUNT, PARTITION
from ..expr import Interp, Ref
from ..naming import (
    api_key_key,
    api_resource_keys,
    lambda_role_name,
    request_model_name,
    route_key,
    usage_plan_key,
)
from ..naming import (
    function_name as lambda_name,
)
from .model import (
    ApiPlan,
    ApiResourcePlan,
    CachePlan,
    EdgePlan,
    Expr,
    FunctionPlan,
    MethodPlan,
    PreprocessingPlan,
    ResultsPlan,
    Statement,
    UsagePlanPlan,
)

LAMBDA_PACKAGE = "mlinfra_lambdas"
MAX_INLINE_SETTINGS = 2048
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


def logs_key_statement(region: str) -> Statement:
    """The platform key's policy statement that lets CloudWatch Logs encrypt this account's log groups."""
    return Statement(
        "CloudWatchLogsEncrypt",
        ("kms:Decrypt*", "kms:Describe*", "kms:Encrypt*", "kms:GenerateDataKey*", "kms:ReEncrypt*"),
        ("*",),
        (
            (
                "ArnLike",
                "kms:EncryptionContext:aws:logs:arn",
                (
                    Interp(
                        "arn:",
                        Ref("data.aws_partition.current.partition"),
                        f":logs:{region}:",
                        Ref("data.aws_caller_identity.current.account_id"),
                        ":log-group:*",
                    ),
                ),
            ),
        ),
        comment="CloudWatch Logs encrypts the log groups of this account and region (API, Lambdas) with this key.",
        principals=(("Service", (f"logs.{region}.amazonaws.com",)),),
    )


def lambda_sources() -> dict[str, str]:
    """The preprocessing Lambdas' package (``src/mlinfra/lambdas``), file name → text; the batch
    pipeline's ``batch_*`` handlers are not part of it."""
    here = Path(__file__).resolve().parent.parent / "lambdas"
    return {p.name: p.read_text(encoding="utf-8") for p in sorted(here.glob("*.py")) if not p.name.startswith("batch_")}


def preprocessing_plan(
    config: PlatformConfig,
    prefix: str,
    base_dir: Path,
    lambda_sources: dict[str, str],
    cache: CachePlan | None,
    results: ResultsPlan | None,
) -> PreprocessingPlan | None:
    if not config.routes or config.preprocessing is None:
        return None
    pre = config.preprocessing
    region = config.project.region
    package = {f"{LAMBDA_PACKAGE}/{name}": text for name, text in sorted(lambda_sources.items())}
    functions = []
    for route in config.routes:
        key = route_key(route.path)
        endpoint = f"{prefix}-{route.endpoint}"
        function_name = lambda_name(prefix, key)
        settings: dict[str, object]
        chosen = config.settings_for(route)
        if isinstance(chosen, TabularSettings):
            features = [f.model_dump() for f in chosen.features]
            settings = {"features": features}
            if len(json.dumps(settings)) > MAX_INLINE_SETTINGS:
                # Lambda allows 4 KB of environment in all: long feature lists travel in the package.
                features_path = f"{LAMBDA_PACKAGE}/data/{key}.features.json"
                package[features_path] = json.dumps(features, indent=1, sort_keys=True) + "\n"
                settings = {"features_file": features_path}
        elif isinstance(chosen, ImageSettings):
            settings = {"width": chosen.width, "height": chosen.height, "channels": chosen.channels}
        else:
            assert isinstance(chosen, TextSettings)  # rules: a text route has text settings
            vocab_path = f"{LAMBDA_PACKAGE}/data/{key}.vocab"
            package[vocab_path] = (base_dir / chosen.vocabulary_file).read_text(encoding="utf-8")
            settings = {"max_tokens": chosen.max_tokens, "lowercase": chosen.lowercase, "vocabulary_file": vocab_path}
        env: dict[str, Expr] = {
            "MLINFRA_ENDPOINT": endpoint,
            "MLINFRA_SETTINGS": json.dumps(settings, sort_keys=True, separators=(",", ":")),
        }
        if route.variant:
            env["MLINFRA_TARGET_VARIANT"] = route.variant
        if cache is not None:
            env.update(
                {
                    "MLINFRA_CACHE_HOST": Ref("var.cache_host"),
                    "MLINFRA_CACHE_PORT": str(cache.port),
                    "MLINFRA_CACHE_TLS": "true",
                    "MLINFRA_CACHE_AUTH_SECRET_ARN": Ref("var.cache_auth_secret_arn"),
                    "MLINFRA_CACHE_TTL": str(pre.cache_ttl_seconds),
                }
            )
        if results is not None:
            env.update({"MLINFRA_RESULTS_TABLE": results.table_name, "MLINFRA_RESULTS_TTL_DAYS": str(results.ttl_days)})
        functions.append(
            FunctionPlan(
                key=key,
                route=f"POST {route.path}",
                path=route.path,
                kind=route.preprocessor,
                function_name=function_name,
                handler=f"{LAMBDA_PACKAGE}.{route.preprocessor}.handler",
                role_name=lambda_role_name(function_name),
                log_group=f"/aws/lambda/{function_name}",
                log_retention_days=pre.log_retention_days,
                runtime=pre.runtime,
                memory_mb=pre.memory_mb,
                timeout=pre.timeout_seconds,
                reserved_concurrency=pre.reserved_concurrency,
                layers=tuple(pre.layers),
                environment=dict(sorted(env.items())),
                endpoint_name=endpoint,
                variant=route.variant,
            )
        )
    # One policy per function (for_each in the module): its own endpoint and log group, through each.value.
    statements = [
        Statement(
            "InvokeRoutedEndpoint",
            ("sagemaker:InvokeEndpoint",),
            # SageMaker endpoint ARNs are lower-case; mlinfra's endpoint names already are.
            (
                Interp(
                    "arn:", PARTITION, f":sagemaker:{region}:", ACCOUNT, ":endpoint/", Ref("each.value.endpoint_name")
                ),
            ),
        ),
        Statement(
            "WriteLogs",
            ("logs:CreateLogStream", "logs:PutLogEvents"),
            (Interp("arn:", PARTITION, f":logs:{region}:", ACCOUNT, ":log-group:", Ref("each.value.log_group"), ":*"),),
        ),
        Statement("DeadLetters", ("sqs:SendMessage",), (Ref("aws_sqs_queue.dead_letters.arn"),)),
        Statement("UsePlatformKey", ("kms:Decrypt", "kms:GenerateDataKey"), (Ref("var.kms_key_arn"),)),
        Statement(
            "Tracing",
            ("xray:PutTelemetryRecords", "xray:PutTraceSegments"),
            ("*",),
            comment="X-Ray has no resource-level permissions.",
        ),
    ]
    if cache is not None:
        statements.append(
            Statement("ReadCacheToken", ("secretsmanager:GetSecretValue",), (Ref("var.cache_auth_secret_arn"),))
        )
    if results is not None:
        statements.append(Statement("WriteResults", ("dynamodb:PutItem",), (Ref("var.results_table_arn"),)))
    return PreprocessingPlan(
        functions=tuple(functions),
        statements=tuple(statements),
        dlq_name=f"{prefix}-preprocessing-dlq",
        in_vpc=NETWORK.of(config) is not None,
        package=dict(sorted(package.items())),
        key_policy=(logs_key_statement(region),),
    )


def api_plan(config: PlatformConfig, prefix: str, base_dir: Path) -> ApiPlan | None:
    api = config.api
    if api is None or not config.routes:
        return None
    resources: dict[str, ApiResourcePlan] = {}
    methods = []
    for route in config.routes:
        parent = None
        for key, part, _ in api_resource_keys(route.path):
            resources.setdefault(key, ApiResourcePlan(key=key, path_part=part, parent=parent))
            parent = key
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
    triggers = [Ref(f"aws_api_gateway_resource.{r.key}") for r in resources.values()]
    triggers.append(Ref("aws_api_gateway_request_validator.body"))
    # The per-route resources are for_each blocks: each hashes as a map of all its instances.
    triggers.extend(Ref(f"aws_api_gateway_{kind}.this") for kind in ("model", "method", "integration"))
    return ApiPlan(
        name=f"{prefix}-inference",
        stage=api.stage,
        throttle_rate=_num(api.throttle.rate),
        throttle_burst=api.throttle.burst,
        resources=tuple(resources.values()),
        methods=tuple(methods),
        redeployment_triggers=tuple(triggers),
        usage_plans=tuple(usage_plans),
        access_logs=api.access_logs,
        account_logging_role=api.account_logging_role,
        cloudwatch_policy_arn=Interp(
            "arn:",
            Ref("data.aws_partition.current.partition"),
            ":iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs",
        ),
        disable_execute_api_endpoint=not api.cloudfront,
        access_log_group=f"/aws/apigateway/{prefix}-inference",
        access_log_format=dict(ACCESS_LOG_FORMAT),
        log_retention_days=api.log_retention_days,
        tracing=api.tracing,
        cloudwatch_role_name=f"{prefix}-apigateway-cloudwatch",
        deployment_dependencies=(Ref("aws_api_gateway_method.this"), Ref("aws_api_gateway_integration.this")),
        key_values={name: Ref(f"aws_api_gateway_api_key.{key}.value") for u in usage_plans for key, _, name in u.keys},
        key_policy=(logs_key_statement(config.project.region),) if api.access_logs else (),
        integration_uri=_integration_uri(config.project.region),
    )


def _integration_uri(region: str) -> Interp:
    """The route's Lambda invoke ARN as the AWS provider computes ``aws_lambda_function.invoke_arn``
    (``arn:P:apigateway:R:lambda:path/2015-03-31/functions/<function ARN>/invocations``), from the
    function's name the config knows."""
    partition = Ref("data.aws_partition.current.partition")
    return Interp(
        "arn:",
        partition,
        f":apigateway:{region}:lambda:path/2015-03-31/functions/arn:",
        partition,
        f":lambda:{region}:",
        Ref("data.aws_caller_identity.current.account_id"),
        ":function:",
        Ref("each.value.function_name"),
        "/invocations",
    )


def edge_plan(config: PlatformConfig, prefix: str) -> EdgePlan | None:
    api = config.api
    if api is None or not config.routes:
        return None
    region = config.project.region
    return EdgePlan(
        domain=api.domain,
        zone=api.hosted_zone,
        cloudfront=api.cloudfront,
        stage=api.stage,
        region=region,
        comment=f"mlinfra {prefix}: inference API",
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
