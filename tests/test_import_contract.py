"""The layering is a contract import-linter checks (pyproject.toml [tool.importlinter]); it holds on the
tree and fails on a seeded violation of each kind the README names."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


def _lint(src: Path, config: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(src)}
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", str(config)], cwd=config.parent, env=env, capture_output=True, text=True, timeout=120, check=False
    )


def test_the_tree_keeps_every_contract() -> None:
    proc = _lint(ROOT / "src", ROOT / "pyproject.toml")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "broken" not in proc.stdout.replace("0 broken", "")


@pytest.mark.parametrize(
    ("module", "line", "contract"),
    [
        ("pipeline.py", "from mlinfra.components import api  # noqa", "The generic pipeline (core, context, render, write, pipeline) names no component"),
        ("core/component.py", "from mlinfra.components.batch import plan  # noqa", "The generic pipeline (core, context, render, write, pipeline) names no component"),
        ("render/__init__.py", "import boto3  # noqa", "validate and render never import boto3"),
        ("diagram.py", "import boto3  # noqa", "validate and render never import boto3"),
        ("cost/estimate.py", "import boto3  # noqa", "validate and render never import boto3"),
        ("config/loader.py", "from mlinfra.plan import parts  # noqa", "The config knows nothing of what comes after it"),
        ("components/kms/component.py", "from mlinfra.components import endpoint  # noqa", "Components do not import each other"),
        ("components/batch/plan.py", "from mlinfra.components import kms  # noqa", "Components do not import each other"),
        ("components/capture_bucket/component.py", "from mlinfra.components.monitoring import plan  # noqa", "Components do not import each other"),
        ("plan/parts.py", "from mlinfra.components.network import plan  # noqa", "Components do not import each other"),
        ("components/batch/rules.py", "from mlinfra.plan import parts  # noqa", "A component's section and rules are the config layer's"),
        ("ops/aws.py", "import typer  # noqa", "Only the CLI imports typer"),
    ],
    ids=[
        "pipeline-names-a-component",
        "core-names-a-component",
        "render-imports-boto3",
        "diagram-imports-boto3",
        "cost-imports-boto3",
        "config-imports-plan",
        "component-imports-component",
        "component-package-imports-component",
        "component-imports-another-slices-plan",
        "shared-plan-imports-a-slices-plan",
        "section-rules-import-plan",
        "library-imports-typer",
    ],
)
def test_a_seeded_violation_breaks_its_contract(tmp_path: Path, module: str, line: str, contract: str) -> None:
    src = tmp_path / "src"
    shutil.copytree(ROOT / "src" / "mlinfra", src / "mlinfra", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    target = src / "mlinfra" / module
    target.write_text(target.read_text(encoding="utf-8") + f"\n{line}\n", encoding="utf-8")
    proc = _lint(src, tmp_path / "pyproject.toml")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    # (a component reached through core reaches every component that imports core: independence breaks too)
    report = proc.stdout.split("Broken contracts")[1]
    assert contract in report, proc.stdout
