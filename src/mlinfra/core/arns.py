"""ARNs and names of AWS objects as the rendered modules spell them.

Every module derives its partition, region and account from data sources into ``local.partition``,
``local.region`` and ``local.account_id`` (so one tree serves aws, aws-cn and aws-us-gov); the plan
refers to them, never to a literal ``arn:aws:``.
"""

from __future__ import annotations

import re
from urllib.parse import urlparse

from ..expr import Interp, Ref

PARTITION = Ref("local.partition")
REGION = Ref("local.region")
ACCOUNT = Ref("local.account_id")

#: The partition and account as the root spells them (its own data sources), for statements a module
#: takes at its call: :func:`mlinfra.core.component.statement_object`'s ``at_call``.
AT_ROOT = {
    PARTITION.expr: Ref("data.aws_partition.current.partition"),
    ACCOUNT.expr: Ref("data.aws_caller_identity.current.account_id"),
}

#: An ECR image URI: ACCOUNT.dkr.ecr.REGION.amazonaws.com[.cn]/repository(:tag|@digest). The config
#: model only admits these (SageMaker pulls from ECR).
ECR_IMAGE = re.compile(
    r"^(?P<account>\d{12})\.dkr\.ecr\.(?P<region>[a-z0-9-]+)\.amazonaws\.com(?P<cn>\.cn)?/(?P<repo>[^:@]+)"
)


def s3_arn(uri: str, suffix: str = "") -> Interp:
    """The ARN of an S3 object or prefix (``s3://bucket/key`` → ``arn:<partition>:s3:::bucket/key``)."""
    u = urlparse(uri)
    return Interp("arn:", PARTITION, f":s3:::{u.netloc}{u.path}{suffix}")


def ecr_repository_arn(image: str) -> Interp:
    """The ARN of the ECR repository an image is pulled from."""
    e = ECR_IMAGE.match(image)
    assert e is not None, f"not an ECR image: {image}"  # the config model only admits ECR images
    return Interp("arn:", PARTITION, f":ecr:{e['region']}:{e['account']}:repository/{e['repo']}")
