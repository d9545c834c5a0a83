"""Day 2 on AWS (issue, section 2): defects that only show on the second deploy, in a second region, after a
destroy, or after the provider's next release. One test per defect class, over the rendered trees."""

from __future__ import annotations

import re
from pathlib import Path

from tests.support.hcl_checks import load_tree


def _required_providers(tree: dict) -> list[tuple[str, str, str]]:
    """(module dir, provider, version constraint) of every required_providers entry of the tree."""
    out = []
    for module_dir, files in tree.items():
        for parsed in files.values():
            for tf in parsed.get("terraform", []):
                for required in tf.get("required_providers", []):
                    for name, spec in required.items():
                        if isinstance(spec, dict):
                            out.append((module_dir, name, spec["version"].strip('"')))
    return out


def test_provider_constraints_allow_minor_releases(rendered_examples: dict[str, Path]) -> None:
    """`~> 1.106.0` admits 1.106.x only: awscc (and aws) release a minor version about every week, so a patch
    pin blocks every upgrade (and every other module's newer need) until mlinfra is re-rendered. A
    constraint names a minimum and stays below the next major."""
    seen = 0
    for example, root in rendered_examples.items():
        for module_dir, name, version in _required_providers(load_tree(root)):
            seen += 1
            for constraint in (c.strip() for c in version.split(",")):
                assert not re.fullmatch(r"~>\s*\d+\.\d+\.\d+", constraint), (example, module_dir, name, version)
                assert not re.fullmatch(r"=?\s*\d+\.\d+\.\d+", constraint), (example, module_dir, name, version)
    assert seen > 20, seen
