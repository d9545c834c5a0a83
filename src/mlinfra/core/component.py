"""What a component declares, and the shared sinks components contribute to.

A component is one Python module here plus one template folder (``templates/modules/<template>/``). It
declares, in this order of use by the drivers:

1. ``build(request, parts)``: its plan from the config (``None`` when the config does not ask for it);
   it may read the plans of components registered before it (``parts``).
2. ``contribute(part, sinks)``: statements it needs in shared places it does not own (the KMS key
   policy, the SageMaker execution role).
3. ``exports(part)``: the capabilities it offers others (``"kms.key_arn"``), each an output of one of
   its modules; every module's outputs.tf is exactly its exports. ``sink_exports(part, sinks)``: those
   that follow from the sinks (``"network.security_group.lambda"``, one per requested group).
4. ``modules(part, wire, sinks)``: one :class:`ModuleContext` per ``module`` block, whose inputs come
   from capabilities other components export (``wire.need("kms.key_arn")``), the provider aliases each
   module receives, and its README row. The driver orders the module blocks by these references.
5. ``root_outputs(part)``, ``readme(part)``, ``providers`` / ``provider_configs(part)``: what the
   root module's outputs.tf, README.md, versions.tf and providers.tf get from it.

Nothing in this module imports the plan builders or the renderer: only :mod:`mlinfra.expr` and the plan's
data classes.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from ..expr import Interp, Ref
from ..plan.parts import Statement
from ..records import record

if TYPE_CHECKING:
    from ..config.shapes import PlatformConfig


# --- module declarations (what the context layer lays out and the renderer writes) ----------------------


@record
class Variable:
    name: str
    type: str
    description: str


@record
class Input:
    """One module argument in the root; the module declares it as a variable of the same name."""

    value: Any  # a Ref for wiring, or a config literal passed at the call site
    description: str
    type: str = "string"


@record
class Output:
    name: str
    description: str
    value: Ref | dict[str, Ref]  # an object of references: one per instance of a for_each
    sensitive: bool = False
    # Resources of the module the value must wait for though it does not read them (a role's ARN waits
    # for the role's policy: the users in other modules then wait too).
    depends_on: tuple[Ref, ...] = ()


@record
class ModuleContext:
    key: str  # module label in the root and folder under modules/
    template: str  # folder under templates/modules/
    summary: str  # one line for the root README
    inputs: dict[str, Input]
    outputs: tuple[Output, ...]
    values: dict[str, object] = field(default_factory=dict)
    # Files copied into the module folder as they are (the Lambda package), path inside the module → text.
    files: dict[str, str] = field(default_factory=dict)
    # Provider aliases the module receives (its versions.tf declares them as configuration_aliases).
    provider_aliases: tuple[str, ...] = ()
    # Providers the module's resources use (its versions.tf pins them).
    providers: tuple[Provider, ...] = ()
    # How many instances a for_each over (or a count of) each expression makes (for the resource counts
    # of the summary).
    instances: dict[str, int] = field(default_factory=dict)
    # Address changes from earlier renders (from, to), written as moved blocks: state follows the
    # objects instead of destroying and re-creating them. Addresses are the module's own; a module in a
    # shared folder gets them in the root's moved.tf, prefixed with its module block.
    moved: tuple[tuple[str, str], ...] = ()
    # Objects that an earlier render kept in another module, moved into this one: root addresses
    # (module.a.x → module.b.y), written as moved blocks in the root (a module's own moved blocks
    # cannot name another module's objects).
    moved_in: tuple[tuple[str, str], ...] = ()
    # Address changes of the module's own objects (its addresses, as in ``moved``), written in the root's
    # moved.tf: a module whose text is the same for every project cannot hold a moved.tf that lists one
    # project's objects (its subscriptions, its optional schedule).
    moved_at_root: tuple[tuple[str, str], ...] = ()
    # The folder under modules/ when several module blocks call one module (the endpoint module); its
    # files must render identically for each of them. Empty: the folder is the key.
    folder: str = ""
    # What the module holds, for its own README when the folder is shared or its calls differ (``summary``
    # describes one call; a module whose text is the same for every project needs one text here).
    folder_summary: str = ""
    # checkov checks skipped for this call only, with their reason: a skip comment in a module block
    # applies to that instance's resources (``#checkov:skip=ID:reason``).
    checkov_skips: tuple[tuple[str, str], ...] = ()
    # Where the modules' folders are, seen from the root that calls this one (a split tree's stacks share
    # one copy of them beside their roots: "../modules").
    modules_path: str = "./modules"
    # What the module's resources call at run time through a name it knows from the config, not through a
    # Terraform reference (no value crosses, so no dependency Terraform sees): module keys (``calls``: the
    # API's integrations invoke the preprocessing Lambdas by their names) and SageMaker endpoint names
    # (``serves``: a route's Lambda invokes its endpoint). A split tree applies the module after them.
    calls: tuple[str, ...] = ()
    serves: tuple[str, ...] = ()

    @property
    def directory(self) -> str:
        return self.folder or self.key

    @property
    def source(self) -> str:
        return f"{self.modules_path}/{self.directory}"

    @property
    def arguments(self) -> dict[str, object]:
        """The module block's arguments in the root, sorted."""
        return {name: i.value for name, i in sorted(self.inputs.items())}

    @property
    def variables(self) -> tuple[Variable, ...]:
        return tuple(Variable(name, i.type, i.description) for name, i in sorted(self.inputs.items()))

    @property
    def depends_on_modules(self) -> set[str]:
        """Keys of the modules whose outputs this one's arguments reference."""
        found: set[str] = set()

        def visit(value: object) -> None:
            if isinstance(value, Ref) and value.expr.startswith("module."):
                found.add(value.expr.split(".")[1])
            elif isinstance(value, Interp):
                for part in value.parts:
                    visit(part)
            elif isinstance(value, Mapping):
                for v in value.values():
                    visit(v)
            elif isinstance(value, (list, tuple)):
                for v in value:
                    visit(v)

        for i in self.inputs.values():
            visit(i.value)
        return found

    def output(self, name: str) -> Ref:
        assert any(o.name == name for o in self.outputs), f"module {self.key} has no output {name}"
        return Ref(f"module.{self.key}.{name}")


def object_type(**attributes: str) -> str:
    """``object({a = string, b = number})``: a typed object variable, attributes in the given order."""
    return "object({" + ", ".join(f"{name} = {type_}" for name, type_ in attributes.items()) + "})"


# --- providers -----------------------------------------------------------------------------------------


@record
class Provider:
    """A provider requirement (versions.tf ``required_providers``)."""

    name: str
    source: str
    version: str


AWS = Provider("aws", "hashicorp/aws", "~> 6.0")
ARCHIVE = Provider("archive", "hashicorp/archive", "~> 2.7")
RANDOM = Provider("random", "hashicorp/random", "~> 3.7")
# awscc releases a minor version about every week: a minimum (the release whose Cloud Control schemas the
# templates were checked against, tests/schema) and the major, never one patch series (``~> 1.106.0``
# would block every upgrade until mlinfra is re-rendered).
AWSCC = Provider("awscc", "hashicorp/awscc", "~> 1.106")


@record
class ProviderConfig:
    """An aliased AWS provider configuration of the root (providers.tf)."""

    alias: str
    region: str
    comment: str


# --- shared sinks --------------------------------------------------------------------------------------


@dataclass
class VpcEndpoints:
    """Interface VPC endpoints (``"sagemaker.runtime"``) the components need, and who asked for each.

    Two contributions of one service make one endpoint; the network module creates them in a VPC it
    creates (in an existing VPC only those its config lists).
    """

    services: dict[str, set[str]] = field(default_factory=dict)

    def add(self, service: str, by: str) -> None:
        self.services.setdefault(service, set()).add(by)

    def requested(self) -> dict[str, tuple[str, ...]]:
        """Service → the components that need it, both sorted."""
        return {s: tuple(sorted(by)) for s, by in sorted(self.services.items())}


@record
class SecurityGroupRequest:
    description: str  # the group's description in AWS (immutable: a change replaces the group)
    by: tuple[str, ...]  # the components that asked for it, sorted


@dataclass
class SecurityGroups:
    """Security groups the components need in the platform's VPC (``"lambda"``), and who asked for each.

    Two requests of one name make one group (the first request's description). The network module
    creates each in the VPC without ingress, with HTTPS egress to the VPC endpoints, and admits it on
    the interface endpoints; its ID is the capability ``network.security_group.<name>``. Components
    that serve a group's members add their own rules (the cache admits Redis from ``lambda``).
    """

    groups: dict[str, tuple[str, set[str]]] = field(default_factory=dict)

    def request(self, name: str, description: str, by: str) -> None:
        assert _GROUP_NAME.fullmatch(name), f"security group name {name!r}: lowercase letters, digits and _"
        self.groups.setdefault(name, (description, set()))[1].add(by)

    def requested(self) -> dict[str, SecurityGroupRequest]:
        """Name → its request, sorted by name."""
        return {
            name: SecurityGroupRequest(description, tuple(sorted(by)))
            for name, (description, by) in sorted(self.groups.items())
        }


_GROUP_NAME = re.compile(r"[a-z][a-z0-9_]*")  # a map key, an output name and part of an AWS name


@dataclass
class Sinks:
    """Statements components add to places they do not own, collected before any module is laid out.

    - ``key_policy``: statements of the platform KMS key's policy (services that encrypt with it);
    - ``roles``: statements by role (``"sagemaker"``: the SageMaker execution role);
    - ``vpc_endpoints``: interface VPC endpoints the components need (:class:`VpcEndpoints`);
    - ``security_groups``: security groups the components need in the VPC (:class:`SecurityGroups`).
    Identical statements from two contributors are kept once.
    """

    key_policy: list[Statement] = field(default_factory=list)
    roles: dict[str, list[Statement]] = field(default_factory=dict)
    vpc_endpoints: VpcEndpoints = field(default_factory=VpcEndpoints)
    security_groups: SecurityGroups = field(default_factory=SecurityGroups)

    def add_key_policy(self, st: Statement) -> None:
        if st not in self.key_policy:
            self.key_policy.append(st)

    def add_role_statements(self, role: str, statements: tuple[Statement, ...] | list[Statement]) -> None:
        mine = self.roles.setdefault(role, [])
        mine.extend(st for st in statements if st not in mine)


# --- wiring --------------------------------------------------------------------------------------------


class MissingCapability(LookupError):
    pass


@dataclass
class Wire:
    """Capabilities exported by the laid-out modules: ``"kms.key_arn"`` → (module key, output)."""

    exports: dict[str, tuple[str, Output]] = field(default_factory=dict)

    def has(self, capability: str) -> bool:
        return capability in self.exports

    def ref(self, capability: str) -> Ref:
        if capability not in self.exports:
            raise MissingCapability(capability)
        key, out = self.exports[capability]
        return Ref(f"module.{key}.{out.name}")

    def need(self, capability: str, description: str | None = None, type: str = "string") -> Input:
        """An input wired to ``capability``; the description defaults to the exporter's."""
        if capability not in self.exports:
            raise MissingCapability(capability)
        _, out = self.exports[capability]
        return Input(self.ref(capability), description or out.description, type)


@record
class Export:
    """A capability (``"kms.key_arn"``) offered as output ``output`` of module ``module``."""

    capability: str
    module: str
    output: Output


@record
class PlanRequest:
    """What every component's ``build`` gets: the config, its folder, and the platform's name prefix."""

    config: PlatformConfig
    base_dir: Path
    prefix: str


@record
class ReadmeSection:
    """A table in the root README (e.g. the endpoints and their variants)."""

    title: str
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


@record
class RootOutput:
    name: str
    description: str
    capability: str
    sensitive: bool = False


class Component:
    """Base of every component; subclasses override what they declare."""

    name: ClassVar[str]  # key of its plan in PlatformPlan.parts
    #: Providers its modules' resources use (pinned in the root's and the module's versions.tf).
    providers: ClassVar[tuple[Provider, ...]] = (AWS,)

    def build(self, request: PlanRequest, parts: Mapping[str, object]) -> object | None:
        raise NotImplementedError

    def contribute(self, part: Any, sinks: Sinks) -> None:
        """Add statements to shared sinks (default: none)."""

    def exports(self, part: Any) -> list[Export]:
        return []

    def sink_exports(self, part: Any, sinks: Sinks) -> list[Export]:
        """Capabilities that follow from what the components asked for in the sinks (the network's
        security groups, one per request); declared after every contribution (default: none)."""
        return []

    def modules(self, part: Any, wire: Wire, sinks: Sinks) -> list[ModuleContext]:
        raise NotImplementedError

    def root_outputs(self, part: Any) -> list[RootOutput]:
        return []

    def readme(self, part: Any) -> list[ReadmeSection]:
        return []

    def endpoints(self, part: Any) -> int:
        """How many SageMaker endpoints it deploys (the render's summary; default none)."""
        return 0

    def provider_configs(self, part: Any) -> list[ProviderConfig]:
        return []


def variables_in(statements: tuple[Statement, ...] | list[Statement]) -> set[str]:
    """Names of the module variables (``var.x``) that contributed statements refer to."""
    found: set[str] = set()

    def visit(value: object) -> None:
        if isinstance(value, Ref):
            if value.expr.startswith("var."):
                found.add(value.expr.split(".")[1])
        elif isinstance(value, Interp):
            for part in value.parts:
                visit(part)

    for st in statements:
        for value in (
            *st.resources,
            *(v for _, _, values in st.conditions for v in values),
            *(i for _, ids in st.principals for i in ids),
        ):
            visit(value)
    return found


def statements_type(principals: bool = False) -> str:
    """The type of a policy's statements as a module input (rendered with ``dynamic "statement"``)."""
    attributes = {"sid": "string", "actions": "list(string)", "resources": "list(string)"}
    if principals:
        attributes["principals"] = "list(" + object_type(type="string", identifiers="list(string)") + ")"
    attributes["conditions"] = "list(" + object_type(test="string", variable="string", values="list(string)") + ")"
    return "list(" + object_type(**attributes) + ")"


def statement_object(
    st: Statement, at_call: Mapping[str, Ref] | None = None, principals: bool = False
) -> dict[str, object]:
    """One statement as a typed object of the call site; ``at_call`` replaces the module's own names
    (``var.kms_key_arn``) by what the root passes for them (``module.kms.key_arn``)."""
    assert principals or not st.principals, "an identity policy names no principals"
    names = at_call or {}

    def ref(r: Ref) -> Ref:
        return names.get(r.expr, r)

    def value(v: object) -> object:
        if isinstance(v, Ref):
            return ref(v)
        if isinstance(v, Interp):
            return Interp(*(ref(p) if isinstance(p, Ref) else p for p in v.parts))
        return v

    out: dict[str, object] = {"sid": st.sid, "actions": list(st.actions), "resources": [value(r) for r in st.resources]}
    if principals:
        out["principals"] = [{"type": t, "identifiers": [value(i) for i in ids]} for t, ids in st.principals]
    out["conditions"] = [
        {"test": t, "variable": var, "values": [value(v) for v in values]} for t, var, values in st.conditions
    ]
    return out
