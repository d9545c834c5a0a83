"""Config → plan of the ``kind: components`` endpoints: models, endpoint configuration without a model,
endpoint, inference components and their copy auto-scaling. Names, defaults and grants are decided here."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..config.model import ComponentsEndpoint, PlatformConfig
from ..expr import Interp, Ref
from ..fleet.check import whole_accelerators
from ..naming import endpoint_name, execution_role_name, hashed_name, ident, model_content, sagemaker_model_name
from .build import ACCOUNT, PARTITION, _ECR, _LOCAL_STORAGE, _s3_arn, capture_plan, capture_statements, model_tags
from .model import CapturePlan, ModelPlan, Statement

#: The one production variant of a components endpoint: SageMaker's own default name.
VARIANT_NAME = "AllTraffic"


@dataclass(frozen=True)
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


@dataclass(frozen=True)
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


@dataclass(frozen=True)
class FleetScalingPlan:
    min: int
    max: int


@dataclass(frozen=True)
class ComponentsEndpointPlan:
    label: str
    key: str
    module: str
    name: str
    config_name: str  # content-hashed: endpoint configurations are immutable
    variant_name: str
    instance_type: str
    instance_count: int
    scaling: FleetScalingPlan | None
    routing: str | None
    encrypt_storage: bool  # False on instance types with local NVMe storage (SageMaker refuses a key)
    components: tuple[InferenceComponentPlan, ...]
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


@dataclass(frozen=True)
class InferenceComponentsPlan:
    endpoints: tuple[ComponentsEndpointPlan, ...]
    role_statements: tuple[Statement, ...]
    # awscc has no default_tags: the tags the aws provider's default_tags carry, written on each resource.
    tags: dict[str, str]


def inference_components_plan(config: PlatformConfig, prefix: str) -> InferenceComponentsPlan | None:
    endpoints = tuple(_endpoint(config, prefix, ep) for ep in config.endpoints if isinstance(ep, ComponentsEndpoint))
    if not endpoints:
        return None
    p = config.project
    tags = {"Environment": p.environment, "ManagedBy": "mlinfra", "Project": p.name, **p.tags}
    return InferenceComponentsPlan(endpoints, _role_statements(config, endpoints), dict(sorted(tags.items())))


def _endpoint(config: PlatformConfig, prefix: str, ep: ComponentsEndpoint) -> ComponentsEndpointPlan:
    name = endpoint_name(prefix, ep.name)
    role = execution_role_name(prefix)
    components = []
    endpoint_tags = dict(sorted(ep.tags.items()))
    component_tags: dict[str, dict[str, str]] = {}
    for c in ep.components:
        mv = config.model(c.model)
        # project (var.tags) < endpoint < model version < mlinfra's own keys of the component
        component_tags[ident(c.name)] = {**dict(sorted({**endpoint_tags, **mv.tags}.items())), "Component": c.name, "ModelVersion": mv.version}
        content = model_content(image=mv.image, data=mv.model_data, env=mv.environment, multi_model=False, role=role, isolated=mv.network_isolation)
        model = ModelPlan(
            key=ident(c.name),
            name=sagemaker_model_name(name, c.name, content),
            version=mv.version,
            image=mv.image,
            model_data_url=mv.model_data,
            mode="SingleModel",
            environment=dict(sorted(mv.environment.items())),
            network_isolation=mv.network_isolation,
            tags=model_tags(endpoint_tags, mv),
        )
        ic_name = f"{name}-{c.name}"
        a = c.autoscaling
        scaling = (
            CopyScalingPlan(
                a.min,
                a.max,
                a.target_invocations,
                a.scale_in_cooldown,
                a.scale_out_cooldown,
                f"{ic_name}-invocations-per-copy",
                f"{ic_name}-from-zero" if a.min == 0 else None,
                f"{ic_name}-no-capacity" if a.min == 0 else None,
            )
            if a is not None
            else None
        )
        accelerators = whole_accelerators(c)
        components.append(
            InferenceComponentPlan(
                key=ident(c.name),
                label=c.name,
                name=ic_name,
                model=model,
                min_memory_mb=c.min_memory_mb,
                max_memory_mb=c.max_memory_mb,
                cpu_cores=c.cpu_cores,
                accelerators=accelerators or None,
                copies=c.copies,
                scaling=scaling,
            )
        )
    f = ep.fleet
    scaling = FleetScalingPlan(f.scaling.min, f.scaling.max) if f.scaling is not None else None
    encrypt = not _LOCAL_STORAGE.match(f.instance_type)
    # What CreateEndpointConfig receives (the components are created against the endpoint afterwards).
    content = {"variant": VARIANT_NAME, "type": f.instance_type, "count": f.instance_count, "scaling": scaling, "routing": f.routing, "encrypt": encrypt, "role": role}
    capture = capture_plan(ep.data_capture, ep.name) if ep.data_capture is not None else None
    if capture is not None:  # only then: configurations without capture keep their names
        content["capture"] = capture.content()
    return ComponentsEndpointPlan(
        label=ep.name,
        key=ident(ep.name),
        module=f"inference_components_{ident(ep.name)}",
        name=name,
        config_name=hashed_name(name, content),
        variant_name=VARIANT_NAME,
        instance_type=f.instance_type,
        instance_count=f.instance_count,
        scaling=scaling,
        routing=f.routing,
        encrypt_storage=encrypt,
        components=tuple(components),
        capture=capture,
        tags=endpoint_tags,
        component_tags=component_tags,
    )


def _role_statements(config: PlatformConfig, endpoints: tuple[ComponentsEndpointPlan, ...]) -> tuple[Statement, ...]:
    """What the execution role needs to run the components' models. The endpoint component contributes to
    the same role: scoped statements get Sids of their own, the account-wide ones are its very statements."""
    models = [c.model for ep in endpoints for c in ep.components]
    repos = set()
    for m in models:
        e = _ECR.match(m.image)
        assert e is not None  # the config model only admits ECR images
        repos.add((e["region"], e["account"], e["repo"]))
    region = config.project.region
    log_groups = [Interp("arn:", PARTITION, f":logs:{region}:", ACCOUNT, f":log-group:/aws/sagemaker/Endpoints/{ep.name}:*") for ep in endpoints]
    log_groups += [Interp("arn:", PARTITION, f":logs:{region}:", ACCOUNT, f":log-group:/aws/sagemaker/InferenceComponents/{c.name}:*") for ep in endpoints for c in ep.components]
    captures = capture_statements([ep.capture for ep in endpoints if ep.capture is not None], sid="Component")
    return (
        *captures,
        Statement("ReadComponentModelArtifacts", ("s3:GetObject",), tuple(_s3_arn(u) for u in sorted({m.model_data_url for m in models}))),
        Statement(
            "PullComponentModelImages",
            ("ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"),
            tuple(Interp("arn:", PARTITION, f":ecr:{region}:{account}:repository/{repo}") for region, account, repo in sorted(repos)),
        ),
        # The endpoint component's statements of the same Sid are these exactly (the role keeps one copy).
        Statement(
            "EcrAuthorizationToken",
            ("ecr:GetAuthorizationToken",),
            ("*",),
            comment="GetAuthorizationToken is account-wide: IAM has no resource to scope it to.",
        ),
        Statement("UsePlatformKey", ("kms:Decrypt", "kms:GenerateDataKey"), (Ref("var.kms_key_arn"),)),
        Statement(
            "WriteComponentEndpointLogs",
            ("logs:CreateLogGroup", "logs:CreateLogStream", "logs:DescribeLogStreams", "logs:PutLogEvents"),
            tuple(log_groups),
        ),
        Statement(
            "PublishComponentEndpointMetrics",
            ("cloudwatch:PutMetricData",),
            ("*",),
            (("StringEquals", "cloudwatch:namespace", ("/aws/sagemaker/Endpoints", "/aws/sagemaker/InferenceComponents")),),
            comment="PutMetricData has no resource ARN; the namespace condition scopes it.",
        ),
    )
