"""Async endpoints as existing accounts have them: no input_path, their own SNS topics and KMS key; scaling
on the backlog only (async endpoints publish no InvocationsPerInstance). Bad input first (same contract as test_config_invalid.py: exit
2, ``error: FILE:LINE: path: message [code]``, no traceback, nothing written), then what the plan decides.

The valid starting point is examples/async.yaml, whose second endpoint ("receipts") carries every setting.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from mlinfra.pipeline import load_config
from mlinfra.plan.platform import build_plan
from tests.support.configs import edit, write_config
from tests.test_config_invalid import (
    CONFIG_NAME,
    EditCase,
    assert_error_line,
    assert_no_traceback,
    line_of,
    run_edited,
    snapshot,
)

REPO = Path(__file__).resolve().parents[1]
BASE = (REPO / "examples" / "async.yaml").read_text(encoding="utf-8")

TOPICS = """\
      notifications:
        success_topic: arn:aws:sns:us-east-1:123456789012:receipts-done
        error_topic: arn:aws:sns:us-east-1:123456789012:receipts-failed
"""
KEY = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"


C = EditCase


CASES = [
    C("topics-empty", ((TOPICS, "      notifications: {}\n"),), "notifications: {}", "endpoints[1].async.notifications", "async-topics-empty",
      "or write notifications: true for topics mlinfra creates, false for none"),
    C("topic-not-sns", (("arn:aws:sns:us-east-1:123456789012:receipts-done", "arn:aws:sqs:us-east-1:123456789012:receipts-done"),), "success_topic:",
      "endpoints[1].async.notifications.success_topic", "string-pattern-mismatch", "must be an SNS topic ARN such as arn:aws:sns:"),
    C("notifications-word", ((TOPICS, "      notifications: yes\n"),), "notifications: yes", "endpoints[1].async.notifications", "bool-type", "must be true or false"),
    C("topic-other-partition", (("arn:aws:sns:us-east-1:123456789012:receipts-failed", "arn:aws-cn:sns:cn-north-1:123456789012:receipts-failed"),), "error_topic:",
      "endpoints[1].async.notifications.error_topic", "async-arn-partition", "the SNS topic is in partition aws-cn and the platform in us-east-1 (partition aws)"),
    C("key-alias", ((KEY, "arn:aws:kms:us-east-1:123456789012:alias/receipts"),), "kms_key_arn:", "endpoints[1].async.kms_key_arn", "async-kms-key-arn",
      "write the key's ARN (aws kms describe-key"),
    C("key-id", ((KEY, "1234abcd-12ab-34cd-56ef-1234567890ab"),), "kms_key_arn:", "endpoints[1].async.kms_key_arn", "async-kms-key-arn", "IAM names keys by ARN"),
    C("key-other-partition", ((KEY, "arn:aws-us-gov:kms:us-gov-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"),), "kms_key_arn:",
      "endpoints[1].async.kms_key_arn", "async-arn-partition", "the KMS key is in partition aws-us-gov"),
    C("key-other-region", ((KEY, KEY.replace("us-east-1", "eu-west-1")),), "kms_key_arn:", "endpoints[1].async.kms_key_arn", "async-kms-key-region",
      "the key is in eu-west-1, the endpoint in us-east-1: S3 encrypts the results only with a key of the bucket's Region"),
    C("key-id-malformed", ((KEY, KEY.replace("1234abcd-12ab", "receipts")),), "kms_key_arn:", "endpoints[1].async.kms_key_arn", "async-kms-key-arn", "is not a KMS key ARN"),
    C("backlog-missing", (("          target_backlog_per_instance: 2\n", ""),), "autoscaling:", "endpoints[1].variants[0].autoscaling", "autoscaling-target",
      "async endpoints scale on the backlog: set target_backlog_per_instance", after="name: receipts"),
    # AWS: "Any metric not listed below is not published if the endpoint is enabled for asynchronous
    # inference. Such metrics include ... Invocations, InvocationsPerInstance" (async-inference-monitor).
    C("invocations-target", (("          target_backlog_per_instance: 2\n", "          target_backlog_per_instance: 2\n          target_invocations: 20\n"),),
      "target_invocations:", "endpoints[1].variants[0].autoscaling.target_invocations", "async-invocations-metric",
      "async endpoints publish no InvocationsPerInstance metric", after="name: receipts"),
    C("invocations-target-alone", (("          target_backlog_per_instance: 2\n", "          target_invocations: 20\n"),),
      "target_invocations:", "endpoints[1].variants[0].autoscaling.target_invocations", "async-invocations-metric",
      "remove target_invocations and scale on the backlog with target_backlog_per_instance", after="name: receipts"),
    C("output-path-too-long", (("output_path: s3://acme-docs-async/receipts/results/", "output_path: s3://acme-docs-async/" + "r" * 500 + "/"),), "output_path: s3://acme-docs-async/rrr",
      "endpoints[1].async.output_path", "async-path-too-long", "SageMaker's S3OutputPath takes at most 512: choose a shorter prefix"),
]

#: Rule codes of rules.py that the cases above cover.
COVERED = {c.code for c in CASES}


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
@pytest.mark.parametrize("command", ["validate", "render"])
def test_invalid_async(case: C, command: str, workdir: Path) -> None:
    run, text, before = run_edited(BASE, case.edits, command, workdir)
    assert_no_traceback(run)
    assert run.exit_code == 2, run.everything
    assert_error_line(run, CONFIG_NAME, line_of(text, case.anchor, case.after), case.path, case.code, case.message)
    assert snapshot(workdir) == before  # nothing written


def _plan(text: str, tmp_path: Path):
    return build_plan(load_config(write_config(tmp_path, text, CONFIG_NAME)), tmp_path)


def _text(value: object) -> str:
    """An Interp as the HCL template it renders to (a plain string as it is)."""
    parts = getattr(value, "parts", None)
    if parts is None:
        return str(value)
    return "".join(p if isinstance(p, str) else "${" + p.expr + "}" for p in parts)


def _statements(plan) -> dict[str, object]:
    return {s.sid: s for s in plan.parts["endpoint"].role_statements}


def test_the_role_reads_the_sdk_upload_prefix_without_input_path(tmp_path: Path) -> None:
    """No input_path: the role reads exactly where the SageMaker Python SDK's AsyncPredictor uploads for this
    endpoint (its default bucket, async-endpoint-inputs/<endpoint name cut to 51>-<time>/...), nothing more."""
    st = _statements(_plan(BASE, tmp_path))
    sdk = st["ReadSdkAsyncRequests"]
    assert sdk.actions == ("s3:GetObject",)
    assert [_text(r) for r in sdk.resources] == ["arn:${local.partition}:s3:::sagemaker-us-east-1-${local.account_id}/async-endpoint-inputs/docs-prod-receipts-*"]
    # The endpoint with an input_path keeps its own grant, and only it.
    assert [_text(r) for r in st["ReadAsyncRequests"].resources] == ["arn:${local.partition}:s3:::acme-docs-async/requests/*"]


def test_sdk_prefix_is_cut_like_the_sdk_cuts_the_name(tmp_path: Path) -> None:
    long = "receipts-and-invoices-of-every-customer-in-every-region"  # 32-char limit of our names: shorten the project instead
    text = BASE.replace("  - name: receipts\n", f"  - name: {long[:32].rstrip('-')}\n").replace("  name: docs\n", "  name: acme-document-platf\n")
    plan = _plan(text, tmp_path)
    name = next(e.name for e in plan.endpoints if e.label != "layout")
    assert len(name) > 51
    (grant,) = _statements(plan)["ReadSdkAsyncRequests"].resources
    assert _text(grant).endswith(f"/async-endpoint-inputs/{name[:51]}-*")


def test_own_topics_and_key_are_granted_exactly(tmp_path: Path) -> None:
    st = _statements(_plan(BASE, tmp_path))
    assert st["PublishAsyncNotificationsToOwnTopics"].resources == ("arn:aws:sns:us-east-1:123456789012:receipts-done", "arn:aws:sns:us-east-1:123456789012:receipts-failed")
    assert st["UseAsyncResultsKeys"].resources == (KEY,)
    assert st["UseAsyncResultsKeys"].actions == ("kms:Decrypt", "kms:GenerateDataKey")
    # mlinfra's own topics are those of "layout" only.
    assert [_text(r).rsplit(":", 1)[1] for r in st["PublishAsyncNotifications"].resources] == ["docs-prod-layout-success", "docs-prod-layout-error"]


def test_without_own_settings_nothing_is_granted_and_names_stay(tmp_path: Path) -> None:
    """Only the first endpoint: no bring-your-own statements, and its configuration name is the one earlier
    renders gave it (the new fields enter the content hash only when set)."""
    text = BASE.split("  # The same kind, set up")[0]
    plan = _plan(text, tmp_path)
    st = _statements(plan)
    assert not {"ReadSdkAsyncRequests", "PublishAsyncNotificationsToOwnTopics", "UseAsyncResultsKeys"} & set(st)
    # (ec171c08 since the execution role's name, in the model hash, carries the region code: day 2, #21)
    assert plan.endpoints[0].config_name == "docs-prod-layout-ec171c08"


def test_one_own_topic_only(tmp_path: Path) -> None:
    text = edit(BASE, ("        error_topic: arn:aws:sns:us-east-1:123456789012:receipts-failed\n", ""))
    plan = _plan(text, tmp_path)
    a = next(e for e in plan.endpoints if e.label == "receipts").async_inference
    assert (a.success_topic_arn, a.error_topic_arn, a.success_topic, a.error_topic) == ("arn:aws:sns:us-east-1:123456789012:receipts-done", None, None, None)
    assert a.topic_types == ("SUCCESS_NOTIFICATION_TOPIC",)


def test_notifications_false_renders_no_notification_config(tmp_path: Path) -> None:
    """No topics at all: nothing to publish to, nothing granted, and the module gets empty maps (its
    notification_config is skipped) and no response topics."""
    from mlinfra.pipeline import render_project
    from mlinfra.write import write_tree
    from tests.support.hcl_checks import load_tree, module_call

    text = edit(BASE, (TOPICS, "      notifications: false\n"))
    (tmp_path / CONFIG_NAME).write_text(text)
    config = load_config(tmp_path / CONFIG_NAME)
    assert not {"PublishAsyncNotificationsToOwnTopics"} & set(_statements(build_plan(config, tmp_path)))
    write_tree(render_project(config, tmp_path).files, tmp_path / "out")
    call = module_call(load_tree(tmp_path / "out"), "endpoint_receipts")
    assert call["notification_topics"] == {} and call["notification_topic_arns"] == {}
    assert call["async_inference"]["include_inference_response_in"] == []
