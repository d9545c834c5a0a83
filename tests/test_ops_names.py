"""The names of immutable SageMaker objects as ops see them: the plan starts each name (a hash of what the
config decides), the module completes it with a hash of what only Terraform knows (the execution role's
ARN, subnets, security groups, KMS keys). ``status`` compares the live names (DescribeEndpoint,
DescribeInferenceComponent) with the plan's part, never with a name Python cannot know."""

from __future__ import annotations

from pathlib import Path

import pytest

from mlinfra.naming import MAX_PLANNED_NAME, hashed_name, planned_base, terraform_completes
from mlinfra.ops import components as ops_components
from mlinfra.ops.drift import differences
from mlinfra.ops.endpoint import Live
from mlinfra.pipeline import load_config
from mlinfra.plan.platform import build_plan
from tests.conftest import copy_examples
from tests.support.aws import deployed
from tests.support.configs import example, write_config


@pytest.mark.parametrize(
    ("live", "completes"),
    [
        ("ep-prod-inference-1a2b3c4d-0a1b2c3d", True),
        ("ep-prod-inference-1a2b3c4d", False),  # the plan's part alone: an earlier render's name
        ("ep-prod-inference-1a2b3c4d-0a1b2c3", False),  # 7 digits
        ("ep-prod-inference-1a2b3c4d-0a1b2c3d4", False),  # 9 digits
        ("ep-prod-inference-1a2b3c4d-x-0a1b2c3d", False),  # another name that starts with it
        ("ep-prod-inference-99999999-0a1b2c3d", False),  # another content
        ("ep-prod-inference-1a2b3c4d-0A1B2C3D", False),  # Terraform's sha1 is lower-case hex
    ],
)
def test_terraform_completes(live: str, completes: bool) -> None:
    assert terraform_completes("ep-prod-inference-1a2b3c4d", live) is completes


def test_planned_names_leave_room_for_the_terraform_hash() -> None:
    base = "p" * 20 + "-" + "e" * 10 + "-" + "endpoint-name-" * 4
    assert len(hashed_name(base, {"x": 1})) == MAX_PLANNED_NAME
    assert len(planned_base(base)) <= MAX_PLANNED_NAME and not planned_base("a" * 53 + "-b").endswith("-")


def _live(config_name: str) -> Live:
    return Live("mlinfra-prod-inference", "InService", config_name, {"production": 80.0, "canary": 20.0}, {}, {"production": 2, "canary": 2}, {})


def test_status_drift_reads_the_live_configuration_name(tmp_path: Path) -> None:
    """The configuration SageMaker runs is the config's when its name is the plan's part completed by a
    Terraform hash (whatever subnets or role ARN went into that); an endpoint on a configuration of
    other content, or on one named before the module completed names, is drift."""
    config = copy_examples(tmp_path)
    ep = build_plan(load_config(config), config.parent).endpoints[0]
    assert [str(d) for d in differences(ep, _live(deployed(ep.config_name)))] == []
    assert [str(d) for d in differences(ep, _live(deployed(ep.config_name, "ffffffff")))] == []
    for other in (ep.config_name, f"{ep.name}-0a1b2c3d-0a1b2c3d"):
        assert [str(d) for d in differences(ep, _live(other))] == [
            f"endpoint-config {ep.name}: config {ep.config_name}-*, live {other}"
        ]


def test_component_model_drift_reads_the_live_model_name(tmp_path: Path) -> None:
    config = write_config(tmp_path, example("inference-components"), "mlinfra.yaml")
    plan = build_plan(load_config(config), config.parent).parts["inference_components"].endpoints[0]
    live = Live(plan.name, "InService", deployed(plan.config_name), {"AllTraffic": 1.0}, {}, {"AllTraffic": plan.instance_count}, {})

    def component(c, model: str) -> ops_components.LiveComponent:
        return ops_components.LiveComponent(c.name, "InService", model, c.copies, c.copies)

    ours = [component(c, deployed(c.model.name)) for c in plan.components]
    assert [d for d in ops_components.differences(plan, live, ours) if d.what == "model"] == []
    first = plan.components[0]
    stale = [component(first, first.model.name), *ours[1:]]
    assert [str(d) for d in ops_components.differences(plan, live, stale) if d.what == "model"] == [
        f"model {first.name}: config {first.model.name}-*, live {first.model.name}"
    ]
