"""Monitoring: the alerts topic (``alerts.topic_arn``), a CloudWatch dashboard per endpoint, and Model
Monitor's four kinds of schedules on the endpoints that capture data.

Data quality uses the aws provider (``aws_sagemaker_data_quality_job_definition``); the aws provider (6.25)
has no model quality, bias or explainability job definitions, so those come from hashicorp/awscc
(Cloud Control), pinned in versions.tf and tagged explicitly (awscc has no ``default_tags``). Every
schedule is an ``aws_sagemaker_monitoring_schedule``. Reports, and the Clarify analysis configurations
mlinfra writes, live in the capture bucket under ``monitoring/<endpoint>/``; the monitoring role reads
exactly the endpoint's capture prefix, the baselines and the ground-truth prefixes, and writes exactly the
reports prefix.

The plan (dashboards, job definitions, schedules, alarms) is built in :mod:`.plan`; this module lays it
out as the ``alerts`` and ``monitoring`` modules and writes the monitoring role's statements.

Both modules' text is the same for every project: the call passes the config's values as typed
variables (the dashboards, one map per kind of monitor, the alarms, the role's name and statements, the
topic's subscribers), the module holds one ``for_each`` block per kind of object and the role as a
``count`` of 0 or 1; the root's moved blocks carry the objects of earlier renders (one block each) to
these instances. So the monitoring module always declares awscc, used or not.
"""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import urlparse

from ...config.shapes import LOCAL_STORAGE
from ...core.arns import AT_ROOT
from ...core.component import (
    AWS,
    AWSCC,
    Component,
    Export,
    Input,
    ModuleContext,
    Output,
    PlanRequest,
    ReadmeSection,
    Sinks,
    Wire,
    object_type,
    statement_object,
    statements_type,
)
from ...core.sagemaker_inputs import alarm_actions
from ...core.subscriptions import subscribers_input, subscription_moves
from ...expr import NULL, Interp, Ref, or_null
from ...plan.parts import ENDPOINTS, Statement
from .plan import EndpointMonitoring, Monitor, MonitoringPlan, monitoring_plan

_PARTITION, _ACCOUNT, _REGION = Ref("local.partition"), Ref("local.account_id"), Ref("local.region")
_CAPTURE_ARN = Ref("var.capture_bucket_arn")


def _s3_object_arn(uri: str) -> Interp:
    u = urlparse(uri)
    return Interp("arn:", _PARTITION, f":s3:::{u.netloc}{u.path}")


def _bucket_and_prefix(uri: str) -> tuple[str, str]:
    """The bucket's ARN after its partition (``:s3:::BUCKET``) and the key prefix of an S3 URI."""
    u = urlparse(uri)
    return f":s3:::{u.netloc}", u.path.lstrip("/")


def role_statements(plan: MonitoringPlan, region: str | Ref = _REGION) -> tuple[Statement, ...]:
    """What the Model Monitor jobs read and write, exactly (in the module's terms; the module call
    passes them with the root's, and the region the config's)."""
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
                    "arn:", _PARTITION, ":logs:", region, ":", _ACCOUNT, ":log-group:/aws/sagemaker/ProcessingJobs:*"
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
        return monitoring_plan(request, ENDPOINTS.of(parts))

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
            inputs={
                "kms_key_arn": wire.need("kms.key_arn"),
                "name": Input(part.topic_name, "Name of the SNS alerts topic."),
                "subscribers": subscribers_input(part.subscribers, "the alerts topic"),
            },
            outputs=(),
            providers=(AWS,),
            instances={"var.subscribers": len(part.subscribers)},
            moved_at_root=subscription_moves(part.subscribers),
        )
        if not part.endpoints:
            # Only endpoints of kind: components (no dashboard, no monitor yet): their alarms notify the
            # topic, and a monitoring module would hold data sources alone.
            return [alerts]
        monitored = [e for e in part.endpoints if e.monitors]
        monitors = {kind: [(e, m) for e in monitored for m in e.monitors if m.kind == kind] for kind in _KINDS}
        role_statements_: list[dict[str, object]] = []
        if monitored:
            statements = role_statements(part, region=part.region)
            # The statements' values at the call: what they name as the module's own names.
            at_call = {
                **AT_ROOT,
                _CAPTURE_ARN.expr: wire.ref("capture_bucket.arn"),
                "var.kms_key_arn": wire.ref("kms.key_arn"),
                **{f'var.endpoint_arns["{e.key}"]': wire.ref(f"endpoint.{e.endpoint.key}.arn") for e in monitored},
            }
            role_statements_ = [statement_object(st, at_call) for st in statements]
        alarms = [(e, a) for e in monitored for a in e.alarms]
        inputs = {
            "alarm_actions": alarm_actions(wire, part.alarm_topics),
            "kms_key_arn": wire.need(
                "kms.key_arn", "ARN of the platform KMS key: reports, analysis configurations, job volumes."
            ),
            "capture_bucket": Input(
                wire.ref("capture_bucket.bucket") if monitored else NULL,
                "Name of the data capture bucket (reports and Clarify's analysis configurations are written under monitoring/); null without monitors.",
            ),
            "endpoint_names": Input(
                {e.key: wire.ref(f"endpoint.{e.endpoint.key}.name") for e in monitored},
                "Names of the monitored SageMaker endpoints, by endpoint key.",
                "map(string)",
            ),
            "dashboards": Input(
                {e.key: {"name": e.dashboard_name, "body": e.dashboard_body} for e in part.endpoints},
                "A CloudWatch dashboard per endpoint, by endpoint key: its name and body (JSON).",
                "map(" + object_type(name="string", body="string") + ")",
            ),
            "role_name": Input(
                part.role_name if monitored else NULL,
                "Name of the role every monitoring job runs as; null without monitors (no role).",
            ),
            "role_statements": Input(
                role_statements_,
                "Statements of the monitoring role's policy: exactly the endpoints' capture prefixes, the baselines, ground truth and analysis configurations they read, and the reports prefixes they write.",
                statements_type(),
            ),
            "data_quality": Input(
                {
                    m.key: {
                        **_job(e, m),
                        "statistics": m.settings.baseline.statistics,
                        "constraints": m.settings.baseline.constraints,
                    }
                    for e, m in monitors["data_quality"]
                },
                "Data quality monitors (aws_sagemaker_data_quality_job_definition), by key: the baseline's statistics and constraints.",
                _map(_JOB, statistics="string", constraints="string"),
            ),
            "model_quality": Input(
                {
                    m.key: {
                        **_job(e, m),
                        "awscc_tags": e.awscc_tags,
                        "problem_type": m.settings.problem_type,
                        "ground_truth": m.settings.ground_truth,
                        "inference_attribute": or_null(m.settings.inference_attribute),
                        "probability_attribute": or_null(m.settings.probability_attribute),
                        "probability_threshold": or_null(m.settings.probability_threshold),
                    }
                    for e, m in monitors["model_quality"]
                },
                "Model quality monitors (awscc), by key: the problem type, the ground truth prefix and which output attributes hold the prediction and its probability (null: Model Monitor's default).",
                _map(
                    _AWSCC_JOB,
                    problem_type="string",
                    ground_truth="string",
                    inference_attribute="string",
                    probability_attribute="string",
                    probability_threshold="number",
                ),
            ),
            "model_bias": Input(
                {
                    m.key: {
                        **_job(e, m),
                        "awscc_tags": e.awscc_tags,
                        "ground_truth": m.settings.ground_truth,
                        "constraints": or_null(m.settings.constraints),
                        "analysis": _analysis(m),
                    }
                    for e, m in monitors["bias"]
                },
                "Bias monitors (awscc, Clarify), by key: the ground truth prefix, the baseline's constraints (null: none) and Clarify's analysis configuration (its key in the capture bucket, its JSON).",
                _map(_AWSCC_JOB, ground_truth="string", constraints="string", analysis=_ANALYSIS),
            ),
            "model_explainability": Input(
                {
                    m.key: {
                        **_job(e, m),
                        "awscc_tags": e.awscc_tags,
                        "constraints": or_null(m.settings.constraints),
                        "analysis": _analysis(m),
                    }
                    for e, m in monitors["feature_attribution"]
                },
                "Feature attribution monitors (awscc, Clarify SHAP), by key: the baseline's constraints (null: none) and Clarify's analysis configuration.",
                _map(_AWSCC_JOB, constraints="string", analysis=_ANALYSIS),
            ),
            "alarms": Input(
                {
                    a.key: {
                        "alarm_name": a.name,
                        "alarm_description": a.description,
                        "metric_name": a.metric,
                        "comparison_operator": a.comparison,
                        "threshold": a.threshold,
                        "endpoint": e.key,
                        "schedule": a.schedule_key,
                        "tags": dict(e.tags),
                    }
                    for e, a in alarms
                },
                "CloudWatch alarms on Model Monitor's model quality metrics, by key: the metric, its threshold, the endpoint (a key of var.endpoint_names) and the model quality monitor (a key of var.model_quality) that publishes it.",
                "map("
                + object_type(
                    alarm_name="string",
                    alarm_description="string",
                    metric_name="string",
                    comparison_operator="string",
                    threshold="number",
                    endpoint="string",
                    schedule="string",
                    tags="map(string)",
                )
                + ")",
            ),
        }
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
                folder_summary=FOLDER_SUMMARY,
                inputs=inputs,
                outputs=(),
                providers=(AWS, AWSCC),
                instances={
                    "var.dashboards": len(part.endpoints),
                    "local.monitored": int(bool(monitored)),
                    "local.analysis_configs": len(monitors["bias"]) + len(monitors["feature_attribution"]),
                    "var.data_quality": len(monitors["data_quality"]),
                    "var.model_quality": len(monitors["model_quality"]),
                    "var.model_bias": len(monitors["bias"]),
                    "var.model_explainability": len(monitors["feature_attribution"]),
                    "local.schedules": sum(len(v) for v in monitors.values()),
                    "var.alarms": len(alarms),
                },
                moved_at_root=_moved(part),
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


#: What the monitoring module holds (its README); the call's summary says whether it monitors.
FOLDER_SUMMARY = (
    "Monitoring: a CloudWatch dashboard per endpoint and, on the endpoints that capture data, Model Monitor "
    "schedules (data quality through aws; model quality, bias and explainability through awscc), their role, "
    "Clarify's analysis configurations and the model quality alarms, each from the module's typed inputs."
)

# Model Monitor's kinds, in the order each endpoint's monitors are planned.
_KINDS = ("data_quality", "model_quality", "bias", "feature_attribution")
_JOB = {
    "name": "string",
    "definition_name": "string",
    "endpoint": "string",
    "image": "string",
    "schedule": "string",
    "instance_type": "string",
    "instance_count": "number",
    "volume_size_in_gb": "number",
    "encrypt_volume": "bool",
    "max_runtime_in_seconds": "number",
    "reports_key": "string",
    "tags": "map(string)",
}
_AWSCC_JOB = {**_JOB, "awscc_tags": "list(" + object_type(key="string", value="string") + ")"}
_ANALYSIS = object_type(key="string", content="string")


def _map(common: Mapping[str, str], **own: str) -> str:
    return "map(" + object_type(**common, **own) + ")"


def _job(e: EndpointMonitoring, m: Monitor) -> dict[str, object]:
    """What every monitor's job definition and schedule take: the endpoint (a key of var.endpoint_names),
    the image, the schedule, the job's resources, where its reports go and the endpoint's tags."""
    c = e.config
    assert c is not None  # a monitor comes from the endpoint's monitoring config
    return {
        "name": m.name,
        "definition_name": m.definition_name,
        "endpoint": e.key,
        "image": m.image,
        "schedule": m.schedule,
        "instance_type": c.instance_type,
        "instance_count": c.instance_count,
        "volume_size_in_gb": c.volume_size_gb,
        # SageMaker refuses a volume KMS key on instance types with local NVMe storage (the endpoint's table).
        "encrypt_volume": not LOCAL_STORAGE.match(c.instance_type),
        "max_runtime_in_seconds": c.max_runtime_seconds,
        "reports_key": m.reports_key,
        "tags": dict(e.tags),
    }


def _analysis(m: Monitor) -> dict[str, object]:
    assert m.analysis_key is not None and m.analysis_config is not None
    return {"key": m.analysis_key, "content": m.analysis_config}


_RESOURCE_TYPES = {
    "data_quality": "aws_sagemaker_data_quality_job_definition",
    "model_quality": "awscc_sagemaker_model_quality_job_definition",
    "bias": "awscc_sagemaker_model_bias_job_definition",
    "feature_attribution": "awscc_sagemaker_model_explainability_job_definition",
}


def _moved(part: MonitoringPlan) -> tuple[tuple[str, str], ...]:
    """Earlier renders wrote a block per dashboard, monitor and alarm, and the role only with monitors:
    they are for_each and count instances now, keyed by the names of those blocks."""
    out = [(f"aws_cloudwatch_dashboard.{e.key}", f'aws_cloudwatch_dashboard.this["{e.key}"]') for e in part.endpoints]
    if any(e.monitors for e in part.endpoints):
        out += [(f"{a}.monitoring", f"{a}.monitoring[0]") for a in ("aws_iam_role", "aws_iam_role_policy")]
    for e in part.endpoints:
        for m in e.monitors:
            if m.analysis_key:
                out.append((f"aws_s3_object.{m.key}_analysis", f'aws_s3_object.analysis["{m.key}"]'))
            out.append((f"{_RESOURCE_TYPES[m.kind]}.{m.key}", f'{_RESOURCE_TYPES[m.kind]}.this["{m.key}"]'))
            out.append(
                (f"aws_sagemaker_monitoring_schedule.{m.key}", f'aws_sagemaker_monitoring_schedule.this["{m.key}"]')
            )
        out += [
            (f"aws_cloudwatch_metric_alarm.{a.key}", f'aws_cloudwatch_metric_alarm.this["{a.key}"]') for a in e.alarms
        ]
    return tuple(out)
