"""What ``deploy`` checks around ``terraform apply`` on endpoints that already live.

Two things Terraform gets wrong on day 2, both around an endpoint moving to a new endpoint configuration:

* **Silent rollbacks.** When SageMaker rolls an update back (a blue/green deployment's alarm fired, the new
  fleet failed its health checks), the endpoint returns to InService on its *old* configuration; the aws
  provider only waits for InService, reports success and records the new configuration
  (hashicorp/terraform-provider-aws #48997, #46663). ``create_before_destroy`` then deletes the old
  configuration (and the old models) in the same apply: the one the endpoint still runs on. AWS warns that
  an endpoint whose configuration is deleted loses visibility of its instance type (DeleteEndpointConfig),
  and its next update or scaling fails with "Could not find endpoint configuration".
  Terraform has no way to keep one half of a replacement, so :class:`Rollout` snapshots, before the apply,
  the live configuration and models the plan deletes (DescribeEndpointConfig / DescribeModel, with their
  tags), and after it compares the endpoint's EndpointConfigName with the one applied. On a rollback it
  re-creates whatever of the live configuration Terraform deleted (same names, same definitions) and raises
  :class:`RolledBack` with what happened, SageMaker's FailureReason and what to do.

* **Out-of-band changes.** A new configuration brings every variant up at its InitialInstanceCount and
  InitialVariantWeight, discarding what auto-scaling (instance counts) or an operator did since. The aws
  provider's ``aws_sagemaker_endpoint`` cannot send UpdateEndpoint's ``RetainAllVariantProperties`` (only
  ``awscc_sagemaker_endpoint`` can, and only as all-or-per-property, not per variant); so after a successful
  update :class:`Rollout` sets back, with one UpdateEndpointWeightsAndCapacities call, the live count and
  weight of each variant whose config value did not change between the old and the new configuration (a
  value the config changed is the user's intent and wins).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from ..errors import MlinfraError
from ..records import record
from .aws import AwsError, Clients, aws_errors
from .endpoint import Clock, Report

#: Statuses an endpoint passes through during an update; anything else is where it settled.
_MOVING = ("Updating", "RollingBack", "SystemUpdating", "Creating", "UpdateRollbackFailed")
_CREATE_CONFIG_KEYS = (
    "EndpointConfigName",
    "ProductionVariants",
    "DataCaptureConfig",
    "KmsKeyId",
    "AsyncInferenceConfig",
    "ExplainerConfig",
    "ShadowProductionVariants",
    "ExecutionRoleArn",
    "VpcConfig",
    "EnableNetworkIsolation",
)
_CREATE_MODEL_KEYS = (
    "ModelName",
    "PrimaryContainer",
    "Containers",
    "InferenceExecutionConfig",
    "ExecutionRoleArn",
    "VpcConfig",
    "EnableNetworkIsolation",
)


class RolledBack(MlinfraError):
    """SageMaker did not take the new endpoint configuration though Terraform reports success."""

    exit_code = 4


@record
class EndpointUpdate:
    """One endpoint the plan moves to another configuration."""

    endpoint: str
    applied: str  # the configuration Terraform applies
    # {variant: (initial_instance_count, initial_variant_weight)} of the applied configuration
    variants: dict[str, tuple[int | None, float | None]]


@record
class PlannedChanges:
    """What of a ``terraform show -json`` plan concerns live endpoints."""

    updates: tuple[EndpointUpdate, ...]
    deleted_configs: frozenset[str]
    deleted_models: frozenset[str]

    @property
    def empty(self) -> bool:
        return not self.updates


def planned_changes(plan: dict[str, Any]) -> PlannedChanges:
    """The endpoints a plan moves to another configuration, and the configurations and models it deletes."""
    configs: dict[str, dict[str, Any]] = {}
    endpoints: list[tuple[str, str]] = []
    deleted_configs: set[str] = set()
    deleted_models: set[str] = set()
    for rc in plan.get("resource_changes", []):
        change = rc.get("change", {})
        actions = change.get("actions", [])
        before, after = change.get("before") or {}, change.get("after") or {}
        kind = rc.get("type")
        if kind == "aws_sagemaker_endpoint_configuration":
            if "delete" in actions and before.get("name"):
                deleted_configs.add(before["name"])
            if "create" in actions and after.get("name"):
                configs[after["name"]] = after
        elif kind == "aws_sagemaker_model" and "delete" in actions and before.get("name"):
            deleted_models.add(before["name"])
        elif kind == "aws_sagemaker_endpoint" and actions == ["update"]:
            old, new = before.get("endpoint_config_name"), after.get("endpoint_config_name")
            if new and old != new and after.get("name"):
                endpoints.append((after["name"], new))
    updates = tuple(
        EndpointUpdate(
            name,
            applied,
            {
                v["variant_name"]: (v.get("initial_instance_count"), v.get("initial_variant_weight"))
                for v in configs.get(applied, {}).get("production_variants") or []
                if v.get("variant_name")
            },
        )
        for name, applied in endpoints
    )
    return PlannedChanges(updates, frozenset(deleted_configs), frozenset(deleted_models))


@dataclass
class _Before:
    """An endpoint as it was just before the apply."""

    update: EndpointUpdate
    config: str  # the configuration it ran on
    live: dict[str, tuple[int | None, float]]  # {variant: (CurrentInstanceCount, CurrentWeight)}
    # {variant: (InitialInstanceCount, InitialVariantWeight)} of that configuration (None: not readable)
    configured: dict[str, tuple[int | None, float | None]] | None
    config_snapshot: dict[str, Any] | None = None  # CreateEndpointConfig arguments, when the plan deletes it
    model_snapshots: list[dict[str, Any]] = field(default_factory=list)  # CreateModel arguments, likewise


@record
class Kept:
    """Out-of-band values a deploy set back after SageMaker brought the new configuration up."""

    endpoint: str
    counts: dict[str, int]
    weights: dict[str, float]


class Rollout:
    """``before(plan)`` just before ``terraform apply``, ``after()`` once it returned (see the module)."""

    def __init__(self, clients: Clients, clock: Clock, report: Report = lambda _: None, timeout: float = 3600):
        self.clients = clients
        self.clock = clock
        self.report = report
        self.timeout = timeout
        self._before: list[_Before] = []
        self.kept: list[Kept] = []

    def before(self, plan: dict[str, Any]) -> None:
        changes = planned_changes(plan)
        self._before = [b for b in (self._snapshot(u, changes) for u in changes.updates) if b is not None]

    def _snapshot(self, update: EndpointUpdate, changes: PlannedChanges) -> _Before | None:
        sm = self.clients.sagemaker
        try:
            with aws_errors():
                d = sm.describe_endpoint(EndpointName=update.endpoint)
        except AwsError:
            return None  # not live (yet): nothing to protect or keep
        live = {
            v["VariantName"]: (v.get("CurrentInstanceCount"), float(v.get("CurrentWeight", 0)))
            for v in d.get("ProductionVariants", [])
        }
        name = d.get("EndpointConfigName", "")
        try:
            with aws_errors():
                config = sm.describe_endpoint_config(EndpointConfigName=name)
        except AwsError:
            return _Before(update, name, live, None)  # already gone (an earlier silent rollback): nothing to keep
        configured = {
            v["VariantName"]: (v.get("InitialInstanceCount"), v.get("InitialVariantWeight"))
            for v in config.get("ProductionVariants", [])
        }
        snap = _Before(update, name, live, configured)
        if name in changes.deleted_configs:
            snap.config_snapshot = {k: config[k] for k in _CREATE_CONFIG_KEYS if config.get(k)}
            snap.config_snapshot["Tags"] = self._tags(config.get("EndpointConfigArn"))
            models = {v.get("ModelName") for v in config.get("ProductionVariants", [])}
            models |= {v.get("ModelName") for v in config.get("ShadowProductionVariants", [])}
            for model in sorted(m for m in models if m in changes.deleted_models):
                with aws_errors():
                    m = sm.describe_model(ModelName=model)
                args = {k: m[k] for k in _CREATE_MODEL_KEYS if m.get(k)}  # empty: not set (moto returns {})
                args["Tags"] = self._tags(m.get("ModelArn"))
                snap.model_snapshots.append(args)
        return snap

    def _tags(self, arn: str | None) -> list[dict[str, str]]:
        if not arn:
            return []
        with aws_errors():
            return list(self.clients.sagemaker.list_tags(ResourceArn=arn).get("Tags", []))

    def after(self) -> list[Kept]:
        """Check every endpoint the apply moved; raises :class:`RolledBack` when one still runs its old
        configuration (after re-creating what Terraform deleted of it); returns what was kept."""
        rolled: list[str] = []
        for b in self._before:
            d = self._settled(b.update.endpoint)
            live_config = d.get("EndpointConfigName", "")
            if live_config == b.update.applied and d.get("EndpointStatus") == "InService":
                kept = self._keep(b, d)
                if kept is not None:
                    self.kept.append(kept)
                continue
            rolled.append(self._rolled_back(b, d))
        if rolled:
            raise RolledBack("\n".join(rolled))
        return self.kept

    def _settled(self, endpoint: str) -> dict[str, Any]:
        deadline = self.clock.now() + self.timeout
        while True:
            with aws_errors():
                d: dict[str, Any] = self.clients.sagemaker.describe_endpoint(EndpointName=endpoint)
            if d.get("EndpointStatus") not in _MOVING or self.clock.now() >= deadline:
                return d
            self.report(f"{endpoint} is {d.get('EndpointStatus')}; waiting")
            self.clock.sleep(15)

    def _rolled_back(self, b: _Before, d: dict[str, Any]) -> str:
        endpoint, live_config = b.update.endpoint, d.get("EndpointConfigName", "")
        reason = d.get("FailureReason") or "SageMaker gave no FailureReason"
        last = (d.get("LastDeploymentConfig") or {}).get("AutoRollbackConfiguration", {}).get("Alarms") or []
        alarms = ", ".join(a.get("AlarmName", "") for a in last)
        restored = self._restore(b) if live_config == b.config else []
        lines = [
            f"{endpoint}: SageMaker did not take endpoint configuration {b.update.applied}: the endpoint is "
            f"{d.get('EndpointStatus')} on {live_config or 'no configuration'} (rolled back; {reason})"
            + (f"; its rollback alarms: {alarms}" if alarms else ""),
            f"  terraform reported success and recorded {b.update.applied} (hashicorp/terraform-provider-aws #48997)",
        ]
        if restored:
            lines.append(
                f"  terraform deleted what the endpoint still runs on; mlinfra re-created it: {', '.join(restored)}"
            )
        lines.append(
            "  next: find why the new fleet failed (its rollback alarms, the endpoint's CloudWatch logs), fix the "
            "config, then run `mlinfra deploy` again (terraform will retry the update); or put the config back "
            "to what is live and deploy"
        )
        return "\n".join(lines)

    def _restore(self, b: _Before) -> list[str]:
        """Re-create, from the snapshot, the live configuration and its models when they are gone."""
        sm, done = self.clients.sagemaker, []
        for model in b.model_snapshots:
            if not self._exists(lambda m=model: sm.describe_model(ModelName=m["ModelName"])):
                with aws_errors():
                    sm.create_model(**_without_empty_tags(model))
                done.append(f"model {model['ModelName']}")
        snap = b.config_snapshot
        if snap is not None and not self._exists(
            lambda: sm.describe_endpoint_config(EndpointConfigName=snap["EndpointConfigName"])
        ):
            with aws_errors():
                sm.create_endpoint_config(**_without_empty_tags(snap))
            done.append(f"endpoint configuration {snap['EndpointConfigName']}")
        return done

    @staticmethod
    def _exists(describe: Any) -> bool:
        try:
            with aws_errors():
                describe()
        except AwsError:
            return False
        return True

    def _keep(self, b: _Before, now: dict[str, Any]) -> Kept | None:
        """Set back the out-of-band count and weight of each variant the config left unchanged."""
        if b.configured is None:
            return None
        counts: dict[str, int] = {}
        weights: dict[str, float] = {}
        for variant, (count, weight) in b.update.variants.items():
            if variant not in b.live or variant not in b.configured:
                continue
            live_count, live_weight = b.live[variant]
            old_count, old_weight = b.configured[variant]
            if count is not None and count == old_count and live_count is not None and live_count != count:
                counts[variant] = live_count
            if weight is not None and _same(weight, old_weight) and not _same(live_weight, weight):
                weights[variant] = live_weight
        if not counts and not weights:
            return None
        current = {v["VariantName"]: v for v in now.get("ProductionVariants", [])}
        desired = []
        for variant in sorted(set(counts) | set(weights)):
            row: dict[str, Any] = {"VariantName": variant}
            weight = weights.get(variant, current.get(variant, {}).get("CurrentWeight"))
            count = counts.get(variant, current.get(variant, {}).get("CurrentInstanceCount"))
            # Both, always: what is left out keeps its value on SageMaker, but not on every stand-in.
            if weight is not None:
                row["DesiredWeight"] = weight
            if count is not None:
                row["DesiredInstanceCount"] = count
            desired.append(row)
        with aws_errors():
            self.clients.sagemaker.update_endpoint_weights_and_capacities(
                EndpointName=b.update.endpoint, DesiredWeightsAndCapacities=desired
            )
        self._settled(b.update.endpoint)
        return Kept(b.update.endpoint, counts, weights)


def _same(a: float | None, b: float | None) -> bool:
    return a is not None and b is not None and math.isclose(float(a), float(b), abs_tol=1e-6)


def _without_empty_tags(args: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in args.items() if not (k == "Tags" and not v)}


def describe_kept(kept: Iterable[Kept]) -> list[str]:
    """One line per endpoint whose out-of-band counts or weights a deploy set back."""
    lines = []
    for k in kept:
        parts = [f"{v} {n} instances" for v, n in sorted(k.counts.items())]
        parts += [f"{v} weight {w:g}" for v, w in sorted(k.weights.items())]
        lines.append(f"{k.endpoint}: kept the live {', '.join(parts)} (changed outside terraform)")
    return lines
