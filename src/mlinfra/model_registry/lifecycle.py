"""The registry beside the config's lifecycle (the reference's versioning table), and approval enforcement.

    VERSION  STATUS      TRAFFIC           METRICS          PACKAGE  APPROVAL
    1.1.0    production  inference 80 %    accuracy 0.89    #2       Approved
    1.2.0    canary      inference 20 %    accuracy 0.91    #3       PendingManualApproval

Traffic is the config's: ``promote`` / ``rollback`` keep its weights in step with the live endpoints.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import field
from typing import Any

from ..components.registry.section import SECTION
from ..config.shapes import InferenceComponentsEndpoint, PlatformConfig
from ..errors import MlinfraError
from ..ops.aws import Clients
from ..records import record
from .packages import Package, group_name, packages


class ApprovalRequired(MlinfraError):
    """registry.require_approval is on and a version would get traffic without an Approved package."""


def _canonical(config: PlatformConfig, ref: str) -> str:
    found = config.candidates(ref)
    return found[0].ref if len(found) == 1 else ref


def traffic(config: PlatformConfig) -> dict[str, dict[str, float]]:
    """version → {"endpoint/variant": percent of that endpoint's traffic}; shadows count as mirrored (``shadow``).
    Versions are named as the config's listing names them: ``detection@3.0.0`` among named models."""
    out: dict[str, dict[str, float]] = {}
    key = lambda ref: _canonical(config, ref)  # noqa: E731
    for ep in config.endpoints:
        if isinstance(ep, InferenceComponentsEndpoint):
            # Each inference component answers the requests addressed to it: all of its own traffic.
            for c in ep.components:
                out.setdefault(key(c.model), {})[f"{ep.name}/{c.name} (component)"] = 100.0
            continue
        total = sum(v.weight for v in ep.variants)
        for v in ep.variants:
            pct = 100.0 * v.weight / total if total else 0.0
            out.setdefault(key(v.model), {})[f"{ep.name}/{v.name}"] = round(pct, 2)
        if ep.shadow is not None:
            # A shadow variant answers nobody but receives a copy of the requests: it is traffic too.
            out.setdefault(key(ep.shadow.model), {})[f"{ep.name}/{ep.shadow.name} (shadow)"] = (
                round(100.0 * ep.shadow.weight / total, 2) if total else 0.0
            )
    return out


@record
class Row:
    version: str
    status: str | None  # the config's lifecycle status; None: only in the registry
    traffic: dict[str, float]
    metrics: dict[str, float]
    package: Package | None = None
    notes: tuple[str, ...] = field(default=())
    model: str | None = None  # the named model; None in the one-model form

    @property
    def ref(self) -> str:
        return self.version if self.model is None else f"{self.model}@{self.version}"

    def to_json(self) -> dict[str, Any]:
        p = self.package
        return {
            **({} if self.model is None else {"model": self.model}),
            "version": self.version,
            "status": self.status,
            "traffic_percent": self.traffic,
            "metrics": self.metrics,
            "package": None
            if p is None
            else {
                "arn": p.arn,
                "package_version": p.package_version,
                "approval": p.status,
                "description": p.description,
                "deprecated": p.deprecated,
                "metrics": p.metrics,
            },
            "notes": list(self.notes),
        }


def lifecycle(config: PlatformConfig, registered: list[Package], model: str | None = None) -> list[Row]:
    """One row per version of ``model`` (None: the one-model form's), config order first, then versions
    found only in its group in the registry."""
    by_version: dict[str, Package] = {}
    for pkg in registered:
        if pkg.version is not None:
            by_version[pkg.version] = pkg  # sorted oldest first: the newest package of a version wins
    shares = traffic(config)
    rows = []
    mine = [v for v in config.versions() if v.model == model]
    for listed in mine:
        m = listed.entry
        p = by_version.get(m.version)
        notes = []
        served = {k: v for k, v in shares.get(listed.ref, {}).items() if v > 0}
        if p is None:
            notes.append("not registered")
        else:
            if served and p.status != "Approved":
                notes.append(f"serves traffic but its package is {p.status}")
            if m.status == "deprecated" and not p.deprecated:
                notes.append("deprecated in the config, not in the registry")
            if p.metrics and p.metrics != dict(m.metrics):
                notes.append("metrics differ from the registered ones")
        rows.append(Row(m.version, m.status, shares.get(listed.ref, {}), dict(m.metrics), p, tuple(notes), model))
    known = {v.entry.version for v in mine}
    for version, p in by_version.items():
        if version not in known:
            rows.append(Row(version, None, {}, dict(p.metrics), p, ("registered, not in the config",), model))
    return rows


@record
class Unapproved:
    version: str
    where: tuple[str, ...]  # "endpoint/variant"
    approval: str | None  # the package's status; None: not registered


def unapproved(config: PlatformConfig, clients: Clients, versions: Iterable[str] | None = None) -> list[Unapproved]:
    """Every version that receives traffic (weight > 0, or a shadow) without an Approved package.

    ``versions`` narrows the check (promote asks about the version it is about to give traffic to). Each
    version's package is looked up in its own model's group.
    """
    shares = traffic(config)
    wanted = set(shares) if versions is None else {_canonical(config, v) for v in versions}
    serving = {v: tuple(k for k, pct in shares.get(v, {}).items() if pct > 0 or k.endswith("(shadow)")) for v in wanted}
    serving = {v: w for v, w in serving.items() if w or versions is not None}
    if not serving:
        return []
    by_ref: dict[str, Package] = {}
    models = {f.model for ref in serving for f in config.candidates(ref)[:1]}
    for model in sorted(models, key=str) or [None]:
        for pkg in packages(clients, group_name(config, model)):
            if pkg.version is not None:
                by_ref[pkg.version if model is None else f"{model}@{pkg.version}"] = pkg
    out = []
    for version in sorted(serving):
        p = by_ref.get(version)
        if p is None or p.status != "Approved":
            out.append(Unapproved(version, serving[version], None if p is None else p.status))
    return out


def require_approved(config: PlatformConfig, clients: Clients, versions: Iterable[str] | None = None) -> None:
    """With ``registry.require_approval``, raise :class:`ApprovalRequired` naming each unapproved version."""
    registry = SECTION.of(config)
    if registry is None or not registry.require_approval:
        return
    missing = unapproved(config, clients, versions)
    if missing:
        parts = [
            f"{u.version} ({'not registered' if u.approval is None else u.approval}"
            + (f"; serves {', '.join(u.where)}" if u.where else "")
            + ")"
            for u in missing
        ]
        raise ApprovalRequired(
            "registry.require_approval: these versions would get traffic without an Approved model package: "
            + "; ".join(parts)
            + ". Approve them (mlinfra models approve VERSION) or take their traffic away."
        )
