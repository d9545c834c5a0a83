"""The config's JSON Schema: what editors complete and check keys with (``mlinfra schema``)."""

from __future__ import annotations

import copy
import json
from typing import Any

import jsonschema
import pytest
import yaml
from typer.testing import CliRunner

from mlinfra.cli import app
from mlinfra.pipeline import json_schema
from tests.conftest import EXAMPLES, ROOT

COMMITTED = ROOT / "examples" / "mlinfra.schema.json"
MODELINE = "# yaml-language-server: $schema=mlinfra.schema.json"


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft7Validator:
    schema = json_schema()
    jsonschema.Draft7Validator.check_schema(schema)
    return jsonschema.Draft7Validator(schema)


def test_the_committed_schema_is_the_generated_one() -> None:
    result = CliRunner().invoke(app, ["schema"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == json_schema()
    assert COMMITTED.read_text() == result.output, "refresh it: mlinfra schema > examples/mlinfra.schema.json"


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.stem)
def test_every_example_names_the_schema_and_is_valid(example, validator) -> None:
    text = example.read_text()
    assert text.splitlines()[0] == MODELINE
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(yaml.safe_load(text))]
    assert errors == []


def _typos(doc: dict[str, Any]) -> list[tuple[list[Any], str]]:
    """Where to misspell a key: the root, the project, and the first entry of each list of mappings below."""
    spots: list[tuple[list[Any], str]] = [([], "projcet"), (["project"], "enviroment")]
    for key, value in doc.items():
        if isinstance(value, list) and value and isinstance(value[0], dict):
            spots.append(([key, 0], "nmae"))
        elif isinstance(value, dict):
            spots.append(([key], "enabeld"))
    return spots


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.stem)
def test_a_misspelt_key_fails_the_schema(example, validator) -> None:
    doc = yaml.safe_load(example.read_text())
    spots = _typos(doc)
    assert len(spots) >= 4  # root, project, models, and one more section at least
    for path, typo in spots:
        bad = copy.deepcopy(doc)
        node = bad
        for part in path:
            node = node[part]
        node[typo] = "x"
        errors = list(validator.iter_errors(bad))
        assert errors, f"{example.name}: {typo} under {path} passed the schema"
        # The error (or, under a union, one of its alternatives) names the key.
        messages = [e.message for err in errors for e in [err, *(err.context or ())]]
        assert any(typo in m for m in messages), (path, typo, messages[:3])


def test_values_the_loader_takes_as_text_are_valid(validator) -> None:
    doc = yaml.safe_load((ROOT / "examples" / "platform.yaml").read_text())
    doc["models"][0]["environment"] = {"WORKERS": 4, "DEBUG": False, "RATIO": 0.5}  # validate warns, keeps them
    assert list(validator.iter_errors(doc)) == []
    doc["registry"]["quality_gate"]["thresholds"]["accuracy"] = "=> 0.9"  # not an operator
    assert list(validator.iter_errors(doc))


def test_version() -> None:
    result = CliRunner().invoke(app, ["--version"])
    assert result.exit_code == 0 and result.output.startswith("mlinfra ")
