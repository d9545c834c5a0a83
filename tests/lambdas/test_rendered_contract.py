"""The contract between what `mlinfra render` writes and what the handlers read.

The environment of each rendered `aws_lambda_function` (parsed from the HCL) and the rendered package
folder (as LAMBDA_TASK_ROOT) drive the real handlers against a real Redis and moto: if the planner and the
handlers disagreed on a variable name, a settings shape or a packaged path, these calls would fail.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support.configs import render_edited
from tests.support.hcl_checks import load_tree

from .conftest import MODULES, Harness
from .support import queue_endpoint_results


def _environment(out: Path, route: str, redis_server) -> dict[str, str]:
    """The rendered environment of a route's Lambda, with the Terraform references filled in locally."""
    tree = load_tree(out)
    # The function's own settings are in the module call's functions map; what other modules created
    # (the cache's address and secret) is the module's wired_environment.
    call = next(body for m in tree["."]["main.tf"]["module"] for n, body in m.items() if n == '"preprocessing"')
    wired = tree["modules/preprocessing"]["main.tf"]["locals"][0]["wired_environment"]
    env = {}
    for name, value in {**call["functions"][route]["environment"], **wired}.items():
        if value == "${var.cache_host}":
            env[name] = redis_server.host
        elif value == "${var.cache_auth_secret_arn}":
            continue  # the local Redis has no password
        else:
            env[name] = json.loads(value)  # a quoted HCL string is a JSON string here (no ${ in our values)
    env["MLINFRA_CACHE_PORT"] = str(redis_server.port)
    env["MLINFRA_CACHE_TLS"] = "false"
    # The Lambda's Redis timeouts (50 ms / 100 ms) suit ElastiCache next to it; on a loaded test machine a
    # local redis-server can take longer, and the handler then rightly serves without the cache.
    env["MLINFRA_CACHE_TIMEOUT_MS"] = env["MLINFRA_CACHE_CONNECT_TIMEOUT_MS"] = "2000"
    env["LAMBDA_TASK_ROOT"] = str(out / "modules" / "preprocessing" / "package")
    env.pop("MLINFRA_RESULTS_TABLE", None)  # no table in this test
    return env


@pytest.mark.parametrize(
    ("route", "kind", "body", "sent_key"),
    [
        ("predict_tabular", "tabular", {"data": {"age": 47.8, "income": 73000}}, "features"),
        ("predict_text", "text", {"text": "The model is good"}, "input_ids"),
    ],
)
def test_rendered_lambda_environment_drives_the_handler(route, kind, body, sent_key, tmp_path, redis_server, redis_client) -> None:
    out = render_edited("platform", tmp_path)
    env = _environment(out, route, redis_server)
    harness = Harness(MODULES[kind], env)
    queue_endpoint_results({"Body": '{"score": 0.7}', "ContentType": "application/json", "InvokedProductionVariant": "production", "CustomAttributes": ""})
    first = harness.call(body)
    assert first.status == 200, first.text
    assert first.json == {"prediction": {"score": 0.7}, "cached": False}
    sent = harness.sent()[sent_key]
    if kind == "tabular":
        assert sent == pytest.approx([(47.8 - 35.5) / 12.3, (73000 - 52000) / 21000, 0.0])  # tenure defaults to its mean
    else:
        vocab = (out / "modules/preprocessing/package/mlinfra_lambdas/data/predict_text.vocab").read_text().split()
        assert sent[:4] == [vocab.index(w) for w in ("the", "model", "is", "good")] and len(sent) == 128
    assert harness.runtime.last("invoke_endpoint").get("TargetVariant") == ("production" if kind == "text" else None)
    second = harness.call(body)
    assert second.json["cached"] is True and harness.invocations == 1


def test_long_feature_lists_travel_in_the_package(tmp_path, redis_server, redis_client) -> None:
    many = "".join(f"      - {{name: f{i:03d}, default: {i}, mean: {i}, std: 2}}\n" for i in range(120))

    def edit(text: str) -> str:
        start = text.index("    features:\n") + len("    features:\n")
        end = text.index("  image:\n")
        return text[:start] + many + text[end:]

    out = render_edited("platform", tmp_path, edit)
    env = _environment(out, "predict_tabular", redis_server)
    settings = json.loads(env["MLINFRA_SETTINGS"])
    assert settings == {"features_file": "mlinfra_lambdas/data/predict_tabular.features.json"}
    assert sum(len(k) + len(str(v)) for k, v in env.items()) < 4096  # Lambda's limit for the whole environment
    harness = Harness(MODULES["tabular"], env)
    queue_endpoint_results({"Body": "1", "ContentType": "application/json", "InvokedProductionVariant": "production", "CustomAttributes": ""})
    response = harness.call({"data": {"f007": 9}})
    assert response.status == 200, response.text
    sent = harness.sent()["features"]
    assert len(sent) == 120 and sent[7] == pytest.approx(1.0) and sent[0] == 0.0
