"""Models without an artifact (the image carries the model) and uncompressed artifacts (files under an S3
prefix), from the config to the module call, the endpoint module and the execution role (#11)."""

from __future__ import annotations

from pathlib import Path

import pytest

from mlinfra.pipeline import load_config
from tests.support.configs import EXAMPLE_DIR, edited, refused, render, render_edited
from tests.support.hcl_checks import load_tree
from tests.support.hcl_checks import module_call as _call
from tests.test_render import blocks, s

EXAMPLE = EXAMPLE_DIR / "model-sources.yaml"


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return render(EXAMPLE, tmp_path_factory.mktemp("sources") / "out")


# The example's variant endpoint and its components endpoint carry the same two forms (a model the image
# carries, uncompressed files under s3://acme-sentiment/models/1.1.0/): one set of checks for both modules.


def _assert_image_only_and_prefix(image_only: dict, prefix: dict) -> None:
    assert image_only["model_data_url"] is None and image_only["model_data_prefix"] is None
    assert prefix["model_data_url"] is None and s(prefix["model_data_prefix"]) == "s3://acme-sentiment/models/1.1.0/"


def _assert_model_data_source(main_tf: str) -> None:
    """The module's model passes model_data_url and, for a prefix, a ModelDataSource S3Prefix, uncompressed."""
    model = blocks(main_tf, "resource")["aws_sagemaker_model.this"]
    container = model["primary_container"][0]
    assert container["model_data_url"] == "${each.value.model_data_url}"
    source = {k.strip('"'): v for d in container["dynamic"] for k, v in d.items()}["model_data_source"]
    assert source["for_each"] == "${each.value.model_data_prefix == null ? [] : [each.value.model_data_prefix]}"
    s3 = source["content"][0]["s3_data_source"][0]
    assert (s3["s3_uri"], s(s3["s3_data_type"]), s(s3["compression_type"])) == ("${model_data_source.value}", "S3Prefix", "None")


def _assert_lists_and_reads_the_prefix(listing: dict, reading: dict) -> None:
    """ListBucket on the bucket under the prefix's condition, GetObject on exactly the prefix's objects."""
    assert [s(r) for r in listing["resources"]] == ["arn:${data.aws_partition.current.partition}:s3:::acme-sentiment"]
    assert [s(v) for v in listing["conditions"][0]["values"]] == ["models/1.1.0/*"]
    assert [s(r) for r in reading["resources"]] == ["arn:${data.aws_partition.current.partition}:s3:::acme-sentiment/models/1.1.0/*"]


def test_the_call_passes_each_form(root: Path) -> None:
    models = _call(load_tree(root), "endpoint_sentiment")["models"]
    _assert_image_only_and_prefix(models["production"], models["canary"])


def test_the_module_renders_an_uncompressed_prefix_as_model_data_source(root: Path) -> None:
    _assert_model_data_source(load_tree(root)["modules/endpoint"]["main.tf"])


def test_the_role_lists_and_reads_exactly_the_prefix(root: Path) -> None:
    statements = {s(st["sid"]): st for st in _call(load_tree(root), "sagemaker_role")["statements"]}
    assert "ReadModelArtifacts" not in statements  # no archive anywhere: nothing to GetObject by name
    _assert_lists_and_reads_the_prefix(statements["ListModelPrefix"], statements["ReadModelPrefix"])


def test_archive_model_names_do_not_change() -> None:
    """The uncompressed form enters a model's content hash; an archive's content is what it was."""
    from mlinfra.naming import model_content

    archive = model_content(image="i", data="s3://b/m.tar.gz", env={}, multi_model=False, role="r", isolated=True)
    assert "compression" not in archive
    assert model_content(image="i", data="s3://b/m/", env={}, multi_model=False, role="r", isolated=True, uncompressed=True)["compression"] == "None"


QUOTE = "Currently you cannot use ModelDataSource in conjunction with SageMaker batch transform, SageMaker serverless endpoints"


def test_batch_refuses_a_prefix_quoting_why(tmp_path: Path) -> None:
    path = edited("batch", tmp_path, ("    model_data: s3://acme-churn-models/xgboost/2.3.0/model.tar.gz\n", "    model_data_prefix: s3://acme-churn-models/xgboost/2.3.0/\n"))
    (problem,) = refused(path).problems
    assert (problem.path, problem.code) == ("batch.model_version", "model-data-prefix-unsupported")
    assert QUOTE in problem.message and "model_data .tar.gz archive" in problem.message


def test_batch_runs_a_model_the_image_carries(tmp_path: Path) -> None:
    """Batch transform takes a model without an artifact: the batch model has no model_data_url, and the
    role reads no artifact."""
    tree = load_tree(render_edited("batch", tmp_path, ("    model_data: s3://acme-churn-models/xgboost/2.3.0/model.tar.gz\n", "")))
    # The call passes no artifact (null), which the model's container leaves unset.
    assert _call(tree, "batch")["model"]["model_data_url"] is None and s(_call(tree, "batch")["model"]["image"])
    container = blocks(tree["modules/batch"]["main.tf"], "resource")["aws_sagemaker_model.this"]["primary_container"][0]
    assert container["model_data_url"] == "${var.model.model_data_url}" and "image" in container
    sids = [s(st["sid"]) for st in _call(tree, "sagemaker_role")["statements"]]
    assert "BatchReadModel" not in sids and "BatchPullModelImage" in sids
    # With the archive, the same statement reads exactly it.
    render(EXAMPLE_DIR / "batch.yaml", tmp_path / "archive")
    statements = {s(st["sid"]): st for st in _call(load_tree(tmp_path / "archive"), "sagemaker_role")["statements"]}
    assert [s(r) for r in statements["BatchReadModel"]["resources"]] == ["arn:${data.aws_partition.current.partition}:s3:::acme-churn-models/xgboost/2.3.0/model.tar.gz"]


def test_serverless_refuses_a_prefix_quoting_why(tmp_path: Path) -> None:
    path = edited("serverless", tmp_path, ("    model_data: s3://acme-fraud-models/xgboost/3.4.1/model.tar.gz\n", "    model_data_prefix: s3://acme-fraud-models/xgboost/3.4.1/\n"))
    (problem,) = refused(path).problems
    assert (problem.path, problem.code) == ("endpoints[0].variants[0].model", "model-data-prefix-unsupported")
    assert QUOTE in problem.message and "serve it from instances" in problem.message
    # Without an artifact, serverless is fine.
    load_config(edited("serverless", tmp_path, ("    model_data: s3://acme-fraud-models/xgboost/3.4.1/model.tar.gz\n", "")))


# --- inference components: the example's second endpoint ----------------------------------------------------


def test_components_pass_each_form(root: Path) -> None:
    models = _call(load_tree(root), "inference_components_sentiment_shared")["models"]
    _assert_image_only_and_prefix(models["built_in"], models["uncompressed"])


def test_the_components_module_renders_a_prefix_as_model_data_source(root: Path) -> None:
    _assert_model_data_source(load_tree(root)["modules/inference_components"]["main.tf"])


def test_the_role_lets_components_list_and_read_exactly_the_prefix(root: Path) -> None:
    statements = {s(st["sid"]): st for st in _call(load_tree(root), "sagemaker_role")["statements"]}
    assert "ReadComponentModelArtifacts" not in statements  # no archive: an empty resource list IAM would refuse
    _assert_lists_and_reads_the_prefix(statements["ListComponentModelPrefix"], statements["ReadComponentModelPrefix"])


def test_component_model_names_change_with_the_form() -> None:
    """A component's model name hashes the form of its files; an archive's content is what it was."""
    from mlinfra.config.shapes import ModelVersion
    from mlinfra.naming import component_model_content, model_content

    image = "123456789012.dkr.ecr.us-east-1.amazonaws.com/m:1"
    archive = ModelVersion(version="1.0.0", status="staging", image=image, model_data="s3://bkt/m/model.tar.gz")
    assert component_model_content(archive, "r") == model_content(image=image, data="s3://bkt/m/model.tar.gz", env={}, multi_model=False, role="r", isolated=True)
    prefix = ModelVersion(version="1.0.0", status="staging", image=image, model_data_prefix="s3://bkt/m/")
    assert component_model_content(prefix, "r")["compression"] == "None"
    assert component_model_content(ModelVersion(version="1.0.0", status="staging", image=image), "r")["data"] is None


# --- model archives under other names (bring your own: CDK's ModelData.fromAsset uploads <hash>.gz) -------

ARCHIVE = "s3://acme-ml-models/models/v1.2.0/model.tar.gz"


def _load(tmp_path: Path, uri: str) -> list:
    from mlinfra.errors import ConfigWarning

    warnings: list[ConfigWarning] = []
    load_config(edited("platform", tmp_path, (ARCHIVE, uri)), warnings=warnings)
    return warnings


@pytest.mark.parametrize(
    "uri",
    [
        "s3://cdk-hnb659fds-assets-123456789012-us-east-1/5f1c6a3e0d2b4e8f9a7c1d3e5b7a9c0e2f4a6b8c.gz",
        "s3://acme-ml-models/models/v1.2.0/model.tgz",
        "s3://acme-ml-models/models/v1.2.0/MODEL.TAR.GZ",
    ],
)
def test_a_gzip_archive_under_another_suffix_is_accepted_quietly(uri: str, tmp_path: Path) -> None:
    assert _load(tmp_path, uri) == []
    out = render_edited("platform", tmp_path / "r", (ARCHIVE, uri))
    assert uri in (out / "main.tf").read_text()


def test_an_object_without_a_suffix_is_accepted_with_a_warning(tmp_path: Path) -> None:
    [warning] = _load(tmp_path, "s3://acme-ml-models/abc123")
    assert (warning.code, warning.path) == ("model-data-unnamed-archive", "models[2].model_data")
    assert warning.line and "unpacks it as a gzip-compressed tar archive" in warning.message


@pytest.mark.parametrize(
    ("name", "what"),
    [("model.zip", "a zip archive"), ("model.tar", "an uncompressed tar archive"), ("model.tar.bz2", "a bzip2 tar archive"), ("model.safetensors", "a safetensors weights file")],
)
def test_what_is_certainly_not_a_gzip_tar_is_refused(name: str, what: str, tmp_path: Path) -> None:
    error = refused(edited("platform", tmp_path, (ARCHIVE, f"s3://acme-ml-models/models/v1.2.0/{name}")))
    [problem] = error.problems
    assert (problem.code, problem.path) == ("model-data-not-archive", "models[2].model_data") and problem.line
    assert what in problem.message and "tar czf model.tar.gz" in problem.message
