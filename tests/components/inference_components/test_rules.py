"""``kind: components`` endpoints: the fleet, the components, the capacity check and what validate prints.

Same contract as test_config_invalid.py: exit 2, ``error: FILE:LINE: path: message [code]``, no traceback,
nothing written. The valid starting point is examples/inference-components.yaml.
"""

from __future__ import annotations

import re
from fractions import Fraction
from pathlib import Path

import pytest

from mlinfra.fleet.capacity import Copy, instance_types, pack
from tests.test_config_invalid import (
    CONFIG_NAME,
    EditCase,
    assert_error_line,
    assert_no_traceback,
    cli,
    line_of,
    run_edited,
    snapshot,
)

REPO = Path(__file__).resolve().parents[3]
BASE = (REPO / "examples" / "inference-components.yaml").read_text(encoding="utf-8")

CLASSIFICATION_GPU = "        cpu_cores: 1\n        accelerators: 1\n"
DETECTION_GPU = "        cpu_cores: 2\n        accelerators: 1\n"


C = EditCase


def _gpu(value: str) -> tuple[tuple[str, str], ...]:
    return ((CLASSIFICATION_GPU, f"        cpu_cores: 1\n        accelerators: {value}\n"),)


CASES = [
    C("gpu-percent", _gpu("25 %"), "accelerators: 25 %", "endpoints[0].components[0].accelerators", "fractional-accelerator",
      'accelerators "25 %" is a share of a device: SageMaker gives each copy of an inference component whole accelerator devices'),
    C("gpu-percent-no-space", _gpu('"25%"'), "accelerators:", "endpoints[0].components[0].accelerators", "fractional-accelerator",
      "What fits instead: accelerators: 1 (a whole NVIDIA T4, 16 GiB); one ml.g4dn.xlarge has 1, so 1 such copy fits per instance", after="- name: classification          # PyTorch"),
    C("gpu-fraction", _gpu("0.25"), "accelerators: 0.25", "endpoints[0].components[0].accelerators", "fractional-accelerator",
      "GPU partitioning, which needs instance types and a serving stack that support it"),
    C("gpu-one-and-a-half", _gpu("1.5"), "accelerators: 1.5", "endpoints[0].components[0].accelerators", "fractional-accelerator",
      "such as ml.g4dn.12xlarge (4 × NVIDIA T4)"),
    C("gpu-zero", _gpu("0"), "accelerators: 0", "endpoints[0].components[0].accelerators", "component-accelerators", "leaves accelerators out"),
    C("gpu-words", _gpu("one"), "accelerators: one", "endpoints[0].components[0].accelerators", "component-accelerators", "a whole number of accelerator devices"),
    C("gpu-too-many", _gpu("2"), "accelerators: 2", "endpoints[0].components[0].accelerators", "component-too-large", "one ml.g4dn.xlarge has 1 GPU"),
    C("gpu-on-cpu-fleet", (("instance_type: ml.g4dn.xlarge", "instance_type: ml.m5.xlarge"),), "accelerators: 1", "endpoints[0].components[0].accelerators",
      "component-too-large", "one ml.m5.xlarge has no accelerators", after="- name: classification          # PyTorch"),
    C("share-on-cpu-fleet", (("instance_type: ml.g4dn.xlarge", "instance_type: ml.m5.xlarge"), *_gpu("0.5")), "accelerators: 0.5",
      "endpoints[0].components[0].accelerators", "fractional-accelerator", "ml.m5.xlarge has no accelerators at all"),
    C("memory-too-large", (("min_memory_mb: 8192", "min_memory_mb: 20480"), ("max_memory_mb: 12288", "max_memory_mb: 24576")), "min_memory_mb: 20480",
      "endpoints[0].components[1].min_memory_mb", "component-too-large", "a copy reserves 20480 MiB and each copy runs on one instance; one ml.g4dn.xlarge has 16384 MiB"),
    C("cores-too-many", ((DETECTION_GPU, "        cpu_cores: 6\n        accelerators: 1\n"),), "cpu_cores: 6", "endpoints[0].components[1].cpu_cores",
      "component-too-large", "4 vCPUs"),
    C("memory-below-api-minimum", (("min_memory_mb: 4096", "min_memory_mb: 64"),), "min_memory_mb: 64", "endpoints[0].components[0].min_memory_mb",
      "greater-than-equal", "must be at least 128"),
    C("cores-below-api-minimum", (("cpu_cores: 1\n", "cpu_cores: 0.1\n"),), "cpu_cores: 0.1", "endpoints[0].components[0].cpu_cores", "greater-than-equal",
      "must be at least 0.25"),
    C("max-memory-below-min", (("max_memory_mb: 12288", "max_memory_mb: 4096"),), "max_memory_mb: 4096", "endpoints[0].components[1].max_memory_mb",
      "component-memory-range", "below min_memory_mb 8192"),
    C("initial-copies-do-not-fit", (("instance_count: 2", "instance_count: 1"), ("scaling: {min: 2, max: 20}", "scaling: {min: 1, max: 20}")),
      "instance_count: 1", "endpoints[0].fleet.instance_count", "fleet-capacity", "They need 2 instances: raise instance_count to 2"),
    C("max-copies-do-not-fit", (("scaling: {min: 2, max: 20}", "scaling: {min: 2, max: 12}"),), "scaling: {min: 2, max: 12}", "endpoints[0].fleet.scaling.max",
      "fleet-capacity", "need 20 × ml.g4dn.xlarge"),
    C("max-copies-without-scaling", (("      scaling: {min: 2, max: 20}\n", ""),), "instance_count: 2", "endpoints[0].fleet.instance_count", "fleet-capacity",
      "Add scaling: {min: 2, max: 20} to the fleet"),
    C("fleet-range", (("scaling: {min: 2, max: 20}", "scaling: {min: 3, max: 20}"),), "instance_count: 2", "endpoints[0].fleet.instance_count",
      "fleet-scaling-range", "within scaling min 3 and max 20"),
    C("fleet-min-above-max", (("scaling: {min: 2, max: 20}", "scaling: {min: 21, max: 20}"),), "scaling: {min: 21", "endpoints[0].fleet.scaling.min",
      "fleet-scaling-range", "min 21 exceeds max 20"),
    C("copies-outside-scaling", (("copies: 1\n        autoscaling: {min: 1, max: 10, target_invocations: 1000, scale_in_cooldown: 300, scale_out_cooldown: 60}\n      - name: object",
                                  "copies: 11\n        autoscaling: {min: 1, max: 10, target_invocations: 1000, scale_in_cooldown: 300, scale_out_cooldown: 60}\n      - name: object"),),
      "copies: 11", "endpoints[0].components[0].copies", "copy-scaling-range", "within autoscaling min 1 and max 10"),
    C("copy-min-above-max", (("autoscaling: {min: 1, max: 10, target_invocations: 1000, scale_in_cooldown: 300, scale_out_cooldown: 60}\n      - name: object",
                              "autoscaling: {min: 11, max: 10, target_invocations: 1000, scale_in_cooldown: 300, scale_out_cooldown: 60}\n      - name: object"),),
      "autoscaling: {min: 11", "endpoints[0].components[0].autoscaling.min", "copy-scaling-range", "min 11 exceeds max 10"),
    C("unknown-instance-type", (("instance_type: ml.g4dn.xlarge", "instance_type: ml.g4dn.xlarg"),), "instance_type: ml.g4dn.xlarg",
      "endpoints[0].fleet.instance_type", "unknown-instance-type", "did you mean \"ml.g4dn.xlarge\""),
    C("duplicate-component", (("name: object-detection", "name: classification"),), "- name: classification        # TensorRT", "endpoints[0].components[1].name",
      "duplicate-component-name", "first as components[0]", after="model: classification@2.1.0"),
    C("long-component-name", (("  - name: vision\n", "  - name: vision-endpoint-for-cameras\n"), ("name: object-detection", "name: object-detection-large-model")),
      "name: object-detection-large", "endpoints[0].components[1].name", "component-name-too-long",
      'the inference component name "vision-prod-vision-endpoint-for-cameras-object-detection-large-model" is 68 characters; AWS allows 63'),
    C("unknown-model", (("model: detection@3.0.0", "model: detection@3.0.1"),), "model: detection@3.0.1", "endpoints[0].components[1].model", "unknown-model-version",
      "listed: classification@2.1.0, detection@3.0.0"),
    C("deprecated-model", (("        status: production\n        image: 123456789012", "        status: deprecated\n        image: 123456789012"),), "model: detection@3.0.0",
      "endpoints[0].components[1].model", "deprecated-model-deployed"),
    C("missing-fleet", (("    fleet:\n      instance_type: ml.g4dn.xlarge     # 4 vCPU, 16 GiB, 1 NVIDIA T4\n      instance_count: 2\n", "    flet:\n      instance_type: ml.g4dn.xlarge\n      instance_count: 2\n"),),
      "flet:", "endpoints[0].flet", "unknown-key", 'did you mean "fleet"?'),
    C("unknown-component-key", (("min_memory_mb: 4096", "min_memory_mb: 4096\n        memory: 4096"),), "memory: 4096", "endpoints[0].components[0].memory",
      "unknown-key", 'did you mean "min_memory_mb"?'),
    C("routing-typo", (("routing: LEAST_OUTSTANDING_REQUESTS", "routing: LEAST_OUTSTANDING"),), "routing:", "endpoints[0].fleet.routing", "literal-error",
      "LEAST_OUTSTANDING_REQUESTS, RANDOM"),
    C("kind-typo", (("kind: components", "kind: component"),), "kind: component", "endpoints[0].kind", "literal-error", 'did you mean "components"?'),
    # A variant "b-classification" of endpoint "vision-a" and component "classification" of endpoint
    # "vision-a-b"... here: realtime endpoint "vision" variant "x-classification" versus components
    # endpoint "vision-x", both serving 2.1.0: one SageMaker model name.
    C("model-name-collision", (("endpoints:\n", "endpoints:\n  - name: vision\n    variants:\n      - {name: x-classification, model: classification@2.1.0, instance_type: ml.m5.xlarge, instance_count: 1}\n"),
                               ("  - name: vision\n    kind: components", "  - name: vision-x\n    kind: components")),
      "- name: classification          # PyTorch", "endpoints[1].components[0].name", "name-collision", 'component "classification" of endpoint "vision-x" collides with variant "x-classification" of endpoint "vision"'),
    C("route-to-components", (("endpoints:\n", "api:\n  domain: ml.acme-corp.com\n  hosted_zone: acme-corp.com\n\nroutes:\n  - path: /predict/image\n    preprocessor: image\n    endpoint: vision\n\npreprocessing: {}\n\nendpoints:\n"),),
      "endpoint: vision", "routes[0].endpoint", "route-components-endpoint", "each call names a component"),
]

ALARMS = "    alarms:\n      latency_p99_ms: 250\n      error_rate_percent: 2\n"

# Alarms and rolling deployment (examples/inference-components.yaml: step_percent 50, waits 600 s, 1 copy each).
CASES += [
    C("alarm-drift-on-components", ((ALARMS, ALARMS + "      drift_threshold: 0.2\n      drift_features: [age]\n"),), "drift_features: [age]",
      "endpoints[0].alarms.drift_features", "component-alarm-drift", "leave drift_threshold and drift_features out"),
    C("alarm-never-fires-on-components", (("      error_rate_percent: 2\n", "      error_rate_percent: 100\n"),), "error_rate_percent: 100",
      "endpoints[0].alarms.error_rate_percent", "alarm-never-fires", "could never fire"),
    C("rollout-two-steps", (("      step_percent: 50\n", "      step_copies: 1\n      step_percent: 50\n"),), "step_percent: 50", "endpoints[0].deployment.step_percent",
      "component-rollout-step", "give step_copies or step_percent, one of them"),
    C("rollout-no-step", (("      step_percent: 50\n", ""),), "    deployment:", "endpoints[0].deployment", "component-rollout-step", "MaximumBatchSize, required"),
    C("rollout-two-rollback-steps", (("      rollback_step_copies: 1\n", "      rollback_step_copies: 1\n      rollback_step_percent: 100\n"),), "rollback_step_percent: 100",
      "endpoints[0].deployment.rollback_step_percent", "component-rollout-step", "not both"),
    C("rollout-percent-too-large", (("      step_percent: 50\n", "      step_percent: 60\n"),), "step_percent: 60", "endpoints[0].deployment.step_percent",
      "component-rollout-step-size", "use a step_percent from 5 to 50"),
    C("rollout-copies-of-one-copy", (("      step_percent: 50\n", "      step_copies: 1\n"),), "      step_copies: 1", "endpoints[0].deployment.step_copies",
      "component-rollout-step-size", 'a step of 1 copy is 100 % of component "classification" (1 copy); SageMaker moves 5 % to 50 % of a component\'s copies per step: no whole number'),
    C("rollout-copies-too-many", (("      step_percent: 50\n", "      step_copies: 5\n"), ("        copies: 1\n        autoscaling: {min: 1, max: 10, target_invocations: 1000, scale_in_cooldown: 300, scale_out_cooldown: 60}\n      - name: object-detection",
                                                                                        "        copies: 8\n        autoscaling: {min: 1, max: 10, target_invocations: 1000, scale_in_cooldown: 300, scale_out_cooldown: 60}\n      - name: object-detection"),
                                  ("instance_count: 2\n", "instance_count: 9\n"), ("scaling: {min: 2, max: 20}", "scaling: {min: 9, max: 20}")),
      "step_copies: 5", "endpoints[0].deployment.step_copies", "component-rollout-step-size", "use step_copies from 1 to 4"),
    C("rollout-timeout-before-bake", (("      max_execution_timeout_seconds: 3600\n", "      max_execution_timeout_seconds: 600\n"),), "max_execution_timeout_seconds: 600",
      "endpoints[0].deployment.max_execution_timeout_seconds", "component-rollout-timeout", "above wait_seconds"),
    # Different models (no model name in common), but alarm names: "vision-prod-vision-x-classification-5xx-rate".
    C("alarm-name-collision", (("endpoints:\n", "endpoints:\n  - name: vision\n    variants:\n      - {name: x-classification, model: detection@3.0.0, instance_type: ml.m5.xlarge, instance_count: 1}\n"
                                                "    alarms: {latency_p99_ms: 250, error_rate_percent: 2}\n"),
                               ("  - name: vision\n    kind: components", "  - name: vision-x\n    kind: components")),
      "- name: classification          # PyTorch", "endpoints[1].components[0].name", "name-collision", "the CloudWatch alarm vision-prod-vision-x-classification-latency-p99"),
    C("rollback-without-alarms", ((ALARMS, ""),), "    deployment:", "endpoints[0].deployment.rollback_on_alarms", "rollback-needs-alarms", "components' alarms"),
]

#: Rule codes of the inference_components rules (and rules.py's route-components-endpoint) that the cases above cover.
COVERED = {c.code for c in CASES}


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
@pytest.mark.parametrize("command", ["validate", "render"])
def test_invalid_components(case: C, command: str, workdir: Path) -> None:
    run, text, before = run_edited(BASE, case.edits, command, workdir)
    assert_no_traceback(run)
    assert run.exit_code == 2, run.everything
    assert_error_line(run, CONFIG_NAME, line_of(text, case.anchor, case.after), case.path, case.code, case.message)
    assert snapshot(workdir) == before  # nothing written


def test_every_components_rule_code_has_a_case() -> None:
    import mlinfra.components.inference_components.rules as mod

    codes = set(re.findall(r'"([a-z]+(?:-[a-z]+)+)",?\s*\)', Path(mod.__file__).read_text()))
    assert codes and not codes - COVERED, sorted(codes - COVERED)


def test_validate_prints_the_packing(workdir: Path) -> None:
    (workdir / CONFIG_NAME).write_text(BASE)
    run = cli("validate", CONFIG_NAME)
    assert run.exit_code == 0, run.everything
    lines = run.stdout.splitlines()
    assert lines[0].endswith("1 endpoint, 2 inference components")
    assert lines[1:] == [
        'endpoint "vision": fleet of ml.g4dn.xlarge (4 vCPU, 16 GiB, 1 × NVIDIA T4 (16 GiB))',
        "  initial: 2 copies on 2 of 2 instances, fits",
        "    1 × instance: object-detection ×1 (memory 8192 of 16384 MiB, cores 2 of 4, GPUs 1 of 1)",
        "    1 × instance: classification ×1 (memory 4096 of 16384 MiB, cores 1 of 4, GPUs 1 of 1)",
        "  at max: 20 copies on 20 of 20 instances, fits",
        "    10 × instance: object-detection ×1 (memory 8192 of 16384 MiB, cores 2 of 4, GPUs 1 of 1)",
        "    10 × instance: classification ×1 (memory 4096 of 16384 MiB, cores 1 of 4, GPUs 1 of 1)",
    ]


def test_validate_packs_cpu_copies_several_per_instance(workdir: Path) -> None:
    """Without accelerators, copies share an instance until its memory or cores run out."""
    text = BASE.replace("instance_type: ml.g4dn.xlarge", "instance_type: ml.m5.2xlarge").replace("        accelerators: 1\n", "")
    (workdir / CONFIG_NAME).write_text(text)
    run = cli("validate", CONFIG_NAME)
    assert run.exit_code == 0, run.everything
    # 10 detection copies (8 GiB, 2 cores) and 10 classification copies (4 GiB, 1 core) on 32 GiB / 8 vCPU:
    # 120 GiB in all, so 4 instances at least, and the packing finds 4.
    assert "  initial: 2 copies on 1 of 2 instances, fits" in run.stdout
    assert "  at max: 20 copies on 4 of 20 instances, fits" in run.stdout
    assert "    2 × instance: object-detection ×4 (memory 32768 of 32768 MiB, cores 8 of 8)" in run.stdout
    assert "    1 × instance: classification ×6 (memory 24576 of 32768 MiB, cores 6 of 8)" in run.stdout
    assert "GPUs" not in run.stdout


# --- the packing itself ---------------------------------------------------------------------------------


def test_table_covers_the_common_families() -> None:
    table = instance_types()
    for family in ("m5", "c5", "r5", "g4dn", "g5", "g6", "p3", "inf2"):
        assert any(name.startswith(f"ml.{family}.") for name in table), family
    g4dn = table["ml.g4dn.xlarge"]
    assert (g4dn.vcpu, g4dn.memory_mb, g4dn.accelerators, g4dn.accelerator_memory_gib) == (4, 16384, 1, 16)
    assert table["ml.g5.12xlarge"].accelerators == 4 and table["ml.p3.2xlarge"].memory_mb == 61 * 1024


def test_packing_is_per_instance_not_a_sum() -> None:
    """Two 10 GiB copies on two 16 GiB instances fit (one each); three do not, though 30 GiB < 32 GiB."""
    t = instance_types()["ml.m5.xlarge"]
    big = Copy("big", 10 * 1024, Fraction(1), 0)
    assert pack(t, [(big, 2)], 2).fits
    three = pack(t, [(big, 3)], 2)
    assert not three.fits and three.unplaced == (("big", 1),)
    assert [i.memory_mb for i in three.instances] == [10240, 10240]


def test_packing_fills_gaps_largest_first() -> None:
    """A 12 GiB copy and four 4 GiB copies: 12+4 on one instance, 4+4+4 on the other."""
    t = instance_types()["ml.m5.xlarge"]
    p = pack(t, [(Copy("small", 4096, Fraction(0), 0), 4), (Copy("large", 12288, Fraction(0), 0), 1)], 2)
    assert p.fits
    assert [i.copies for i in p.instances] == [(("small", 1), ("large", 1)), (("small", 3),)]


def test_packing_counts_accelerators_and_fractional_cores() -> None:
    t = instance_types()["ml.g5.12xlarge"]  # 48 vCPU, 4 GPUs
    p = pack(t, [(Copy("llm", 8192, Fraction("0.5"), 2), 3)], 1)
    assert not p.fits and p.instances[0].accelerators == 4 and p.instances[0].cores == 1


def test_validate_and_render_of_components_never_import_boto3(tmp_path: Path) -> None:
    from tests.test_cli import _imports

    example = REPO / "examples" / "inference-components.yaml"
    for args in (["validate", str(example)], ["render", str(example), "-o", str(tmp_path / "o")]):
        code, modules = _imports(*args, cwd=tmp_path)
        assert code == 0 and "mlinfra.fleet.capacity" in modules, args
        assert not {m for m in modules if m.split(".")[0] in ("boto3", "botocore")}, args
