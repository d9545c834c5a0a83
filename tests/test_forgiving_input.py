"""Forgiving input where AWS is (#11): S3 https URLs read as s3:// URIs, numbers and booleans among a
model version's environment values passed as the text written, each reported as a warning with its
file, line and field; the CLI prints the warnings, the library hands them back."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from mlinfra.cli import app
from mlinfra.config.lenient import NotAnS3Url, s3_uri_from_url
from mlinfra.config.shapes import ModelVersion
from mlinfra.errors import ConfigError, ConfigWarning
from mlinfra.pipeline import load_config
from tests.support.configs import edited

runner = CliRunner()
IMAGE = "123456789012.dkr.ecr.us-east-1.amazonaws.com/model:1.0"


@pytest.mark.parametrize(
    "url, uri",
    [
        ("https://acme-models.s3.amazonaws.com/churn/model.tar.gz", "s3://acme-models/churn/model.tar.gz"),  # virtual-hosted, global
        ("https://acme-models.s3.us-east-1.amazonaws.com/churn/model.tar.gz", "s3://acme-models/churn/model.tar.gz"),  # regional
        ("https://acme-models.s3-us-west-2.amazonaws.com/churn/model.tar.gz", "s3://acme-models/churn/model.tar.gz"),  # legacy dash
        ("https://acme-models.s3-external-1.amazonaws.com/m.tar.gz", "s3://acme-models/m.tar.gz"),
        ("https://acme-models.s3.dualstack.eu-west-1.amazonaws.com/m/", "s3://acme-models/m/"),  # dualstack
        ("https://s3.us-east-1.amazonaws.com/acme-models/churn/", "s3://acme-models/churn/"),  # path-style
        ("https://s3.amazonaws.com/acme-models/m.tar.gz", "s3://acme-models/m.tar.gz"),
        ("https://s3-eu-west-1.amazonaws.com/acme-models/m.tar.gz", "s3://acme-models/m.tar.gz"),
        ("https://acme.models.s3.cn-north-1.amazonaws.com.cn/m.tar.gz", "s3://acme.models/m.tar.gz"),  # China, a dotted bucket
        ("https://s3.cn-northwest-1.amazonaws.com.cn/acme-models/m.tar.gz", "s3://acme-models/m.tar.gz"),
        ("https://ACME-MODELS.S3.US-EAST-1.AMAZONAWS.COM/Churn/M.tar.gz", "s3://acme-models/Churn/M.tar.gz"),  # hosts are case-blind, keys not
        # Keys are percent-decoded as S3 decodes a request path: %2B is a plus, %3D an equals sign, + a space.
        ("https://acme-models.s3.amazonaws.com/run%3D7/v1%2Bcpu/model.tar.gz", "s3://acme-models/run=7/v1+cpu/model.tar.gz"),
        ("https://acme-models.s3.amazonaws.com/my+model/m.tar.gz", "s3://acme-models/my model/m.tar.gz"),
    ],
)
def test_s3_object_urls_read_as_s3_uris(url: str, uri: str) -> None:
    assert s3_uri_from_url(url)[0] == uri


def test_a_presigned_url_loses_its_query_and_says_so() -> None:
    uri, note = s3_uri_from_url("https://acme-models.s3.amazonaws.com/m.tar.gz?X-Amz-Signature=abc&X-Amz-Expires=300")
    assert uri == "s3://acme-models/m.tar.gz" and "query string is dropped" in note


@pytest.mark.parametrize(
    "url",
    [
        "https://example.com/models/m.tar.gz",
        "https://acme-models.s3-website-us-east-1.amazonaws.com/m.tar.gz",  # the website endpoint serves pages, not the REST API
        "https://ap-1234.s3-accesspoint.us-east-1.amazonaws.com/m.tar.gz",  # access points have no s3:// form
        "https://s3.us-east-1.amazonaws.com/",  # path-style without a bucket
        "https://acme-models.s3.us-east-1.amazonaws.com.evil.example/m.tar.gz",
        "ftp://acme-models.s3.amazonaws.com/m.tar.gz",
    ],
)
def test_other_urls_are_refused(url: str) -> None:
    with pytest.raises(NotAnS3Url, match="an S3 URI such as s3://bucket/key, or an S3 object URL"):
        s3_uri_from_url(url)


def test_a_config_built_in_python_reads_the_same() -> None:
    m = ModelVersion.model_validate(
        {
            "version": "1.0.0",
            "status": "staging",
            "image": IMAGE,
            "model_data": "https://acme-models.s3.us-east-1.amazonaws.com/m.tar.gz",
            "environment": {"LR": 0.001, "WORKERS": 2, "DEBUG": True, "TASK": "x"},
        }
    )
    assert m.model_data == "s3://acme-models/m.tar.gz"
    assert m.environment == {"LR": "0.001", "WORKERS": "2", "DEBUG": "true", "TASK": "x"}


# --- through the loader and the CLI ------------------------------------------------------------------------

ENV_BLOCK = "    environment:\n      HF_TASK: text-classification\n"
ENV_NUMBERS = ENV_BLOCK + "      LEARNING_RATE: 1e-3\n      TRANSFORMERS_VERSION: 4.10\n      WORKERS: 010\n      TRUST_REMOTE_CODE: true\n"


def _env_numbers(text: str) -> str:
    """The first model's environment with numbers and a boolean (the second model's begins the same)."""
    return text.replace(ENV_BLOCK, ENV_NUMBERS, 1)


def _line(path: Path, needle: str) -> int:
    return next(i for i, line in enumerate(path.read_text().splitlines(), 1) if needle in line)


PREFIX_URL = "https://acme-sentiment.s3.us-east-1.amazonaws.com/models/1.1.0/"


def test_validate_warns_of_an_https_url_and_passes(tmp_path: Path) -> None:
    config = edited("model-sources", tmp_path, ("model_data_prefix: s3://acme-sentiment/models/1.1.0/", f"model_data_prefix: {PREFIX_URL}"), as_name="mlinfra.yaml")
    result = runner.invoke(app, ["validate", str(config)])
    assert result.exit_code == 0, result.output
    line = _line(config, "model_data_prefix:")
    assert f"warning: {config}:{line}: models[1].model_data_prefix: read as s3://acme-sentiment/models/1.1.0/ [s3-url-normalised]" in result.stderr
    assert "warning" not in result.stdout  # warnings go to stderr; stdout keeps the summary


def test_render_writes_the_normalised_uri(tmp_path: Path) -> None:
    config = edited("model-sources", tmp_path, ("model_data_prefix: s3://acme-sentiment/models/1.1.0/", f"model_data_prefix: {PREFIX_URL}"), as_name="mlinfra.yaml")
    out = tmp_path / "out"
    result = runner.invoke(app, ["render", str(config), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "read as s3://acme-sentiment/models/1.1.0/" in result.stderr
    main = (out / "main.tf").read_text()
    assert 'model_data_prefix = "s3://acme-sentiment/models/1.1.0/"' in main
    assert "https://" not in main
    # The role is scoped to the bucket and prefix the URL names.
    assert "s3:::acme-sentiment/models/1.1.0/*" in main


def test_an_other_https_url_is_refused_with_what_is_accepted(tmp_path: Path) -> None:
    config = edited("model-sources", tmp_path, ("model_data_prefix: s3://acme-sentiment/models/1.1.0/", "model_data_prefix: https://models.acme.example/sentiment/1.1.0/"), as_name="mlinfra.yaml")
    result = runner.invoke(app, ["validate", str(config)])
    assert result.exit_code == 2
    line = _line(config, "model_data_prefix:")
    assert f"error: {config}:{line}: models[1].model_data_prefix: must be an S3 URI such as s3://bucket/key, or an S3 object URL" in result.stderr
    assert "'models.acme.example' is not an S3 endpoint [s3-url-unknown]" in result.stderr


def test_environment_numbers_and_booleans_become_their_yaml_text(tmp_path: Path) -> None:
    config = edited("model-sources", tmp_path, _env_numbers, as_name="mlinfra.yaml")
    out = tmp_path / "out"
    result = runner.invoke(app, ["render", str(config), "-o", str(out)])
    assert result.exit_code == 0, result.output
    lr, tv, trust = (_line(config, k) for k in ("LEARNING_RATE", "TRANSFORMERS_VERSION", "TRUST_REMOTE_CODE"))
    assert f'warning: {config}:{lr}: models[0].environment.LEARNING_RATE: YAML read 1e-3 as a number; SageMaker stores environment values as strings: passed as "1e-3"' in result.stderr
    assert f'warning: {config}:{tv}: models[0].environment.TRANSFORMERS_VERSION: YAML read 4.10 as a number; SageMaker stores environment values as strings: passed as "4.10"' in result.stderr
    assert f'warning: {config}:{trust}: models[0].environment.TRUST_REMOTE_CODE: YAML read true as a boolean' in result.stderr
    assert "WORKERS" not in result.stderr  # 010 is text already (YAML 1.2: no octal, no leading zeros)
    main = (out / "main.tf").read_text()
    # As written, not as Python spells the parsed values (0.001, 4.1, True).
    for rendered in ('LEARNING_RATE        = "1e-3"', 'TRANSFORMERS_VERSION = "4.10"', 'TRUST_REMOTE_CODE    = "true"', 'WORKERS              = "010"'):
        assert rendered in main


def test_the_library_hands_warnings_back_and_never_prints(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = edited("model-sources", tmp_path, _env_numbers, ("model_data_prefix: s3://acme-sentiment/models/1.1.0/", f"model_data_prefix: {PREFIX_URL}"), as_name="mlinfra.yaml")
    sink: list[ConfigWarning] = []
    cfg = load_config(config, warnings=sink)
    assert capsys.readouterr() == ("", "")
    assert cfg.models[1].model_data_prefix == "s3://acme-sentiment/models/1.1.0/"
    assert cfg.models[0].environment["LEARNING_RATE"] == "1e-3"
    assert [(w.path, w.code) for w in sink] == [
        ("models[0].environment.LEARNING_RATE", "env-value-text"),
        ("models[0].environment.TRANSFORMERS_VERSION", "env-value-text"),
        ("models[0].environment.TRUST_REMOTE_CODE", "env-value-text"),
        ("models[1].model_data_prefix", "s3-url-normalised"),
    ]
    assert all(w.file == str(config) and w.line for w in sink)
    # Existing callers, without a sink, get the same config.
    assert load_config(config) == cfg


def test_warnings_are_handed_back_when_the_config_fails(tmp_path: Path) -> None:
    config = edited("model-sources", tmp_path, _env_numbers, ("status: canary", "status: bogus"), as_name="mlinfra.yaml")
    sink: list[ConfigWarning] = []
    with pytest.raises(ConfigError):
        load_config(config, warnings=sink)
    assert len(sink) == 3
    result = runner.invoke(app, ["validate", str(config)])
    assert result.exit_code == 2 and "warning:" in result.stderr and "error:" in result.stderr


def test_a_url_in_another_region_says_so(tmp_path: Path) -> None:
    config = edited("model-sources", tmp_path, ("model_data_prefix: s3://acme-sentiment/models/1.1.0/", "model_data_prefix: https://acme-sentiment.s3.eu-west-1.amazonaws.com/models/1.1.0/"), as_name="mlinfra.yaml")
    sink: list[ConfigWarning] = []
    load_config(config, warnings=sink)
    (w,) = sink
    assert w.message == (
        "read as s3://acme-sentiment/models/1.1.0/; the URL names region eu-west-1, and SageMaker reads from buckets in the project's region us-east-1: is the bucket there?"
    )


@pytest.mark.parametrize(
    "url, region",
    [
        ("https://b.s3.eu-west-1.amazonaws.com/k", "eu-west-1"),
        ("https://b.s3-us-gov-west-1.amazonaws.com/k", "us-gov-west-1"),
        ("https://s3.dualstack.ap-southeast-2.amazonaws.com/b/k", "ap-southeast-2"),
        ("https://b.s3.amazonaws.com/k", None),
        ("https://models-us-east-1.s3.amazonaws.com/k", None),
        ("https://models-us-east-1.s3.eu-west-1.amazonaws.com/k", "eu-west-1"),
        ("https://b.s3-external-1.amazonaws.com/k", None),
    ],
)
def test_the_region_a_url_names(url: str, region: str | None) -> None:
    from mlinfra.config.lenient import url_region

    assert url_region(url) == region


def test_every_s3_uri_field_takes_urls(tmp_path: Path) -> None:
    """Async paths, a multi-model prefix and monitoring baselines are S3 URIs too (inside the endpoints'
    discriminated union and the monitoring section)."""
    config = edited(
        "async",
        tmp_path,
        ("input_path: s3://acme-docs-async/requests/", "input_path: https://s3.us-east-1.amazonaws.com/acme-docs-async/requests/"),
        ("failure_path: s3://acme-docs-async/failures/", "failure_path: https://acme-docs-async.s3.amazonaws.com/failures/"),
    )
    sink: list[ConfigWarning] = []
    cfg = load_config(config, warnings=sink)
    assert (cfg.endpoints[0].async_inference.input_path, cfg.endpoints[0].async_inference.failure_path) == ("s3://acme-docs-async/requests/", "s3://acme-docs-async/failures/")
    assert [w.path for w in sink] == ["endpoints[0].async.input_path", "endpoints[0].async.failure_path"]

    config = edited(
        "multi-model", tmp_path, ("model_data_prefix: s3://acme-recsys/mme/tenants/", "model_data_prefix: https://acme-recsys.s3.us-west-2.amazonaws.com/mme/tenants/"), as_name="mme.yaml"
    )
    sink = []
    assert load_config(config, warnings=sink).endpoints[0].multi_model.model_data_prefix == "s3://acme-recsys/mme/tenants/"
    assert [w.path for w in sink] == ["endpoints[0].multi_model.model_data_prefix"]

    config = edited(
        "monitoring", tmp_path, ("statistics: s3://acme-churn-monitoring/baseline/statistics.json", "statistics: https://acme-churn-monitoring.s3.amazonaws.com/baseline/statistics.json")
    )
    sink = []
    assert load_config(config, warnings=sink).monitoring.endpoints[0].data_quality.baseline.statistics == "s3://acme-churn-monitoring/baseline/statistics.json"
    assert [w.path for w in sink] == ["monitoring.endpoints[0].data_quality.baseline.statistics"]


def test_deploy_prints_the_warnings_too(tmp_path: Path) -> None:
    """Every command that loads the config reports them (here deploy, stopped by a missing terraform)."""
    config = edited("model-sources", tmp_path, _env_numbers, as_name="mlinfra.yaml")
    result = runner.invoke(app, ["deploy", str(config), "-o", str(tmp_path / "out"), "--terraform", "/nonexistent/terraform"])
    assert result.exit_code != 0 and "not an executable" in result.stderr
    assert f"warning: {config}:{_line(config, 'LEARNING_RATE')}: models[0].environment.LEARNING_RATE: YAML read 1e-3 as a number" in result.stderr


@pytest.mark.parametrize("command", [["status"], ["promote", "--canary", "10"], ["rollback"]])
def test_operations_print_the_warnings_too(tmp_path: Path, command: list[str]) -> None:
    """status, promote and rollback load the config through ops.target.resolve: its warnings reach stderr
    (here before the endpoint is found missing, so no AWS call is made)."""
    config = edited("model-sources", tmp_path, ("model_data_prefix: s3://acme-sentiment/models/1.1.0/", f"model_data_prefix: {PREFIX_URL}"), as_name="mlinfra.yaml")
    result = runner.invoke(app, [command[0], str(config), "--endpoint", "nosuch", *command[1:]])
    assert result.exit_code == 2 and "no endpoint 'nosuch'" in result.stderr, result.output
    assert f"warning: {config}:{_line(config, 'model_data_prefix:')}: models[1].model_data_prefix: read as s3://acme-sentiment/models/1.1.0/" in result.stderr


def test_batch_commands_print_the_warnings_too(tmp_path: Path) -> None:
    """batch submit loads the config through batch.run.pipeline: the warnings reach stderr, also when the
    config then fails (so nothing reaches AWS)."""
    config = edited("model-sources", tmp_path, _env_numbers, ("status: canary", "status: bogus"), as_name="mlinfra.yaml")
    result = runner.invoke(app, ["batch", "submit", "--input", "s3://acme-in/in/", "--output", "s3://acme-out/out/", "--config", str(config)])
    assert result.exit_code == 2 and "models[1].status" in result.stderr, result.output
    assert f"warning: {config}:{_line(config, 'TRUST_REMOTE_CODE')}: models[0].environment.TRUST_REMOTE_CODE: YAML read true as a boolean" in result.stderr


def test_a_capture_destination_takes_urls_on_both_endpoint_kinds(tmp_path: Path) -> None:
    """data_capture.destination (capture-tags) is an S3 URI too: on an endpoint with variants and on one of
    kind: components (the other member of the endpoints' discriminated union)."""
    for example, old, url, uri in (
        ("monitoring.yaml", "destination: s3://acme-churn-capture/churn/", "https://acme-churn-capture.s3.eu-west-1.amazonaws.com/churn/", "s3://acme-churn-capture/churn/"),
        ("inference-components.yaml", "json_content_types: [application/json]}", None, "s3://acme-vision-capture/vision/"),
    ):
        new = f"destination: {url}" if url else "json_content_types: [application/json], destination: 'https://s3.us-east-1.amazonaws.com/acme-vision-capture/vision/'}"
        sink: list[ConfigWarning] = []
        assert load_config(edited(example, tmp_path, (old, new)), warnings=sink).endpoints[0].data_capture.destination == uri
        assert [(w.path, w.code) for w in sink] == [("endpoints[0].data_capture.destination", "s3-url-normalised")]
