"""The platform's plan: every registered component builds its part, in the order of the component list.

This is the one place that runs the registry over a config (the pipeline calls it; ``ops`` calls it to
find an endpoint's plan): the components' own plan modules never import it, so no component reaches
another through the registry.
"""

from __future__ import annotations

from pathlib import Path

from .. import components
from ..config.shapes import PlatformConfig
from ..core.component import PlanRequest
from .parts import BackendPlan, PlatformPlan

#: The oldest Terraform the rendered tree is written for: AWS provider 6 modules (terraform-aws-modules)
#: require 1.5.7. Features that need more raise the pin (see :func:`_terraform_version`).
TERRAFORM_FLOOR = "1.5.7"
#: S3-native state locking (backend "s3" use_lockfile) arrived in Terraform 1.10.
TERRAFORM_S3_LOCKFILE = "1.10"


def build_plan(config: PlatformConfig, base_dir: Path = Path(".")) -> PlatformPlan:
    """Decide every resource of the platform from a validated config.

    Each registered component the config may have builds its own part (:mod:`mlinfra.components`), in the order of the component list, so a
    part may read the parts before it. ``base_dir`` is the config file's folder: request schemas and
    vocabularies are named relative to it.
    """
    p = config.project
    prefix = f"{p.name}-{p.environment}"
    tags = {"Environment": p.environment, "ManagedBy": "mlinfra", "Project": p.name}
    tags.update(p.tags)
    request = PlanRequest(config=config, base_dir=base_dir, prefix=prefix)
    parts: dict[str, object] = {}
    for component in components.for_config(config):
        part = component.build(request, parts)
        if part is not None:
            parts[component.name] = part
    return PlatformPlan(
        project=p.name,
        environment=p.environment,
        prefix=prefix,
        region=p.region,
        tags=dict(sorted(tags.items())),
        backend=_backend(config),
        terraform_version=_terraform_version(config),
        parts=parts,
    )


def _terraform_version(config: PlatformConfig) -> str:
    """The root's required_version: the floor, or what the features the tree uses need."""
    if config.state is not None and config.state.use_lockfile:
        return f">= {TERRAFORM_S3_LOCKFILE}"
    return f">= {TERRAFORM_FLOOR}"


def _backend(config: PlatformConfig) -> BackendPlan | None:
    s = config.state
    if s is None:
        return None
    return BackendPlan(
        bucket=s.bucket,
        key=s.key,
        region=s.region or config.project.region,
        encrypt=True,
        kms_key_id=s.kms_key_id,
        use_lockfile=s.use_lockfile,
        dynamodb_table=s.dynamodb_table,
    )
