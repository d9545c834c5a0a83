"""The monitoring component: config rules, the rendered alerts topic, dashboards (their body's structure),
Model Monitor's four kinds (aws and awscc), explicit awscc tags, the role's statements exactly, the key
policy statement, and the CLI's message for a monitor on an endpoint without data capture."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mlinfra.cli import app
from mlinfra.components.monitoring.component import AWSCC
from mlinfra.components.monitoring.plan import jsonencode
from mlinfra.pipeline import load_config, render_project
from mlinfra.plan.platform import build_plan
from tests.support.configs import render, render_edited
from tests.support.hcl_checks import load_tree
from tests.support.hcl_checks import module_call as call
from tests.test_config_invalid import first_problem
from tests.test_render import blocks, s

EXAMPLES = Path(__file__).resolve().parents[3] / "examples"


@pytest.fixture(scope="module")
def tree(tmp_path_factory) -> Path:
    return render(EXAMPLES / "monitoring.yaml", tmp_path_factory.mktemp("monitoring"))


def res(root: Path, kind: str = "resource") -> dict[str, dict]:
    return blocks(load_tree(root)["modules/monitoring"]["main.tf"], kind)


def args(root: Path) -> dict:
    """The monitoring module call's arguments: where the config's values are."""
    return call(load_tree(root), "monitoring")


def test_alerts_topic_is_encrypted_and_subscribed(tree: Path) -> None:
    r = blocks(load_tree(tree)["modules/alerts"]["main.tf"], "resource")
    assert r["aws_sns_topic.alerts"]["kms_master_key_id"] == "${var.kms_key_arn}"
    assert r["aws_sns_topic.alerts"]["name"] == "${var.name}"
    # The values are the call's: the topic's name, a subscription per subscriber (keyed as the blocks of
    # earlier renders were named, which the root's moved blocks carry over).
    alerts = call(load_tree(tree), "alerts")
    assert s(alerts["name"]) == "churn-prod-alerts"
    subs = {k: (s(b["protocol"]), s(b["endpoint"])) for k, b in alerts["subscribers"].items()}
    assert subs == {"email_1": ("email", "ml-oncall@example.com"), "https_2": ("https", "https://hooks.example.com/mlinfra"), "sqs_3": ("sqs", "arn:aws:sqs:eu-west-1:123456789012:ml-alerts")}
    sub = r["aws_sns_topic_subscription.this"]
    assert sub["for_each"] == "${var.subscribers}" and sub["topic_arn"] == "${aws_sns_topic.alerts.arn}"
    assert [k for k in r if k.startswith("aws_sns_topic_subscription.")] == ["aws_sns_topic_subscription.this"]
    moved = (tree / "moved.tf").read_text()
    for key in subs:
        assert f"from = module.alerts.aws_sns_topic_subscription.{key}\n  to   = module.alerts.aws_sns_topic_subscription.this[\"{key}\"]\n" in moved
    outputs = (tree / "modules" / "alerts" / "outputs.tf").read_text()
    assert 'output "topic_arn"' in outputs and "aws_sns_topic.alerts.arn" in outputs
    # CloudWatch may publish to the topic and use the key that encrypts it.
    policy = blocks(load_tree(tree)["modules/alerts"]["main.tf"], "data")["aws_iam_policy_document.alerts"]["statement"][0]
    assert policy["actions"] == ['"sns:Publish"'] and policy["principals"][0]["identifiers"] == ['"cloudwatch.amazonaws.com"']
    kms_call = (tree / "main.tf").read_text()
    assert '"CloudWatchAlarmsPublish"' in kms_call and '"cloudwatch.amazonaws.com"' in kms_call


def test_dashboard_body_structure(tree: Path) -> None:
    config = load_config(EXAMPLES / "monitoring.yaml")
    resource = res(tree)["aws_cloudwatch_dashboard.this"]
    assert resource["for_each"] == "${var.dashboards}" and resource["dashboard_body"] == "${each.value.body}"
    dash = args(tree)["dashboards"]["churn"]
    assert s(dash["name"]) == "churn-prod-churn"
    body = json.loads(json.loads(dash["body"]))  # an HCL string literal holding the JSON
    widgets = body["widgets"]
    titles = [w["properties"]["title"] for w in widgets]
    assert titles == [
        "Model latency p50 / p99 by variant (microseconds)",
        "Invocations by variant",
        "Error rates by variant (% of invocations)",
        "CPU / memory / GPU utilisation by variant (%)",
        "Inference latency by model version (ms)",
        "Prediction confidence by model version and class",
        "Feature drift by feature",
        "Model quality (Model Monitor)",
    ]
    assert all(w["type"] == "metric" and w["properties"]["region"] == config.project.region for w in widgets)
    assert [w["properties"]["period"] for w in widgets] == [60] * 7 + [3600]
    latency = widgets[0]["properties"]["metrics"]
    assert latency == [
        ["AWS/SageMaker", "ModelLatency", "EndpointName", "churn-prod-churn", "VariantName", "production", {"label": f"production {p}", "stat": p}] for p in ("p50", "p99")
    ]
    errors = widgets[2]["properties"]["metrics"]
    expressions = [m[0]["expression"] for m in errors if isinstance(m[0], dict)]
    assert expressions == ["100 * e5_0 / n_0", "100 * e4_0 / n_0"]
    ids = {m[-1]["id"] for m in errors if not isinstance(m[0], dict)}
    assert ids == {"e5_0", "e4_0", "n_0"}
    utilisation = {m[1] for m in widgets[3]["properties"]["metrics"]}
    assert utilisation == {"CPUUtilization", "MemoryUtilization", "GPUUtilization", "GPUMemoryUtilization"}
    assert all(m[0] == "/aws/sagemaker/Endpoints" for m in widgets[3]["properties"]["metrics"])
    custom = " ".join(w["properties"]["metrics"][0][0]["expression"] for w in widgets[4:7])
    for name in ("InferenceLatency", "PredictionConfidence", "FeatureDrift"):
        assert '{MLInference,' in custom and f'MetricName="{name}"' in custom
    # Widgets never overlap on the 24-column grid.
    cells = set()
    for w in widgets:
        for x in range(w["x"], w["x"] + w["width"]):
            for y in range(w["y"], w["y"] + w["height"]):
                assert (x, y) not in cells
                cells.add((x, y))
        assert w["x"] + w["width"] <= 24


def test_platform_dashboards_cover_every_variant_and_skip_utilisation_on_serverless(tmp_path: Path) -> None:
    render(EXAMPLES / "platform.yaml", tmp_path)
    dashboards = {k: json.loads(json.loads(b["body"])) for k, b in args(tmp_path)["dashboards"].items()}
    assert set(dashboards) == {"inference", "serverless"}
    inference = dashboards["inference"]["widgets"]
    assert {m[5] for m in inference[1]["properties"]["metrics"]} == {"production", "canary"}
    serverless = [w["properties"]["title"] for w in dashboards["serverless"]["widgets"]]
    assert not any("utilisation" in t for t in serverless)


def test_jsonencode_matches_terraform() -> None:
    assert jsonencode({"b": [1, 2.5], "a": "<&>", "c": "µ"}) == '{"a":"\\u003c\\u0026\\u003e","b":[1,2.5],"c":"µ"}'


def test_four_monitor_kinds_and_their_providers(tree: Path) -> None:
    r, a = res(tree), args(tree)
    assert r["aws_sagemaker_data_quality_job_definition.this"]["for_each"] == "${var.data_quality}"
    assert set(a["data_quality"]) == {"churn_data_quality"}
    for kind, prefix in (("model_quality", "model_quality"), ("bias", "model_bias"), ("feature_attribution", "model_explainability")):
        body = r[f"awscc_sagemaker_{prefix}_job_definition.this"]
        assert body["for_each"] == f"${{var.{prefix}}}" and set(a[prefix]) == {f"churn_{kind}"}
        assert body["role_arn"] == "${aws_iam_role.monitoring[0].arn}"
        out = body[f"{prefix}_job_output_config"]
        assert out["kms_key_id"] == "${var.kms_key_arn}"
        assert s(out["monitoring_outputs"][0]["s3_output"]["s3_uri"]) == "s3://${var.capture_bucket}/${each.value.reports_key}"
        assert s(a[prefix][f"churn_{kind}"]["reports_key"]) == f"monitoring/churn/reports/{kind.replace('_', '-')}"
    # One schedule block for every kind, each running its own job definition.
    schedule = r["aws_sagemaker_monitoring_schedule.this"]
    assert schedule["for_each"] == "${local.schedules}"
    locals_ = {k: v for entry in load_tree(tree)["modules/monitoring"]["main.tf"]["locals"] for k, v in entry.items()}
    for resource, monitoring_type in (
        ("aws_sagemaker_data_quality_job_definition.this[key].name", "DataQuality"),
        ("awscc_sagemaker_model_quality_job_definition.this[key].job_definition_name", "ModelQuality"),
        ("awscc_sagemaker_model_bias_job_definition.this[key].job_definition_name", "ModelBias"),
        ("awscc_sagemaker_model_explainability_job_definition.this[key].job_definition_name", "ModelExplainability"),
    ):
        assert f'type = "{monitoring_type}", definition = {resource}' in locals_["schedules"], monitoring_type
    monitors = [m for prefix in ("data_quality", "model_quality", "model_bias", "model_explainability") for m in a[prefix].values()]
    assert len(monitors) == 4 and all(s(m["schedule"]) == "cron(0 * ? * * *)" for m in monitors)
    assert r["aws_s3_object.analysis"]["for_each"] == "${local.analysis_configs}"
    bias = json.loads(json.loads(a["model_bias"]["churn_bias"]["analysis"]["content"]))
    assert bias["label"] == "churned" and bias["facet"] == [{"name_or_index": "age", "value_or_threshold": [40]}]
    assert s(a["model_bias"]["churn_bias"]["analysis"]["key"]) == "monitoring/churn/config/bias.json"
    shap = json.loads(json.loads(a["model_explainability"]["churn_feature_attribution"]["analysis"]["content"]))
    assert shap["methods"]["shap"]["baseline"] == "s3://acme-churn-monitoring/clarify/shap-baseline.csv"


def test_the_module_is_the_same_for_every_project(tree: Path, tmp_path: Path) -> None:
    """Its files do not depend on the config (the platform's two endpoints, one unmonitored; dashboards
    alone): the values are the call's. The monitors' objects and the role move to their instances."""
    render(EXAMPLES / "platform.yaml", tmp_path / "platform")
    text = (EXAMPLES / "monitoring.yaml").read_text()
    (tmp_path / "dashboards.yaml").write_text(text[: text.index("  endpoints:\n    - endpoint: churn")] + "  endpoints: []\n")
    render(tmp_path / "dashboards.yaml", tmp_path / "dashboards")
    for name in ("alerts", "monitoring"):
        expected = {f.name: f.read_text() for f in (tree / "modules" / name).iterdir()}
        for other in ("platform", "dashboards"):
            assert {f.name: f.read_text() for f in (tmp_path / other / "modules" / name).iterdir()} == expected, (name, other)
    dashboards = args(tmp_path / "dashboards")
    assert dashboards["role_name"] is None and dashboards["role_statements"] == [] and dashboards["capture_bucket"] is None
    moves = dict(re.findall(r"from = (module\.monitoring\.\S+)\n\s*to\s+= (\S+)\n", (tree / "moved.tf").read_text()))
    assert moves["module.monitoring.aws_iam_role.monitoring"] == "module.monitoring.aws_iam_role.monitoring[0]"
    assert moves["module.monitoring.aws_s3_object.churn_bias_analysis"] == 'module.monitoring.aws_s3_object.analysis["churn_bias"]'
    assert moves["module.monitoring.awscc_sagemaker_model_bias_job_definition.churn_bias"] == 'module.monitoring.awscc_sagemaker_model_bias_job_definition.this["churn_bias"]'
    declared = res(tree)
    for old, new in moves.items():
        address = re.fullmatch(r'module\.monitoring\.(\w+\.\w+)(\[0\]|\["\w+"\])', new)
        assert address and address[1] in declared, new
        if address[2] != "[0]":
            assert old.removeprefix("module.monitoring.") not in declared, old
    # a dashboard, the role and its policy, 2 analysis configurations, 4 definitions, 4 schedules, 2 alarms
    assert len(moves) == 1 + 2 + 2 + 4 + 4 + 2
    assert set(re.findall(r"from = module\.monitoring\.\S+", (tmp_path / "dashboards" / "moved.tf").read_text())) == {"from = module.monitoring.aws_cloudwatch_dashboard.churn"}


def test_awscc_resources_carry_the_platform_tags_explicitly(tree: Path) -> None:
    plan = build_plan(load_config(EXAMPLES / "monitoring.yaml"), EXAMPLES)
    # the platform's, with the monitored endpoint's own tags over them (examples/monitoring.yaml sets some)
    endpoint_tags = load_config(EXAMPLES / "monitoring.yaml").endpoints[0].tags
    assert endpoint_tags
    expected = [{"key": k, "value": v} for k, v in sorted({**plan.tags, **endpoint_tags}.items())]
    awscc = {k: b for k, b in res(tree).items() if k.startswith("awscc_")}
    assert len(awscc) == 3
    for address, body in awscc.items():
        assert body["tags"] == "${each.value.awscc_tags}", address
    for prefix in ("model_quality", "model_bias", "model_explainability"):
        (monitor,) = args(tree)[prefix].values()
        assert [{"key": s(t["key"]), "value": s(t["value"])} for t in monitor["awscc_tags"]] == expected, prefix
    # Pinned in the root and in the module; the root configures it.
    for path in ("versions.tf", "modules/monitoring/versions.tf"):
        text = (tree / path).read_text()
        assert 'source  = "hashicorp/awscc"' in text and f'version = "{AWSCC.version}"' in text
    assert 'provider "awscc" {\n  region = "eu-west-1"\n}' in (tree / "providers.tf").read_text()
    readme = (tree / "README.md").read_text()
    assert "awscc" in readme and "the aws provider 6.25 has only the data quality job definition" in readme


def test_model_quality_thresholds_alarm_to_the_alerts_topic(tree: Path) -> None:
    alarms = args(tree)["alarms"]
    assert set(alarms) == {"churn_accuracy", "churn_auc"}
    a = alarms["churn_accuracy"]
    assert (s(a["metric_name"]), s(a["comparison_operator"]), a["threshold"]) == ("accuracy", "LessThanThreshold", 0.9)
    assert (s(a["endpoint"]), s(a["schedule"])) == ("churn", "churn_model_quality")
    resource = res(tree)["aws_cloudwatch_metric_alarm.this"]
    assert resource["for_each"] == "${var.alarms}" and s(resource["namespace"]) == "aws/sagemaker/Endpoints/model-metrics"
    assert resource["dimensions"]["MonitoringSchedule"] == "${aws_sagemaker_monitoring_schedule.this[each.value.schedule].name}"
    assert resource["alarm_actions"] == "${var.alarm_actions}" and resource["ok_actions"] == "${var.alarm_actions}"
    assert args(tree)["alarm_actions"] == ["${module.alerts.topic_arn}"]


def test_role_reads_exactly_capture_baselines_ground_truth_and_writes_reports(tree: Path) -> None:
    # The statements are the call's (the module renders them with dynamic "statement" blocks).
    doc = res(tree, "data")["aws_iam_policy_document.monitoring"]
    assert doc["dynamic"][0]['"statement"']["for_each"] == "${var.role_statements}"
    assert s(args(tree)["role_name"]) == "churn-prod-euw1-monitoring"

    def text(v: str) -> str:  # python-hcl2 leaves a lone reference unquoted
        return s(v) if v.startswith('"') else v

    partition, capture = "${data.aws_partition.current.partition}", "${module.capture_bucket.arn}"
    st = {s(x["sid"]): ([text(a) for a in x["actions"]], [text(r) for r in x["resources"]]) for x in args(tree)["role_statements"]}
    # examples/monitoring.yaml captures into a bucket of its own, with its own key: the jobs read it there
    assert st["ReadCapture"] == (["s3:GetObject"], [f"arn:{partition}:s3:::acme-churn-capture/churn/churn-prod-churn/*"])
    assert st["ListCaptureDestination"] == (["s3:ListBucket"], [f"arn:{partition}:s3:::acme-churn-capture"])
    assert st["DecryptCapture"] == (["kms:Decrypt"], ["arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"])
    assert "ListCapture" not in st  # nothing is captured into the platform's bucket
    assert st["ReadGroundTruth"] == (["s3:GetObject"], [f"arn:{partition}:s3:::acme-churn-monitoring/ground-truth/*"])
    assert st["WriteReports"] == (["s3:PutObject"], [f"{capture}/monitoring/churn/reports/*"])
    assert sorted(st["ReadBaselines"][1]) == sorted(
        [
            f"arn:{partition}:s3:::acme-churn-monitoring/baseline/statistics.json",
            f"arn:{partition}:s3:::acme-churn-monitoring/baseline/constraints.json",
            f"arn:{partition}:s3:::acme-churn-monitoring/clarify/bias/analysis.json",
            f"arn:{partition}:s3:::acme-churn-monitoring/clarify/shap-baseline.csv",
            f"{capture}/monitoring/churn/config/bias.json",
            f"{capture}/monitoring/churn/config/feature_attribution.json",
        ]
    )
    assert st["InvokeEndpoints"] == (["sagemaker:InvokeEndpoint"], ["${module.endpoint_churn.endpoint_arn}"])
    assert st["Logs"][1] == [f"arn:{partition}:logs:eu-west-1:${{data.aws_caller_identity.current.account_id}}:log-group:/aws/sagemaker/ProcessingJobs:*"]
    writes = [sid for sid, (actions, _) in st.items() if any(a in ("s3:PutObject", "s3:DeleteObject") for a in actions)]
    assert writes == ["WriteReports"]


def test_two_renders_are_identical() -> None:
    config = load_config(EXAMPLES / "monitoring.yaml")
    assert render_project(config, EXAMPLES).files == render_project(config, EXAMPLES).files


NO_CAPTURE = (
    "    data_capture:\n      sampling_percentage: 50\n      modes: [input, output]\n      csv_content_types: [text/csv]\n"
    "      destination: s3://acme-churn-capture/churn/\n      kms_key_arn: arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab\n",
    "",
)


@pytest.mark.parametrize(
    ("edit", "anchor", "path", "code", "words"),
    [
        (NO_CAPTURE, "- endpoint: churn", "monitoring.endpoints[0].endpoint", "monitoring-needs-capture", "captures no data, and Model Monitor reads the endpoint's data capture; add data_capture:"),
        (("modes: [input, output]", "modes: [input]"), "      model_quality:", "monitoring.endpoints[0].model_quality", "monitoring-capture-modes", "add output to its data_capture.modes"),
        (("- endpoint: churn", "- endpoint: chrun"), "- endpoint: chrun", "monitoring.endpoints[0].endpoint", "monitoring-unknown-endpoint", "no endpoint chrun to monitor (endpoints: churn)"),
        (("    - email: ml-oncall@example.com\n", "    - email: ml-oncall@example.com\n      https: https://x.example.com/\n"), "- email: ml-oncall", "monitoring.subscribers[0]", "monitoring-subscriber", "exactly one of email, https or sqs"),
        (("  region: eu-west-1", "  region: eu-south-2"), "      data_quality:", "monitoring.endpoints[0].data_quality", "monitoring-region", "no Model Monitor image in eu-south-2"),
        (("          auc: \">= 0.85\"", "          rmse: \"<= 3\""), "rmse:", "monitoring.endpoints[0].model_quality.thresholds.rmse", "monitoring-metric", "BinaryClassification has no metric rmse"),
        (("accuracy: \">= 0.90\"", "accuracy: 0.90"), "accuracy: 0.90", "monitoring.endpoints[0].model_quality.thresholds.accuracy", None, ""),
    ],
)
def test_bad_monitoring_settings_name_the_line(edit, anchor: str, path: str, code: str | None, words: str, tmp_path: Path) -> None:
    problem = first_problem(EXAMPLES / "monitoring.yaml", edit, anchor, path, tmp_path)
    assert words in problem.message
    if code is not None:
        assert problem.code == code


def test_cli_refuses_a_monitor_without_capture(tmp_path: Path) -> None:
    text = (EXAMPLES / "monitoring.yaml").read_text().replace(*NO_CAPTURE)
    config = tmp_path / "mlinfra.yaml"
    config.write_text(text)
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["render", str(config), "-o", str(out)])
    assert result.exit_code == 2
    line = next(i for i, ln in enumerate(text.splitlines(), 1) if "- endpoint: churn" in ln)
    related = next(i for i, ln in enumerate(text.splitlines(), 1) if "  - name: churn" in ln)
    assert f"mlinfra.yaml:{line}: monitoring.endpoints[0].endpoint: endpoint churn (line {related}) captures no data" in " ".join(result.output.split())
    assert "Traceback" not in result.output and not out.exists()


def test_components_alone_get_the_alerts_topic_and_no_empty_monitoring_module(tmp_path: Path) -> None:
    """A monitoring section beside kind: components endpoints only: their alarms notify the alerts topic,
    and there is no dashboard or monitor to hold, so no monitoring module of data sources alone."""
    out = render_edited("inference-components", tmp_path, lambda text: text + "monitoring:\n  subscribers:\n    - email: ml-oncall@example.com\n")
    tree = load_tree(out)
    assert "modules/monitoring" not in tree and not (out / "modules" / "monitoring").exists()
    assert 'module "monitoring"' not in (out / "main.tf").read_text()
    assert "modules/monitoring/alerts" in tree or (out / "modules" / "alerts").exists()
    assert "alarm_actions = [module.alerts.topic_arn]" in (out / "main.tf").read_text()


def test_an_async_endpoints_dashboard_counts_invocations_processed() -> None:
    """Asynchronous endpoints publish no Invocations (AWS's async-inference-monitor page): the invocations
    widget and the error rates' denominator read InvocationsProcessed there, Invocations elsewhere."""
    from mlinfra.components.monitoring.plan import dashboard
    from mlinfra.pipeline import load_config
    from mlinfra.plan.platform import build_plan

    examples = Path(__file__).resolve().parents[3] / "examples"
    for example, requests in (("async", "InvocationsProcessed"), ("platform", "Invocations")):
        ep = build_plan(load_config(examples / f"{example}.yaml"), examples).endpoints[0]
        names = {m[1] for w in dashboard(ep, "us-east-1", False)["widgets"] for m in w["properties"].get("metrics", []) if isinstance(m[0], str) and m[0] == "AWS/SageMaker"}
        assert requests in names and ({"Invocations", "InvocationsProcessed"} - {requests}).isdisjoint(names), (example, names)
