"""Rules of the ``registry`` section: what the quality gates' comparisons with production can compare, and
the per-model settings (``registry.models``) naming models the config lists."""

from __future__ import annotations

import difflib
from collections.abc import Iterator

from ...config.rules import Loc, Violation
from ...config.shapes import PlatformConfig
from .section import SECTION, QualityGate, group_names

#: SageMaker's ModelPackageGroupName is at most 63 characters.
MAX_GROUP_NAME = 63


def regression_metrics(config: PlatformConfig) -> Iterator[Violation]:
    """Each comparison with production names a metric once, and one the production version of each model
    it applies to reports (a model's own gate applies to it alone; the registry's to the others)."""
    registry = SECTION.of(config)
    if registry is None:
        return
    own = {m: r.quality_gate for m, r in registry.models.items() if r.quality_gate is not None}
    gates: list[tuple[Loc, QualityGate, list[str | None]]] = [
        (("registry", "quality_gate"), registry.quality_gate, [m for m in config.model_names() if m not in own])
    ]
    gates += [(("registry", "models", m, "quality_gate"), gate, [m]) for m, gate in own.items()]
    for at, gate, models in gates:
        production = [v for v in config.versions() if v.entry.status == "production" and v.model in models]
        seen: set[str] = set()
        for i, r in enumerate(gate.versus_production):
            loc = (*at, "versus_production", i, "metric")
            if r.metric in seen:
                yield Violation(
                    loc, f"metric {r.metric} is compared with production twice", "duplicate-regression-metric"
                )
            seen.add(r.metric)
            for listed in production:
                m = listed.entry
                if r.metric not in m.metrics:
                    have = ", ".join(sorted(m.metrics)) or "none"
                    what = m.version if listed.model is None else listed.ref
                    yield Violation(
                        loc,
                        f"the production version {what} has no metric {r.metric} to compare with (its metrics: {have}); add it to its metrics",
                        "regression-metric-missing",
                    )


def registry_models(config: PlatformConfig) -> Iterator[Violation]:
    """``registry.models`` names listed models; every model's package group name is one SageMaker takes."""
    registry = SECTION.of(config)
    if registry is None:
        return
    listed = [m for m in config.model_names() if m is not None]
    for name in registry.models:
        if name not in listed:
            close = difflib.get_close_matches(name, listed, n=1)
            hint = f'; did you mean "{close[0]}"?' if close else f" (models: {', '.join(listed) or 'none named'})"
            yield Violation(("registry", "models", name), f"no model {name} in models{hint}", "registry-unknown-model")
    prefix = f"{config.project.name}-{config.project.environment}"
    for model, group in group_names(config, prefix).items():
        if len(group) > MAX_GROUP_NAME and model is not None:
            yield Violation(
                ("registry", "models", model) if model in registry.models else ("registry",),
                f"model {model}'s package group {group} is {len(group)} characters; SageMaker allows {MAX_GROUP_NAME}: "
                f"set registry.models.{model}.model_package_group to a shorter name",
                "registry-group-too-long",
            )


def fixed_names_owner(config: PlatformConfig) -> Iterator[Violation]:
    """Names the registry fixes are the project's, one per account: without ``owner_environment``, a note
    (``validate`` prints it) that a second environment of this config would create them again."""
    registry = SECTION.of(config)
    if registry is None:
        return
    fixed = [
        f"{field} {value}"
        for field, value in (
            ("models_bucket", registry.models_bucket),
            ("ecr_repository", registry.ecr_repository),
            ("model_package_group", registry.model_package_group),
            *((f"models.{m}.model_package_group", r.model_package_group) for m, r in registry.models.items()),
            *((f"models.{m}.ecr_repository", r.ecr_repository) for m, r in registry.models.items()),
        )
        if value is not None
    ]
    env = config.project.environment
    if fixed and registry.owner_environment is None:
        yield Violation(
            ("registry",),
            f"fixes names ({', '.join(fixed)}) that every environment deploying this config would create in the "
            f"account: a second environment fails with AlreadyExists; say which environment creates them "
            f"(owner_environment: {env}), and the others read them",
            "registry-fixed-names-owner",
            warning=True,
            note=True,
        )
    elif registry.owner_environment is not None and not fixed:
        yield Violation(
            ("registry", "owner_environment"),
            "owns no fixed name: the registry's default names carry the environment, so each environment creates its own; "
            "remove owner_environment (or fix models_bucket, ecr_repository or model_package_group)",
            "registry-owner-without-fixed-names",
        )


RULES = (regression_metrics, registry_models, fixed_names_owner)
