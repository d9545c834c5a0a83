"""The seed platform's cache, results table and network, and an async endpoint, as rendered: parsed HCL,
asserted on structure (the preprocessing Lambdas, the API and the edge: tests/components/)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.hcl_checks import load_tree
from tests.support.hcl_checks import module_call as call
from tests.test_render import blocks, s


@pytest.fixture(scope="module")
def tree(rendered_examples: dict[str, Path]) -> dict:
    return load_tree(rendered_examples["platform"])


def res(tree: dict, module: str, kind: str = "resource") -> dict[str, dict]:
    return blocks(tree[f"modules/{module}"]["main.tf"], kind)


def test_cache_results_and_network(tree: dict) -> None:
    cache = res(tree, "cache")
    rg = cache["aws_elasticache_replication_group.this"]
    assert rg["at_rest_encryption_enabled"] is True and rg["transit_encryption_enabled"] is True
    assert rg["auth_token"] == "${random_password.auth.result}" and rg["kms_key_id"] == "${var.kms_key_arn}"
    assert rg["num_cache_clusters"] == "${var.cache.num_cache_clusters}" and rg["automatic_failover_enabled"] == "${var.cache.automatic_failover}"
    settings = call(tree, "cache")["cache"]
    assert settings["num_cache_clusters"] == 2 and settings["automatic_failover"] is True
    assert s(settings["engine_version"]) == "7.1" and s(settings["parameter_group_name"]) == "default.redis7"
    # The platform's VPC is created (tests/components/network/test_render.py): the cache sits in its subnets.
    assert settings["port"] == 6379 and settings["subnet_ids"] == "${module.network.private_subnet_ids}"
    assert settings["vpc_id"] == "${module.network.vpc_id}"
    ingress = cache["aws_vpc_security_group_ingress_rule.from_clients"]
    assert ingress["referenced_security_group_id"] == "${var.clients_security_group_id}" and ingress["from_port"] == "${var.cache.port}"
    assert cache["aws_secretsmanager_secret_version.auth"]["secret_string"] == "${random_password.auth.result}"
    table = res(tree, "results")["aws_dynamodb_table.this"]
    assert s(table["billing_mode"]) == "PAY_PER_REQUEST"
    assert table["ttl"][0]["enabled"] is True and table["ttl"][0]["attribute_name"] == "${var.ttl_attribute}"
    assert table["point_in_time_recovery"][0]["enabled"] == "${var.point_in_time_recovery}"
    assert table["server_side_encryption"][0]["kms_key_arn"] == "${var.kms_key_arn}"
    results = call(tree, "results")
    assert s(results["table_name"]) == "mlinfra-prod-predictions" and s(results["ttl_attribute"]) == "expires_at"
    assert results["point_in_time_recovery"] is True
    network = call(tree, "network")
    assert s(network["vpc"]["cidr"]) == "10.0.0.0/16" and s(network["security_groups"]["lambda"]["name"]) == "mlinfra-prod-preprocessing"
    kms_policy = res(tree, "kms", "data")["aws_iam_policy_document.key"]
    assert [s(st["sid"]) for st in kms_policy["statement"]] == ["AccountAdministers"]
    assert kms_policy["dynamic"][0]['"statement"']["for_each"] == "${var.service_statements}"
    assert [s(st["sid"]) for st in call(tree, "kms")["service_statements"]] == ["EcrEncryptsRepositories", "CloudWatchLogsEncrypt", "CloudWatchAlarmsPublish"]


def _literals(value: object) -> object:
    """A parsed module call's values without python-hcl2's quotes (strings, in lists and maps too)."""
    if isinstance(value, str):
        return value[1:-1] if len(value) > 1 and value[0] == value[-1] == '"' else value
    if isinstance(value, list):
        return [_literals(v) for v in value]
    if isinstance(value, dict):
        return {_literals(k): _literals(v) for k, v in value.items()}
    return value


def test_async_endpoint_with_own_topics_key_and_backlog_scaling_only(rendered_examples: dict[str, Path]) -> None:
    """examples/async.yaml's "receipts": no input_path, existing SNS topics, its own KMS key for the results,
    and target tracking on the backlog alone (async endpoints publish no InvocationsPerInstance), from config
    to the rendered module call and module."""
    tree = load_tree(rendered_examples["async"])
    receipts, layout = _literals(call(tree, "endpoint_receipts")), _literals(call(tree, "endpoint_layout"))
    a = receipts["async_inference"]
    assert a["kms_key_id"] == "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    assert a["include_inference_response_in"] == ["SUCCESS_NOTIFICATION_TOPIC", "ERROR_NOTIFICATION_TOPIC"]
    assert receipts["notification_topics"] == {}  # mlinfra creates none
    assert receipts["notification_topic_arns"] == {"success": "arn:aws:sns:us-east-1:123456789012:receipts-done", "error": "arn:aws:sns:us-east-1:123456789012:receipts-failed"}
    # One target-tracking policy, on the backlog; the wake-up from zero stays.
    assert receipts["scaling"]["main"]["policy_name"] == "docs-prod-receipts-main-backlog"
    assert receipts["scaling"]["main"]["predefined_metric"] is None
    assert "invocation_scaling" not in receipts and "invocation_scaling" not in layout
    assert set(receipts["scale_from_zero"]) == {"main"}
    # The endpoint mlinfra notifies for: its own topics, the platform key, one policy.
    assert layout["async_inference"]["kms_key_id"] == "${module.kms.key_arn}"
    assert layout["notification_topic_arns"] == {} and set(layout["notification_topics"]) == {"success", "error"}

    module = res(tree, "endpoint")
    assert "aws_appautoscaling_policy.invocations" not in module
    locals_ = tree["modules/endpoint"]["main.tf"]["locals"][0]
    assert locals_["notification_arns"] == "${merge(var.notification_topic_arns, local.topic_arns)}"
