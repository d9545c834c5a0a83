"""The model registry, present when the config has a ``registry`` section: the models bucket, the ECR
repository of the model images and the SageMaker model package group ``mlinfra models`` records versions in.

The SageMaker execution role may read the bucket's objects and pull the repository's images (exact ARNs,
``sinks.roles["sagemaker"]``); the platform key's policy lets ECR use the key through its grants.
"""

from __future__ import annotations

from collections.abc import Mapping

from ...core.component import (
    Component,
    Export,
    Input,
    ModuleContext,
    Output,
    PlanRequest,
    ReadmeSection,
    RootOutput,
    Sinks,
    Wire,
    object_type,
)
from ...expr import Ref
from .plan import RegistryPlan, registry_plan

_BUCKET_TYPE = object_type(noncurrent_days="number")
_REPOSITORY_TYPE = object_type(
    name="string", image_retention="number", kept_tags="list(string)", untagged_days="number"
)
_GROUP_TYPE = object_type(name="string", description="string")


class Registry(Component):
    name = "registry"

    def build(self, request: PlanRequest, parts: Mapping[str, object]) -> RegistryPlan | None:
        return registry_plan(request.config, request.prefix)

    def contribute(self, part: RegistryPlan, sinks: Sinks) -> None:
        sinks.add_role_statements("sagemaker", part.role_statements)
        sinks.add_key_policy(part.key_policy)

    def exports(self, part: RegistryPlan) -> list[Export]:
        groups = {
            key: Ref(f'aws_sagemaker_model_package_group.models["{key}"].model_package_group_name')
            for key, _, _ in part.other_groups
        }
        several = [
            Export(
                "registry.group_names",
                "registry",
                Output(
                    "model_package_group_names", "Names of the other models' model package groups, by model.", groups
                ),
            )
        ]
        return (several if groups else []) + [
            Export(
                "registry.bucket",
                "registry",
                Output(
                    "bucket",
                    "Name of the models bucket.",
                    Ref("aws_s3_bucket.this.bucket" if part.create_bucket else "var.bucket_name"),
                ),
            ),
            Export(
                "registry.bucket_arn",
                "registry",
                Output(
                    "bucket_arn",
                    "ARN of the models bucket.",
                    Ref("aws_s3_bucket.this.arn" if part.create_bucket else "local.bucket_arn"),
                ),
            ),
            Export(
                "registry.repository_url",
                "registry",
                Output(
                    "repository_url",
                    "URL of the model images' ECR repository (docker push target).",
                    Ref(f"{_read(part.create_repository)}aws_ecr_repository.this.repository_url"),
                ),
            ),
            Export(
                "registry.repository_arn",
                "registry",
                Output(
                    "repository_arn",
                    "ARN of the model images' ECR repository.",
                    Ref(f"{_read(part.create_repository)}aws_ecr_repository.this.arn"),
                ),
            ),
            Export(
                "registry.group_name",
                "registry",
                Output(
                    "model_package_group_name",
                    "Name of the SageMaker model package group.",
                    Ref(
                        "aws_sagemaker_model_package_group.this.model_package_group_name"
                        if part.create_group
                        else "var.model_package_group.name"
                    ),
                ),
            ),
            Export(
                "registry.group_arn",
                "registry",
                Output(
                    "model_package_group_arn",
                    "ARN of the SageMaker model package group.",
                    Ref(
                        "aws_sagemaker_model_package_group.this.arn"
                        if part.create_group
                        else "local.model_package_group_arn"
                    ),
                ),
            ),
        ]

    def modules(self, part: RegistryPlan, wire: Wire, sinks: Sinks) -> list[ModuleContext]:
        named = part.bucket_name is not None
        inputs = {
            "kms_key_arn": wire.need("kms.key_arn"),
            "bucket": Input(
                {"noncurrent_days": part.noncurrent_days},
                "The models bucket: days a replaced model artifact stays recoverable.",
                _BUCKET_TYPE,
            ),
            "repository": Input(
                {
                    "name": part.repository,
                    "image_retention": part.image_retention,
                    "kept_tags": list(part.kept_tags),
                    "untagged_days": part.untagged_days,
                },
                "The ECR repository: its name, the tagged images it keeps besides kept_tags (the config's model versions, never expired) and the days it keeps untagged ones.",
                _REPOSITORY_TYPE,
            ),
            "model_package_group": Input(
                {"name": part.group_name, "description": part.group_description},
                "The SageMaker model package group.",
                _GROUP_TYPE,
            ),
        }
        if part.model_repositories:
            inputs["model_repositories"] = Input(
                {
                    key: {
                        "name": name,
                        "image_retention": part.image_retention,
                        "kept_tags": list(kept),
                        "untagged_days": part.untagged_days,
                    }
                    for key, name, kept in part.model_repositories
                },
                "The models' own ECR repositories, by model: as repository.",
                f"map({_REPOSITORY_TYPE})",
            )
        if part.other_groups:
            inputs["model_package_groups"] = Input(
                {key: {"name": name, "description": about} for key, name, about in part.other_groups},
                "The other models' SageMaker model package groups, by model (the first model's is model_package_group).",
                f"map({_GROUP_TYPE})",
            )
        if named:
            inputs["bucket_name"] = Input(part.bucket_name, "Name of the models bucket.")
        else:
            inputs["bucket_name_prefix"] = Input(
                part.bucket_prefix, "Models bucket name before the account ID (which makes it globally unique)."
            )
        return [
            ModuleContext(
                key="registry",
                template="registry",
                summary="The model registry: models bucket (versioned, KMS, private, TLS-only), ECR repository (scan on push, immutable tags, KMS, lifecycle), SageMaker model package group.",
                inputs=inputs,
                outputs=(),
                values={
                    "bucket_named": named,
                    "several_groups": bool(part.other_groups),
                    "create_bucket": part.create_bucket,
                    "create_repository": part.create_repository,
                    "create_group": part.create_group,
                    "model_repositories": bool(part.model_repositories),
                },
                instances={
                    "var.model_package_groups": len(part.other_groups),
                    "var.model_repositories": len(part.model_repositories),
                },
            )
        ]

    def root_outputs(self, part: RegistryPlan) -> list[RootOutput]:
        return [
            RootOutput("models_bucket", "Bucket of the model artifacts.", "registry.bucket"),
            RootOutput("ecr_repository_url", "ECR repository of the model images.", "registry.repository_url"),
            RootOutput(
                "model_package_group_name",
                "SageMaker model package group of the model versions.",
                "registry.group_name",
            ),
            RootOutput("model_package_group_arn", "ARN of the SageMaker model package group.", "registry.group_arn"),
        ] + (
            [
                RootOutput(
                    "model_package_group_names",
                    "The other models' SageMaker model package groups, by model (the first model's: model_package_group_name).",
                    "registry.group_names",
                )
            ]
            if part.other_groups
            else []
        )

    def readme(self, part: RegistryPlan) -> list[ReadmeSection]:
        bucket = part.bucket_name or f"{part.bucket_prefix}<account ID>"
        rows = (
            ("models bucket", bucket),
            ("ECR repository", f"{part.repository} (keeps {part.image_retention} tagged images)"),
            ("model package group", part.group_name),
            *(("model package group", name) for _, name, _ in part.other_groups),
            *(("ECR repository", name) for _, name, _ in part.model_repositories),
        )
        return [ReadmeSection("Model registry", ("object", "name"), rows)]


def _read(created: bool) -> str:
    """The address prefix of an object the module creates (none) or reads (``data.``)."""
    return "" if created else "data."
