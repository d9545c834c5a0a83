"""One ``validate`` run reports every problem (shapes and rules together), instance types come from
SageMaker's own lists, images must be in the platform's Region, and relative weights are spelled out."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from mlinfra.instance_types import HOSTING, PROCESSING, TRANSFORM, closest
from mlinfra.pipeline import load_config
from tests.support.configs import edit, edited, refused, write_config
from tests.test_config_invalid import BASE

REPO = Path(__file__).resolve().parents[1]


def _problems(config: Path) -> list[tuple[str, str]]:
    return [(p.path, p.code) for p in refused(config).problems]


def test_four_mistakes_are_reported_in_one_run(tmp_path: Path) -> None:
    text = edit(
        BASE,
        ("region: us-east-1", "region: us-east1"),  # a rule's (regions)
        ("instance_type: ml.g4dn.xlarge", "instance_type: ml.g4dn.xlrage"),  # a rule's (instance types)
        ("weight: 80", "weight: -5"),  # pydantic's (a range)
        ("instance_count: 4", "instance_cout: 4"),  # pydantic's (an unknown key)
    )
    found = _problems(write_config(tmp_path, text))
    assert ("endpoints[0].variants[0].weight", "greater-than-equal") in found
    assert ("endpoints[0].variants[1].instance_cout", "unknown-key") in found
    assert ("project.region", "unknown-region") in found
    assert ("endpoints[0].variants[0].instance_type", "unknown-instance-type") in found
    # Setting the misspelt key aside leaves instance_count missing: that consequence is not reported again.
    assert not any(path == "endpoints[0].variants[1].instance_count" for path, _ in found)


def test_a_missing_required_field_still_reports_pydantics_problems_only(tmp_path: Path) -> None:
    text = edit(BASE, ("    image: 123456789012.dkr.ecr.us-east-1.amazonaws.com/ml-inference:1.0.0\n", ""), ("region: us-east-1", "region: us-east1"))
    assert _problems(write_config(tmp_path, text)) == [("models[0].image", "missing-field")]


def test_bundled_instance_types_match_the_installed_botocore() -> None:
    proc = subprocess.run([sys.executable, str(REPO / "tools" / "instance_types.py"), "--check"], check=False, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert "ml.g4dn.xlarge" in HOSTING and "ml.m5.xlarge" in TRANSFORM and "ml.m5.xlarge" in PROCESSING
    assert closest("ml.c5.xlrage", HOSTING) == "ml.c5.xlarge" and closest("ml.zz9.huge", HOSTING) is None


def test_a_misspelt_variant_instance_type_gets_the_nearest(tmp_path: Path) -> None:
    problem = refused(write_config(tmp_path, edit(BASE, ("ml.g4dn.2xlarge", "ml.g4dn.2xlrage")))).problems
    assert [(p.path, p.code) for p in problem] == [("endpoints[0].variants[1].instance_type", "unknown-instance-type")]
    assert problem[0].line == 40 and 'did you mean "ml.g4dn.2xlarge"?' in problem[0].message


def test_instance_types_with_a_dash_in_the_family_are_taken(tmp_path: Path) -> None:
    assert "ml.p6-b200.48xlarge" in HOSTING
    config = load_config(write_config(tmp_path, edit(BASE, ("ml.g4dn.2xlarge", "ml.p6-b200.48xlarge"))))
    assert config.endpoints[0].variants[1].instance_type == "ml.p6-b200.48xlarge"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("example", "old", "new", "path", "api"),
    [
        ("batch.yaml", "  instance_type: ml.m5.xlarge", "  instance_type: ml.m5.xlarg", "batch.instance_type", "batch transform jobs"),
        # ml.t3.medium hosts endpoints but runs no transform job: each API's own list applies.
        ("batch.yaml", "  instance_type: ml.m5.xlarge", "  instance_type: ml.t3.medium", "batch.instance_type", "batch transform jobs"),
        ("monitoring.yaml", "      instance_type: ml.m5.xlarge      #", "      instance_type: ml.m5.xlarg      #", "monitoring.endpoints[0].instance_type", "Model Monitor jobs"),
    ],
)
def test_jobs_instance_types_are_checked_against_their_api(tmp_path: Path, example: str, old: str, new: str, path: str, api: str) -> None:
    problems = refused(edited(example, tmp_path, (old, new))).problems
    assert [(p.path, p.code) for p in problems] == [(path, "unknown-instance-type")]
    assert f"offers for {api}" in problems[0].message


def test_an_image_in_another_region_is_refused_with_why(tmp_path: Path) -> None:
    text = edit(BASE, ("dkr.ecr.us-east-1.amazonaws.com/ml-inference:1.2.0", "dkr.ecr.eu-west-1.amazonaws.com/ml-inference:1.2.0"))
    problems = refused(write_config(tmp_path, text)).problems
    assert [(p.path, p.code) for p in problems] == [("models[2].image", "image-region")]
    assert "only from ECR in the model's own Region" in problems[0].message and "dkr.ecr.us-east-1" in problems[0].message


def test_relative_weights_are_spelled_out(tmp_path: Path) -> None:
    config = write_config(tmp_path, edit(BASE, ("weight: 20", "weight: 30")))
    run = subprocess.run([sys.executable, "-m", "mlinfra", "validate", str(config)], capture_output=True, text=True, check=False)
    assert run.returncode == 0, run.stderr
    assert "note: endpoint inference: the weights sum to 110, not 100; they are relative, so traffic splits production 72.7 %, canary 27.3 %" in run.stdout
    run = subprocess.run([sys.executable, "-m", "mlinfra", "validate", "--json", str(config)], capture_output=True, text=True, check=False)
    assert json.loads(run.stdout)["notes"][1:] == [
        "endpoint inference: the weights sum to 110, not 100; they are relative, so traffic splits production 72.7 %, canary 27.3 %"
    ]
    plain = write_config(tmp_path / "plain", BASE)
    run = subprocess.run([sys.executable, "-m", "mlinfra", "validate", str(plain)], capture_output=True, text=True, check=False)
    assert run.returncode == 0 and "note: endpoint" not in run.stdout  # (the one-model form's note is there)
