"""The monitoring plan, from the ``monitoring`` section and the endpoints' plan: per endpoint its
dashboard body, its Model Monitor job definitions and schedules (with Clarify's analysis configurations)
and its model quality alarms.

The dashboard bodies and the analysis configurations are built here as data and serialised to JSON
as Terraform's ``jsonencode`` would (:func:`jsonencode`): the module call passes finished strings.
"""

from __future__ import annotations

import json
from dataclasses import field
from typing import Any

from ...core.component import PlanRequest
from ...monitoring.images import clarify_image, model_monitor_image
from ...naming import METRICS_NAMESPACE as NAMESPACE
from ...naming import global_prefix, planned_base, requests_metric
from ...plan.parts import EndpointPlan, EndpointsPlan
from ...records import record
from .section import SECTION, EndpointMonitor

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


@record
class Alarm:
    key: str
    name: str
    description: str
    metric: str
    comparison: str
    threshold: float
    schedule_key: str


@record
class Monitor:
    """One Model Monitor kind on one endpoint: its job definition, schedule and what it reads."""

    key: str  # <endpoint key>_<kind>
    kind: str  # data_quality | model_quality | bias | feature_attribution
    monitoring_type: str
    name: str  # the schedule's name
    # The plan's part of the job definition's name: the module appends a hash of every input that replaces
    # the definition (naming.TERRAFORM_HASH), the role's ARN, the KMS key and the bucket among them.
    definition_name: str
    schedule: str
    awscc: bool
    settings: Any  # the config section
    image: str
    analysis_config: str | None  # Clarify's analysis configuration (JSON), uploaded next to the reports
    analysis_key: str | None  # its S3 key
    reports_key: str  # where the job writes its reports in the capture bucket


@record
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
    def reports_prefix(self) -> str:
        return f"monitoring/{self.label}/reports/"

    @property
    def config_prefix(self) -> str:
        return f"monitoring/{self.label}/config/"


@record
class MonitoringPlan:
    region: str
    topic_name: str
    role_name: str
    subscribers: tuple[tuple[str, str], ...]  # (protocol, endpoint)
    alarm_topics: tuple[str, ...]  # existing SNS topics the alarms also notify
    endpoints: tuple[EndpointMonitoring, ...]
    tags: dict[str, str]  # the provider's default_tags, spelled out for awscc

    @property
    def monitors(self) -> tuple[Monitor, ...]:
        return tuple(m for e in self.endpoints for m in e.monitors)


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
    mon = SECTION.of(config)
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
            monitors.append(
                Monitor(
                    key=key,
                    kind=kind,
                    monitoring_type=monitoring_type,
                    name=name,
                    definition_name=planned_base(name),
                    schedule=settings.schedule,
                    awscc=kind != "data_quality",
                    settings=settings,
                    image=image,
                    analysis_config=analysis,
                    analysis_key=f"monitoring/{ep.label}/config/{kind}.json" if analysis else None,
                    reports_key=f"monitoring/{ep.label}/reports/{kind.replace('_', '-')}",
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
        role_name=f"{global_prefix(request.prefix, region)}-monitoring",  # IAM names are per account
        subscribers=tuple(given for s in mon.subscribers for given in s.given),
        alarm_topics=tuple(mon.alarm_topics),
        endpoints=tuple(eps),
        # The provider's default_tags (plan.platform), which awscc resources must carry themselves.
        tags=_platform_tags(config),
    )


def _platform_tags(config: Any) -> dict[str, str]:
    p = config.project
    return {"Environment": p.environment, "ManagedBy": "mlinfra", "Project": p.name, **p.tags}
