"""Config → plan of the ``kind: components`` endpoints: models, endpoint configuration without a model,
endpoint, inference components and their copy auto-scaling. Names, defaults and grants are decided here
(the plan's types are :mod:`mlinfra.plan.parts`'s: the capture bucket and the operations read them)."""

from __future__ import annotations

from ...config.section import has
from ...config.shapes import LOCAL_STORAGE, InferenceComponentsEndpoint, PlatformConfig
from ...core.alarms import target_alarms
from ...core.arns import ACCOUNT, ECR_IMAGE, PARTITION, s3_arn
from ...core.capture import capture_plan
from ...core.iam import capture_statements, prefix_statements
from ...core.tags import model_tags, version_tags
from ...expr import Interp, Ref
from ...fleet.check import whole_accelerators
from ...naming import (
    component_model_content,
    endpoint_name,
    execution_role_name,
    hashed_name,
    ident,
    sagemaker_model_name,
)
from ...plan.parts import (
    AlarmPlan,
    ComponentsEndpointPlan,
    CopyScalingPlan,
    FleetScalingPlan,
    InferenceComponentPlan,
    InferenceComponentsPlan,
    ModelPlan,
    RolloutPlan,
    Statement,
)

#: The one production variant of a components endpoint: SageMaker's own default name.
VARIANT_NAME = "AllTraffic"


def inference_components_plan(config: PlatformConfig, prefix: str) -> InferenceComponentsPlan | None:
    endpoints = tuple(
        _endpoint(config, prefix, ep) for ep in config.endpoints if isinstance(ep, InferenceComponentsEndpoint)
    )
    if not endpoints:
        return None
    p = config.project
    tags = {"Environment": p.environment, "ManagedBy": "mlinfra", "Project": p.name, **p.tags}
    return InferenceComponentsPlan(
        endpoints, _role_statements(config, endpoints), dict(sorted(tags.items())), _alarm_topics(config)
    )


def _endpoint(config: PlatformConfig, prefix: str, ep: InferenceComponentsEndpoint) -> ComponentsEndpointPlan:
    name = endpoint_name(prefix, ep.name)
    role = execution_role_name(prefix, config.project.region)
    components = []
    endpoint_tags = dict(sorted(ep.tags.items()))
    component_tags: dict[str, dict[str, str]] = {}
    for c in ep.components:
        listed = config.resolve(c.model)
        mv = listed.entry
        # project (var.tags) < endpoint < model version < mlinfra's own keys of the component
        component_tags[ident(c.name)] = {
            **version_tags(endpoint_tags, mv),
            "Component": c.name,
            "ModelVersion": mv.version,
        }
        content = component_model_content(mv, role)
        model = ModelPlan(
            key=ident(c.name),
            name=sagemaker_model_name(name, c.name, content),
            version=mv.version,
            image=mv.image,
            model_data_url=mv.model_data,
            # Uncompressed files under a prefix (ModelDataSource S3Prefix); None with an archive or none.
            model_data_prefix=mv.model_data_prefix if mv.model_data is None else None,
            mode="SingleModel",
            environment=dict(sorted(mv.environment.items())),
            network_isolation=mv.network_isolation,
            tags=model_tags(endpoint_tags, mv),
            model=listed.model,
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
                model_data_download_timeout=c.model_data_download_timeout_seconds,
                container_startup_health_check_timeout=c.container_startup_health_check_timeout_seconds,
            )
        )
    f = ep.fleet
    fleet_scaling = FleetScalingPlan(f.scaling.min, f.scaling.max) if f.scaling is not None else None
    encrypt = not LOCAL_STORAGE.match(f.instance_type)
    # What CreateEndpointConfig receives (the components are created against the endpoint afterwards).
    content = {
        "variant": VARIANT_NAME,
        "type": f.instance_type,
        "count": f.instance_count,
        "scaling": fleet_scaling,
        "routing": f.routing,
        "encrypt": encrypt,
        "role": role,
    }
    # In the hash only when set: the names of fleets without them stay as they were.
    content.update(
        {k: v for k, v in (("volume_gb", f.volume_size_gb), ("ami", f.inference_ami_version)) if v is not None}
    )
    alarms = tuple(
        al
        for c in components
        for al in (
            target_alarms(ep.alarms, name, c.label, {"InferenceComponentName": c.name}, f"component {c.label}")
            if ep.alarms is not None
            else ()
        )
    )
    capture = capture_plan(ep.data_capture, ep.name) if ep.data_capture is not None else None
    if capture is not None:  # only then: configurations without capture keep their names
        content["capture"] = capture.content()
    return ComponentsEndpointPlan(
        alarms=alarms,
        rollout=_rollout(ep, components, alarms),
        label=ep.name,
        key=ident(ep.name),
        module=f"inference_components_{ident(ep.name)}",
        name=name,
        config_name=hashed_name(name, content),
        variant_name=VARIANT_NAME,
        instance_type=f.instance_type,
        instance_count=f.instance_count,
        scaling=fleet_scaling,
        routing=f.routing,
        encrypt_storage=encrypt,
        components=tuple(components),
        volume_size_gb=f.volume_size_gb,
        inference_ami_version=f.inference_ami_version,
        capture=capture,
        tags=endpoint_tags,
        component_tags=component_tags,
    )


def _rollout(
    ep: InferenceComponentsEndpoint, components: list[InferenceComponentPlan], alarms: tuple[AlarmPlan, ...]
) -> RolloutPlan | None:
    d = ep.deployment
    if d is None:
        return None
    # The rules guarantee exactly one step; a rollback step is optional.
    step_type, step_value = (
        ("COPY_COUNT", d.step_copies) if d.step_copies is not None else ("CAPACITY_PERCENT", d.step_percent)
    )
    rb_type, rb_value = (
        ("COPY_COUNT", d.rollback_step_copies)
        if d.rollback_step_copies is not None
        else ("CAPACITY_PERCENT", d.rollback_step_percent)
        if d.rollback_step_percent is not None
        else (None, None)
    )
    by_component = {
        c.key: tuple(a.key for a in alarms if a.dimensions.get("InferenceComponentName") == c.name)
        if d.rollback_on_alarms
        else ()
        for c in components
    }
    assert step_value is not None
    return RolloutPlan(
        step_type, step_value, d.wait_seconds, d.max_execution_timeout_seconds, rb_type, rb_value, by_component
    )


def _role_statements(config: PlatformConfig, endpoints: tuple[ComponentsEndpointPlan, ...]) -> tuple[Statement, ...]:
    """What the execution role needs to run the components' models. The endpoint component contributes to
    the same role: scoped statements get Sids of their own, the account-wide ones are its very statements."""
    models = [c.model for ep in endpoints for c in ep.components]
    repos = set()
    for m in models:
        e = ECR_IMAGE.match(m.image)
        assert e is not None  # the config model only admits ECR images
        repos.add((e["region"], e["account"], e["repo"]))
    region = config.project.region
    log_groups = [
        Interp("arn:", PARTITION, f":logs:{region}:", ACCOUNT, f":log-group:/aws/sagemaker/Endpoints/{ep.name}:*")
        for ep in endpoints
    ]
    log_groups += [
        Interp(
            "arn:", PARTITION, f":logs:{region}:", ACCOUNT, f":log-group:/aws/sagemaker/InferenceComponents/{c.name}:*"
        )
        for ep in endpoints
        for c in ep.components
    ]
    captures = capture_statements([ep.capture for ep in endpoints if ep.capture is not None], sid="Component")
    archives = sorted({m.model_data_url for m in models if m.model_data_url is not None})
    prefixes = sorted({m.model_data_prefix for m in models if m.model_data_prefix is not None})
    # Models the image carries need no S3 access; an empty resource list is a policy IAM refuses.
    reads: tuple[Statement, ...] = (
        (Statement("ReadComponentModelArtifacts", ("s3:GetObject",), tuple(s3_arn(u) for u in archives)),)
        if archives
        else ()
    )
    # Uncompressed model files: SageMaker lists the prefix and copies every object under it (as for the
    # endpoints' models, under Sids of their own).
    reads += tuple(prefix_statements("ListComponentModelPrefix", "ReadComponentModelPrefix", prefixes))
    return (
        *captures,
        *reads,
        Statement(
            "PullComponentModelImages",
            ("ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"),
            tuple(
                Interp("arn:", PARTITION, f":ecr:{region}:{account}:repository/{repo}")
                for region, account, repo in sorted(repos)
            ),
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
            (
                (
                    "StringEquals",
                    "cloudwatch:namespace",
                    ("/aws/sagemaker/Endpoints", "/aws/sagemaker/InferenceComponents"),
                ),
            ),
            comment="PutMetricData has no resource ARN; the namespace condition scopes it.",
        ),
    )


def _alarm_topics(config: PlatformConfig) -> tuple[str, ...]:
    if not has(config, "monitoring"):
        return ()  # without the section, not even its module is imported
    from ..monitoring.section import alarm_topics

    return alarm_topics(config)
