"""Rules of the ``monitoring`` section: the monitored endpoints exist, are real-time and capture what
their monitors read; SageMaker publishes the monitors' images in the Region; a capture destination does
not cover what the monitors read."""

from __future__ import annotations

import re
from collections.abc import Iterator

from ...config.capture_rules import Read, destination_overlap, overlap_violation
from ...config.rules import Violation, subscribers, unknown_instance_type
from ...config.shapes import PlatformConfig
from ...instance_types import PROCESSING
from ...monitoring.images import CLARIFY_ACCOUNTS, MODEL_MONITOR_ACCOUNTS
from ...regions import REGIONS
from .section import SECTION, Monitoring

# What each monitor reads from the endpoint's capture (DataCapture.modes).
_NEEDS = {
    "data_quality": ("input",),
    "model_quality": ("output",),
    "bias": ("input", "output"),
    "feature_attribution": ("input",),
}


def capture_destination_reads(config: PlatformConfig) -> Iterator[Violation]:
    """An endpoint's capture destination must not cover what Model Monitor compares the captures with
    (baselines, ground truth): the execution role may write under it. The core rule
    (:func:`mlinfra.config.capture_rules.capture_destination`) reports the first overlap with the models'
    and endpoints' own reads; this one reports a destination only when that rule found none."""
    mon = SECTION.of(config)
    if mon is None:
        return
    reads = _reads(mon)
    if not reads:
        return
    for i, ep in enumerate(config.endpoints):
        dc = ep.data_capture
        if dc is None or dc.destination is None:
            continue
        uri = dc.destination.rstrip("/")
        if destination_overlap(config, uri) is not None:
            continue  # reported by the core rule
        found = destination_overlap(config, uri, reads)
        if found is not None:
            yield overlap_violation(("endpoints", i, "data_capture", "destination"), uri, found)


def _reads(mon: Monitoring) -> list[Read]:
    """What the monitors read from S3, each with how a message names it."""
    read: list[Read] = []
    for em in mon.endpoints:
        for kind in ("data_quality", "model_quality", "bias", "feature_attribution"):
            s = getattr(em, kind)
            baseline = getattr(s, "baseline", None)
            for attr, uri in (
                ("ground_truth", getattr(s, "ground_truth", None)),
                ("baseline", getattr(baseline, "statistics", None)),
                ("baseline", getattr(baseline, "constraints", None)),
                ("constraints", getattr(s, "constraints", None)),
                ("shap_baseline", getattr(s, "shap_baseline", None)),
            ):
                if uri is not None:
                    read.append((uri, f"the {kind} monitor's {attr} of endpoint {em.endpoint}"))
    return read


_SNS_ARN = re.compile(r"^arn:(?P<partition>[a-z-]+):sns:(?P<region>[a-z0-9-]*):(?P<account>\d{12}):")


def alarm_topics(config: PlatformConfig) -> Iterator[Violation]:
    """Topics the alarms notify are in the platform's region and partition, each named once."""
    mon, region = SECTION.of(config), config.project.region
    if mon is None:
        return
    home = REGIONS[region][0] if region in REGIONS else None
    seen: set[str] = set()
    for j, arn in enumerate(mon.alarm_topics):
        loc = ("monitoring", "alarm_topics", j)
        if arn in seen:
            yield Violation(loc, f"{arn} is listed twice", "alarm-topic-duplicate")
        seen.add(arn)
        t = _SNS_ARN.match(arn)
        if t is None or home is None:
            continue  # the shape's message (the ARN's form), or the unknown region's
        if t["partition"] != home or t["region"] != region:
            # CloudWatch alarm actions reach SNS topics of the alarm's own Region only (another account's
            # topic is fine when its access policy lets cloudwatch.amazonaws.com publish).
            yield Violation(
                loc,
                f"a CloudWatch alarm notifies SNS topics of its own Region only: the alarms are in {region}, "
                f"the topic in {t['region'] or 'no region'} (partition {t['partition']}); use a topic arn:{home}:sns:{region}:ACCOUNT:NAME",
                "alarm-topic-region",
            )


def monitoring(config: PlatformConfig) -> Iterator[Violation]:
    mon = SECTION.of(config)
    if mon is None:
        return
    yield from subscribers("monitoring", mon.subscribers, "monitoring-subscriber")
    endpoints = {ep.name: (j, ep) for j, ep in enumerate(config.endpoints)}
    seen: dict[str, int] = {}
    region = config.project.region
    for i, m in enumerate(mon.endpoints):
        loc = ("monitoring", "endpoints", i)
        if m.endpoint in seen:
            yield Violation(
                (*loc, "endpoint"),
                f"endpoint {m.endpoint} is monitored twice (also at line {{related_line}}); merge the two entries",
                "monitoring-duplicate",
                related=("monitoring", "endpoints", seen[m.endpoint], "endpoint"),
            )
            continue
        seen[m.endpoint] = i
        if m.endpoint not in endpoints:
            names = ", ".join(sorted(endpoints)) or "none"
            yield Violation(
                (*loc, "endpoint"),
                f"no endpoint {m.endpoint} to monitor (endpoints: {names})",
                "monitoring-unknown-endpoint",
            )
            continue
        j, ep = endpoints[m.endpoint]
        kinds = [k for k in _NEEDS if getattr(m, k) is not None]
        if not kinds:
            continue
        if ep.kind != "realtime":
            yield Violation(
                (*loc, "endpoint"),
                f"endpoint {ep.name} is {ep.kind}: Model Monitor schedules watch real-time endpoints; remove its monitors",
                "monitoring-endpoint-kind",
            )
            continue
        if ep.data_capture is None:
            yield Violation(
                (*loc, "endpoint"),
                f"endpoint {ep.name} (line {{related_line}}) captures no data, and Model Monitor reads the endpoint's data capture; "
                f"add data_capture: {{sampling_percentage: 100, modes: [input, output]}} to it",
                "monitoring-needs-capture",
                related=("endpoints", j, "name"),
            )
            continue
        for kind in kinds:
            missing = [mode for mode in _NEEDS[kind] if mode not in ep.data_capture.modes]
            if missing:
                yield Violation(
                    (*loc, kind),
                    f"{kind} reads the captured {' and '.join(_NEEDS[kind])}, and endpoint {ep.name} (line {{related_line}}) captures no {' or '.join(missing)}; add {', '.join(missing)} to its data_capture.modes",
                    "monitoring-capture-modes",
                    related=("endpoints", j, "data_capture", "modes"),
                )
        if (m.data_quality or m.model_quality) and region not in MODEL_MONITOR_ACCOUNTS:
            yield Violation(
                (*loc, kinds[0]),
                f"SageMaker publishes no Model Monitor image in {region} (regions: {', '.join(sorted(MODEL_MONITOR_ACCOUNTS))})",
                "monitoring-region",
            )
        if (m.bias or m.feature_attribution) and region not in CLARIFY_ACCOUNTS:
            yield Violation(
                (*loc, "bias" if m.bias else "feature_attribution"),
                f"SageMaker publishes no Clarify image in {region} (regions: {', '.join(sorted(CLARIFY_ACCOUNTS))})",
                "monitoring-region",
            )
        mq = m.model_quality
        if mq is not None and mq.probability_threshold is not None and mq.probability_attribute is None:
            yield Violation(
                (*loc, "model_quality", "probability_threshold"),
                "a probability_threshold applies to the probability_attribute: name it too",
                "monitoring-probability",
            )
        if mq is not None:
            allowed = _METRICS[mq.problem_type]
            for name in mq.thresholds:
                if name not in allowed:
                    yield Violation(
                        (*loc, "model_quality", "thresholds", name),
                        f"{mq.problem_type} has no metric {name} (metrics: {', '.join(sorted(allowed))})",
                        "monitoring-metric",
                    )


# The metrics Model Monitor's model quality jobs compute, per problem type (the CloudWatch metric names).
_METRICS = {
    "BinaryClassification": {
        "accuracy",
        "auc",
        "f0_5",
        "f1",
        "f2",
        "false_negative_rate",
        "false_positive_rate",
        "precision",
        "recall",
        "true_negative_rate",
        "true_positive_rate",
    },
    "MulticlassClassification": {
        "accuracy",
        "weighted_f0_5",
        "weighted_f1",
        "weighted_f2",
        "weighted_precision",
        "weighted_recall",
    },
    "Regression": {"mae", "mse", "r2", "rmse"},
}


def monitor_instance_types(config: PlatformConfig) -> Iterator[Violation]:
    mon = SECTION.of(config)
    if mon is None:
        return
    for i, m in enumerate(mon.endpoints):
        # Model Monitor runs its schedules as processing jobs: CreateProcessingJob's list applies.
        found = unknown_instance_type(("monitoring", "endpoints", i), m.instance_type, PROCESSING, "Model Monitor jobs")
        if found is not None:
            yield found


# The overlap check first: it was part of the core capture rule, which runs before this section's rules.
RULES = (capture_destination_reads, monitoring, alarm_topics, monitor_instance_types)
