"""The endpoints' plan (endpoints with variants; ``kind: components`` endpoints are the
inference_components component's): models, endpoint configurations, deployment policies, alarms,
auto-scaling and asynchronous inference, and what the SageMaker execution role needs for them."""

from __future__ import annotations

from ...config.section import has
from ...config.shapes import LOCAL_STORAGE, Endpoint, PlatformConfig, Variant
from ...core.alarms import alarm_basics, target_alarms
from ...core.arns import ACCOUNT, ECR_IMAGE, PARTITION, s3_arn
from ...core.capture import capture_plan
from ...core.iam import capture_statements, prefix_statements
from ...core.sagemaker_sdk import SDK_ASYNC_INPUT_PREFIX, SDK_NAME_BASE_MAX
from ...core.tags import model_tags
from ...expr import Interp, Ref, plain_number
from ...naming import (
    BACKLOG_ALARM,
    alarm_key,
    alarm_name,
    drift_alarm_key,
    drift_alarm_name,
    endpoint_name,
    execution_role_name,
    from_zero_policy_key,
    hashed_name,
    ident,
    model_content,
    requests_metric,
    sagemaker_model_name,
)
from ...plan.parts import (
    AlarmPlan,
    AsyncPlan,
    DeploymentPlan,
    EndpointPlan,
    EndpointsPlan,
    ModelPlan,
    ScaleFromZeroPlan,
    ScalingPlan,
    ServerlessPlan,
    Statement,
    TopicPlan,
    VariantPlan,
)

#: CreateEndpointConfig takes at most 10 production variants.
MAX_PRODUCTION_VARIANTS = 10
#: Where models in the VPC run (part of their content hash): the network's private subnets and the
#: security group the endpoint component requests from it.
MODEL_VPC = {"subnets": "network.private_subnet_ids", "security_group": "network.security_group.models"}
#: What the execution role needs to attach models to the VPC: SageMaker creates the network interfaces
#: in the subnets as the role ("Give SageMaker hosted endpoints access to resources in your Amazon VPC").
MODEL_ENI_ACTIONS = (
    "ec2:CreateNetworkInterface",
    "ec2:CreateNetworkInterfacePermission",
    "ec2:DeleteNetworkInterface",
    "ec2:DeleteNetworkInterfacePermission",
    "ec2:DescribeDhcpOptions",
    "ec2:DescribeNetworkInterfaces",
    "ec2:DescribeSecurityGroups",
    "ec2:DescribeSubnets",
    "ec2:DescribeVpcs",
)


def endpoints_plan(config: PlatformConfig, prefix: str) -> EndpointsPlan:
    endpoints = tuple(
        _endpoint(config, prefix, ep) for ep in config.endpoints if isinstance(ep, Endpoint)
    )  # kind components: its own component
    return EndpointsPlan(
        endpoints=endpoints, role_statements=_role_statements(config, endpoints), alarm_topics=_alarm_topics(config)
    )


# --- endpoints ------------------------------------------------------------------------------------------


def _endpoint(config: PlatformConfig, prefix: str, ep: Endpoint) -> EndpointPlan:
    name = endpoint_name(prefix, ep.name)
    role = execution_role_name(prefix, config.project.region)
    multi = ep.multi_model.model_data_prefix if ep.multi_model else None
    # Tags of the endpoint's own resources beyond the provider's default_tags (project, environment): the
    # endpoint's, which win over the project's (resource tags win over default_tags).
    endpoint_tags: dict[str, str] = dict(sorted(ep.tags.items()))

    # Models run in the platform's private subnets when there is a network, except on serverless
    # endpoints: Serverless Inference supports no VPC (and no network isolation).
    in_vpc = has(config, "network") and all(
        v.serverless is None for v in (*ep.variants, *([ep.shadow] if ep.shadow else []))
    )

    def model_for(v: Variant) -> ModelPlan:
        listed = config.resolve(v.model)
        mv = listed.entry
        # Serverless Inference supports neither network isolation nor a VPC: the argument is left out
        # (SageMaker rejects a serverless endpoint whose model sets EnableNetworkIsolation).
        isolated = None if v.serverless is not None else mv.network_isolation
        prefix = None if multi else mv.model_data_prefix
        content = model_content(
            image=mv.image,
            data=multi or mv.model_data or prefix,
            env=mv.environment,
            multi_model=multi is not None,
            role=role,
            isolated=isolated,
            uncompressed=prefix is not None,
        )
        if in_vpc:
            # VpcConfig is part of the immutable model: moving into (or out of) the VPC is a new model.
            content["vpc"] = MODEL_VPC
        return ModelPlan(
            key=ident(v.name),
            name=sagemaker_model_name(name, v.name, content),
            version=mv.version,
            image=mv.image,
            model_data_url=multi or mv.model_data,
            model_data_prefix=prefix,
            mode="MultiModel" if multi else "SingleModel",
            environment=dict(sorted(mv.environment.items())),
            network_isolation=isolated,
            tags=model_tags(endpoint_tags, mv),
            model=listed.model,
        )

    alarms = _alarms(ep, name)
    variants = tuple(_variant(ep, name, v, model_for(v)) for v in ep.variants)
    shadow = _variant(ep, name, ep.shadow, model_for(ep.shadow)) if ep.shadow else None
    capture = capture_plan(ep.data_capture, ep.name) if ep.data_capture is not None else None
    asyn = None
    if ep.async_inference is not None:
        a = ep.async_inference
        own = a.notifications if not isinstance(a.notifications, bool) else None  # existing topics
        create = a.notifications is True
        asyn = AsyncPlan(
            output_path=a.output_path,
            failure_path=a.failure_path,
            max_concurrent_invocations_per_instance=a.max_concurrent_invocations_per_instance,
            success_topic=TopicPlan("success", f"{name}-success") if create else None,
            error_topic=TopicPlan("error", f"{name}-error") if create else None,
            success_topic_arn=own.success_topic if own else None,
            error_topic_arn=own.error_topic if own else None,
            kms_key_arn=a.kms_key_arn,
        )
    encrypt = all(
        v.serverless is not None or not LOCAL_STORAGE.match(v.instance_type or "")
        for v in (*ep.variants, *([ep.shadow] if ep.shadow else []))
    )
    deployment = _deployment(ep, alarms)
    # What CreateEndpointConfig receives, less auto-scaling and alarms (they live elsewhere) and less the
    # production weights: live traffic belongs to `mlinfra promote`, which writes it back to the config;
    # Terraform ignores weight changes, so a promotion never triggers a redeployment.
    config_content = {
        "variants": [{k: w for k, w in _variant_config(v).items() if k != "weight"} for v in variants],
        "shadow": _variant_config(shadow) if shadow else None,
        "capture": capture.content() if capture is not None else None,
        "async": asyn.content() if asyn else None,
        "encrypt": encrypt,
    }
    return EndpointPlan(
        label=ep.name,
        key=ident(ep.name),
        module=f"endpoint_{ident(ep.name)}",
        name=name,
        config_name=hashed_name(name, config_content),
        kind=ep.kind,
        models=tuple(v.model for v in (*variants, *([shadow] if shadow else []))),
        variants=variants,
        shadow=shadow,
        capture=capture,
        alarms=alarms,
        deployment=deployment,
        async_inference=asyn,
        encrypt_storage=encrypt,
        uses_capture_bucket=capture is not None and capture.in_platform_bucket,
        tags=endpoint_tags,
        in_vpc=in_vpc,
        # Every index SageMaker allows: ignore_changes takes no expressions, and the module serves any count.
        ignored_weights=tuple(
            Ref(f"production_variants[{i}].initial_variant_weight") for i in range(MAX_PRODUCTION_VARIANTS)
        ),
    )


def _variant_config(v: VariantPlan) -> dict[str, object]:
    out: dict[str, object] = {
        "name": v.name,
        "model": v.model.name,
        "weight": v.weight,
        "type": v.instance_type,
        "count": v.instance_count,
        "serverless": v.serverless,
    }
    # Part of the content hash only when set: the names of configurations without them stay as they were.
    settings = {
        "routing": v.routing,
        "download_timeout": v.model_data_download_timeout,
        "startup_timeout": v.container_startup_health_check_timeout,
        "volume_gb": v.volume_size_gb,
        "ami": v.inference_ami_version,
    }
    out.update({k: w for k, w in settings.items() if w is not None})
    return out


def _variant(ep: Endpoint, endpoint_name: str, v: Variant, model: ModelPlan) -> VariantPlan:
    serverless = None
    if v.serverless is not None:
        s = v.serverless
        serverless = ServerlessPlan(s.memory_mb, s.max_concurrency, s.provisioned_concurrency)
    scaling = None
    if v.autoscaling is not None and v.serverless is None:
        a = v.autoscaling
        key = ident(v.name)
        is_async = ep.kind == "async"
        target = a.target_backlog_per_instance if is_async else a.target_invocations
        assert target is not None  # the autoscaling-target rule: the target of the endpoint's kind is set
        scaling = ScalingPlan(
            key=key,
            resource_id=Interp("endpoint/", Ref("aws_sagemaker_endpoint.this.name"), f"/variant/{v.name}"),
            min_capacity=a.min,
            max_capacity=a.max,
            policy_name=f"{endpoint_name}-{v.name}-{'backlog' if is_async else 'invocations'}",
            scale_in_cooldown=a.scale_in_cooldown,
            scale_out_cooldown=a.scale_out_cooldown,
            target_value=plain_number(target),
            predefined_metric=None if is_async else "SageMakerVariantInvocationsPerInstance",
            backlog_metric_dimensions={"EndpointName": endpoint_name} if is_async else None,
            scale_from_zero=ScaleFromZeroPlan(
                policy_name=f"{endpoint_name}-{v.name}-from-zero",
                alarm_key=alarm_key(v.name, BACKLOG_ALARM),
                alarm_name=alarm_name(endpoint_name, v.name, BACKLOG_ALARM),
                dimensions={"EndpointName": endpoint_name},
                policy_key=from_zero_policy_key(v.name),
            )
            if is_async and a.min == 0
            else None,
        )
    return VariantPlan(
        key=ident(v.name),
        name=v.name,
        model=model,
        weight=plain_number(v.weight),
        instance_type=v.instance_type,
        instance_count=v.instance_count,
        serverless=serverless,
        scaling=scaling,
        routing=v.routing,
        model_data_download_timeout=v.model_data_download_timeout_seconds,
        container_startup_health_check_timeout=v.container_startup_health_check_timeout_seconds,
        volume_size_gb=v.volume_size_gb,
        inference_ami_version=v.inference_ami_version,
    )


def _alarms(ep: Endpoint, endpoint_name: str) -> tuple[AlarmPlan, ...]:
    if ep.alarms is None:
        return ()
    a = ep.alarms
    above, common = alarm_basics(a)
    out = []
    requests = requests_metric(ep.kind == "async")
    for v in ep.variants:
        out += target_alarms(
            a,
            endpoint_name,
            v.name,
            {"EndpointName": endpoint_name, "VariantName": v.name},
            f"variant {v.name}",
            requests,
        )
    for feature in a.drift_features:
        assert a.drift_threshold is not None  # the drift-alarm-incomplete rule
        out.append(
            AlarmPlan(
                key=drift_alarm_key(feature),
                name=drift_alarm_name(endpoint_name, feature),
                description=f"feature drift of {feature} (MLInference FeatureDrift) {above} {plain_number(a.drift_threshold)}",
                variant="",
                kind="drift",
                threshold=plain_number(a.drift_threshold),
                dimensions={"FeatureName": feature},
                statistic="Maximum",
                **common,
            )
        )
    return tuple(out)


def _deployment(ep: Endpoint, alarms: tuple[AlarmPlan, ...]) -> DeploymentPlan | None:
    d = ep.deployment
    if d is None:
        return None
    step_type = step_value = None
    if d.step_instances is not None:
        step_type, step_value = "INSTANCE_COUNT", d.step_instances
    elif d.step_percent is not None:
        step_type, step_value = "CAPACITY_PERCENT", d.step_percent
    rolling = d.strategy == "rolling"
    return DeploymentPlan(
        rolling=rolling,
        traffic_type=None if rolling else d.strategy.upper(),
        step_type=step_type,
        step_value=step_value,
        wait_interval=d.wait_seconds,
        termination_wait=None if rolling else d.termination_wait_seconds,
        max_execution_timeout=d.max_execution_timeout_seconds,
        # A deployment rolls back on its variants' alarms; drift is the data's, not the deployment's.
        rollback_alarms=tuple(a.key for a in alarms if a.kind != "drift") if d.rollback_on_alarms else (),
    )


# --- the execution role ---------------------------------------------------------------------------------


def _sdk_async_inputs(config: PlatformConfig, endpoints: tuple[EndpointPlan, ...]) -> tuple[Interp, ...]:
    """The objects the execution role reads for async endpoints without an input_path."""
    region = config.project.region
    without = {
        e.name
        for e in config.endpoints
        if isinstance(e, Endpoint) and e.async_inference is not None and e.async_inference.input_path is None
    }
    return tuple(
        Interp(
            "arn:",
            PARTITION,
            f":s3:::sagemaker-{region}-",
            ACCOUNT,
            f"/{SDK_ASYNC_INPUT_PREFIX}/{ep.name[:SDK_NAME_BASE_MAX]}-*",
        )
        for ep in sorted(endpoints, key=lambda e: e.name)
        if ep.label in without
    )


def _role_statements(config: PlatformConfig, endpoints: tuple[EndpointPlan, ...]) -> tuple[Statement, ...]:
    single: set[str] = set()
    multi: set[str] = set()
    uncompressed: set[str] = set()
    repos: set[tuple[str, str, str]] = set()
    for ep in endpoints:
        for m in ep.models:
            if m.model_data_prefix is not None:
                uncompressed.add(m.model_data_prefix)
            elif m.model_data_url is not None:  # None: the image carries the model
                (multi if m.mode == "MultiModel" else single).add(m.model_data_url)
            e = ECR_IMAGE.match(m.image)
            assert e is not None  # the config model only admits ECR images
            repos.add((e["region"], e["account"], e["repo"]))

    st: list[Statement] = []
    if single:
        st.append(Statement("ReadModelArtifacts", ("s3:GetObject",), tuple(s3_arn(u) for u in sorted(single))))
    st += prefix_statements("ListMultiModelPrefix", "ReadMultiModelArtifacts", sorted(multi))
    # Uncompressed model files: SageMaker lists the prefix and copies every object under it.
    st += prefix_statements("ListModelPrefix", "ReadModelPrefix", sorted(uncompressed))
    # Without endpoints (a batch-only platform) there is no image to pull here: an empty resource list is
    # a policy IAM refuses.
    if repos:
        st.append(
            Statement(
                "PullModelImages",
                ("ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"),
                # The partition is the deployment's (an image is pulled from the partition it runs in).
                tuple(
                    Interp("arn:", PARTITION, f":ecr:{region}:{account}:repository/{repo}")
                    for region, account, repo in sorted(repos)
                ),
            )
        )
    st.append(
        Statement(
            "EcrAuthorizationToken",
            ("ecr:GetAuthorizationToken",),
            ("*",),
            comment="GetAuthorizationToken is account-wide: IAM has no resource to scope it to.",
        )
    )
    st += capture_statements([ep.capture for ep in endpoints if ep.capture is not None])
    asyncs = [ep.async_inference for ep in endpoints if ep.async_inference is not None]
    if asyncs:
        writes = sorted({p for a in asyncs for p in (a.output_path, a.failure_path) if p})
        st.append(Statement("WriteAsyncResults", ("s3:PutObject",), tuple(s3_arn(p.rstrip("/"), "/*") for p in writes)))
    inputs = sorted(
        {
            e.async_inference.input_path
            for e in config.endpoints
            if isinstance(e, Endpoint) and e.async_inference is not None and e.async_inference.input_path is not None
        }
    )
    if inputs:
        st.append(Statement("ReadAsyncRequests", ("s3:GetObject",), tuple(s3_arn(p.rstrip("/"), "/*") for p in inputs)))
    sdk_inputs = _sdk_async_inputs(config, endpoints)
    if sdk_inputs:
        st.append(
            Statement(
                "ReadSdkAsyncRequests",
                ("s3:GetObject",),
                sdk_inputs,
                comment="No input_path: requests where the SageMaker Python SDK's AsyncPredictor uploads them (its default bucket, async-endpoint-inputs/<endpoint name>-<time>/).",
            )
        )
    topics = [t for a in asyncs for t in (a.success_topic, a.error_topic) if t is not None]
    if topics:
        st.append(
            Statement(
                "PublishAsyncNotifications",
                ("sns:Publish",),
                tuple(
                    Interp("arn:", PARTITION, f":sns:{config.project.region}:", ACCOUNT, f":{t.name}") for t in topics
                ),
            )
        )
    own_topics = sorted({arn for a in asyncs for arn in (a.success_topic_arn, a.error_topic_arn) if arn is not None})
    if own_topics:
        st.append(Statement("PublishAsyncNotificationsToOwnTopics", ("sns:Publish",), tuple(own_topics)))
    own_keys = sorted({a.kms_key_arn for a in asyncs if a.kms_key_arn is not None})
    if own_keys:
        # S3 server-side encryption of the results: a data key per object (and Decrypt for multipart uploads).
        st.append(Statement("UseAsyncResultsKeys", ("kms:Decrypt", "kms:GenerateDataKey"), tuple(own_keys)))
    st.append(Statement("UsePlatformKey", ("kms:Decrypt", "kms:GenerateDataKey"), (Ref("var.kms_key_arn"),)))
    if any(ep.in_vpc for ep in endpoints):
        st.append(
            Statement(
                "ManageModelNetworkInterfaces",
                MODEL_ENI_ACTIONS,
                ("*",),
                comment="ENI management: SageMaker creates the models' interfaces in the subnets; their IDs are unknown until then and Describe* calls have no resource-level permissions.",
            )
        )
    if endpoints:
        st.append(
            Statement(
                "WriteEndpointLogs",
                ("logs:CreateLogGroup", "logs:CreateLogStream", "logs:DescribeLogStreams", "logs:PutLogEvents"),
                tuple(
                    Interp(
                        "arn:",
                        PARTITION,
                        f":logs:{config.project.region}:",
                        ACCOUNT,
                        f":log-group:/aws/sagemaker/Endpoints/{ep.name}:*",
                    )
                    for ep in endpoints
                ),
            )
        )
        st.append(
            Statement(
                "PublishEndpointMetrics",
                ("cloudwatch:PutMetricData",),
                ("*",),
                (("StringEquals", "cloudwatch:namespace", ("/aws/sagemaker/Endpoints",)),),
                comment="PutMetricData has no resource ARN; the namespace condition scopes it.",
            )
        )
    return tuple(st)


def _alarm_topics(config: PlatformConfig) -> tuple[str, ...]:
    if not has(config, "monitoring"):
        return ()  # without the section, not even its module is imported
    from ..monitoring.section import alarm_topics

    return alarm_topics(config)
