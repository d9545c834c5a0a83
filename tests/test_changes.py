"""`render` and `deploy` say what changed since the last render (or apply) in the operator's terms: new
endpoint configurations and their rollout, new and removed models, routes, monitors (mlinfra.changes)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mlinfra.changes import DESCRIPTION, Change, compare, loads
from mlinfra.cli import app
from tests.support.configs import edit, edited, example, write_config

runner = CliRunner()

NEW_CANARY_MODEL = ("model: 1.2.0\n        instance_type: ml.g4dn.xlarge\n        instance_count: 2", "model: 2.0.0\n        instance_type: ml.g4dn.xlarge\n        instance_count: 2")
TAGS_ONLY = ("tags: {service: inference, cost-center: ml-realtime}", "tags: {service: inference, cost-center: ml-other}")
BAKE = ("wait_seconds: 300", "wait_seconds: 600")
NO_TEXT_ROUTE = (
    "  - path: /predict/text\n    preprocessor: text         # tokenize\n    endpoint: inference\n    variant: production        # always the stable model\n    schema: schemas/text.json\n",
    "",
)
NO_BIAS = (
    "      bias:\n        ground_truth: s3://acme-ml-monitoring/ground-truth/\n        label: label\n        label_values: [1]\n        facets:\n          - {name: age, values: [40]}\n",
    "",
)


def render(config: Path, out: Path, *args: str) -> list[str]:
    result = runner.invoke(app, ["render", str(config), "-o", str(out), *args])
    assert result.exit_code == 0, result.output
    return [line.strip() for line in result.output.splitlines()[1:]]


@pytest.fixture
def platform(tmp_path: Path):
    """Render examples/platform.yaml into out, then return a function that renders it with edits."""
    out = tmp_path / "out"
    config = edited("platform", tmp_path / "cfg")
    assert render(config, out) == ["first render"]

    def again(*edits) -> list[str]:
        write_config(config.parent, edit(example("platform"), *edits))
        return render(config, out)

    return again


def test_identical_render_changes_nothing_that_runs(platform) -> None:
    assert platform() == ["no change to what runs"]


def test_a_new_model_version_on_a_variant_is_a_blue_green_rollout(platform) -> None:
    assert platform(NEW_CANARY_MODEL) == [
        "endpoint inference: new endpoint configuration (variant canary: model 1.2.0 → 2.0.0) → blue/green rollout, "
        "canary 1 instance, bake 300 s, rolls back on 4 alarms",
        "model 1.2.0: removed",
        "model 2.0.0: new",
    ]


def test_tags_only_change_no_new_configuration(platform) -> None:
    # Tags are not part of the content hash: the configuration's name stays, Terraform updates tags in place.
    assert platform(TAGS_ONLY) == ["endpoint inference: tags changed (updated in place, no rollout)"]


def test_bake_change_is_the_next_rollouts(platform) -> None:
    assert platform(BAKE) == [
        "endpoint inference: deployment bake 300 s → 600 s (same configuration: no rollout now, the next one follows it)"
    ]


def test_removed_route_and_monitor(platform) -> None:
    assert platform(NO_TEXT_ROUTE, NO_BIAS) == ["route /predict/text: removed", "monitor bias on inference: removed"]


def test_monitor_schedule_change(platform) -> None:
    daily = (
        "          constraints: s3://acme-ml-monitoring/baseline/constraints.json\n",
        "          constraints: s3://acme-ml-monitoring/baseline/constraints.json\n        schedule: cron(0 3 ? * * *)\n",
    )
    assert platform(daily) == ["monitor data_quality on inference: schedule hourly → daily at 03:00 UTC"]


def test_added_route_then_edits_accumulate_against_the_last_render(platform) -> None:
    assert platform(NO_TEXT_ROUTE) == ["route /predict/text: removed"]
    assert platform() == ["route /predict/text: new"]  # back to the example: against the render before it
    assert platform(NEW_CANARY_MODEL, BAKE)[0] == (
        "endpoint inference: new endpoint configuration (variant canary: model 1.2.0 → 2.0.0) → blue/green rollout, "
        "canary 1 instance, bake 600 s, rolls back on 4 alarms"
    )


def test_check_writes_nothing_and_reports_the_description(tmp_path: Path) -> None:
    config = edited("platform", tmp_path / "cfg")
    out = tmp_path / "out"
    render(config, out)
    description = (out / DESCRIPTION).read_text()
    assert DESCRIPTION in (out / ".mlinfra-files").read_text()  # listed in the record: render owns it
    write_config(config.parent, edit(example("platform"), NEW_CANARY_MODEL))
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    result = runner.invoke(app, ["render", str(config), "-o", str(out), "--check"])
    assert result.exit_code == 1
    assert f"differs: {out / DESCRIPTION}" in result.output
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before
    assert (out / DESCRIPTION).read_text() == description


def test_description_is_deterministic_and_from_the_plan(tmp_path: Path) -> None:
    config = edited("platform", tmp_path / "cfg")
    render(config, tmp_path / "a")
    render(config, tmp_path / "b")
    text = (tmp_path / "a" / DESCRIPTION).read_text()
    assert text == (tmp_path / "b" / DESCRIPTION).read_text()
    d = json.loads(text)
    main_tf = (tmp_path / "a" / "main.tf").read_text() + "".join(p.read_text() for p in (tmp_path / "a" / "modules").rglob("*.tf"))
    # The names are those Terraform gets: the configuration's and the models' content-hashed names.
    assert d["endpoints"]["inference"]["configuration"] in main_tf
    assert all(name in main_tf for names in d["models"].values() for name in names)


def test_unreadable_or_older_description_is_a_first_render() -> None:
    assert loads("not json") is None and loads('{"format": 0}') is None
    assert compare(None, {"endpoints": {}}) == [Change("first", "", "first render")]


# --- deploy ---------------------------------------------------------------------------------------------


class RecordingTerraform:
    """The subprocess runner of ops.terraform: plans one change, and notes what the CLI had printed when
    apply ran."""

    def __init__(self, echo, changes: bool = True):
        self.echo, self.changes = echo, changes
        self.calls: list[str] = []

    def __call__(self, argv, cwd, capture):
        self.calls.append(argv[1])
        if argv[1] == "show":
            change = {"type": "null_resource", "address": "x", "change": {"actions": ["update"], "before": {}, "after": {}}}
            return 0, json.dumps({"resource_changes": [change] if self.changes else []})
        if argv[1] == "output":
            return 0, "{}"
        if argv[1] == "apply":
            self.echo("<terraform apply>")
        return 0, ""


def test_deploy_prints_the_changes_before_apply_and_records_what_was_applied(aws, tmp_path: Path, monkeypatch) -> None:
    import typer

    from mlinfra.cli import common
    from mlinfra.ops.aws import Clients

    config = edited("platform", tmp_path / "cfg")
    out = tmp_path / "out"
    fake = RecordingTerraform(typer.echo)
    monkeypatch.setattr(common, "terraform_runner", lambda: fake)
    monkeypatch.setattr(common, "clients", lambda profile, region: Clients(factory=aws.client))

    def deploy() -> str:
        result = runner.invoke(app, ["deploy", str(config), "-o", str(out), "--auto-approve", "--terraform", sys.executable])
        assert result.exit_code == 0, result.output
        return result.output

    first = deploy()
    assert first.index("first render") < first.index("<terraform apply>")
    assert (out / ".mlinfra-applied.json").read_text() == (out / DESCRIPTION).read_text()

    # A render in between does not hide the rollout: deploy compares with what the last apply ran.
    write_config(config.parent, edit(example("platform"), NEW_CANARY_MODEL))
    render(config, out)
    second = deploy()
    line = "endpoint inference: new endpoint configuration (variant canary: model 1.2.0 → 2.0.0) → blue/green rollout"
    assert line in second and second.index(line) < second.index("<terraform apply>")
    assert "model 2.0.0: new" in second
    assert deploy().count("no change to what runs") == 1


def _render_twice(name: str, tmp_path: Path, *edits) -> list[str]:
    config = edited(name, tmp_path / "cfg")
    out = tmp_path / "out"
    assert render(config, out) == ["first render"]
    write_config(config.parent, edit(example(name), *edits), name=f"{name}.yaml")
    return render(config, out)


def test_serverless_environment_change_is_a_new_model_and_configuration(tmp_path: Path) -> None:
    lines = _render_twice("serverless", tmp_path, ("SAGEMAKER_PROGRAM: serve.py", "SAGEMAKER_PROGRAM: serve2.py"))
    assert lines == [
        "endpoint scoring: new endpoint configuration (variant main: model 3.4.1 rebuilt (image, data or environment)) "
        "→ blue/green rollout, all at once, bake 300 s, rolls back on 2 alarms",
        "model 3.4.1: new SageMaker model (its content-hashed name changed)",
    ]


def test_inference_component_model_change_is_a_rolling_update_of_its_copies(tmp_path: Path) -> None:
    lines = _render_twice(
        "inference-components",
        tmp_path,
        ("        model: detection@3.0.0", "        model: classification@2.1.0"),
    )
    assert lines == [
        "endpoint vision component object-detection: model 3.0.0 → 2.1.0 → rolling update, 50% of capacity at a time, "
        "bake 600 s, rolls back on 4 alarms",
        # Models are per component (its name is in the content hash): 2.1.0 gets a second SageMaker model.
        "model 2.1.0: one more SageMaker model",
        "model 3.0.0: removed",
    ]


def test_deploy_with_nothing_to_apply_records_what_runs(aws, tmp_path: Path, monkeypatch) -> None:
    """An empty plan says the state already runs the rendered platform (applied outside deploy, or before
    the record existed): the next deploy compares with it."""
    import typer

    from mlinfra.cli import common
    from mlinfra.ops.aws import Clients

    config = edited("platform", tmp_path / "cfg")
    out = tmp_path / "out"
    fake = RecordingTerraform(typer.echo, changes=False)
    monkeypatch.setattr(common, "terraform_runner", lambda: fake)
    monkeypatch.setattr(common, "clients", lambda profile, region: Clients(factory=aws.client))
    args = ["deploy", str(config), "-o", str(out), "--auto-approve", "--terraform", sys.executable, "--workspace", "staging"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "no changes" in result.output and "apply" not in fake.calls
    assert (out / ".mlinfra-applied.staging.json").read_text() == (out / DESCRIPTION).read_text()
    assert not (out / ".mlinfra-applied.json").exists()
