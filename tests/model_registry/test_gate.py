"""The quality gate: its config form (valid and invalid, FILE:LINE messages) and its evaluation."""

from __future__ import annotations

from pathlib import Path

import pytest

from mlinfra.components.registry.section import SECTION, QualityGate
from mlinfra.errors import ConfigError
from mlinfra.model_registry.gate import evaluate
from mlinfra.pipeline import load_config
from tests.conftest import ROOT
from tests.support.configs import write_config

BASE = (ROOT / "examples" / "serverless.yaml").read_text()


def _config(tmp_path: Path, registry: str) -> Path:
    return write_config(tmp_path, BASE + "\n" + registry, "mlinfra.yaml")


def _gate(**data) -> QualityGate:
    return QualityGate.model_validate(data)


def test_the_example_gate_is_parsed() -> None:
    registry = SECTION.of(load_config(ROOT / "examples" / "platform.yaml"))
    assert registry is not None
    gate = registry.quality_gate
    assert {k: (t.op, t.value) for k, t in gate.thresholds.items()} == {"accuracy": (">=", 0.90)}
    (r,) = gate.versus_production
    assert (r.metric, r.max_regression, r.better) == ("accuracy", 0.01, "higher")


@pytest.mark.parametrize(
    ("registry", "line", "message"),
    [
        ("registry:\n  quality_gate:\n    thresholds:\n      accuracy: 0.9\n", 4, 'a threshold needs its operator: write ">= 0.9"'),
        ("registry:\n  quality_gate:\n    thresholds:\n      accuracy: '=> 0.9'\n", 4, "a threshold is an operator and a number"),
        ("registry:\n  quality_gate:\n    thresholds:\n      accuracy: '>= high'\n", 4, "a threshold is an operator and a number"),
        ("registry:\n  quality_gate:\n    treshold: {}\n", 3, 'unknown key "treshold"; did you mean "thresholds"?'),
        ("registy:\n  require_approval: true\n", 1, 'unknown key "registy"; did you mean "registry"?'),
        ("registry:\n  quality_gate:\n    versus_production:\n      - {metric: accuracy, max_regression: -0.1}\n", 4, "must be at least 0, got the number -0.1"),
        ("registry:\n  quality_gate:\n    versus_production:\n      - {metric: accuracy, max_regression: 0.1, better: up}\n", 4, "must be one of higher, lower; got 'up'"),
        ("registry:\n  model_package_group: bad_name\n", 2, "model_package_group"),
    ],
    ids=["bare-number", "bad-operator", "not-a-number", "typo", "section-typo", "negative-regression", "bad-direction", "bad-group"],
)
def test_invalid_gates_name_file_line_and_field(tmp_path, registry, line, message) -> None:
    path = _config(tmp_path, registry)
    with pytest.raises(ConfigError) as info:
        load_config(path)
    text = str(info.value)
    line += BASE.count("\n") + 1  # the registry section follows the base config and a blank line
    assert f"{path}:{line}:" in text and message in text, text


def test_a_comparison_needs_the_metric_on_production(tmp_path) -> None:
    registry = "registry:\n  quality_gate:\n    versus_production:\n      - {metric: f1, max_regression: 0.1}\n      - {metric: f1, max_regression: 0.2}\n"
    path = _config(tmp_path, registry)
    with pytest.raises(ConfigError) as info:
        load_config(path)
    text = str(info.value)
    assert "registry.quality_gate.versus_production[0].metric: the production version" in text and "has no metric f1" in text
    assert "[regression-metric-missing]" in text and "[duplicate-regression-metric]" in text


PROD = ("1.1.0", {"accuracy": 0.89, "latency_p99_ms": 80.0})


@pytest.mark.parametrize(
    ("metrics", "passed"),
    [
        ({"accuracy": 0.91, "latency_p99_ms": 85}, True),
        ({"accuracy": 0.90, "latency_p99_ms": 90}, True),  # both bounds are inclusive
        ({"accuracy": 0.8999, "latency_p99_ms": 80}, False),  # threshold
        ({"accuracy": 0.95, "latency_p99_ms": 90.5}, False),  # latency regressed by more than 10
        ({"latency_p99_ms": 80}, False),  # a missing metric fails
    ],
)
def test_thresholds_and_regressions(metrics, passed) -> None:
    gate = _gate(
        thresholds={"accuracy": ">= 0.90"},
        versus_production=[{"metric": "accuracy", "max_regression": 0.01}, {"metric": "latency_p99_ms", "max_regression": 10, "better": "lower"}],
    )
    result = evaluate(gate, "1.2.0", metrics, PROD)
    assert result.passed is passed, result.summary()


def test_regression_boundary_is_exact_despite_floats() -> None:
    gate = _gate(versus_production=[{"metric": "accuracy", "max_regression": 0.01}])
    assert evaluate(gate, "1.2.0", {"accuracy": 0.88}, PROD).passed  # 0.89 - 0.01 is 0.8800000000000001 in floats
    worse = evaluate(gate, "1.2.0", {"accuracy": 0.8799}, PROD)
    assert not worse.passed
    assert worse.summary() == "quality gate failed: accuracy 0.8799 is 0.0101 below production 1.1.0 (0.89); allowed: at most 0.01 below"


def test_without_production_only_thresholds_apply() -> None:
    gate = _gate(thresholds={"accuracy": "> 0.5"}, versus_production=[{"metric": "accuracy", "max_regression": 0}])
    result = evaluate(gate, "1.0.0", {"accuracy": 0.6}, None)
    assert result.passed and len(result.checks) == 1 and result.production is None
    # the production version itself is not compared with itself
    assert len(evaluate(gate, "1.1.0", {"accuracy": 0.6}, ("1.1.0", {"accuracy": 0.6})).checks) == 1


@pytest.mark.parametrize(("text", "value", "holds"), [("> 1", 1.0, False), ("< 1", 0.5, True), ("<= 1e-3", 0.001, True), (">=-2", -2.0, True)])
def test_operators(text, value, holds) -> None:
    assert _gate(thresholds={"m": text}).thresholds["m"].holds(value) is holds
