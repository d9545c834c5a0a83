"""Bad input for the real-time path sections (network, api, routes, preprocessing, cache, results).

Same contract as test_config_invalid.py: exit 2, `error: FILE:LINE: path: message [code]`, no traceback,
nothing written.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support.configs import edit
from tests.test_config_invalid import (
    BASE,
    CONFIG_NAME,
    OUT_NAME,
    assert_error_line,
    assert_no_traceback,
    cli,
    line_of,
    snapshot,
)

REALTIME = """
network:
  vpc_id: vpc-0a1b2c3d4e5f60718
  private_subnet_ids: [subnet-0a1b2c3d4e5f60001, subnet-0a1b2c3d4e5f60002]

api:
  domain: ml.acme-corp.com
  hosted_zone: acme-corp.com
  usage_plans:
    - name: standard
      quota: {limit: 1000, period: DAY}
      keys: [web-app, batch-jobs]
    - name: partner
      keys: [partner-acme]

routes:
  - path: /predict/tabular
    preprocessor: tabular
    endpoint: inference
    schema: tabular.json
  - path: /predict/text
    preprocessor: text
    endpoint: inference
    variant: production

preprocessing:
  tabular:
    features:
      - {name: age, default: 35.5, mean: 35.5, std: 12.3}
  text:
    vocabulary_file: vocab.txt

cache:
  node_type: cache.t4g.small

results:
  ttl_days: 30
"""
FULL = BASE + REALTIME


@dataclass(frozen=True)
class C:
    id: str
    edits: tuple[tuple[str, str], ...]
    anchor: str
    path: str
    code: str
    files: tuple[tuple[str, str | None], ...] = ()  # (name, text); None removes the file
    after: str | None = None  # the anchor is the first line with it below this (unique) line


def _c(id: str, *edits: tuple[str, str], anchor: str, path: str, code: str, files: tuple[tuple[str, str | None], ...] = (), after: str | None = None) -> C:
    return C(id, edits, anchor, path, code, files, after)


CASES = [
    _c("routes-without-api", ("api:\n  domain: ml.acme-corp.com\n  hosted_zone: acme-corp.com\n", "apix:\n  domain: ml.acme-corp.com\n  hosted_zone: acme-corp.com\n"),
       anchor="apix:", path="apix", code="unknown-key"),
    _c("domain-without-zone", ("  hosted_zone: acme-corp.com\n  usage_plans:", "  usage_plans:"), anchor="domain: ml.acme-corp.com", path="api.domain", code="domain-without-zone"),
    _c("zone-without-domain", ("  domain: ml.acme-corp.com\n", ""), anchor="hosted_zone: acme-corp.com", path="api.hosted_zone", code="zone-without-domain"),
    _c("cloudfront-without-domain", ("  domain: ml.acme-corp.com\n  hosted_zone: acme-corp.com\n", "  cloudfront: false\n"), anchor="cloudfront: false", path="api.cloudfront", code="cloudfront-without-domain"),
    _c("domain-outside-zone", ("  domain: ml.acme-corp.com\n", "  domain: ml.other.com\n"), anchor="domain: ml.other.com", path="api.domain", code="domain-outside-zone"),
    _c("duplicate-route", ("  - path: /predict/text\n", "  - path: /predict/tabular\n"), anchor="- path: /predict/tabular", path="routes[1].path", code="duplicate-route", after="schema: tabular.json"),
    _c("unknown-route-endpoint", ("    endpoint: inference\n    schema: tabular.json\n", "    endpoint: nowhere\n    schema: tabular.json\n"),
       anchor="endpoint: nowhere", path="routes[0].endpoint", code="unknown-route-endpoint"),
    _c("unknown-route-variant", ("    variant: production\n", "    variant: stable\n"), anchor="variant: stable", path="routes[1].variant", code="unknown-route-variant"),
    _c("preprocessing-settings-missing", ("  text:\n    vocabulary_file: vocab.txt\n", ""), anchor="preprocessor: text", path="routes[1].preprocessor", code="preprocessing-settings-missing"),
    _c("cache-needs-network", ("network:\n  vpc_id: vpc-0a1b2c3d4e5f60718\n  private_subnet_ids: [subnet-0a1b2c3d4e5f60001, subnet-0a1b2c3d4e5f60002]\n", ""),
       anchor="cache:", path="cache", code="cache-needs-network"),
    _c("duplicate-usage-plan", ("    - name: partner\n", "    - name: standard\n"), anchor="- name: standard", path="api.usage_plans[1].name", code="duplicate-usage-plan", after="keys: [web-app, batch-jobs]"),
    _c("api-keys-missing", ("  usage_plans:\n    - name: standard\n      quota: {limit: 1000, period: DAY}\n      keys: [web-app, batch-jobs]\n    - name: partner\n      keys: [partner-acme]\n", ""),
       anchor="api:", path="api", code="api-keys-missing"),
    _c("duplicate-api-key", ("      keys: [partner-acme]\n", "      keys: [web-app]\n"), anchor="keys: [web-app]", path="api.usage_plans[1].keys[0]", code="duplicate-api-key"),
    _c("schema-file-missing", anchor="schema: tabular.json", path="routes[0].schema", code="schema-file", files=(("tabular.json", None),)),
    _c("schema-file-not-json", anchor="schema: tabular.json", path="routes[0].schema", code="schema-file", files=(("tabular.json", "{not json"),)),
    _c("schema-file-not-object", anchor="schema: tabular.json", path="routes[0].schema", code="schema-file", files=(("tabular.json", "[1, 2]"),)),
    _c("vocabulary-file-missing", anchor="vocabulary_file: vocab.txt", path="preprocessing.text.vocabulary_file", code="vocabulary-file", files=(("vocab.txt", None),)),
    _c("vocabulary-file-empty", anchor="vocabulary_file: vocab.txt", path="preprocessing.text.vocabulary_file", code="vocabulary-file", files=(("vocab.txt", "\n\n"),)),
    _c("bad-subnet-id", ("subnet-0a1b2c3d4e5f60002]", "sub-2]"), anchor="private_subnet_ids", path="network.private_subnet_ids[1]", code="string-pattern-mismatch"),
    _c("timeout-over-api-gateway", ("preprocessing:\n", "preprocessing:\n  timeout_seconds: 60\n"), anchor="timeout_seconds: 60", path="preprocessing.timeout_seconds", code="less-than-equal"),
    _c("bad-quota-period", ("period: DAY}", "period: YEAR}"), anchor="period: YEAR", path="api.usage_plans[0].quota.period", code="literal-error"),
    _c("route-settings-kind", ("    endpoint: inference\n    schema: tabular.json\n", "    endpoint: inference\n    schema: tabular.json\n    image: {width: 64}\n"),
       anchor="image: {width: 64}", path="routes[0].image", code="route-settings-kind"),
    _c("route-vocabulary-missing", ("    variant: production\n", "    variant: production\n    text: {vocabulary_file: words.txt}\n"),
       anchor="vocabulary_file: words.txt", path="routes[1].text.vocabulary_file", code="vocabulary-file"),
    _c("layer-region", ("preprocessing:\n", "preprocessing:\n  layers: [arn:aws:lambda:eu-west-1:123456789012:layer:redis:3]\n"),
       anchor="layers:", path="preprocessing.layers[0]", code="layer-region"),
    _c("name-collision", ("  - path: /predict/text\n", "  - path: /predict-text\n    preprocessor: text\n    endpoint: inference\n  - path: /predict/text\n"),
       anchor="- path: /predict/text", path="routes[2].path", code="name-collision"),
    _c("unknown-preprocessor", ("    preprocessor: tabular\n", "    preprocessor: audio\n"), anchor="preprocessor: audio", path="routes[0].preprocessor", code="literal-error"),
]

ASYNC_ENDPOINT = """
  - name: docs
    kind: async
    async:
      input_path: s3://acme/requests/
      output_path: s3://acme/results/
    variants:
      - name: main
        model: 1.1.0
        instance_type: ml.m5.large
        instance_count: 1
"""


def _setup(workdir: Path, text: str, files: tuple[tuple[str, str | None], ...] = ()) -> None:
    (workdir / CONFIG_NAME).write_text(text)
    (workdir / "tabular.json").write_text('{"type": "object", "required": ["data"]}')
    (workdir / "vocab.txt").write_text("[PAD]\n[UNK]\nhello\n")
    for name, content in files:
        if content is None:
            (workdir / name).unlink()
        else:
            (workdir / name).write_text(content)


def test_the_realtime_base_is_valid(workdir: Path) -> None:
    _setup(workdir, FULL)
    run = cli("render", CONFIG_NAME, "-o", OUT_NAME)
    assert run.exit_code == 0, run.everything
    assert (workdir / OUT_NAME / "modules" / "api" / "main.tf").is_file()


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
@pytest.mark.parametrize("command", ["validate", "render"])
def test_invalid_realtime_config(case: C, command: str, workdir: Path) -> None:
    text = edit(FULL, *case.edits)
    _setup(workdir, text, case.files)
    before = snapshot(workdir)
    run = cli(command, CONFIG_NAME, *(["-o", OUT_NAME] if command == "render" else []))
    assert_no_traceback(run)
    assert run.exit_code == 2, run.everything
    assert_error_line(run, CONFIG_NAME, line_of(text, case.anchor, case.after), case.path, case.code)
    assert snapshot(workdir) == before


@pytest.mark.parametrize(
    ("kind_edit", "code"),
    [
        (None, "route-async-endpoint"),
        ("multi-model", "route-multi-model-endpoint"),
    ],
)
def test_routes_only_to_synchronous_single_model_endpoints(kind_edit, code, workdir: Path) -> None:
    text = edit(BASE, ("  - name: scoring\n", ASYNC_ENDPOINT.lstrip("\n") + "\n  - name: scoring\n")) + REALTIME
    if kind_edit:
        text = edit(text, ("    kind: async\n    async:\n      input_path: s3://acme/requests/\n      output_path: s3://acme/results/\n", "    kind: multi-model\n    multi_model:\n      model_data_prefix: s3://acme/mme/\n"))
    text = edit(text, ("    endpoint: inference\n    schema: tabular.json\n", "    endpoint: docs\n    schema: tabular.json\n"))
    _setup(workdir, text)
    run = cli("validate", CONFIG_NAME)
    assert run.exit_code == 2
    assert_error_line(run, CONFIG_NAME, line_of(text, "endpoint: docs"), "routes[0].endpoint", code)


def test_routes_and_api_need_each_other(workdir: Path) -> None:
    no_routes = FULL[: FULL.index("routes:\n")] + FULL[FULL.index("preprocessing:\n") :]
    _setup(workdir, no_routes)
    run = cli("validate", CONFIG_NAME)
    assert run.exit_code == 2
    assert_error_line(run, CONFIG_NAME, line_of(no_routes, "api:"), "api", "api-without-routes")

    no_api = FULL[: FULL.index("api:\n")] + FULL[FULL.index("routes:\n") :]
    _setup(workdir, no_api)
    run = cli("validate", CONFIG_NAME)
    assert_error_line(run, CONFIG_NAME, line_of(no_api, "routes:"), "routes", "routes-need-api")

    no_pre = FULL[: FULL.index("preprocessing:\n")] + FULL[FULL.index("cache:\n") :]
    _setup(workdir, no_pre)
    run = cli("validate", CONFIG_NAME)
    assert_error_line(run, CONFIG_NAME, line_of(no_pre, "routes:"), "routes", "routes-need-preprocessing")


def test_a_route_may_bring_its_own_settings(workdir: Path) -> None:
    """Per-route settings win over the shared ones of their kind; the rest keep the shared ones."""
    import json

    from mlinfra.pipeline import load_config
    from mlinfra.plan.platform import build_plan

    text = edit(FULL, ("  - path: /predict/text\n", "  - path: /predict/churn\n    preprocessor: tabular\n    endpoint: inference\n    tabular:\n      features: [{name: tenure, mean: 24, std: 18}]\n  - path: /predict/text\n"))
    text = edit(text, ("    variant: production\n", "    variant: production\n    text: {vocabulary_file: words.txt, max_tokens: 16}\n"))
    _setup(workdir, text, (("words.txt", "[PAD]\n[UNK]\nchurn\n"),))
    functions = {f.key: f for f in build_plan(load_config(workdir / CONFIG_NAME), workdir).preprocessing.functions}
    assert json.loads(functions["predict_tabular"].environment["MLINFRA_SETTINGS"])["features"][0]["name"] == "age"  # shared
    assert json.loads(functions["predict_churn"].environment["MLINFRA_SETTINGS"])["features"] == [{"name": "tenure", "default": 0.0, "mean": 24.0, "std": 18.0}]
    assert json.loads(functions["predict_text"].environment["MLINFRA_SETTINGS"])["max_tokens"] == 16
    package = build_plan(load_config(workdir / CONFIG_NAME), workdir).preprocessing.package
    assert package["mlinfra_lambdas/data/predict_text.vocab"] == "[PAD]\n[UNK]\nchurn\n"


#: Codes this module covers (test_config_invalid's coverage check counts them too).
COVERED = {c.code for c in CASES} | {"route-async-endpoint", "route-multi-model-endpoint", "api-without-routes", "routes-need-api", "routes-need-preprocessing"}
