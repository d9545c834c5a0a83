"""Routes require an API key unless ``api.require_api_key: false``; a config whose routes require one and
that gives none out is refused (API Gateway would answer every call 403: the private-network example and
the Hugging Face cookbook recipe did, before this rule)."""

from __future__ import annotations

import re
from pathlib import Path

from tests.support.configs import edited, refused, render_edited

# platform.yaml's usage plans, all of them (three keys).
PLANS = re.compile(r"  usage_plans:\n(    .*\n)+")


def _without_plans(text: str) -> str:
    out, n = PLANS.subn("", text, count=1)
    assert n == 1
    return out


def test_routes_requiring_a_key_that_no_usage_plan_gives_are_refused(tmp_path: Path) -> None:
    error = refused(edited("platform", tmp_path, _without_plans))
    [p] = [p for p in error.problems if p.code == "api-keys-missing"]
    assert p.path == "api" and "403" in p.message and "require_api_key: false" in p.message


def test_keys_are_required_by_default_and_opt_out_serves_without(tmp_path: Path) -> None:
    keyed = (render_edited("platform", tmp_path / "keyed") / "main.tf").read_text()
    assert re.search(r"api_key_required\s+= true", keyed)
    open_ = render_edited("platform", tmp_path / "open", _without_plans, ("api:\n", "api:\n  require_api_key: false\n"))
    assert re.search(r"api_key_required\s+= false", (open_ / "main.tf").read_text())
    module = (open_ / "modules" / "api" / "main.tf").read_text()
    assert re.search(r"api_key_required\s+= var\.api_key_required", module)
