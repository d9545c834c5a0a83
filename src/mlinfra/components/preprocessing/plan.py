"""The preprocessing Lambdas' plan: one function per route (its settings, environment and package files)
and the policy every function's role gets, from the ``routes`` and ``preprocessing`` sections."""

from __future__ import annotations

import json
from pathlib import Path

from ...config.shapes import PlatformConfig
from ...core.arns import ACCOUNT, PARTITION
from ...core.lambdas import LAMBDA_PACKAGE
from ...core.logs import logs_key_statement
from ...expr import Interp, Ref
from ...naming import function_name as lambda_name
from ...naming import lambda_role_name, route_key
from ...plan.parts import CachePlan, Expr, FunctionPlan, PreprocessingPlan, ResultsPlan, Statement
from ..network.section import SECTION as NETWORK
from .section import ROUTES, SECTION, ImageSettings, TabularSettings, TextSettings, settings_for

MAX_INLINE_SETTINGS = 2048


def lambda_sources() -> dict[str, str]:
    """The preprocessing Lambdas' package (``src/mlinfra/lambdas``), file name → text; the batch
    pipeline's ``batch_*`` handlers are not part of it."""
    here = Path(__file__).resolve().parents[2] / "lambdas"
    return {p.name: p.read_text(encoding="utf-8") for p in sorted(here.glob("*.py")) if not p.name.startswith("batch_")}


def preprocessing_plan(
    config: PlatformConfig,
    prefix: str,
    base_dir: Path,
    lambda_sources: dict[str, str],
    cache: CachePlan | None,
    results: ResultsPlan | None,
) -> PreprocessingPlan | None:
    pre, routes = SECTION.of(config), ROUTES.of(config)
    if not routes or pre is None:
        return None
    region = config.project.region
    package = {f"{LAMBDA_PACKAGE}/{name}": text for name, text in sorted(lambda_sources.items())}
    functions = []
    for route in routes:
        key = route_key(route.path)
        endpoint = f"{prefix}-{route.endpoint}"
        function_name = lambda_name(prefix, key)
        settings: dict[str, object]
        chosen = settings_for(config, route)
        if isinstance(chosen, TabularSettings):
            features = [f.model_dump() for f in chosen.features]
            settings = {"features": features}
            if len(json.dumps(settings)) > MAX_INLINE_SETTINGS:
                # Lambda allows 4 KB of environment in all: long feature lists travel in the package.
                features_path = f"{LAMBDA_PACKAGE}/data/{key}.features.json"
                package[features_path] = json.dumps(features, indent=1, sort_keys=True) + "\n"
                settings = {"features_file": features_path}
        elif route.preprocessor == "passthrough":
            settings = {}  # the body goes to the endpoint as it came
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
                role_name=lambda_role_name(function_name, config.project.region),
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
