"""``mlinfra cost``: the monthly estimate of every example, its JSON, the difference of two configs, AWS's
offer files (``--prices``), the bundled table, and figures computed by hand, among them the reference
architecture's scenario (10 M inferences a month at 100 ms) with its own prices."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
from typer.testing import CliRunner

from mlinfra import instance_types
from mlinfra.cli import app
from mlinfra.cost import PriceError, bundled_prices, compare, estimate, read_offer_file
from mlinfra.cost.schedule import runs_per_month
from mlinfra.pipeline import load_config
from mlinfra.regions import REGIONS
from tests.support.configs import EXAMPLE_DIR, ROOT, edited, write_config

runner = CliRunner()
OFFER = ROOT / "tests" / "support" / "sagemaker-offer.json"
EXAMPLES = sorted([*EXAMPLE_DIR.glob("*.yaml"), *EXAMPLE_DIR.glob("cookbook/*.yaml")])

MONEY = {"type": "number", "minimum": 0}
OUTPUT_SCHEMA = {
    "type": "object",
    "required": ["platform", "region", "currency", "monthly_total_usd", "assumptions", "items", "endpoints", "notes"],
    "properties": {
        "currency": {"const": "USD"},
        "monthly_total_usd": MONEY,
        "monthly_low_usd": MONEY,
        "monthly_high_usd": MONEY,
        "assumptions": {
            "type": "object",
            "required": ["requests_per_month", "peak_factor", "avg_duration_ms", "payload_kb", "defaults"],
        },
        "items": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["resource", "monthly_usd", "basis", "priced"],
                "properties": {
                    "resource": {"type": "string", "minLength": 1},
                    "monthly_usd": MONEY,
                    "basis": {"type": "string", "minLength": 1},
                    "low_usd": MONEY,
                    "high_usd": MONEY,
                },
            },
        },
        "endpoints": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["endpoint", "options", "recommended", "reason"],
                "properties": {
                    "options": {
                        "type": "array",
                        "minItems": 1,
                        "items": {"type": "object", "required": ["option", "kind", "monthly_usd", "basis", "fits"]},
                    }
                },
            },
        },
        "notes": {"type": "array", "items": {"type": "string"}},
    },
}

SCENARIO = """\
project: {name: scenario, environment: prod, region: us-east-1}
models:
  - version: 1.0.0
    status: production
    image: 123456789012.dkr.ecr.us-east-1.amazonaws.com/model:1.0.0
    model_data: s3://acme-models/model/1.0.0/model.tar.gz
endpoints:
  - name: inference
    variants:
      - {name: main, model: 1.0.0, instance_type: ml.g4dn.xlarge, instance_count: 2}
traffic:
  requests_per_month: 10000000
  avg_duration_ms: 100
"""


def _json(*args: str) -> dict:
    result = runner.invoke(app, ["cost", *args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.relative_to(EXAMPLE_DIR).as_posix())
def test_every_example_is_estimated_and_its_json_has_the_documented_shape(example: Path) -> None:
    data = _json(str(example))
    jsonschema.validate(data, OUTPUT_SCHEMA)
    assert data["monthly_total_usd"] == pytest.approx(sum(i["monthly_usd"] for i in data["items"]), abs=0.05)
    assert data["monthly_low_usd"] <= data["monthly_total_usd"] <= data["monthly_high_usd"]
    cfg = load_config(example)
    assert [a["endpoint"] for a in data["endpoints"]] == [e.name for e in cfg.endpoints]
    for advice in data["endpoints"]:
        assert advice["recommended"] in [o["option"] for o in advice["options"]]
    # Defaults are said, never hidden: without a traffic section every traffic figure is a default.
    assert "requests_per_month" in data["assumptions"]["defaults"]


def test_the_table_for_people_states_assumptions_items_and_recommendations() -> None:
    result = runner.invoke(app, ["cost", str(EXAMPLE_DIR / "platform.yaml")])
    assert result.exit_code == 0, result.output
    out = result.output
    assert "requests a month 1,000,000 (default)" in out
    assert "endpoint inference variant production" in out and "ml.g4dn.xlarge × $0.736/h × 730 h" in out
    assert "autoscaling 2–20 instances" in out
    assert "endpoint inference: recommended " in out
    assert "note: no NAT gateway" in out
    # By hand: 2 nodes (a primary and a replica) × $0.032 × 730 h; 1 M predictions × 10 WRU × $0.625/M.
    items = {i["resource"]: i["monthly_usd"] for i in _json(str(EXAMPLE_DIR / "platform.yaml"))["items"]}
    assert items["ElastiCache mlinfra-prod-predictions"] == 46.72
    assert items["DynamoDB table mlinfra-prod-predictions"] == 6.25


def test_the_reference_scenario_with_its_own_prices(tmp_path: Path) -> None:
    """seed-architecture.md, Cost Estimation: 10 M inferences a month at 100 ms, its prices (g4dn $0.74/h,
    inf1 $0.30/h, serverless $0.00012/s = 6 GB at $0.00002/GB-s) in a hand-made offer file.

    Real-time g4dn: 3.8 requests/s on average, 7.6/s at the default peak factor of 2; an instance serves
    420 requests a minute (600 at 100 ms, 70 % busy), so 2 instances: 2 × 0.74 × 730 = $1,080.40 (the
    reference's $1,081); three instances, its "average of three", are $1,620.60 ($1,621). Serverless:
    10 M × 0.1 s × 6 GB × 0.00002 = $120.00, which with data processed (10 M × 2 × 10 KB = 190.7 GB ×
    $0.016 = $3.05) is the reference's ~$125 (its other $2 are per-request fees SageMaker serverless does
    not charge). Inferentia: 2 × 0.30 × 730 = $438.00."""
    config = write_config(tmp_path, SCENARIO)
    data = _json(str(config), "--prices", str(OFFER))
    (advice,) = data["endpoints"]
    options = {o["option"]: o for o in advice["options"]}
    assert options["realtime ml.g4dn.xlarge"]["monthly_usd"] == 1080.40
    assert options["realtime ml.inf1.xlarge"]["monthly_usd"] == 438.00
    assert options["serverless 6144 MB"]["monthly_usd"] == 120.00
    items = {i["resource"]: i for i in data["items"]}
    assert items["endpoint inference variant main"]["monthly_usd"] == 1080.40
    assert items["endpoint inference data processed"]["monthly_usd"] == pytest.approx(3.05, abs=0.01)
    # 13,699 requests an hour: the rule of thumb says g4dn, the prices say serverless; the reason says both.
    assert advice["recommended"] == "serverless 6144 MB"
    assert "above 10 K requests an hour" in advice["reason"] and "cheapest that fits" in advice["reason"]
    three = write_config(tmp_path / "three", SCENARIO.replace("instance_count: 2", "instance_count: 3"))
    items3 = {i["resource"]: i for i in _json(str(three), "--prices", str(OFFER))["items"]}
    assert items3["endpoint inference variant main"]["monthly_usd"] == 1620.60
    # A latency goal under a second leaves serverless (cold starts) out: two CPU instances ($297.84) are then
    # the cheapest, under Inferentia's $438, with the caveat that the model must serve as fast on CPU.
    fast = _json(str(config), "--prices", str(OFFER), "--latency-goal-ms", "200")["endpoints"][0]
    assert fast["recommended"] == "realtime ml.c5.xlarge"
    assert "serverless left out for the latency goal of 200 ms" in fast["reason"] and "without a GPU" in fast["reason"]


def test_autoscaling_gives_a_band_from_min_to_max_and_an_expected_count(tmp_path: Path) -> None:
    config = write_config(
        tmp_path,
        SCENARIO.replace(
            "instance_count: 2}",
            "instance_count: 2, autoscaling: {min: 1, max: 4, target_invocations: 100}}",
        ),
    )
    item = next(i for i in _json(str(config), "--prices", str(OFFER))["items"] if i["resource"].endswith("main"))
    hour = 0.74 * 730
    assert item["low_usd"] == round(1 * hour, 2) and item["high_usd"] == round(4 * hour, 2)
    # 10 M a month is 228.3 requests a minute: at 100 per instance, 3 instances.
    assert item["monthly_usd"] == round(3 * hour, 2)


def test_serverless_and_schedules_by_hand(tmp_path: Path) -> None:
    data = _json(str(EXAMPLE_DIR / "cookbook" / "nightly-batch.yaml"), "--requests-per-month", "0")
    (batch,) = [i for i in data["items"] if i["resource"].startswith("batch transform")]
    cfg = load_config(EXAMPLE_DIR / "cookbook" / "nightly-batch.yaml")
    from mlinfra.components.batch.section import SECTION

    b = SECTION.of(cfg)
    assert b is not None and b.schedule == "cron(30 1 * * ? *)"
    hourly = bundled_prices().instance("transform", b.instance_type, cfg.project.region).price.usd
    assert batch["monthly_usd"] == round(730 / 24 * b.instance_count * hourly * 1.0, 2)  # daily, 60 min a run
    serverless = _json(str(EXAMPLE_DIR / "serverless.yaml"), "--requests-per-hour", "1000", "--duration-ms", "250")
    main = next(i for i in serverless["items"] if i["resource"] == "endpoint scoring variant main")
    assert main["monthly_usd"] == round(730_000 * 0.25 * 2 * 0.00002, 2)  # 2048 MB
    assert serverless["assumptions"]["requests_per_month"] == 730_000


@pytest.mark.parametrize(
    ("expression", "runs"),
    [
        (None, 0),
        ("rate(1 day)", 730 / 24),
        ("rate(6 hours)", 730 / 6),
        ("cron(0 * ? * * *)", 730),
        ("cron(0 2 * * ? *)", 730 / 24),
        ("cron(0 8 ? * MON-FRI *)", 730 / 24 * 5 / 7),
        ("cron(0/15 * ? * * *)", 730 * 4),
        ("at(2027-01-01T00:00:00)", 0),
    ],
)
def test_runs_per_month_of_a_schedule(expression: str | None, runs: float) -> None:
    assert runs_per_month(expression) == pytest.approx(runs)


def test_the_difference_of_two_configs_line_by_line(tmp_path: Path) -> None:
    old = write_config(tmp_path, SCENARIO, "old.yaml")
    new = write_config(tmp_path, SCENARIO.replace("instance_count: 2", "instance_count: 5"), "new.yaml")
    data = _json(str(old), str(new), "--prices", str(OFFER))
    hour = 0.74 * 730
    assert data["monthly_total_usd"]["delta"] == pytest.approx(3 * hour, abs=0.01)
    assert data["lines"] == [
        {
            "resource": "endpoint inference variant main",
            "old_usd": round(2 * hour, 2),
            "new_usd": round(5 * hour, 2),
            "delta_usd": round(3 * hour, 2),
        }
    ]
    result = runner.invoke(app, ["cost", str(old), str(new), "--prices", str(OFFER)])
    assert result.exit_code == 0, result.output
    assert "(+$1,620.60)" in result.output and "endpoint inference variant main" in result.output
    same = compare(*(estimate(load_config(old), tmp_path) for _ in range(2)))
    assert same.lines == () and same.delta_usd == 0


def test_the_difference_lists_added_and_removed_resources(tmp_path: Path) -> None:
    data = _json(str(EXAMPLE_DIR / "serverless.yaml"), str(EXAMPLE_DIR / "batch.yaml"))
    lines = {line["resource"]: line for line in data["lines"]}
    assert lines["endpoint scoring variant main"]["new_usd"] is None
    assert any(r.startswith("batch transform") and lines[r]["old_usd"] is None for r in lines)


def test_the_offer_file_reader_reads_awss_format() -> None:
    table = read_offer_file(OFFER)
    got = {k: p.usd for k, p in table.prices.items()}
    assert got == {
        ("sagemaker", "hosting", "ml.g4dn.xlarge", "us-east-1"): 0.74,
        ("sagemaker", "hosting", "ml.inf1.xlarge", "us-east-1"): 0.30,
        ("sagemaker", "hosting", "ml.c5.xlarge", "us-east-1"): 0.204,
        ("sagemaker", "transform", "ml.m5.xlarge", "us-east-1"): 0.25,
        ("sagemaker", "hosting", "ml.g4dn.xlarge", "eu-west-1"): 0.821,
    }  # training and storage products are not read
    assert "sku SEEDG4DN" in table.prices[("sagemaker", "hosting", "ml.g4dn.xlarge", "us-east-1")].source
    (note,) = table.notes
    assert "ml.zz9.xlarge (hosting)" in note and "not in mlinfra's instance-type table" in note


def test_an_instance_type_without_a_price_is_refused_with_the_fix(tmp_path: Path) -> None:
    config = write_config(tmp_path, SCENARIO.replace("ml.g4dn.xlarge", "ml.r5.large"))
    result = runner.invoke(app, ["cost", str(config)])
    assert result.exit_code == 2
    assert "no price for ml.r5.large (hosting) in us-east-1" in result.output
    assert "--prices FILE" in result.output and "Traceback" not in result.output
    with pytest.raises(PriceError, match=r"ml\.r5\.large"):
        estimate(load_config(config), tmp_path)


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("{not json", "not an AWS Price List offer file (not JSON"),
        ('{"formatVersion": "v1.0"}', "no `products` mapping"),
        (
            json.dumps(
                {
                    "products": {"S": {"productFamily": "ML Instance", "attributes": {"instanceName": "ml.m5.large", "regionCode": "us-east-1", "component": "Hosting"}}},
                    "terms": {"OnDemand": {"S": {"S.T": {"priceDimensions": {"S.T.D": {"unit": "Hrs", "pricePerUnit": {"USD": "cheap"}}}}}}},
                }
            ),
            "sku S: pricePerUnit.USD is 'cheap', not a number",
        ),
    ],
)
def test_a_bad_price_file_is_refused_clearly(tmp_path: Path, text: str, says: str) -> None:
    bad = tmp_path / "offer.json"
    bad.write_text(text, encoding="utf-8")
    result = runner.invoke(app, ["cost", str(EXAMPLE_DIR / "serverless.yaml"), "--prices", str(bad)])
    assert result.exit_code == 2, result.output
    assert says in result.output and str(bad) in result.output


def test_the_traffic_section_and_flags(tmp_path: Path) -> None:
    config = edited("serverless", tmp_path, ("endpoints:\n", "traffic: {requests_per_hour: 100, payload_kb: 4}\nendpoints:\n"))
    data = _json(str(config))
    assert data["assumptions"]["requests_per_month"] == 73_000
    assert "requests_per_month" not in data["assumptions"]["defaults"] and "payload_kb" not in data["assumptions"]["defaults"]
    # A rate given as a flag replaces the section's, whichever unit either uses.
    assert _json(str(config), "--requests-per-month", "5000")["assumptions"]["requests_per_month"] == 5000
    both = edited("serverless", tmp_path / "b", ("endpoints:\n", "traffic: {requests_per_hour: 1, requests_per_month: 1}\nendpoints:\n"))
    result = runner.invoke(app, ["cost", str(both)])
    assert result.exit_code == 2 and "requests_per_month or requests_per_hour, not both" in result.output
    result = runner.invoke(app, ["cost", str(config), "--peak-factor", "0.5"])
    assert result.exit_code == 2 and "peak_factor" in result.output and "Traceback" not in result.output


def test_async_and_multi_model_endpoints_get_options_their_callers_can_use() -> None:
    data = _json(str(EXAMPLE_DIR / "async.yaml"))
    items = {i["resource"]: i["monthly_usd"] for i in data["items"]}
    # Requests uploaded and results written: 1 M × 2 × 10 KB = 19.07 GB × $0.023.
    assert items["S3 requests and results of endpoint layout"] == round(1_000_000 * 2 * 10 / 1024**2 * 0.023, 2)
    (layout, receipts) = data["endpoints"]
    for advice in (layout, receipts):
        assert advice["recommended"].startswith("async ")  # async callers read S3: never a real-time option
        serverless = next(o for o in advice["options"] if o["kind"] == "serverless")
        assert not serverless["fits"] and "no asynchronous invocations" in serverless["note"]
    (mme,) = _json(str(EXAMPLE_DIR / "multi-model.yaml"))["endpoints"]
    serverless = next(o for o in mme["options"] if o["kind"] == "serverless")
    assert not serverless["fits"] and mme["recommended"].startswith("realtime ")


def test_an_endpoints_own_traffic_changes_its_lines_only(tmp_path: Path) -> None:
    own = "traffic:\n  endpoints:\n    serverless: {requests_per_month: 2000000, avg_duration_ms: 50}\n"
    config = edited("platform", tmp_path, ("\nendpoints:\n", "\n" + own + "endpoints:\n"))
    data = _json(str(config))
    items = {i["resource"]: i["monthly_usd"] for i in data["items"]}
    assert items["endpoint serverless variant serverless"] == round(2_000_000 * 0.05 * 4 * 0.00002, 2)  # 4096 MB
    assert items["API Gateway REST API mlinfra-prod-inference"] == 3.5  # the API keeps the platform's 1 M
    hours = {a["endpoint"]: a["requests_per_hour"] for a in data["endpoints"]}
    assert hours == {"inference": round(1_000_000 / 730, 1), "serverless": round(2_000_000 / 730, 1)}
    assert data["assumptions"]["endpoints"] == {"serverless": {"requests_per_month": 2_000_000, "avg_duration_ms": 50}}
    result = runner.invoke(app, ["cost", str(config)])
    assert "endpoint serverless's own: requests_per_month 2,000,000, avg_duration_ms 50" in result.output


def test_a_region_without_figures_falls_back_with_a_note(tmp_path: Path) -> None:
    config = write_config(tmp_path, SCENARIO.replace("us-east-1", "eu-central-1"))
    data = _json(str(config))
    assert any("no eu-central-1 figure" in n and "ml.g4dn.xlarge" in n for n in data["notes"])
    ireland = _json(str(write_config(tmp_path / "ie", SCENARIO.replace("us-east-1", "eu-west-1"))))
    main = next(i for i in ireland["items"] if i["resource"] == "endpoint inference variant main")
    assert main["monthly_usd"] == round(2 * 0.821 * 730, 2)  # Ireland's own figure (an AWS bill's line)


def test_the_bundled_table_is_keyed_by_the_instance_type_table_and_sourced() -> None:
    table = bundled_prices()
    known = {"hosting": instance_types.HOSTING, "transform": instance_types.TRANSFORM, "processing": instance_types.PROCESSING}
    assert table.prices
    for (service, item, key, region), p in table.prices.items():
        assert region in REGIONS, p
        assert p.source.strip(), p
        if p.usd is None:
            assert "not found" in p.source, p  # a missing figure says so
        if service == "sagemaker" and item in known:
            assert key in known[item], p
    # Every instance type the examples use has a us-east-1 hosting price.
    for example in EXAMPLES:
        cfg = load_config(example)
        for ep in cfg.endpoints:
            types = [ep.fleet.instance_type] if ep.kind == "components" else [v.instance_type for v in ep.variants]
            for t in filter(None, types):
                assert ("sagemaker", "hosting", t, "us-east-1") in table.prices, (example, t)


def test_the_regeneration_script_writes_offer_prices_into_the_table(tmp_path: Path) -> None:
    target = tmp_path / "prices.json"
    target.write_text((ROOT / "src" / "mlinfra" / "cost" / "prices.json").read_text(encoding="utf-8"), encoding="utf-8")
    script = ROOT / "tools" / "cost_prices.py"
    check = subprocess.run([sys.executable, str(script), "--target", str(target), "--check"], capture_output=True, text=True, check=False)
    assert check.returncode == 0, check.stderr  # the bundled file is as the script writes it
    proc = subprocess.run([sys.executable, str(script), str(OFFER), "--target", str(target)], capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    rows = {(r["service"], r["item"], r["key"], r["region"]): r for r in json.loads(target.read_text())["prices"]}
    assert rows[("sagemaker", "hosting", "ml.g4dn.xlarge", "us-east-1")]["usd"] == 0.74
    assert "SEEDG4DN" in rows[("sagemaker", "hosting", "ml.g4dn.xlarge", "us-east-1")]["source"]
    assert rows[("sagemaker", "transform", "ml.m5.xlarge", "us-east-1")]["usd"] == 0.25
    assert rows[("lambda", "gb_second", "", "us-east-1")]["usd"] == 0.0000166667  # other rows kept
    assert not any(k[2] == "ml.zz9.xlarge" for k in rows)


def test_cost_never_imports_boto3(tmp_path: Path) -> None:
    for args in (["cost", str(EXAMPLE_DIR / "platform.yaml")], ["cost", str(EXAMPLE_DIR / "serverless.yaml"), str(EXAMPLE_DIR / "platform.yaml"), "--json"]):
        proc = subprocess.run(
            [sys.executable, "-X", "importtime", "-m", "mlinfra", *args], cwd=tmp_path, capture_output=True, text=True, timeout=60, check=False
        )
        assert proc.returncode == 0, proc.stderr[-2000:]
        modules = {line.split("|")[-1].strip() for line in proc.stderr.splitlines() if line.startswith("import time:")}
        assert "mlinfra.cost.estimate" in modules  # the probe sees the command's imports
        assert not {m for m in modules if m.split(".")[0] in ("boto3", "botocore")}, args
