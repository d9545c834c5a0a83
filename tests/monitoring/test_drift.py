"""Drift numbers against known answers: identical data, a shifted normal (closed forms), a categorical
shift (exact L-infinity), and KS against scipy.

Tolerances: identical data: PSI < 1e-3 and KS < 0.01 (the baseline is a KLL sketch, the capture another,
fed in other chunks); shifted normal, 200,000 baseline and 100,000 captured values: binned PSI within 5 %
(relative) of its closed form and KS within 0.01 of 2*Phi(mu/2) - 1; small samples (sketches still exact):
KS equal to scipy.stats.ks_2samp's statistic to 1e-12; categorical L-infinity exact to 1e-12.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from scipy import stats as sps

from mlinfra.monitoring.baseline import load_baseline
from mlinfra.monitoring.capture import CaptureStats, read_capture
from mlinfra.monitoring.drift import PSI_FLOOR, Thresholds, drift_report, feature_names, linf, psi
from mlinfra.monitoring.sketch import KllSketch, ks_distance

from .support import make_baseline, write_capture


def _report(baseline: Path, captures: list[Path], **thresholds):
    statistics, constraints = load_baseline(baseline)
    cap = CaptureStats()
    return drift_report(statistics, constraints, read_capture(captures, feature_names(statistics), cap), cap, Thresholds(**thresholds))


def _by_name(report) -> dict[str, dict]:
    return {f["name"]: f for f in report.features}


def test_identical_data_has_no_drift(tmp_path: Path) -> None:
    rng = np.random.default_rng(7)
    n = 20_000
    rows = list(zip(np.round(rng.normal(10, 3, n), 4), rng.integers(0, 100, n), rng.choice(["red", "green", "blue"], n, p=[0.5, 0.3, 0.2]), strict=True))
    baseline = make_baseline(tmp_path, ["x", "k", "colour"], rows)
    report = _report(baseline, [write_capture(tmp_path / "cap.jsonl", rows)])
    f = _by_name(report)
    assert report.capture.rows == n and report.capture.problems == []
    assert f["x"]["psi"] < 1e-3 and f["x"]["ks"] < 0.01
    assert f["k"]["psi"] < 1e-3 and f["k"]["ks"] < 0.01
    assert f["colour"]["linf"] == pytest.approx(0.0, abs=1e-12) and f["colour"]["psi"] == pytest.approx(0.0, abs=1e-12)
    assert f["x"]["out_of_range"]["below_min"] == f["x"]["out_of_range"]["above_max"] == 0
    assert report.violations == []


def _binned_normal_psi(edges: np.ndarray, mu: float) -> float:
    """PSI of N(mu, 1) against N(0, 1) over the baseline's buckets, outer buckets open-ended."""
    inner = edges[1:-1]
    cuts = np.concatenate([[-np.inf], inner, [np.inf]])
    p = np.diff(sps.norm.cdf(cuts))
    q = np.diff(sps.norm.cdf(cuts - mu))
    return float(np.sum((q - p) * np.log(q / p)))


def test_shifted_normal_matches_the_closed_forms(tmp_path: Path) -> None:
    rng = np.random.default_rng(11)
    mu = 0.5
    baseline = make_baseline(tmp_path, ["x"], [(v,) for v in rng.normal(0, 1, 200_000)])
    report = _report(baseline, [write_capture(tmp_path / "cap.jsonl", [(v,) for v in rng.normal(mu, 1, 100_000)], per_record=2000)])
    x = _by_name(report)["x"]
    statistics, _ = load_baseline(baseline)
    buckets = statistics["features"][0]["numerical_statistics"]["distribution"]["kll"]["buckets"]
    edges = np.array([buckets[0]["lower_bound"]] + [b["upper_bound"] for b in buckets])
    expected_psi = _binned_normal_psi(edges, mu)
    assert x["psi"] == pytest.approx(expected_psi, rel=0.05)
    # Binning can only lose information: below the unbinned PSI of two unit normals, mu^2 (Jeffreys).
    assert expected_psi < mu**2
    assert x["ks"] == pytest.approx(2 * sps.norm.cdf(mu / 2) - 1, abs=0.01)
    checks = {v["check"] for v in x["violations"]}
    assert checks == {"baseline_drift_check", "psi_check"}  # KS 0.197 > 0.1, PSI ~0.23 > 0.2


@pytest.mark.parametrize("shift", [0.0, 0.3, 1.0])
def test_ks_equals_scipy_on_exact_sketches(shift: float) -> None:
    rng = np.random.default_rng(3)
    a, b = rng.normal(0, 1, 1500), rng.normal(shift, 1.2, 1000)
    sa, sb = KllSketch(), KllSketch()
    sa.update(a)
    sb.update(b)
    assert sa.count == 1500 and len(sa.levels) == 1  # below k: nothing compacted
    assert ks_distance(sa, sb) == pytest.approx(sps.ks_2samp(a, b).statistic, abs=1e-12)


def test_ks_of_compacted_sketches_stays_close_to_scipy() -> None:
    rng = np.random.default_rng(5)
    a, b = rng.normal(0, 1, 300_000), rng.normal(0.2, 1, 100_000)
    sa, sb = KllSketch(), KllSketch()
    for part in np.array_split(a, 7):
        sa.update(part)
    sb.update(b)
    assert sa.count == 300_000 and len(sa.levels) > 1
    assert ks_distance(sa, sb) == pytest.approx(sps.ks_2samp(a, b).statistic, abs=0.01)


def test_categorical_shift_gives_the_expected_l_infinity(tmp_path: Path) -> None:
    base = [("A",)] * 5000 + [("B",)] * 3000 + [("C",)] * 2000
    baseline = make_baseline(tmp_path, ["c"], base)
    capture = [("A",)] * 300 + [("B",)] * 300 + [("C",)] * 200 + [("D",)] * 200
    c = _by_name(_report(baseline, [write_capture(tmp_path / "cap.jsonl", capture)]))["c"]
    assert c["linf"] == pytest.approx(0.2, abs=1e-12)  # A: 0.5 -> 0.3 (D: 0 -> 0.2 ties)
    e = np.array([0.5, 0.3, 0.2, PSI_FLOOR])
    a = np.array([0.3, 0.3, 0.2, 0.2])
    assert c["psi"] == pytest.approx(float(np.sum((a - e) * np.log(a / e))), rel=1e-9)
    assert c["out_of_domain"] == 200 and c["out_of_domain_values"] == ["D"]
    assert {v["check"] for v in c["violations"]} == {"baseline_drift_check", "psi_check", "categorical_values_check"}


def test_linf_and_psi_helpers() -> None:
    assert linf({"a": 1, "b": 1}, {"a": 1, "b": 1}) == 0
    assert linf({"a": 3, "b": 1}, {"b": 1}) == pytest.approx(0.75)
    assert psi(np.array([1, 1]), np.array([1, 1])) == 0


def test_missing_out_of_range_and_negative_values(tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    base = [(float(v), "x") for v in rng.uniform(0, 10, 5000)]
    baseline = make_baseline(tmp_path, ["v", "s"], base)
    capture = [(5.0, "x")] * 90 + [(None, "x")] * 4 + [(11.5, None)] * 3 + [(-2.0, "x")] * 2 + [("abc", "x")]
    report = _report(baseline, [write_capture(tmp_path / "cap.jsonl", capture)])
    v, s = _by_name(report)["v"], _by_name(report)["s"]
    assert v["missing"] == 5 and v["not_numbers"] == 1  # 4 empty + 1 text (text counts as missing too)
    assert v["out_of_range"]["above_max"] == 3 and v["out_of_range"]["below_min"] == 2 and v["negative"] == 2
    assert v["completeness"] == pytest.approx(95 / 100)
    checks = {x["check"] for x in v["violations"]}
    assert {"completeness_check", "non_negative_check"} <= checks and "data_type_check" not in checks  # 1 % < 10 %
    assert s["missing"] == 3 and {x["check"] for x in s["violations"]} == {"completeness_check"}


def test_thresholds_from_constraints_and_flags(tmp_path: Path) -> None:
    rng = np.random.default_rng(2)
    baseline = make_baseline(tmp_path, ["x"], [(v,) for v in rng.normal(0, 1, 20_000)])
    cap = write_capture(tmp_path / "cap.jsonl", [(v,) for v in rng.normal(0.2, 1, 20_000)])
    default = _by_name(_report(baseline, [cap]))["x"]
    assert 0.05 < default["ks"] < 0.1 and default["violations"] == []  # KS ~0.08 under 0.1 from constraints.json
    strict = _by_name(_report(baseline, [cap], ks=0.05, psi=0.01))["x"]
    assert {v["check"] for v in strict["violations"]} == {"baseline_drift_check", "psi_check"}


def test_json_and_base64_capture_give_the_csv_report(tmp_path: Path) -> None:
    import base64
    import json

    from .support import record

    rng = np.random.default_rng(9)
    rows = [(round(float(x), 3), str(c)) for x, c in zip(rng.normal(0, 1, 3000), rng.choice(["u", "v"], 3000), strict=True)]
    baseline = make_baseline(tmp_path, ["x", "c"], rows)
    shifted = [(x + 0.4, c) for x, c in rows[:1000]]
    csv_cap = write_capture(tmp_path / "csv.jsonl", shifted, per_record=1)
    json_cap = tmp_path / "json.jsonl"
    with open(json_cap, "w") as fh:
        for i, (x, c) in enumerate(shifted):
            payload = json.dumps({"x": x, "c": c}) if i % 2 else json.dumps({"instances": [[x, c]]})
            rec = record(payload, "JSON", "application/json", event=i) if i % 3 else record(payload, "BASE64", "application/json", event=i)
            fh.write(json.dumps(rec) + "\n")
    assert base64.b64decode(json.loads(json_cap.read_text().splitlines()[0])["captureData"]["endpointInput"]["data"])
    a, b = _by_name(_report(baseline, [csv_cap])), _by_name(_report(baseline, [json_cap]))
    assert a == b and a["x"]["ks"] > 0.1
