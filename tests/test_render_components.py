"""The component list and its driver: a component's declarations alone reach the root module."""

from __future__ import annotations

import ast
import re
from collections.abc import Mapping
from pathlib import Path, PurePosixPath
from types import SimpleNamespace

import pytest

import mlinfra.components as components
from mlinfra.config.section import Slice
from mlinfra.context import build_context
from mlinfra.core.component import (
    AWS,
    RANDOM,
    Component,
    Export,
    Input,
    ModuleContext,
    Output,
    PlanRequest,
    ProviderConfig,
    ReadmeSection,
    RootOutput,
    Sinks,
    Statement,
    Wire,
)
from mlinfra.expr import Ref
from mlinfra.pipeline import load_config, render_project
from mlinfra.render import _tftype, templates_dir
from tests.conftest import EXAMPLES, ROOT

SRC = ROOT / "src" / "mlinfra"


def test_every_component_has_its_template_folder() -> None:
    names = set()
    for component in components.ALL:
        names.add(component.name)
        module = Path(__import__(type(component).__module__, fromlist=["_"]).__file__)
        if module.parent == SRC / "components":  # a component not yet a package of its own
            continue
        # a slice: components/<name>/ with its plan and layout, and its section and rules when it has them
        assert module == SRC / "components" / component.name / "component.py", module
        slice_ = next(s for s in components.SLICES if s.name == component.name)
        files = {p.name for p in module.parent.glob("*.py")}
        assert files >= {"__init__.py", "plan.py", "component.py"}, files
        assert ("section.py" in files) == bool(slice_.sections), files
        assert ("rules.py" in files) == bool(slice_.rules or slice_.file_rules or slice_.names), files
    templates = {p.name for p in (templates_dir() / "modules").iterdir()}
    assert names == templates, names ^ templates
    assert len(names) == len(components.ALL)


def test_the_context_driver_names_no_component() -> None:
    """No hand-listed wiring: the driver in mlinfra.context only iterates the registry."""
    source = (SRC / "context" / "__init__.py").read_text()
    strings = {n.value for n in ast.walk(ast.parse(source)) if isinstance(n, ast.Constant) and isinstance(n.value, str)}
    for component in components.ALL:
        assert component.name not in strings, component.name


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_modules_come_after_the_modules_they_reference(path: Path) -> None:
    from mlinfra.plan.platform import build_plan

    ctx = build_context(build_plan(load_config(path), path.parent))
    seen: set[str] = set()
    for mod in ctx.modules:
        assert mod.depends_on_modules <= seen, (mod.key, mod.depends_on_modules - seen)
        seen.add(mod.key)


class _Audit(Component):
    """A component added by a test: nothing outside this class (and its template folder) names it."""

    name = "audit"
    providers = (AWS, RANDOM)

    def build(self, request: PlanRequest, parts: Mapping[str, object]) -> object:
        return {"table": f"{request.prefix}-audit"}

    def contribute(self, part, sinks: Sinks) -> None:
        sinks.add_key_policy(Statement("AuditReads", ("kms:Decrypt",), ("*",), principals=(("Service", ("dynamodb.amazonaws.com",)),)))

    def exports(self, part) -> list[Export]:
        return [Export("audit.table_name", "audit", Output("table_name", "Name of the audit table.", Ref("aws_dynamodb_table.this.name")))]

    def modules(self, part, wire: Wire, sinks: Sinks) -> list[ModuleContext]:
        inputs = {
            "kms_key_arn": wire.need("kms.key_arn"),
            "table_name": Input(part["table"], "Name of the audit table."),
            "hash_key": Input("id", "Partition key."),
            "ttl_attribute": Input("expires_at", "Expiry attribute."),
            "point_in_time_recovery": Input(True, "Continuous backups.", "bool"),
        }
        # The results component's template folder serves as this component's folder here.
        return [ModuleContext(key="audit", template="results", summary="An audit table.", inputs=inputs, outputs=())]

    def root_outputs(self, part) -> list[RootOutput]:
        return [RootOutput("audit_table", "The audit table.", "audit.table_name")]

    def readme(self, part) -> list[ReadmeSection]:
        return [ReadmeSection("Audit", ("table",), ((part["table"],),))]

    def provider_configs(self, part) -> list[ProviderConfig]:
        return [ProviderConfig("eu_west_1", "eu-west-1", "The audit copy lives in Ireland.")]


def test_a_new_component_reaches_the_root_through_its_declarations_only(monkeypatch: pytest.MonkeyPatch) -> None:
    path = next(p for p in EXAMPLES if p.stem == "serverless")  # no preprocessing: random is not pinned otherwise
    before = render_project(load_config(path), path.parent).files
    monkeypatch.setattr(components, "COMPONENTS", (*components.COMPONENTS, SimpleNamespace(SLICE=Slice("audit", _Audit))))
    files = render_project(load_config(path), path.parent).files

    main = files[PurePosixPath("main.tf")]
    assert 'module "audit" {' in main and "kms_key_arn            = module.kms.key_arn" in main
    assert main.index('module "kms"') < main.index('module "audit"')
    assert 'output "audit_table"' in files[PurePosixPath("outputs.tf")] and "module.audit.table_name" in files[PurePosixPath("outputs.tf")]
    assert 'source  = "hashicorp/random"' in files[PurePosixPath("versions.tf")]
    assert 'source  = "hashicorp/random"' not in before[PurePosixPath("versions.tf")]
    assert 'alias  = "eu_west_1"' in files[PurePosixPath("providers.tf")]
    assert "## Audit" in files[PurePosixPath("README.md")] and "| audit |" in files[PurePosixPath("README.md")]
    # The key policy statement is an argument of the kms module's call; the kms module itself is unchanged.
    assert re.search(r'sid += "AuditReads"', main[main.index('module "kms"') : main.index('module "audit"')])
    assert PurePosixPath("modules/audit/README.md") in files and PurePosixPath("modules/audit/versions.tf") in files
    # Everything that was there before is still there, unchanged but for the files the component adds to.
    changed = {p for p in before if before[p] != files[p]}
    assert changed == {PurePosixPath(p) for p in ("main.tf", "outputs.tf", "versions.tf", "providers.tf", "README.md")}


@pytest.mark.parametrize(
    "text",
    ["string", "list(string)", "map(number)", "object({a = string, b = list(string)})", "map(object({x = bool}))"],
)
def test_variable_types_follow_the_grammar(text: str) -> None:
    rendered = _tftype(text)
    assert ("\n" in rendered) == ("object(" in text)  # objects: one attribute per line


@pytest.mark.parametrize("text", ["strin", "list(string", "object({a = string)", "any", "string; rm -rf", 'object({"a" = string})'])
def test_unknown_variable_types_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match="not a variable type"):
        _tftype(text)


def test_blocks_reads_kinds_and_the_for_each_that_multiplies_them() -> None:
    from mlinfra.render.blocks import Block, blocks

    text = (
        'data "aws_partition" "current" {}\n\n'
        'resource "aws_s3_bucket" "this" {\n  # one per variant\n  for_each = var.buckets\n\n  bucket = each.key\n}\n\n'
        'resource "aws_iam_role" "this" {\n  for_each = toset(["a"])\n}\n\n'
        'resource "aws_sns_topic" "this" {\n  name = "x"\n}\n'
        '  resource "not" "top" {\n  }\n'
    )
    assert list(blocks(text)) == [
        Block("data", "aws_partition", None),
        Block("resource", "aws_s3_bucket", "var.buckets"),
        Block("resource", "aws_iam_role", None),  # not over a module variable: counts once
        Block("resource", "aws_sns_topic", None),
    ]


def test_the_endpoint_count_comes_from_the_components_declarations() -> None:
    from mlinfra.context import build_context
    from mlinfra.pipeline import load_config
    from mlinfra.plan.platform import build_plan

    for name, expected in (("platform", 2), ("inference-components", 1), ("batch", 0)):
        path = ROOT / "examples" / f"{name}.yaml"
        assert build_context(build_plan(load_config(path), path.parent)).endpoints == expected, name


CONFIGS = [*EXAMPLES, *sorted((ROOT / "examples" / "cookbook").glob("*.yaml"))]


@pytest.mark.parametrize("path", CONFIGS, ids=lambda p: p.stem)
def test_a_render_loads_every_component_its_config_has(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A render imports only the components the config may have (Slice.may_have): the plan must be the same
    as when every component is loaded and decides for itself."""
    from mlinfra.plan.platform import build_plan

    config = load_config(path)
    lean = build_plan(config, path.parent)
    may_have = {s.name for s in components.SLICES if s.may_have(config)}
    monkeypatch.setattr(components, "for_config", lambda _config: components.ALL)
    full = build_plan(config, path.parent)
    assert set(full.parts) <= may_have, f"{path.name}: a component has a part its slice says it cannot have"
    assert lean == full


def test_an_endpoint_fleet_imports_no_other_component(tmp_path: Path) -> None:
    import subprocess
    import sys

    config = ROOT / "examples" / "serverless.yaml"  # endpoints only
    probe = (
        "import sys\n"
        "from pathlib import Path\n"
        "from mlinfra.pipeline import load_config, render_project\n"
        f"render_project(load_config({str(config)!r}), Path({str(config.parent)!r}))\n"
        "print(' '.join(sorted(m[len('mlinfra.components.'):] for m in sys.modules if m.startswith('mlinfra.components.') and m.endswith(('.component', '.section')))))\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout.split()
    # Neither the other components nor their sections (the diagram and the plans read a section by its key).
    assert out == ["capture_bucket.component", "endpoint.component", "kms.component", "sagemaker_role.component"], out
