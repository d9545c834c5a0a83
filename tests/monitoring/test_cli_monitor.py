"""`mlinfra monitor baseline|drift` and `mlinfra metrics publish --dry-run` through CliRunner: exit codes,
--json, bad input (clear message, exit 2, no traceback, nothing half-written), and the lazy imports."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from mlinfra.cli import app

from .support import record, write_capture, write_csv

runner = CliRunner()


def _ok(result, code: int = 0):
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result


@pytest.fixture
def data(tmp_path: Path) -> Path:
    rng = np.random.default_rng(4)
    rows = [(round(float(x), 4), int(k), c) for x, k, c in zip(rng.normal(5, 2, 4000), rng.integers(0, 9, 4000), rng.choice(["p", "q"], 4000), strict=True)]
    return write_csv(tmp_path / "train.csv", ["x", "k", "c"], rows)


@pytest.fixture
def baseline(tmp_path: Path, data: Path) -> Path:
    out = tmp_path / "bl"
    _ok(runner.invoke(app, ["monitor", "baseline", str(data), "-o", str(out)]))
    return out


def _rows(path: Path) -> list[list[str]]:
    return [line.split(",") for line in path.read_text().splitlines()[1:]]


def test_baseline_writes_both_files(tmp_path: Path, data: Path) -> None:
    out = tmp_path / "nested" / "bl"
    result = _ok(runner.invoke(app, ["monitor", "baseline", str(data), "-o", str(out)]))
    assert sorted(p.name for p in out.iterdir()) == ["constraints.json", "statistics.json"]
    assert "4,000 rows, 3 features (1 Fractional, 1 Integral, 1 String)" in result.output
    assert json.loads((out / "statistics.json").read_text())["dataset"] == {"item_count": 4000}


def test_progress_goes_to_stderr_only_when_asked(tmp_path: Path, data: Path) -> None:
    quiet = _ok(runner.invoke(app, ["monitor", "baseline", str(data), "-o", str(tmp_path / "a")]))
    assert "%" not in quiet.stderr
    shown = _ok(runner.invoke(app, ["monitor", "baseline", str(data), "-o", str(tmp_path / "b"), "--progress"]))
    assert "100.0 % 4,000 rows" in shown.stderr and "%" not in shown.stdout


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("missing.csv", None, "no such file"),
        ("junk.csv", bytes(range(256)) * 8, "binary data"),
        ("empty.csv", b"", "empty file"),
        ("header.csv", b"a,b,c\n", "a header but no rows"),
        ("dup.csv", b"a,b,a\n1,2,3\n", 'column "a" appears twice'),
        ("ragged.csv", b"a,b\n1,2\n3,4,5\n", "ragged.csv:3: 3 values, the header has 2 columns"),
        ("latin1.csv", b"a,b\n1,caf\xe9\n", "not UTF-8"),
        ("data.parquet", b"PAR1", "unknown data format"),
        ("bad.jsonl", b'{"a": 1}\n{"a": \n', "bad.jsonl:2: not JSON"),
    ],
    ids=["missing", "binary", "empty", "header-only", "duplicate-column", "ragged-row", "not-utf8", "unknown-suffix", "broken-jsonl"],
)
def test_bad_input_exit_2_and_writes_nothing(tmp_path: Path, name: str, content: bytes | None, message: str) -> None:
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    out = tmp_path / "out"
    result = runner.invoke(app, ["monitor", "baseline", str(path), "-o", str(out)])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output and isinstance(result.exception, SystemExit)
    assert message in result.stderr and result.stderr.startswith(f"error: {path}")
    assert not out.exists()


def test_bad_input_leaves_an_existing_baseline_untouched(tmp_path: Path, baseline: Path) -> None:
    before = {p.name: p.read_bytes() for p in baseline.iterdir()}
    (tmp_path / "empty.csv").write_bytes(b"")
    result = runner.invoke(app, ["monitor", "baseline", str(tmp_path / "empty.csv"), "-o", str(baseline)])
    assert result.exit_code == 2
    assert {p.name: p.read_bytes() for p in baseline.iterdir()} == before  # no temporary files left either


def test_drift_json_on_the_training_rows_is_clean(tmp_path: Path, data: Path, baseline: Path) -> None:
    cap = write_capture(tmp_path / "cap.jsonl", _rows(data))
    result = _ok(runner.invoke(app, ["monitor", "drift", "--baseline", str(baseline), str(cap), "--json"]))
    doc = json.loads(result.stdout)
    assert doc["records"] == 8 and doc["rows"] == 4000 and doc["violations"] == 0 and doc["skipped_lines"] == 0
    assert [f["name"] for f in doc["features"]] == ["x", "k", "c"]
    assert all(f["drift"] < 0.01 for f in doc["features"])


def test_drift_exits_3_when_a_check_fails(tmp_path: Path, data: Path, baseline: Path) -> None:
    shifted = [[str(float(x) + 3), k, "q"] for x, k, _ in _rows(data)]
    cap = write_capture(tmp_path / "cap.jsonl", shifted)
    result = _ok(runner.invoke(app, ["monitor", "drift", "--baseline", str(baseline), str(cap)]), 3)
    assert "x: baseline_drift_check: KS distance" in result.stdout
    assert "c: baseline_drift_check: L-infinity distance" in result.stdout
    assert "k " in result.stdout and "ok" in result.stdout  # k did not move
    as_json = _ok(runner.invoke(app, ["monitor", "drift", "--baseline", str(baseline), str(cap), "--json"]), 3)
    assert json.loads(as_json.stdout)["violations"] >= 2


def test_drift_reports_malformed_lines_and_goes_on(tmp_path: Path, data: Path, baseline: Path) -> None:
    cap = tmp_path / "cap.jsonl"
    lines = [json.dumps(record(",".join(r), event=i)) for i, r in enumerate(_rows(data)[:50])]
    lines.insert(3, "{not json")
    lines.insert(7, json.dumps(record("1,2")))
    cap.write_text("\n".join(lines) + "\n")
    result = runner.invoke(app, ["monitor", "drift", "--baseline", str(baseline), str(cap), "--json"])
    assert result.exit_code in (0, 3), result.output  # 50 rows: sampling noise may cross a threshold
    doc = json.loads(result.stdout)
    assert doc["records"] == 50 and doc["skipped_lines"] == 2
    assert f"warning: {cap}:4: not a JSON record" in result.stderr
    assert f"warning: {cap}:8: CSV payload has 2 values, the baseline has 3 features (skipped)" in result.stderr


@pytest.mark.parametrize(
    ("setup", "message"),
    [("no-baseline", "statistics.json: no such file"), ("all-malformed", "no usable capture records (2 lines skipped)"), ("no-capture", "no such capture file")],
)
def test_drift_bad_input_exit_2(tmp_path: Path, baseline: Path, setup: str, message: str) -> None:
    cap = tmp_path / "cap.jsonl"
    cap.write_text("junk\n{}\n")
    base = tmp_path / "nowhere" if setup == "no-baseline" else baseline
    target = tmp_path / "missing.jsonl" if setup == "no-capture" else cap
    result = runner.invoke(app, ["monitor", "drift", "--baseline", str(base), str(target)])
    assert result.exit_code == 2, result.output
    assert isinstance(result.exception, SystemExit) and message in result.stderr


def test_metrics_publish_dry_run_batches_and_bad_lines(tmp_path: Path) -> None:
    good = tmp_path / "m.jsonl"
    good.write_text("\n".join(json.dumps({"metric": "InferenceLatency", "model_version": "v1", "value": i}) for i in range(2500)) + "\n")
    result = _ok(runner.invoke(app, ["metrics", "publish", str(good), "--dry-run"]))
    assert "would publish 2500 data points to MLInference in 3 call(s): 1000, 1000, 500" in result.stdout
    bad = tmp_path / "bad.jsonl"
    bad.write_text(
        '{"metric": "InferenceLatency", "model_version": "v1", "value": 1}\n'
        '{"metric": "Latency", "value": 1}\n'
        '{"metric": "FeatureDrift", "value": 0.1}\n'
        '{"metric": "InferenceLatency", "model_version": "v1", "value": 1, "timestamp": "2026-12-01T10:00:00"}\n'
    )
    result = runner.invoke(app, ["metrics", "publish", str(bad), "--dry-run"])
    assert result.exit_code == 2 and isinstance(result.exception, SystemExit)
    assert f"{bad}:2: metric: 'Latency' is not one of" in result.stderr
    assert f"{bad}:3: FeatureDrift needs feature_name" in result.stderr
    assert f"{bad}:4: InferenceLatency: timestamp 2026-12-01T10:00:00 has no timezone" in result.stderr


def _imports(*args: str, cwd: Path) -> tuple[int, set[str]]:
    proc = subprocess.run([sys.executable, "-X", "importtime", "-m", "mlinfra", *args], check=False, cwd=cwd, capture_output=True, text=True, timeout=60)
    return proc.returncode, {line.split("|")[-1].strip().split(".")[0] for line in proc.stderr.splitlines() if line.startswith("import time:")}


@pytest.mark.parametrize("args", [["--help"], ["monitor", "--help"], ["monitor", "drift", "--help"], ["metrics", "publish", "--help"]])
def test_help_imports_no_numpy_pyarrow_or_boto3(tmp_path: Path, args: list[str]) -> None:
    code, modules = _imports(*args, cwd=tmp_path)
    assert code == 0 and "typer" in modules
    assert not modules & {"numpy", "pyarrow", "boto3", "botocore", "scipy"}


def test_drift_with_a_malformed_baseline_exit_2(tmp_path: Path, baseline: Path, data: Path) -> None:
    stats = json.loads((baseline / "statistics.json").read_text())
    stats["features"][0]["numerical_statistics"]["distribution"]["kll"]["buckets"] = [{"lower_bound": 1}]
    (baseline / "statistics.json").write_text(json.dumps(stats))
    cap = write_capture(tmp_path / "cap.jsonl", _rows(data)[:10])
    result = runner.invoke(app, ["monitor", "drift", "--baseline", str(baseline), str(cap)])
    assert result.exit_code == 2 and isinstance(result.exception, SystemExit), result.output
    assert "statistics.json: feature x: not in Model Monitor's statistics format" in result.stderr
    (baseline / "statistics.json").write_text("{")
    result = runner.invoke(app, ["monitor", "drift", "--baseline", str(baseline), str(cap)])
    assert result.exit_code == 2 and "statistics.json:1: not JSON" in result.stderr
