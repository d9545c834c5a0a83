"""The ``registry`` section: the SageMaker model package group, its quality gate, and approval.

    registry:
      models_bucket: acme-prod-models   # default <project>-<environment>-models-<account ID>
      ecr_repository: acme/inference    # default <project>-<environment>
      image_retention: 20               # tagged images kept in the repository (default 10)
      require_approval: true          # deploy / promote refuse traffic to a version whose package is not Approved
      quality_gate:
        thresholds:                   # metric: "OP NUMBER"; OP is one of >= > <= <
          accuracy: ">= 0.90"
          latency_p99_ms: "<= 120"
        versus_production:            # at most this much worse than the production version's value
          - {metric: accuracy, max_regression: 0.01}
          - {metric: latency_p99_ms, max_regression: 10, better: lower}

Why this form: metric names are the user's own words, so they are keys of a map of their own
(``thresholds``) and never mix with the gate's keywords, which stay fixed and typo-checked ("did you
mean"). A threshold reads as written in a review (``">= 0.90"``) and is parsed once, here, into an
operator and a number. A comparison with production needs a direction, which a bare number cannot
say: ``better`` is ``higher`` (the default, accuracy-like) or ``lower`` (latency, error rate).
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import BeforeValidator, Field, StringConstraints

from ...config.section import Section
from ...config.shapes import ModelName, PlatformConfig, Strict
from ...naming import model_package_group_name

MetricName = Annotated[str, StringConstraints(pattern=r"^[a-zA-Z_][a-zA-Z0-9_.-]*$", max_length=64)]
# SageMaker model package group names: ^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}
GroupName = Annotated[str, StringConstraints(pattern=r"^[a-zA-Z0-9](-*[a-zA-Z0-9])*$", max_length=63)]
# S3 bucket names (no dots: virtual-host TLS fails on them) and ECR repository names.
BucketName = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]*[a-z0-9]$", min_length=3, max_length=63)]
RepositoryName = Annotated[
    str,
    StringConstraints(
        pattern=r"^[a-z0-9]+([._-][a-z0-9]+)*(/[a-z0-9]+([._-][a-z0-9]+)*)*$", min_length=2, max_length=256
    ),
]
Operator = Literal[">=", ">", "<=", "<"]
_THRESHOLD = re.compile(r"^\s*(>=|<=|>|<)\s*([-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?)\s*$")


class Threshold(Strict):
    """``metric OP value``: the version's metric must satisfy it."""

    op: Operator
    value: float

    def holds(self, metric: float) -> bool:
        return {
            ">=": metric >= self.value,
            ">": metric > self.value,
            "<=": metric <= self.value,
            "<": metric < self.value,
        }[self.op]

    def __str__(self) -> str:
        return f"{self.op} {self.value:g}"


#: The short form of a threshold, as the file writes it (``">= 0.90"``).
ThresholdText = Annotated[str, StringConstraints(pattern=_THRESHOLD.pattern)]


def _parse_threshold(raw: object) -> object:
    if isinstance(raw, str):
        match = _THRESHOLD.match(raw)
        if match is None:
            raise ValueError('a threshold is an operator and a number, such as ">= 0.90" (operators: >= > <= <)')
        return {"op": match.group(1), "value": float(match.group(2))}
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        raise ValueError(f'a threshold needs its operator: write ">= {raw}" (quoted)')
    return raw


class Regression(Strict):
    """Not worse than the production version by more than ``max_regression`` (in the metric's own unit)."""

    metric: MetricName
    max_regression: Annotated[float, Field(ge=0)]
    better: Literal["higher", "lower"] = "higher"


class QualityGate(Strict):
    """The reference architecture's "Validation Tests → Model Quality Metrics" stage, as data."""

    thresholds: dict[
        MetricName,
        Annotated[Threshold, BeforeValidator(_parse_threshold, json_schema_input_type=ThresholdText | Threshold)],
    ] = Field(default_factory=dict)
    versus_production: list[Regression] = Field(default_factory=list)


class ModelRegistry(Strict):
    """One named model's place in the registry, over the registry's own settings: its model package group
    and its quality gate (which compares its versions with its own production version only)."""

    model_package_group: GroupName | None = None
    # The model's own ECR repository for its images (default: the registry's ecr_repository).
    ecr_repository: RepositoryName | None = None
    quality_gate: QualityGate | None = None


class Registry(Strict):
    """The model registry: a SageMaker model package group per model (the first model listed keeps
    ``model_package_group``, default ``<project>-<environment>``; each other model gets
    ``<project>-<environment>-<model>``), the models bucket and the ECR repository of the model images."""

    model_package_group: GroupName | None = None
    models_bucket: BucketName | None = None
    ecr_repository: RepositoryName | None = None
    image_retention: Annotated[int, Field(ge=1, le=1000)] = 10
    require_approval: bool = False
    quality_gate: QualityGate = QualityGate()
    # The environment that creates the names this section fixes (models_bucket, ecr_repository,
    # model_package_group): they are the project's, one per account; every other environment reads them.
    owner_environment: (
        Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$", max_length=10)] | None
    ) = None
    # Per named model: its own group name and quality gate (keys: names of models).
    models: dict[ModelName, ModelRegistry] = Field(default_factory=dict)

    def gate(self, model: str | None) -> QualityGate:
        """The quality gate of ``model``: its own, else the registry's."""
        own = self.models.get(model) if model is not None else None
        return own.quality_gate if own is not None and own.quality_gate is not None else self.quality_gate


SECTION = Section("registry", Registry)


def group_names(config: PlatformConfig, prefix: str | None = None) -> dict[str | None, str]:
    """Each model's model package group, models in file order (None: the one unnamed model). The first
    model keeps ``registry.model_package_group`` (default ``<project>-<environment>``), each other one gets
    ``<project>-<environment>-<model>``; ``registry.models.<model>.model_package_group`` wins over both.
    One source for the rendered groups and for ``mlinfra models ...``, which must address the same ones."""
    prefix = prefix or f"{config.project.name}-{config.project.environment}"
    r = SECTION.of(config)
    out: dict[str | None, str] = {}
    for k, m in enumerate(config.model_names()):
        own = r.models.get(m) if r is not None and m is not None else None
        if own is not None and own.model_package_group is not None:
            out[m] = own.model_package_group
        elif k == 0:
            out[m] = model_package_group_name(prefix, r.model_package_group if r is not None else None)
        else:
            out[m] = f"{prefix}-{m}"
    return out
