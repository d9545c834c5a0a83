"""The resource plan: every AWS name, default and dependency decided, as plain frozen dataclasses.

Nothing after this layer makes a decision: the context layer only reshapes a plan for the templates.
Values are either literals (from the config) or :class:`~mlinfra.expr.Ref` / ``Interp`` wiring.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import field
from typing import Generic, TypeVar

from ..expr import Interp, Ref
from ..records import record

Expr = str | Ref | Interp
P = TypeVar("P")


@record
class Statement:
    """One IAM policy statement (rendered as a ``statement`` block of ``aws_iam_policy_document``)."""

    sid: str
    actions: tuple[str, ...]
    resources: tuple[Expr, ...]
    # (test, variable, values), e.g. ("StringLike", "s3:prefix", ("models/*",))
    conditions: tuple[tuple[str, str, tuple[Expr, ...]], ...] = ()
    comment: str = ""
    # (type, identifiers), for key policies, which name their principals.
    principals: tuple[tuple[str, tuple[Expr, ...]], ...] = ()


@record
class ModelPlan:
    key: str  # Terraform resource name inside the endpoint module
    # The plan's part of the SageMaker model's name (content-hashed: models are immutable); the module
    # appends a hash of the inputs only Terraform knows (naming.TERRAFORM_HASH).
    name: str
    version: str
    image: str
    model_data_url: str | None  # one archive (or a multi-model prefix of archives); None: see model_data_prefix
    mode: str  # "SingleModel" | "MultiModel"
    environment: dict[str, str]
    network_isolation: bool | None  # None: not supported (serverless), the argument is left out
    tags: dict[str, str]  # the registry's view: version, status and quality metrics
    model_data_prefix: str | None = None  # uncompressed files under an S3 prefix (ModelDataSource S3Prefix)
    model: str | None = None  # the named model this is a version of (None: the one-model form's)

    @property
    def ref(self) -> str:
        """How the config names the version: ``detection@3.0.0``, or ``1.1.0`` in the one-model form."""
        return self.version if self.model is None else f"{self.model}@{self.version}"


@record
class ServerlessPlan:
    memory_size_in_mb: int
    max_concurrency: int
    provisioned_concurrency: int | None


@record
class ScalingPlan:
    key: str
    resource_id: Interp
    min_capacity: int
    max_capacity: int
    policy_name: str
    scale_in_cooldown: int
    scale_out_cooldown: int
    target_value: float
    # Real-time: the predefined invocations-per-instance metric. Async: the backlog per instance, plus a
    # step policy that adds the first instance when requests wait and no instance runs.
    predefined_metric: str | None
    backlog_metric_dimensions: dict[str, str] | None
    scale_from_zero: ScaleFromZeroPlan | None


@record
class ScaleFromZeroPlan:
    policy_name: str
    alarm_key: str
    alarm_name: str
    dimensions: dict[str, str]
    policy_key: str


@record
class AlarmPlan:
    key: str
    name: str
    description: str
    variant: str
    kind: str  # "latency" | "error_rate" (5XX) | "client_error_rate" (4XX) | "drift" | "metric" (raw AWS/SageMaker)
    threshold: float
    period: int
    evaluation_periods: int
    dimensions: dict[str, str]
    statistic: str = "p99"  # the latency alarm's (p50..p99: an extended statistic); rates are Sum-based
    comparison: str = "GreaterThanThreshold"
    # The rates' denominator: the AWS/SageMaker metric counting the requests served (Invocations;
    # InvocationsProcessed on asynchronous endpoints, which publish no Invocations).
    requests_metric: str = "Invocations"
    metric: str | None = None  # kind "metric": the AWS/SageMaker metric watched

    @property
    def is_latency(self) -> bool:
        return self.kind == "latency"


@record
class VariantPlan:
    key: str
    name: str
    model: ModelPlan
    weight: int | float
    instance_type: str | None
    instance_count: int | None
    serverless: ServerlessPlan | None
    scaling: ScalingPlan | None
    # ProductionVariant settings of instance variants; None leaves SageMaker's default.
    routing: str | None = None  # RoutingConfig.RoutingStrategy
    model_data_download_timeout: int | None = None  # seconds
    container_startup_health_check_timeout: int | None = None  # seconds
    volume_size_gb: int | None = None
    inference_ami_version: str | None = None


@record
class CapturePlan:
    sampling_percentage: int
    modes: tuple[str, ...]  # "Input" / "Output"
    json_content_types: tuple[str, ...]
    csv_content_types: tuple[str, ...]
    destination: Interp | str  # the platform bucket's (an Interp), or the user's own s3:// URI
    prefix: str  # the object key prefix in the bucket, without slashes at the ends ("" at the bucket's root)
    # The user's own destination bucket (None: the platform's capture bucket) and its KMS key (None: the
    # platform key in the platform bucket, the bucket's default encryption in the user's).
    bucket: str | None = None
    kms_key_arn: str | None = None

    @property
    def has_content_types(self) -> bool:
        return bool(self.json_content_types or self.csv_content_types)

    @property
    def in_platform_bucket(self) -> bool:
        return self.bucket is None

    def objects_of(self, endpoint_name: str) -> str:
        """The key prefix SageMaker writes an endpoint's captures under (``<prefix>/<endpoint>/``)."""
        return f"{self.prefix}/{endpoint_name}/" if self.prefix else f"{endpoint_name}/"

    def content(self) -> dict[str, object]:
        """What the endpoint configuration's name hashes: the fields, the user's destination only when set
        (so configurations that capture into the platform bucket keep their names)."""
        out = {
            k: getattr(self, k)
            for k in (
                "sampling_percentage",
                "modes",
                "json_content_types",
                "csv_content_types",
                "destination",
                "prefix",
            )
        }
        if self.bucket is not None:
            out.update(bucket=self.bucket, kms_key_arn=self.kms_key_arn)
        return out


@record
class DeploymentPlan:
    rolling: bool
    traffic_type: str | None  # CANARY | LINEAR | ALL_AT_ONCE (blue/green)
    step_type: str | None  # INSTANCE_COUNT | CAPACITY_PERCENT
    step_value: int | None
    wait_interval: int
    termination_wait: int | None
    max_execution_timeout: int | None
    rollback_alarms: tuple[str, ...]  # alarm resource keys in the endpoint module

    @property
    def step_block(self) -> str | None:
        """The provider's block for the step size of this strategy."""
        if self.rolling:
            return "maximum_batch_size"
        return {"CANARY": "canary_size", "LINEAR": "linear_step_size"}.get(self.traffic_type or "")


@record
class TopicPlan:
    key: str
    name: str


@record
class AsyncPlan:
    output_path: str
    failure_path: str | None
    max_concurrent_invocations_per_instance: int | None
    success_topic: TopicPlan | None
    error_topic: TopicPlan | None
    # Existing topics and the results' own key (bring your own); None: mlinfra's topics, the platform key.
    success_topic_arn: str | None = None
    error_topic_arn: str | None = None
    kms_key_arn: str | None = None

    @property
    def topic_types(self) -> tuple[str, ...]:
        """IncludeInferenceResponseIn: the kinds of topic that are set (SageMaker names no absent one)."""
        out = []
        if self.success_topic is not None or self.success_topic_arn is not None:
            out.append("SUCCESS_NOTIFICATION_TOPIC")
        if self.error_topic is not None or self.error_topic_arn is not None:
            out.append("ERROR_NOTIFICATION_TOPIC")
        return tuple(out)

    def content(self) -> dict[str, object]:
        """What CreateEndpointConfig receives of it; the bring-your-own fields only when set, so that the
        endpoint configurations of earlier renders keep their names."""
        out: dict[str, object] = {
            k: getattr(self, k)
            for k in (
                "output_path",
                "failure_path",
                "max_concurrent_invocations_per_instance",
                "success_topic",
                "error_topic",
            )
        }
        out.update(
            {
                k: v
                for k in ("success_topic_arn", "error_topic_arn", "kms_key_arn")
                if (v := getattr(self, k)) is not None
            }
        )
        return out


@record
class EndpointPlan:
    label: str  # the endpoint's name in the config
    key: str  # identifier in the root module (``module "endpoint_<key>"``)
    module: str  # the module block's label in the root (every endpoint calls modules/endpoint)
    name: str
    # The plan's part of the configuration's name (content-hashed: endpoint configurations are immutable in
    # SageMaker); the module appends a hash of the inputs only Terraform knows (naming.TERRAFORM_HASH).
    config_name: str
    kind: str
    models: tuple[ModelPlan, ...]
    variants: tuple[VariantPlan, ...]
    shadow: VariantPlan | None
    capture: CapturePlan | None
    alarms: tuple[AlarmPlan, ...]
    deployment: DeploymentPlan | None
    async_inference: AsyncPlan | None
    # SageMaker refuses KmsKeyId on instances with local NVMe storage (their volumes are hardware-encrypted).
    encrypt_storage: bool
    uses_capture_bucket: bool
    tags: dict[str, str]  # the endpoint's resources, beyond the provider's default_tags
    in_vpc: bool  # the models run in the network's private subnets (never on serverless endpoints)
    ignored_weights: tuple[Ref, ...]  # lifecycle.ignore_changes: weights are shifted live by promote


@record
class RolePlan:
    """The SageMaker execution role; its statements are contributed by the components that use it."""

    name: str


@record
class EndpointsPlan:
    endpoints: tuple[EndpointPlan, ...]
    # What the execution role must be granted for these endpoints (the endpoint component contributes it).
    role_statements: tuple[Statement, ...]
    # Existing SNS topics every alarm also notifies (monitoring.alarm_topics), besides the alerts topic.
    alarm_topics: tuple[str, ...] = ()


# --- endpoints of kind components (inference components on a shared fleet) --------------------------------


@record
class CopyScalingPlan:
    min: int
    max: int
    target_invocations: int
    scale_in_cooldown: int
    scale_out_cooldown: int
    policy_name: str
    # min 0: target tracking cannot wake a component without copies; a step policy on an alarm does.
    from_zero_policy_name: str | None = None
    from_zero_alarm_name: str | None = None


@record
class InferenceComponentPlan:
    key: str  # Terraform key inside the module (for_each)
    label: str  # the config's name
    name: str  # the inference component's name in SageMaker
    model: ModelPlan
    min_memory_mb: int
    max_memory_mb: int | None
    cpu_cores: float | None
    accelerators: int | None
    copies: int
    scaling: CopyScalingPlan | None
    model_data_download_timeout: int | None = None  # seconds; None: SageMaker's default
    container_startup_health_check_timeout: int | None = None  # seconds; None: SageMaker's default


@record
class FleetScalingPlan:
    min: int
    max: int


@record
class RolloutPlan:
    """InferenceComponentDeploymentConfig of every component of an endpoint: a rolling update, and the
    component's own alarms (keys of the endpoint's alarms) that roll it back."""

    step_type: str  # COPY_COUNT | CAPACITY_PERCENT
    step_value: int
    wait_interval: int
    max_execution_timeout: int | None
    rollback_step_type: str | None  # None: all of the old capacity at once (SageMaker's default)
    rollback_step_value: int | None
    rollback_alarms: dict[str, tuple[str, ...]]  # component key -> its alarms' keys (empty: no auto-rollback)


@record
class ComponentsEndpointPlan:
    label: str
    key: str
    module: str
    name: str
    config_name: str  # the plan's part, as EndpointPlan.config_name
    variant_name: str
    instance_type: str
    instance_count: int
    scaling: FleetScalingPlan | None
    routing: str | None
    encrypt_storage: bool  # False on instance types with local NVMe storage (SageMaker refuses a key)
    components: tuple[InferenceComponentPlan, ...]
    volume_size_gb: int | None = None  # None: SageMaker's default volume
    inference_ami_version: str | None = None  # None: SageMaker's default AMI
    # Each component's latency and error-rate alarms (InferenceComponentName), the realtime variants' kinds.
    alarms: tuple[AlarmPlan, ...] = ()
    rollout: RolloutPlan | None = None
    capture: CapturePlan | None = None
    # The endpoint's own tags, on its aws resources beyond the provider's default_tags (and merged into
    # the awscc components' explicit tags).
    tags: dict[str, str] = field(default_factory=dict)
    #: Each component's own tags (its model version's over the endpoint's, then Component and
    #: ModelVersion), by component key: awscc writes them merged over the project's.
    component_tags: dict[str, dict[str, str]] = field(default_factory=dict)

    @property
    def uses_capture_bucket(self) -> bool:
        return self.capture is not None and self.capture.in_platform_bucket


@record
class InferenceComponentsPlan:
    endpoints: tuple[ComponentsEndpointPlan, ...]
    role_statements: tuple[Statement, ...]
    # awscc has no default_tags: the tags the aws provider's default_tags carry, written on each resource.
    tags: dict[str, str]
    # Existing SNS topics every alarm also notifies (monitoring.alarm_topics), besides the alerts topic.
    alarm_topics: tuple[str, ...] = ()


@record
class BackendPlan:
    bucket: str
    key: str
    region: str
    encrypt: bool
    kms_key_id: str | None
    use_lockfile: bool
    dynamodb_table: str | None


@record
class KmsPlan:
    alias: str
    description: str


@record
class CaptureBucketPlan:
    name_prefix: str  # the bucket is <prefix><account ID>: globally unique without a random suffix
    retention_days: int
    holds_captures: bool = True  # False: only Model Monitor's reports (the endpoints capture elsewhere)
    # What expires: each capture prefix and each monitored endpoint's reports; never Clarify's analysis
    # configurations (monitoring/<endpoint>/config/), which the monitoring jobs read at every run.
    expiring_prefixes: tuple[str, ...] = ()


@record
class PlatformPlan:
    """The platform's own settings, and each present component's plan in ``parts`` (by component name)."""

    project: str
    environment: str
    prefix: str
    region: str
    tags: dict[str, str]
    backend: BackendPlan | None
    terraform_version: str  # required_version of the root, e.g. ">= 1.10" (S3 lockfile)
    parts: Mapping[str, object] = field(default_factory=dict)

    @property
    def endpoints(self) -> tuple[EndpointPlan, ...]:
        part = ENDPOINTS.of(self.parts)
        return part.endpoints if part is not None else ()

    @property
    def role(self) -> RolePlan:
        part = ROLE.of(self.parts)
        assert part is not None, "every platform has the SageMaker execution role"
        return part

    @property
    def network(self) -> NetworkPlan | None:
        return NETWORK.of(self.parts)

    @property
    def cache(self) -> CachePlan | None:
        return CACHE.of(self.parts)

    @property
    def results(self) -> ResultsPlan | None:
        return RESULTS.of(self.parts)

    @property
    def preprocessing(self) -> PreprocessingPlan | None:
        return PREPROCESSING.of(self.parts)

    @property
    def api(self) -> ApiPlan | None:
        return API.of(self.parts)

    @property
    def edge(self) -> EdgePlan | None:
        return EDGE.of(self.parts)


# --- the real-time path ---------------------------------------------------------------------------------


@record
class SubnetPlan:
    cidr: str
    zone_index: int  # index into the region's available Availability Zones
    name: str


@record
class VpcPlan:
    """A VPC mlinfra creates: private subnets only, AWS APIs through VPC endpoints."""

    name: str
    cidr: str
    subnets: tuple[SubnetPlan, ...]
    route_table_name: str
    flow_log_group: str | None  # None: no flow logs
    flow_log_retention_days: int
    flow_log_role_name: str
    gateway_endpoints: tuple[tuple[str, str], ...]  # (service, service name): s3, dynamodb


@record
class NetworkPlan:
    vpc_id: str | None  # the existing VPC; None when ``vpc`` is created
    subnet_ids: tuple[str, ...]  # the existing private subnets; () when ``vpc`` is created
    #: The platform's name prefix: AWS names of the security groups the components request are
    #: ``mlinfra.components.network.plan.security_group_name(prefix, request)``.
    prefix: str
    vpc: VpcPlan | None = None
    region: str = ""
    endpoints_security_group_name: str = ""
    #: Interface endpoints the config asks for (beyond the components' contributions).
    interface_endpoints: tuple[str, ...] = ()


@record
class CachePlan:
    replication_group_id: str
    description: str
    node_type: str
    engine_version: str
    parameter_group: str
    num_cache_clusters: int
    failover: bool  # automatic failover and Multi-AZ need a replica
    subnet_group_name: str
    security_group_name: str
    secret_name: str
    port: int = 6379


@record
class ResultsPlan:
    table_name: str
    hash_key: str
    ttl_attribute: str
    ttl_days: int


@record
class FunctionPlan:
    """One preprocessing Lambda, serving one route."""

    key: str
    route: str  # "POST /predict/tabular"
    path: str
    kind: str
    function_name: str
    handler: str
    role_name: str
    log_group: str
    log_retention_days: int
    runtime: str
    memory_mb: int
    timeout: int
    reserved_concurrency: int | None
    layers: tuple[str, ...]
    environment: dict[str, Expr]
    endpoint_name: str
    variant: str | None

    @property
    def summary(self) -> str:
        target = f"{self.endpoint_name} (variant {self.variant})" if self.variant else self.endpoint_name
        return f"{self.route}: {self.kind} preprocessing, then {target}"


@record
class PreprocessingPlan:
    functions: tuple[FunctionPlan, ...]
    statements: tuple[Statement, ...]  # every function's policy (with each.value parts), for_each in the module
    dlq_name: str
    in_vpc: bool  # in the network's private subnets (``network.private_subnet_ids``)
    package: dict[str, str]  # path inside the Lambda package → text
    key_policy: tuple[Statement, ...]  # what the platform key must allow (CloudWatch Logs for the log groups)


@record
class ApiResourcePlan:
    key: str  # the name of its block in earlier renders (one block per resource)
    path: str  # the path so far: its key in the module's block of its depth
    path_part: str
    parent: str | None  # path of the parent resource; None for the API's root resource


@record
class MethodPlan:
    key: str  # the route's function key
    resource: str
    path: str
    model_name: str | None
    schema: str | None  # JSON Schema (draft 4) text for the request model
    schema_file: str | None  # where the module keeps it, relative to the module
    function: str  # function key in the preprocessing module
    # The Lambda's name, known from the config: the integration's invoke ARN is built from it, so the API
    # takes no output of the preprocessing module (checkov expands the API's for_each only then).
    function_name: str = ""


@record
class UsagePlanPlan:
    key: str
    name: str
    throttle: tuple[int, float] | None  # (burst, rate)
    quota: tuple[int, str] | None  # (limit, period)
    keys: tuple[tuple[str, str, str], ...]  # (resource key, API key name, config key name)


@record
class ApiPlan:
    name: str
    stage: str
    throttle_rate: float
    throttle_burst: int
    resources: tuple[ApiResourcePlan, ...]  # outermost first, in the order of the routes
    methods: tuple[MethodPlan, ...]
    usage_plans: tuple[UsagePlanPlan, ...]
    require_api_key: bool
    access_logs: bool
    account_logging_role: bool  # manage the account-and-region-wide aws_api_gateway_account setting
    # A regional custom domain fronts the API: the default execute-api endpoint is switched off, so the
    # custom domain is the only way in. CloudFront's origin IS the execute-api endpoint: kept then.
    disable_execute_api_endpoint: bool
    access_log_group: str
    log_retention_days: int
    tracing: bool
    cloudwatch_role_name: str
    key_policy: tuple[Statement, ...]  # what the platform key must allow (CloudWatch Logs, access logs)
    region: str  # of the routes' Lambdas (their invoke ARNs)


@record
class EdgePlan:
    domain: str
    zone: str
    cloudfront: bool
    stage: str
    region: str
    comment: str


# --- how one component reads another's plan --------------------------------------------------------------


@record
class PlanOf(Generic[P]):
    """One component's plan as the others (and the operations) read it from the plan's ``parts``: its
    name and its type, declared once next to the type, instead of a string lookup and an ``isinstance``
    at each use. A component's ``name`` is its key's."""

    name: str
    type: type[P]

    def of(self, parts: Mapping[str, object]) -> P | None:
        """The plan, or ``None`` when the config does not ask for the component."""
        part = parts.get(self.name)
        if part is not None and not isinstance(part, self.type):
            raise TypeError(f"plan part {self.name} is a {type(part).__name__}, not a {self.type.__name__}")
        return part


KMS = PlanOf("kms", KmsPlan)
ENDPOINTS = PlanOf("endpoint", EndpointsPlan)
INFERENCE_COMPONENTS = PlanOf("inference_components", InferenceComponentsPlan)
CAPTURE_BUCKET = PlanOf("capture_bucket", CaptureBucketPlan)
ROLE = PlanOf("sagemaker_role", RolePlan)
NETWORK = PlanOf("network", NetworkPlan)
CACHE = PlanOf("cache", CachePlan)
RESULTS = PlanOf("results", ResultsPlan)
PREPROCESSING = PlanOf("preprocessing", PreprocessingPlan)
API = PlanOf("api", ApiPlan)
EDGE = PlanOf("edge", EdgePlan)
