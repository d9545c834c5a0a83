"""The stand-in's day-2 registry (tests/support/standin/world.py): names AWS keeps unique, and how long."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.support.standin.world import AwsError, World


def _world(path: Path, account: str = "111111111111", region: str = "us-east-1") -> World:
    return World(str(path), account, region)


def test_a_taken_role_name_fails_in_every_region_of_the_account(tmp_path: Path) -> None:
    db = tmp_path / "world.json"
    _world(db).create("aws_iam_role", {"name": "mlinfra-prod-sagemaker"})
    with pytest.raises(AwsError) as err:
        _world(db, region="eu-west-1").create("aws_iam_role", {"name": "mlinfra-prod-sagemaker"})
    assert str(err.value) == "creating IAM Role (mlinfra-prod-sagemaker): EntityAlreadyExists: Role with name mlinfra-prod-sagemaker already exists."
    _world(db, account="222222222222").create("aws_iam_role", {"name": "mlinfra-prod-sagemaker"})  # another account


def test_regional_names_meet_only_in_their_region(tmp_path: Path) -> None:
    db = tmp_path / "world.json"
    _world(db).create("aws_sagemaker_endpoint_configuration", {"name": "ep-1"})
    _world(db, region="eu-west-1").create("aws_sagemaker_endpoint_configuration", {"name": "ep-1"})
    with pytest.raises(AwsError, match=r'ValidationException: Cannot create already existing endpoint configuration "arn:aws:sagemaker:us-east-1:111111111111:endpoint-config/ep-1"\.'):
        _world(db).create("aws_sagemaker_endpoint_configuration", {"name": "ep-1"})


def test_bucket_names_are_global(tmp_path: Path) -> None:
    db = tmp_path / "world.json"
    _world(db).create("aws_s3_bucket", {"bucket": "acme-capture"})
    with pytest.raises(AwsError, match="BucketAlreadyOwnedByYou"):
        _world(db, region="eu-west-1").create("aws_s3_bucket", {"bucket": "acme-capture"})
    with pytest.raises(AwsError, match="BucketAlreadyExists: The requested bucket name is not available"):
        _world(db, account="222222222222").create("aws_s3_bucket", {"bucket": "acme-capture"})


def test_a_deleted_name_is_free_again(tmp_path: Path) -> None:
    db = tmp_path / "world.json"
    _world(db).create("aws_lambda_function", {"function_name": "pre"})
    _world(db).delete("aws_lambda_function", {"function_name": "pre"})
    _world(db).create("aws_lambda_function", {"function_name": "pre"})
    with pytest.raises(AwsError, match="ResourceConflictException: Function already exist: pre"):
        _world(db).create("aws_lambda_function", {"function_name": "pre"})


def test_a_secret_keeps_its_name_for_its_recovery_window(tmp_path: Path) -> None:
    db = tmp_path / "world.json"
    w = _world(db)
    w.create("aws_secretsmanager_secret", {"name": "s"})
    w.delete("aws_secretsmanager_secret", {"name": "s", "recovery_window_in_days": 30})
    with pytest.raises(AwsError, match=re.escape("InvalidRequestException: You can't create this secret because a secret with this name is already scheduled for deletion.")):
        w.create("aws_secretsmanager_secret", {"name": "s"})
    w.create("aws_secretsmanager_secret", {"name": "now"})
    w.delete("aws_secretsmanager_secret", {"name": "now", "recovery_window_in_days": 0})  # ForceDeleteWithoutRecovery
    w.create("aws_secretsmanager_secret", {"name": "now"})


def test_a_deleted_key_is_pending_deletion_and_its_alias_is_free(tmp_path: Path) -> None:
    db = tmp_path / "world.json"
    w = _world(db)
    w.create("aws_kms_alias", {"name": "alias/mlinfra"})
    w.delete("aws_kms_key", {"id": "k-1", "deletion_window_in_days": 7})
    w.delete("aws_kms_alias", {"name": "alias/mlinfra"})
    w.create("aws_kms_alias", {"name": "alias/mlinfra"})
    assert '"PendingDeletion"' in db.read_text()


def test_an_identical_topic_is_handed_back_and_a_different_one_refused(tmp_path: Path) -> None:
    db = tmp_path / "world.json"
    topic = {"name": "alerts", "tags_all": {"Environment": "prod"}}
    _world(db).create("aws_sns_topic", topic)
    _world(db).create("aws_sns_topic", topic)  # CreateTopic is idempotent
    with pytest.raises(AwsError, match="Topic already exists with different tags"):
        _world(db).create("aws_sns_topic", {"name": "alerts", "tags_all": {"Environment": "staging"}})


def test_without_a_world_nothing_is_refused(tmp_path: Path) -> None:
    w = World(None, "111111111111", "us-east-1")
    w.create("aws_iam_role", {"name": "r"})
    w.create("aws_iam_role", {"name": "r"})
