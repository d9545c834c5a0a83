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
"""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import urlparse

from ...core.component import (
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
from ...core.subscriptions import subscribers_input, subscription_moves
from ...expr import Interp, Ref
from ...plan.parts import ENDPOINTS, Statement
from .plan import MonitoringPlan, monitoring_plan

# Cloud Control resource schemas change with the provider's minor versions: patch releases only.
AWSCC = Provider("awscc", "hashicorp/awscc", "~> 1.106.0")

_PARTITION, _ACCOUNT, _REGION = Ref("local.partition"), Ref("local.account_id"), Ref("local.region")
_CAPTURE_ARN = Ref("var.capture_bucket_arn")


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
