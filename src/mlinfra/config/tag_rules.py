"""Rules of the tags a config sets at three levels (``project.tags``, an endpoint's ``tags``, a model
version's ``tags``), registered into the same rule list as rules.py's.

Where they land: the project's on every resource (the aws provider's ``default_tags``; written out on awscc
resources), an endpoint's on every resource of that endpoint, a model version's on its SageMaker models
and inference components. A key set at several levels is allowed: the most specific wins (model version
over endpoint over project), as a resource's own tags win over the provider's ``default_tags``. AWS allows
50 tags per resource (botocore's SageMaker ``TagList``: max 50), counted after that merge, mlinfra's own
tags included; keys starting with ``aws:`` are AWS's.
"""

from __future__ import annotations

from collections.abc import Iterator

from .rules import MAX_TAGS, MLINFRA_TAGS, MODEL_TAGS, Loc, Violation, rule
from .shapes import Endpoint, InferenceComponentsEndpoint, Listed, PlatformConfig

#: Keys mlinfra writes on the resources of one model version or component (the registry's view of a
#: version; ``metric:<name>`` per metric): a user's tag of that key would be overwritten, or mislabel.
OWN_KEYS = (*MODEL_TAGS, "Component")
OWN_PREFIX = "metric:"
_SUGGESTED = {"ModelVersion": "model-release", "ModelStatus": "model-stage", "Component": "component-owner"}


def _tag_levels(config: PlatformConfig) -> Iterator[tuple[Loc, dict[str, str]]]:
    yield ("project", "tags"), config.project.tags
    for i, ep in enumerate(config.endpoints):
        yield ("endpoints", i, "tags"), ep.tags
    for listed in config.versions():
        yield (*listed.at, "tags"), listed.entry.tags


@rule
def tag_keys(config: PlatformConfig) -> Iterator[Violation]:
    """``aws:`` keys at the endpoint and model levels (the project's: reserved-tag-key in rules.py), and
    mlinfra's own per-resource keys at any level."""
    for loc, tags in _tag_levels(config):
        for key in tags:
            if key.lower().startswith("aws:") and loc[0] != "project":
                yield Violation(
                    (*loc, key), f'tag key "{key}": the aws: prefix is reserved for AWS', "reserved-tag-key"
                )
            elif key in OWN_KEYS or key.startswith(OWN_PREFIX):
                what = (
                    "a metric of the model version's metrics"
                    if key.startswith(OWN_PREFIX)
                    else "mlinfra's own tag of each SageMaker model and inference component"
                )
                yield Violation(
                    (*loc, key),
                    f'tag key "{key}" is {what} (ModelVersion, ModelStatus, Component, metric:<name> say what the registry says); '
                    + (
                        "list the metric under the model version's metrics instead"
                        if key.startswith(OWN_PREFIX)
                        else f"choose another key, such as {_SUGGESTED.get(key, key.lower())}"
                    ),
                    "mlinfra-tag-key",
                )


def _deployed(config: PlatformConfig, ep: Endpoint | InferenceComponentsEndpoint) -> list[Listed]:
    refs = (
        [c.model for c in ep.components]
        if isinstance(ep, InferenceComponentsEndpoint)
        else [v.model for v in (*ep.variants, *([ep.shadow] if ep.shadow else []))]
    )
    found = [config.candidates(r) for r in refs]
    return list({f[0].at: f[0] for f in found if len(f) == 1}.values())


@rule
def merged_tag_limits(config: PlatformConfig) -> Iterator[Violation]:
    """Every tag that lands on a resource, after the merge, within AWS's 50: an endpoint's resources carry
    the project's, mlinfra's and the endpoint's; its SageMaker models those and the version's own, with
    ModelVersion, ModelStatus and one metric:<name> per metric (too-many-tags in rules.py counts a model
    without endpoint or version tags)."""
    common = set(MLINFRA_TAGS) | set(config.project.tags)
    if len(common) > MAX_TAGS:
        return  # rules.py reports the project's tags (the batch component's rules count its model's)
    for i, ep in enumerate(config.endpoints):
        own = common | set(ep.tags)
        if len(own) > MAX_TAGS:
            yield Violation(
                ("endpoints", i, "tags"),
                f"every resource of endpoint {ep.name} would carry {len(own)} tags (the project's, mlinfra's {', '.join(MLINFRA_TAGS)} and {len(ep.tags)} of the endpoint's, "
                f"a key set twice counted once); AWS allows {MAX_TAGS}: drop {len(own) - MAX_TAGS} of the endpoint's tags",
                "too-many-tags",
            )
            continue
        for listed in _deployed(config, ep):
            mv = listed.entry
            alone = common | set(MODEL_TAGS) | {f"metric:{n}" for n in mv.metrics}
            if len(alone) > MAX_TAGS:
                continue  # rules.py reports the metrics
            # (an inference component carries Component where its model carries ModelStatus and the
            # metrics: the model's count binds both)
            total = own | set(mv.tags) | alone
            if len(total) > MAX_TAGS:
                where = (*listed.at, "tags") if mv.tags else ("endpoints", i, "tags")
                yield Violation(
                    where,
                    f"model {listed.ref}'s SageMaker model on endpoint {ep.name} would carry {len(total)} tags (the project's, mlinfra's, the endpoint's, the version's own, "
                    f"{' and '.join(MODEL_TAGS)} and one per metric, a key set twice counted once); "
                    f"AWS allows {MAX_TAGS}: drop {len(total) - MAX_TAGS} of the endpoint's or the version's tags",
                    "too-many-tags",
                )
