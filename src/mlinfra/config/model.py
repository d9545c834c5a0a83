"""The typed platform config: the one source of truth for what a user may write and its defaults.

Shapes and ranges live here (pydantic); rules that relate several fields live in ``rules.py`` so that each
has a name, a precise field path and a test. Every model is frozen and forbids unknown keys: a typo must
not be ignored.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

# --- shared field types --------------------------------------------------------------------------------

# SageMaker names (endpoints, variants, models): ^[a-zA-Z0-9](-*[a-zA-Z0-9])*, at most 63 characters.
SAGEMAKER_NAME_RE = r"^[a-zA-Z0-9](-*[a-zA-Z0-9])*$"
# Our own component names become Terraform identifiers and parts of AWS names: lower-case, dashes inside.
COMPONENT_NAME_RE = r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$"
SEMVER_RE = r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z.-]+)?$"
S3_URI_RE = r"^s3://[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](/[^\s]*)?$"
INSTANCE_TYPE_RE = r"^ml\.[a-z0-9]+\.[a-z0-9]+$"
REGION_RE = r"^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d$"
# SageMaker pulls from ECR (private registries need VPC-only repository access, which mlinfra does not set up):
# ACCOUNT.dkr.ecr.REGION.amazonaws.com[.cn]/repository(:tag|@sha256:digest)
IMAGE_RE = r"^\d{12}\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com(\.cn)?/[a-z0-9._/-]+(:[A-Za-z0-9._-]{1,128}|@sha256:[a-f0-9]{64})$"

ComponentName = Annotated[str, StringConstraints(pattern=COMPONENT_NAME_RE, max_length=32)]
VariantName = Annotated[str, StringConstraints(pattern=SAGEMAKER_NAME_RE, max_length=63)]
S3Uri = Annotated[str, StringConstraints(pattern=S3_URI_RE, max_length=1024)]
Version = Annotated[str, StringConstraints(pattern=SEMVER_RE, max_length=64)]
TagKey = Annotated[str, StringConstraints(min_length=1, max_length=128, pattern=r"^[\w .:/=+@-]+$")]
TagValue = Annotated[str, StringConstraints(max_length=256, pattern=r"^[\w .:/=+@-]*$")]
PositiveInt = Annotated[int, Field(ge=1)]
Seconds = Annotated[int, Field(ge=0)]


class Strict(BaseModel):
    # strict: YAML's `true` is not an instance count and "80" is not a weight; no inf/nan numbers.
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, allow_inf_nan=False, validate_default=True)


# --- project -------------------------------------------------------------------------------------------


class Project(Strict):
    """Who owns the platform and where it lives."""

    name: Annotated[str, StringConstraints(pattern=COMPONENT_NAME_RE, max_length=20)]
    environment: Annotated[str, StringConstraints(pattern=COMPONENT_NAME_RE, max_length=10)]
    region: Annotated[str, StringConstraints(pattern=REGION_RE)]
    tags: dict[TagKey, TagValue] = Field(default_factory=dict)


class StateBackend(Strict):
    """S3 state with S3-native locking (Terraform ≥ 1.10 ``use_lockfile``), optionally a DynamoDB lock table."""

    bucket: Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")]
    key: Annotated[str, StringConstraints(min_length=1, max_length=1024)] = "mlinfra/terraform.tfstate"
    region: Annotated[str, StringConstraints(pattern=REGION_RE)] | None = None
    kms_key_id: Annotated[str, StringConstraints(min_length=1)] | None = None
    use_lockfile: bool = True
    dynamodb_table: Annotated[str, StringConstraints(pattern=r"^[a-zA-Z0-9_.-]{3,255}$")] | None = None


# --- model registry ------------------------------------------------------------------------------------

ModelStatus = Literal["staging", "canary", "production", "deprecated"]


class ModelVersion(Strict):
    """One version in the registry. Deprecated versions stay listed for the record but are never deployed."""

    version: Version
    status: ModelStatus
    image: Annotated[str, StringConstraints(pattern=IMAGE_RE, max_length=255)]
    model_data: S3Uri
    environment: dict[Annotated[str, StringConstraints(pattern=r"^[a-zA-Z_][a-zA-Z0-9_]{0,1023}$")], Annotated[str, StringConstraints(max_length=1024)]] = Field(default_factory=dict)
    metrics: dict[Annotated[str, StringConstraints(pattern=r"^[a-zA-Z_][a-zA-Z0-9_.-]*$")], float] = Field(default_factory=dict)


# --- endpoints -----------------------------------------------------------------------------------------


class Serverless(Strict):
    """Serverless compute for a variant (instead of instances)."""

    memory_mb: Literal[1024, 2048, 3072, 4096, 5120, 6144]
    max_concurrency: Annotated[int, Field(ge=1, le=200)]
    provisioned_concurrency: Annotated[int, Field(ge=1, le=200)] | None = None


class AutoScaling(Strict):
    """Target tracking on invocations per instance (or, for async endpoints, on the backlog per instance)."""

    min: Annotated[int, Field(ge=0)]
    max: PositiveInt
    target_invocations: Annotated[int, Field(ge=1)] | None = None
    target_backlog_per_instance: Annotated[float, Field(gt=0)] | None = None
    scale_in_cooldown: Seconds = 300
    scale_out_cooldown: Seconds = 60


class Variant(Strict):
    """A production (or shadow) variant: a model version on instances or on serverless compute."""

    name: VariantName
    model: Version
    instance_type: Annotated[str, StringConstraints(pattern=INSTANCE_TYPE_RE)] | None = None
    instance_count: PositiveInt | None = None
    serverless: Serverless | None = None
    # Relative weight, rendered as given (80 and 20 read as 80 % and 20 %).
    weight: Annotated[float, Field(ge=0)] = 1
    autoscaling: AutoScaling | None = None


CaptureMode = Literal["input", "output"]


class DataCapture(Strict):
    """Request/response capture into the platform's capture bucket, under ``prefix``."""

    sampling_percentage: Annotated[int, Field(ge=0, le=100)] = 100
    modes: Annotated[list[CaptureMode], Field(min_length=1, max_length=2)] = Field(default_factory=lambda: ["input", "output"])
    json_content_types: list[Annotated[str, StringConstraints(pattern=r"^[a-zA-Z0-9*.+/-]+$")]] = Field(default_factory=list)
    csv_content_types: list[Annotated[str, StringConstraints(pattern=r"^[a-zA-Z0-9*.+/-]+$")]] = Field(default_factory=list)
    prefix: Annotated[str, StringConstraints(pattern=r"^[a-zA-Z0-9!_.*'()/-]+$", max_length=256)] | None = None


class Alarms(Strict):
    """The alarms that guard each production variant; blue/green auto-rollback watches them."""

    latency_p99_ms: Annotated[float, Field(gt=0)]
    error_rate_percent: Annotated[float, Field(gt=0, le=100)]
    period_seconds: Literal[10, 30, 60, 300, 900, 3600] = 60
    evaluation_periods: Annotated[int, Field(ge=1, le=100)] = 2


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


class AsyncInference(Strict):
    """Asynchronous inference: results land in S3, SNS topics announce success and failure."""

    input_path: S3Uri  # where callers upload requests; the execution role may read only here
    output_path: S3Uri
    failure_path: S3Uri | None = None
    max_concurrent_invocations_per_instance: Annotated[int, Field(ge=1, le=1000)] | None = None
    notifications: bool = True


class MultiModel(Strict):
    """Multi-model endpoints load model archives on demand from one S3 prefix."""

    model_data_prefix: S3Uri


EndpointKind = Literal["realtime", "serverless", "multi-model", "async"]


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

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, allow_inf_nan=False, validate_default=True, populate_by_name=True)


# --- the whole file ------------------------------------------------------------------------------------


class PlatformConfig(Strict):
    """The root of ``mlinfra.yaml``. Later sections (api, batch, registry, network, monitoring) slot in here."""

    project: Project
    state: StateBackend | None = None
    models: Annotated[list[ModelVersion], Field(min_length=1)]
    endpoints: list[Endpoint] = Field(default_factory=list)

    def model(self, version: str) -> ModelVersion:
        """The registry entry for ``version`` (rules guarantee it exists once the config is loaded)."""
        for m in self.models:
            if m.version == version:
                return m
        raise KeyError(version)


GPU_FAMILIES = re.compile(r"^ml\.(g\d|p\d|gr\d)")
