"""status and promote on an endpoint with inference components.

moto (5.2.5) implements none of the inference-component calls (CreateInferenceComponent,
DescribeInferenceComponent, ListInferenceComponents, UpdateInferenceComponentRuntimeConfig), nor an
endpoint configuration without a model. So SageMaker is botocore's own Stubber here (every request is
validated against SageMaker's API model, every response against its output shape, and a call that was
not expected fails the test); CloudWatch (alarms, GetMetricData) is moto.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import boto3
import pytest
from botocore.stub import Stubber
from typer.testing import CliRunner

from mlinfra import cli
from mlinfra.cli import common as cli_common
from mlinfra.ops.aws import Clients
from mlinfra.ops.components import CopyCountError, check_copies, differences, scale
from mlinfra.ops.endpoint import AlarmFiring, Guard, Live
from mlinfra.pipeline import load_config
from mlinfra.plan.platform import build_plan
from tests.support.aws import FakeClock, deployed, fake_credentials, make_alarm
from tests.support.configs import edit, example, write_config

runner = CliRunner()
T0 = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)
ENDPOINT = "vision-prod-vision"
CLASSIFICATION = "vision-prod-vision-classification"
DETECTION = "vision-prod-vision-object-detection"
ARN = "arn:aws:sagemaker:us-east-1:123456789012"


@pytest.fixture
def config(tmp_path: Path) -> Path:
    return write_config(tmp_path, example("inference-components"), "mlinfra.yaml")


def plan_of(path: Path):
    return build_plan(load_config(path), path.parent).parts["inference_components"].endpoints[0]


@pytest.fixture
def aws(aws, monkeypatch):
    """The shared moto fixture (conftest's ``aws``) with SageMaker and its runtime behind Stubbers; the
    CLI gets these clients and a fake clock."""
    sm, runtime, cw = aws.sm, aws.client("sagemaker-runtime"), aws.cw
    stub, runtime_stub = Stubber(sm), Stubber(runtime)
    clients = Clients(factory=lambda name: {"sagemaker": sm, "sagemaker-runtime": runtime, "cloudwatch": cw}[name])
    monkeypatch.setattr(cli_common, "clients", lambda profile, region: clients)
    clock = FakeClock()
    monkeypatch.setattr(cli_common, "clock", lambda: clock)
    with stub, runtime_stub:
        yield {"stub": stub, "runtime": runtime_stub, "cw": cw, "clients": clients, "clock": clock}
    stub.assert_no_pending_responses()
    runtime_stub.assert_no_pending_responses()


def endpoint_response(config_name: str, instances: int = 2) -> dict:
    return {
        "EndpointName": ENDPOINT,
        "EndpointArn": f"{ARN}:endpoint/{ENDPOINT}",
        "EndpointConfigName": config_name,
        "EndpointStatus": "InService",
        "CreationTime": T0,
        "LastModifiedTime": T0,
        "ProductionVariants": [{"VariantName": "AllTraffic", "CurrentWeight": 1.0, "DesiredWeight": 1.0, "CurrentInstanceCount": instances, "DesiredInstanceCount": instances}],
    }


def component_response(name: str, model: str, copies: int, status: str = "InService", desired: int | None = None) -> dict:
    return {
        "InferenceComponentName": name,
        "InferenceComponentArn": f"{ARN}:inference-component/{name}",
        "EndpointName": ENDPOINT,
        "EndpointArn": f"{ARN}:endpoint/{ENDPOINT}",
        "VariantName": "AllTraffic",
        "CreationTime": T0,
        "LastModifiedTime": T0,
        "InferenceComponentStatus": status,
        "Specification": {"ModelName": model, "ComputeResourceRequirements": {"MinMemoryRequiredInMb": 4096, "NumberOfAcceleratorDevicesRequired": 1.0}},
        "RuntimeConfig": {"CurrentCopyCount": copies, "DesiredCopyCount": copies if desired is None else desired},
    }


def expect_status(stub: Stubber, plan, copies: dict[str, int], model: dict[str, str] | None = None) -> None:
    stub.add_response("describe_endpoint", endpoint_response(deployed(plan.config_name)), {"EndpointName": ENDPOINT})
    summaries = [
        {"InferenceComponentName": n, "InferenceComponentArn": f"{ARN}:inference-component/{n}", "EndpointName": ENDPOINT, "EndpointArn": f"{ARN}:endpoint/{ENDPOINT}",
         "VariantName": "AllTraffic", "CreationTime": T0, "LastModifiedTime": T0, "InferenceComponentStatus": "InService"}
        for n in copies
    ]
    stub.add_response("list_inference_components", {"InferenceComponents": summaries}, {"EndpointNameEquals": ENDPOINT})
    models = {c.name: deployed(c.model.name) for c in plan.components}
    for n, k in sorted(copies.items()):
        stub.add_response("describe_inference_component", component_response(n, (model or {}).get(n, models.get(n, "other")), k), {"InferenceComponentName": n})


def test_status_reads_components_and_reports_no_drift(aws, config: Path) -> None:
    plan = plan_of(config)
    expect_status(aws["stub"], plan, {CLASSIFICATION: 3, DETECTION: 1})
    run = runner.invoke(cli.app, ["status", str(config), "--endpoint", "vision", "--json"])
    assert run.exit_code == 0, run.output
    report = json.loads(run.stdout)
    assert report["endpoint"] == ENDPOINT and report["fleet"] == [{"variant": "AllTraffic", "instances": 2, "desired_instances": 2}]
    assert [(c["name"], c["copies"], c["model"]) for c in report["components"]] == [
        (CLASSIFICATION, 3, deployed(plan.components[0].model.name)),  # 3 lies within its auto-scaling bounds 1-10
        (DETECTION, 1, deployed(plan.components[1].model.name)),
    ]
    assert report["drift"] == [] and report["components"][0]["invocations_1h"] is None


def test_status_exits_3_on_drift(aws, config: Path) -> None:
    plan = plan_of(config)
    expect_status(aws["stub"], plan, {CLASSIFICATION: 12}, model={CLASSIFICATION: "someone-elses-model"})
    run = runner.invoke(cli.app, ["status", str(config), "--endpoint", "vision"])
    assert run.exit_code == 3, run.output
    assert f"drift: component {DETECTION}: config present, live absent" in run.stdout
    assert f"drift: copies {CLASSIFICATION}: config 1-10, live 12" in run.stdout
    assert f"drift: model {CLASSIFICATION}: config {plan.components[0].model.name}-*, live someone-elses-model" in run.stdout


def test_differences_without_autoscaling_compare_counts(config: Path) -> None:
    text = config.read_text()
    config.write_text("\n".join(line for line in text.splitlines() if "autoscaling:" not in line) + "\n")
    plan = plan_of(config)
    live = Live(ENDPOINT, "InService", deployed(plan.config_name), {"AllTraffic": 1.0}, {"AllTraffic": 1.0}, {"AllTraffic": 21}, {"AllTraffic": 21})
    from mlinfra.ops.components import LiveComponent

    comps = [LiveComponent(CLASSIFICATION, "InService", deployed(plan.components[0].model.name), 2, 2), LiveComponent(DETECTION, "InService", deployed(plan.components[1].model.name), 1, 1)]
    assert [str(d) for d in differences(plan, live, comps)] == ["instances AllTraffic: config 2-20, live 21", f"copies {CLASSIFICATION}: config 1, live 2"]


def test_promote_sets_copy_counts_in_steps(aws, config: Path) -> None:
    plan = plan_of(config)
    stub, model = aws["stub"], plan.components[0].model.name
    stub.add_response("describe_inference_component", component_response(CLASSIFICATION, model, 1), {"InferenceComponentName": CLASSIFICATION})
    for n in (2, 4):
        stub.add_response(
            "update_inference_component_runtime_config",
            {"InferenceComponentArn": f"{ARN}:inference-component/{CLASSIFICATION}"},
            {"InferenceComponentName": CLASSIFICATION, "DesiredRuntimeConfig": {"CopyCount": n}},
        )
        stub.add_response("describe_inference_component", component_response(CLASSIFICATION, model, n - 1, "Updating", desired=n), {"InferenceComponentName": CLASSIFICATION})
        stub.add_response("describe_inference_component", component_response(CLASSIFICATION, model, n), {"InferenceComponentName": CLASSIFICATION})
    run = runner.invoke(cli.app, ["promote", str(config), "--component", "classification", "--copies", "2,4", "--bake", "1m", "--poll", "30s"])
    assert run.exit_code == 0, run.output
    assert f"{ENDPOINT}: {CLASSIFICATION} at 4 copies (was 1)" in run.stdout
    # The config keeps the initial count: 4 + 1 copies (a GPU each) do not fit the fleet's initial 2
    # instances, which the config's copies must (the live fleet grows to 20). It says so before the
    # change; live copies are not drift while they lie within the component's auto-scaling bounds.
    assert load_config(config).endpoints[0].components[0].copies == 1
    assert config.read_text() == example("inference-components")
    assert "copies: 4 of component classification cannot be written: the config would not validate" in run.output and "raise instance_count to 5" in run.output
    assert "copies of classification stay 1" in run.stdout
    assert list(config.parent.iterdir()) == [config]  # no temporary file left behind
    assert aws["clock"].t >= 120  # two bakes of a minute


def test_promote_refuses_while_an_alarm_fires(aws, config: Path) -> None:
    plan = plan_of(config)
    # One of the config's component alarms (examples/inference-components.yaml has alarms: they guard).
    alarm = "vision-prod-vision-classification-5xx-rate"
    make_alarm(aws["cw"], alarm, ENDPOINT)
    aws["cw"].set_alarm_state(AlarmName=alarm, StateValue="ALARM", StateReason="test")
    aws["stub"].add_response("describe_inference_component", component_response(CLASSIFICATION, plan.components[0].model.name, 1), {"InferenceComponentName": CLASSIFICATION})
    run = runner.invoke(cli.app, ["promote", str(config), "--component", "classification", "--copies", "3"])
    assert run.exit_code == 1 and f"{alarm} is in ALARM; no copies were changed" in run.output
    # No UpdateInferenceComponentRuntimeConfig is queued: the Stubber fails the test if one was made.


def test_an_alarm_during_the_bake_sets_the_count_back(aws, config: Path) -> None:
    plan = plan_of(config)
    stub, model, clock = aws["stub"], plan.components[1].model.name, aws["clock"]
    make_alarm(aws["cw"], "vision-errors", ENDPOINT)
    stub.add_response("describe_inference_component", component_response(DETECTION, model, 2), {"InferenceComponentName": DETECTION})
    for n in (5, 2):
        stub.add_response(
            "update_inference_component_runtime_config",
            {"InferenceComponentArn": f"{ARN}:inference-component/{DETECTION}"},
            {"InferenceComponentName": DETECTION, "DesiredRuntimeConfig": {"CopyCount": n}},
        )
        stub.add_response("describe_inference_component", component_response(DETECTION, model, n), {"InferenceComponentName": DETECTION})
    clock.at(30, lambda: aws["cw"].set_alarm_state(AlarmName="vision-errors", StateValue="ALARM", StateReason="test"))
    seen: list[int] = []
    with pytest.raises(AlarmFiring, match="fired during the bake at 5 copies; vision-prod-vision-object-detection set back to 2"):
        scale(aws["clients"], clock, ENDPOINT, DETECTION, [5], Guard(None), bake_seconds=300, poll_seconds=30, on_change=seen.append)
    assert seen == [5, 2]


def test_copy_counts_are_checked_against_bounds_and_the_fleet(config: Path) -> None:
    plan = plan_of(config)
    with pytest.raises(CopyCountError, match="outside its auto-scaling bounds 1-10"):
        check_copies(plan, CLASSIFICATION, [11])
    check_copies(plan, CLASSIFICATION, [10])  # 10 + 1 copies, one GPU each: 11 of 20 instances
    text = config.read_text()
    config.write_text(text.replace("        autoscaling: {min: 1, max: 10, target_invocations: 1000, scale_in_cooldown: 300, scale_out_cooldown: 60}\n      - name: object", "      - name: object"))
    plan = plan_of(config)
    with pytest.raises(CopyCountError, match=r"25 copies do not fit the fleet \(20 × ml.g4dn.xlarge.*no room for 6 of classification"):
        check_copies(plan, CLASSIFICATION, [25])


def test_promote_refuses_copies_before_any_call(aws, config: Path) -> None:
    run = runner.invoke(cli.app, ["promote", str(config), "--component", "classification", "--copies", "11"])
    assert run.exit_code == 2 and "outside its auto-scaling bounds" in run.output  # the Stubber saw no call
    run = runner.invoke(cli.app, ["promote", str(config), "--component", "classification", "--copies", "2", "--canary", "20"])
    assert run.exit_code == 2 and "give one or the other" in run.output
    run = runner.invoke(cli.app, ["promote", str(config), "--component", "nope", "--copies", "2"])
    assert run.exit_code == 2 and "no endpoint has that component" in run.output


def test_weights_commands_refuse_a_components_endpoint(aws, config: Path) -> None:
    for args in (["promote", str(config), "--endpoint", "vision", "--canary", "20"], ["rollback", str(config), "--endpoint", "vision"]):
        run = runner.invoke(cli.app, args)
        assert run.exit_code == 2 and "hosts inference components, which have no variant weights" in run.output, run.output


def test_invoke_names_the_component(aws) -> None:
    import io

    from botocore.response import StreamingBody

    payload = b'{"label": "cat"}'
    aws["runtime"].add_response(
        "invoke_endpoint",
        {"Body": StreamingBody(io.BytesIO(payload), len(payload)), "ContentType": "application/json"},
        {"EndpointName": ENDPOINT, "Body": b'{"image": "..."}', "ContentType": "application/json", "Accept": "*/*", "InferenceComponentName": CLASSIFICATION},
    )
    run = runner.invoke(cli.app, ["invoke", "--endpoint", ENDPOINT, "--component", CLASSIFICATION, "--data", '{"image": "..."}'])
    assert run.exit_code == 0, run.output
    assert run.stdout.strip() == '{"label": "cat"}'
    run = runner.invoke(cli.app, ["invoke", "--endpoint", ENDPOINT, "--component", CLASSIFICATION, "--variant", "x", "--data", "{}"])
    assert run.exit_code == 2 and "not both" in run.output


def test_registry_counts_component_traffic(config: Path) -> None:
    """require_approval and `models list` see the versions the components serve."""
    from mlinfra.model_registry.lifecycle import traffic

    assert traffic(load_config(config)) == {
        "classification@2.1.0": {"vision/classification (component)": 100.0},
        "detection@3.0.0": {"vision/object-detection (component)": 100.0},
    }


def test_status_without_a_config(aws, config: Path) -> None:
    plan = plan_of(config)
    expect_status(aws["stub"], plan, {CLASSIFICATION: 2})
    run = runner.invoke(cli.app, ["status", "--endpoint", ENDPOINT, "--components"])
    assert run.exit_code == 0, run.output  # no config: nothing to drift from
    assert f"  component {CLASSIFICATION}: InService, copies 2/2, model {deployed(plan.components[0].model.name)}," in run.stdout
    assert "  fleet AllTraffic: instances 2/2" in run.stdout


# --- the final copy count written back to the config ----------------------------------------------------


def expect_scale(stub: Stubber, name: str, model: str, start: int, counts: list[int]) -> None:
    """The Stubber's script of a copy-count change: the starting count, then per count the update and the wait."""
    stub.add_response("describe_inference_component", component_response(name, model, start), {"InferenceComponentName": name})
    for n in counts:
        stub.add_response(
            "update_inference_component_runtime_config",
            {"InferenceComponentArn": f"{ARN}:inference-component/{name}"},
            {"InferenceComponentName": name, "DesiredRuntimeConfig": {"CopyCount": n}},
        )
        stub.add_response("describe_inference_component", component_response(name, model, n), {"InferenceComponentName": name})


def roomy(config: Path) -> str:
    """The example with an initial fleet of 4 instances: room for 3 + 1 copies; its text."""
    text = edit(config.read_text(), ("instance_count: 2\n", "instance_count: 4\n"))
    config.write_text(text)
    return text


def test_promote_writes_the_final_copy_count_back(aws, config: Path) -> None:
    before = roomy(config)
    plan = plan_of(config)
    expect_scale(aws["stub"], CLASSIFICATION, plan.components[0].model.name, 1, [2, 3])
    run = runner.invoke(cli.app, ["promote", str(config), "--component", "classification", "--copies", "2,3"])
    assert run.exit_code == 0, run.output
    assert f"{config}: copies of classification updated to 3" in run.stdout and "warning" not in run.output
    after = config.read_text()
    # Only that scalar changed: comments, flow mappings and layout are byte for byte what they were.
    assert after == before.replace("        copies: 1\n        autoscaling", "        copies: 3\n        autoscaling", 1)
    assert [c.copies for c in load_config(config).endpoints[0].components] == [3, 1]
    assert list(config.parent.iterdir()) == [config]  # the atomic write left no temporary file


def test_nothing_is_written_when_an_alarm_sets_the_count_back(aws, config: Path) -> None:
    before = roomy(config)
    plan = plan_of(config)
    alarm = "vision-prod-vision-classification-5xx-rate"  # one of the config's component alarms: they guard
    make_alarm(aws["cw"], alarm, ENDPOINT)
    expect_scale(aws["stub"], CLASSIFICATION, plan.components[0].model.name, 1, [3, 1])  # 3, then back to 1
    aws["clock"].at(30, lambda: aws["cw"].set_alarm_state(AlarmName=alarm, StateValue="ALARM", StateReason="test"))
    run = runner.invoke(cli.app, ["promote", str(config), "--component", "classification", "--copies", "3", "--bake", "5m"])
    assert run.exit_code == 1 and "fired during the bake at 3 copies" in run.output
    assert config.read_text() == before


def test_nothing_is_written_on_a_failure_or_a_dry_run(aws, config: Path) -> None:
    before = roomy(config)
    plan = plan_of(config)
    model = plan.components[0].model.name
    stub = aws["stub"]
    stub.add_response("describe_inference_component", component_response(CLASSIFICATION, model, 1), {"InferenceComponentName": CLASSIFICATION})
    stub.add_response(
        "update_inference_component_runtime_config",
        {"InferenceComponentArn": f"{ARN}:inference-component/{CLASSIFICATION}"},
        {"InferenceComponentName": CLASSIFICATION, "DesiredRuntimeConfig": {"CopyCount": 2}},
    )
    stub.add_response("describe_inference_component", component_response(CLASSIFICATION, model, 1, "Failed", desired=2), {"InferenceComponentName": CLASSIFICATION})
    run = runner.invoke(cli.app, ["promote", str(config), "--component", "classification", "--copies", "2,3"])
    assert run.exit_code == 1 and f"{CLASSIFICATION} is Failed" in run.output
    assert config.read_text() == before
    stub.add_response("describe_inference_component", component_response(CLASSIFICATION, model, 1), {"InferenceComponentName": CLASSIFICATION})
    run = runner.invoke(cli.app, ["promote", str(config), "--component", "classification", "--copies", "3", "--dry-run"])
    assert run.exit_code == 0 and f"would set {CLASSIFICATION}: 1 → 3 copies" in run.stdout
    assert config.read_text() == before


def test_status_follows_the_written_count(aws, config: Path) -> None:
    """Without auto-scaling every copy count that differs from the config's is drift: the write-back ends it."""
    text = roomy(config)
    unscaled = "\n".join(line for line in text.splitlines() if "autoscaling:" not in line) + "\n"
    config.write_text(unscaled)
    plan = plan_of(config)
    expect_scale(aws["stub"], DETECTION, plan.components[1].model.name, 1, [2])
    run = runner.invoke(cli.app, ["promote", str(config), "--component", "object-detection", "--copies", "2"])
    assert run.exit_code == 0, run.output
    expect_status(aws["stub"], plan_of(config), {CLASSIFICATION: 1, DETECTION: 2})
    run = runner.invoke(cli.app, ["status", str(config), "--endpoint", "vision"])
    assert run.exit_code == 0 and "drift" not in run.stdout, run.output
    # The same live counts against the config as it was: drift, exit 3.
    config.write_text(unscaled)
    expect_status(aws["stub"], plan_of(config), {CLASSIFICATION: 1, DETECTION: 2})
    run = runner.invoke(cli.app, ["status", str(config), "--endpoint", "vision"])
    assert run.exit_code == 3 and f"drift: copies {DETECTION}: config 1, live 2" in run.stdout, run.output


def test_write_copies_adds_a_line_where_the_default_was_left(config: Path) -> None:
    from mlinfra.ops.config_edit import ConfigEditError, write_copies

    text = roomy(config)
    start = text.index("      - name: object-detection")
    end = text.index("        autoscaling", start)
    without = text[:start] + text[start:end].replace("        copies: 1\n", "") + text[end:]
    config.write_text(without)
    write_copies(config, "vision", "object-detection", 2)
    assert config.read_text() == without.replace("      - name: object-detection        # TensorRT\n", "      - name: object-detection        # TensorRT\n        copies: 2\n")
    assert load_config(config).endpoints[0].components[1].copies == 2
    for endpoint, component, match in (("vision", "nope", "no component 'nope'"), ("nope", "classification", "no endpoint named 'nope'")):
        with pytest.raises(ConfigEditError, match=match):
            write_copies(config, endpoint, component, 2)
    # A component written inline: its copies token is replaced in place; without one, no guessing.
    inline = text[:start] + "      - {name: object-detection, model: 3.0.0, min_memory_mb: 8192, cpu_cores: 2, accelerators: 1, copies: 1}  # inline\n"
    config.write_text(inline)
    write_copies(config, "vision", "object-detection", 2)
    assert config.read_text() == inline.replace("copies: 1}", "copies: 2}")
    config.write_text(inline.replace(", copies: 1}", "}"))
    with pytest.raises(ConfigEditError, match="written inline"):
        write_copies(config, "vision", "object-detection", 2)
    assert config.read_text() == inline.replace(", copies: 1}", "}")


def test_last_hour_metrics_of_variants_and_components(monkeypatch) -> None:
    """One GetMetricData call either way; only the dimensions differ. Latency comes in µs, is shown in ms."""
    from mlinfra.ops.components import component_metrics
    from mlinfra.ops.endpoint import variant_metrics

    fake_credentials(monkeypatch)
    cw = boto3.client("cloudwatch", region_name="us-east-1")
    clients = Clients(factory=lambda name: {"cloudwatch": cw}[name])
    end = T0 + dt.timedelta(hours=5)

    def expected(dims: list[dict]) -> dict:
        stats = (("inv0", "Invocations", "Sum"), ("err0", "Invocation5XXErrors", "Sum"), ("lat0", "ModelLatency", "p99"))
        queries = [{"Id": i, "MetricStat": {"Metric": {"Namespace": "AWS/SageMaker", "MetricName": m, "Dimensions": dims}, "Period": 3600, "Stat": s}, "ReturnData": True} for i, m, s in stats]
        return {"MetricDataQueries": queries, "StartTime": end - dt.timedelta(hours=1), "EndTime": end}

    answer = {"MetricDataResults": [{"Id": "inv0", "Values": [120.0]}, {"Id": "err0", "Values": []}, {"Id": "lat0", "Values": [2500.0]}]}
    with Stubber(cw) as stub:
        stub.add_response("get_metric_data", answer, expected([{"Name": "EndpointName", "Value": ENDPOINT}, {"Name": "VariantName", "Value": "canary"}]))
        stub.add_response("get_metric_data", answer, expected([{"Name": "InferenceComponentName", "Value": CLASSIFICATION}]))
        variant = variant_metrics(clients, lambda: end, ENDPOINT, ["canary"])["canary"]
        component = component_metrics(clients, lambda: end, [CLASSIFICATION])[CLASSIFICATION]
        stub.assert_no_pending_responses()
    assert variant == component and (variant.invocations, variant.errors_5xx, variant.latency_p99_ms) == (120.0, None, 2.5)
    assert variant_metrics(clients, lambda: end, ENDPOINT, []) == {}  # no variants: no call
def test_the_components_alarms_guard_their_endpoint(config: Path) -> None:
    """The config's component alarms watch InferenceComponentName, not EndpointName: promote --component and
    status name them, instead of searching alarms by the endpoint's dimension (which would find none)."""
    from mlinfra.ops.target import resolve

    target = resolve(config, "vision")
    assert target.guard.names == (
        "vision-prod-vision-classification-latency-p99",
        "vision-prod-vision-classification-5xx-rate",
        "vision-prod-vision-object-detection-latency-p99",
        "vision-prod-vision-object-detection-5xx-rate",
    )
    assert resolve(config, None, component="classification").guard == target.guard


def _component_alarm(cw, name: str, component: str) -> None:
    """An alarm as mlinfra renders a component's: on InferenceComponentName only (no EndpointName)."""
    cw.put_metric_alarm(
        AlarmName=name, EvaluationPeriods=1, Threshold=1.0, ComparisonOperator="GreaterThanThreshold",
        MetricName="ModelLatency", Namespace="AWS/SageMaker", ExtendedStatistic="p99", Period=60,
        Dimensions=[{"Name": "InferenceComponentName", "Value": component}],
    )


def test_without_a_config_the_components_own_alarms_guard_promote(aws, config: Path) -> None:
    """Without a config the guard searches alarms by dimension: a component's alarms name the component
    (InferenceComponentName), not the endpoint, and must gate promote --component all the same."""
    plan = plan_of(config)
    alarm = "vision-prod-vision-classification-latency-p99"
    _component_alarm(aws["cw"], alarm, CLASSIFICATION)
    _component_alarm(aws["cw"], "another-endpoints-component", "other-component")
    aws["cw"].set_alarm_state(AlarmName=alarm, StateValue="ALARM", StateReason="test")
    aws["cw"].set_alarm_state(AlarmName="another-endpoints-component", StateValue="ALARM", StateReason="test")
    aws["stub"].add_response("describe_inference_component", component_response(CLASSIFICATION, plan.components[0].model.name, 1), {"InferenceComponentName": CLASSIFICATION})
    run = runner.invoke(cli.app, ["promote", "--endpoint", ENDPOINT, "--component", CLASSIFICATION, "--copies", "3"])
    assert run.exit_code == 1 and f"{alarm} is in ALARM; no copies were changed" in run.output, run.output
    assert "another-endpoints-component" not in run.output


def test_status_without_a_config_lists_the_components_alarms(aws, config: Path) -> None:
    plan = plan_of(config)
    _component_alarm(aws["cw"], "vision-prod-vision-classification-latency-p99", CLASSIFICATION)
    _component_alarm(aws["cw"], "another-endpoints-component", "other-component")
    expect_status(aws["stub"], plan, {CLASSIFICATION: 2})
    run = runner.invoke(cli.app, ["status", "--endpoint", ENDPOINT, "--components", "--json"])
    assert run.exit_code == 0, run.output
    assert list(json.loads(run.stdout)["alarms"]) == ["vision-prod-vision-classification-latency-p99"]
