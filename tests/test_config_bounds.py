"""Config reading is bounded: alias expansion ("billion laughs") and the file size cannot exhaust time or memory.

Each case runs the real console script in a subprocess under a timeout: the test asserts that it ends,
with exit 2 and one clean message, not how fast.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from mlinfra.config.yaml_source import MAX_EXPANDED_NODES, YamlProblem, parse

REPO = Path(__file__).resolve().parents[1]
_VENV_BIN = REPO / ".venv" / "bin" / "mlinfra"
MLINFRA_BIN = _VENV_BIN if _VENV_BIN.exists() else Path(sys.executable).parent / "mlinfra"

BILLION_LAUGHS = """\
project: &p {name: a, environment: b, region: us-east-1}
a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]
b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]
c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]
d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]
e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]
f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]
g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f]
h: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g]
models: [*h, *h, *h, *h, *h, *h, *h, *h, *h]
"""


def run(tmp_path: Path, text: str | bytes) -> subprocess.CompletedProcess[str]:
    config = tmp_path / "platform.yaml"
    config.write_bytes(text if isinstance(text, bytes) else text.encode())
    env = {**os.environ, "NO_COLOR": "1"}
    # The timeout is the bound: without one, the billion laughs ran ~50 s into a MemoryError traceback.
    return subprocess.run([str(MLINFRA_BIN), "validate", "platform.yaml"], check=False, cwd=tmp_path, capture_output=True, text=True, timeout=60, env=env)


def test_billion_laughs_is_refused_naming_the_line(tmp_path: Path) -> None:
    proc = run(tmp_path, BILLION_LAUGHS)
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr and proc.stdout == ""
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith("error: platform.yaml:") and "aliases" in lines[0] and lines[0].endswith("[yaml-too-many-nodes]")
    line = int(lines[0].split(":")[2])
    assert 3 <= line <= 10  # where an alias made the document too large


def test_expansion_bound_in_the_library() -> None:
    with pytest.raises(YamlProblem) as exc:
        parse(BILLION_LAUGHS)
    assert exc.value.code == "yaml-too-many-nodes" and str(MAX_EXPANDED_NODES) in exc.value.message


def test_a_few_aliases_are_fine() -> None:
    doc = parse("a: &a [1, 2, 3]\nb: [*a, *a]\n")
    assert doc.data == {"a": [1, 2, 3], "b": [[1, 2, 3], [1, 2, 3]]}


def test_huge_file_is_refused(tmp_path: Path) -> None:
    text = "project: {name: a, environment: b, region: us-east-1}\nmodels:\n" + "  # padding\n" * 200_000
    assert len(text) > 2 * 1024 * 1024
    proc = run(tmp_path, text)
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr and proc.stdout == ""
    assert proc.stderr.strip() == "error: platform.yaml: is over 1 MiB (2.3 MiB): a platform config is a few kilobytes; is this the right file? [file-too-large]"


def test_many_values_without_aliases_are_bounded_too() -> None:
    text = "project: {name: a}\nmodels: [" + ", ".join(["1"] * (MAX_EXPANDED_NODES + 10)) + "]\n"
    with pytest.raises(YamlProblem) as exc:
        parse(text)
    assert exc.value.code == "yaml-too-many-nodes" and "aliases" not in exc.value.message and exc.value.line == 2
