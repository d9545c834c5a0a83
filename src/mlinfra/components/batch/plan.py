"""The batch pipeline's plan: its names, buckets, model and Lambda package, from the ``batch`` section."""

from __future__ import annotations

from dataclasses import field
from pathlib import Path

from ...core.component import PlanRequest
from ...core.lambdas import LAMBDA_PACKAGE
from ...naming import global_prefix
from ...records import record
from ..network.section import SECTION as NETWORK
from .section import SECTION, Batch

_LAMBDAS = Path(__file__).resolve().parents[2] / "lambdas"


@record
class BucketPlan:
    key: str  # "input" / "output"
    name: str | None  # an existing bucket; None: the module creates <name_prefix><account id>
    name_prefix: str
    prefix: str
    expire_days: int | None  # outputs expire; inputs are kept (noncurrent versions only expire)


@record
class BatchPlan:
    name: str  # state machine, job name prefix, SNS topic
    region: str
    role_prefix: str  # the roles' names: IAM names are per account, the region's code in them
    config: Batch
    model_name: str
    image: str
    model_data_url: str | None  # None: the image carries the model (batch transform takes no ModelDataSource)
    environment: dict[str, str]
    network_isolation: bool
    input: BucketPlan
    output: BucketPlan
    package: dict[str, str]
    subscribers: tuple[tuple[str, str], ...]  # (protocol, endpoint)
    in_vpc: bool = False  # the Lambdas run in the network's private subnets
    model_tags: dict[str, str] = field(default_factory=dict)  # the model version's own tags


def batch_plan(request: PlanRequest) -> BatchPlan | None:
    config = request.config
    b = SECTION.of(config)
    if b is None:
        return None
    name = f"{request.prefix}-batch"
    _global = global_prefix(request.prefix, config.project.region)
    m = config.model(b.model_version)
    package = {
        f"package/{LAMBDA_PACKAGE}/{f}": (_LAMBDAS / f).read_text(encoding="utf-8")
        for f in ("__init__.py", "batch_notify.py", "batch_validate.py")
    }
    subscribers = tuple(given for s in b.subscribers for given in s.given)
    return BatchPlan(
        name=name,
        region=config.project.region,
        role_prefix=f"{_global}-batch",
        config=b,
        # 54 characters: the module appends "-" and a hash of the model's inputs (SageMaker allows 63).
        model_name=f"{name}-{m.version.replace('.', '-')}"[:54].rstrip("-"),
        image=m.image,
        model_data_url=m.model_data,
        environment=dict(m.environment),
        network_isolation=m.network_isolation,
        # Bucket names are global: the region's code in them, and short words to stay within 63 characters
        # (a 31-character project prefix, a 7-character region code and the 12-digit account ID).
        input=BucketPlan("input", b.input.bucket, f"{_global}-batch-in-", b.input.prefix, None),
        output=BucketPlan("output", b.output.bucket, f"{_global}-batch-out-", b.output.prefix, b.output.expire_days),
        package=package,
        subscribers=subscribers,
        in_vpc=NETWORK.of(config) is not None,
        model_tags=dict(sorted(m.tags.items())),
    )
