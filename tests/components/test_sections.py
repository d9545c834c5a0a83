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


def test_a_package_that_defers_its_slice_reads_its_own_sections() -> None:
    """READS decides whether a config needs a slice: it must name at least the slice's own sections."""
    import mlinfra.components as components

    deferred = [p for p in (*components.COMPONENTS, *components.CONFIG_ONLY) if hasattr(p, "READS")]
    assert len(deferred) >= 10
    model = schema().model
    for p in deferred:
        assert {s.key for s in p.SLICE.sections} <= set(p.READS), p.__name__
        assert set(p.READS) <= set(model.model_fields), p.__name__


CONFIGS = [*sorted((ROOT / "examples").glob("*.yaml")), *sorted((ROOT / "examples" / "cookbook").glob("*.yaml"))]


def test_a_config_validates_alike_against_the_slices_it_needs_and_against_every_slice() -> None:
    """What a config lacks cannot change its verdict: loaded against the slices its keys need, each example
    is the config it is against every slice, and the rules, file rules and names of every slice it does
    not need find nothing in it."""
    import mlinfra.components as components
    from mlinfra.config.loader import load_config as load
    from mlinfra.config.rules import check, check_files

    lean_seen = set()
    for path in CONFIGS:
        lean = load(path, components.schema)
        full = load(path, schema())
        assert lean.model_dump() == {k: v for k, v in full.model_dump().items() if k in lean.model_dump()}, path.name
        assert all(v in (None, []) for k, v in full.model_dump().items() if k not in type(lean).model_fields), path.name
        needed = {s.name for s in components.slices(components.present_keys(full))}
        lean_seen |= {s.name for s in components.SLICES} - needed
        for s in components.SLICES:
            if s.name in needed:
                continue
            assert check(full, s.rules) == [], (path.name, s.name)
            assert check_files(full, path.parent, s.file_rules) == [], (path.name, s.name)
            assert s.names is None or list(s.names(full)) == [], (path.name, s.name)
    assert {"api", "batch", "monitoring", "pipeline", "network"} <= lean_seen  # each left out somewhere


def test_an_endpoints_only_config_imports_no_other_section(tmp_path: Path) -> None:
    import subprocess
    import sys

    config = ROOT / "examples" / "serverless.yaml"
    probe = (
        "import sys\n"
        "from mlinfra.pipeline import load_config\n"
        f"load_config({str(config)!r})\n"
        "print(' '.join(sorted(m for m in sys.modules if m.startswith('mlinfra.components.') and m.endswith(('.section', '.rules')))))\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["mlinfra.components.inference_components.rules"], out
