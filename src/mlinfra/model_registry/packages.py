"""The model registry in SageMaker: one model package per version, in the platform's model package group.

A version is a *versioned* model package of the group ``registry.model_package_group`` (default
``<project>-<environment>``): its InferenceSpecification holds the image and the model data, its
CustomerMetadataProperties the mlinfra version (``mlinfra:version``), its metrics (``metric:<name>``) and,
once deprecated, ``mlinfra:lifecycle = deprecated``. Approval is SageMaker's own ModelApprovalStatus:

    register ──gate passes──▶ PendingManualApproval ──approve──▶ Approved ──deprecate──▶ Rejected (deprecated)
             └─gate fails──▶ Rejected (ApprovalDescription: the failing metric)      └─reject──▶ Rejected

The config stays the source of truth for the lifecycle (staging / canary / production / deprecated and the
traffic); the registry records what was validated and approved. All calls go through injected clients.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import field
from typing import Any

from ..components.registry.section import SECTION, QualityGate, group_names
from ..config.shapes import Listed, PlatformConfig
from ..errors import MlinfraError
from ..ops.aws import AwsError, Clients, aws_errors
from ..records import record
from .gate import GateResult, evaluate

META_VERSION = "mlinfra:version"
META_LIFECYCLE = "mlinfra:lifecycle"
METRIC_PREFIX = "metric:"
APPROVAL_STATUSES = ("Approved", "Rejected", "PendingManualApproval")
MAX_DESCRIPTION = 1024  # ApprovalDescription and ModelPackageDescription


class RegistryError(MlinfraError):
    """A registry operation cannot be done (unknown version, missing group, already registered, ...)."""


class GateFailed(MlinfraError):
    """The quality gate refused the version (exit code 1: CI stops here)."""

    def __init__(self, result: GateResult):
        super().__init__(f"{result.version}: {result.summary()}")
        self.result = result


@record
class Package:
    """One version's model package as SageMaker describes it."""

    version: str | None  # mlinfra's version (CustomerMetadataProperties), None for foreign packages
    arn: str
    package_version: int | None  # SageMaker's 1, 2, 3 ... within the group
    status: str  # ModelApprovalStatus
    description: str | None  # ApprovalDescription
    metrics: dict[str, float] = field(default_factory=dict)
    deprecated: bool = False
    created: str | None = None


def group_name(config: PlatformConfig, model: str | None = None) -> str:
    """The group the Terraform renders for ``model`` (:func:`mlinfra.components.registry.plan.group_names`);
    without a model, the first model's (the one group of a one-model config)."""
    groups = group_names(config)
    if model is None:
        return next(iter(groups.values()))
    if model not in groups:
        raise RegistryError(f"no model {model} in the config's models (models: {', '.join(map(str, groups))})")
    return groups[model]


def gate_of(config: PlatformConfig, model: str | None = None) -> QualityGate:
    """``model``'s quality gate: its own (registry.models.<model>.quality_gate), else the registry's."""
    registry = SECTION.of(config)
    return registry.gate(model) if registry is not None else QualityGate()


def production_of(config: PlatformConfig, model: str | None = None) -> tuple[str, dict[str, float]] | None:
    """``model``'s production version and its metrics: the gate compares versions of one model only
    (rules allow one production version per model; with several, the newest listed wins)."""
    prod = [v for v in config.versions() if v.entry.status == "production" and v.model == model]
    return (prod[-1].ref, dict(prod[-1].entry.metrics)) if prod else None


def listed(config: PlatformConfig, ref: str) -> Listed:
    """The listed version ``ref`` names (``detection@3.0.0``, or a version one model alone has)."""
    found = config.candidates(ref)
    if len(found) == 1:
        return found[0]
    if found:
        raise RegistryError(
            f"models {', '.join(str(f.model) for f in found)} all have a version {ref}: name one, e.g. {found[0].ref}"
        )
    listing = ", ".join(v.ref for v in config.versions())
    raise RegistryError(f"version {ref} is not in the config's models (listed: {listing})")


def metrics_for(config: PlatformConfig, version: str, override: Mapping[str, float] | None = None) -> dict[str, float]:
    """The version's metrics: the config's, updated by ``override`` (e.g. the training job's evaluation file)."""
    return {**listed(config, version).entry.metrics, **(override or {})}


def validate(config: PlatformConfig, version: str, metrics: Mapping[str, float] | None = None) -> GateResult:
    """Run ``version``'s model's quality gate on it (offline), against that model's production version."""
    entry = listed(config, version)
    return evaluate(
        gate_of(config, entry.model),
        entry.ref,
        metrics_for(config, version, metrics),
        production_of(config, entry.model),
    )


def _metadata(version: str, metrics: Mapping[str, float], deprecated: bool = False) -> dict[str, str]:
    meta = {META_VERSION: version, **{f"{METRIC_PREFIX}{k}": repr(float(v)) for k, v in sorted(metrics.items())}}
    if deprecated:
        meta[META_LIFECYCLE] = "deprecated"
    return meta


def _package(d: Mapping[str, Any]) -> Package:
    meta = d.get("CustomerMetadataProperties") or {}
    metrics = {}
    for k, v in meta.items():
        if k.startswith(METRIC_PREFIX):
            try:
                metrics[k[len(METRIC_PREFIX) :]] = float(v)
            except ValueError:
                continue
    created: Any = d.get("CreationTime")  # a datetime from boto3; hasattr keeps other shapes out
    return Package(
        version=meta.get(META_VERSION),
        arn=d["ModelPackageArn"],
        package_version=d.get("ModelPackageVersion"),
        status=d.get("ModelApprovalStatus", "PendingManualApproval"),
        description=d.get("ApprovalDescription"),
        metrics=metrics,
        deprecated=meta.get(META_LIFECYCLE) == "deprecated",
        created=created.isoformat(timespec="seconds") if hasattr(created, "isoformat") else None,
    )


def packages(clients: Clients, group: str) -> list[Package]:
    """Every package of the group, oldest first (ListModelPackages has no metadata: one Describe each)."""
    sm = clients.sagemaker
    with aws_errors():
        arns = [
            s["ModelPackageArn"]
            for page in sm.get_paginator("list_model_packages").paginate(
                ModelPackageGroupName=group, ModelPackageType="Versioned"
            )
            for s in page.get("ModelPackageSummaryList", [])
        ]
        found = [_package(sm.describe_model_package(ModelPackageName=arn)) for arn in arns]
    return sorted(found, key=lambda p: (p.package_version or 0, p.arn))


def find(clients: Clients, group: str, version: str) -> Package | None:
    """The newest package recording ``version`` (a re-registered version supersedes the earlier one)."""
    matches = [p for p in packages(clients, group) if p.version == version]
    return matches[-1] if matches else None


def _require_group(clients: Clients, group: str) -> None:
    try:
        with aws_errors():
            clients.sagemaker.describe_model_package_group(ModelPackageGroupName=group)
    except AwsError as exc:
        raise RegistryError(
            f"model package group {group!r} does not exist in this region ({exc}): deploy the registry first"
        ) from None


@record
class Registered:
    package: Package
    gate: GateResult


def register(
    clients: Clients, config: PlatformConfig, version: str, metrics: Mapping[str, float] | None = None
) -> Registered:
    """Record ``version`` as a model package: PendingManualApproval when it passes the gate, Rejected (with
    the failing metrics as ApprovalDescription) when it does not. A version is registered once."""
    result = validate(config, version, metrics)
    entry = listed(config, version)
    model, version = entry.entry, entry.entry.version
    group = group_name(config, entry.model)
    _require_group(clients, group)
    existing = find(clients, group, version)
    if existing is not None:
        raise RegistryError(f"version {entry.ref} is already registered as {existing.arn} ({existing.status})")
    container: dict[str, Any] = {"Image": model.image}
    if model.model_data is not None:
        container["ModelDataUrl"] = model.model_data
    elif model.model_data_prefix is not None:
        container["ModelDataSource"] = {
            "S3DataSource": {"S3Uri": model.model_data_prefix, "S3DataType": "S3Prefix", "CompressionType": "None"}
        }
    if model.environment:
        container["Environment"] = dict(model.environment)
    meta = _metadata(version, metrics_for(config, entry.ref, metrics))
    what = f"model {version}" if entry.model is None else f"model {entry.model} {version}"
    sm = clients.sagemaker
    with aws_errors():
        arn = sm.create_model_package(
            ModelPackageGroupName=group,
            ModelPackageDescription=f"{config.project.name}-{config.project.environment} {what}",
            InferenceSpecification={
                "Containers": [container],
                "SupportedContentTypes": ["application/json"],
                "SupportedResponseMIMETypes": ["application/json"],
            },
            ModelApprovalStatus="PendingManualApproval",
            CustomerMetadataProperties=meta,
        )["ModelPackageArn"]
        if not result.passed:
            # CreateModelPackage takes no ApprovalDescription: the reason is set by the update.
            sm.update_model_package(
                ModelPackageArn=arn,
                ModelApprovalStatus="Rejected",
                ApprovalDescription=result.summary()[:MAX_DESCRIPTION],
                CustomerMetadataProperties=meta,
            )
        package = _package(sm.describe_model_package(ModelPackageName=arn))
    return Registered(package, result)


def set_status(
    clients: Clients, config: PlatformConfig, version: str, status: str, description: str, *, deprecate: bool = False
) -> Package:
    """Approve, reject or deprecate the version's package (ApprovalDescription says who/why)."""
    if status not in APPROVAL_STATUSES:
        raise ValueError(status)
    entry = listed(config, version)
    group = group_name(config, entry.model)
    package = find(clients, group, entry.entry.version)
    if package is None:
        raise RegistryError(
            f"version {entry.ref} is not registered in {group}: run mlinfra models register {entry.ref}"
        )
    sm = clients.sagemaker
    with aws_errors():
        sm.update_model_package(
            ModelPackageArn=package.arn,
            ModelApprovalStatus=status,
            ApprovalDescription=description[:MAX_DESCRIPTION],
            # Sent again, unchanged (plus the lifecycle mark): AWS merges these keys, moto 5.2 replaces
            # the whole map with what the update carries; sending it keeps both right.
            CustomerMetadataProperties=_metadata(
                entry.entry.version, package.metrics, deprecated=deprecate or package.deprecated
            ),
        )
        return _package(sm.describe_model_package(ModelPackageName=package.arn))
