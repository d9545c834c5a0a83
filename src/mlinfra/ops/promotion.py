"""What ``promote`` and ``rollback`` decide around a live change, and the config kept in step with it.

Which steps the flags ask for; that no version gets traffic without an Approved package
(``registry.require_approval``); that the config's weights, model lifecycle and component copies say what is
live afterwards (:mod:`mlinfra.ops.config_edit`: SageMaker re-applies the config's weights on every deploy).
The AWS work itself is :func:`mlinfra.ops.endpoint.promote` / ``rollback`` and :func:`mlinfra.ops.components.scale`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import field, replace
from functools import partial
from pathlib import Path

from ..errors import UsageError
from ..records import record
from .aws import Clients
from .components import CopyShift, check_copies, component_named
from .config_edit import ConfigEditError, check_copies_writable, promote_version, write_copies, write_weights
from .endpoint import Clock, Guard, Report, Shift, describe, promote, rollback
from .guarded import Interrupted, MovedByOthers, signal_of
from .target import Target
from .traffic import as_percent, parse_duration, parse_steps

# --- variant weights ------------------------------------------------------------------------------------


def weight_steps(canary: float | None, steps: str | None, full: bool) -> list[float]:
    """The canary's share after each step: exactly one of ``--canary PCT``, ``--steps LIST``, ``--full`` (100 %)."""
    if sum(1 for given in (canary is not None, steps is not None, full) if given) != 1:
        raise UsageError("give exactly one of --canary PCT, --steps LIST or --full")
    plan = [canary] if canary is not None else parse_steps(steps) if steps is not None else [100.0]
    if not 0 <= plan[0] <= 100:
        raise UsageError(f"--canary takes 0-100, got {plan[0]:g}")
    return plan


@record
class Promotion:
    """A weight shift and what the config says afterwards."""

    shift: Shift
    # The config whose weights follow every split that went live (None: no config, or a dry run).
    config: Path | None = None
    version: str | None = None  # a full promotion: the model version the config now has in production
    demoted: dict[str, str] = field(default_factory=dict)  # the former production versions, with their new status


def promote_variant(
    target: Target,
    clients: Clients,
    clock: Clock,
    variant: str,
    steps: Sequence[float],
    *,
    full: bool = False,
    bake: str = "0",
    poll: str = "30s",
    dry_run: bool = False,
    report: Report = lambda _: None,
) -> Promotion:
    """Shift ``variant`` of the target to each of ``steps`` (:func:`mlinfra.ops.endpoint.promote`), baking
    ``bake`` after each and reading the alarms every ``poll`` (durations as ``--bake`` and ``--poll`` take them).

    With a config: refuses (before any call that changes something) to give traffic to a version without an
    Approved package when the registry requires one; writes each split that went live back to the
    config's weights; and with ``full`` makes the variant's model version the production one there.
    """
    if target.components is not None:
        raise UsageError(
            f"{target.endpoint} hosts inference components, which have no variant weights: set copies with --component NAME --copies N"
        )
    ep, config = target.plan, target.config
    if ep is not None and steps[-1] > 0 and not dry_run:
        from ..model_registry.lifecycle import require_approved
        from ..pipeline import load_config

        assert config is not None, "an endpoint plan without a config"
        require_approved(load_config(config), clients, [v.model.ref for v in ep.variants if v.name == variant])
    follows = config if ep is not None and not dry_run else None
    write = partial(write_weights, follows, ep.label) if follows is not None and ep is not None else _ignore
    went_live: list[dict[str, float]] = []

    def on_change(weights: dict[str, float]) -> None:
        went_live.append(weights)
        write(weights)

    try:
        result = promote(
            clients,
            clock,
            target.endpoint,
            variant,
            steps,
            target.guard,
            bake_seconds=parse_duration(bake),
            poll_seconds=parse_duration(poll),
            dry_run=dry_run,
            report=report,
            on_change=on_change,
        )
    except MovedByOthers as exc:
        # The config follows what is live, whoever set it, and says so.
        if write is not _ignore and isinstance(exc.live, dict):
            write(exc.live)
            raise MovedByOthers(f"{exc}\n{config}: weights now say {_split(exc.live)} (as live)", exc.live) from None
        raise
    except KeyboardInterrupt as exc:
        step = f"after step {len(went_live)}/{len(steps)}" if went_live else f"before step 1/{len(steps)} went live"
        raise _interrupted(exc, "promote", step, target, clients, variant, steps, bake, write) from None
    if follows is None or ep is None:
        return Promotion(result)
    if not full:
        return Promotion(result, follows)
    version, demoted = promote_version(follows, ep.label, variant, result.after)
    return Promotion(result, follows, version, demoted)


def _ignore(_: dict[str, float]) -> None:
    return None


def _interrupted(
    exc: BaseException,
    action: str,
    step: str,
    target: Target,
    clients: Clients,
    variant: str,
    steps: Sequence[float],
    bake: str,
    write,
) -> Interrupted:
    """What an interrupted shift left: the live weights (those SageMaker is moving to, when an update was
    sent), written to the config so it never disagrees silently; and the command to resume or roll back."""
    signum, name = signal_of(exc)
    where = (
        f"{target.config} --endpoint {target.plan.label}"
        if target.config is not None and target.plan is not None
        else f"--endpoint {target.endpoint}"
    )
    back = f"mlinfra rollback {where} --variant {variant}"
    try:
        live = describe(clients, target.endpoint)
    except Exception as err:  # noqa: BLE001 - the interruption is the news; say why the state is unknown
        return Interrupted(
            f"{target.endpoint}: {action} interrupted ({name}) {step}; the live weights could not be read ({err}): "
            f"run `mlinfra status {where}`, then resume or roll back: `{back}`",
            signum,
        )
    going, now = as_percent(live.desired_weights), as_percent(live.weights)
    lines = [
        f"{target.endpoint}: {action} interrupted ({name}) {step}; live: {_split(now)}"
        + (f" (SageMaker is moving to {_split(going)}, {live.status})" if going != now else f" ({live.status})")
        + "; instances "
        + ", ".join(f"{v} {'unknown' if n is None else n}" for v, n in live.instances.items())
    ]
    if write is not _ignore:
        write(going)  # the config says what will be live, whichever step the signal came in
        lines.append(f"{target.config}: weights now say {_split(going)} (as live)")
    else:
        lines.append("no config followed: nothing was written")
    left = [s for s in steps if s > going.get(variant, 0)]
    if action == "promote" and left:
        poll_bake = f" --bake {bake}" if bake not in ("", "0") else ""
        lines.append(
            f"resume: `mlinfra promote {where} --variant {variant} --steps {','.join(f'{s:g}' for s in left)}{poll_bake}`"
            f"; or roll back: `{back}`"
        )
    elif action == "promote":
        lines.append(f"every step went live; to roll back: `{back}`")
    else:
        lines.append(f"to finish the rollback: `{back}`")
    return Interrupted("\n".join(lines), signum)


def _split(weights: dict[str, float]) -> str:
    return ", ".join(f"{v} {w:g} %" for v, w in weights.items())


def rollback_variant(target: Target, clients: Clients, clock: Clock, variant: str, report: Report) -> Shift:
    """Send ``variant`` of the target no traffic (:func:`mlinfra.ops.endpoint.rollback`); with a config, its
    weights follow when anything changed."""
    if target.components is not None:
        raise UsageError(
            f"{target.endpoint} hosts inference components, which have no variant weights: set copies with promote --component NAME --copies N"
        )
    write = (
        partial(write_weights, target.config, target.plan.label)
        if target.plan is not None and target.config is not None
        else _ignore
    )
    try:
        result = rollback(clients, clock, target.endpoint, variant, report=report)
    except KeyboardInterrupt as exc:
        raise _interrupted(
            exc, "rollback", "while it waited for the endpoint", target, clients, variant, [], "", write
        ) from None
    if target.plan is not None and result.changed:
        assert target.config is not None, "an endpoint plan without a config"
        write_weights(target.config, target.plan.label, result.after)
    return result


# --- inference component copies -------------------------------------------------------------------------


def copy_steps(
    component: str | None, copies: str | None, canary: float | None, steps: str | None, full: bool
) -> list[int]:
    """The copy count after each step, from ``--component NAME --copies N[,N...]`` (no weight flags with them)."""
    if component is None or copies is None:
        raise UsageError("--component and --copies go together")
    if canary is not None or steps is not None or full:
        raise UsageError(
            "--component/--copies set copy counts; --canary, --steps and --full shift variant weights: give one or the other"
        )
    try:
        counts = [int(c) for c in copies.split(",") if c.strip()]
    except ValueError:
        raise UsageError(f"--copies takes whole numbers such as 2 or 2,4,8, got {copies!r}") from None
    if not counts:
        raise UsageError("--copies needs at least one count")
    return counts


@record
class CopyChange:
    """A copy-count change, checked offline: what to scale, and whether the config can follow."""

    endpoint: str  # SageMaker endpoint name
    component: str  # the component's SageMaker name
    steps: list[int]
    guard: Guard
    # With a config: the file, the endpoint's and the component's names there, and the copies it says.
    config: Path | None = None
    config_endpoint: str = ""
    config_component: str = ""
    configured: int = 0
    # Why the config cannot say the final count (it would not validate); then only the live copies change.
    not_written: str | None = None


def plan_copies(target: Target, component: str, steps: list[int], *, dry_run: bool = False) -> CopyChange:
    """Check ``steps`` against the config's fleet and the component's auto-scaling bounds, and (unless a dry
    run) that the config can be written with the final count, before any AWS call."""
    if target.config is not None and target.components is None:
        raise UsageError(
            f"{target.config}: {target.endpoint} has production variants, not inference components: use --canary, --steps or --full"
        )
    if target.components is None:
        return CopyChange(target.endpoint, component, steps, target.guard)
    me = component_named(target.components, component)
    check_copies(target.components, me.name, steps)
    assert target.config is not None, "an endpoint plan without a config"
    change = CopyChange(
        target.endpoint, me.name, steps, target.guard, target.config, target.components.label, me.label, me.copies
    )
    if dry_run or steps[-1] == me.copies:
        return change
    # A count the live fleet takes may not be one the config can say (it must fit the initial instance_count).
    try:
        check_copies_writable(target.config, change.config_endpoint, me.label, steps[-1])
    except ConfigEditError as exc:
        return replace(change, not_written=str(exc))
    return change


@record
class ConfigCopies:
    """The copies a component has in the config after a change."""

    config: Path
    component: str  # its name in the config
    copies: int
    written: bool  # False: the config keeps its count (see CopyChange.not_written)


def follow_copies(change: CopyChange, result: CopyShift) -> ConfigCopies | None:
    """Write the live count back to the config's ``copies``; None when there is no config or nothing to write."""
    if change.config is None or result.after == change.configured:
        return None
    if change.not_written is not None:
        return ConfigCopies(change.config, change.config_component, change.configured, written=False)
    write_copies(change.config, change.config_endpoint, change.config_component, result.after)
    return ConfigCopies(change.config, change.config_component, result.after, written=True)
