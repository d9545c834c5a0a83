"""The ``monitoring`` section: who is alerted, and which Model Monitor schedules watch which endpoint."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import Field, StringConstraints

from ...config.section import Section
from ...config.shapes import INSTANCE_TYPE_RE, ComponentName, S3Uri, SnsTopicArn, Strict, Subscriber

if TYPE_CHECKING:
    from ...config.shapes import PlatformConfig

# Model Monitor schedules: hourly (the default), daily, or a cron expression that runs at most hourly.
HOURLY = "cron(0 * ? * * *)"
Schedule = Annotated[str, StringConstraints(pattern=r"^cron\([^)]+\)$", max_length=256)]
# A prefix Model Monitor reads everything under (ground truth): an S3 URI ending with "/".
S3PrefixUri = Annotated[
    str, StringConstraints(pattern=r"^s3://[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]/([^\s]*/)?$", max_length=1024)
]
Attribute = Annotated[str, StringConstraints(min_length=1, max_length=256, pattern=r"^[\w.\[\]$-]+$")]
# A quality metric threshold as the registry writes it: "OP number", OP one of >= > <= <.
Threshold = Annotated[str, StringConstraints(pattern=r"^(>=|>|<=|<)\s*-?\d+(\.\d+)?$")]
ProblemType = Literal["BinaryClassification", "MulticlassClassification", "Regression"]


class Baseline(Strict):
    """Statistics and constraints of the training data (``mlinfra monitor baseline DATA -o DIR`` writes both)."""

    statistics: S3Uri
    constraints: S3Uri


class DataQuality(Strict):
    baseline: Baseline
    schedule: Schedule = HOURLY


class ModelQuality(Strict):
    problem_type: ProblemType
    ground_truth: S3PrefixUri  # where the labels are uploaded (Model Monitor merges them with the capture)
    inference_attribute: Attribute | None = None  # the prediction in the endpoint's output
    probability_attribute: Attribute | None = None
    probability_threshold: Annotated[float, Field(ge=0, le=1)] | None = None
    # Alarms on the metrics Model Monitor publishes (aws/sagemaker/Endpoints/model-metrics), e.g. accuracy: ">= 0.9".
    thresholds: dict[Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$", max_length=64)], Threshold] = Field(
        default_factory=dict
    )
    schedule: Schedule = HOURLY


class Facet(Strict):
    """A sensitive feature and the value(s) or threshold that select its disadvantaged group."""

    name: Attribute
    values: Annotated[list[str | int | float], Field(min_length=1, max_length=100)]


class Bias(Strict):
    ground_truth: S3PrefixUri
    label: Attribute
    label_values: Annotated[list[str | int | float], Field(min_length=1, max_length=100)]
    facets: Annotated[list[Facet], Field(min_length=1, max_length=20)]
    features: list[Attribute] = Field(default_factory=list)  # the payload's column names (CSV), in order
    probability_threshold: Annotated[float, Field(ge=0, le=1)] | None = None
    # The Clarify baselining job's constraints: the allowed range of each bias metric.
    constraints: S3Uri | None = None
    schedule: Schedule = HOURLY


class FeatureAttribution(Strict):
    shap_baseline: S3Uri  # baseline rows for SHAP (CSV, no header)
    features: list[Attribute] = Field(default_factory=list)
    num_samples: Annotated[int, Field(ge=1, le=10000)] = 100
    constraints: S3Uri | None = None
    schedule: Schedule = HOURLY


class EndpointMonitor(Strict):
    """The Model Monitor schedules of one endpoint (it must capture data) and its job resources."""

    endpoint: ComponentName
    instance_type: Annotated[str, StringConstraints(pattern=INSTANCE_TYPE_RE)] = "ml.m5.xlarge"
    instance_count: Annotated[int, Field(ge=1, le=100)] = 1
    volume_size_gb: Annotated[int, Field(ge=1, le=16384)] = 20
    # Hourly schedules must finish within the hour; Model Monitor's default is 3600.
    max_runtime_seconds: Annotated[int, Field(ge=1, le=3600)] = 1800
    data_quality: DataQuality | None = None
    model_quality: ModelQuality | None = None
    bias: Bias | None = None
    feature_attribution: FeatureAttribution | None = None


class Monitoring(Strict):
    """Alerts (an SNS topic), a CloudWatch dashboard per endpoint, Model Monitor schedules."""

    subscribers: list[Subscriber] = Field(default_factory=list)
    # Existing SNS topics (bring your own: the on-call's, a chat bridge's) every mlinfra alarm also
    # notifies, when it fires and when it recovers. A CloudWatch alarm takes 5 actions per state, and
    # mlinfra's alerts topic is one of them.
    alarm_topics: Annotated[list[SnsTopicArn], Field(max_length=4)] = Field(default_factory=list)
    endpoints: list[EndpointMonitor] = Field(default_factory=list)


SECTION = Section("monitoring", Monitoring)


def alarm_topics(config: PlatformConfig) -> tuple[str, ...]:
    """The existing SNS topics every mlinfra alarm notifies besides the alerts topic (none without monitoring)."""
    mon = SECTION.of(config)
    return tuple(mon.alarm_topics) if mon is not None else ()
