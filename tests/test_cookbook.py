"""The cookbook (examples/cookbook/): recipes for common cases, each valid and rendered as written.

They are not in conftest's EXAMPLES (examples/*.yaml), so the Terraform cycle, checkov and the per-example
render tests do not run them: validating and rendering is what a recipe promises (about 0.3 s each)."""

from __future__ import annotations

from pathlib import Path

import jsonschema
import pytest
import yaml

from mlinfra.pipeline import json_schema, load_config
from tests.conftest import EXAMPLES, ROOT
from tests.support.configs import render

COOKBOOK = sorted((ROOT / "examples" / "cookbook").glob("*.yaml"))


def test_the_cookbook_has_its_recipes_and_the_readme_links_each() -> None:
    assert {p.stem for p in COOKBOOK} >= {"hf-text-serverless", "realtime-existing-vpc", "nightly-batch"}
    assert not set(COOKBOOK) & set(EXAMPLES)
    readme = (ROOT / "README.md").read_text()
    for recipe in COOKBOOK:
        assert f"](examples/cookbook/{recipe.name})" in readme, recipe.name


@pytest.mark.parametrize("recipe", COOKBOOK, ids=lambda p: p.stem)
def test_every_recipe_validates_and_renders(recipe: Path, tmp_path: Path) -> None:
    text = recipe.read_text()
    # The modeline names the committed schema one folder up; the recipe passes it.
    assert text.splitlines()[0] == "# yaml-language-server: $schema=../mlinfra.schema.json"
    assert (recipe.parent / "../mlinfra.schema.json").is_file()
    assert not list(jsonschema.Draft7Validator(json_schema()).iter_errors(yaml.safe_load(text)))
    warnings: list = []
    load_config(recipe, warnings=warnings)
    assert warnings == []
    assert (render(recipe, tmp_path) / "main.tf").is_file()


def _rendered(name: str, tmp_path: Path) -> str:
    return (render(ROOT / "examples" / "cookbook" / name, tmp_path) / "main.tf").read_text()


def test_what_each_recipe_says_it_builds(tmp_path: Path) -> None:
    hf = _rendered("hf-text-serverless.yaml", tmp_path / "hf")
    assert "serverless_config" in (tmp_path / "hf" / "modules" / "endpoint" / "main.tf").read_text()
    assert 'path = "/classify"' in hf or '"/classify"' in hf
    assert 'handler              = "mlinfra_lambdas.passthrough.handler"' in hf  # the body as it comes

    vpc = _rendered("realtime-existing-vpc.yaml", tmp_path / "vpc")
    assert '"vpc-0a1b2c3d4e5f67890"' in vpc and "module.network.models_security_group_id" in vpc
    assert 'alarm_actions = [\n    module.alerts.topic_arn,\n    "arn:aws:sns:eu-west-1:123456789012:pricing-pager",\n  ]' in vpc
    assert "weight" in vpc and "90" in vpc

    batch = _rendered("nightly-batch.yaml", tmp_path / "batch")
    assert "cron(30 1 * * ? *)" in batch and "module.endpoint" not in batch
