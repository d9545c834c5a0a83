"""Which live endpoint a command acts on: from the config (by its name there) or from --endpoint alone."""

from __future__ import annotations

import difflib
from pathlib import Path

from ..errors import UsageError
from ..plan.parts import INFERENCE_COMPONENTS, ComponentsEndpointPlan, EndpointPlan
from ..records import record
from .endpoint import Guard


@record
class Target:
    endpoint: str  # SageMaker endpoint name
    guard: Guard  # the alarms that gate promotions
    plan: EndpointPlan | None  # the config's view, when a config was given
    config: Path | None
    region: str | None  # the config's region: the platform lives there (only --region overrides it)
    # The config's view of an endpoint with inference components (then ``plan`` is None).
    components: ComponentsEndpointPlan | None = None


def resolve(
    config: Path | None,
    endpoint: str | None,
    variant: str | None = None,
    component: str | None = None,
    *,
    warnings: list | None = None,
) -> Target:
    """With a config, ``endpoint`` is its name there (or the SageMaker name); it may be left out when only
    one endpoint has ``variant``. Without a config, ``endpoint`` is the SageMaker name and the alarms that
    guard it are found by their EndpointName dimension (or, on a components endpoint, by their
    InferenceComponentName: ops.components widens the guard)."""
    if config is None:
        if not endpoint:
            raise UsageError("name the endpoint: --endpoint NAME, or give the config file")
        return Target(endpoint, Guard(None), None, None, None)
    from ..pipeline import load_config
    from ..plan.platform import build_plan

    plan = build_plan(load_config(config, warnings=warnings), config.parent)  # warnings: see load_config
    part = INFERENCE_COMPONENTS.of(plan.parts)
    if endpoint:
        with_components = [e for e in (part.endpoints if part is not None else ()) if endpoint in (e.label, e.name)]
    elif component:
        with_components = [
            e
            for e in (part.endpoints if part is not None else ())
            if any(component in (c.label, c.name) for c in e.components)
        ]
        if len(with_components) != 1:
            names = ", ".join(e.label for e in (part.endpoints if part is not None else ())) or "none"
            which = "no endpoint has that component" if not with_components else "more than one endpoint could be meant"
            raise UsageError(f"{config}: {which}; pass --endpoint (endpoints with components: {names})")
    else:
        with_components = []
    if with_components:
        # The components' alarms of the config guard it (they watch InferenceComponentName, not the endpoint);
        # without any, every alarm whose dimensions name the endpoint.
        ic = with_components[0]
        guard = Guard(tuple(a.name for a in ic.alarms)) if ic.alarms else Guard(None)
        return Target(ic.name, guard, None, config, plan.region, components=ic)
    if endpoint:
        matches = [e for e in plan.endpoints if endpoint in (e.label, e.name)]
    else:
        matches = [e for e in plan.endpoints if variant is None or any(v.name == variant for v in e.variants)]
    if len(matches) != 1:
        names = (
            ", ".join(
                [e.label for e in plan.endpoints] + [e.label for e in (part.endpoints if part is not None else ())]
            )
            or "none"
        )
        if endpoint:
            # --endpoint was given: say what it may name, not to pass it again.
            labels = [e.label for e in plan.endpoints] + [e.label for e in (part.endpoints if part is not None else ())]
            close = difflib.get_close_matches(endpoint, labels, n=1)
            hint = f'; did you mean "{close[0]}"?' if close else ""
            raise UsageError(f"{config}: no endpoint {endpoint!r} (the config's endpoints: {names}){hint}")
        which = "more than one endpoint could be meant" if matches else "no endpoint has that variant"
        raise UsageError(f"{config}: {which}; pass --endpoint (endpoints: {names})")
    ep = matches[0]
    # The config's own alarms when it has some; otherwise every alarm on the endpoint.
    guard = Guard(tuple(a.name for a in ep.alarms)) if ep.alarms else Guard(None)
    return Target(ep.name, guard, ep, config, plan.region)
