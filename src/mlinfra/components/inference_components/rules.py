"""Rules of ``kind: components`` endpoints (inference components on a shared fleet). The endpoints are
the core's ``endpoints`` section; this component owns no section of its own.

They follow what SageMaker's CreateInferenceComponent and CreateEndpointConfig refuse (memory ≥ 128 MB,
CPU cores ≥ 0.25, whole accelerator devices ≥ 1, names ≤ 63 characters), and what no API call checks
until instances fail to come up: that the copies fit the fleet, each copy whole on one instance.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator
from typing import TYPE_CHECKING

from ...config.rules import Loc, Violation, model_reference, unknown_instance_type
from ...config.shapes import InferenceComponent, InferenceComponentsEndpoint, PlatformConfig
from ...instance_types import HOSTING
from ...naming import MAX_SAGEMAKER_NAME, endpoint_name

if TYPE_CHECKING:
    from fractions import Fraction

    from ...fleet.capacity import InstanceType

# The fleet's modules (the instance table parsed from TOML, exact fractions) are imported by the rules
# below only for a config that has components endpoints: validate runs every rule on every config.


def _components_endpoints(config: PlatformConfig) -> Iterator[tuple[Loc, InferenceComponentsEndpoint]]:
    for i, ep in enumerate(config.endpoints):
        if isinstance(ep, InferenceComponentsEndpoint):
            yield ("endpoints", i), ep


def _more_devices(t: InstanceType) -> InstanceType | None:
    """The type with the same device and the fewest more of them per instance (ml.g4dn.xlarge → 12xlarge)."""
    from ...fleet.capacity import instance_types

    bigger = [
        o for o in instance_types().values() if o.accelerator == t.accelerator and o.accelerators > t.accelerators
    ]
    return min(bigger, key=lambda o: (o.accelerators, o.vcpu, o.name)) if bigger else None


def _share_refused(given: object, share: Fraction, c: InferenceComponent, t: InstanceType | None) -> str:
    shown = f'"{given}"' if isinstance(given, str) else f"{float(share):g}"
    why = (
        f"accelerators {shown} is a share of a device: SageMaker gives each copy of an inference component whole "
        "accelerator devices (NumberOfAcceleratorDevicesRequired is a whole number, at least 1); sharing one GPU between "
        "models needs GPU partitioning, which needs instance types and a serving stack that support it, and inference "
        "components do not split a device"
    )
    if t is None:
        return why + ". Write a whole number of devices, e.g. accelerators: 1"
    if not t.accelerators:
        return (
            why
            + f". {t.name} has no accelerators at all: leave accelerators out for a CPU-only component, or choose a GPU instance type"
        )
    whole = max(1, -(-share.numerator // share.denominator))
    per_instance = min(t.accelerators // whole, t.memory_mb // c.min_memory_mb)
    fix = f". What fits instead: accelerators: {whole} (a whole {t.accelerator}, {t.accelerator_memory_gib:g} GiB); one {t.name} has {t.accelerators}, so {per_instance} such cop{'y fits' if per_instance == 1 else 'ies fit'} per instance"
    more = _more_devices(t)
    if more is not None:
        fix += f"; for several copies on one instance choose a type with more devices, such as {more.name} ({more.accelerators} × {more.accelerator})"
    return why + fix + "; or serve the models from one container (a multi-model endpoint) to share a GPU"


def inference_components(config: PlatformConfig) -> Iterator[Violation]:
    prefix = f"{config.project.name}-{config.project.environment}"
    for eloc, ep in _components_endpoints(config):
        from ...fleet.capacity import instance_types
        from ...fleet.check import fleet_packing, gpu_share, instances_needed, max_copies, max_instances

        f = ep.fleet
        floc = (*eloc, "fleet")
        t = instance_types().get(f.instance_type)
        unknown = unknown_instance_type(floc, f.instance_type, HOSTING, "endpoints")
        if unknown is not None:
            yield unknown
        elif t is None:
            close = difflib.get_close_matches(f.instance_type, instance_types(), n=3)
            hint = f"; did you mean {' or '.join(close)}?" if close else ""
            yield Violation(
                (*floc, "instance_type"),
                f"{f.instance_type} is not in mlinfra's table of SageMaker instance types (src/mlinfra/fleet/instance_types.toml), "
                f"so its capacity cannot be checked{hint}",
                "unknown-instance-type",
            )
        if f.scaling is not None:
            if f.scaling.min > f.scaling.max:
                yield Violation(
                    (*floc, "scaling", "min"), f"min {f.scaling.min} exceeds max {f.scaling.max}", "fleet-scaling-range"
                )
            elif not f.scaling.min <= f.instance_count <= f.scaling.max:
                yield Violation(
                    (*floc, "instance_count"),
                    f"instance_count {f.instance_count} must lie within scaling min {f.scaling.min} and max {f.scaling.max}",
                    "fleet-scaling-range",
                )
        clean = t is not None
        seen: dict[str, int] = {}
        for j, c in enumerate(ep.components):
            cloc = (*eloc, "components", j)
            if c.name in seen:
                yield Violation(
                    (*cloc, "name"),
                    f'component name "{c.name}" is used twice in endpoint "{ep.name}" (first as components[{seen[c.name]}])',
                    "duplicate-component-name",
                )
            seen.setdefault(c.name, j)
            full = f"{endpoint_name(prefix, ep.name)}-{c.name}"
            if len(full) > MAX_SAGEMAKER_NAME:
                yield Violation(
                    (*cloc, "name"),
                    f'the inference component name "{full}" is {len(full)} characters; AWS allows {MAX_SAGEMAKER_NAME}',
                    "component-name-too-long",
                )
            yield from model_reference(config, c.model, (*cloc, "model"))
            if c.max_memory_mb is not None and c.max_memory_mb < c.min_memory_mb:
                yield Violation(
                    (*cloc, "max_memory_mb"),
                    f"max_memory_mb {c.max_memory_mb} is below min_memory_mb {c.min_memory_mb}",
                    "component-memory-range",
                )
            a = c.autoscaling
            if a is not None:
                if a.min > a.max:
                    yield Violation(
                        (*cloc, "autoscaling", "min"), f"min {a.min} exceeds max {a.max}", "copy-scaling-range"
                    )
                    clean = False
                elif not a.min <= c.copies <= a.max:
                    yield Violation(
                        (*cloc, "copies"),
                        f"copies {c.copies} must lie within autoscaling min {a.min} and max {a.max}",
                        "copy-scaling-range",
                    )
            share = gpu_share(c.accelerators)
            aloc = (*cloc, "accelerators")
            if share is None:
                yield Violation(
                    aloc,
                    f"must be a whole number of accelerator devices such as 1, got {c.accelerators!r}",
                    "component-accelerators",
                )
                clean = False
                continue
            if share.denominator != 1 or isinstance(c.accelerators, str):
                yield Violation(aloc, _share_refused(c.accelerators, share, c, t), "fractional-accelerator")
                clean = False
                continue
            if c.accelerators is not None and share < 1:
                yield Violation(
                    aloc,
                    f"{share} accelerators: a component that uses none leaves accelerators out (SageMaker requires at least 1 when it is given)",
                    "component-accelerators",
                )
                clean = False
                continue
            if t is None:
                continue
            one = f"one {t.name} has"
            if share > t.accelerators:
                what = (
                    f"{one} no accelerators: leave accelerators out, or choose a GPU instance type"
                    if not t.accelerators
                    else f"{one} {t.accelerators} {t.unit}{'s' if t.accelerators > 1 else ''}"
                )
                yield Violation(
                    aloc,
                    f"a copy needs {share} accelerator devices and each copy runs on one instance; {what}",
                    "component-too-large",
                )
                clean = False
            if c.min_memory_mb > t.memory_mb:
                yield Violation(
                    (*cloc, "min_memory_mb"),
                    f"a copy reserves {c.min_memory_mb} MiB and each copy runs on one instance; {one} {t.memory_mb} MiB",
                    "component-too-large",
                )
                clean = False
            if c.cpu_cores is not None and c.cpu_cores > t.vcpu:
                yield Violation(
                    (*cloc, "cpu_cores"),
                    f"a copy reserves {c.cpu_cores:g} CPU cores and each copy runs on one instance; {one} {t.vcpu} vCPUs",
                    "component-too-large",
                )
                clean = False
        if not clean or t is None:
            continue
        p = fleet_packing(ep)
        assert p is not None
        if not p.initial.fits:
            need = instances_needed(t, ep, at_max=False)
            left = ", ".join(f"{n} of {c}" for c, n in p.initial.unplaced)
            yield Violation(
                (*floc, "instance_count"),
                f"the components' initial copies do not fit {f.instance_count} × {t.name} (per instance {t.describe()}; SageMaker places each copy whole on one instance): "
                f"no room for {left}. They need {need} instances: raise instance_count to {need}, or start with fewer copies",
                "fleet-capacity",
            )
        if not p.at_max.fits:
            need = instances_needed(t, ep, at_max=True)
            left = ", ".join(f"{n} of {c}" for c, n in p.at_max.unplaced)
            most = ", ".join(f"{c.name} {max_copies(c)}" for c in ep.components)
            where = (*floc, "scaling", "max") if f.scaling is not None else (*floc, "instance_count")
            fix = (
                f"raise fleet.scaling.max to {need}"
                if f.scaling is not None
                else f"add scaling: {{min: {f.instance_count}, max: {need}}} to the fleet"
            )
            yield Violation(
                where,
                f"at their most copies ({most}) the components need {need} × {t.name} (per instance {t.describe()}; SageMaker places each copy whole on one instance), "
                f"and the fleet has at most {max_instances(ep)}: no room for {left}. {fix[0].upper()}{fix[1:]}, or lower the components' autoscaling max",
                "fleet-capacity",
            )


#: InferenceComponentRollingUpdatePolicy.MaximumBatchSize: "between 5% to 50% of the copy count of the
#: inference component" (botocore's sagemaker service-2.json).
ROLLOUT_STEP_PERCENT = (5, 50)


def component_rollout(config: PlatformConfig) -> Iterator[Violation]:
    """Alarms and rolling deployment of ``kind: components`` endpoints (InferenceComponentDeploymentConfig)."""
    low, high = ROLLOUT_STEP_PERCENT
    for eloc, ep in _components_endpoints(config):
        from fractions import Fraction

        a = ep.alarms
        if a is not None and (a.drift_threshold is not None or a.drift_features):
            yield Violation(
                (*eloc, "alarms", "drift_features" if a.drift_features else "drift_threshold"),
                "drift alarms watch the features of an endpoint with variants (mlinfra monitor drift --publish); "
                "a components endpoint's alarms watch each component's latency and error rates: leave drift_threshold and drift_features out",
                "component-alarm-drift",
            )
        d = ep.deployment
        if d is None:
            continue
        loc = (*eloc, "deployment")
        steps = [f for f in ("step_copies", "step_percent") if getattr(d, f) is not None]
        if len(steps) != 1:
            yield Violation(
                (*loc, steps[1]) if steps else loc,
                "a rolling update moves one batch of copies at a time (MaximumBatchSize, required): give step_copies or step_percent, one of them",
                "component-rollout-step",
            )
        if d.rollback_step_copies is not None and d.rollback_step_percent is not None:
            yield Violation(
                (*loc, "rollback_step_percent"),
                "a rollback batch is rollback_step_copies or rollback_step_percent, not both",
                "component-rollout-step",
            )
        if d.step_percent is not None and not low <= d.step_percent <= high:
            yield Violation(
                (*loc, "step_percent"),
                f"SageMaker moves {low} % to {high} % of a component's copies per step, not {d.step_percent} %: use a step_percent from {low} to {high}",
                "component-rollout-step-size",
            )
        if d.step_copies is not None and d.step_percent is None:
            for c in ep.components:
                share = Fraction(d.step_copies, c.copies)
                if not Fraction(low, 100) <= share <= Fraction(high, 100):
                    fits = [
                        n
                        for n in range(1, c.copies + 1)
                        if Fraction(low, 100) <= Fraction(n, c.copies) <= Fraction(high, 100)
                    ]
                    fix = (
                        f"use step_copies from {fits[0]} to {fits[-1]}"
                        if fits
                        else f"no whole number of its {c.copies} cop{'y' if c.copies == 1 else 'ies'} is; use step_percent (e.g. {high}) or more copies"
                    )
                    yield Violation(
                        (*loc, "step_copies"),
                        f'a step of {d.step_copies} cop{"y" if d.step_copies == 1 else "ies"} is {float(share) * 100:g} % of component "{c.name}" ({c.copies} cop{"y" if c.copies == 1 else "ies"}); '
                        f"SageMaker moves {low} % to {high} % of a component's copies per step: {fix}",
                        "component-rollout-step-size",
                    )
                    break
        if d.max_execution_timeout_seconds is not None and d.max_execution_timeout_seconds <= d.wait_seconds:
            yield Violation(
                (*loc, "max_execution_timeout_seconds"),
                f"the deployment would time out ({d.max_execution_timeout_seconds} s) before its first bake ends ({d.wait_seconds} s): use a timeout above wait_seconds",
                "component-rollout-timeout",
            )
        if d.rollback_on_alarms and ep.alarms is None:
            yield Violation(
                (*loc, "rollback_on_alarms"),
                'auto-rollback watches the components\' alarms: add an "alarms" section to the endpoint or set rollback_on_alarms: false',
                "rollback-needs-alarms",
            )


RULES = (inference_components, component_rollout)
