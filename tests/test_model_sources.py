"""Models without an artifact (the image carries the model) and uncompressed artifacts (files under an S3
prefix), from the config to the module call, the endpoint module and the execution role (#11)."""

from __future__ import annotations

from pathlib import Path

import pytest

from mlinfra.config import load_config
from mlinfra.errors import ConfigError
from mlinfra.pipeline import render_project
from mlinfra.write import write_tree
from tests.conftest import ROOT
from tests.support.hcl_checks import load_tree
from tests.test_render import blocks, s
from tests.support.hcl_checks import module_call as _call

EXAMPLE = ROOT / "examples" / "model-sources.yaml"


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("sources") / "out"
    write_tree(render_project(load_config(EXAMPLE), EXAMPLE.parent).files, out)
    return out


def test_the_call_passes_each_form(root: Path) -> None:
    models = _call(load_tree(root), "endpoint_sentiment")["models"]
    image_only, prefix = models["production"], models["canary"]
    assert image_only["model_data_url"] is None and image_only["model_data_prefix"] is None
    assert prefix["model_data_url"] is None and s(prefix["model_data_prefix"]) == "s3://acme-sentiment/models/1.1.0/"


def test_the_module_renders_an_uncompressed_prefix_as_model_data_source(root: Path) -> None:
    model = blocks(load_tree(root)["modules/endpoint"]["main.tf"], "resource")["aws_sagemaker_model.this"]
    container = model["primary_container"][0]
    assert container["model_data_url"] == "${each.value.model_data_url}"
    source = {k.strip('"'): v for d in container["dynamic"] for k, v in d.items()}["model_data_source"]
    assert source["for_each"] == "${each.value.model_data_prefix == null ? [] : [each.value.model_data_prefix]}"
    s3 = source["content"][0]["s3_data_source"][0]
    assert (s3["s3_uri"], s(s3["s3_data_type"]), s(s3["compression_type"])) == ("${model_data_source.value}", "S3Prefix", "None")


def test_the_role_lists_and_reads_exactly_the_prefix(root: Path) -> None:
    statements = {s(st["sid"]): st for st in _call(load_tree(root), "sagemaker_role")["statements"]}
    assert "ReadModelArtifacts" not in statements  # no archive anywhere: nothing to GetObject by name
    listing = statements["ListModelPrefix"]
    assert [s(r) for r in listing["resources"]] == ["arn:${data.aws_partition.current.partition}:s3:::acme-sentiment"]
    assert [s(v) for v in listing["conditions"][0]["values"]] == ["models/1.1.0/*"]
    assert [s(r) for r in statements["ReadModelPrefix"]["resources"]] == ["arn:${data.aws_partition.current.partition}:s3:::acme-sentiment/models/1.1.0/*"]


def test_archive_model_names_do_not_change() -> None:
    """The uncompressed form enters a model's content hash; an archive's content is what it was."""
    from mlinfra.naming import model_content

    archive = model_content(image="i", data="s3://b/m.tar.gz", env={}, multi_model=False, role="r", isolated=True)
    assert "compression" not in archive
    assert model_content(image="i", data="s3://b/m/", env={}, multi_model=False, role="r", isolated=True, uncompressed=True)["compression"] == "None"


def test_batch_refuses_a_model_without_archive(tmp_path: Path) -> None:
    text = (ROOT / "examples" / "batch.yaml").read_text().replace(
        "    model_data: s3://acme-churn-models/xgboost/2.3.0/model.tar.gz\n", "    model_data_prefix: s3://acme-churn-models/xgboost/2.3.0/\n"
    )
    (tmp_path / "batch.yaml").write_text(text)
    with pytest.raises(ConfigError) as err:
        load_config(tmp_path / "batch.yaml")
    assert "batch.model_version" in str(err.value) and "model-data-required" in str(err.value)
