"""The typed platform config: the one source of truth for what a user may write and its defaults.

Shapes and ranges live here (pydantic); rules that relate several fields live in ``rules.py`` so that each
has a name, a precise field path and a test. Every model is frozen and forbids unknown keys: a typo must
not be ignored.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Discriminator, Field, StringConstraints, Tag, model_validator

from ..records import record
from .lenient import ENV_TEXT, S3_URL

# --- shared field types --------------------------------------------------------------------------------

# SageMaker names (endpoints, variants, models): ^[a-zA-Z0-9](-*[a-zA-Z0-9])*, at most 63 characters.
SAGEMAKER_NAME_RE = r"^[a-zA-Z0-9](-*[a-zA-Z0-9])*$"
# Our own component names become Terraform identifiers and parts of AWS names: lower-case, dashes inside.
COMPONENT_NAME_RE = r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$"
SEMVER_RE = r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z.-]+)?$"
# A reference to a model version: detection@3.0.0, or the version alone where one model has it.
MODEL_REF_RE = r"^([a-z][a-z0-9]*(-[a-z0-9]+)*@)?(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z.-]+)?$"
S3_URI_RE = r"^s3://[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](/[^\s]*)?$"
INSTANCE_TYPE_RE = r"^ml\.[a-z0-9-]+\.[a-z0-9]+$"  # ml.p6-b200.48xlarge, ml.c7i-flex.large
# SageMaker pulls from ECR (private registries need VPC-only repository access, which mlinfra does not set up):
# ACCOUNT.dkr.ecr.REGION.amazonaws.com[.cn]/repository(:tag|@sha256:digest)
IMAGE_RE = (
    r"^\d{12}\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com(\.cn)?/[a-z0-9._/-]+(:[A-Za-z0-9._-]{1,128}|@sha256:[a-f0-9]{64})$"
)

# Checked against the real list of regions by the unknown-region rule (a pattern accepts us-east-7).
RegionName = Annotated[str, StringConstraints(min_length=1, max_length=32)]
ComponentName = Annotated[str, StringConstraints(pattern=COMPONENT_NAME_RE, max_length=32)]
VariantName = Annotated[str, StringConstraints(pattern=SAGEMAKER_NAME_RE, max_length=63)]
# An S3 object URL (https://bucket.s3.region.amazonaws.com/key, ...) is read as its s3:// URI (lenient.py).
S3Uri = Annotated[str, StringConstraints(pattern=S3_URI_RE, max_length=1024), S3_URL]
Version = Annotated[str, StringConstraints(pattern=SEMVER_RE, max_length=64)]
ModelName = Annotated[str, StringConstraints(pattern=COMPONENT_NAME_RE, max_length=32)]
ModelRef = Annotated[str, StringConstraints(pattern=MODEL_REF_RE, max_length=97)]
TagKey = Annotated[str, StringConstraints(min_length=1, max_length=128, pattern=r"^[\w .:/=+@-]+$")]
TagValue = Annotated[str, StringConstraints(max_length=256, pattern=r"^[\w .:/=+@-]*$")]
PositiveInt = Annotated[int, Field(ge=1)]
Seconds = Annotated[int, Field(ge=0)]
#: The retention periods CloudWatch Logs accepts, in days (of the log groups the components create).
LogRetention = Literal[
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653
]


class Strict(BaseModel):
    # strict: YAML's `true` is not an instance count and "80" is not a weight; no inf/nan numbers.
    model_config = ConfigDict(
        extra="forbid", frozen=True, strict=True, allow_inf_nan=False, validate_default=True, defer_build=True
    )


class Subscriber(Strict):
    """One subscriber of an SNS topic mlinfra creates (batch notifications, alerts): exactly one of email,
    https, sqs (an SQS queue ARN); the rules say so with the field's line."""

    email: Annotated[str, StringConstraints(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", max_length=254)] | None = None
    https: Annotated[str, StringConstraints(pattern=r"^https://[^\s]+$", max_length=2048)] | None = None
    sqs: (
        Annotated[
            str, StringConstraints(pattern=r"^arn:aws[a-z-]*:sqs:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,80}(\.fifo)?$")
        ]
        | None
    ) = None

    @property
    def given(self) -> tuple[tuple[str, str], ...]:
        """(protocol, endpoint) of each field given: one, once the rules hold."""
        return tuple((p, v) for p in ("email", "https", "sqs") if (v := getattr(self, p)) is not None)


# --- project -------------------------------------------------------------------------------------------


class Project(Strict):
    """Who owns the platform and where it lives."""

    name: Annotated[str, StringConstraints(pattern=COMPONENT_NAME_RE, max_length=20)]
    environment: Annotated[str, StringConstraints(pattern=COMPONENT_NAME_RE, max_length=10)]
    region: RegionName
    tags: dict[TagKey, TagValue] = Field(default_factory=dict)


class StateBackend(Strict):
    """S3 state with S3-native locking (Terraform ≥ 1.10 ``use_lockfile``), optionally a DynamoDB lock table."""

    bucket: Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")]
    key: Annotated[str, StringConstraints(min_length=1, max_length=1024)] = "mlinfra/terraform.tfstate"
    region: RegionName | None = None
    kms_key_id: Annotated[str, StringConstraints(min_length=1)] | None = None
    use_lockfile: bool = True
    dynamodb_table: Annotated[str, StringConstraints(pattern=r"^[a-zA-Z0-9_.-]{3,255}$")] | None = None


# --- model registry ------------------------------------------------------------------------------------

#: staging -> canary -> production -> previous (the former production, still deployable: a rollback target)
#: -> deprecated (listed for the record, never deployed). One version of each model is production at a time.
ModelStatus = Literal["staging", "canary", "production", "previous", "deprecated"]


class ModelVersion(Strict):
    """One version in the registry. Deprecated versions stay listed for the record but are never deployed."""

    version: Version
    status: ModelStatus
    image: Annotated[str, StringConstraints(pattern=IMAGE_RE, max_length=255)]
    # Where the model's files are: one gzip-compressed tar archive (model_data), uncompressed files under
    # an S3 prefix (model_data_prefix, ModelDataSource S3Prefix without compression), or neither when the
    # image carries the model or fetches it at start (e.g. a Hugging Face Hub id in the environment).
    model_data: S3Uri | None = None
    model_data_prefix: S3Uri | None = None
    # A number or boolean value becomes the text written in the YAML (SageMaker stores strings; lenient.py).
    environment: dict[
        Annotated[str, StringConstraints(pattern=r"^[a-zA-Z_][a-zA-Z0-9_]{0,1023}$")],
        Annotated[str, StringConstraints(max_length=1024), ENV_TEXT],
    ] = Field(default_factory=dict)
    metrics: dict[Annotated[str, StringConstraints(pattern=r"^[a-zA-Z_][a-zA-Z0-9_.-]*$")], float] = Field(
        default_factory=dict
    )
    # The container gets no network access (SageMaker still fetches the artifact and image for it).
    network_isolation: bool = True
    # On this version's SageMaker models (and inference components), over the endpoint's and the project's.
    tags: dict[TagKey, TagValue] = Field(default_factory=dict)


class NamedModel(Strict):
    """A model by name with its own versions and lifecycle (one production version per model). Variants,
    components and batch name one of its versions as ``<name>@<version>``."""

    name: ModelName
    versions: Annotated[list[ModelVersion], Field(min_length=1)]


def _model_tag(value: object) -> str:
    if isinstance(value, dict):
        return "model" if "versions" in value or ("name" in value and "version" not in value) else "version"
    return "model" if isinstance(value, NamedModel) else "version"


#: An entry of ``models``: a named model with its versions, or (the one-model form) a version of the
#: config's one unnamed model.
AnyModel = Annotated[
    Annotated[ModelVersion, Tag("version")] | Annotated[NamedModel, Tag("model")], Discriminator(_model_tag)
]


@record
class Listed:
    """A model version where the config lists it: its location, its model's name (None in the one-model form)."""

    at: tuple[str | int, ...]
    model: str | None
    entry: ModelVersion

    @property
    def ref(self) -> str:
        """How a variant names it: ``detection@3.0.0``, or the version alone in the one-model form."""
        return self.entry.version if self.model is None else f"{self.model}@{self.entry.version}"


def version_key(version: str) -> tuple[int, int, int, int, str]:
    """Semantic-version order: 1.10.0 after 1.9.0, and a pre-release (2.0.0-rc1) before its release."""
    core, dash, pre = version.partition("-")
    major, minor, patch = (int(p) for p in core.split("."))
    return (major, minor, patch, 0 if dash else 1, pre)


def split_ref(ref: str) -> tuple[str | None, str]:
    """``detection@3.0.0`` -> ("detection", "3.0.0"); ``3.0.0`` -> (None, "3.0.0")."""
    name, _, version = ref.rpartition("@")
    return name or None, version


# --- endpoints -----------------------------------------------------------------------------------------


class Serverless(Strict):
    """Serverless compute for a variant (instead of instances)."""

    memory_mb: Literal[1024, 2048, 3072, 4096, 5120, 6144]
    max_concurrency: Annotated[int, Field(ge=1, le=200)]
    provisioned_concurrency: Annotated[int, Field(ge=1, le=200)] | None = None


class AutoScaling(Strict):
    """Target tracking on invocations per instance (or, for async endpoints, on the backlog per instance:
    async endpoints publish no InvocationsPerInstance, so target_invocations is refused there)."""

    min: Annotated[int, Field(ge=0)]
    max: PositiveInt
    target_invocations: Annotated[int, Field(ge=1)] | None = None
    target_backlog_per_instance: Annotated[float, Field(gt=0)] | None = None
    scale_in_cooldown: Seconds = 300
    scale_out_cooldown: Seconds = 60


#: ProductionVariantRoutingConfig.RoutingStrategy (botocore's sagemaker service-2.json, RoutingStrategy);
#: botocore 1.44 also lists PREFIX_AWARE and KV_AWARE (LLM cache-aware routing, with a config of their
#: own that mlinfra does not render): not offered.
RoutingStrategy = Literal["LEAST_OUTSTANDING_REQUESTS", "RANDOM"]
#: ProductionVariant.InferenceAmiVersion (botocore 1.44's ProductionVariantInferenceAmiVersion): the gpu
#: images are for NVIDIA GPU instances, neuron-2 for Inferentia2 and Trainium (rules: inference-ami-instance).
InferenceAmiVersion = Literal[
    "al2-ami-sagemaker-inference-gpu-2",
    "al2-ami-sagemaker-inference-gpu-2-1",
    "al2-ami-sagemaker-inference-gpu-3-1",
    "al2023-ami-sagemaker-inference-gpu-4-1",
    "al2-ami-sagemaker-inference-neuron-2",
]
# Ranges of botocore's sagemaker service-2.json: ProductionVariantModelDataDownloadTimeoutInSeconds and
# ProductionVariantContainerStartupHealthCheckTimeoutInSeconds 60..3600, ProductionVariantVolumeSizeInGB 1..512.
VariantTimeout = Annotated[int, Field(ge=60, le=3600)]
VolumeSizeGb = Annotated[int, Field(ge=1, le=512)]


class Variant(Strict):
    """A production (or shadow) variant: a model version on instances or on serverless compute."""

    name: VariantName
    model: ModelRef
    instance_type: Annotated[str, StringConstraints(pattern=INSTANCE_TYPE_RE)] | None = None
    instance_count: PositiveInt | None = None
    serverless: Serverless | None = None
    # Relative weight, rendered as given (80 and 20 read as 80 % and 20 %).
    weight: Annotated[float, Field(ge=0)] = 1
    autoscaling: AutoScaling | None = None
    # Instance variants only (rules: variant-settings-serverless). How requests are spread over the
    # variant's instances, how long SageMaker waits for the model's download and for the container's first
    # healthy ping, the EBS volume of each instance (not on types with local NVMe storage) and the AMI.
    routing: RoutingStrategy | None = None
    model_data_download_timeout_seconds: VariantTimeout | None = None
    container_startup_health_check_timeout_seconds: VariantTimeout | None = None
    volume_size_gb: VolumeSizeGb | None = None
    inference_ami_version: InferenceAmiVersion | None = None
    # Read only to be refused with the reason (managed-instance-scaling-variant): SageMaker takes managed
    # instance scaling on endpoints with inference components only (kind: components, fleet.scaling).
    managed_instance_scaling: object = None
    # Why this variant's canary version is not a newer version of the model the endpoint's production
    # variant serves (rules: canary-model-differs, canary-not-newer); said, the rule lets it be.
    canary_reason: Annotated[str, StringConstraints(min_length=1, max_length=256)] | None = None


CaptureMode = Literal["input", "output"]


def _both_modes() -> list[CaptureMode]:
    return ["input", "output"]


class DataCapture(Strict):
    """Request/response capture into the platform's capture bucket, under ``prefix``, or into the user's
    own ``destination`` (bucket and prefix), optionally encrypted with the user's ``kms_key_arn``."""

    sampling_percentage: Annotated[int, Field(ge=0, le=100)] = 100
    modes: Annotated[list[CaptureMode], Field(min_length=1, max_length=2)] = Field(default_factory=_both_modes)
    json_content_types: list[Annotated[str, StringConstraints(pattern=r"^[a-zA-Z0-9*.+/-]+$")]] = Field(
        default_factory=list
    )
    csv_content_types: list[Annotated[str, StringConstraints(pattern=r"^[a-zA-Z0-9*.+/-]+$")]] = Field(
        default_factory=list
    )
    prefix: Annotated[str, StringConstraints(pattern=r"^[a-zA-Z0-9!_.*'()/-]+$", max_length=256)] | None = None
    # The user's own destination instead of the platform's capture bucket: SageMaker writes under
    # <destination>/<endpoint name>/<variant>/yyyy/mm/dd/hh/. KmsKeyId is at most 2048 characters
    # (botocore DataCaptureConfigSummary.KmsKeyId); the capture-kms-key-form rule wants a key ARN.
    destination: S3Uri | None = None
    kms_key_arn: Annotated[str, StringConstraints(min_length=1, max_length=2048)] | None = None


#: Metrics SageMaker publishes in AWS/SageMaker per variant (EndpointName, VariantName) or per inference
#: component (InferenceComponentName), which an alarm of ``alarms.metrics`` may watch. Latencies and
#: ModelSetupTime are in microseconds. Rules say which endpoint kinds publish which.
SageMakerMetric = Literal[
    "Invocations",
    "Invocation4XXErrors",
    "Invocation5XXErrors",
    "InvocationModelErrors",
    "InvocationsPerInstance",
    "InvocationsPerCopy",
    "InvocationsProcessed",
    "ModelLatency",
    "OverheadLatency",
    "ModelSetupTime",
]
#: CloudWatch's statistics, and its percentiles (``p99``, ``p99.9``: an extended statistic).
CLOUDWATCH_STATISTIC_RE = r"^(SampleCount|Average|Sum|Minimum|Maximum|p(\d{1,2}(\.\d{1,10})?|100))$"
CloudWatchStatistic = Annotated[str, StringConstraints(pattern=CLOUDWATCH_STATISTIC_RE)]


class MetricAlarm(Strict):
    """An alarm on one SageMaker metric and statistic, as AWS's deployment-guardrail examples write them
    (``Average`` of ``Invocation5XXErrors`` ``>= 1``); the threshold is in the metric's own unit."""

    metric: SageMakerMetric
    statistic: CloudWatchStatistic
    threshold: float
    comparison: Literal[">", ">=", "<", "<="] | None = None  # default: the alarms' comparison


class Alarms(Strict):
    """The alarms that guard each production variant; blue/green auto-rollback watches them."""

    # Ranges that make an alarm useless (always or never firing) are rules, so the message can say why.
    latency_p99_ms: float
    error_rate_percent: float
    period_seconds: Literal[10, 30, 60, 300, 900, 3600] = 60
    evaluation_periods: Annotated[int, Field(ge=1, le=100)] = 2
    # The latency alarm's statistic (latency_p99_ms is its threshold) and every alarm's comparison.
    latency_statistic: Literal["p50", "p90", "p95", "p99", "Average", "Maximum"] = "p99"
    comparison: Literal[">", ">="] = ">"
    client_error_rate_percent: float | None = None  # a 4XX rate alarm per variant
    # FeatureDrift (namespace MLInference, `mlinfra monitor drift --publish`) above this, per feature.
    drift_threshold: Annotated[float, Field(gt=0)] | None = None
    drift_features: list[
        Annotated[str, StringConstraints(min_length=1, max_length=255, pattern=r"^[\w .:/=+@-]+$")]
    ] = Field(default_factory=list)
    # Alarms on raw SageMaker metrics, per variant (or component), next to the rates above.
    metrics: Annotated[list[MetricAlarm], Field(max_length=20)] = Field(default_factory=list)


DeploymentStrategy = Literal["canary", "linear", "all_at_once", "rolling"]


class Deployment(Strict):
    """How an endpoint update is rolled out: blue/green (canary, linear, all at once) or rolling."""

    strategy: DeploymentStrategy
    step_instances: PositiveInt | None = None
    step_percent: Annotated[int, Field(ge=1, le=100)] | None = None
    wait_seconds: Annotated[int, Field(ge=0, le=3600)] = 300
    termination_wait_seconds: Annotated[int, Field(ge=0, le=3600)] = 0
    max_execution_timeout_seconds: Annotated[int, Field(ge=600, le=28800)] | None = None
    rollback_on_alarms: bool = True


#: botocore's SnsTopicArn (AsyncInferenceNotificationConfig SuccessTopic / ErrorTopic): pattern and max 2048.
SNS_TOPIC_ARN_RE = r"^arn:aws[a-z\-]*:sns:[a-z0-9\-]*:[0-9]{12}:[a-zA-Z0-9_.-]+$"
SnsTopicArn = Annotated[str, StringConstraints(pattern=SNS_TOPIC_ARN_RE, max_length=2048)]


class AsyncTopics(Strict):
    """Existing SNS topics (bring your own) told of each success and error, instead of topics mlinfra creates.
    Either may be left out: SageMaker then sends no notification of that outcome."""

    success_topic: SnsTopicArn | None = None
    error_topic: SnsTopicArn | None = None


def _notifications_tag(value: object) -> str:
    # A mapping names topics; anything else must be true or false (the error then says so, not both).
    return "topics" if isinstance(value, (dict, AsyncTopics)) else "flag"


class AsyncInference(Strict):
    """Asynchronous inference: results land in S3, SNS topics announce success and failure."""

    # Where callers upload requests; the execution role may read only here. Left out: where the SageMaker
    # Python SDK's AsyncPredictor uploads (the README's async row says what the role then reads).
    input_path: S3Uri | None = None
    output_path: S3Uri
    failure_path: S3Uri | None = None
    max_concurrent_invocations_per_instance: Annotated[int, Field(ge=1, le=1000)] | None = None
    # true: mlinfra creates a success and an error topic; false: none; topics: existing ones (their ARNs).
    notifications: Annotated[
        Annotated[bool, Tag("flag")] | Annotated[AsyncTopics, Tag("topics")], Discriminator(_notifications_tag)
    ] = True
    # The KMS key SageMaker encrypts the results (and failures) in S3 with (AsyncInferenceOutputConfig
    # KmsKeyId, botocore max 2048); without it, the platform key. A key ARN: the role is granted exactly it.
    kms_key_arn: Annotated[str, StringConstraints(min_length=1, max_length=2048)] | None = None


class MultiModel(Strict):
    """Multi-model endpoints load model archives on demand from one S3 prefix."""

    model_data_prefix: S3Uri


# "components" is listed for the allowed values of a typo's message; such endpoints are
# InferenceComponentsEndpoint.
EndpointKind = Literal["realtime", "serverless", "multi-model", "async", "components"]


class Endpoint(Strict):
    """A SageMaker endpoint with its variants and everything that operates it."""

    name: ComponentName
    kind: EndpointKind = "realtime"
    variants: Annotated[list[Variant], Field(min_length=1, max_length=10)]
    shadow: Variant | None = None
    data_capture: DataCapture | None = None
    alarms: Alarms | None = None
    deployment: Deployment | None = None
    async_inference: AsyncInference | None = Field(default=None, alias="async")
    multi_model: MultiModel | None = None
    # On every resource of this endpoint, over the project's tags (a model version's own win over these).
    tags: dict[TagKey, TagValue] = Field(default_factory=dict)

    model_config = ConfigDict(
        extra="forbid", frozen=True, strict=True, allow_inf_nan=False, validate_default=True, populate_by_name=True
    )


# --- inference components (kind: components) -------------------------------------------------------------


class FleetScaling(Strict):
    """Managed instance scaling: SageMaker adds and removes instances as the components' copies need them
    (min 0 lets the fleet scale to zero instances, which AWS allows only on endpoints with components)."""

    min: Annotated[int, Field(ge=0)]
    max: PositiveInt


class Fleet(Strict):
    """The instances an endpoint's inference components share."""

    instance_type: Annotated[str, StringConstraints(pattern=INSTANCE_TYPE_RE)]
    instance_count: PositiveInt = 1  # the initial instance count
    scaling: FleetScaling | None = None
    routing: RoutingStrategy | None = None
    # The instances' EBS volume (not on types with local NVMe storage) and AMI, as on a variant.
    volume_size_gb: VolumeSizeGb | None = None
    inference_ami_version: InferenceAmiVersion | None = None


class CopyScaling(Strict):
    """Target tracking of a component's copy count on SageMakerInferenceComponentInvocationsPerCopy."""

    min: Annotated[int, Field(ge=0)]
    max: PositiveInt
    target_invocations: PositiveInt  # invocations per copy per minute
    scale_in_cooldown: Seconds = 300
    scale_out_cooldown: Seconds = 60


class InferenceComponent(Strict):
    """One model version on the fleet, with what each of its copies reserves on an instance."""

    name: ComponentName
    model: ModelRef
    min_memory_mb: Annotated[int, Field(ge=128)]
    max_memory_mb: Annotated[int, Field(ge=128)] | None = None
    cpu_cores: Annotated[float, Field(ge=0.25)] | None = None
    # Whole devices; a share ("25 %", 0.25) is read so that the rule can say why it is refused.
    accelerators: float | str | None = None
    copies: PositiveInt = 1  # the initial copy count
    autoscaling: CopyScaling | None = None
    # CreateInferenceComponent's StartupParameters (the start-up timeouts of a variant, per component).
    model_data_download_timeout_seconds: VariantTimeout | None = None
    container_startup_health_check_timeout_seconds: VariantTimeout | None = None


class ComponentDeployment(Strict):
    """How each inference component moves to a new model or specification: a rolling update
    (InferenceComponentRollingUpdatePolicy) that rolls back when the component's alarms fire."""

    # The batch of each step (MaximumBatchSize, required): copies, or a percentage of the component's copies;
    # SageMaker takes 5 % to 50 % of the copy count (the rules say so with the component named).
    step_copies: PositiveInt | None = None
    step_percent: Annotated[int, Field(ge=1, le=100)] | None = None
    # botocore WaitIntervalInSeconds 0..3600 and MaximumExecutionTimeoutInSeconds 600..28800.
    wait_seconds: Annotated[int, Field(ge=0, le=3600)] = 300
    max_execution_timeout_seconds: Annotated[int, Field(ge=600, le=28800)] | None = None
    # The batch of a rollback (RollbackMaximumBatchSize); left out: all of the old capacity at once.
    rollback_step_copies: PositiveInt | None = None
    rollback_step_percent: Annotated[int, Field(ge=1, le=100)] | None = None
    rollback_on_alarms: bool = True


class InferenceComponentsEndpoint(Strict):
    """A SageMaker endpoint whose models are inference components on one shared fleet (``kind: components``)."""

    name: ComponentName
    kind: Literal["components"]
    fleet: Fleet
    components: Annotated[list[InferenceComponent], Field(min_length=1, max_length=50)]
    # Per component, on its InferenceComponentName metrics (latency, 5XX and 4XX rates; no drift alarms).
    alarms: Alarms | None = None
    deployment: ComponentDeployment | None = None
    data_capture: DataCapture | None = None
    # On every resource of this endpoint, over the project's tags (a model version's own win over these).
    tags: dict[TagKey, TagValue] = Field(default_factory=dict)


def _endpoint_tag(value: object) -> str:
    kind = value.get("kind") if isinstance(value, dict) else getattr(value, "kind", None)
    return "components" if kind == "components" else "endpoint"


#: An entry of ``endpoints``: pydantic puts the tag in an error's location; the loader takes it out again.
AnyEndpoint = Annotated[
    Annotated[Endpoint, Tag("endpoint")] | Annotated[InferenceComponentsEndpoint, Tag("components")],
    Discriminator(_endpoint_tag),
]


# --- traffic (assumptions for `mlinfra cost`; nothing is rendered from them) -----------------------------

#: Requests a month each endpoint is assumed to serve when neither the traffic section nor a flag says.
DEFAULT_REQUESTS_PER_MONTH = 1_000_000


class EndpointTraffic(Strict):
    """One endpoint's own traffic, over the platform's (``traffic.endpoints.<name>``)."""

    requests_per_month: Annotated[float, Field(ge=0)] | None = None
    requests_per_hour: Annotated[float, Field(ge=0)] | None = None
    avg_duration_ms: Annotated[float, Field(gt=0, le=3_600_000)] | None = None
    payload_kb: Annotated[float, Field(ge=0, le=1_048_576)] | None = None

    @model_validator(mode="after")
    def _one_rate(self) -> EndpointTraffic:
        if self.requests_per_month is not None and self.requests_per_hour is not None:
            raise ValueError("give requests_per_month or requests_per_hour, not both")
        return self


class Traffic(Strict):
    """What ``mlinfra cost`` assumes about the traffic each endpoint serves (every endpoint gets these
    figures); the estimate states every value it used and which were defaults. Nothing is rendered."""

    # One of the two; neither: DEFAULT_REQUESTS_PER_MONTH. A month is 730 hours.
    requests_per_month: Annotated[float, Field(ge=0)] | None = None
    requests_per_hour: Annotated[float, Field(ge=0)] | None = None
    # The busiest hour's requests over the average hour's: capacity is sized for the peak.
    peak_factor: Annotated[float, Field(ge=1, le=100)] = 2.0
    # The model's time per request (serverless bills it; it decides how many requests an instance serves).
    avg_duration_ms: Annotated[float, Field(gt=0, le=3_600_000)] = 100.0
    # The size of a request and of its response (data processed, captured, transferred).
    payload_kb: Annotated[float, Field(ge=0, le=1_048_576)] = 10.0
    # The share of an instance's time spent serving at the expected load (sizing headroom).
    instance_utilization: Annotated[float, Field(gt=0, le=1)] = 0.7
    # How long one batch transform run and one Model Monitor job take (instance time billed per run).
    batch_run_minutes: Annotated[float, Field(gt=0, le=100_000)] = 60.0
    monitor_run_minutes: Annotated[float, Field(gt=0, le=60)] = 10.0
    # The latency callers need: below a second, serverless (cold starts of seconds) is not recommended.
    latency_goal_ms: Annotated[float, Field(gt=0)] | None = None
    # Endpoints whose traffic differs from the figures above (the API, its Lambdas and CloudFront keep these).
    endpoints: dict[ComponentName, EndpointTraffic] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _one_rate(self) -> Traffic:
        if self.requests_per_month is not None and self.requests_per_hour is not None:
            raise ValueError("give requests_per_month or requests_per_hour, not both")
        return self

    @property
    def monthly_requests(self) -> float:
        """Requests a month: requests_per_month, or requests_per_hour × 730, or the default."""
        if self.requests_per_month is not None:
            return self.requests_per_month
        if self.requests_per_hour is not None:
            return self.requests_per_hour * 730
        return float(DEFAULT_REQUESTS_PER_MONTH)

    def of(self, endpoint: str) -> Traffic:
        """The traffic of one endpoint: its own figures (``endpoints.<name>``) over the platform's."""
        own = self.endpoints.get(endpoint)
        if own is None:
            return self
        update = own.model_dump(exclude_none=True)
        if "requests_per_month" in update or "requests_per_hour" in update:
            update.setdefault("requests_per_month", None)
            update.setdefault("requests_per_hour", None)
        return self.model_copy(update={**update, "endpoints": {}})


# --- the whole file ------------------------------------------------------------------------------------


class PlatformConfig(Strict):
    """The root of ``mlinfra.yaml``: its core sections. Each component package adds its own sections
    (:func:`mlinfra.config.schema.assemble`)."""

    project: Project
    state: StateBackend | None = None
    models: Annotated[list[AnyModel], Field(min_length=1)]
    endpoints: list[AnyEndpoint] = Field(default_factory=list)
    traffic: Traffic | None = None

    def versions(self) -> tuple[Listed, ...]:
        """Every model version listed, in file order, with its location and its model's name."""
        out: list[Listed] = []
        for i, m in enumerate(self.models):
            if isinstance(m, NamedModel):
                out += [Listed(("models", i, "versions", j), m.name, v) for j, v in enumerate(m.versions)]
            else:
                out.append(Listed(("models", i), None, m))
        return tuple(out)

    @property
    def named(self) -> bool:
        """Whether ``models`` names its models (else it lists the versions of one unnamed model)."""
        return any(isinstance(m, NamedModel) for m in self.models)

    def model_names(self) -> tuple[str | None, ...]:
        """The models, in file order (None: the one unnamed model of the one-model form)."""
        return tuple(dict.fromkeys(v.model for v in self.versions()))

    def candidates(self, ref: str) -> tuple[Listed, ...]:
        """The listed versions ``ref`` may mean: one when it resolves, several when a bare version is
        ambiguous between models, none when nothing matches."""
        name, version = split_ref(ref)
        return tuple(v for v in self.versions() if v.entry.version == version and (name is None or v.model == name))

    def resolve(self, ref: str) -> Listed:
        """The listed version ``ref`` names (rules guarantee exactly one once the config is loaded)."""
        found = self.candidates(ref)
        if len(found) != 1:
            raise KeyError(ref)
        return found[0]

    def model(self, ref: str) -> ModelVersion:
        """The registry entry ``ref`` names (``detection@3.0.0``, or a version that one model has)."""
        return self.resolve(ref).entry


GPU_FAMILIES = re.compile(r"^ml\.(g\d|p\d|gr\d)")
#: Instance families with local NVMe instance storage: SageMaker attaches no EBS volume to them, so it
#: refuses an endpoint configuration's KmsKeyId and a variant's VolumeSizeInGB there. Every family with a
#: "d" after its generation (c5d, m5d, g4dn, p4d, p3dn, ...) and g5, g6, g6e, gr6, p5, p5e, p5en, trn1,
#: trn1n, trn2 (EC2 instance store volumes). The SageMaker Python SDK decides both with one predicate
#: (sagemaker.utils.volume_size_supported, which instance_supports_kms returns; trn1 added in PR #4828).
LOCAL_STORAGE = re.compile(r"^ml\.(?:[a-z]+\d+[a-z]*d[a-z]*|g5|g6e?|gr6|p5(?:e|en)?|trn1n?|trn2)\.")
