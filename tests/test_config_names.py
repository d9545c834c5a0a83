"""Name collisions: two config entities that would get one Terraform address or one AWS name are refused.

The derivations are the planner's own (mlinfra.naming); each message names both entities, the second at
its own line and the first by "collides with ... at line N".
"""

from __future__ import annotations

from pathlib import Path

from mlinfra.pipeline import load_config
from tests.support.configs import edit, refused
from tests.test_config_invalid import BASE, line_of
from tests.test_config_realtime import FULL, _setup


def problems(workdir: Path, text: str) -> list:
    _setup(workdir, text)
    return refused(workdir / "platform.yaml").problems


def test_routes_that_become_one_name(workdir: Path) -> None:
    text = edit(FULL, ("  - path: /predict/text\n", "  - path: /predict-image\n    preprocessor: image\n    endpoint: inference\n  - path: /predict/image\n    preprocessor: image\n    endpoint: inference\n  - path: /predict/text\n"))
    found = problems(workdir, text)
    assert [(p.path, p.code, p.line) for p in found] == [("routes[2].path", "name-collision", line_of(text, "- path: /predict/image"))]
    message = found[0].message
    assert f"POST /predict/image collides with POST /predict-image at line {line_of(text, '- path: /predict-image')}" in message
    assert "the Terraform name predict_image" in message and "the Lambda function mlinfra-prod-predict-image" in message
    assert "the API Gateway resource predict_image" in message and message.endswith("Rename one of them")


def test_an_intermediate_api_resource_that_collides(workdir: Path) -> None:
    text = edit(FULL, ("  - path: /predict/text\n", "  - path: /a-b\n    preprocessor: image\n    endpoint: inference\n  - path: /a/b/c\n    preprocessor: image\n    endpoint: inference\n  - path: /predict/text\n"))
    found = problems(workdir, text)
    assert [(p.path, p.code) for p in found] == [("routes[2].path", "name-collision")]
    assert found[0].message.startswith(f"POST /a/b/c collides with POST /a-b at line {line_of(text, '- path: /a-b')}: both would be the API Gateway resource a_b.")


def test_long_paths_that_truncate_to_one_lambda(workdir: Path) -> None:
    long = "/" + "/".join(["segment"] * 7)
    text = edit(FULL, ("  - path: /predict/text\n", f"  - path: {long}/one\n    preprocessor: image\n    endpoint: inference\n  - path: {long}/two\n    preprocessor: image\n    endpoint: inference\n  - path: /predict/text\n"))
    found = problems(workdir, text)
    assert [(p.path, p.code) for p in found] == [("routes[2].path", "name-collision")]
    assert "the Lambda function mlinfra-prod-segment-segment" in found[0].message


def test_variant_names_that_become_one_identifier(workdir: Path) -> None:
    text = edit(BASE, ("      - name: canary\n", "      - name: v-1a\n")).replace("      - name: production\n", "      - name: 1a\n")
    found = problems(workdir, text)
    assert [(p.path, p.code) for p in found] == [("endpoints[0].variants[1].name", "name-collision")]
    assert f'variant "v-1a" of endpoint "inference" collides with variant "1a" of endpoint "inference" at line {line_of(text, "- name: 1a")}' in found[0].message
    assert 'the Terraform name in endpoint "inference" v_1a' in found[0].message


def test_alarm_names_across_endpoints(workdir: Path) -> None:
    # endpoint "scoring" variant "a-b" and endpoint "scoring-a" variant "b": both alarms mlinfra-prod-scoring-a-b-*.
    extra = """
  - name: scoring-a
    variants:
      - name: b
        model: 1.1.0
        instance_type: ml.m5.large
        instance_count: 1
    alarms: {latency_p99_ms: 100, error_rate_percent: 5}
"""
    text = BASE.replace("      - name: serverless\n", "      - name: a-b\n").replace("          max_concurrency: 50\n", "          max_concurrency: 50\n    alarms: {latency_p99_ms: 100, error_rate_percent: 5}\n") + extra
    found = problems(workdir, text)
    assert [(p.path, p.code) for p in found] == [("endpoints[2].variants[0].name", "name-collision")]
    assert "the CloudWatch alarm mlinfra-prod-scoring-a-b-latency-p99" in found[0].message


def test_distinct_names_pass(workdir: Path) -> None:
    text = edit(FULL, ("  - path: /predict/text\n", "  - path: /predict/image\n    preprocessor: image\n    endpoint: inference\n  - path: /predict/text\n"))
    _setup(workdir, text)
    assert len(load_config(workdir / "platform.yaml").routes) == 3


def test_request_models_that_become_one_name(workdir: Path) -> None:
    # Route keys x_1y and x1y differ, but both request schemas would be the API Gateway model X1yRequest.
    routes = "  - path: /x/1y\n    preprocessor: image\n    endpoint: inference\n    schema: tabular.json\n  - path: /x1y\n    preprocessor: image\n    endpoint: inference\n    schema: tabular.json\n"
    text = edit(FULL, ("  - path: /predict/text\n", routes + "  - path: /predict/text\n"))
    found = problems(workdir, text)
    assert [(p.path, p.code) for p in found] == [("routes[2].path", "name-collision")]
    assert "the API Gateway request model X1yRequest" in found[0].message


def test_the_collision_check_names_every_alarm_the_plan_makes(tmp_path: Path) -> None:
    """The rule and the plan name a target's alarms from one list (naming.target_alarms), raw metrics included."""
    from mlinfra.components import SLICES
    from mlinfra.config.rules import core_names
    from mlinfra.plan.platform import build_plan
    from tests.support.configs import edited

    metrics = "      metrics:\n        - {metric: Invocation5XXErrors, statistic: Average, threshold: 1}\n"
    config_path = edited("platform", tmp_path, ("      error_rate_percent: 5\n", "      error_rate_percent: 5\n" + metrics))
    config = load_config(config_path)
    sources = (core_names, *(s.names for s in SLICES if s.names is not None))
    checked = {n.value for src in sources for n in src(config) if n.namespace == "the CloudWatch alarm"}
    planned = {a.name for ep in build_plan(config, config_path.parent).endpoints for a in ep.alarms}
    assert "mlinfra-prod-inference-production-invocation5xxerrors-average" in planned
    assert planned <= checked, sorted(planned - checked)
