"""The tags a SageMaker model and an inference component carry beyond the provider's default_tags: the
endpoint's, the model version's own over them, then mlinfra's keys (both endpoint kinds tag alike)."""

from __future__ import annotations

from ..config.shapes import ModelVersion


def version_tags(endpoint_tags: dict[str, str], mv: ModelVersion) -> dict[str, str]:
    """The endpoint's tags with the model version's own over them, sorted: what a model (and an
    inference component) carries before mlinfra's own keys."""
    return dict(sorted({**endpoint_tags, **mv.tags}.items()))


def model_tags(endpoint_tags: dict[str, str], mv: ModelVersion) -> dict[str, str]:
    """A SageMaker model's tags: the endpoint's, the version's own over them, then the registry's view of
    the version (ModelVersion, ModelStatus, metric:<name>; the mlinfra-tag-key rule keeps them apart)."""
    return {
        **version_tags(endpoint_tags, mv),
        "ModelVersion": mv.version,
        "ModelStatus": mv.status,
        **{f"metric:{k}": f"{v:g}" for k, v in sorted(mv.metrics.items())},
    }
