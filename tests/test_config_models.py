"""Named models (#20): each with its own versions and lifecycle; references name model and version
(``detection@3.0.0``); the one-model form keeps working and validate shows the form that names the model."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from mlinfra.pipeline import load_config
from tests.support.configs import edit, example, refused, write_config

IC = example("inference-components")
PLATFORM = example("platform")

#: The rule codes these tests exercise (test_config_invalid checks every code of rules.py has a case).
COVERED = {
    "ambiguous-model-version",
    "duplicate-model-name",
    "model-forms-mixed",
    "canary-model-differs",
    "canary-not-newer",
}

# A third model with a version 2.1.0 like classification's: a bare 2.1.0 no longer says which.
THIRD = (
    "  - name: detection\n",
    "  - name: ranking\n    versions:\n      - version: 2.1.0\n        status: production\n"
    "        image: 123456789012.dkr.ecr.us-east-1.amazonaws.com/ranking:2.1.0\n  - name: detection\n",
)


def _problems(tmp_path: Path, text: str) -> list[tuple[str, str]]:
    return [(p.path, p.code) for p in refused(write_config(tmp_path, text, beside_examples=True)).problems]


def _notes(config: Path) -> list:
    notes: list = []
    load_config(config, notes=notes)
    return notes


def test_two_models_each_with_a_production_version(tmp_path: Path) -> None:
    config = load_config(write_config(tmp_path, IC))
    assert [(v.ref, v.entry.status) for v in config.versions()] == [
        ("classification@2.1.0", "production"),
        ("detection@3.0.0", "production"),
    ]
    assert config.model("detection@3.0.0").image.endswith("tensorrt-inference:24.05")
    assert config.model_names() == ("classification", "detection")
    assert _notes(write_config(tmp_path, IC)) == []


def test_two_production_versions_of_one_model_are_refused(tmp_path: Path) -> None:
    text = edit(
        IC,
        ("  - name: detection\n    versions:\n", "  - name: detection\n    versions:\n"
         "      - version: 2.9.0\n        status: production\n"
         "        image: 123456789012.dkr.ecr.us-east-1.amazonaws.com/tensorrt-inference:24.04\n"),
    )
    problems = refused(write_config(tmp_path, text)).problems
    assert [(p.path, p.code) for p in problems] == [("models[1].versions[1].status", "several-production-versions")]
    assert "of model detection are both production" in problems[0].message


def test_the_same_version_in_two_models_is_fine_when_named(tmp_path: Path) -> None:
    config = load_config(write_config(tmp_path, edit(IC, THIRD)))
    assert config.model("ranking@2.1.0").image.endswith("ranking:2.1.0")
    assert config.model("classification@2.1.0").image.endswith("pytorch-inference:2.3.0-gpu-py311")


def test_a_bare_version_two_models_have_is_ambiguous(tmp_path: Path) -> None:
    text = edit(IC, THIRD, ("model: classification@2.1.0", "model: 2.1.0"))
    problems = refused(write_config(tmp_path, text)).problems
    assert [(p.path, p.code) for p in problems] == [("endpoints[0].components[0].model", "ambiguous-model-version")]
    assert problems[0].message.startswith("models classification, ranking all have a version 2.1.0: write model: classification@2.1.0")


def test_an_unknown_reference_lists_the_named_versions(tmp_path: Path) -> None:
    problems = refused(write_config(tmp_path, edit(IC, ("model: detection@3.0.0", "model: detection@2.1.0")))).problems
    assert [(p.path, p.code) for p in problems] == [("endpoints[0].components[1].model", "unknown-model-version")]
    assert "(listed: classification@2.1.0, detection@3.0.0)" in problems[0].message


def test_a_model_named_twice_is_refused(tmp_path: Path) -> None:
    text = edit(IC, ("  - name: detection\n", "  - name: classification\n"), ("model: detection@3.0.0", "model: classification@3.0.0"))
    assert ("models[1].name", "duplicate-model-name") in _problems(tmp_path, text)


def test_named_and_unnamed_entries_do_not_mix(tmp_path: Path) -> None:
    text = edit(
        IC,
        ("  - name: detection\n", "  - version: 9.0.0\n    status: staging\n"
         "    image: 123456789012.dkr.ecr.us-east-1.amazonaws.com/other:9.0.0\n  - name: detection\n"),
    )
    problems = refused(write_config(tmp_path, text)).problems
    assert [(p.path, p.code) for p in problems] == [("models[1]", "model-forms-mixed")]
    assert "line 17" in problems[0].message


def test_a_bare_version_among_named_models_gets_a_note_with_the_named_form(tmp_path: Path) -> None:
    config = write_config(tmp_path, edit(IC, ("model: detection@3.0.0", "model: 3.0.0")))
    notes = _notes(config)
    assert [(n.line, n.path, n.code) for n in notes] == [
        (IC.splitlines().index("        model: detection@3.0.0") + 1, "endpoints[0].components[1].model", "model-reference-form")
    ]
    assert "write model: detection@3.0.0" in notes[0].message
    warnings: list = []
    load_config(config, warnings=warnings)
    assert warnings == []  # a note: only validate prints it


def test_the_one_model_form_keeps_working_and_validate_shows_the_named_form(tmp_path: Path) -> None:
    config = write_config(tmp_path, PLATFORM, beside_examples=True)
    assert load_config(config).model("1.1.0").metrics == {"accuracy": 0.89}
    run = subprocess.run([sys.executable, "-m", "mlinfra", "validate", str(config)], capture_output=True, text=True, check=False)
    assert run.returncode == 0, run.stderr
    line = PLATFORM.splitlines().index("models:") + 1
    note = next(x for x in run.stdout.splitlines() if "[model-reference-form]" in x)
    assert note.startswith(f"note: {config}:{line}: models: lists the versions of one unnamed model")
    assert "models: [{name: mlinfra, versions: [" in note and "(endpoints[0].variants[0].model: mlinfra@1.1.0)" in note
    run = subprocess.run(
        [sys.executable, "-m", "mlinfra", "validate", "--json", str(config)], capture_output=True, text=True, check=False
    )
    report = json.loads(run.stdout)
    assert report["warnings"] == [] and any("[model-reference-form]" in n for n in report["notes"])


# --- the canary of a production variant -------------------------------------------------------------------

CANARY_OTHER_MODEL = (
    "models:\n",
    "models:\n  - name: other\n    versions:\n      - version: 5.0.0\n        status: canary\n"
    "        image: 123456789012.dkr.ecr.us-east-1.amazonaws.com/other:5.0.0\n",
)


def _named_platform() -> str:
    """platform.yaml with its versions under one model named mlinfra and references naming it."""
    head, rest = PLATFORM.split("models:\n", 1)
    table, tail = rest.split("\n# The registry", 1)
    table = "\n".join(("    " + x if x.strip() else x) for x in table.splitlines())
    text = head + "models:\n  - name: mlinfra\n    versions:\n" + table + "\n\n# The registry" + tail
    for v in ("1.1.0", "1.2.0"):
        text = text.replace(f"        model: {v}\n", f"        model: mlinfra@{v}\n")
    return text.replace("model_version: 1.1.0", "model_version: mlinfra@1.1.0")


def test_the_named_platform_renders_as_the_one_model_form(tmp_path: Path) -> None:
    from tests.support.configs import render

    named = write_config(tmp_path / "named", _named_platform(), beside_examples=True)
    assert _notes(named) == []
    one = write_config(tmp_path / "one", PLATFORM, beside_examples=True)
    a, b = render(named, tmp_path / "a"), render(one, tmp_path / "b")
    files = sorted(p.relative_to(a) for p in a.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(b) for p in b.rglob("*") if p.is_file())
    # Nothing AWS holds changes on migrating (names, tags, hashes); the diagram names the model.
    assert [f for f in files if (a / f).read_bytes() != (b / f).read_bytes()] == [Path("README.md")]
    assert "production: model mlinfra@1.1.0" in (a / "README.md").read_text()


def test_a_canary_of_another_model_is_refused_unless_it_says_why(tmp_path: Path) -> None:
    text = edit(_named_platform(), CANARY_OTHER_MODEL, ("        model: mlinfra@1.2.0\n", "        model: other@5.0.0\n"))
    problems = refused(write_config(tmp_path, text, beside_examples=True)).problems
    assert [(p.path, p.code) for p in problems] == [("endpoints[0].variants[1].model", "canary-model-differs")]
    assert "mlinfra@1.1.0" in problems[0].message and "canary_reason" in problems[0].message
    said = edit(text, ("        model: other@5.0.0\n", "        model: other@5.0.0\n        canary_reason: a rewrite\n"))
    assert load_config(write_config(tmp_path, said, beside_examples=True)).endpoints[0].variants[1].canary_reason == "a rewrite"


def test_a_canary_older_than_production_is_refused(tmp_path: Path) -> None:
    text = edit(PLATFORM, ("  - version: 1.2.0\n", "  - version: 1.0.5\n"), ("        model: 1.2.0\n", "        model: 1.0.5\n"))
    problems = refused(write_config(tmp_path, text, beside_examples=True)).problems
    assert [(p.path, p.code) for p in problems] == [("endpoints[0].variants[1].model", "canary-not-newer")]
    assert "1.0.5, not newer than 1.1.0" in problems[0].message


def test_semantic_versions_order_numerically() -> None:
    from mlinfra.config.shapes import version_key

    assert version_key("1.10.0") > version_key("1.9.0") > version_key("1.9.0-rc1")
