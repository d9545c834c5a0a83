"""The laid-out modules split into stacks: which root each module block goes to, and the references that
cross from one root to another, rewritten to read the producer's state.

Rules (issue #22):

- an endpoint's module (a real-time, serverless, async endpoint, or an inference-components endpoint)
  goes to its group's stack;
- any other module that uses, directly or through other modules, the endpoints of exactly one group joins
  that group (a change to one endpoint plans only its stack); "uses" is a Terraform reference, or a call
  at run time by a name known from the config (``ModuleContext.calls``/``serves``: a route's Lambda invokes
  its endpoint, the API invokes the Lambdas), which Terraform does not see but the apply order must;
- a module that uses endpoints of several groups goes to ``front``, applied after those groups;
- every other module goes to ``shared`` (network, KMS, roles, buckets, alerts).

A reference ``module.X.out`` in a root that does not call X becomes
``data.terraform_remote_state.<stack of X>.outputs.X_out``, and the stack of X outputs ``X_out``. Each
stack's state key is the configured key's folder plus ``<stack>.tfstate`` (``platform/terraform.tfstate``
→ ``platform/shared.tfstate``); without a backend, each stack keeps a local state in its own folder.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import PurePosixPath

from ..context import RemoteState, RootContext
from ..core.component import AWS, ModuleContext, Output
from ..expr import Interp, Ref
from ..plan.parts import ENDPOINTS, INFERENCE_COMPONENTS, BackendPlan, PlatformPlan
from ..records import record
from ..render import Stack
from .section import Stacks

SHARED = "shared"
FRONT = "front"
#: The modules' folder, shared by every stack's root.
MODULES = "modules"

_MODULE_REF = re.compile(r"^module\.([A-Za-z_][A-Za-z0-9_-]*)\.([A-Za-z_][A-Za-z0-9_-]*)(.*)$")


@record
class StackRoot:
    """One stack: what the deploy orchestration reads (:class:`~mlinfra.render.Stack`) and its root's context."""

    stack: Stack
    ctx: RootContext


def groups_of(section: Stacks, endpoint_names: list[str]) -> list[tuple[str, tuple[str, ...]]]:
    """The endpoint groups, in order: (stack name, endpoint names), from either form of the section."""
    if section.groups is not None:
        return [(g.name, tuple(g.endpoints)) for g in section.groups]
    size = section.endpoints_per_stack
    assert size is not None, "the rules require one form"
    return [
        (f"endpoints-{n + 1}", tuple(endpoint_names[i : i + size]))
        for n, i in enumerate(range(0, len(endpoint_names), size))
    ]


def state_key(key: str, stack: str) -> str:
    """The stack's state key beside the configured one: ``platform/terraform.tfstate`` → ``platform/<stack>.tfstate``."""
    folder = str(PurePosixPath(key).parent)
    return f"{stack}.tfstate" if folder == "." else f"{folder}/{stack}.tfstate"


def split(ctx: RootContext, section: Stacks, endpoint_names: Sequence[str]) -> tuple[StackRoot, ...]:
    """The platform's laid-out modules as stacks, each a root context of its own, in apply order.

    ``endpoint_names`` are the config's endpoints in file order (``endpoints_per_stack`` groups them so)."""
    plan = ctx.plan
    endpoint_modules: dict[str, str] = {}  # endpoint's config name -> its module key
    for part in (ENDPOINTS.of(plan.parts), INFERENCE_COMPONENTS.of(plan.parts)):
        for ep in part.endpoints if part is not None else ():
            endpoint_modules[ep.label] = ep.module
    labels = [label for label in endpoint_names if label in endpoint_modules]
    groups = groups_of(section, labels)
    group_of: dict[str, str] = {}  # module key -> group
    for name, grouped in groups:
        for label in grouped:
            if label in endpoint_modules:
                group_of[endpoint_modules[label]] = name

    # What each module uses: the modules it references, and those whose objects it calls by name (the
    # API's Lambdas; a route's endpoint), which Terraform does not see but the apply order must.
    by_name = {ep.name: ep.module for part in (ENDPOINTS.of(plan.parts),) if part is not None for ep in part.endpoints}
    needs = {m.key: m.depends_on_modules for m in ctx.modules}
    uses = {m.key: needs[m.key] | set(m.calls) | {by_name[n] for n in m.serves if n in by_name} for m in ctx.modules}
    # The endpoint groups each module reaches, to a fixed point (calls by name may point forward, and the
    # API and its Lambdas call each other: one by reference, the other by name).
    reach: dict[str, frozenset[str]] = {
        m.key: frozenset({group_of[m.key]}) if m.key in group_of else frozenset() for m in ctx.modules
    }
    changed = True
    while changed:
        changed = False
        for m in ctx.modules:
            if m.key in group_of:
                continue
            grown = reach[m.key].union(*(reach[d] for d in uses[m.key]))
            if grown != reach[m.key]:
                reach[m.key], changed = grown, True
    stack_of = {
        k: group_of.get(k) or (next(iter(r)) if len(r) == 1 else FRONT if r else SHARED) for k, r in reach.items()
    }

    names = [SHARED, *(g for g, _ in groups), FRONT]
    members = {name: [m for m in ctx.modules if stack_of[m.key] == name] for name in names}
    reads: dict[str, set[str]] = {name: set() for name in names}  # the stacks whose state each one reads
    after: dict[str, set[str]] = {name: set() for name in names}  # ... and those applied before it
    for m in ctx.modules:
        reads[stack_of[m.key]] |= {stack_of[d] for d in needs[m.key]} - {stack_of[m.key]}
        after[stack_of[m.key]] |= {stack_of[d] for d in uses[m.key]} - {stack_of[m.key]}
    order = _apply_order([n for n in names if members[n]], after)

    by_key = {m.key: m for m in ctx.modules}
    exported: dict[str, dict[str, Output]] = {name: {} for name in names}  # producer -> its cross-stack outputs
    roots: list[tuple[str, list[ModuleContext], set[str]]] = []
    for name in order:
        consumed: set[str] = set()

        def remote(value: Ref, _name: str = name, _consumed: set[str] = consumed) -> Ref:
            """``module.X.out…`` of a module in another stack, read from that stack's state."""
            found = _MODULE_REF.match(value.expr)
            if found is None or stack_of[found[1]] == _name:
                return value
            key, output, rest = found.groups()
            producer = stack_of[key]
            out = next(o for o in by_key[key].outputs if o.name == output)
            label = f"{key}_{output}"
            exported[producer].setdefault(
                label, Output(label, out.description, Ref(f"module.{key}.{output}"), out.sensitive)
            )
            _consumed.add(producer)
            return Ref(f"data.terraform_remote_state.{_label(producer)}.outputs.{label}{rest}")

        def rewrite(value: object) -> object:
            if isinstance(value, Ref):
                return remote(value)
            if isinstance(value, Interp):
                return Interp(*(remote(p) if isinstance(p, Ref) else p for p in value.parts))
            if isinstance(value, Mapping):
                return {k: rewrite(v) for k, v in value.items()}
            if isinstance(value, list):
                return [rewrite(v) for v in value]
            if isinstance(value, tuple):
                return tuple(rewrite(v) for v in value)
            return value

        modules = [
            replace(
                m,
                inputs={k: replace(i, value=rewrite(i.value)) for k, i in m.inputs.items()},
                modules_path=f"../{MODULES}",
            )
            for m in members[name]
        ]
        assert consumed == reads[name], f"stack {name}: reads {sorted(consumed)}, expected {sorted(reads[name])}"
        roots.append((name, modules, consumed))

    out: list[StackRoot] = []
    for name, modules, consumed in roots:
        keys = {m.key for m in modules}
        outputs = [o for o in ctx.outputs if _module_of(o) in keys]
        taken = {o.name: o for o in outputs}
        for label, o in sorted(exported[name].items()):
            if label in taken:  # a root output of the platform already says it (kms_key_arn)
                assert taken[label].value == o.value, f"stack {name}: two outputs {label}"
                continue
            outputs.append(o)
        aliases = {a.split(".", 1)[1] for m in modules for a in m.provider_aliases}
        providers = {p for m in modules for p in m.providers} | {AWS}
        stack_plan = _stack_plan(plan, name)
        endpoints = tuple(label for label in labels if endpoint_modules[label] in keys)
        sctx = replace(
            ctx,
            plan=stack_plan,
            modules=tuple(modules),
            outputs=tuple(outputs),
            providers=tuple(p for p in ctx.providers if p.name in {q.name for q in providers}),
            provider_configs=tuple(c for c in ctx.provider_configs if c.alias in aliases),
            readme=(),
            endpoints=len(endpoints),
            remote_states=tuple(_remote_state(plan, p) for p in order if p in consumed),
        )
        stack = Stack(
            name=name,
            directory=PurePosixPath(name),
            needs=tuple(p for p in order if p in after[name]),
            modules=tuple(m.key for m in modules),
            endpoints=endpoints,
        )
        out.append(StackRoot(stack, sctx))
    return tuple(out)


def _label(stack: str) -> str:
    return stack.replace("-", "_")


def _module_of(out: Output) -> str:
    assert isinstance(out.value, Ref), f"root output {out.name} is not one reference"
    found = _MODULE_REF.match(out.value.expr)
    assert found is not None, f"root output {out.name} reads no module"
    return found[1]


def _apply_order(names: list[str], after: Mapping[str, set[str]]) -> list[str]:
    """The stacks, each after those it reads or calls; ties in the given order (shared, the groups, front)."""
    pending, order = list(names), []
    done: set[str] = set()
    while pending:
        ready = next((n for n in pending if after[n] <= done), None)
        if ready is None:
            raise AssertionError(f"stacks read each other in a cycle: {pending}")
        pending.remove(ready)
        done.add(ready)
        order.append(ready)
    return order


def _stack_plan(plan: PlatformPlan, stack: str) -> PlatformPlan:
    if plan.backend is None:
        return plan
    return replace(plan, backend=replace(plan.backend, key=state_key(plan.backend.key, stack)))


def _remote_state(plan: PlatformPlan, producer: str) -> RemoteState:
    backend: BackendPlan | None = plan.backend
    if backend is None:
        # Each stack's local state is in its own folder (a workspace's under terraform.tfstate.d there: the
        # local backend reads workspace_dir relative to the working directory, not to path).
        config: dict[str, object] = {
            "path": f"../{producer}/terraform.tfstate",
            "workspace_dir": f"../{producer}/terraform.tfstate.d",
        }
        return RemoteState(_label(producer), producer, "local", config)
    config = {
        "bucket": backend.bucket,
        "key": state_key(backend.key, producer),
        "region": backend.region,
        "encrypt": backend.encrypt,
    }
    return RemoteState(_label(producer), producer, "s3", config)
