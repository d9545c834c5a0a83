"""Day 2 in the stand-in: what AWS enforces across objects and over time, which no schema says.

A provider process sees one Terraform working directory; AWS sees every apply of an account.  When a
test sets ``STANDIN_WORLD`` to a file path, every stand-in provider process (any working directory,
any provider configuration) records the names it creates there, under an exclusive ``flock``, keyed by
the scope AWS keeps the name unique in:

* ``global``: S3 bucket names (one namespace for every account of the partition);
* ``account``: IAM roles, managed policies, instance profiles (IAM is global to the account);
* ``region``: everything else named here (SageMaker models, endpoint configurations, endpoints,
  monitoring job definitions and schedules, Lambda functions, log groups, SNS topics, secrets, state
  machines, KMS aliases, DynamoDB tables, ECR repositories, ElastiCache groups, ...).

Creating a second object under a name that is taken fails at apply with AWS's own error text.  A
deleted object frees its name, except where AWS keeps it: a Secrets Manager secret deleted with a
recovery window (``recovery_window_in_days`` other than 0) keeps its name until the window ends, which
it never does within a test; a deleted KMS key stays ``PendingDeletion`` (its aliases go at once, so
an alias name is free again).  Without ``STANDIN_WORLD`` nothing is recorded and nothing is refused.

The account is the provider's ``allowed_account_ids`` when it names one, else ``STANDIN_ACCOUNT``, else
the stand-in's 123456789012; the region is the provider's.
"""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .cty import plain

WORLD_ENV = "STANDIN_WORLD"
ACCOUNT_ENV = "STANDIN_ACCOUNT"


class AwsError(Exception):
    """What the AWS API answered; the provider reports it as the real one does: ``creating <what> (<name>): <code>: <message>``."""

    def __init__(self, what: str, name: str, code: str, message: str):
        super().__init__(f"creating {what} ({name}): {code}: {message}")
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Rule:
    what: str  # the provider's word for the object in its error ("creating IAM Role (x): ...")
    attr: str  # the attribute holding the name
    scope: str  # "global", "account" or "region"
    # (name, arn of the existing object, the existing entry, the new object) -> (code, message)
    error: Callable[[str, str, dict, dict], tuple[str, str]]
    # Create is idempotent for an identical request (SNS CreateTopic, SFN CreateStateMachine): the values
    # that must agree for AWS to hand back the existing object instead of failing.
    same: tuple[str, ...] | None = None


def _fixed(code: str, message: str) -> Callable[[str, str, dict, dict], tuple[str, str]]:
    return lambda name, arn, entry, new: (code, message.format(name=name, arn=arn))


def _sagemaker(kind: str) -> Callable[[str, str, dict, dict], tuple[str, str]]:
    # CreateModel / CreateEndpointConfig / CreateEndpoint, as botocore reports them, e.g.
    # 'ValidationException: Cannot create already existing endpoint configuration "arn:aws-cn:sagemaker:
    # cn-northwest-1:801869647304:endpoint-config/bert-sentiment-config".' (awslabs/spot-tagging-bot-for-
    # digital-assets#2), '... existing model "arn:..."' (astronomer/astronomer-providers#1055), '... existing
    # endpoint "arn:..."' (hashicorp/terraform-provider-aws#40080 context, ministryofjustice/modernisation-
    # platform-environments#9383).
    return _fixed("ValidationException", f'Cannot create already existing {kind} "{{arn}}".')


def _job_definition(kind: str) -> Callable[[str, str, dict, dict], tuple[str, str]]:
    # moto/sagemaker/models.py (create_model_quality_job_definition, ..._explainability_...): SageMaker's
    # ResourceInUse for a monitoring job definition whose name is taken.
    return _fixed("ResourceInUse", f"Resource Already Exists: {kind} with name {{name}} already exists. Choose a different name.")


def _bucket(name: str, arn: str, entry: dict, new: dict) -> tuple[str, str]:
    # S3 CreateBucket (moto/s3/exceptions.py, the S3 API reference's error codes): the caller's own bucket
    # (in us-east-1 the legacy region answers 200 instead; every other region answers this), or any other
    # account's.
    if entry["account"] == new["account"]:
        return "BucketAlreadyOwnedByYou", "Your previous request to create the named bucket succeeded and you already own it."
    return "BucketAlreadyExists", (
        "The requested bucket name is not available. The bucket namespace is shared by all users of the system. Please select a different name and try again."
    )


def _state_machine(name: str, arn: str, entry: dict, new: dict) -> tuple[str, str]:
    # SFN CreateStateMachine (moto/stepfunctions/parser/provider.py, from LocalStack's port of the API):
    # idempotent for the same definition and role, else this.
    return "StateMachineAlreadyExists", f"State Machine Already Exists: '{arn}'"


def _topic(name: str, arn: str, entry: dict, new: dict) -> tuple[str, str]:
    # SNS CreateTopic is idempotent for the same attributes and tags; a topic of that name with other tags:
    # "Invalid parameter: Tags Reason: Topic already exists with different tags" (the SNS API reference).
    return "InvalidParameter", "Invalid parameter: Tags Reason: Topic already exists with different tags"


RULES: dict[str, Rule] = {
    # IAM (moto/iam/models.py, the texts IAM answers CreateRole / CreatePolicy / CreateInstanceProfile with)
    "aws_iam_role": Rule("IAM Role", "name", "account", _fixed("EntityAlreadyExists", "Role with name {name} already exists.")),
    "aws_iam_policy": Rule("IAM Policy", "name", "account", _fixed("EntityAlreadyExists", "A policy called {name} already exists. Duplicate names are not allowed.")),
    "aws_iam_instance_profile": Rule("IAM Instance Profile", "name", "account", _fixed("EntityAlreadyExists", "Instance Profile {name} already exists.")),
    "aws_s3_bucket": Rule("S3 Bucket", "bucket", "global", _bucket),
    "aws_sagemaker_model": Rule("SageMaker AI Model", "name", "region", _sagemaker("model")),
    "aws_sagemaker_endpoint_configuration": Rule("SageMaker AI Endpoint Configuration", "name", "region", _sagemaker("endpoint configuration")),
    "aws_sagemaker_endpoint": Rule("SageMaker AI Endpoint", "name", "region", _sagemaker("endpoint")),
    "aws_sagemaker_data_quality_job_definition": Rule("SageMaker AI Data Quality Job Definition", "name", "region", _job_definition("Data Quality Job Definition")),
    "awscc_sagemaker_model_quality_job_definition": Rule("AWS::SageMaker::ModelQualityJobDefinition", "job_definition_name", "region", _job_definition("Model Quality Job Definition")),
    "awscc_sagemaker_model_bias_job_definition": Rule("AWS::SageMaker::ModelBiasJobDefinition", "job_definition_name", "region", _job_definition("ModelBiasJobDefinition")),
    "awscc_sagemaker_model_explainability_job_definition": Rule(
        "AWS::SageMaker::ModelExplainabilityJobDefinition", "job_definition_name", "region", _job_definition("ModelExplainabilityJobDefinition")
    ),
    "aws_sagemaker_monitoring_schedule": Rule("SageMaker AI Monitoring Schedule", "name", "region", _job_definition("Monitoring Schedule")),
    "aws_sagemaker_model_package_group": Rule("SageMaker AI Model Package Group", "model_package_group_name", "region", _sagemaker("model package group")),
    # Lambda CreateFunction: "ResourceConflictException: Function already exist: hello_lambda"
    # (hashicorp/terraform-provider-aws#29263; moto/awslambda/exceptions.py).
    "aws_lambda_function": Rule("Lambda Function", "function_name", "region", _fixed("ResourceConflictException", "Function already exist: {name}")),
    # CloudWatch Logs CreateLogGroup (moto/logs/exceptions.py).
    "aws_cloudwatch_log_group": Rule("CloudWatch Logs Log Group", "name", "region", _fixed("ResourceAlreadyExistsException", "The specified log group already exists")),
    "aws_sns_topic": Rule("SNS Topic", "name", "region", _topic, same=("tags_all", "fifo_topic", "kms_master_key_id")),
    # Secrets Manager CreateSecret (moto/secretsmanager/models.py; the scheduled case: redpanda-data/console#1835,
    # aws/copilot-cli#655).
    "aws_secretsmanager_secret": Rule("Secrets Manager Secret", "name", "region", lambda name, arn, entry, new: (
        ("InvalidRequestException", "You can't create this secret because a secret with this name is already scheduled for deletion.")
        if entry.get("status") == "scheduled-for-deletion"
        else ("ResourceExistsException", f"The operation failed because the secret {name} already exists.")
    )),
    "aws_sfn_state_machine": Rule("Step Functions State Machine", "name", "region", _state_machine, same=("definition", "role_arn")),
    # KMS CreateAlias (moto/kms/responses.py).
    "aws_kms_alias": Rule("KMS Alias", "name", "region", lambda name, arn, entry, new: (
        "AlreadyExistsException", f"An alias with the name {arn} already exists")),
    # DynamoDB CreateTable: ResourceInUseException (the DynamoDB API reference; moto/dynamodb/exceptions.py's text).
    "aws_dynamodb_table": Rule("DynamoDB Table", "name", "region", _fixed("ResourceInUseException", "Table already exists: {name}")),
    # ECR CreateRepository (moto/ecr/exceptions.py).
    "aws_ecr_repository": Rule("ECR Repository", "name", "region", lambda name, arn, entry, new: (
        "RepositoryAlreadyExistsException", f"The repository with name '{name}' already exists in the registry with id '{new['account']}'")),
    # ElastiCache (moto/elasticache/exceptions.py).
    "aws_elasticache_replication_group": Rule("ElastiCache Replication Group", "replication_group_id", "region", _fixed("ReplicationGroupAlreadyExists", "Replication group {name} already exists.")),
    "aws_elasticache_subnet_group": Rule("ElastiCache Subnet Group", "name", "region", _fixed("CacheSubnetGroupAlreadyExists", "CacheSubnetGroup {name} already exists.")),
    "aws_sqs_queue": Rule("SQS Queue", "name", "region", _fixed("QueueAlreadyExists", "A queue already exists with the same name and a different value for attribute(s)"), same=("tags_all", "fifo_queue", "visibility_timeout_seconds", "message_retention_seconds", "delay_seconds", "kms_master_key_id")),
}


def _arn(type_name: str, name: str, account: str, region: str, partition: str) -> str:
    svc = {"aws_iam_role": f"iam::{account}:role/{name}", "aws_iam_policy": f"iam::{account}:policy/{name}",
           "aws_iam_instance_profile": f"iam::{account}:instance-profile/{name}", "aws_s3_bucket": f"s3:::{name}",
           "aws_lambda_function": f"lambda:{region}:{account}:function:{name}",
           "aws_sfn_state_machine": f"states:{region}:{account}:stateMachine:{name}",
           "aws_kms_alias": f"kms:{region}:{account}:{name}",
           "aws_sns_topic": f"sns:{region}:{account}:{name}"}.get(type_name)
    if svc is None and "sagemaker" in type_name:
        kind = type_name.removeprefix("awscc_").removeprefix("aws_sagemaker_").replace("_", "-").replace("endpoint-configuration", "endpoint-config")
        svc = f"sagemaker:{region}:{account}:{kind}/{name.lower()}"  # SageMaker lower-cases names in ARNs
    return f"arn:{partition}:{svc or f'{type_name}:{region}:{account}:{name}'}"


class World:
    """The shared registry of one test (``STANDIN_WORLD``), or nothing (``enabled`` false)."""

    def __init__(self, path: str | None, account: str, region: str, partition: str = "aws"):
        self.path = Path(path) if path else None
        self.account, self.region, self.partition = account, region, partition

    @property
    def enabled(self) -> bool:
        return self.path is not None

    @contextmanager
    def _entries(self) -> Iterator[dict]:
        assert self.path is not None
        with open(f"{self.path}.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            entries = json.loads(self.path.read_text()) if self.path.exists() else {}
            yield entries
            tmp = self.path.with_suffix(f".{os.getpid()}.tmp")
            tmp.write_text(json.dumps(entries, indent=1, sort_keys=True))
            tmp.replace(self.path)

    def _key(self, type_name: str, name: str) -> str:
        scope = RULES[type_name].scope
        account = "" if scope == "global" else self.account
        region = self.region if scope == "region" else ""
        return f"{account}/{region}/{type_name}/{name}"

    def _name(self, type_name: str, obj: dict | None) -> str | None:
        rule = RULES.get(type_name)
        name = obj.get(rule.attr) if (rule and obj) else None
        return name if isinstance(name, str) and name else None

    def create(self, type_name: str, obj: dict) -> None:
        """Record a new object's name, or raise the AwsError AWS answers when it is taken."""
        name = self._name(type_name, obj)
        if not self.enabled or name is None:
            return
        rule = RULES[type_name]
        new = {"account": self.account, "region": self.region, "status": "live", "holders": 1,
               "same": [plain(obj.get(a)) for a in rule.same or ()]}
        with self._entries() as entries:
            key = self._key(type_name, name)
            entry = entries.get(key)
            if entry is not None:
                if rule.same is not None and entry["status"] == "live" and entry["same"] == new["same"]:
                    entry["holders"] += 1  # AWS hands back the existing object
                    return
                code, message = rule.error(name, _arn(type_name, name, entry["account"], entry["region"] or self.region, self.partition), entry, new)
                raise AwsError(rule.what, name, code, message)
            entries[key] = new

    def delete(self, type_name: str, prior: dict) -> None:
        """Free a deleted object's name (or keep it, where AWS does)."""
        if not self.enabled:
            return
        if type_name == "aws_kms_key":  # ScheduleKeyDeletion: the key stays, PendingDeletion, 7 to 30 days
            with self._entries() as entries:
                entries[f"{self.account}/{self.region}/aws_kms_key/{prior.get('id')}"] = {
                    "account": self.account, "region": self.region, "status": "PendingDeletion",
                    "days": prior.get("deletion_window_in_days"), "holders": 0, "same": []}
            return
        name = self._name(type_name, prior)
        if name is None:
            return
        with self._entries() as entries:
            key = self._key(type_name, name)
            entry = entries.get(key)
            if entry is None:
                return
            entry["holders"] -= 1
            if entry["holders"] > 0:
                return
            window = prior.get("recovery_window_in_days")
            if type_name == "aws_secretsmanager_secret" and window != 0:
                # DeleteSecret with a RecoveryWindowInDays (7 to 30, default 30): the name stays taken.
                entry.update(status="scheduled-for-deletion", days=30 if window is None else window)
            else:
                del entries[key]


def account_of(provider_config: dict[str, Any], fallback: str) -> str:
    ids = provider_config.get("allowed_account_ids") or []
    if len(ids) == 1:
        return ids[0]
    return os.environ.get(ACCOUNT_ENV) or fallback
