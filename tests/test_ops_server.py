"""promote / rollback / status / invoke end to end: the real CLI in a subprocess against a moto server.

test_ops_promote.py drives the library and the CLI in-process under ``mock_aws``; here nothing is patched.
The CLI runs as ``python -m mlinfra`` with only the standard AWS environment (AWS_ENDPOINT_URL, dummy keys,
AWS_REGION, no profile or config file) and talks HTTP to a ThreadedMotoServer on 127.0.0.1, so the boto3
session setup, AWS_ENDPOINT_URL, --region, the wire protocols and the exit codes are all exercised for real.
Endpoints and alarms are created with boto3 clients pointed at the same server.
"""

from __future__ import annotations

import http.server
import json
import threading
from pathlib import Path
from typing import ClassVar

import pytest
import requests

from tests.conftest import copy_examples
from tests.support.aws import Cli, make_alarm, make_endpoint, output, server_client


@pytest.fixture
def sm(moto_server: str):
    return server_client(moto_server, "sagemaker")


@pytest.fixture
def cw(moto_server: str):
    return server_client(moto_server, "cloudwatch")


@pytest.fixture
def cli(moto_server: str, tmp_path: Path) -> Cli:
    return Cli(moto_server, tmp_path)


def weights(sm, endpoint: str) -> dict[str, float]:
    """Live CurrentWeight per variant. moto 5.2.5 omits CurrentWeight for a variant created with
    InitialVariantWeight 0 (it tests the weight for truth); AWS reports 0.0, so a missing key reads as 0."""
    return {v["VariantName"]: v.get("CurrentWeight", 0.0) for v in sm.describe_endpoint(EndpointName=endpoint)["ProductionVariants"]}


# --- 1. promote --canary ---------------------------------------------------------------------------------


@pytest.mark.parametrize("start", [{"production": 100, "canary": 0}, {"production": 50, "canary": 50}], ids=["100-0", "50-50"])
def test_promote_canary_sets_exact_split(cli, sm, start) -> None:
    make_endpoint(sm, "ep", start)
    proc = cli("promote", "--endpoint", "ep", "--canary", "20")
    assert proc.returncode == 0, output(proc)
    assert weights(sm, "ep") == {"production": 80, "canary": 20}
    desired = {v["VariantName"]: v["DesiredWeight"] for v in sm.describe_endpoint(EndpointName="ep")["ProductionVariants"]}
    assert desired == {"production": 80, "canary": 20}
    assert "ep: production 80 %, canary 20 %" in proc.stdout
    assert sm.describe_endpoint(EndpointName="ep")["EndpointStatus"] == "InService"


# --- 2. alarm gate ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("metric_math", [False, True], ids=["metric", "metric-math"])
def test_promote_refuses_while_an_endpoint_alarm_fires(cli, sm, cw, metric_math) -> None:
    make_endpoint(sm, "ep", {"production": 80, "canary": 20})
    make_alarm(cw, "ep-canary-guard", "ep", metric_math=metric_math)
    make_alarm(cw, "ep-quiet", "ep")  # on the endpoint but OK: not named as firing
    cw.set_alarm_state(AlarmName="ep-canary-guard", StateValue="ALARM", StateReason="test")
    proc = cli("promote", "--endpoint", "ep", "--canary", "50")
    assert proc.returncode != 0, output(proc)
    assert "ep-canary-guard" in proc.stdout + proc.stderr
    assert "ep-quiet" not in proc.stdout + proc.stderr
    assert "in ALARM" in proc.stderr
    assert weights(sm, "ep") == {"production": 80, "canary": 20}


def test_alarm_on_another_endpoint_does_not_block(cli, sm, cw) -> None:
    make_endpoint(sm, "ep", {"production": 80, "canary": 20})
    make_endpoint(sm, "ep-other", {"production": 100, "canary": 0})  # its name contains "ep": matching is exact
    make_alarm(cw, "ep-other-latency", "ep-other")
    make_alarm(cw, "ep-latency", "ep")
    cw.set_alarm_state(AlarmName="ep-other-latency", StateValue="ALARM", StateReason="not ours")
    proc = cli("promote", "--endpoint", "ep", "--canary", "50")
    assert proc.returncode == 0, output(proc)
    assert weights(sm, "ep") == {"production": 50, "canary": 50}
    assert weights(sm, "ep-other") == {"production": 100, "canary": 0}
    assert "ep-other-latency" not in proc.stdout + proc.stderr


# --- 3. rollback -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "end"),
    [
        ({"production": 80, "canary": 20}, {"production": 100, "canary": 0}),
        ({"a": 60, "b": 20, "canary": 20}, {"a": 75, "b": 25, "canary": 0}),
    ],
    ids=["two-variants", "three-variants"],
)
def test_rollback_while_the_alarm_fires(cli, sm, cw, start, end) -> None:
    make_endpoint(sm, "ep", start)
    make_alarm(cw, "ep-canary-latency", "ep")
    cw.set_alarm_state(AlarmName="ep-canary-latency", StateValue="ALARM", StateReason="p99")
    blocked = cli("promote", "--endpoint", "ep", "--canary", "50")
    assert blocked.returncode != 0 and weights(sm, "ep") == start, output(blocked)

    proc = cli("rollback", "--endpoint", "ep")
    assert proc.returncode == 0, output(proc)
    assert weights(sm, "ep") == end
    assert "canary rolled back" in proc.stdout

    again = cli("rollback", "--endpoint", "ep")
    assert again.returncode == 0, output(again)
    assert "already at 0 %" in again.stdout
    assert weights(sm, "ep") == end


# --- 4. dry run, staged steps, refusals ------------------------------------------------------------------


def test_dry_run_prints_the_weights_and_changes_nothing(cli, sm) -> None:
    make_endpoint(sm, "ep", {"production": 100, "canary": 0})
    proc = cli("promote", "--endpoint", "ep", "--steps", "10,50", "--dry-run")
    assert proc.returncode == 0, output(proc)
    assert "would set step 1/2: production 90 %, canary 10 %" in proc.stdout
    assert "would set step 2/2: production 50 %, canary 50 %" in proc.stdout
    assert weights(sm, "ep") == {"production": 100, "canary": 0}

    one = cli("promote", "--endpoint", "ep", "--canary", "20", "--dry-run")
    assert one.returncode == 0, output(one)
    assert "would set step 1/1: production 80 %, canary 20 %" in one.stdout
    assert weights(sm, "ep") == {"production": 100, "canary": 0}


def test_staged_steps_end_at_the_last(cli, sm) -> None:
    make_endpoint(sm, "ep", {"production": 100, "canary": 0})
    proc = cli("promote", "--endpoint", "ep", "--steps", "10,50", "--bake", "0")
    assert proc.returncode == 0, output(proc)
    assert "step 1/2: production 90 %, canary 10 %" in proc.stdout
    assert "step 2/2: production 50 %, canary 50 %" in proc.stdout
    assert weights(sm, "ep") == {"production": 50, "canary": 50}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--variant", "nope", "--canary", "20"], 'no production variant "nope"'),
        (["--canary", "150"], "0-100"),
        (["--canary", "-5"], "0-100"),
        (["--steps", "10,150"], "0 to 100"),
        (["--steps", "50,10"], "must rise"),
        (["--canary", "20", "--steps", "10,50"], "exactly one"),
    ],
    ids=["unknown-variant", "canary-150", "canary-negative", "step-150", "falling-steps", "two-modes"],
)
def test_refusals_exit_non_zero_and_change_nothing(cli, sm, args, message) -> None:
    make_endpoint(sm, "ep", {"production": 80, "canary": 20})
    proc = cli("promote", "--endpoint", "ep", *args)
    assert proc.returncode != 0, output(proc)
    assert message in proc.stderr, output(proc)
    assert weights(sm, "ep") == {"production": 80, "canary": 20}


# --- 5. status and invoke --------------------------------------------------------------------------------


def test_status_json_reports_percent_and_alarm_states(cli, sm, cw) -> None:
    make_endpoint(sm, "ep", {"production": 3, "canary": 1})  # relative weights: 75/25 %
    make_alarm(cw, "ep-canary-5xx", "ep", metric_math=True)
    make_alarm(cw, "ep-canary-latency", "ep")
    make_alarm(cw, "elsewhere", "other-endpoint")
    cw.set_alarm_state(AlarmName="ep-canary-5xx", StateValue="ALARM", StateReason="5xx")
    proc = cli("status", "--endpoint", "ep", "--json")
    assert proc.returncode == 0, output(proc)
    report = json.loads(proc.stdout)
    assert report["endpoint"] == "ep" and report["status"] == "InService" and report["endpoint_config"] == "ep-config"
    assert {v["name"]: v["weight_percent"] for v in report["variants"]} == {"production": 75, "canary": 25}
    assert {v["name"]: v["desired_weight_percent"] for v in report["variants"]} == {"production": 75, "canary": 25}
    assert report["alarms"] == {"ep-canary-5xx": "ALARM", "ep-canary-latency": "OK"}
    assert report["drift"] == []


def test_invoke_prints_the_queued_body_and_the_variant(cli, sm, moto_server) -> None:
    make_endpoint(sm, "ep", {"production": 80, "canary": 20})
    queued = requests.post(
        f"{moto_server}/moto-api/static/sagemaker/endpoint-results",
        json={"results": [{"Body": '{"prediction": 0.42}', "ContentType": "application/json", "InvokedProductionVariant": "canary", "CustomAttributes": ""}]},
        timeout=10,
    )
    assert queued.status_code == 201
    proc = cli("invoke", "--endpoint", "ep", "--data", '{"x": 1}', "--variant", "canary")
    assert proc.returncode == 0, output(proc)
    assert proc.stdout.strip() == '{"prediction": 0.42}'
    assert "variant: canary" in proc.stderr and "latency:" in proc.stderr


def test_invoke_needs_exactly_one_body(cli) -> None:
    proc = cli("invoke", "--endpoint", "ep")
    assert proc.returncode != 0 and "exactly one of --data or --file" in proc.stderr, output(proc)


# --- 6. --region and AWS_ENDPOINT_URL --------------------------------------------------------------------


def test_region_flag_is_honoured(cli, moto_server) -> None:
    eu = server_client(moto_server, "sagemaker", "eu-west-1")
    make_endpoint(eu, "ep-eu", {"production": 100, "canary": 0})

    found = cli("status", "--endpoint", "ep-eu", "--json", "--region", "eu-west-1")
    assert found.returncode == 0, output(found)
    assert json.loads(found.stdout)["endpoint"] == "ep-eu"

    promoted = cli("promote", "--endpoint", "ep-eu", "--canary", "20", "--region", "eu-west-1")
    assert promoted.returncode == 0, output(promoted)
    assert weights(eu, "ep-eu") == {"production": 80, "canary": 20}

    # Not in the environment's region (us-east-1): AWS's own message, no traceback, nothing changed.
    for args in (["status", "--endpoint", "ep-eu"], ["promote", "--endpoint", "ep-eu", "--canary", "50"], ["rollback", "--endpoint", "ep-eu"]):
        proc = cli(*args)
        assert proc.returncode != 0, output(proc)
        assert "Could not find endpoint" in proc.stderr and "us-east-1" in proc.stderr, output(proc)
    assert weights(eu, "ep-eu") == {"production": 80, "canary": 20}

    # AWS_REGION alone (no flag) selects the region too.
    env_region = cli("status", "--endpoint", "ep-eu", "--json", env={"AWS_REGION": "eu-west-1", "AWS_DEFAULT_REGION": "eu-west-1"})
    assert env_region.returncode == 0, output(env_region)


class _StubAws(http.server.BaseHTTPRequestHandler):
    """Answers every AWS call with a ValidationException of its own, recording the X-Amz-Target it got."""

    seen: ClassVar[list[str]] = []

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.seen.append(self.headers.get("X-Amz-Target", ""))
        body = json.dumps({"__type": "ValidationException", "message": "answered by the stub"}).encode()
        self.send_response(400)
        self.send_header("Content-Type", "application/x-amz-json-1.1")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


def test_aws_endpoint_url_is_honoured(cli, sm) -> None:
    """The endpoint exists only on this moto server; pointed elsewhere, the CLI asks there instead."""
    make_endpoint(sm, "ep", {"production": 100, "canary": 0})
    proc = cli("status", "--endpoint", "ep", "--json")
    assert proc.returncode == 0, output(proc)

    _StubAws.seen = []
    stub = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _StubAws)
    thread = threading.Thread(target=stub.serve_forever, daemon=True)
    thread.start()
    try:
        host, port = stub.server_address[:2]
        elsewhere = cli("status", "--endpoint", "ep", env={"AWS_ENDPOINT_URL": f"http://{host}:{port}"})
    finally:
        stub.shutdown()
        stub.server_close()
        thread.join(5)
    assert elsewhere.returncode != 0, output(elsewhere)
    assert "ValidationException: answered by the stub" in elsewhere.stderr, output(elsewhere)
    assert _StubAws.seen == ["SageMaker.DescribeEndpoint"]


@pytest.fixture
def seed_config(tmp_path: Path) -> Path:
    config = copy_examples(tmp_path)  # project.region: us-east-1, endpoint mlinfra-prod-inference
    return config


def test_region_flag_overrides_the_config_region(cli, moto_server, seed_config) -> None:
    eu = server_client(moto_server, "sagemaker", "eu-west-1")
    make_endpoint(eu, "mlinfra-prod-inference", {"production": 80, "canary": 20}, config_name="mlinfra-prod-inference-config")
    proc = cli("status", str(seed_config), "--endpoint", "inference", "--json", "--region", "eu-west-1")
    assert proc.returncode in (0, 3), output(proc)  # 3: the endpoint config name differs from the rendered one
    assert json.loads(proc.stdout)["endpoint"] == "mlinfra-prod-inference"


def test_the_config_region_beats_an_ambient_aws_region(cli, moto_server, seed_config) -> None:
    """The platform lives where its config says: a shell's AWS_REGION left from other work must not
    send mlinfra to another region (only --region overrides the config)."""
    make_endpoint(server_client(moto_server, "sagemaker", "us-east-1"), "mlinfra-prod-inference", {"production": 80, "canary": 20})
    make_endpoint(server_client(moto_server, "sagemaker", "eu-west-1"), "mlinfra-prod-inference", {"production": 50, "canary": 50})
    env = {"AWS_REGION": "eu-west-1", "AWS_DEFAULT_REGION": "eu-west-1"}
    proc = cli("status", str(seed_config), "--endpoint", "inference", "--json", env=env)
    assert proc.returncode in (0, 3), output(proc)
    assert {v["name"]: v["weight_percent"] for v in json.loads(proc.stdout)["variants"]} == {"production": 80, "canary": 20}
    flag = cli("status", str(seed_config), "--endpoint", "inference", "--json", "--region", "eu-west-1", env=env)
    assert {v["name"]: v["weight_percent"] for v in json.loads(flag.stdout)["variants"]} == {"production": 50, "canary": 50}
