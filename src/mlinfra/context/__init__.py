"""Resource plan → render context: one context per Terraform module, with nothing left to decide.

A context names the template folder that renders it, the module's variables and outputs (rendered by
shared templates), the root-module wiring (module arguments), and the plan objects its ``main.tf`` loops
over. References between objects are precomputed :class:`~mlinfra.expr.Ref` values, so templates never
build Terraform expressions out of strings. What each module holds is declared by its component
(:mod:`mlinfra.components`); this module only drives them.
"""

from __future__ import annotations

from dataclasses import replace

from ..core.component import (
    AWS,
    Component,
    Input,
    ModuleContext,
    Output,
    Provider,
    ProviderConfig,
    ReadmeSection,
    Sinks,
    Variable,
    Wire,
)
from ..plan.parts import PlatformPlan
from ..plan.platform import TERRAFORM_FLOOR
from ..records import record

__all__ = ["Input", "ModuleContext", "Output", "RemoteState", "RootContext", "Variable", "build_context"]


@record
class RemoteState:
    """Another root's state, read for its outputs (a split tree's ``data "terraform_remote_state"``)."""

    label: str  # the data source's name: the producer stack's name, ``-`` as ``_``
    stack: str  # the producer stack's name (its folder)
    backend: str  # "s3" or "local"
    config: dict[str, object]  # the backend's settings for reading that state


@record
class RootContext:
    plan: PlatformPlan
    modules: tuple[ModuleContext, ...]
    outputs: tuple[Output, ...]
    providers: tuple[Provider, ...]  # required_providers of the root: aws first, then by name
    provider_configs: tuple[ProviderConfig, ...]  # aliased AWS providers (e.g. us-east-1 for CloudFront)
    readme: tuple[ReadmeSection, ...]
    endpoints: int = 0  # SageMaker endpoints the tree deploys, of every kind
    # Modules pin the floor only; the root raises it for what it uses itself (the S3 lockfile).
    module_terraform_version: str = f">= {TERRAFORM_FLOOR}"
    # States of the other roots of a split tree whose outputs this root reads (none in a single root).
    remote_states: tuple[RemoteState, ...] = ()

    @property
    def uses_awscc(self) -> bool:
        """Whether a module uses hashicorp/awscc (the root then configures it: region; no default_tags)."""
        return any(p.name == "awscc" for p in self.providers)


def build_context(plan: PlatformPlan) -> RootContext:
    """Lay the plan out as modules: the generic driver over the component list.

    1. every present component adds its statements to the shared sinks (key policy, roles, security
       groups, VPC endpoints);
    2. every component declares the capabilities its modules export (some follow from the sinks);
    3. every component lays out its modules, wired by capability;
    4. the module blocks are ordered so that each comes after the modules it references.
    """
    from .. import components

    # The parts are in the order of the component list (build_plan); their components are loaded.
    present: list[tuple[Component, object]] = [(components.component(name), part) for name, part in plan.parts.items()]
    sinks = Sinks()
    for component, part in present:
        component.contribute(part, sinks)
    wire = Wire()
    outputs_of: dict[str, list[Output]] = {}
    for component, part in present:
        for export in (*component.exports(part), *component.sink_exports(part, sinks)):
            assert export.capability not in wire.exports, f"two components export {export.capability}"
            wire.exports[export.capability] = (export.module, export.output)
            outputs_of.setdefault(export.module, []).append(export.output)
    modules = []
    for component, part in present:
        for mod in component.modules(part, wire, sinks):
            modules.append(
                replace(mod, outputs=tuple(outputs_of.get(mod.key, ())), providers=mod.providers or component.providers)
            )
    ordered = _ordered(modules)
    position = {m.key: i for i, m in enumerate(ordered)}
    root_outputs = sorted(
        (
            (position[wire.exports[o.capability][0]], i, o)
            for i, o in enumerate(o for c, part in present for o in c.root_outputs(part))
        ),
        key=lambda t: t[:2],
    )
    providers = _merged({p for m in ordered for p in m.providers})
    return RootContext(
        plan=plan,
        modules=tuple(ordered),
        outputs=tuple(Output(o.name, o.description, wire.ref(o.capability), o.sensitive) for _, _, o in root_outputs),
        providers=tuple(sorted(providers, key=lambda p: (p != AWS, p.name))),
        provider_configs=tuple(dict.fromkeys(cfg for c, part in present for cfg in c.provider_configs(part))),
        readme=tuple(section for c, part in present for section in c.readme(part)),
        endpoints=sum(c.endpoints(part) for c, part in present),
    )


def _merged(providers: set[Provider]) -> set[Provider]:
    """One requirement per provider: modules that need a newer release than others (inference components
    need aws ≥ 6.21) add their constraints to the shared one (``~> 6.0, >= 6.21``)."""
    by_name: dict[str, list[Provider]] = {}
    for p in sorted(providers, key=lambda p: (p.name, len(p.version), p.version)):
        by_name.setdefault(p.name, []).append(p)
    out = set()
    for name, ps in by_name.items():
        constraints = list(dict.fromkeys(c.strip() for p in ps for c in p.version.split(",")))
        out.add(Provider(name, ps[0].source, ", ".join(constraints)))
    return out


def _ordered(modules: list[ModuleContext]) -> list[ModuleContext]:
    """Each module after the modules whose outputs it takes; otherwise in the order of the component list."""
    keys = {m.key for m in modules}
    assert len(keys) == len(modules), "two modules share a key"
    # Computed once: each is a walk of the module's arguments (a fleet's scan would redo it n^2 times).
    needs = {m.key: m.depends_on_modules for m in modules}
    pending, out = list(modules), []
    done: set[str] = set()
    while pending:
        ready = next((m for m in pending if needs[m.key] <= done), None)
        if ready is None:
            raise AssertionError(f"modules reference each other in a cycle: {[m.key for m in pending]}")
        assert needs[ready.key] <= keys
        pending.remove(ready)
        done.add(ready.key)
        out.append(ready)
    return out
