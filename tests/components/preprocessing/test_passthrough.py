"""The passthrough route kind: a route whose request body reaches the endpoint as it came (a Hugging Face
container's ``{"inputs": ...}``), with no settings."""

from __future__ import annotations

import json
from pathlib import Path

from tests.support.configs import edited, refused, render_edited
from tests.support.hcl_checks import load_tree
from tests.support.hcl_checks import module_call as call
from tests.test_render import s

ROUTE = (
    "  - path: /predict/text\n",
    "  - path: /generate\n    preprocessor: passthrough\n    endpoint: inference\n  - path: /predict/text\n",
)


def test_passthrough_route_validates_without_settings(tmp_path: Path) -> None:
    from mlinfra.components.preprocessing.section import ROUTES, settings_for
    from mlinfra.pipeline import load_config

    config = load_config(edited("platform", tmp_path, ROUTE))
    route = {r.path: r for r in ROUTES.of(config)}["/generate"]
    assert route.preprocessor == "passthrough" and settings_for(config, route) is None


def test_passthrough_route_renders_a_function_with_empty_settings(tmp_path: Path) -> None:
    tree = load_tree(render_edited("platform", tmp_path, ROUTE))
    f = call(tree, "preprocessing")["functions"]["generate"]
    assert s(f["handler"]) == "mlinfra_lambdas.passthrough.handler"
    assert json.loads(s(f["environment"]["MLINFRA_SETTINGS"])) == {}
    assert s(f["endpoint_name"]) == "mlinfra-prod-inference"
    # The package carries the handler the function names.
    assert (tmp_path / "out" / "modules" / "preprocessing" / "package" / "mlinfra_lambdas" / "passthrough.py").is_file()


def test_passthrough_route_refuses_settings_of_another_kind(tmp_path: Path) -> None:
    route = (ROUTE[0], ROUTE[1].replace("endpoint: inference\n", "endpoint: inference\n    text:\n      vocabulary_file: vocab.txt\n", 1))
    config = edited("platform", tmp_path, route)
    error = refused(config)
    assert "passthrough: text settings do not apply" in str(error)
    line = config.read_text().splitlines().index("    text:") + 1
    assert f"platform.yaml:{line}: routes[2].text:" in str(error)
