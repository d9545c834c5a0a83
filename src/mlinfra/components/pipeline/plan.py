"""The pipeline's plan: names, the source, the state it plans against, the approvers and the canary,
from the ``pipeline`` section (and the core ``state`` and ``endpoints``)."""

from __future__ import annotations

from ...config.shapes import PlatformConfig
from ...core.component import PlanRequest
from ...naming import endpoint_name, global_prefix
from ...records import record
from ..network.section import SECTION as NETWORK
from .section import SECTION

#: The CodeBuild projects, one per stage that runs commands, in stage order; each has its own role
#: (promote's runs only when canary.full_promotion asks for it; an idle project costs nothing).
BUILD_STAGES = ("build", "plan", "apply", "canary", "promote")


@record
class StatePlan:
    bucket: str
    key: str
    lock_table: str | None  # a DynamoDB lock table; None: S3-native locking (<key>.tflock)


@record
class PipelinePlan:
    name: str  # the pipeline, and the prefix of its projects, log groups, topic and rule
    global_name: str  # the prefix of its account-wide names (roles, the artifact bucket): with the region's code
    region: str
    repository: str  # GitHub owner/name
    branch: str
    connection_arn: str | None  # None: the module creates one (PENDING until a person completes it)
    connection_name: str  # of the connection created (CodeConnections: at most 32 characters)
    dockerfile: str
    config_path: str
    approver_emails: tuple[str, ...]
    alert_topic: bool  # notify the monitoring section's alerts topic instead of a topic of its own
    endpoint: str  # the endpoint's name in the config (mlinfra promote --endpoint)
    endpoint_name: str  # the SageMaker endpoint's name (the canary role's resource)
    canary_variant: str
    canary_percent: float
    bake_minutes: int
    full_promotion: bool
    trigger_on_model_approval: bool
    state: StatePlan
    in_vpc: bool
    mlinfra_version: str


def _in_vpc(config: PlatformConfig) -> bool:
    """CodeBuild runs in the platform's private subnets when they are the user's (an existing VPC, whose
    subnets route out through the user's NAT). A VPC mlinfra creates has no route out (private subnets and
    VPC endpoints only), and the stages need one: they install mlinfra (PyPI) and terraform
    (releases.hashicorp.com), and terraform calls IAM, which has no VPC endpoint. Nothing they do needs an
    address inside the VPC (every call goes to an AWS API), so there they run in CodeBuild's own network."""
    network = NETWORK.of(config)
    return network is not None and network.create is None


def pipeline_plan(request: PlanRequest) -> PipelinePlan | None:
    config = request.config
    p = SECTION.of(config)
    if p is None:
        return None
    # The rules guarantee a state section and one endpoint to canary; plans are built from valid configs.
    assert config.state is not None
    from ... import __version__

    endpoint = p.canary.endpoint or config.endpoints[0].name
    name = f"{request.prefix}-deploy"
    return PipelinePlan(
        name=name,
        global_name=f"{global_prefix(request.prefix, config.project.region)}-deploy",
        region=config.project.region,
        repository=p.source.github.repository,
        branch=p.source.github.branch,
        connection_arn=p.source.connection_arn,
        connection_name=f"{request.prefix}-github"[:32].rstrip("-"),
        dockerfile=p.dockerfile,
        config_path=p.config_path,
        approver_emails=tuple(p.approvers.emails),
        alert_topic=p.approvers.alert_topic,
        endpoint=endpoint,
        endpoint_name=endpoint_name(request.prefix, endpoint),
        canary_variant=p.canary.variant,
        canary_percent=p.canary.percent,
        bake_minutes=p.canary.bake_minutes,
        full_promotion=p.canary.full_promotion,
        trigger_on_model_approval=p.trigger_on_model_approval,
        state=StatePlan(config.state.bucket, config.state.key, config.state.dynamodb_table),
        in_vpc=_in_vpc(config),
        mlinfra_version=__version__,
    )
