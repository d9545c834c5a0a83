"""Resource plan → render context: one context per Terraform module, with nothing left to decide.

A context names the template folder that renders it, the module's variables and outputs (rendered by
shared templates), the root-module wiring (module arguments), and the plan objects its ``main.tf`` loops
over. References between objects are precomputed :class:`Ref` values, so templates never build
Terraform expressions out of strings.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..plan.model import EndpointPlan, PlatformPlan
from ..expr import Interp, Ref


@dataclass(frozen=True)
class Variable:
    name: str
    type: str
    description: str


@dataclass(frozen=True)
class Input:
    """One module argument in the root; the module declares it as a variable of the same name."""

    value: Ref
    description: str
    type: str = "string"


@dataclass(frozen=True)
class Output:
    name: str
    description: str
    value: Ref
    sensitive: bool = False


@dataclass(frozen=True)
class ModuleContext:
    key: str  # module label in the root and folder under modules/
    template: str  # folder under templates/modules/
    summary: str  # one line for the root README
    inputs: dict[str, Input]
    outputs: tuple[Output, ...]
    values: dict[str, object] = field(default_factory=dict)
    # Files copied into the module folder as they are (the Lambda package), path inside the module → text.
    files: dict[str, str] = field(default_factory=dict)
    # Provider aliases the module receives (its versions.tf declares them as configuration_aliases).
    provider_aliases: tuple[str, ...] = ()

    @property
    def source(self) -> str:
        return f"./modules/{self.key}"

    @property
    def arguments(self) -> dict[str, Ref]:
        """The module block's arguments in the root, sorted."""
        return {name: i.value for name, i in sorted(self.inputs.items())}

    @property
    def variables(self) -> tuple[Variable, ...]:
        return tuple(Variable(name, i.type, i.description) for name, i in sorted(self.inputs.items()))

    def output(self, name: str) -> Ref:
        assert any(o.name == name for o in self.outputs), f"module {self.key} has no output {name}"
        return Ref(f"module.{self.key}.{name}")


@dataclass(frozen=True)
class RootContext:
    plan: PlatformPlan
    modules: tuple[ModuleContext, ...]
    outputs: tuple[Output, ...]
    # CloudFront only takes certificates from us-east-1: a second, aliased AWS provider.
    us_east_1_provider: bool


def _kms_input(kms: ModuleContext) -> dict[str, Input]:
    return {"kms_key_arn": Input(kms.output("key_arn"), "ARN of the platform KMS key.")}


def build_context(plan: PlatformPlan) -> RootContext:
    """Lay the plan out as modules and wire them together."""
    kms = ModuleContext(
        key="kms",
        template="kms",
        summary="The platform's customer-managed KMS key (rotation on) and its alias.",
        inputs={},
        outputs=(
            Output("key_arn", "ARN of the platform KMS key.", Ref("aws_kms_key.this.arn")),
            Output("key_id", "ID of the platform KMS key.", Ref("aws_kms_key.this.key_id")),
            Output("alias_name", "Alias of the platform KMS key.", Ref("aws_kms_alias.this.name")),
        ),
        values={
            "alias": plan.kms_alias,
            "description": plan.kms_description,
            "logs": plan.log_groups_use_key,
            "logs_service": f"logs.{plan.region}.amazonaws.com",
            "logs_arn": Interp("arn:", Ref("data.aws_partition.current.partition"), f":logs:{plan.region}:", Ref("data.aws_caller_identity.current.account_id"), ":log-group:*"),
        },
    )
    modules = [kms]
    capture = None
    if plan.capture_bucket is not None:
        capture = ModuleContext(
            key="capture_bucket",
            template="capture_bucket",
            summary="The S3 bucket that receives SageMaker data capture (KMS-encrypted, private, TLS-only, expiring).",
            inputs=_kms_input(kms),
            outputs=(
                Output("bucket", "Name of the data capture bucket.", Ref("aws_s3_bucket.this.bucket")),
                Output("arn", "ARN of the data capture bucket.", Ref("aws_s3_bucket.this.arn")),
            ),
            values={"bucket": plan.capture_bucket, "retention_days": plan.capture_retention_days},
        )
        modules.append(capture)

    role_inputs = _kms_input(kms)
    if plan.role.needs_capture_bucket and capture is not None:
        role_inputs["capture_bucket_arn"] = Input(capture.output("arn"), "ARN of the data capture bucket; the role may write only below each endpoint's capture prefix.")
    role = ModuleContext(
        key="sagemaker_role",
        template="sagemaker_role",
        summary="The SageMaker execution role, granted exactly the model artifacts, images, capture prefixes and key it needs.",
        inputs=role_inputs,
        outputs=(
            Output("arn", "ARN of the SageMaker execution role.", Ref("aws_iam_role.this.arn")),
            Output("name", "Name of the SageMaker execution role.", Ref("aws_iam_role.this.name")),
        ),
        values={"role": plan.role},
    )
    modules.append(role)
    modules.extend(_endpoint_module(ep, kms, capture, role) for ep in plan.endpoints)

    endpoint_modules = modules[3 if capture else 2 :]
    realtime = _realtime_modules(plan, kms)
    modules.extend(realtime)

    outputs = [
        Output("kms_key_arn", "ARN of the platform KMS key.", kms.output("key_arn")),
        Output("sagemaker_execution_role_arn", "ARN of the SageMaker execution role.", role.output("arn")),
    ]
    if capture is not None:
        outputs.append(Output("capture_bucket", "Bucket receiving SageMaker data capture.", capture.output("bucket")))
    for mod in endpoint_modules:
        outputs.append(Output(f"{mod.key}_name", f"Name of the SageMaker endpoint of module {mod.key}.", mod.output("endpoint_name")))
    by_key = {m.key: m for m in realtime}
    if "api" in by_key and not plan.api.disable_execute_api_endpoint:
        outputs.append(Output("api_invoke_url", "Invoke URL of the API Gateway stage (prefer the custom domain).", by_key["api"].output("invoke_url")))
    if "api" in by_key:
        outputs.append(Output("api_keys", "API key values by key name, for handing to clients.", by_key["api"].output("api_keys"), sensitive=True))
    if "edge" in by_key:
        outputs.append(Output("api_url", "The API's public URL (custom domain).", by_key["edge"].output("url")))
    if "cache" in by_key:
        outputs.append(Output("cache_endpoint", "Primary endpoint of the prediction cache.", by_key["cache"].output("primary_endpoint")))
    if "results" in by_key:
        outputs.append(Output("results_table", "DynamoDB table of predictions.", by_key["results"].output("table_name")))
    return RootContext(plan=plan, modules=tuple(modules), outputs=tuple(outputs), us_east_1_provider=plan.edge is not None and plan.edge.cloudfront)


def _realtime_modules(plan: PlatformPlan, kms: ModuleContext) -> list[ModuleContext]:
    """network → cache → results → preprocessing → api → edge, each wired to what it needs."""
    mods: list[ModuleContext] = []
    network = cache = results = preprocessing = api = None
    if plan.network is not None and plan.preprocessing is not None:
        network = ModuleContext(
            key="network",
            template="network",
            summary="The security group of the preprocessing Lambdas in the existing VPC.",
            inputs={},
            outputs=(Output("lambda_security_group_id", "Security group of the preprocessing Lambdas.", Ref("aws_security_group.lambda.id")),),
            values={"net": plan.network},
        )
        mods.append(network)
    if plan.cache is not None:
        inputs = _kms_input(kms)
        if network is not None:
            inputs["clients_security_group_id"] = Input(network.output("lambda_security_group_id"), "Security group of the cache's clients (the preprocessing Lambdas).")
        cache = ModuleContext(
            key="cache",
            template="cache",
            summary="ElastiCache (Redis OSS) prediction cache: encrypted at rest and in transit, AUTH token in Secrets Manager.",
            inputs=inputs,
            outputs=(
                Output("primary_endpoint", "Address of the cache's primary endpoint.", Ref("aws_elasticache_replication_group.this.primary_endpoint_address")),
                Output("port", "Port of the cache.", Ref("aws_elasticache_replication_group.this.port")),
                Output("auth_secret_arn", "ARN of the secret holding the cache's AUTH token.", Ref("aws_secretsmanager_secret.auth.arn")),
            ),
            values={"cache": plan.cache, "has_clients": network is not None},
        )
        mods.append(cache)
    if plan.results is not None:
        results = ModuleContext(
            key="results",
            template="results",
            summary="DynamoDB table of predictions (on demand, TTL, point-in-time recovery, KMS).",
            inputs=_kms_input(kms),
            outputs=(
                Output("table_name", "Name of the predictions table.", Ref("aws_dynamodb_table.this.name")),
                Output("table_arn", "ARN of the predictions table.", Ref("aws_dynamodb_table.this.arn")),
            ),
            values={"results": plan.results},
        )
        mods.append(results)
    if plan.preprocessing is not None:
        pre = plan.preprocessing
        inputs = _kms_input(kms)
        if network is not None:
            inputs["security_group_id"] = Input(network.output("lambda_security_group_id"), "Security group of the Lambdas.")
        if cache is not None:
            inputs["cache_host"] = Input(cache.output("primary_endpoint"), "Address of the prediction cache.")
            inputs["cache_auth_secret_arn"] = Input(cache.output("auth_secret_arn"), "ARN of the secret holding the cache's AUTH token.")
        if results is not None:
            inputs["results_table_arn"] = Input(results.output("table_arn"), "ARN of the predictions table.")
        outputs = []
        for f in pre.functions:
            outputs.append(Output(f"{f.key}_function_name", f"Name of the Lambda behind {f.route}.", Ref(f"aws_lambda_function.{f.key}.function_name")))
            outputs.append(Output(f"{f.key}_invoke_arn", f"Invoke ARN of the Lambda behind {f.route}.", Ref(f"aws_lambda_function.{f.key}.invoke_arn")))
        preprocessing = ModuleContext(
            key="preprocessing",
            template="preprocessing",
            summary="The preprocessing Lambdas (one per route), their roles, log groups and dead-letter queue.",
            inputs=inputs,
            outputs=tuple(outputs),
            values={"pre": pre},
            files={f"package/{path}": text for path, text in pre.package.items()},
        )
        mods.append(preprocessing)
    if plan.api is not None and preprocessing is not None:
        inputs = _kms_input(kms)
        for f in plan.preprocessing.functions:
            inputs[f"{f.key}_function_name"] = Input(preprocessing.output(f"{f.key}_function_name"), f"Name of the Lambda behind {f.route}.")
            inputs[f"{f.key}_invoke_arn"] = Input(preprocessing.output(f"{f.key}_invoke_arn"), f"Invoke ARN of the Lambda behind {f.route}.")
        api = ModuleContext(
            key="api",
            template="api",
            summary="API Gateway REST API: routes with request validation, Lambda integrations, stage, throttling, usage plans and API keys.",
            inputs=inputs,
            outputs=(
                Output("rest_api_id", "ID of the REST API.", Ref("aws_api_gateway_rest_api.this.id")),
                Output("stage_name", "Name of the deployed stage.", Ref("aws_api_gateway_stage.this.stage_name")),
                Output("invoke_url", "Invoke URL of the stage.", Ref("aws_api_gateway_stage.this.invoke_url")),
                Output("api_keys", "API key values by key name.", Ref("local.api_keys"), sensitive=True),
            ),
            values={"api": plan.api},
            files={m.schema_file: m.schema for m in plan.api.methods if m.schema_file and m.schema},
        )
        mods.append(api)
    if plan.edge is not None and api is not None:
        e = plan.edge
        mods.append(
            ModuleContext(
                key="edge",
                template="edge",
                summary=("CloudFront in front of the API, " if e.cloudfront else "A regional custom domain on API Gateway, ")
                + "its ACM certificate (DNS-validated) and the Route 53 name.",
                inputs={
                    "rest_api_id": Input(api.output("rest_api_id"), "ID of the REST API behind the edge."),
                    "stage_name": Input(api.output("stage_name"), "Stage of the REST API to serve."),
                },
                outputs=(Output("url", "The API's public URL.", Ref("local.url")),),
                values={"edge": e},
                provider_aliases=("aws.us_east_1",) if e.cloudfront else (),
            )
        )
    return mods


def _endpoint_module(ep: EndpointPlan, kms: ModuleContext, capture: ModuleContext | None, role: ModuleContext) -> ModuleContext:
    inputs = {**_kms_input(kms), "execution_role_arn": Input(role.output("arn"), "ARN of the SageMaker execution role the models run as.")}
    if ep.capture is not None:
        assert capture is not None
        inputs["capture_bucket"] = Input(capture.output("bucket"), "Name of the bucket that receives data capture.")
    outputs = [
        Output("endpoint_name", "Name of the SageMaker endpoint.", Ref("aws_sagemaker_endpoint.this.name")),
        Output("endpoint_arn", "ARN of the SageMaker endpoint.", Ref("aws_sagemaker_endpoint.this.arn")),
        Output("endpoint_config_name", "Name of the endpoint configuration in service (changes with its content).", Ref("aws_sagemaker_endpoint_configuration.this.name")),
    ]
    for alarm in ep.alarms:
        outputs.append(Output(f"{alarm.key}_alarm", f"Name of the alarm on {alarm.description[0].lower()}{alarm.description[1:]}.", Ref(f"aws_cloudwatch_metric_alarm.{alarm.key}.alarm_name")))
    if ep.async_inference is not None:
        for topic in (ep.async_inference.success_topic, ep.async_inference.error_topic):
            if topic is not None:
                outputs.append(Output(f"{topic.key}_topic_arn", f"ARN of the SNS topic notified on async {topic.key}.", Ref(f"aws_sns_topic.{topic.key}.arn")))
    kinds = {"realtime": "real-time", "serverless": "serverless", "multi-model": "multi-model", "async": "asynchronous"}
    return ModuleContext(
        key=ep.module,
        template="endpoint",
        summary=f"The {kinds[ep.kind]} SageMaker endpoint {ep.name}: models, endpoint configuration, endpoint"
        + (", alarms" if ep.alarms else "")
        + (", auto-scaling" if any(v.scaling for v in ep.variants) else "")
        + ".",
        inputs=inputs,
        outputs=tuple(outputs),
        values={"ep": ep},
    )
