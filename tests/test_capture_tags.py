"""Data capture into a destination of the user's own (bucket, prefix, KMS key) on both endpoint kinds, and
tags per endpoint and per model version merged over the project's (#11): from the config to the module
calls, the modules, the execution role and the monitoring role, and the refusals with FILE:LINE."""

from __future__ import annotations

from pathlib import Path

import pytest

from mlinfra.pipeline import load_config, render_project
from tests.conftest import ROOT
from tests.support.configs import edit, edited, render, write_config
from tests.support.hcl_checks import load_tree
from tests.support.hcl_checks import module_call as call
from tests.test_config_invalid import BASE, first_problem
from tests.test_render import blocks, s

EXAMPLES = ROOT / "examples"
KEY = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
BASE_CAPTURE = "    data_capture:\n      sampling_percentage: 100\n      modes: [input, output]\n"


def _render(config: Path, out: Path) -> dict:
    return load_tree(render(config, out))


def _text(v: str) -> str:
    """A quoted literal's text, or a lone reference as python-hcl2 leaves it (``${module.kms.key_arn}``)."""
    return s(v) if v.startswith('"') else v


def _statements(tree: dict) -> dict[str, dict]:
    return {s(st["sid"]): st for st in call(tree, "sagemaker_role")["statements"]}


@pytest.fixture(scope="module")
def monitoring(tmp_path_factory: pytest.TempPathFactory) -> dict:
    return _render(EXAMPLES / "monitoring.yaml", tmp_path_factory.mktemp("monitoring") / "out")


@pytest.fixture(scope="module")
def components(tmp_path_factory: pytest.TempPathFactory) -> dict:
    return _render(EXAMPLES / "inference-components.yaml", tmp_path_factory.mktemp("components") / "out")


# --- a destination of the user's own ---------------------------------------------------------------------


def test_the_endpoint_captures_into_the_destination_with_its_key(monitoring: dict) -> None:
    capture = call(monitoring, "endpoint_churn")["data_capture"]
    # the trailing slash is dropped: SageMaker adds /<endpoint>/<variant>/yyyy/mm/dd/hh/ itself
    assert s(capture["destination_s3_uri"]) == "s3://acme-churn-capture/churn"
    assert s(capture["kms_key_id"]) == KEY
    body = blocks(monitoring["modules/endpoint"]["main.tf"], "resource")["aws_sagemaker_endpoint_configuration.this"]
    dynamic = {k.strip('"'): v for d in body["dynamic"] for k, v in d.items()}["data_capture_config"]
    assert dynamic["content"][0]["kms_key_id"] == "${capture.value.kms_key_id}"


def test_the_role_writes_exactly_the_prefix_and_uses_exactly_the_key(monitoring: dict) -> None:
    st = _statements(monitoring)
    assert [s(a) for a in st["WriteCaptureDestinations"]["actions"]] == ["s3:PutObject"]
    assert [s(r) for r in st["WriteCaptureDestinations"]["resources"]] == ["arn:${data.aws_partition.current.partition}:s3:::acme-churn-capture/churn/*"]
    assert [s(a) for a in st["UseCaptureKeys"]["actions"]] == ["kms:Encrypt", "kms:GenerateDataKey"]
    assert [s(r) for r in st["UseCaptureKeys"]["resources"]] == [KEY]
    # nothing on the platform's capture bucket: no endpoint captures into it
    assert "WriteDataCapture" not in st
    assert "capture_bucket" not in str(call(monitoring, "sagemaker_role"))


def test_model_monitor_keeps_the_bucket_for_its_reports_only(monitoring: dict) -> None:
    """The monitoring jobs read the capture where the endpoint writes it; the reports stay in mlinfra's bucket."""
    assert "capture_bucket" in {k.strip('"') for m in monitoring["."]["main.tf"]["module"] for k in m}
    assert _text(call(monitoring, "monitoring")["capture_bucket"]) == "${module.capture_bucket.bucket}"
    assert "capture_bucket" not in str(call(monitoring, "endpoint_churn"))
    readme = render_project(load_config(EXAMPLES / "monitoring.yaml"), EXAMPLES).files
    assert "The S3 bucket of Model Monitor's reports" in next(text for path, text in readme.items() if str(path) == "README.md")


def test_the_endpoint_tags_reach_its_monitoring_resources(monitoring: dict) -> None:
    resources = blocks(monitoring["modules/monitoring"]["main.tf"], "resource")
    args = call(monitoring, "monitoring")
    own = {"owner": "churn-platform", "service": "churn-scoring"}
    # The call's monitors and alarms carry the endpoint's tags; the job definitions, the schedules (from
    # their monitor's) and the alarms set them.
    for name, value in (("data_quality", args["data_quality"]["churn_data_quality"]), ("model_bias", args["model_bias"]["churn_bias"]), ("alarms", args["alarms"]["churn_accuracy"])):
        assert {k: s(v) for k, v in value["tags"].items()} == own, name
    for name in ("aws_sagemaker_data_quality_job_definition.this", "aws_sagemaker_monitoring_schedule.this", "aws_cloudwatch_metric_alarm.this"):
        assert resources[name]["tags"] == "${length(each.value.tags) > 0 ? each.value.tags : null}", name
    assert "tags = m.tags" in str(monitoring["modules/monitoring"]["main.tf"]["locals"])
    awscc = {s(t["key"]): s(t["value"]) for t in args["model_bias"]["churn_bias"]["awscc_tags"]}
    assert awscc["owner"] == "churn-platform" and awscc["team"] == "ml-platform" and awscc["ManagedBy"] == "mlinfra"


def test_no_capture_bucket_when_nothing_captures_into_it(tmp_path: Path) -> None:
    config = write_config(tmp_path, edit(BASE, (BASE_CAPTURE, BASE_CAPTURE + "      destination: s3://acme-capture/realtime/\n")))
    tree = _render(config, tmp_path / "out")
    modules = {k.strip('"') for m in tree["."]["main.tf"]["module"] for k in m}
    assert "capture_bucket" not in modules and "modules/capture_bucket" not in tree
    capture = call(tree, "endpoint_inference")["data_capture"]
    # no key of its own: null, the bucket's default encryption applies (SSE-KMS with aws/s3 or the bucket's key)
    assert s(capture["destination_s3_uri"]) == "s3://acme-capture/realtime" and capture["kms_key_id"] is None
    st = _statements(tree)
    assert [s(r) for r in st["WriteCaptureDestinations"]["resources"]] == ["arn:${data.aws_partition.current.partition}:s3:::acme-capture/realtime/*"]
    assert "UseCaptureKeys" not in st and "WriteDataCapture" not in st


def test_a_destination_at_the_bucket_root(tmp_path: Path) -> None:
    config = write_config(tmp_path, edit(BASE, (BASE_CAPTURE, BASE_CAPTURE + "      destination: s3://acme-capture\n")))
    tree = _render(config, tmp_path / "out")
    assert s(call(tree, "endpoint_inference")["data_capture"]["destination_s3_uri"]) == "s3://acme-capture"
    assert [s(r) for r in _statements(tree)["WriteCaptureDestinations"]["resources"]] == ["arn:${data.aws_partition.current.partition}:s3:::acme-capture/*"]


def test_platform_bucket_capture_keeps_its_configuration_name(tmp_path: Path) -> None:
    """The new fields enter an endpoint configuration's content hash only when set: a configuration that
    captures into the platform bucket keeps its name (no new configuration, no redeployment)."""
    # The example as it was before this sitting's settings: its canary's inference AMI (a setting of the
    # production variant, rightly in the hash) taken out again; tags are in no hash.
    ami = "        inference_ami_version: al2-ami-sagemaker-inference-gpu-3-1   # NVIDIA driver 550, CUDA 12.4\n"
    example = edited("platform", tmp_path / "examples", (ami, ""))
    tree = _render(example, tmp_path / "out")
    # (90dc63f9 since the execution role's name, in the model hash, carries the region code: day 2, #21)
    assert s(call(tree, "endpoint_inference")["config_name"]) == "mlinfra-prod-inference-90dc63f9"
    capture = call(tree, "endpoint_inference")["data_capture"]
    assert s(capture["destination_s3_uri"]) == "s3://${module.capture_bucket.bucket}/inference"
    assert _text(capture["kms_key_id"]) == "${module.kms.key_arn}"
    # moving the capture to a destination of its own is a new configuration
    before = s(call(_render(write_config(tmp_path, edit(BASE, (BASE_CAPTURE, BASE_CAPTURE))), tmp_path / "before"), "endpoint_inference")["config_name"])
    after = s(call(_render(write_config(tmp_path, edit(BASE, (BASE_CAPTURE, BASE_CAPTURE + "      destination: s3://acme-capture/inference/\n"))), tmp_path / "after"), "endpoint_inference")["config_name"])
    assert before != after


# --- data capture on kind: components ----------------------------------------------------------------------


def test_components_capture_into_the_platform_bucket(components: dict) -> None:
    capture = call(components, "inference_components_vision")["data_capture"]
    assert capture["initial_sampling_percentage"] == 20
    assert s(capture["destination_s3_uri"]) == "s3://${module.capture_bucket.bucket}/vision"
    assert _text(capture["kms_key_id"]) == "${module.kms.key_arn}"
    assert [s(m) for m in capture["capture_modes"]] == ["Input", "Output"] and [s(t) for t in capture["json_content_types"]] == ["application/json"]
    body = blocks(components["modules/inference_components"]["main.tf"], "resource")["aws_sagemaker_endpoint_configuration.this"]
    dynamic = {k.strip('"'): v for d in body["dynamic"] for k, v in d.items()}["data_capture_config"]
    assert dynamic["for_each"] == "${var.data_capture == null ? [] : [var.data_capture]}"
    content = dynamic["content"][0]
    assert (content["destination_s3_uri"], content["kms_key_id"]) == ("${capture.value.destination_s3_uri}", "${capture.value.kms_key_id}")
    assert [s(r) for r in _statements(components)["WriteComponentDataCapture"]["resources"]] == ["${module.capture_bucket.arn}/vision/*"]
    assert "capture_bucket" in {k.strip('"') for m in components["."]["main.tf"]["module"] for k in m}


def test_components_capture_into_a_destination_of_their_own(tmp_path: Path) -> None:
    old = "json_content_types: [application/json]}"
    new = f"json_content_types: [application/json], destination: s3://acme-vision-capture/ic/, kms_key_arn: {KEY.replace('eu-west-1', 'us-east-1')}}}"
    config = edited("inference-components", tmp_path, (old, new), as_name="ic.yaml")
    tree = _render(config, tmp_path / "out")
    assert "modules/capture_bucket" not in tree
    capture = call(tree, "inference_components_vision")["data_capture"]
    assert (s(capture["destination_s3_uri"]), s(capture["kms_key_id"])) == ("s3://acme-vision-capture/ic", KEY.replace("eu-west-1", "us-east-1"))
    st = _statements(tree)
    assert [s(r) for r in st["WriteComponentCaptureDestinations"]["resources"]] == ["arn:${data.aws_partition.current.partition}:s3:::acme-vision-capture/ic/*"]
    assert [s(r) for r in st["UseComponentCaptureKeys"]["resources"]] == [KEY.replace("eu-west-1", "us-east-1")]


def test_components_without_capture_pass_null(tmp_path: Path) -> None:
    line = "    data_capture: {sampling_percentage: 20, modes: [input, output], json_content_types: [application/json]}\n"
    config = edited("inference-components", tmp_path, (line, ""), as_name="ic.yaml")
    tree = _render(config, tmp_path / "out")
    assert call(tree, "inference_components_vision")["data_capture"] is None and "modules/capture_bucket" not in tree
    # the configuration's name is what it was before data capture existed on components
    # (65d871db since the execution role's name, in the model hash, carries the region code: day 2, #21)
    assert s(call(tree, "inference_components_vision")["endpoint"]["config_name"]) == "vision-prod-vision-65d871db"


# --- tags ------------------------------------------------------------------------------------------------


def test_endpoint_and_model_tags_on_a_realtime_endpoint(tmp_path: Path) -> None:
    tree = _render(EXAMPLES / "platform.yaml", tmp_path / "out")
    c = call(tree, "endpoint_inference")
    # the endpoint's resources: its own tags (cost-center wins over the project's through the provider:
    # resource tags win over default_tags)
    assert {k: s(v) for k, v in c["tags"].items()} == {"cost-center": "ml-realtime", "service": "inference"}
    assert {k: s(v) for k, v in c["models"]["production"]["tags"].items()} == {
        "cost-center": "ml-realtime",
        "service": "inference",
        "ModelVersion": "1.1.0",
        "ModelStatus": "production",
        '"metric:accuracy"': "0.89",
    }
    assert s(c["models"]["canary"]["tags"]["experiment"]) == "calibrated-thresholds"
    resources = blocks(tree["modules/endpoint"]["main.tf"], "resource")
    tagged = {name: body.get("tags") for name, body in resources.items()}
    for name in ("aws_sagemaker_endpoint_configuration.this", "aws_sagemaker_endpoint.this", "aws_cloudwatch_metric_alarm.this", "aws_appautoscaling_target.this", "aws_sns_topic.this", "aws_cloudwatch_metric_alarm.backlog_without_capacity"):
        assert tagged[name] == "${var.tags}", name
    assert tagged["aws_sagemaker_model.this"] == "${each.value.tags}"
    # the serverless endpoint sets none: nothing beyond the provider's default_tags
    assert call(tree, "endpoint_serverless")["tags"] == {}


def test_a_key_at_three_levels_the_most_specific_wins(tmp_path: Path) -> None:
    text = edit(
        BASE,
        ("    model_data: s3://acme-ml-models/models/v1.2.0/model.tar.gz\n", "    model_data: s3://acme-ml-models/models/v1.2.0/model.tar.gz\n    tags: {team: model-team}\n"),
        ("    kind: realtime\n", "    kind: realtime\n    tags: {team: endpoint-team}\n"),
    )
    config = write_config(tmp_path, text)
    tree = _render(config, tmp_path / "out")
    c = call(tree, "endpoint_inference")
    assert s(c["tags"]["team"]) == "endpoint-team"  # over the project's team: ml-platform (default_tags)
    assert s(c["models"]["canary"]["tags"]["team"]) == "model-team"  # the version's own over the endpoint's
    assert s(c["models"]["production"]["tags"]["team"]) == "endpoint-team"
    assert s(tree["."]["providers.tf"]["provider"][0]['"aws"']["default_tags"][0]["tags"]["team"]) == "ml-platform"


def test_components_tags_project_then_endpoint_then_model(components: dict) -> None:
    c = call(components, "inference_components_vision")
    assert {k: s(v) for k, v in c["endpoint_tags"].items()} == {"owner": "vision-platform", "team": "vision"}
    assert s(c["tags"]["team"]) == "ml-platform"  # the project's, for awscc (written under the component's)
    classification = {k: s(v) for k, v in c["components"]["classification"]["tags"].items()}
    assert classification == {"framework": "pytorch", "owner": "vision-classification", "team": "vision", "Component": "classification", "ModelVersion": "2.1.0"}
    assert {k: s(v) for k, v in c["components"]["object_detection"]["tags"].items()}["owner"] == "vision-platform"
    assert s(c["models"]["classification"]["tags"]["owner"]) == "vision-classification"
    resources = blocks(components["modules/inference_components"]["main.tf"], "resource")
    for name in ("aws_sagemaker_endpoint_configuration.this", "aws_sagemaker_endpoint.this", "aws_appautoscaling_target.copies", "aws_cloudwatch_metric_alarm.from_zero"):
        assert resources[name]["tags"] == "${var.endpoint_tags}", name
    # awscc: merge(var.tags, each.value.tags): the component's map, later, wins a shared key
    assert "merge(var.tags, each.value.tags)" in resources["awscc_sagemaker_inference_component.this"]["tags"]


# --- refused, at the line --------------------------------------------------------------------------------

DEST = "      destination: s3://acme-capture/realtime/\n"


@pytest.mark.parametrize(
    ("old", "new", "anchor", "path", "code", "words"),
    [
        (BASE_CAPTURE, BASE_CAPTURE + DEST + "      prefix: realtime\n", "prefix: realtime", "endpoints[0].data_capture.prefix", "capture-destination-and-prefix", "destination: s3://acme-capture/realtime/realtime/"),
        (BASE_CAPTURE, BASE_CAPTURE + f"      kms_key_arn: {KEY}\n", "kms_key_arn:", "endpoints[0].data_capture.kms_key_arn", "capture-kms-key-without-destination", "add destination: s3://"),
        (BASE_CAPTURE, BASE_CAPTURE + "      destination: s3://acme-capture/" + "p" * 500 + "/\n", "destination:", "endpoints[0].data_capture.destination", "capture-destination-too-long", "at most 512"),
        (BASE_CAPTURE, BASE_CAPTURE + DEST + "      kms_key_arn: alias/capture\n", "kms_key_arn:", "endpoints[0].data_capture.kms_key_arn", "capture-kms-key-form", "alias/capture is an alias"),
        (BASE_CAPTURE, BASE_CAPTURE + DEST + "      kms_key_arn: 1234abcd-12ab-34cd-56ef-1234567890ab\n", "kms_key_arn:", "endpoints[0].data_capture.kms_key_arn", "capture-kms-key-form", "is a key ID"),
        (BASE_CAPTURE, BASE_CAPTURE + DEST + f"      kms_key_arn: {KEY}\n", "kms_key_arn:", "endpoints[0].data_capture.kms_key_arn", "capture-kms-key-region", "use a key in us-east-1"),
        (BASE_CAPTURE, BASE_CAPTURE + "      destination: s3://acme-ml-models/models/\n", "destination:", "endpoints[0].data_capture.destination", "capture-destination-overlap", "holds model 1.0.0's files"),
        ("    kind: realtime\n", "    kind: realtime\n    tags: {ModelVersion: v1}\n", "tags: {ModelVersion", "endpoints[0].tags.ModelVersion", "mlinfra-tag-key", "choose another key"),
        ("    kind: realtime\n", "    kind: realtime\n    tags: {aws:owner: me}\n", "tags: {aws:owner", "endpoints[0].tags.aws:owner", "reserved-tag-key", "aws: prefix is reserved"),
        (
            "    model_data: s3://acme-ml-models/models/v1.2.0/model.tar.gz\n",
            "    model_data: s3://acme-ml-models/models/v1.2.0/model.tar.gz\n    tags: {metric:accuracy: '0.9'}\n",
            "tags: {metric:accuracy",
            "models[2].tags.metric:accuracy",
            "mlinfra-tag-key",
            "list the metric under the model version's metrics",
        ),
        (
            "    kind: realtime\n",
            "    kind: realtime\n    tags: {" + ", ".join(f"t{i}: v" for i in range(47)) + "}\n",
            "tags: {t0",
            "endpoints[0].tags",
            "too-many-tags",
            "would carry 51 tags",
        ),
        (
            "    model_data: s3://acme-ml-models/models/v1.2.0/model.tar.gz\n",
            "    model_data: s3://acme-ml-models/models/v1.2.0/model.tar.gz\n    tags: {" + ", ".join(f"m{i}: v" for i in range(45)) + "}\n",
            "tags: {m0",
            "models[2].tags",
            "too-many-tags",
            "on endpoint inference would carry 51 tags",
        ),
    ],
    ids=["destination-and-prefix", "key-without-destination", "destination-too-long", "key-alias", "key-id", "key-region", "overlap", "mlinfra-key", "aws-prefix", "metric-key", "endpoint-too-many", "model-too-many"],
)
def test_refused_with_file_line_and_fix(old: str, new: str, anchor: str, path: str, code: str, words: str, tmp_path: Path) -> None:
    example = tmp_path / "src" / "platform.yaml"
    example.parent.mkdir()
    example.write_text(BASE)
    problem = first_problem(example, (old, new), anchor, path, tmp_path)
    assert problem.code == code and words in problem.message, problem.message


def test_components_capture_key_refused_at_its_line(tmp_path: Path) -> None:
    problem = first_problem(
        EXAMPLES / "inference-components.yaml",
        ("json_content_types: [application/json]}", "json_content_types: [application/json], destination: s3://b-capture/x/, kms_key_arn: alias/mine}"),
        "data_capture: {",
        "endpoints[0].data_capture.kms_key_arn",
        tmp_path,
    )
    assert problem.code == "capture-kms-key-form"


def test_the_cli_names_file_line_field_and_fix(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from mlinfra.cli import app

    config = write_config(tmp_path, edit(BASE, (BASE_CAPTURE, BASE_CAPTURE + DEST + "      kms_key_arn: alias/capture\n")))
    result = CliRunner().invoke(app, ["validate", str(config)])
    line = config.read_text().splitlines().index("      kms_key_arn: alias/capture") + 1
    assert result.exit_code == 2
    assert f"{config}:{line}: endpoints[0].data_capture.kms_key_arn: alias/capture is an alias" in " ".join(result.output.split())
    assert "[capture-kms-key-form]" in result.output


# --- as Terraform evaluates it -----------------------------------------------------------------------------


def _planned_resources(module: dict) -> list[dict]:
    out = list(module.get("resources", []))
    for child in module.get("child_modules", []):
        out += _planned_resources(child)
    return out


@pytest.mark.terraform
def test_terraform_merges_project_endpoint_and_model_tags(plan_cache: Path, standin_env: dict) -> None:
    """Terraform's own plan (stand-in provider): on aws resources the provider's default_tags (the
    project's) under the resource's tags; on awscc components merge(var.tags, each.value.tags). The model
    version's tags win over the endpoint's, the endpoint's over the project's."""
    from tests.support.terraform_cycle import example_plan

    plan = example_plan(EXAMPLES / "inference-components.yaml", plan_cache, standin_env).plan
    by = {r["address"]: r.get("values", {}) for r in _planned_resources(plan["planned_values"]["root_module"])}
    prefix = "module.inference_components_vision."
    model = by[prefix + 'aws_sagemaker_model.this["classification"]']["tags_all"]
    assert (model["owner"], model["team"], model["framework"], model["Project"]) == ("vision-classification", "vision", "pytorch", "vision")
    assert by[prefix + 'aws_sagemaker_model.this["object_detection"]']["tags_all"]["owner"] == "vision-platform"
    endpoint = by[prefix + "aws_sagemaker_endpoint.this"]["tags_all"]
    assert (endpoint["owner"], endpoint["team"], endpoint["ManagedBy"]) == ("vision-platform", "vision", "mlinfra")
    component = {t["key"]: t["value"] for t in by[prefix + 'awscc_sagemaker_inference_component.this["classification"]']["tags"]}
    assert component == {
        "Environment": "prod", "ManagedBy": "mlinfra", "Project": "vision",  # the project's (mlinfra's)
        "team": "vision",  # the endpoint's over the project's ml-platform
        "owner": "vision-classification", "framework": "pytorch",  # the model version's over the endpoint's
        "Component": "classification", "ModelVersion": "2.1.0",
    }
    capture = by[prefix + "aws_sagemaker_endpoint_configuration.this"]["data_capture_config"][0]
    assert capture["initial_sampling_percentage"] == 20 and [o["capture_mode"] for o in capture["capture_options"]] == ["Input", "Output"]

    plan = example_plan(EXAMPLES / "monitoring.yaml", plan_cache, standin_env).plan
    by = {r["address"]: r.get("values", {}) for r in _planned_resources(plan["planned_values"]["root_module"])}
    config = by["module.endpoint_churn.aws_sagemaker_endpoint_configuration.this"]
    assert config["data_capture_config"][0]["destination_s3_uri"] == "s3://acme-churn-capture/churn"
    assert config["data_capture_config"][0]["kms_key_id"] == KEY
    assert (config["tags_all"]["owner"], config["tags_all"]["team"]) == ("churn-platform", "ml-platform")
    assert by['module.endpoint_churn.aws_sagemaker_model.this["production"]']["tags_all"]["owner"] == "churn-science"


def test_the_batch_model_carries_the_versions_tags(tmp_path: Path) -> None:
    tree = _render(EXAMPLES / "batch.yaml", tmp_path / "out")
    model = blocks(tree["modules/batch"]["main.tf"], "resource")["aws_sagemaker_model.this"]
    assert model["tags"] == "${length(var.model.tags) > 0 ? var.model.tags : null}"
    assert {k: s(v) for k, v in call(tree, "batch")["model"]["tags"].items()} == {"model-family": "xgboost"}


def test_the_batch_models_tags_are_counted(tmp_path: Path) -> None:
    many = "{" + ", ".join(f"m{i}: v" for i in range(48)) + "}"
    problem = first_problem(EXAMPLES / "batch.yaml", ("tags: {model-family: xgboost}", f"tags: {many}"), "tags: {m0", "models[0].tags", tmp_path)
    assert problem.code == "too-many-tags" and "batch transform model would carry 51 tags" in problem.message


def test_a_destination_over_a_monitors_ground_truth_is_refused(tmp_path: Path) -> None:
    problem = first_problem(
        EXAMPLES / "monitoring.yaml",
        ("destination: s3://acme-churn-capture/churn/", "destination: s3://acme-churn-monitoring/"),
        "destination: s3://acme-churn-monitoring/",
        "endpoints[0].data_capture.destination",
        tmp_path,
    )
    assert problem.code == "capture-destination-overlap" and "data_quality monitor's baseline of endpoint churn" in problem.message


# An async endpoint without input_path (the receipts endpoint of examples/async.yaml) reads where the
# SageMaker Python SDK uploads; a destination elsewhere loads, one over that folder is refused.
RECEIPTS_VARIANT = "          target_backlog_per_instance: 2\n"


def test_a_destination_beside_an_async_endpoint_without_input_path_loads(tmp_path: Path) -> None:
    config = edited("async", tmp_path, (RECEIPTS_VARIANT, RECEIPTS_VARIANT + "    data_capture: {destination: s3://acme-docs-capture/receipts/}\n"))
    cfg = load_config(config)
    assert cfg.endpoints[1].data_capture.destination == "s3://acme-docs-capture/receipts/"


def test_a_destination_over_the_sdks_async_uploads_is_refused(tmp_path: Path) -> None:
    problem = first_problem(
        EXAMPLES / "async.yaml",
        (RECEIPTS_VARIANT, RECEIPTS_VARIANT + "    data_capture: {destination: s3://sagemaker-us-east-1-123456789012/}\n"),
        "data_capture: {destination",
        "endpoints[1].data_capture.destination",
        tmp_path,
    )
    assert problem.code == "capture-destination-overlap" and "asynchronous requests" in problem.message, problem.message
