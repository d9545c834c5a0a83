"""promote / rollback / status / invoke against moto in-process: the library and the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import boto3
import pytest
from typer.testing import CliRunner

from mlinfra.cli import app
from mlinfra.ops.aws import Clients
from mlinfra.ops.endpoint import AlarmFiring, EndpointNotReady, Guard, promote, rollback
from mlinfra.ops.traffic import TrafficError, parse_duration, parse_steps, shift
from mlinfra.pipeline import load_config
from mlinfra.plan.platform import build_plan
from tests.conftest import copy_examples
from tests.support.aws import FakeClock, deployed, make_alarm, make_endpoint, weights

runner = CliRunner()


# --- traffic arithmetic ---------------------------------------------------------------------------------


def test_shift_keeps_the_others_in_proportion() -> None:
    assert shift({"production": 80, "canary": 20}, "canary", 50) == {"production": 50, "canary": 50}
    assert shift({"a": 60, "b": 20, "canary": 20}, "canary", 50) == {"a": 37.5, "b": 12.5, "canary": 50}
    assert shift({"production": 0, "canary": 100}, "canary", 20) == {"production": 80, "canary": 20}
    assert shift({"production": 80, "canary": 20}, "canary", 0) == {"production": 100, "canary": 0}


@pytest.mark.parametrize(
    ("weights", "variant", "pct", "match"),
    [
        ({"production": 80, "canary": 20}, "canry", 20, "no production variant"),
        ({"production": 80, "canary": 20}, "canary", 101, "0-100"),
        ({"production": 80, "canary": 20}, "canary", -1, "0-100"),
        ({"canary": 100}, "canary", 50, "only production variant"),
    ],
)
def test_shift_refuses(weights, variant, pct, match) -> None:
    with pytest.raises(TrafficError, match=match):
        shift(weights, variant, pct)


def test_parsers() -> None:
    assert parse_steps("10,25,50,100") == [10, 25, 50, 100]
    assert parse_duration("5m") == 300 and parse_duration("90s") == 90 and parse_duration("1h") == 3600 and parse_duration("12") == 12
    for bad in ("10,5", "10,x", "", "10,120"):
        with pytest.raises(TrafficError):
            parse_steps(bad)
    with pytest.raises(TrafficError):
        parse_duration("soon")


# --- promote and rollback (library) ---------------------------------------------------------------------


def test_promote_one_step(aws) -> None:
    make_endpoint(aws.sm, "ep", {"production": 100, "canary": 0})
    result = promote(aws.clients, FakeClock(), "ep", "canary", [20], Guard(None))
    assert weights(aws.sm, "ep") == {"production": 80, "canary": 20}
    assert result.before == {"production": 100, "canary": 0} and result.after == {"production": 80, "canary": 20}


def test_promote_refuses_while_an_alarm_fires_and_changes_nothing(aws) -> None:
    make_endpoint(aws.sm, "ep", {"production": 90, "canary": 10})
    make_alarm(aws.cw, "ep-canary-5xx", "ep", metric_math=True)  # found through its metric-math dimensions
    make_alarm(aws.cw, "other-endpoint", "other")
    aws.cw.set_alarm_state(AlarmName="other-endpoint", StateValue="ALARM", StateReason="not ours")
    promote(aws.clients, FakeClock(), "ep", "canary", [20], Guard(None))  # another endpoint's alarm: no gate
    aws.cw.set_alarm_state(AlarmName="ep-canary-5xx", StateValue="ALARM", StateReason="test")
    with pytest.raises(AlarmFiring) as err:
        promote(aws.clients, FakeClock(), "ep", "canary", [50], Guard(None))
    assert err.value.alarms == ("ep-canary-5xx",)
    assert weights(aws.sm, "ep") == {"production": 80, "canary": 20}


def test_named_alarms_gate_too(aws) -> None:
    make_endpoint(aws.sm, "ep", {"production": 90, "canary": 10})
    make_alarm(aws.cw, "named", "somewhere-else")
    aws.cw.set_alarm_state(AlarmName="named", StateValue="ALARM", StateReason="test")
    with pytest.raises(AlarmFiring, match="named"):
        promote(aws.clients, FakeClock(), "ep", "canary", [50], Guard(("named",)))


def test_staged_promotion_bakes_and_rolls_back_on_alarm(aws) -> None:
    make_endpoint(aws.sm, "ep", {"production": 100, "canary": 0})
    make_alarm(aws.cw, "ep-canary-latency", "ep")
    clock = FakeClock()
    seen: list[dict[str, float]] = []
    # Step 1 (10 %) bakes from t=0 to 300; step 2 (25 %) bakes from 300; the alarm fires at t=420.
    clock.at(420, lambda: aws.cw.set_alarm_state(AlarmName="ep-canary-latency", StateValue="ALARM", StateReason="p99"))
    with pytest.raises(AlarmFiring, match="ep-canary-latency") as err:
        promote(aws.clients, clock, "ep", "canary", [10, 25, 50, 100], Guard(None), bake_seconds=300, poll_seconds=60, on_change=seen.append)
    assert "rolled back to 0 %" in str(err.value)
    assert weights(aws.sm, "ep") == {"production": 100, "canary": 0}
    assert seen == [{"production": 90, "canary": 10}, {"production": 75, "canary": 25}, {"production": 100, "canary": 0}]
    assert clock.t == 420 and set(clock.slept) == {60}


def test_staged_promotion_completes(aws) -> None:
    make_endpoint(aws.sm, "ep", {"production": 100, "canary": 0})
    clock = FakeClock()
    result = promote(aws.clients, clock, "ep", "canary", [10, 50, 100], Guard(None), bake_seconds=120, poll_seconds=30)
    assert weights(aws.sm, "ep") == {"production": 0, "canary": 100}
    assert [s["canary"] for s in result.steps] == [10, 50, 100]
    assert clock.t == 360  # three bakes of 120 s


def test_dry_run_changes_nothing(aws) -> None:
    make_endpoint(aws.sm, "ep", {"production": 80, "canary": 20})
    result = promote(aws.clients, FakeClock(), "ep", "canary", [25, 50], Guard(None), dry_run=True)
    assert [s["canary"] for s in result.steps] == [25, 50]
    assert weights(aws.sm, "ep") == {"production": 80, "canary": 20}


def test_refuses_an_endpoint_not_in_service(aws) -> None:
    make_endpoint(aws.sm, "ep", {"production": 80, "canary": 20})
    # moto creates endpoints InService; drive one into Updating through moto's backend.
    from moto.sagemaker.models import sagemaker_backends

    sagemaker_backends["123456789012"]["us-east-1"].endpoints["ep"].endpoint_status = "Updating"
    with pytest.raises(EndpointNotReady, match="Updating"):
        promote(aws.clients, FakeClock(), "ep", "canary", [50], Guard(None))


def test_rollback_is_allowed_while_alarms_fire(aws) -> None:
    make_endpoint(aws.sm, "ep", {"a": 60, "b": 20, "canary": 20})
    make_alarm(aws.cw, "ep-canary-latency", "ep")
    aws.cw.set_alarm_state(AlarmName="ep-canary-latency", StateValue="ALARM", StateReason="p99")
    result = rollback(aws.clients, FakeClock(), "ep", "canary")
    assert result.changed and weights(aws.sm, "ep") == {"a": 75, "b": 25, "canary": 0}
    again = rollback(aws.clients, FakeClock(), "ep", "canary")
    assert not again.changed


# --- the CLI with a config: the config follows live traffic ---------------------------------------------


@pytest.fixture
def seed(tmp_path: Path, aws) -> dict:
    """The seed platform live in moto: endpoint mlinfra-prod-inference at 80/20 with its four alarms."""
    config = copy_examples(tmp_path)
    ep = build_plan(load_config(config), config.parent).endpoints[0]
    make_endpoint(aws.sm, ep.name, {"production": 80, "canary": 20}, config_name=deployed(ep.config_name), instances={"production": 2, "canary": 2})
    for alarm in ep.alarms:
        make_alarm(aws.cw, alarm.name, ep.name, alarm.variant)
    return {"sm": aws.sm, "cw": aws.cw, "clients": aws.clients, "config": config, "endpoint": ep}


def test_cli_promote_writes_weights_back_keeping_comments(seed) -> None:
    config: Path = seed["config"]
    before = config.read_text()
    result = runner.invoke(app, ["promote", str(config), "--canary", "50"])
    assert result.exit_code == 0, result.output
    assert weights(seed["sm"], "mlinfra-prod-inference") == {"production": 50, "canary": 50}
    after = config.read_text()
    assert "weight: 50" in after and "weight: 80" not in after and "weight: 20" not in after
    # Only the two weight lines changed: comments, order and layout survive the round trip.
    changed = [(a, b) for a, b in zip(before.splitlines(), after.splitlines(), strict=True) if a != b]
    assert changed == [("        weight: 80", "        weight: 50"), ("        weight: 20", "        weight: 50")]
    assert "# seed: p99 < 100 ms" in after
    # The config still validates and renders the live split.
    endpoint = build_plan(load_config(config), config.parent).endpoints[0]
    assert [v.weight for v in endpoint.variants] == [50, 50]


def test_cli_promote_refuses_under_alarm_naming_it(seed) -> None:
    seed["cw"].set_alarm_state(AlarmName="mlinfra-prod-inference-canary-5xx-rate", StateValue="ALARM", StateReason="5xx")
    before = seed["config"].read_text()
    result = runner.invoke(app, ["promote", str(seed["config"]), "--canary", "50"])
    assert result.exit_code != 0
    assert "mlinfra-prod-inference-canary-5xx-rate" in result.output and "Traceback" not in result.output
    assert weights(seed["sm"], "mlinfra-prod-inference") == {"production": 80, "canary": 20}
    assert seed["config"].read_text() == before


def test_cli_full_promotion_updates_registry(seed) -> None:
    result = runner.invoke(app, ["promote", str(seed["config"]), "--full"])
    assert result.exit_code == 0, result.output
    cfg = load_config(seed["config"])
    assert cfg.model("1.2.0").status == "production"
    assert {v.name: v.weight for v in cfg.endpoints[0].variants} == {"production": 0, "canary": 100}
    assert weights(seed["sm"], "mlinfra-prod-inference") == {"production": 0, "canary": 100}
    # Exactly one production version: the old one is still deployed (the weight-0 variant), so it is kept
    # deployable as "previous" rather than deprecated (a deprecated version may not be deployed).
    assert [m.version for m in cfg.models if m.status == "production"] == ["1.2.0"]
    assert cfg.model("1.1.0").status == "previous"
    assert "1.1.0 is now previous" in result.output


def test_full_promotion_deprecates_an_old_production_nothing_serves(tmp_path: Path) -> None:
    from mlinfra.ops.config_edit import promote_version

    config = copy_examples(tmp_path)
    text = config.read_text()
    # A second production version that no variant serves any more: it is retired outright.
    text = text.replace("  - version: 2.0.0\n    status: staging", "  - version: 2.0.0\n    status: production")
    config.write_text(text)
    version, changes = promote_version(config, "inference", "canary", {"production": 0, "canary": 100})
    cfg = load_config(config)
    assert version == "1.2.0" and changes == {"1.1.0": "previous", "2.0.0": "deprecated"}
    assert [m.version for m in cfg.models if m.status == "production"] == ["1.2.0"]


def test_cli_rollback_and_status_drift(seed) -> None:
    config = seed["config"]
    clean = runner.invoke(app, ["status", str(config), "--endpoint", "inference", "--json"])
    assert clean.exit_code == 0, clean.output
    report = json.loads(clean.output)
    assert report["drift"] == [] and report["status"] == "InService"
    assert {v["name"]: v["weight_percent"] for v in report["variants"]} == {"production": 80, "canary": 20}
    # The model version behind each variant, as the config names it (#20).
    assert {v["name"]: v["model_version"] for v in report["variants"]} == {"production": "1.1.0", "canary": "1.2.0"}
    assert set(report["alarms"]) == {a.name for a in seed["endpoint"].alarms}

    # Someone shifts traffic behind the config's back: status reports it and exits 3.
    seed["sm"].update_endpoint_weights_and_capacities(
        EndpointName="mlinfra-prod-inference",
        DesiredWeightsAndCapacities=[{"VariantName": "production", "DesiredWeight": 50}, {"VariantName": "canary", "DesiredWeight": 50}],
    )
    drift = runner.invoke(app, ["status", str(config), "--endpoint", "inference"])
    assert drift.exit_code == 3
    assert "drift: weight canary: config 20 %, live 50 %" in drift.output
    assert "p99 " in drift.output and "; serves 1.2.0" in drift.output

    back = runner.invoke(app, ["rollback", str(config)])
    assert back.exit_code == 0, back.output
    assert "mlinfra-prod-inference: canary rolled back: production (1.1.0) 100 %, canary (1.2.0) 0 %" in back.output
    assert weights(seed["sm"], "mlinfra-prod-inference") == {"production": 100, "canary": 0}
    followed = runner.invoke(app, ["status", str(config), "--endpoint", "inference"])
    assert followed.exit_code == 0, followed.output  # the config followed


def test_cli_usage_errors(seed) -> None:
    for args, message in (
        (["promote", "--canary", "20"], "name the endpoint"),
        (["promote", str(seed["config"]), "--canary", "120"], "0-100"),
        (["promote", str(seed["config"]), "--canary", "20", "--full"], "exactly one"),
        (["promote", str(seed["config"]), "--endpoint", "nope", "--canary", "20"], "no endpoint 'nope'"),
        (["promote", str(seed["config"]), "--variant", "nope", "--canary", "20"], "no endpoint has that variant"),
        (["promote", "--endpoint", "missing-endpoint", "--canary", "20"], "missing-endpoint"),
    ):
        result = runner.invoke(app, args)
        assert result.exit_code != 0, args
        assert message in result.output, (args, result.output)
        assert "Traceback" not in result.output
    # An --endpoint that was given is not asked for again: the message says what it may name.
    typo = runner.invoke(app, ["promote", str(seed["config"]), "--endpoint", "inferense", "--canary", "20"])
    assert typo.exit_code != 0 and 'did you mean "inference"?' in typo.output and "pass --endpoint" not in typo.output
    assert weights(seed["sm"], "mlinfra-prod-inference") == {"production": 80, "canary": 20}


def test_cli_invoke_with_a_queued_result(aws, tmp_path: Path) -> None:
    make_endpoint(aws.sm, "ep", {"production": 80, "canary": 20})
    import requests

    # moto's API for queuing invoke_endpoint results (in-process: the mock intercepts this request).
    requests.post(
        "http://motoapi.amazonaws.com/moto-api/static/sagemaker/endpoint-results",
        json={"results": [{"Body": '{"prediction": 0.93}', "ContentType": "application/json", "InvokedProductionVariant": "canary", "CustomAttributes": ""}]},
        timeout=5,
    )
    body = tmp_path / "req.json"
    body.write_text('{"features": [1, 2, 3]}')
    result = runner.invoke(app, ["invoke", "--endpoint", "ep", "--file", str(body), "--variant", "canary"])
    assert result.exit_code == 0, result.output
    assert '{"prediction": 0.93}' in result.stdout
    assert "variant: canary" in result.stderr and "latency:" in result.stderr


def test_status_reports_last_hours_metrics(aws) -> None:
    import datetime as dt

    from mlinfra.ops.status import status_report
    from mlinfra.ops.target import resolve

    make_endpoint(aws.sm, "ep", {"production": 80, "canary": 20})
    now = dt.datetime.now(dt.UTC)
    for variant, invocations, errors in (("production", 120, 1), ("canary", 30, 3)):
        dims = [{"Name": "EndpointName", "Value": "ep"}, {"Name": "VariantName", "Value": variant}]
        aws.cw.put_metric_data(
            Namespace="AWS/SageMaker",
            MetricData=[
                {"MetricName": "Invocations", "Dimensions": dims, "Value": invocations, "Timestamp": now - dt.timedelta(minutes=5)},
                {"MetricName": "Invocation5XXErrors", "Dimensions": dims, "Value": errors, "Timestamp": now - dt.timedelta(minutes=5)},
            ],
        )
    report = status_report(aws.clients, resolve(None, "ep"), now=lambda: now)
    by_variant = {v["name"]: v for v in report["variants"]}
    assert (by_variant["production"]["invocations_1h"], by_variant["production"]["errors_5xx_1h"]) == (120, 1)
    assert (by_variant["canary"]["invocations_1h"], by_variant["canary"]["errors_5xx_1h"]) == (30, 3)
    assert by_variant["canary"]["weight_percent"] == 20 and report["drift"] == []


def test_count_drift_respects_auto_scaling_bounds() -> None:
    """One rule for instances (variants, the components' fleet) and copies: auto-scaling owns its range."""
    from mlinfra.ops.drift import count_difference, presence

    assert count_difference("instances", "canary", 2, None, 2) == []
    assert [str(d) for d in count_difference("instances", "canary", 2, None, 3)] == ["instances canary: config 2, live 3"]
    assert count_difference("copies", "c", 1, (1, 10), 7) == []  # within the bounds: auto-scaling's doing
    assert [str(d) for d in count_difference("copies", "c", 1, (1, 10), 11)] == ["copies c: config 1-10, live 11"]
    assert count_difference("copies", "c", 1, None, None) == []  # SageMaker reported no count
    assert [str(d) for d in presence("variant", ["a", "b"], ["b", "c"])] == ["variant a: config present, live absent", "variant c: config absent, live present"]


def test_status_of_an_async_endpoint_counts_invocations_processed(aws) -> None:
    """An asynchronous endpoint (DescribeEndpoint carries AsyncInferenceConfig) publishes no Invocations
    (AWS's async-inference-monitor page): status counts its invocations in InvocationsProcessed."""
    import datetime as dt

    from botocore.stub import Stubber

    from mlinfra.ops.status import status_report
    from mlinfra.ops.target import resolve

    sm = boto3.client("sagemaker", region_name="us-east-1")
    t0 = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    described = {
        "EndpointName": "ep", "EndpointArn": "arn:aws:sagemaker:us-east-1:123456789012:endpoint/ep", "EndpointConfigName": "ep-config",
        "EndpointStatus": "InService", "CreationTime": t0, "LastModifiedTime": t0,
        "ProductionVariants": [{"VariantName": "main", "CurrentWeight": 1.0, "DesiredWeight": 1.0, "CurrentInstanceCount": 1, "DesiredInstanceCount": 1}],
        "AsyncInferenceConfig": {"OutputConfig": {"S3OutputPath": "s3://acme/results/"}},
    }
    now = dt.datetime.now(dt.UTC)
    dims = [{"Name": "EndpointName", "Value": "ep"}, {"Name": "VariantName", "Value": "main"}]
    aws.cw.put_metric_data(
        Namespace="AWS/SageMaker",
        MetricData=[
            {"MetricName": "InvocationsProcessed", "Dimensions": dims, "Value": 40, "Timestamp": now - dt.timedelta(minutes=5)},
            {"MetricName": "Invocation5XXErrors", "Dimensions": dims, "Value": 2, "Timestamp": now - dt.timedelta(minutes=5)},
        ],
    )
    clients = Clients(factory=lambda name: sm if name == "sagemaker" else boto3.client(name, region_name="us-east-1"))
    with Stubber(sm) as stub:
        stub.add_response("describe_endpoint", described, {"EndpointName": "ep"})
        report = status_report(clients, resolve(None, "ep"), now=lambda: now)
        stub.assert_no_pending_responses()
    (main,) = report["variants"]
    assert (main["invocations_1h"], main["errors_5xx_1h"]) == (40, 2)
