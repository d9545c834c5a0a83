"""Monitoring: the alerts topic (``alerts.topic_arn``), a CloudWatch dashboard per endpoint, and Model
Monitor's four kinds of schedules on the endpoints that capture data.

Data quality uses the aws provider (``aws_sagemaker_data_quality_job_definition``); the aws provider (6.25)
has no model quality, bias or explainability job definitions, so those come from hashicorp/awscc
(Cloud Control), pinned in versions.tf and tagged explicitly (awscc has no ``default_tags``). Every
schedule is an ``aws_sagemaker_monitoring_schedule``. Reports, and the Clarify analysis configurations
mlinfra writes, live in the capture bucket under ``monitoring/<endpoint>/``; the monitoring role reads
exactly the endpoint's capture prefix, the baselines and the ground-truth prefixes, and writes exactly the
reports prefix.

The dashboard bodies and the analysis configurations are built here as data and serialised to JSON
as Terraform's ``jsonencode`` would (:func:`jsonencode`): the templates receive finished strings.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlparse

from ..config.monitoring_model import EndpointMonitor, Monitoring
from ..core.component import (
    AWS,
    Component,
    Export,
    Input,
    ModuleContext,
    Output,
    PlanRequest,
    Provider,
    ReadmeSection,
    Sinks,
    Wire,
)
from ..expr import Interp, Ref
from ..monitoring.images import clarify_image, model_monitor_image
from ..naming import METRICS_NAMESPACE as NAMESPACE
from ..naming import requests_metric
from ..plan.model import EndpointPlan, EndpointsPlan, Statement

# Cloud Control resource schemas change with the provider's minor versions: patch releases only.
AWSCC = Provider("awscc", "hashicorp/awscc", "~> 1.106.0")

_PARTITION, _ACCOUNT, _REGION = Ref("local.partition"), Ref("local.account_id"), Ref("local.region")
_CAPTURE_ARN = Ref("var.capture_bucket_arn")
# Where a processing container finds its inputs and leaves its outputs (any path under /opt/ml/processing).
INPUT_PATH = "/opt/ml/processing/input/endpoint"
OUTPUT_PATH = "/opt/ml/processing/output"
_OPERATORS = {
    ">=": "LessThanThreshold",
    ">": "LessThanOrEqualToThreshold",
    "<=": "GreaterThanThreshold",
    "<": "GreaterThanOrEqualToThreshold",
}
_MONITOR_TYPES = {
    "data_quality": "DataQuality",
    "model_quality": "ModelQuality",
    "bias": "ModelBias",
    "feature_attribution": "ModelExplainability",
}


def jsonencode(value: Any) -> str:
    """JSON as Terraform's ``jsonencode`` writes it: keys sorted, no spaces, ``<``, ``>`` and ``&``
    escaped (so a value the provider reads back compares equal and the plan stays empty)."""
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


@dataclass(frozen=True)
class Alarm:
    key: str
    name: str
    description: str
    metric: str
    comparison: str
    threshold: float
    schedule_key: str


@dataclass(frozen=True)
class Monitor:
    """One Model Monitor kind on one endpoint: its job definition, schedule and what it reads."""

    key: str  # <endpoint key>_<kind>
    kind: str  # data_quality | model_quality | bias | feature_attribution
    monitoring_type: str
    name: str  # job definition and schedule name
    schedule: str
    awscc: bool
    settings: Any  # the config section
    image: str
    analysis_config: str | None  # Clarify's analysis configuration (JSON), uploaded next to the reports
    analysis_key: str | None  # its S3 key
    reports_uri: Interp
    # awscc job definitions (model quality, bias, explainability): the type, its attributes' prefix, and
    # the nested values; data quality's aws blocks are written out in the template.
    resource_type: str
    prefix: str
    app_specification: dict[str, object]
    job_input: dict[str, object]
    baseline_constraints: str | None
    input_path: str = INPUT_PATH
    output_path: str = OUTPUT_PATH

    @property
    def job_input_endpoint(self) -> Ref:
        return Ref(f'var.endpoint_names["{self.key.removesuffix("_" + self.kind)}"]')

    @property
    def depends_on(self) -> list[Ref]:
        # The role's policy must be in place before SageMaker checks the job's access, and Clarify's
        # analysis configuration before the definition that names it.
        refs = [Ref("aws_iam_role_policy.monitoring")]
        if self.analysis_key:
            refs.append(Ref(f"aws_s3_object.{self.key}_analysis"))
        return refs

    @property
    def definition_name_ref(self) -> Ref:
        attr = "name" if self.resource_type.startswith("aws_") else "job_definition_name"
        return Ref(f"{self.resource_type}.{self.key}.{attr}")


@dataclass(frozen=True)
class EndpointMonitoring:
    key: str
    label: str
    endpoint: EndpointPlan
    config: EndpointMonitor | None
    dashboard_name: str
    dashboard_body: str
    monitors: tuple[Monitor, ...]
    alarms: tuple[Alarm, ...]
    # The endpoint's own tags on its monitoring resources (over the provider's default_tags), and the
    # platform's with them for awscc (no default_tags): the endpoint's win a shared key.
    tags: dict[str, str] = field(default_factory=dict)
    awscc_tags: list[dict[str, str]] = field(default_factory=list)

    @property
    def endpoint_name(self) -> Ref:
        return Ref(f'var.endpoint_names["{self.key}"]')

    @property
    def reports_prefix(self) -> str:
        return f"monitoring/{self.label}/reports/"

    @property
    def config_prefix(self) -> str:
        return f"monitoring/{self.label}/config/"


@dataclass(frozen=True)
class MonitoringPlan:
    region: str
    topic_name: str
    role_name: str
    subscribers: tuple[tuple[str, str], ...]  # (protocol, endpoint)
    endpoints: tuple[EndpointMonitoring, ...]
    tags: dict[str, str]  # the provider's default_tags, spelled out for awscc

    @property
    def monitors(self) -> tuple[Monitor, ...]:
        return tuple(m for e in self.endpoints for m in e.monitors)

    @property
    def uses_awscc(self) -> bool:
        return any(m.awscc for m in self.monitors)

    @property
    def awscc_tags(self) -> list[dict[str, str]]:
        return [{"key": k, "value": v} for k, v in sorted(self.tags.items())]


# --- the dashboard -----------------------------------------------------------------------------------


def dashboard(ep: EndpointPlan, region: str, model_quality: bool) -> dict[str, Any]:
    """The CloudWatch dashboard of one endpoint (the body CloudWatch's PutDashboard takes)."""
    variants = [v.name for v in ep.variants]
    instance_variants = [v.name for v in ep.variants if v.serverless is None]

    def metric(namespace: str, name: str, variant: str, stat: str, **extra: Any) -> list[Any]:
        return [namespace, name, "EndpointName", ep.name, "VariantName", variant, {"stat": stat, **extra}]

    def widget(title: str, metrics: list[list[Any]], y: int, x: int, unit: str = "", **props: Any) -> dict[str, Any]:
        properties: dict[str, Any] = {
            "title": title,
            "region": region,
            "view": "timeSeries",
            "stacked": False,
            "period": 60,
            "metrics": metrics,
            **props,
        }
        if unit:
            properties["yAxis"] = {"left": {"label": unit, "showUnits": False}}
        return {"type": "metric", "x": x, "y": y, "width": 12, "height": 6, "properties": properties}

    requests = requests_metric(ep.kind == "async")
    latency = [
        metric("AWS/SageMaker", "ModelLatency", v, stat, label=f"{v} {stat}")
        for v in variants
        for stat in ("p50", "p99")
    ]
    invocations = [metric("AWS/SageMaker", requests, v, "Sum", label=v) for v in variants]
    errors: list[list[Any]] = []
    for i, v in enumerate(variants):
        for code in ("5XX", "4XX"):
            errors.append(
                metric("AWS/SageMaker", f"Invocation{code}Errors", v, "Sum", id=f"e{code[0]}_{i}", visible=False)
            )
        errors.append(metric("AWS/SageMaker", requests, v, "Sum", id=f"n_{i}", visible=False))
        for code in ("5XX", "4XX"):
            errors.append(
                [{"expression": f"100 * e{code[0]}_{i} / n_{i}", "label": f"{v} {code} %", "id": f"r{code[0]}_{i}"}]
            )
    widgets = [
        widget("Model latency p50 / p99 by variant (microseconds)", latency, 0, 0, "µs"),
        widget(
            "Invocations by variant" if requests == "Invocations" else "Processed invocations by variant",
            invocations,
            0,
            12,
        ),
        widget("Error rates by variant (% of invocations)", errors, 6, 0, "%"),
    ]
    if instance_variants:
        utilisation = [
            metric("/aws/sagemaker/Endpoints", name, v, "Average", label=f"{v} {name}")
            for v in instance_variants
            for name in ("CPUUtilization", "MemoryUtilization", "GPUUtilization", "GPUMemoryUtilization")
        ]
        widgets.append(widget("CPU / memory / GPU utilisation by variant (%)", utilisation, 6, 12, "%"))
    # The reference architecture's own metrics (mlinfra metrics publish / monitor drift --publish);
    # their dimensions are the model version, class and feature, so a search finds all of them.
    custom = [
        (
            "Inference latency by model version (ms)",
            f"SEARCH('{{{NAMESPACE},ModelVersion}} MetricName=\"InferenceLatency\"', 'p99', 60)",
        ),
        (
            "Prediction confidence by model version and class",
            f"SEARCH('{{{NAMESPACE},ModelVersion,PredictionClass}} MetricName=\"PredictionConfidence\"', 'Average', 60)",
        ),
        (
            "Feature drift by feature",
            f"SEARCH('{{{NAMESPACE},FeatureName}} MetricName=\"FeatureDrift\"', 'Maximum', 60)",
        ),
    ]
    if model_quality:
        custom.append(
            (
                "Model quality (Model Monitor)",
                f"SEARCH('{{aws/sagemaker/Endpoints/model-metrics,Endpoint,MonitoringSchedule}} Endpoint=\"{ep.name}\"', 'Average', 3600)",
            )
        )
    for i, (title, search) in enumerate(custom):
        w = widget(title, [[{"expression": search, "id": f"c{i}"}]], 12 + 6 * (i // 2), 12 * (i % 2))
        if "3600" in search:
            w["properties"]["period"] = 3600
        widgets.append(w)
    return {"widgets": widgets}


# --- Clarify analysis configurations -------------------------------------------------------------------


def bias_analysis(b: Any) -> dict[str, Any]:
    out: dict[str, Any] = {
        "version": "1.0",
        "label": b.label,
        "label_values_or_threshold": list(b.label_values),
        "facet": [{"name_or_index": f.name, "value_or_threshold": list(f.values)} for f in b.facets],
        "methods": {"post_training_bias": {"methods": "all"}},
    }
    if b.features:
        out["headers"] = list(b.features)
    if b.probability_threshold is not None:
        out["probability_threshold"] = b.probability_threshold
    return out


def explainability_analysis(f: Any) -> dict[str, Any]:
    out: dict[str, Any] = {
        "version": "1.0",
        "methods": {
            "shap": {
                "baseline": f.shap_baseline,
                "num_samples": f.num_samples,
                "agg_method": "mean_abs",
                "use_logit": False,
                "save_local_shap_values": False,
            }
        },
    }
    if f.features:
        out["headers"] = list(f.features)
    return out


# --- the plan ------------------------------------------------------------------------------------------


def monitoring_plan(request: PlanRequest, endpoints: EndpointsPlan | None) -> MonitoringPlan | None:
    config = request.config
    mon: Monitoring | None = config.monitoring
    if mon is None:
        return None
    region = config.project.region
    by_label = {m.endpoint: m for m in mon.endpoints}
    eps = []
    for ep in endpoints.endpoints if endpoints is not None else ():
        cfg = by_label.get(ep.label)
        monitors = []
        for kind, monitoring_type in _MONITOR_TYPES.items():
            settings = getattr(cfg, kind, None) if cfg is not None else None
            if settings is None:
                continue
            name = f"{ep.name}-{kind.replace('_', '-')}"[:63].rstrip("-")
            analysis = None
            if kind == "bias":
                analysis = jsonencode(bias_analysis(settings))
            elif kind == "feature_attribution":
                analysis = jsonencode(explainability_analysis(settings))
            key = f"{ep.key}_{kind}"
            image = model_monitor_image(region) if kind in ("data_quality", "model_quality") else clarify_image(region)
            analysis_key = f"monitoring/{ep.label}/config/{kind}.json" if analysis else None
            resource_type, prefix, app, job_input = _awscc_shape(
                kind, key, settings, image, Ref(f'var.endpoint_names["{ep.key}"]'), analysis_key
            )
            monitors.append(
                Monitor(
                    key=key,
                    kind=kind,
                    monitoring_type=monitoring_type,
                    name=name,
                    schedule=settings.schedule,
                    awscc=kind != "data_quality",
                    settings=settings,
                    image=image,
                    analysis_config=analysis,
                    analysis_key=analysis_key,
                    reports_uri=Interp(
                        "s3://", Ref("var.capture_bucket"), f"/monitoring/{ep.label}/reports/{kind.replace('_', '-')}"
                    ),
                    resource_type=resource_type,
                    prefix=prefix,
                    app_specification=app,
                    job_input=job_input,
                    baseline_constraints=getattr(settings, "constraints", None),
                )
            )
        alarms = []
        mq = cfg.model_quality if cfg is not None else None
        if mq is not None:
            for metric, threshold in sorted(mq.thresholds.items()):
                op = ">=" if threshold.startswith(">=") else "<=" if threshold.startswith("<=") else threshold[0]
                value = float(threshold[len(op) :])
                alarms.append(
                    Alarm(
                        key=f"{ep.key}_{metric}",
                        name=f"{ep.name}-{metric}",
                        description=f"Model quality of endpoint {ep.name}: {metric} must stay {op} {value:g} (Model Monitor's hourly evaluation)",
                        metric=metric,
                        comparison=_OPERATORS[op],
                        threshold=value,
                        schedule_key=f"{ep.key}_model_quality",
                    )
                )
        eps.append(
            EndpointMonitoring(
                key=ep.key,
                label=ep.label,
                endpoint=ep,
                config=cfg,
                dashboard_name=ep.name,
                dashboard_body=jsonencode(dashboard(ep, region, mq is not None)),
                monitors=tuple(monitors),
                alarms=tuple(alarms),
                tags=dict(ep.tags),
                awscc_tags=[{"key": k, "value": v} for k, v in sorted({**_platform_tags(config), **ep.tags}.items())],
            )
        )
    return MonitoringPlan(
        region=region,
        topic_name=f"{request.prefix}-alerts",
        role_name=f"{request.prefix}-monitoring",
        subscribers=tuple(
            (p, getattr(s, p)) for s in mon.subscribers for p in ("email", "https", "sqs") if getattr(s, p) is not None
        ),
        endpoints=tuple(eps),
        # The provider's default_tags (plan.build), which awscc resources must carry themselves.
        tags=_platform_tags(config),
    )


def _platform_tags(config: Any) -> dict[str, str]:
    p = config.project
    return {"Environment": p.environment, "ManagedBy": "mlinfra", "Project": p.name, **p.tags}


def _awscc_shape(
    kind: str, key: str, s: Any, image: str, endpoint: Ref, analysis_key: str | None
) -> tuple[str, str, dict[str, object], dict[str, object]]:
    """(resource type, attribute prefix, app specification, job input) of a monitor's job definition."""
    if kind == "data_quality":
        return "aws_sagemaker_data_quality_job_definition", "data_quality", {}, {}
    endpoint_input: dict[str, object] = {"endpoint_name": endpoint, "local_path": INPUT_PATH}
    for attr in ("inference_attribute", "probability_attribute"):
        if getattr(s, attr, None) is not None:
            endpoint_input[attr] = getattr(s, attr)
    if kind == "model_quality":
        if s.probability_threshold is not None:
            endpoint_input["probability_threshold_attribute"] = s.probability_threshold
        quality: dict[str, object] = {"image_uri": image, "problem_type": s.problem_type}
        return (
            "awscc_sagemaker_model_quality_job_definition",
            "model_quality",
            quality,
            {"endpoint_input": endpoint_input, "ground_truth_s3_input": {"s3_uri": s.ground_truth}},
        )
    config_uri = Interp("s3://", Ref("var.capture_bucket"), f"/{analysis_key}")
    # The definition must not exist before its analysis configuration does.
    app: dict[str, object] = {"image_uri": image, "config_uri": config_uri}
    if kind == "bias":
        return (
            "awscc_sagemaker_model_bias_job_definition",
            "model_bias",
            app,
            {"endpoint_input": endpoint_input, "ground_truth_s3_input": {"s3_uri": s.ground_truth}},
        )
    return (
        "awscc_sagemaker_model_explainability_job_definition",
        "model_explainability",
        app,
        {"endpoint_input": endpoint_input},
    )


def _s3_object_arn(uri: str) -> Interp:
    u = urlparse(uri)
    return Interp("arn:", _PARTITION, f":s3:::{u.netloc}{u.path}")


def _bucket_and_prefix(uri: str) -> tuple[str, str]:
    """The bucket's ARN after its partition (``:s3:::BUCKET``) and the key prefix of an S3 URI."""
    u = urlparse(uri)
    return f":s3:::{u.netloc}", u.path.lstrip("/")


def role_statements(plan: MonitoringPlan) -> tuple[Statement, ...]:
    """What the Model Monitor jobs read and write, exactly (in the module's terms)."""
    capture_list, capture_read, reports, objects, endpoints = [], [], [], [], []
    own_lists: dict[str, list[str]] = {}  # the config's own capture buckets → the prefixes read there
    capture_keys: list[str] = []
    truth: dict[str, list[str]] = {}
    for e in plan.endpoints:
        if not e.monitors:
            continue
        capture = e.endpoint.capture
        assert capture is not None  # the rules refuse a monitor on an endpoint without capture
        captured = capture.objects_of(e.endpoint.name)
        if capture.in_platform_bucket:
            capture_list.append(f"{captured}*")
            capture_read.append(Interp(_CAPTURE_ARN, f"/{captured}*"))
        else:
            # The endpoint captures into the config's own destination: the jobs read it there.
            assert capture.bucket is not None
            own_lists.setdefault(capture.bucket, []).append(f"{captured}*")
            capture_read.append(Interp("arn:", _PARTITION, f":s3:::{capture.bucket}/{captured}*"))
            if capture.kms_key_arn is not None:
                capture_keys.append(capture.kms_key_arn)
        reports.append(Interp(_CAPTURE_ARN, f"/{e.reports_prefix}*"))
        for m in e.monitors:
            s = m.settings
            for uri in (
                getattr(getattr(s, "baseline", None), "statistics", None),
                getattr(getattr(s, "baseline", None), "constraints", None),
                getattr(s, "constraints", None),
                getattr(s, "shap_baseline", None),
            ):
                if uri:
                    objects.append(_s3_object_arn(uri))
            if m.analysis_key:
                objects.append(Interp(_CAPTURE_ARN, f"/{m.analysis_key}"))
            if getattr(s, "ground_truth", None):
                bucket_arn, prefix = _bucket_and_prefix(s.ground_truth)
                truth.setdefault(bucket_arn, []).append(prefix)
            if m.kind in ("bias", "feature_attribution"):
                endpoints.append(Ref(f'var.endpoint_arns["{e.key}"]'))
    st = []
    if capture_list:
        st.append(
            Statement(
                "ListCapture",
                ("s3:ListBucket",),
                (_CAPTURE_ARN,),
                (("StringLike", "s3:prefix", tuple(sorted(set(capture_list)))),),
                comment="the endpoints' captured requests and responses",
            )
        )
    for i, (bucket, prefixes) in enumerate(sorted(own_lists.items())):
        st.append(
            Statement(
                f"ListCaptureDestination{i + 1 if len(own_lists) > 1 else ''}",
                ("s3:ListBucket",),
                (Interp("arn:", _PARTITION, f":s3:::{bucket}"),),
                (("StringLike", "s3:prefix", tuple(sorted(set(prefixes)))),),
                comment="the captures of endpoints with a destination of their own",
            )
        )
    st.append(Statement("ReadCapture", ("s3:GetObject",), tuple(capture_read)))
    if capture_keys:
        st.append(
            Statement(
                "DecryptCapture",
                ("kms:Decrypt",),
                tuple(sorted(set(capture_keys))),
                comment="the destinations' own keys encrypt their captures",
            )
        )
    if objects:
        st.append(
            Statement(
                "ReadBaselines",
                ("s3:GetObject",),
                tuple(dict.fromkeys(objects)),
                comment="baseline statistics, constraints, SHAP baselines and Clarify analysis configurations",
            )
        )
    for i, (bucket_arn, prefixes) in enumerate(sorted(truth.items())):
        arn = Interp("arn:", _PARTITION, bucket_arn)
        sid = f"GroundTruth{i + 1}" if len(truth) > 1 else "GroundTruth"
        st.append(
            Statement(
                f"List{sid}",
                ("s3:ListBucket",),
                (arn,),
                (("StringLike", "s3:prefix", tuple(sorted({f"{p}*" for p in prefixes}))),),
                comment="the labels Model Monitor merges with the capture",
            )
        )
        st.append(
            Statement(
                f"Read{sid}", ("s3:GetObject",), tuple(Interp(*arn.parts, f"/{p}*") for p in sorted(set(prefixes)))
            )
        )
    st += [
        Statement("WriteReports", ("s3:PutObject",), tuple(reports)),
        Statement(
            "UsePlatformKey",
            ("kms:Decrypt", "kms:GenerateDataKey"),
            (Ref("var.kms_key_arn"),),
            comment="captures and reports are SSE-KMS with the platform key, as are the job volumes",
        ),
        Statement(
            "Logs",
            ("logs:CreateLogGroup", "logs:CreateLogStream", "logs:DescribeLogStreams", "logs:PutLogEvents"),
            (
                Interp(
                    "arn:", _PARTITION, ":logs:", _REGION, ":", _ACCOUNT, ":log-group:/aws/sagemaker/ProcessingJobs:*"
                ),
            ),
            comment="monitoring executions are processing jobs",
        ),
        Statement(
            "PublishMetrics",
            ("cloudwatch:PutMetricData",),
            ("*",),
            (("StringLike", "cloudwatch:namespace", ("aws/sagemaker/Endpoints/*",)),),
            comment="the jobs publish their metrics (data-metrics, model-metrics, bias-metrics, explainability-metrics)",
        ),
    ]
    if endpoints:
        st.append(
            Statement(
                "InvokeEndpoints",
                ("sagemaker:InvokeEndpoint",),
                tuple(dict.fromkeys(endpoints)),
                comment="Clarify asks the endpoint for predictions on its synthetic samples",
            )
        )
    return tuple(st)


def alerts_key_statement() -> Statement:
    """The platform key's policy statement that lets CloudWatch alarms publish to the encrypted topic."""
    return Statement(
        "CloudWatchAlarmsPublish",
        ("kms:Decrypt", "kms:GenerateDataKey*"),
        ("*",),
        (("StringEquals", "aws:SourceAccount", (Ref("data.aws_caller_identity.current.account_id"),)),),
        comment="CloudWatch alarms of this account publish to the SNS alerts topic, which is encrypted with this key.",
        principals=(("Service", ("cloudwatch.amazonaws.com",)),),
    )


class MonitoringComponent(Component):
    name = "monitoring"
    providers = (AWS, AWSCC)

    def build(self, request: PlanRequest, parts: Mapping[str, object]) -> MonitoringPlan | None:
        endpoints = parts.get("endpoint")
        return monitoring_plan(request, endpoints if isinstance(endpoints, EndpointsPlan) else None)

    def contribute(self, part: MonitoringPlan, sinks: Sinks) -> None:
        sinks.add_key_policy(alerts_key_statement())

    def exports(self, part: MonitoringPlan) -> list[Export]:
        return [
            Export(
                "alerts.topic_arn",
                "alerts",
                Output(
                    "topic_arn", "ARN of the SNS topic every mlinfra alarm notifies.", Ref("aws_sns_topic.alerts.arn")
                ),
            )
        ]

    def modules(self, part: MonitoringPlan, wire: Wire, sinks: Sinks) -> list[ModuleContext]:
        # The topic is a module of its own: the endpoint modules' alarms notify it, and the monitoring
        # module reads the endpoints, so one module holding both would reference itself through them.
        alerts = ModuleContext(
            key="alerts",
            template="monitoring/alerts",  # a second module of this component: its own folder inside the component's
            summary="The SNS alerts topic (KMS-encrypted) and its subscribers: every mlinfra alarm notifies it.",
            inputs={"kms_key_arn": wire.need("kms.key_arn")},
            outputs=(),
            values={"m": part},
            providers=(AWS,),
        )
        if not part.endpoints:
            # Only endpoints of kind: components (no dashboard, no monitor yet): their alarms notify the
            # topic, and a monitoring module would hold data sources alone.
            return [alerts]
        inputs: dict[str, Input] = {}
        if any(e.alarms for e in part.endpoints):
            inputs["alerts_topic_arn"] = wire.need("alerts.topic_arn")
        monitored = [e for e in part.endpoints if e.monitors]
        if monitored:
            inputs["capture_bucket"] = wire.need(
                "capture_bucket.bucket",
                "Name of the data capture bucket (monitoring reports are written under monitoring/).",
            )
            inputs["capture_bucket_arn"] = wire.need("capture_bucket.arn")
            inputs["endpoint_names"] = Input(
                {e.key: wire.ref(f"endpoint.{e.endpoint.key}.name") for e in monitored},
                "Names of the monitored SageMaker endpoints, by endpoint key.",
                "map(string)",
            )
            if any(m.kind in ("bias", "feature_attribution") for e in monitored for m in e.monitors):
                inputs["endpoint_arns"] = Input(
                    {
                        e.key: wire.ref(f"endpoint.{e.endpoint.key}.arn")
                        for e in monitored
                        if any(m.kind in ("bias", "feature_attribution") for m in e.monitors)
                    },
                    "ARNs of the endpoints Clarify asks for predictions, by endpoint key.",
                    "map(string)",
                )
        providers = (AWS, AWSCC) if part.uses_awscc else (AWS,)
        if monitored:
            inputs["kms_key_arn"] = wire.need("kms.key_arn")
        return [
            alerts,
            ModuleContext(
                key="monitoring",
                template="monitoring",
                summary="Monitoring: a CloudWatch dashboard per endpoint"
                + (
                    ", Model Monitor schedules (data quality; model quality, bias and explainability through awscc)"
                    if monitored
                    else ""
                )
                + ".",
                inputs=inputs,
                outputs=(),
                values={"m": part, "monitored": monitored, "statements": role_statements(part) if monitored else ()},
                providers=providers,
            ),
        ]

    def readme(self, part: MonitoringPlan) -> list[ReadmeSection]:
        rows = [
            (m.name, m.monitoring_type, "hashicorp/awscc" if m.awscc else "hashicorp/aws", m.schedule)
            for m in part.monitors
        ]
        if not rows:
            return []
        return [
            ReadmeSection(
                "Model Monitor schedules (the aws provider 6.25 has only the data quality job definition: model quality, bias and explainability job definitions are awscc resources, tagged explicitly since awscc has no default_tags)",
                ("schedule", "type", "job definition from", "runs"),
                tuple(rows),
            )
        ]
