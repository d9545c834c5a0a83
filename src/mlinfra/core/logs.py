"""CloudWatch Logs and the platform key: every component whose log groups are encrypted with it (the API's
access logs, the Lambdas', the batch state machine's, the VPC's flow logs) adds this statement to the key's
policy (``sinks.add_key_policy``)."""

from __future__ import annotations

from ..expr import Interp, Ref
from ..plan.parts import Statement


def logs_key_statement(region: str) -> Statement:
    """The platform key's policy statement that lets CloudWatch Logs encrypt this account's log groups."""
    return Statement(
        "CloudWatchLogsEncrypt",
        ("kms:Decrypt*", "kms:Describe*", "kms:Encrypt*", "kms:GenerateDataKey*", "kms:ReEncrypt*"),
        ("*",),
        (
            (
                "ArnLike",
                "kms:EncryptionContext:aws:logs:arn",
                (
                    Interp(
                        "arn:",
                        Ref("data.aws_partition.current.partition"),
                        f":logs:{region}:",
                        Ref("data.aws_caller_identity.current.account_id"),
                        ":log-group:*",
                    ),
                ),
            ),
        ),
        comment="CloudWatch Logs encrypts the log groups of this account and region (API, Lambdas) with this key.",
        principals=(("Service", (f"logs.{region}.amazonaws.com",)),),
    )
