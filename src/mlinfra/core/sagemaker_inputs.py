"""Inputs and outputs the two SageMaker endpoint modules share (``endpoint`` and ``inference_components``):
their alarms, the topic the alarms notify, data capture, and the endpoint's name and ARN. Both components lay them out here, so the two
modules take one shape of each."""

from __future__ import annotations

from ..expr import NULL, Interp, Ref, or_null
from ..naming import METRICS_NAMESPACE
from ..plan.parts import AlarmPlan, CapturePlan
from .component import Export, Input, Output, Wire, object_type

#: The data_capture input of both endpoint modules.
CAPTURE_TYPE = object_type(
    initial_sampling_percentage="number",
    destination_s3_uri="string",
    capture_modes="list(string)",
    json_content_types="list(string)",
    csv_content_types="list(string)",
    kms_key_id="string",
)
METRIC_TYPE = object_type(
    namespace="string", metric_name="string", dimensions="map(string)", period="number", stat="string"
)
#: The alarms input of both endpoint modules: a plain metric or metric math (metric_queries), by key.
ALARMS_TYPE = (
    "map("
    + object_type(
        alarm_name="string",
        alarm_description="string",
        comparison_operator="string",
        threshold="number",
        evaluation_periods="number",
        treat_missing_data="string",
        namespace="string",
        metric_name="string",
        statistic="string",
        extended_statistic="string",
        dimensions="map(string)",
        period="number",
        metric_queries="list("
        + object_type(id="string", expression="string", label="string", return_data="bool", metric=METRIC_TYPE)
        + ")",
    )
    + ")"
)


def capture_object(c: CapturePlan, wire: Wire, platform_key: object) -> dict[str, object]:
    """A capture as the endpoint modules' ``data_capture`` input: into the platform's bucket with the
    platform key, or into the config's destination with its key (null: the bucket's default encryption)."""
    if c.in_platform_bucket:
        destination: object = Interp("s3://", wire.ref("capture_bucket.bucket"), f"/{c.prefix}")
        key = platform_key
    else:
        destination, key = c.destination, or_null(c.kms_key_arn)
    return {
        "initial_sampling_percentage": c.sampling_percentage,
        "destination_s3_uri": destination,
        "capture_modes": list(c.modes),
        "json_content_types": list(c.json_content_types),
        "csv_content_types": list(c.csv_content_types),
        "kms_key_id": key,
    }


def alarm_actions(wire: Wire, topics: tuple[str, ...] = ()) -> Input:
    """The alarm_actions input of the modules that hold alarms (endpoint, inference_components,
    monitoring): the alerts topic, when the platform has one, then the existing ``topics`` (literals)."""
    return Input(
        [*([wire.ref("alerts.topic_arn")] if wire.has("alerts.topic_arn") else []), *topics],
        "ARNs notified when an alarm fires or recovers (alarm_actions and ok_actions of every alarm).",
        "list(string)",
    )


#: The rate alarms' denominator metric → its metric query id.
_REQUESTS_IDS = {"Invocations": "invocations", "InvocationsProcessed": "processed"}


def alarm_object(a: AlarmPlan) -> dict[str, object]:
    out: dict[str, object] = {
        "alarm_name": a.name,
        "alarm_description": a.description,
        "comparison_operator": a.comparison,
        "threshold": a.threshold,
        "evaluation_periods": a.evaluation_periods,
        "treat_missing_data": "notBreaching",
    }
    if a.kind in ("latency", "drift", "metric"):
        # ModelLatency is reported in microseconds (the plan's threshold is); percentiles are extended statistics.
        namespace, metric = {
            "latency": ("AWS/SageMaker", "ModelLatency"),
            "drift": (METRICS_NAMESPACE, "FeatureDrift"),
            "metric": ("AWS/SageMaker", a.metric),
        }[a.kind]
        percentile = a.statistic.startswith("p")
        out.update(
            namespace=namespace,
            metric_name=metric,
            statistic=NULL if percentile else a.statistic,
            extended_statistic=a.statistic if percentile else NULL,
            dimensions=dict(a.dimensions),
            period=a.period,
            metric_queries=[],
        )
        return out
    # 5XX (or 4XX) responses as a percentage of invocations; no traffic counts as 0 %, not as missing data.
    # Asynchronous endpoints count their requests in InvocationsProcessed (they publish no Invocations).
    code = "5XX" if a.kind == "error_rate" else "4XX"
    n = _REQUESTS_IDS[a.requests_metric]
    queries: list[dict[str, object]] = [
        {
            "id": "error_rate",
            "expression": f"IF({n} > 0, 100 * errors / {n}, 0)",
            "label": f"{code} error rate (%)",
            "return_data": True,
            "metric": NULL,
        }
    ]
    for id_, metric in (("errors", f"Invocation{code}Errors"), (n, a.requests_metric)):
        queries.append(
            {
                "id": id_,
                "expression": NULL,
                "label": NULL,
                "return_data": NULL,
                "metric": {
                    "namespace": "AWS/SageMaker",
                    "metric_name": metric,
                    "dimensions": dict(a.dimensions),
                    "period": a.period,
                    "stat": "Sum",
                },
            }
        )
    out.update(
        namespace=NULL,
        metric_name=NULL,
        statistic=NULL,
        extended_statistic=NULL,
        dimensions=NULL,
        period=NULL,
        metric_queries=queries,
    )
    return out


def endpoint_exports(capability: str, module: str) -> list[Export]:
    """``<capability>.name`` and ``<capability>.arn``: the endpoint an endpoint module creates."""
    return [
        Export(
            f"{capability}.name",
            module,
            Output("endpoint_name", "Name of the SageMaker endpoint.", Ref("aws_sagemaker_endpoint.this.name")),
        ),
        Export(
            f"{capability}.arn",
            module,
            Output("endpoint_arn", "ARN of the SageMaker endpoint.", Ref("aws_sagemaker_endpoint.this.arn")),
        ),
    ]
