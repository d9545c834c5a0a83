"""Endpoint alarms per variant (#10): p99 ModelLatency in microseconds, 5XX and 4XX rates as metric math,
feature drift; statistic and comparison from the config; actions wired to the alerts topic; the
blue/green rollback alarms.  The rendered call is read back, and the alarms are created in moto from
the exact arguments the module receives, with their state changes and the topic's SQS subscriber."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mlinfra.core.sagemaker_inputs import alarm_object as _alarm
from mlinfra.expr import NULL
from mlinfra.pipeline import load_config
from mlinfra.plan.platform import build_plan
from tests.support.configs import EXAMPLE_DIR as EXAMPLES
from tests.support.configs import edited, refused, render
from tests.support.hcl_checks import load_tree
from tests.test_render import s


def _call(root: Path, key: str) -> dict:
    for entry in load_tree(root)["."]["main.tf"]["module"]:
        for name, body in entry.items():
            if name.strip('"') == key:
                return body
    raise KeyError(key)


def test_rendered_alarms_per_variant(tmp_path: Path) -> None:
    call = _call(render(EXAMPLES / "monitoring.yaml", tmp_path / "tree"), "endpoint_churn")
    assert call["alarm_actions"] == ["${module.alerts.topic_arn}"]
    alarms = call["alarms"]
    assert set(alarms) == {
        "production_latency_p99", "production_error_rate", "production_client_error_rate",
        "drift_age", "drift_income", "drift_tenure_months",
    }
    latency = alarms["production_latency_p99"]
    # 100 ms as ModelLatency reports it: microseconds.
    assert (s(latency["metric_name"]), s(latency["extended_statistic"]), latency["statistic"], latency["threshold"]) == ("ModelLatency", "p99", None, 100000)
    assert s(latency["comparison_operator"]) == "GreaterThanThreshold" and latency["period"] == 60 and latency["evaluation_periods"] == 2
    for key, code, threshold in (("production_error_rate", "5XX", 5), ("production_client_error_rate", "4XX", 20)):
        a = alarms[key]
        assert a["metric_name"] is None and a["threshold"] == threshold
        queries = a["metric_queries"]
        assert s(queries[0]["expression"]) == "IF(invocations > 0, 100 * errors / invocations, 0)" and queries[0]["return_data"] is True
        assert [(s(q["id"]), s(q["metric"]["metric_name"]), s(q["metric"]["stat"]), q["metric"]["period"]) for q in queries[1:]] == [
            ("errors", f"Invocation{code}Errors", "Sum", 60),
            ("invocations", "Invocations", "Sum", 60),
        ]
        assert {k: s(v) for k, v in queries[1]["metric"]["dimensions"].items()} == {"EndpointName": "churn-prod-churn", "VariantName": "production"}
    drift = alarms["drift_income"]
    assert (s(drift["namespace"]), s(drift["metric_name"]), s(drift["statistic"]), drift["threshold"]) == ("MLInference", "FeatureDrift", "Maximum", 0.2)
    assert {k: s(v) for k, v in drift["dimensions"].items()} == {"FeatureName": "income"}


def test_statistic_and_comparison_are_overridable(tmp_path: Path) -> None:
    edit = ("      latency_p99_ms: 100        # p99", "      latency_statistic: Average\n      comparison: \">=\"\n      latency_p99_ms: 100        # p99")
    alarms = _call(render(edited("monitoring", tmp_path, edit), tmp_path / "tree"), "endpoint_churn")["alarms"]
    latency = alarms["production_latency_p99"]
    assert (s(latency["statistic"]), latency["extended_statistic"]) == ("Average", None)
    assert {s(a["comparison_operator"]) for a in alarms.values()} == {"GreaterThanOrEqualToThreshold"}
    assert s(latency["alarm_description"]) == "Average model latency of variant production at or above 100 ms"


def test_alarms_guard_the_rollback_and_notify_the_topic_on_the_platform(tmp_path: Path) -> None:
    call = _call(render(EXAMPLES / "platform.yaml", tmp_path / "tree"), "endpoint_inference")
    assert call["alarm_actions"] == ["${module.alerts.topic_arn}"]
    rollback = [s(k) for k in call["deployment"]["rollback_alarms"]]
    assert rollback == ["production_latency_p99", "production_error_rate", "canary_latency_p99", "canary_error_rate"]


def test_without_monitoring_alarms_have_no_actions(tmp_path: Path) -> None:
    call = _call(render(EXAMPLES / "shadow.yaml", tmp_path / "tree"), "endpoint_" + next(iter(load_config(EXAMPLES / "shadow.yaml").endpoints)).name.replace("-", "_"))
    assert call["alarm_actions"] == []


ONCALL = "arn:aws:sns:eu-west-1:210987654321:oncall"  # another account's topic: its policy lets CloudWatch publish
CHAT = "arn:aws:sns:eu-west-1:123456789012:chat-bridge"
TOPICS = ("  subscribers:                 # the alerts topic", f"  alarm_topics:\n    - {ONCALL}\n    - {CHAT}\n  subscribers:                 # the alerts topic")


def test_alarms_also_notify_existing_topics(tmp_path: Path) -> None:
    tree = render(edited("monitoring", tmp_path, TOPICS), tmp_path / "tree")
    # Every alarm of the endpoint and of Model Monitor's metrics: mlinfra's topic first, then the given ones, as literals.
    for key in ("endpoint_churn", "monitoring"):
        assert _call(tree, key)["alarm_actions"] == ["${module.alerts.topic_arn}", f'"{ONCALL}"', f'"{CHAT}"'], key
    # Both states of every alarm notify them.
    text = (tree / "modules" / "endpoint" / "main.tf").read_text()
    assert "alarm_actions       = var.alarm_actions" in text and "ok_actions          = var.alarm_actions" in text


def test_inference_component_alarms_notify_existing_topics(tmp_path: Path) -> None:
    config = edited(
        "inference-components",
        tmp_path,
        lambda text: text + "\nmonitoring:\n  alarm_topics:\n    - arn:aws:sns:us-east-1:123456789012:oncall\n",
    )
    tree = render(config, tmp_path / "tree")
    calls = [body for entry in load_tree(tree)["."]["main.tf"]["module"] for name, body in entry.items() if "alarm_actions" in body]
    assert calls and all(c["alarm_actions"] == ["${module.alerts.topic_arn}", '"arn:aws:sns:us-east-1:123456789012:oncall"'] for c in calls)


@pytest.mark.parametrize(
    ("arn", "code", "says"),
    [
        ("arn:aws:sqs:eu-west-1:123456789012:oncall", None, "an SNS topic ARN such as arn:aws:sns:us-east-1:123456789012:results"),
        ("oncall", None, "an SNS topic ARN such as arn:aws:sns:us-east-1:123456789012:results"),
        ("arn:aws:sns:us-east-1:123456789012:oncall", "alarm-topic-region", "its own Region only: the alarms are in eu-west-1, the topic in us-east-1"),
        ("arn:aws-cn:sns:cn-north-1:123456789012:oncall", "alarm-topic-region", "use a topic arn:aws:sns:eu-west-1:ACCOUNT:NAME"),
        (CHAT, "alarm-topic-duplicate", "listed twice"),
    ],
)
def test_bad_alarm_topics_are_refused(arn: str, code: str | None, says: str, tmp_path: Path) -> None:
    error = refused(edited("monitoring", tmp_path, (TOPICS[0], f"  alarm_topics:\n    - {CHAT}\n    - {arn}\n" + TOPICS[0])))
    [problem] = [p for p in error.problems if p.path.startswith("monitoring.alarm_topics")]
    assert problem.path == "monitoring.alarm_topics[1]" and problem.line == 51 and problem.file.endswith("monitoring.yaml")
    assert says in problem.message, problem.message
    if code is not None:
        assert problem.code == code


def test_at_most_four_alarm_topics(tmp_path: Path) -> None:
    five = "".join(f"    - arn:aws:sns:eu-west-1:123456789012:t{i}\n" for i in range(5))
    error = refused(edited("monitoring", tmp_path, (TOPICS[0], "  alarm_topics:\n" + five + TOPICS[0])))
    assert any(p.path == "monitoring.alarm_topics" for p in error.problems), str(error)


@pytest.mark.parametrize(
    ("edit", "path", "code"),
    [
        (("      drift_threshold: 0.2       # FeatureDrift (mlinfra monitor drift --publish), per feature\n", ""), "endpoints[0].alarms.drift_features", "drift-alarm-incomplete"),
        # With ">=" a rate of 100 % can happen (test_a_rate_of_100_percent_can_happen); above 100 it cannot.
        (("client_error_rate_percent: 20", "client_error_rate_percent: 100.5"), "endpoints[0].alarms.client_error_rate_percent", "alarm-never-fires"),
        (("comparison: \">=\"", "comparison: \"=>\""), "endpoints[0].alarms.comparison", None),
    ],
)
def test_bad_alarm_settings(edit, path: str, code: str | None, tmp_path: Path) -> None:
    config = edited("monitoring", tmp_path, ("      latency_p99_ms: 100        # p99", "      comparison: \">=\"\n      latency_p99_ms: 100        # p99"), edit)
    error = refused(config)
    problems = [p for p in error.problems if p.path == path]
    assert problems, str(error)
    if code is not None:
        assert problems[0].code == code


def _boto_alarm(arguments: dict, actions: list[str]) -> dict:
    """put_metric_alarm's parameters for the object the module's for_each receives (null = left out)."""

    def camel(name: str) -> str:
        return "".join(part.capitalize() for part in name.split("_"))

    out: dict = {"AlarmActions": actions, "OKActions": actions}
    for name, value in arguments.items():
        if value is NULL or value == [] or name == "metric_queries":
            continue
        if name == "dimensions":
            out["Dimensions"] = [{"Name": k, "Value": v} for k, v in value.items()]
        elif name == "treat_missing_data":
            out["TreatMissingData"] = value
        else:
            out[{"alarm_name": "AlarmName", "alarm_description": "AlarmDescription", "extended_statistic": "ExtendedStatistic"}.get(name, camel(name))] = value
    if arguments["metric_queries"]:
        out["Metrics"] = [
            {"Id": q["id"], "Expression": q["expression"], "Label": q["label"], "ReturnData": True}
            if q["metric"] is NULL
            else {"Id": q["id"], "ReturnData": False, "MetricStat": {"Metric": {"Namespace": q["metric"]["namespace"], "MetricName": q["metric"]["metric_name"],
                  "Dimensions": [{"Name": k, "Value": v} for k, v in q["metric"]["dimensions"].items()]}, "Period": q["metric"]["period"], "Stat": q["metric"]["stat"]}}
            for q in arguments["metric_queries"]
        ]
    return out


def test_alarm_states_and_sns_wiring_in_moto(aws) -> None:
    config = load_config(EXAMPLES / "monitoring.yaml")
    plan = build_plan(config, EXAMPLES)
    ep = plan.parts["endpoint"].endpoints[0]
    monitoring = plan.parts["monitoring"]
    region = config.project.region
    sns, sqs, cw = (aws.client(name, region) for name in ("sns", "sqs", "cloudwatch"))
    topic = sns.create_topic(Name=monitoring.topic_name)["TopicArn"]
    queue_url = sqs.create_queue(QueueName="ml-alerts")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    assert ("sqs", queue_arn) in monitoring.subscribers  # the rendered subscriber is this queue
    # moto confirms an https subscription by calling the URL: only the offline protocols here.
    for protocol, endpoint in (sub for sub in monitoring.subscribers if sub[0] != "https"):
        sns.subscribe(TopicArn=topic, Protocol=protocol, Endpoint=endpoint, Attributes={"RawMessageDelivery": "true"} if protocol == "sqs" else {})
    for a in ep.alarms:
        cw.put_metric_alarm(**_boto_alarm(_alarm(a), [topic]))
    described = {d["AlarmName"]: d for d in cw.describe_alarms()["MetricAlarms"]}
    assert set(described) == {a.name for a in ep.alarms}
    assert all(d["AlarmActions"] == [topic] and d["OKActions"] == [topic] for d in described.values())
    error_rate = described["churn-prod-churn-production-5xx-rate"]
    assert [m["Id"] for m in error_rate["Metrics"]] == ["error_rate", "errors", "invocations"]
    assert described["churn-prod-churn-production-latency-p99"]["Threshold"] == 100000.0
    # An alarm goes off and recovers: its state changes, and what CloudWatch publishes reaches the queue.
    name = "churn-prod-churn-production-latency-p99"
    cw.set_alarm_state(AlarmName=name, StateValue="ALARM", StateReason="p99 above 100 ms for 2 periods")
    state = cw.describe_alarms(AlarmNames=[name])["MetricAlarms"][0]
    assert state["StateValue"] == "ALARM"
    notification = {"AlarmName": name, "NewStateValue": "ALARM", "NewStateReason": state["StateReason"], "Trigger": {"MetricName": "ModelLatency", "Threshold": state["Threshold"]}}
    for action in state["AlarmActions"]:  # CloudWatch publishes to each alarm action
        sns.publish(TopicArn=action, Message=json.dumps(notification), Subject=f'ALARM: "{name}"')
    messages = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10)["Messages"]
    assert [json.loads(m["Body"])["NewStateValue"] for m in messages] == ["ALARM"]
    cw.set_alarm_state(AlarmName=name, StateValue="OK", StateReason="recovered")
    assert cw.describe_alarms(AlarmNames=[name])["MetricAlarms"][0]["StateValue"] == "OK"
    assert cw.describe_alarms(StateValue="ALARM")["MetricAlarms"] == []


def test_async_rate_alarms_divide_by_invocations_processed(tmp_path: Path) -> None:
    """Asynchronous endpoints publish no Invocations (AWS's async-inference-monitor page: "Any metric not
    listed below is not published if the endpoint is enabled for asynchronous inference. Such metrics
    include ... Invocations"): examples/async.yaml's receipts endpoint rates its 5XX and 4XX responses
    over InvocationsProcessed, and its rollback watches those alarms. No query reads Invocations."""
    call = _call(render(EXAMPLES / "async.yaml", tmp_path / "tree"), "endpoint_receipts")
    alarms = call["alarms"]
    assert set(alarms) == {"main_latency_p99", "main_error_rate", "main_client_error_rate"}
    assert s(alarms["main_latency_p99"]["metric_name"]) == "ModelLatency"  # a common metric, published for async too
    for key, code in (("main_error_rate", "5XX"), ("main_client_error_rate", "4XX")):
        queries = alarms[key]["metric_queries"]
        assert s(queries[0]["expression"]) == "IF(processed > 0, 100 * errors / processed, 0)"
        assert [(s(q["id"]), s(q["metric"]["metric_name"]), s(q["metric"]["stat"])) for q in queries[1:]] == [
            ("errors", f"Invocation{code}Errors", "Sum"),
            ("processed", "InvocationsProcessed", "Sum"),
        ]
        assert {k: s(v) for k, v in queries[2]["metric"]["dimensions"].items()} == {"EndpointName": "docs-prod-receipts", "VariantName": "main"}
    assert [s(k) for k in call["deployment"]["rollback_alarms"]] == ["main_latency_p99", "main_error_rate", "main_client_error_rate"]
    assert '"Invocations"' not in (tmp_path / "tree" / "main.tf").read_text()


def test_the_same_alarms_section_on_a_realtime_endpoint_divides_by_invocations(tmp_path: Path) -> None:
    """Only the endpoint's kind decides the denominator: receipts made real-time (its async section and
    scaling to zero removed) rates over Invocations again."""
    text = (EXAMPLES / "async.yaml").read_text()
    receipts = text.split("  - name: receipts\n")[1]
    realtime = receipts.replace("    kind: async\n", "    kind: realtime\n").split("    async:\n")[0] + "    variants:\n" + receipts.split("    variants:\n")[1]
    realtime = realtime.replace("          min: 0\n", "          min: 1\n").replace("          target_backlog_per_instance: 2\n", "          target_invocations: 20\n")
    realtime = realtime.replace("      latency_p99_ms: 60000\n", "      latency_p99_ms: 500\n")  # real-time invocations time out at 60 s
    config = tmp_path / "async.yaml"
    config.write_text(text.split("  - name: receipts\n")[0] + "  - name: receipts\n" + realtime)
    plan = build_plan(load_config(config), tmp_path)
    ep = next(e for e in plan.parts["endpoint"].endpoints if e.label == "receipts")
    rates = [a for a in ep.alarms if a.kind != "latency"]
    assert [(a.kind, a.requests_metric) for a in rates] == [("error_rate", "Invocations"), ("client_error_rate", "Invocations")]
    assert [q["metric"]["metric_name"] for q in _alarm(rates[0])["metric_queries"][1:]] == ["Invocation5XXErrors", "Invocations"]


# --- raw metrics with their statistic, as AWS's deployment-guardrail examples write them -----------------

GUARDRAIL = (
    "      client_error_rate_percent: 20\n",
    "      client_error_rate_percent: 20\n"
    "      metrics:\n"
    "        - metric: Invocation5XXErrors\n"
    "          statistic: Average\n"
    "          threshold: 1\n"
    "          comparison: \">=\"\n"
    "        - metric: OverheadLatency\n"
    "          statistic: p99.9\n"
    "          threshold: 20000      # microseconds\n",
)


def test_raw_metric_alarms_render_next_to_the_rates(tmp_path: Path) -> None:
    call = _call(render(edited("monitoring", tmp_path, GUARDRAIL), tmp_path / "tree"), "endpoint_churn")
    alarms = call["alarms"]
    a = alarms["production_invocation5xxerrors_average"]
    assert (s(a["namespace"]), s(a["metric_name"]), s(a["statistic"]), a["extended_statistic"], a["threshold"]) == (
        "AWS/SageMaker", "Invocation5XXErrors", "Average", None, 1,
    )
    assert s(a["comparison_operator"]) == "GreaterThanOrEqualToThreshold" and a["metric_queries"] == []
    assert {k: s(v) for k, v in a["dimensions"].items()} == {"EndpointName": "churn-prod-churn", "VariantName": "production"}
    assert s(a["alarm_name"]) == "churn-prod-churn-production-invocation5xxerrors-average"
    assert s(a["alarm_description"]) == "Average of Invocation5XXErrors of variant production at or above 1"
    p = alarms["production_overheadlatency_p99_9"]
    # A percentile is an extended statistic; without its own comparison the alarms' (">") applies.
    assert (a["period"], s(p["extended_statistic"]), p["statistic"], s(p["comparison_operator"])) == (60, "p99.9", None, "GreaterThanThreshold")
    assert "production_error_rate" in alarms  # the metric-math rate stays beside them


def test_raw_metric_alarms_guard_the_rollback(tmp_path: Path) -> None:
    edit = ("      error_rate_percent: 5\n", "      error_rate_percent: 5\n      metrics:\n        - {metric: Invocation5XXErrors, statistic: Average, threshold: 1, comparison: \">=\"}\n")
    call = _call(render(edited("platform", tmp_path, edit), tmp_path / "tree"), "endpoint_inference")
    assert '"production_invocation5xxerrors_average"' in call["deployment"]["rollback_alarms"]


@pytest.mark.parametrize("field", ["error_rate_percent: 5", "client_error_rate_percent: 20"])
def test_a_rate_of_100_percent_can_happen(field: str, tmp_path: Path) -> None:
    """">= 100" fires when every request fails; "> 100" never fires and stays refused."""
    name = field.split(":")[0]
    at_100 = (field, f"{name}: 100")
    ge = ("      latency_p99_ms: 100        # p99", "      comparison: \">=\"\n      latency_p99_ms: 100        # p99")
    alarms = _call(render(edited("monitoring", tmp_path / "ge", ge, at_100), tmp_path / "tree"), "endpoint_churn")["alarms"]
    key = "production_error_rate" if name == "error_rate_percent" else "production_client_error_rate"
    assert alarms[key]["threshold"] == 100 and s(alarms[key]["comparison_operator"]) == "GreaterThanOrEqualToThreshold"
    error = refused(edited("monitoring", tmp_path / "gt", at_100))
    assert [p.code for p in error.problems if p.path == f"endpoints[0].alarms.{name}"] == ["alarm-never-fires"]


@pytest.mark.parametrize(
    ("example", "anchor", "metric", "field", "says"),
    [
        ("monitoring", "      client_error_rate_percent: 20\n", "{metric: InvocationErrors, statistic: Sum, threshold: 1}", "metric", "Invocation5XXErrors"),
        ("monitoring", "      client_error_rate_percent: 20\n", "{metric: Invocations, statistic: Median, threshold: 1}", "statistic", "a CloudWatch statistic: SampleCount, Average, Sum, Minimum, Maximum or a percentile such as p99"),
        ("monitoring", "      client_error_rate_percent: 20\n", "{metric: Invocations, statistic: Sum, threshold: -1}", "threshold", "never negative"),
        ("monitoring", "      client_error_rate_percent: 20\n", "{metric: InvocationsProcessed, statistic: Sum, threshold: 1}", "metric", "published for async endpoints only"),
        ("async", "      client_error_rate_percent: 10\n", "{metric: Invocations, statistic: Sum, threshold: 1}", "metric", "does not publish Invocations"),
        ("inference-components", "      error_rate_percent: 2\n", "{metric: InvocationsPerInstance, statistic: Sum, threshold: 1}", "metric", "InvocationsPerCopy"),
    ],
)
def test_bad_metric_alarms_are_refused(example: str, anchor: str, metric: str, field: str, says: str, tmp_path: Path) -> None:
    error = refused(edited(example, tmp_path, (anchor, anchor + f"      metrics:\n        - {metric}\n")))
    problems = [p for p in error.problems if ".alarms.metrics[0]" in p.path]
    assert problems and problems[0].path.endswith(f".alarms.metrics[0].{field}") and problems[0].line, str(error)
    assert says in problems[0].message, problems[0].message


def test_a_metric_and_statistic_are_watched_once(tmp_path: Path) -> None:
    twice = "      metrics:\n" + "        - {metric: Invocations, statistic: Sum, threshold: 1, comparison: \"<\"}\n" * 2
    error = refused(edited("monitoring", tmp_path, ("      client_error_rate_percent: 20\n", "      client_error_rate_percent: 20\n" + twice)))
    assert [p.code for p in error.problems] == ["metric-alarm-duplicate"]


def test_components_alarm_on_invocations_per_copy(tmp_path: Path) -> None:
    edit = ("      error_rate_percent: 2\n", "      error_rate_percent: 2\n      metrics:\n        - {metric: InvocationsPerCopy, statistic: Sum, threshold: 1000}\n")
    tree = render(edited("inference-components", tmp_path, edit), tmp_path / "tree")
    calls = [body for entry in load_tree(tree)["."]["main.tf"]["module"] for body in entry.values() if "alarms" in body]
    found = [a for c in calls for k, a in c["alarms"].items() if k.endswith("_invocationspercopy_sum")]
    assert found and all(s(a["metric_name"]) == "InvocationsPerCopy" and set(a["dimensions"]) == {"InferenceComponentName"} for a in found)
