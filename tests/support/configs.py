"""A config of a test's own: a known-good text (an example, or a test's base) with a line or two edited,
written where its relative files resolve, then loaded or rendered through the library.

    config = edited("platform", tmp_path, ("  cloudfront: true\n", "  cloudfront: false\n"))
    out = render(config, tmp_path / "out")        # or: render_edited("platform", tmp_path, ...)
    error = refused(edited("batch", tmp_path, (old, new)))   # load_config's ConfigError

An edit is ``(old, new)``, which replaces the one occurrence of ``old`` (an edit that matches twice or never
is a broken test), or a callable that rewrites the whole text.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE_DIR = ROOT / "examples"

Edit = tuple[str, str] | Callable[[str], str]


def copy_examples(dest: Path) -> Path:
    """A writable copy of examples/ (configs name their schemas and vocabularies relatively); returns
    the copy of platform.yaml."""
    shutil.copytree(EXAMPLE_DIR, dest, dirs_exist_ok=True)
    return dest / "platform.yaml"


def edit(text: str, *edits: Edit) -> str:
    """``text`` with ``edits`` applied in turn."""
    for change in edits:
        if callable(change):
            text = change(text)
            continue
        old, new = change
        count = text.count(old)
        assert count == 1, f"edit target occurs {count} times, expected once: {old!r}"
        text = text.replace(old, new)
    return text


def example_file(name: str) -> str:
    """``"batch"`` or ``"batch.yaml"`` → ``"batch.yaml"``."""
    return name if name.endswith(".yaml") else f"{name}.yaml"


def example(name: str) -> str:
    """The text of examples/<name>.yaml."""
    return (EXAMPLE_DIR / example_file(name)).read_text(encoding="utf-8")


def write_config(folder: Path, text: str, name: str = "platform.yaml", *, beside_examples: bool = False) -> Path:
    """``text`` as ``folder/name`` (the folder made if need be; with ``beside_examples``, beside a copy of
    examples/); returns its path."""
    if beside_examples:
        copy_examples(folder)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def edited(name: str, folder: Path, *edits: Edit, as_name: str | None = None) -> Path:
    """examples/<name>.yaml with ``edits``, written into ``folder`` beside a copy of examples/ as ``as_name``
    (by default the example's own file name); returns its path."""
    return write_config(folder, edit(example(name), *edits), as_name or example_file(name), beside_examples=True)


def render(config: Path, out: Path) -> Path:
    """``config`` rendered through the library into ``out`` (relative files resolve from its folder)."""
    from mlinfra.pipeline import load_config, render_project
    from mlinfra.write import write_tree

    write_tree(render_project(load_config(config), config.parent).files, out)
    return out


def render_edited(name: str, tmp_path: Path, *edits: Edit) -> Path:
    """examples/<name>.yaml with ``edits`` (in ``tmp_path/cfg``) rendered into ``tmp_path/out``."""
    return render(edited(name, tmp_path / "cfg", *edits), tmp_path / "out")


def refused(config: Path):
    """The ConfigError ``load_config`` raises for ``config`` (it must refuse it)."""
    from mlinfra.errors import ConfigError
    from mlinfra.pipeline import load_config

    with pytest.raises(ConfigError) as err:
        load_config(config)
    return err.value
