"""The words of the README's Day 2 table, read off plans built by hand (tests/support/day2_catalogue.py);
tests/test_day2.py reads them off the real plans of the catalogue's steps."""

from __future__ import annotations

from tests.support.day2_catalogue import BLUE_GREEN, DELETED, NEW_NAMES, REPLACED, UPDATED, effects

STATE = {
    "resources": [
        {"mode": "managed", "module": "module.endpoint_inference", "type": "aws_sagemaker_model", "name": "this",
         "instances": [{"index_key": "canary", "attributes": {"name": "ep-canary-1111"}}]},
        {"mode": "managed", "type": "aws_iam_role", "name": "sagemaker", "instances": [{"attributes": {"name": "ep-role"}}]},
    ]
}


def rc(address: str, kind: str, actions: list[str], before: dict | None = None, after: dict | None = None) -> dict:
    return {"address": address, "mode": "managed", "type": kind, "change": {"actions": actions, "before": before, "after": after}}


def test_each_word() -> None:
    moved = rc("module.e.aws_sagemaker_endpoint.this", "aws_sagemaker_endpoint", ["update"], {"name": "ep", "endpoint_config_name": "c1"}, {"name": "ep", "endpoint_config_name": "c2"})
    config = rc("module.e.aws_sagemaker_endpoint_configuration.this", "aws_sagemaker_endpoint_configuration", ["create", "delete"], {"name": "c1"}, {"name": "c2"})
    tagged = rc("module.e.aws_sagemaker_endpoint.this", "aws_sagemaker_endpoint", ["update"], {"name": "ep", "endpoint_config_name": "c1"}, {"name": "ep", "endpoint_config_name": "c1"})
    model = 'module.endpoint_inference.aws_sagemaker_model.this["canary"]'
    renamed = rc(model, "aws_sagemaker_model", ["create", "delete"], {"name": "ep-canary-1111"}, {"name": "ep-canary-2222"})
    same = rc(model, "aws_sagemaker_model", ["delete", "create"], {"name": "ep-canary-1111"}, {"name": "ep-canary-1111"})
    gone = rc(model, "aws_sagemaker_model", ["delete"], {"name": "ep-canary-1111"}, None)
    assert effects({"resource_changes": [moved, config]}, STATE) == (BLUE_GREEN,)
    assert effects({"resource_changes": [tagged]}, STATE) == (UPDATED,)
    assert effects({"resource_changes": [renamed, moved, config]}, STATE) == (BLUE_GREEN, NEW_NAMES)
    assert effects({"resource_changes": [same]}, STATE) == (REPLACED,)
    assert effects({"resource_changes": [gone]}, STATE) == (DELETED,)


def test_after_a_destroy_the_same_names_are_replaced_and_a_new_copy_is_new() -> None:
    again = [
        rc('module.endpoint_inference.aws_sagemaker_model.this["canary"]', "aws_sagemaker_model", ["create"], None, {"name": "ep-canary-1111"}),
        rc("aws_iam_role.sagemaker", "aws_iam_role", ["create"], None, {"name": "ep-role"}),
    ]
    assert effects({"resource_changes": again}, STATE) == (REPLACED,)
    assert effects({"resource_changes": again}, {}) == (NEW_NAMES,)  # a second region's or environment's tree
    renamed = [rc("aws_iam_role.sagemaker", "aws_iam_role", ["create"], None, {"name": "ep-role-euw1"})]
    assert effects({"resource_changes": renamed}, STATE) == (NEW_NAMES,)
