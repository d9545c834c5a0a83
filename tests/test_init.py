"""``mlinfra init``: a starter per case that validates and renders as written, with its schema beside it."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import yaml
from typer.testing import CliRunner

from mlinfra.cli import app
from mlinfra.pipeline import json_schema, load_config
from mlinfra.starters import CASES
from tests.support.configs import render

runner = CliRunner()


@pytest.mark.parametrize("case", CASES)
def test_every_case_validates_and_renders_as_written(case: str, tmp_path: Path) -> None:
    config = tmp_path / "mlinfra.yaml"
    result = runner.invoke(app, ["init", "--case", case, "-o", str(config)])
    assert result.exit_code == 0, result.output
    text = config.read_text()
    assert text.startswith("# yaml-language-server: $schema=mlinfra.schema.json\n")
    # The modeline's schema is written beside the config and is this mlinfra's; the starter passes it.
    schema = json.loads((tmp_path / "mlinfra.schema.json").read_text())
    assert schema == json_schema()
    assert not list(jsonschema.Draft7Validator(schema).iter_errors(yaml.safe_load(text)))
    warnings: list = []
    load_config(config, warnings=warnings)
    assert warnings == []
    assert (render(config, tmp_path / "out") / "main.tf").is_file()


@pytest.mark.parametrize("case", CASES)
def test_every_key_of_a_starter_is_explained(case: str, tmp_path: Path) -> None:
    """Comments explain the keys: every top-level section has one, and about one line in three carries one."""
    runner.invoke(app, ["init", "--case", case, "-o", str(tmp_path / "c.yaml")])
    lines = (tmp_path / "c.yaml").read_text().splitlines()
    keyed = [line for line in lines if line.strip() and not line.lstrip().startswith("#")]
    commented = [line for line in keyed if "#" in line]
    assert len(commented) * 3 >= len(keyed), (len(commented), len(keyed))
    assert lines[1].startswith("# ") and "mlinfra validate" in "\n".join(lines[:6])


def test_default_is_realtime_into_mlinfra_yaml(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["init"])
    assert result.exit_code == 0, result.output
    config = load_config(tmp_path / "mlinfra.yaml")
    assert [e.kind for e in config.endpoints] == ["realtime"]
    assert "wrote mlinfra.yaml (realtime)" in result.output


def test_an_existing_file_is_refused_and_nothing_written(tmp_path: Path) -> None:
    config = tmp_path / "mlinfra.yaml"
    config.write_text("mine\n")
    result = runner.invoke(app, ["init", "-o", str(config), "--case", "batch"])
    assert result.exit_code == 1
    assert "already exists: nothing written (--force replaces it" in result.output
    assert config.read_text() == "mine\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mlinfra.yaml"]  # no schema file either

    forced = runner.invoke(app, ["init", "-o", str(config), "--case", "batch", "--force"])
    assert forced.exit_code == 0, forced.output
    assert load_config(config).batch is not None


def test_a_folder_or_a_missing_parent_is_refused(tmp_path: Path) -> None:
    folder = runner.invoke(app, ["init", "-o", str(tmp_path)])
    assert folder.exit_code == 1 and "is a folder" in folder.output
    missing = runner.invoke(app, ["init", "-o", str(tmp_path / "nope" / "mlinfra.yaml")])
    assert missing.exit_code == 1 and "is not a folder" in missing.output
    assert list(tmp_path.iterdir()) == []


def test_starters_ship_as_package_data() -> None:
    """The wheel packs src/mlinfra whole (hatch), so the starters beside the module ship with it."""
    import tomllib

    from mlinfra import starters

    pyproject = tomllib.loads((Path(__file__).parents[1] / "pyproject.toml").read_text())
    assert pyproject["tool"]["hatch"]["build"]["targets"]["wheel"]["packages"] == ["src/mlinfra"]
    folder = Path(starters.__file__).parent
    assert sorted(p.stem for p in folder.glob("*.yaml")) == sorted(CASES)
