"""statistics.json / constraints.json: Model Monitor's shapes, values against numpy, type inference,
chunking that does not change the answer, and the same result from CSV and JSON Lines."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from mlinfra.monitoring import table
from mlinfra.monitoring.baseline import compute_baseline, write_baseline

from .support import write_csv


@pytest.fixture
def dataset(tmp_path: Path) -> tuple[Path, dict[str, list]]:
    rng = np.random.default_rng(0)
    n = 5000
    cols = {
        "price": list(np.round(rng.normal(100, 15, n), 3)),
        "qty": list(rng.integers(0, 50, n)),
        "delta": list(rng.integers(-5, 5, n)),
        "tier": list(rng.choice(["a", "b", "c"], n, p=[0.6, 0.3, 0.1])),
        "empty": [None] * n,
    }
    cols["price"][10] = None  # one missing number
    cols["tier"][20] = None  # one missing string
    rows = list(zip(*cols.values(), strict=True))
    return write_csv(tmp_path / "data.csv", list(cols), [["" if v is None else v for v in r] for r in rows]), cols


def _feature(doc: dict, name: str) -> dict:
    return next(f for f in doc["features"] if f["name"] == name)


def test_statistics_in_model_monitor_format(dataset) -> None:
    path, cols = dataset
    b = compute_baseline(path)
    s = b.statistics
    assert s["version"] == 0 and s["dataset"] == {"item_count": 5000} and b.rows == 5000
    assert [f["name"] for f in s["features"]] == list(cols)
    assert [f["inferred_type"] for f in s["features"]] == ["Fractional", "Integral", "Integral", "String", "Unknown"]

    price = _feature(s, "price")["numerical_statistics"]
    values = np.array([v for v in cols["price"] if v is not None], dtype=float)
    assert price["common"] == {"num_present": 4999, "num_missing": 1}
    assert price["mean"] == pytest.approx(values.mean(), rel=1e-12)
    assert price["sum"] == pytest.approx(values.sum(), rel=1e-12)
    assert price["std_dev"] == pytest.approx(values.std(), rel=1e-9)  # population standard deviation
    assert (price["min"], price["max"]) == (values.min(), values.max())
    kll = price["distribution"]["kll"]
    assert len(kll["buckets"]) == 10
    assert kll["buckets"][0]["lower_bound"] == values.min() and kll["buckets"][-1]["upper_bound"] == values.max()
    assert all(a["upper_bound"] == b["lower_bound"] for a, b in zip(kll["buckets"], kll["buckets"][1:], strict=False))
    assert sum(bk["count"] for bk in kll["buckets"]) == 4999
    exact, _ = np.histogram(values, bins=np.linspace(values.min(), values.max(), 11))
    # 4999 values > k = 2048: compacted, so the counts are the sketch's (rank error well under 1 % of n).
    assert np.max(np.abs(np.array([bk["count"] for bk in kll["buckets"]]) - exact)) <= 0.01 * 4999
    assert set(kll["sketch"]) == {"parameters", "data"} and kll["sketch"]["parameters"] == {"c": 0.64, "k": 2048.0}

    tier = _feature(s, "tier")["string_statistics"]
    assert tier["common"] == {"num_present": 4999, "num_missing": 1}
    assert tier["distinct_count"] == 3
    buckets = tier["distribution"]["categorical"]["buckets"]
    assert {bk["value"]: bk["count"] for bk in buckets} == {v: cols["tier"].count(v) for v in "abc"}
    assert buckets[0]["value"] == "a"  # most frequent first

    assert _feature(s, "empty")["string_statistics"]["common"] == {"num_present": 0, "num_missing": 5000}


def test_constraints_in_model_monitor_format(dataset) -> None:
    path, _ = dataset
    c = compute_baseline(path).constraints
    assert c["version"] == 0
    assert _feature(c, "price") == {"name": "price", "inferred_type": "Fractional", "completeness": 4999 / 5000, "num_constraints": {"is_non_negative": True}}
    assert _feature(c, "qty")["num_constraints"] == {"is_non_negative": True}
    assert _feature(c, "delta")["num_constraints"] == {"is_non_negative": False}
    assert _feature(c, "tier")["string_constraints"] == {"domains": ["a", "b", "c"]}
    assert _feature(c, "empty")["completeness"] == 0.0
    mc = c["monitoring_config"]
    assert mc["evaluate_constraints"] == "Enabled" and mc["emit_metrics"] == "Enabled"
    assert mc["distribution_constraints"]["comparison_threshold"] == 0.1
    assert mc["distribution_constraints"]["categorical_drift_method"] == "LInfinity"


def test_chunk_size_does_not_change_the_answer(dataset, monkeypatch) -> None:
    path, _ = dataset
    whole = compute_baseline(path).statistics
    monkeypatch.setattr(table, "CSV_BLOCK_BYTES", 4096)  # ~200 rows per chunk: 25 chunks
    chunked = compute_baseline(path).statistics
    for a, b in zip(whole["features"], chunked["features"], strict=True):
        assert a["inferred_type"] == b["inferred_type"]
        if "numerical_statistics" in a:
            na, nb = a["numerical_statistics"], b["numerical_statistics"]
            for key in ("mean", "sum", "std_dev", "min", "max"):
                assert na[key] == pytest.approx(nb[key], rel=1e-9), (a["name"], key)
            assert na["common"] == nb["common"]
        else:
            assert a["string_statistics"] == b["string_statistics"]


def test_jsonl_gives_the_csv_statistics(tmp_path: Path, dataset) -> None:
    path, cols = dataset
    jsonl = tmp_path / "data.jsonl"
    with open(jsonl, "w") as fh:
        for row in zip(*cols.values(), strict=True):
            rec = {k: (v.item() if hasattr(v, "item") else v) for k, v in zip(cols, row, strict=True)}
            fh.write(json.dumps(rec) + "\n")
    assert compute_baseline(jsonl).statistics == compute_baseline(path).statistics


def test_text_in_a_numeric_column_after_the_first_chunk_is_reported(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(table, "CSV_BLOCK_BYTES", 1024)
    rows = [[i, "x"] for i in range(1000)]
    rows[700][0] = "oops"
    path = write_csv(tmp_path / "d.csv", ["n", "s"], rows)
    b = compute_baseline(path)
    n = _feature(b.statistics, "n")
    assert n["inferred_type"] == "Integral" and n["numerical_statistics"]["common"] == {"num_present": 999, "num_missing": 1}
    assert b.warnings == [f"{path}:702: n: 1 values are not numbers in a numerical feature; counted as missing"]


def test_two_runs_write_identical_files(dataset, tmp_path: Path) -> None:
    path, _ = dataset
    write_baseline(compute_baseline(path), tmp_path / "one")
    write_baseline(compute_baseline(path), tmp_path / "two")
    for name in ("statistics.json", "constraints.json"):
        assert (tmp_path / "one" / name).read_bytes() == (tmp_path / "two" / name).read_bytes()


def test_a_fraction_after_the_first_chunk_makes_the_feature_fractional(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(table, "CSV_BLOCK_BYTES", 1024)
    rows = [[i] for i in range(1000)]
    rows[900][0] = 1.5
    b = compute_baseline(write_csv(tmp_path / "d.csv", ["n"], rows))
    n = _feature(b.statistics, "n")
    assert n["inferred_type"] == "Fractional" and b.warnings == []
    assert n["numerical_statistics"]["sum"] == sum(range(1000)) - 900 + 1.5
