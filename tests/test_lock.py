"""Installs are reproducible: every distribution in the test venv is the version requirements.lock pins.

`make test` installs with `--constraint requirements.lock`; a dependency added to pyproject.toml without
`make lock` installs unpinned and is caught here, as is a venv set up by hand with other versions.
"""

from __future__ import annotations

import re
import tomllib
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[1]


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _pins(path: Path) -> dict[str, str]:
    """name -> version pinned for this interpreter (a universal lock splits some pins by markers)."""
    pins: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith((" ", "#")):
            req = Requirement(line)
            if req.marker is None or req.marker.evaluate():
                (spec,) = req.specifier
                assert spec.operator == "==", line
                pins[_canonical(req.name)] = spec.version
    return pins


def test_the_lock_pins_every_installed_distribution() -> None:
    pins = _pins(ROOT / "requirements.lock")
    installed = {_canonical(d.metadata["Name"]): d.version for d in metadata.distributions()}
    installed.pop("mlinfra")
    assert {name: version for name, version in installed.items() if pins.get(name) != version} == {}


def test_the_lock_pins_what_pyproject_names() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    named = {_canonical(Requirement(r).name) for r in [*project["dependencies"], *project["optional-dependencies"]["dev"]]}
    assert named - set(_pins(ROOT / "requirements.lock")) == set()
    assert {"boto3", "botocore", "pydantic", "pytest", "moto"} <= set(_pins(ROOT / "requirements.lock"))
