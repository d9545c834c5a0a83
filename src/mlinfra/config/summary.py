"""What a valid config describes, counted: the one-line summary ``mlinfra validate`` prints."""

from __future__ import annotations

from ..records import record
from .shapes import InferenceComponentsEndpoint, PlatformConfig


@record
class Summary:
    platform: str  # <project>-<environment>
    region: str
    model_versions: int
    deprecated: int  # model versions with status deprecated
    models: int  # named models (1: the one unnamed model of the one-model form)
    endpoints: int
    variants: int  # production variants and shadows of the endpoints without inference components
    inference_components: int

    def counts(self) -> list[str]:
        """``["4 model versions (1 deprecated)", "2 endpoints", "3 variants"]``: variants are left out when
        every endpoint hosts inference components, inference components when none does."""
        out = [_count(self.model_versions, "model version") + f" ({self.deprecated} deprecated)"]
        if self.models > 1:
            out[0] = _count(self.models, "model") + ", " + out[0]
        out.append(_count(self.endpoints, "endpoint"))
        if self.variants or not self.inference_components:
            out.append(_count(self.variants, "variant"))
        if self.inference_components:
            out.append(_count(self.inference_components, "inference component"))
        return out

    def __str__(self) -> str:
        return f"{self.platform} in {self.region}: " + ", ".join(self.counts())


def summarize(config: PlatformConfig) -> Summary:
    classic = [e for e in config.endpoints if not isinstance(e, InferenceComponentsEndpoint)]
    return Summary(
        platform=f"{config.project.name}-{config.project.environment}",
        region=config.project.region,
        model_versions=len(config.versions()),
        deprecated=sum(1 for v in config.versions() if v.entry.status == "deprecated"),
        models=len(config.model_names()),
        endpoints=len(config.endpoints),
        variants=sum(len(e.variants) + (1 if e.shadow else 0) for e in classic),
        inference_components=sum(
            len(e.components) for e in config.endpoints if isinstance(e, InferenceComponentsEndpoint)
        ),
    )


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")


def traffic_notes(config: PlatformConfig) -> list[str]:
    """The traffic split each endpoint gets, where its variants' weights do not sum to 100: SageMaker reads
    weights as relative (80 and 30 send 72.7 % and 27.3 %), which a reader of the numbers may not expect."""
    notes = []
    for ep in config.endpoints:
        if isinstance(ep, InferenceComponentsEndpoint) or len(ep.variants) < 2:
            continue
        total = sum(v.weight for v in ep.variants)
        if total == 0 or abs(total - 100) < 1e-9:
            continue
        split = ", ".join(f"{v.name} {_percent(100 * v.weight / total)}" for v in ep.variants)
        notes.append(
            f"endpoint {ep.name}: the weights sum to {total:g}, not 100; they are relative, so traffic splits {split}"
        )
    return notes


def _percent(p: float) -> str:
    return f"{p:.1f}".removesuffix(".0") + " %"
