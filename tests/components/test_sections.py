"""The config file's root is assembled from the core and every component's section: a section a slice owns
reads, and fails, exactly as a core one does."""

from __future__ import annotations

from pathlib import Path

from mlinfra.components import SLICES, schema
from mlinfra.config.shapes import PlatformConfig
from tests.conftest import ROOT
from tests.support.configs import refused, write_config


def _problems(tmp_path: Path, text: str) -> list[str]:
    return [f"{p.line}: {p.path}: {p.message} [{p.code}]" for p in refused(write_config(tmp_path, text, "mlinfra.yaml")).problems]


BASE = (ROOT / "examples" / "batch.yaml").read_text(encoding="utf-8")


def test_every_slice_section_is_a_key_of_the_root_and_none_is_a_core_field() -> None:
    model = schema().model
    for s in SLICES:
        for section in s.sections:
            assert section.key in model.model_fields and section.key not in PlatformConfig.model_fields


def test_a_misspelt_slice_section_is_suggested(tmp_path: Path) -> None:
    problems = _problems(tmp_path, BASE.replace("\nbatch:", "\nbach:"))
    assert any('unknown key "bach"; did you mean "batch"?' in p for p in problems), problems


def test_a_slice_section_of_the_wrong_shape_names_its_keys(tmp_path: Path) -> None:
    problems = _problems(tmp_path, BASE + "results: 3\n")
    assert problems == [f"{BASE.count(chr(10)) + 1}: results: must be a mapping of ttl_days, got the number 3 [model-type]"]
    problems = _problems(tmp_path, BASE + "results:\n  ttl: 3\n")
    assert problems == [f'{BASE.count(chr(10)) + 2}: results.ttl: unknown key "ttl"; expected one of: ttl_days [unknown-key]']
