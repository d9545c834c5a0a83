"""The weaker messages, named: the form a schedule or an e-mail takes, why an S3 bucket name is refused,
and the usual cause behind a YAML syntax error (indentation, tabs, a missing '- ')."""

from __future__ import annotations

from pathlib import Path

import pytest

from mlinfra.components import schema
from mlinfra.config.loader import _PATTERN_WORDS
from tests.support.configs import edited, example, refused, write_config


def _message(config: Path, path: str) -> str:
    problems = [p for p in refused(config).problems if p.path == path]
    assert len(problems) == 1, [str(p) for p in refused(config).problems]
    return problems[0].message


@pytest.mark.parametrize(
    ("old", "new", "path", "says"),
    [
        ("schedule: cron(0 2 * * ? *)", 'schedule: "0 2 * * *"', "batch.schedule", "EventBridge writes it cron(0 2 * * ? *)"),
        ("schedule: cron(0 2 * * ? *)", "schedule: every night", "batch.schedule", "rate(1 day), rate(6 hours) or cron(0 2 * * ? *)"),
        ("email: ml-platform@example.com", "email: ml-platform", "batch.subscribers[0].email", "name@example.com"),
        (
            "sqs: arn:aws:sqs:eu-west-1:123456789012:churn-scores-ready",
            "sqs: churn-scores-ready",
            "batch.subscribers[1].sqs",
            "an SQS queue ARN such as arn:aws:sqs:",
        ),
        ("prefix: customers/", "prefix: customers", "batch.input.prefix", "an S3 key prefix ending with /"),
    ],
)
def test_a_field_says_the_form_it_takes(tmp_path: Path, old: str, new: str, path: str, says: str) -> None:
    message = _message(edited("batch", tmp_path, (old, new)), path)
    assert says in message and "not in the form this field takes" not in message, message


def test_a_monitor_schedule_names_model_monitors_cron(tmp_path: Path) -> None:
    text = example("monitoring").replace("data_quality:", 'data_quality:\n        schedule: "@hourly"', 1)
    problems = refused(write_config(tmp_path, text, "monitoring.yaml", beside_examples=True)).problems
    assert any("cron(0 * ? * * *)" in p.message and p.path.endswith("data_quality.schedule") for p in problems), [
        str(p) for p in problems
    ]


@pytest.mark.parametrize(
    ("bucket", "why"),
    [
        ("Acme-Models", "has upper-case letters; S3 bucket names are lower-case"),
        ("acme_models", "contains '_'; S3 bucket names hold only lower-case letters, digits, dots and dashes"),
        ("ab", "has 2 characters; S3 bucket names have 3 to 63"),
        ("-acme-models", "must start and end with a letter or digit"),
    ],
)
def test_an_s3_uri_refused_for_its_bucket_says_why(tmp_path: Path, bucket: str, why: str) -> None:
    config = edited(
        "batch",
        tmp_path,
        ("s3://acme-churn-models/xgboost", f"s3://{bucket}/xgboost"),
    )
    message = _message(config, "models[0].model_data")
    assert message.startswith("must be an S3 URI such as s3://bucket/key") and message.endswith(f"'{bucket}' {why}"), (
        message
    )


def test_an_s3_uri_refused_for_another_reason_does_not_blame_the_bucket(tmp_path: Path) -> None:
    config = edited(
        "batch", tmp_path, ("s3://acme-churn-models/xgboost/2.3.0/", "s3://acme-churn-models/xg boost/2.3.0/")
    )
    message = _message(config, "models[0].model_data")
    assert message.startswith("must be an S3 URI") and "bucket name" not in message


def test_every_pattern_of_the_schema_has_words() -> None:
    """No field falls back to "is not in the form this field takes": each pattern is said in words."""
    patterns: set[str] = set()

    def walk(node: object) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("pattern"), str):
                patterns.add(node["pattern"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(schema().json_schema())
    assert patterns and not patterns - set(_PATTERN_WORDS) - set(schema().pattern_words)


@pytest.mark.parametrize(
    ("text", "line", "cause"),
    [
        (
            "project:\n  name: a\n environment: b\n",
            3,
            "usually the indentation: the keys of one mapping start in the same column",
        ),
        ("project:\n\tname: a\n", 2, "indented with a tab; YAML indents with spaces only"),
        ("project:\n  name: a\n  \tregion: b\n", 3, "indented with a tab"),
        ("models:\n  - version: 1.0.0\n  status: production\n", 3, "a list item without its leading '- '"),
        ("project: {name: a\nmodels: []\n", 2, "is not closed"),
        ("project:\n  name: a: b\n", 2, "quote it"),
        ('project:\n  name: "a\n', 2, "a quote opened here is never closed"),
    ],
)
def test_a_yaml_syntax_error_names_the_usual_cause(tmp_path: Path, text: str, line: int, cause: str) -> None:
    (problem,) = refused(write_config(tmp_path, text, "mlinfra.yaml")).problems
    assert problem.code == "yaml-syntax" and problem.line == line and cause in problem.message, str(problem)
    assert problem.message.startswith("YAML syntax error: ")
