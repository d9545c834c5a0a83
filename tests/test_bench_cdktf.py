"""The render benchmark compares like with like (issue #22): benchmarks/cdktf/resources.json, which the CDK for
Terraform app builds from, lists the resources mlinfra's tree deploys for the benchmark's fleet, per type, for 1
and 200 endpoints. Needs no node: the app's own synth output is compared with resources.json by its --check
(the benchmark runs it; the last test here too when `make bench` has installed the app)."""

from __future__ import annotations

import importlib.util
import json
import re
import shutil
import subprocess
from collections import Counter
from pathlib import Path, PurePosixPath
from types import ModuleType

import pytest

from mlinfra.pipeline import load_config, render_project
from tests.conftest import ROOT

BENCH = ROOT / "benchmarks"
SPEC = json.loads((BENCH / "cdktf" / "resources.json").read_text(encoding="utf-8"))
NODE_MODULES = ROOT / ".bench-cdktf" / "node_modules"


def _module(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"bench_{name}", BENCH / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


render_speed = _module("render_speed")
tree_resources = _module("tree_resources")


def expected(endpoints: int) -> Counter[str]:
    return Counter(SPEC["shared"]) + Counter({t: n * endpoints for t, n in SPEC["per_endpoint"].items()})


def rendered_fleet(tmp_path: Path, endpoints: int):
    config = tmp_path / f"fleet-{endpoints}.yaml"
    config.write_text(render_speed.fleet(endpoints), encoding="utf-8")
    return render_project(load_config(config), config.parent)


@pytest.mark.parametrize("endpoints", [1, 200])
def test_mlinfra_tree_has_the_listed_resources(tmp_path: Path, endpoints: int) -> None:
    rendered = rendered_fleet(tmp_path, endpoints)
    counts = tree_resources.resources_per_type(rendered.files)
    assert counts == expected(endpoints)
    assert sum(counts.values()) == rendered.resources  # the render's own count (2,011 for 200 endpoints)


def test_counter_agrees_with_python_hcl2(tmp_path: Path) -> None:
    """The text counter reads the layout mlinfra writes; python-hcl2 (too slow for 200 endpoints) reads HCL."""
    import hcl2

    rendered = rendered_fleet(tmp_path, 1)
    parsed = {path: hcl2.loads(text) for path, text in rendered.files.items() if path.name == "main.tf"}
    counts: Counter[str] = Counter()
    for block in parsed[PurePosixPath("main.tf")].get("resource", []):
        counts.update(t.strip('"') for t in block)
    for block in parsed[PurePosixPath("main.tf")]["module"]:
        ((_, call),) = [(k, v) for k, v in block.items() if not k.startswith("__")]
        args = {k.strip('"'): v for k, v in call.items()}
        module = PurePosixPath(args["source"].strip('"').removeprefix("./"))
        for resource in parsed[module / "main.tf"].get("resource", []):
            for rtype, named in resource.items():
                for name, body in named.items():
                    if name.startswith("__"):
                        continue
                    if "for_each" in body:
                        # python-hcl2 writes the expression as an interpolation: "${var.NAME}"
                        (var,) = re.fullmatch(r'"?\$\{var\.(\w+)\}"?', body["for_each"]).groups()  # type: ignore[union-attr]
                        counts[rtype.strip('"')] += len(args[var])
                    else:
                        counts[rtype.strip('"')] += 1
    assert +counts == tree_resources.resources_per_type(rendered.files) == expected(1)


@pytest.mark.skipif(
    shutil.which("node") is None or not NODE_MODULES.is_dir(), reason="make bench installs the CDKTF app"
)
def test_cdktf_synth_has_the_listed_resources(tmp_path: Path) -> None:
    out = subprocess.run(
        ["node", str(BENCH / "cdktf" / "main.js"), "1", str(tmp_path / "out"), "--check"],
        env={"PATH": "/usr/bin:/bin:/usr/local/bin", "NODE_PATH": str(NODE_MODULES)},
        capture_output=True,
        text=True,
        check=True,
    )
    assert Counter(json.loads(out.stdout)) == expected(1)
