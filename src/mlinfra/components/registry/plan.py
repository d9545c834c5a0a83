"""The registry's plan: the models bucket, the ECR repository of the model images and the SageMaker
model package group, named by :mod:`mlinfra.naming` (the ``mlinfra models`` commands use the same names)."""

from __future__ import annotations

from ...config.shapes import PlatformConfig
from ...expr import Interp, Ref
from ...naming import ecr_repository_name, ident, models_bucket_prefix
from ...plan.parts import Statement
from ...records import record
from .section import SECTION, group_names

#: Days an untagged image (a layer left behind by a re-push or a failed build) is kept.
UNTAGGED_IMAGE_DAYS = 7
#: Days a replaced or deleted model artifact stays recoverable in the versioned bucket.
NONCURRENT_MODEL_DAYS = 90


@record
class RegistryPlan:
    # Exactly one of bucket_name (configured) and bucket_prefix (the account ID follows at apply time).
    bucket_name: str | None
    bucket_prefix: str | None
    noncurrent_days: int
    repository: str
    image_retention: int
    kept_tags: tuple[str, ...]  # tags of the config's model images in this repository: never expired
    untagged_days: int
    group_name: str
    group_description: str
    region: str
    # The groups of the models after the first (key, name, description): the first keeps group_name, so
    # adding a model to a one-model config replaces nothing.
    other_groups: tuple[tuple[str, str, str], ...] = ()
    # Models with an ECR repository of their own (key, name, kept tags), created by the owner environment.
    model_repositories: tuple[tuple[str, str, tuple[str, ...]], ...] = ()
    # False where the name is fixed by the config and another environment owns it (registry.owner_environment):
    # this environment reads the object instead of creating it.
    create_bucket: bool = True
    create_repository: bool = True
    create_group: bool = True

    #: Every model's own repository, created here or (another environment owning it) read by name.
    own_repositories: tuple[str, ...] = ()

    @property
    def role_statements(self) -> tuple[Statement, ...]:
        """What the SageMaker execution role needs: the models' artifacts and images, exact ARNs."""
        partition, account = Ref("local.partition"), Ref("local.account_id")
        bucket = (
            Interp("arn:", partition, f":s3:::{self.bucket_name}/*")
            if self.bucket_name
            else Interp("arn:", partition, f":s3:::{self.bucket_prefix}", account, "/*")
        )
        return (
            Statement("ReadRegistryModels", ("s3:GetObject",), (bucket,)),
            Statement(
                "PullRegistryImages",
                ("ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"),
                (
                    Interp("arn:", partition, f":ecr:{self.region}:", account, f":repository/{self.repository}"),
                    *(
                        Interp("arn:", partition, f":ecr:{self.region}:", account, f":repository/{name}")
                        for name in self.own_repositories
                    ),
                ),
            ),
        )

    @property
    def key_policy(self) -> Statement:
        """ECR encrypts a repository's layers through grants it creates on the key at CreateRepository."""
        account = Ref("data.aws_caller_identity.current.account_id")
        return Statement(
            "EcrEncryptsRepositories",
            (
                "kms:CreateGrant",
                "kms:Decrypt",
                "kms:DescribeKey",
                "kms:Encrypt",
                "kms:GenerateDataKey*",
                "kms:ReEncrypt*",
                "kms:RetireGrant",
            ),
            ("*",),
            (
                ("StringEquals", "kms:CallerAccount", (account,)),
                ("StringEquals", "kms:ViaService", (f"ecr.{self.region}.amazonaws.com",)),
            ),
            comment="As the AWS managed aws/ecr key: principals of this account, only through ECR in this region (its grants).",
            principals=(("AWS", ("*",)),),
        )


def registry_plan(config: PlatformConfig, prefix: str) -> RegistryPlan | None:
    r = SECTION.of(config)
    if r is None:
        return None
    # A fixed name belongs to the project: only the owner environment (when one is named) creates it.
    owner = r.owner_environment in (None, config.project.environment)
    groups = group_names(config, prefix)
    first = next(iter(groups))
    group = groups[first]
    return RegistryPlan(
        bucket_name=r.models_bucket,
        bucket_prefix=None if r.models_bucket else models_bucket_prefix(prefix, config.project.region),
        noncurrent_days=NONCURRENT_MODEL_DAYS,
        repository=ecr_repository_name(prefix, r.ecr_repository),
        image_retention=r.image_retention,
        kept_tags=_kept_tags(config, ecr_repository_name(prefix, r.ecr_repository)),
        untagged_days=UNTAGGED_IMAGE_DAYS,
        group_name=group,
        group_description=f"mlinfra {prefix}: versions of the platform's models (mlinfra models register)",
        region=config.project.region,
        other_groups=tuple(
            (ident(m), name, f"mlinfra {prefix}: versions of model {m} (mlinfra models register {m})")
            for m, name in groups.items()
            if m is not None and m != first and (owner or m not in r.models or r.models[m].model_package_group is None)
        ),
        own_repositories=tuple(sorted({o.ecr_repository for o in r.models.values() if o.ecr_repository})),
        model_repositories=tuple(
            (ident(m), own.ecr_repository, _kept_tags(config, own.ecr_repository))
            for m, own in r.models.items()
            if own.ecr_repository is not None and owner
        ),
        create_bucket=owner or r.models_bucket is None,
        create_repository=owner or r.ecr_repository is None,
        create_group=owner
        or (
            r.model_package_group is None
            and (first is None or first not in r.models or r.models[first].model_package_group is None)
        ),
    )


def _kept_tags(config: PlatformConfig, repository: str) -> tuple[str, ...]:
    """The tags of the model versions' images that live in the registry's repository (``<registry>/<repository>:<tag>``).
    Every version the config names is deployed or one a rollback or promotion returns to. Images named by
    digest alone are not tagged: the untagged rule's days apply to them."""
    tags = set()
    for m in (v.entry for v in config.versions()):
        path, _, _ = m.image.partition("@")
        name, sep, tag = path.rpartition(":")
        if sep and "/" not in tag and name.split("/", 1)[-1] == repository:
            tags.add(tag)
    return tuple(sorted(tags))
