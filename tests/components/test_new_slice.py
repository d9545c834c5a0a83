"""Adding a component is its package, its template folder and the registry: a new slice written into a
copy of the tree is validated (its section and rules, with the file's lines), planned, wired to the KMS key
and rendered, and no other file of the tree changes."""

from __future__ import annotations

import filecmp
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

SLICE = {
    "__init__.py": '''"""An audit log group: a KMS-encrypted CloudWatch log group for the platform's audit trail."""

from __future__ import annotations

from ...config.section import Slice
from .rules import RULES
from .section import SECTION


def component():  # type: ignore[no-untyped-def]
    from .component import AuditLog

    return AuditLog()


SLICE = Slice("audit_log", component, (SECTION,), RULES)
''',
    "section.py": '''from __future__ import annotations

from typing import Literal

from ...config.shapes import Strict
from ...config.section import Section


class AuditLog(Strict):
    retention_days: Literal[30, 90, 365] = 90


SECTION = Section("audit_log", AuditLog)
''',
    "rules.py": '''from __future__ import annotations

from collections.abc import Iterator

from ...config.shapes import PlatformConfig
from ...config.rules import Violation
from .section import SECTION


def retention(config: PlatformConfig) -> Iterator[Violation]:
    s = SECTION.of(config)
    if s is not None and config.project.environment == "prod" and s.retention_days < 90:
        yield Violation(("audit_log", "retention_days"), "prod keeps its audit log 90 days or more", "audit-retention")


RULES = (retention,)
''',
    "plan.py": '''from __future__ import annotations

from dataclasses import dataclass

from ...core.component import PlanRequest
from .section import SECTION


@dataclass(frozen=True)
class AuditLogPlan:
    name: str
    retention_days: int


def audit_log_plan(request: PlanRequest) -> AuditLogPlan | None:
    s = SECTION.of(request.config)
    return None if s is None else AuditLogPlan(f"/mlinfra/{request.prefix}/audit", s.retention_days)
''',
    "component.py": '''from __future__ import annotations

from ...core.component import Component, Export, Input, ModuleContext, Output
from ...expr import Ref
from .plan import AuditLogPlan, audit_log_plan


class AuditLog(Component):
    name = "audit_log"

    def build(self, request, parts):  # type: ignore[no-untyped-def]
        return audit_log_plan(request)

    def exports(self, part: AuditLogPlan) -> list[Export]:
        out = Output("arn", "ARN of the audit log group.", Ref("aws_cloudwatch_log_group.this.arn"))
        return [Export("audit_log.arn", "audit_log", out)]

    def modules(self, part, wire, sinks):  # type: ignore[no-untyped-def]
        return [
            ModuleContext(
                key="audit_log",
                template="audit_log",
                summary="The audit log group.",
                inputs={
                    "name": Input(part.name, "Name of the log group."),
                    "retention_days": Input(part.retention_days, "Days the audit log is kept.", "number"),
                    "kms_key_arn": wire.need("kms.key_arn"),
                },
                outputs=(),
            )
        ]
''',
}
TEMPLATE = """resource "aws_cloudwatch_log_group" "this" {
  name = var.name
  retention_in_days = var.retention_days
  kms_key_id = var.kms_key_arn
}
"""


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("tree")
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    shutil.copytree(ROOT / "src", root / "src", ignore=ignore)
    shutil.copytree(ROOT / "templates", root / "templates", ignore=ignore)
    package = root / "src" / "mlinfra" / "components" / "audit_log"
    package.mkdir()
    for name, text in SLICE.items():
        (package / name).write_text(text, encoding="utf-8")
    (root / "templates" / "modules" / "audit_log").mkdir()
    (root / "templates" / "modules" / "audit_log" / "main.tf.j2").write_text(TEMPLATE, encoding="utf-8")
    registry = root / "src" / "mlinfra" / "components" / "__init__.py"
    text = registry.read_text(encoding="utf-8")
    # The slices' import: one line, or one name a line once it is too long for one.
    if "from . import (\n" in text:
        text = text.replace("from . import (\n", "from . import (\n    audit_log,\n", 1)
    else:
        text = text.replace("from . import batch,", "from . import audit_log, batch,", 1)
    listed = text.index("COMPONENTS")  # the component list, after the imports
    text = text[:listed] + text[listed:].replace("    monitoring,\n", "    monitoring,\n    audit_log,\n", 1)
    registry.write_text(text, encoding="utf-8")
    return root


def _changed(a: Path, b: Path, rel: Path = Path()) -> list[str]:
    cmp = filecmp.dircmp(a, b, ignore=["__pycache__"])
    out = [str(rel / n) for n in (*cmp.right_only, *cmp.diff_files)]
    for sub in cmp.common_dirs:
        out += _changed(a / sub, b / sub, rel / sub)
    return sorted(out)


def _mlinfra(tree: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(tree / "src")}
    return subprocess.run(
        [sys.executable, "-m", "mlinfra", *args], cwd=tree, env=env, capture_output=True, text=True, timeout=120, check=False
    )


def test_the_new_slice_touches_its_package_its_templates_and_the_registry_only(tree: Path) -> None:
    changed = _changed(ROOT / "src", tree / "src") + _changed(ROOT / "templates", tree / "templates")
    assert changed == ["mlinfra/components/__init__.py", "mlinfra/components/audit_log", "modules/audit_log"], changed
    diff = subprocess.run(
        ["diff", str(ROOT / "src/mlinfra/components/__init__.py"), str(tree / "src/mlinfra/components/__init__.py")],
        capture_output=True, text=True, check=False,
    ).stdout
    assert sum(line.startswith(">") for line in diff.splitlines()) == 2  # its import and its line in the component list


def test_the_new_slice_validates_renders_and_is_wired(tree: Path, tmp_path: Path) -> None:
    config = tmp_path / "mlinfra.yaml"
    base = (ROOT / "examples" / "serverless.yaml").read_text(encoding="utf-8")
    config.write_text(base + "audit_log:\n  retention_days: 30\n", encoding="utf-8")
    proc = _mlinfra(tree, "render", str(config), "-o", str(tmp_path / "out"))
    assert proc.returncode == 0, proc.stderr
    main = (tmp_path / "out" / "modules" / "audit_log" / "main.tf").read_text(encoding="utf-8")
    assert 'resource "aws_cloudwatch_log_group" "this"' in main
    root = (tmp_path / "out" / "main.tf").read_text(encoding="utf-8")
    assert 'module "audit_log"' in root and "kms_key_arn    = module.kms.key_arn" in root
    assert 'retention_days = 30' in root  # the config's value, a literal at the module call

    bad = base.replace("environment: ", "environment: prod #", 1) + "audit_log:\n  retention_days: 30\n"
    config.write_text(bad, encoding="utf-8")
    proc = _mlinfra(tree, "validate", str(config))
    line = bad.splitlines().index("  retention_days: 30") + 1
    assert proc.returncode == 2
    assert f"{config}:{line}: audit_log.retention_days: prod keeps its audit log 90 days or more [audit-retention]" in proc.stderr
    config.write_text(base + "audit_log:\n  retention: 30\n", encoding="utf-8")
    proc = _mlinfra(tree, "validate", str(config))
    assert 'audit_log.retention: unknown key "retention"; did you mean "retention_days"?' in proc.stderr
