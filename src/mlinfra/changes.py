"""What changed since the last render, in the operator's terms: which endpoint gets a new configuration (and
so a blue/green rollout, with its canary step and bake time), which models are new, what is removed.

A render writes a small description of the platform (:data:`DESCRIPTION`, listed in the folder's record)
built from the plan, not from the config: the names in it are the plan's content-hashed parts, so a change of
an endpoint configuration's name here is a new ``aws_sagemaker_endpoint_config`` for Terraform (and a
blue/green deployment on SageMaker), and a tags-only edit, which the hash leaves out, is not one. (The module
completes each name with a hash of what only Terraform knows, the subnets, role and key ARNs: a change of
those also replaces the configuration, and is not seen here.) The next
render (or ``deploy``) compares the previous description with the new one (:func:`compare`). Pure: no disk.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, cast

from .plan.parts import (
    ApiPlan,
    DeploymentPlan,
    EndpointsPlan,
    InferenceComponentsPlan,
    PlatformPlan,
    RolloutPlan,
)
from .records import record

if TYPE_CHECKING:
    from .components.batch.plan import BatchPlan
    from .components.monitoring.plan import MonitoringPlan

#: The description's file name in the output folder.
DESCRIPTION = ".mlinfra-platform.json"
#: Bumped when the description's shape changes: an older one is then compared as a first render.
FORMAT = 1

Description = dict[str, Any]


@record
class Change:
    kind: str  # "first" | "none" | "endpoint" | "model" | "route" | "monitor" | "batch"
    subject: str  # "endpoint inference", "model 1.3.0", ... ("" for first / none)
    detail: str

    def __str__(self) -> str:
        return f"{self.subject}: {self.detail}" if self.subject else self.detail


def describe(plan: PlatformPlan) -> Description:
    """The platform as an operator sees it, from the plan: endpoints with their configuration's identity,
    models by version with their SageMaker names, routes, monitors and the batch job. Deterministic."""
    endpoints: dict[str, Any] = {}
    models: dict[str, set[str]] = {}
    routes: dict[str, Any] = {}
    monitors: dict[str, Any] = {}
    batch: dict[str, Any] = {}
    for name, part in plan.parts.items():
        if isinstance(part, EndpointsPlan):
            for ep in part.endpoints:
                variants = {}
                for v in (*ep.variants, *([ep.shadow] if ep.shadow else [])):
                    models.setdefault(v.model.version, set()).add(v.model.name)
                    variants[v.name] = {
                        "model": v.model.version,
                        "model_name": v.model.name,
                        "shadow": v is ep.shadow,
                        "instance_type": v.instance_type,
                        "instance_count": v.instance_count,
                        "serverless": v.serverless is not None,
                    }
                endpoints[ep.label] = {
                    "name": ep.name,
                    "configuration": ep.config_name,
                    "variants": variants,
                    "rollout": _deployment(ep.deployment),
                    "tags": dict(sorted(ep.tags.items())),
                }
        elif isinstance(part, InferenceComponentsPlan):
            for cep in part.endpoints:
                components = {}
                for c in cep.components:
                    models.setdefault(c.model.version, set()).add(c.model.name)
                    components[c.label] = {"model": c.model.version, "model_name": c.model.name, "copies": c.copies}
                endpoints[cep.label] = {
                    "name": cep.name,
                    "configuration": cep.config_name,
                    "variants": {
                        cep.variant_name: {"instance_type": cep.instance_type, "instance_count": cep.instance_count}
                    },
                    "components": components,
                    "rollout": None,
                    "components_rollout": _components_rollout(cep.rollout),
                    "tags": dict(sorted(cep.tags.items())),
                }
        elif isinstance(part, ApiPlan):
            for m in part.methods:
                routes[m.path] = {"function": m.function_name}
        elif name == "monitoring":
            # By name: the monitoring and batch plans' modules are imported only by renders that have them.
            mp = cast("MonitoringPlan", part)
            for em in mp.endpoints:
                for mon in em.monitors:
                    monitors[f"{mon.kind} on {em.label}"] = {"schedule": mon.schedule}
        elif name == "batch":
            bp = cast("BatchPlan", part)
            batch = {"name": bp.name, "model_name": bp.model_name, "schedule": bp.config.schedule}
    return {
        "format": FORMAT,
        "endpoints": dict(sorted(endpoints.items())),
        "models": {k: sorted(v) for k, v in sorted(models.items())},
        "routes": dict(sorted(routes.items())),
        "monitors": dict(sorted(monitors.items())),
        "batch": batch or None,
    }


def dumps(description: Description) -> str:
    """The description file's text: sorted keys, one value a line (diffs well), a final newline."""
    return json.dumps(description, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def loads(text: str | None) -> Description | None:
    """A description file's content, or None when missing, unreadable or of another format (then the
    comparison says "first render" rather than inventing changes)."""
    if text is None:
        return None
    try:
        value = json.loads(text)
    except ValueError:
        return None
    if not isinstance(value, dict) or value.get("format") != FORMAT:
        return None
    return value


def _deployment(d: DeploymentPlan | None) -> dict[str, Any] | None:
    if d is None:
        return None
    return {
        "rolling": d.rolling,
        "traffic": d.traffic_type,
        "step_type": d.step_type,
        "step": d.step_value,
        "bake": d.wait_interval,
        "termination_wait": d.termination_wait,
        "rollback_alarms": len(d.rollback_alarms),
    }


def _components_rollout(r: RolloutPlan | None) -> dict[str, Any] | None:
    if r is None:
        return None
    return {
        "step_type": r.step_type,
        "step": r.step_value,
        "bake": r.wait_interval,
        "rollback_alarms": sum(len(a) for a in r.rollback_alarms.values()),
    }


# --- the comparison -------------------------------------------------------------------------------------


def compare(previous: Description | None, current: Description) -> list[Change]:
    """The changes from ``previous`` (None: nothing rendered before) to ``current``, in the operator's terms."""
    if previous is None:
        return [Change("first", "", "first render")]
    out: list[Change] = []
    out += _endpoints(previous.get("endpoints", {}), current["endpoints"])
    out += _models(previous.get("models", {}), current["models"])
    out += _keyed("route", previous.get("routes", {}), current["routes"], lambda old, new: [])
    out += _keyed("monitor", previous.get("monitors", {}), current["monitors"], _monitor)
    out += _batch(previous.get("batch"), current["batch"])
    return out or [Change("none", "", "no change to what runs")]


def _endpoints(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[Change]:
    out = []
    for label in sorted(set(old) | set(new)):
        subject = f"endpoint {label}"
        if label not in old:
            out.append(Change("endpoint", subject, "new endpoint"))
            continue
        if label not in new:
            out.append(Change("endpoint", subject, "removed"))
            continue
        a, b = old[label], new[label]
        if a["configuration"] != b["configuration"]:
            details = _variant_changes(a["variants"], b["variants"]) or ["its settings"]
            # A new name is a new endpoint configuration: SageMaker moves the endpoint onto it with the
            # endpoint's deployment policy (a blue/green fleet by default), never in place.
            out.append(
                Change(
                    "endpoint",
                    subject,
                    f"new endpoint configuration ({'; '.join(details)}) → {_rollout(b.get('rollout'))}",
                )
            )
        elif a.get("rollout") != b.get("rollout"):
            out.append(
                Change(
                    "endpoint",
                    subject,
                    f"deployment {_rollout_diff(a.get('rollout'), b.get('rollout'))} "
                    "(same configuration: no rollout now, the next one follows it)",
                )
            )
        for name, detail in _component_changes(a.get("components") or {}, b.get("components") or {}):
            rollout = _components(b.get("components_rollout"))
            out.append(Change("endpoint", f"{subject} component {name}", f"{detail} → {rollout}"))
        if a.get("tags") != b.get("tags") and a["configuration"] == b["configuration"]:
            out.append(Change("endpoint", subject, "tags changed (updated in place, no rollout)"))
    return out


def _variant_changes(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[str]:
    out = []
    for name in sorted(set(old) | set(new)):
        what = "shadow variant" if (new.get(name) or old.get(name) or {}).get("shadow") else "variant"
        if name not in old:
            out.append(f"{what} {name}: new, model {new[name].get('model')}")
            continue
        if name not in new:
            out.append(f"{what} {name}: removed")
            continue
        a, b = old[name], new[name]
        parts = []
        if a.get("model") != b.get("model"):
            parts.append(f"model {a.get('model')} → {b.get('model')}")
        elif a.get("model_name") != b.get("model_name"):
            parts.append(f"model {b.get('model')} rebuilt (image, data or environment)")
        for key, label in (("instance_type", "instance type"), ("instance_count", "instances")):
            if a.get(key) != b.get(key):
                parts.append(f"{label} {a.get(key)} → {b.get(key)}")
        if parts:
            out.append(f"{what} {name}: {', '.join(parts)}")
    return out


def _component_changes(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[tuple[str, str]]:
    out = []
    for name in sorted(set(old) | set(new)):
        if name not in old:
            out.append((name, f"new, model {new[name]['model']}"))
        elif name not in new:
            out.append((name, "removed"))
        elif old[name]["model_name"] != new[name]["model_name"]:
            if old[name]["model"] != new[name]["model"]:
                out.append((name, f"model {old[name]['model']} → {new[name]['model']}"))
            else:
                out.append((name, f"model {new[name]['model']} rebuilt (image, data or environment)"))
    return out


def _rollout(d: Mapping[str, Any] | None) -> str:
    if d is None:
        return "blue/green rollout, all at once (SageMaker's default: no deployment policy)"
    if d["rolling"]:
        text = f"rolling update, {_step(d)} at a time, wait {d['bake']} s"
    elif d["traffic"] == "ALL_AT_ONCE":
        text = f"blue/green rollout, all at once, bake {d['bake']} s"
    else:
        word = "canary" if d["traffic"] == "CANARY" else "linear steps of"
        text = f"blue/green rollout, {word} {_step(d)}, bake {d['bake']} s"
    if d["rollback_alarms"]:
        n = d["rollback_alarms"]
        text += f", rolls back on {n} alarm{'' if n == 1 else 's'}"
    return text


def _components(r: Mapping[str, Any] | None) -> str:
    if r is None:
        return "rolling update of its copies (SageMaker's default)"
    unit = "copies" if r["step_type"] == "COPY_COUNT" else "% of capacity"
    step = f"{r['step']} {unit}" if unit == "copies" else f"{r['step']}{unit}"
    text = f"rolling update, {step} at a time, bake {r['bake']} s"
    if r["rollback_alarms"]:
        n = r["rollback_alarms"]
        text += f", rolls back on {n} alarm{'' if n == 1 else 's'}"
    return text


def _step(d: Mapping[str, Any]) -> str:
    if d["step_type"] == "INSTANCE_COUNT":
        return f"{d['step']} instance{'' if d['step'] == 1 else 's'}"
    if d["step_type"] == "CAPACITY_PERCENT":
        return f"{d['step']}% of capacity"
    return "the whole fleet"


def _rollout_diff(a: Mapping[str, Any] | None, b: Mapping[str, Any] | None) -> str:
    if a is None or b is None:
        return f"policy {'set' if a is None else 'removed'}"
    labels = {
        "traffic": "traffic",
        "step": "step",
        "bake": "bake",
        "termination_wait": "termination wait",
        "rollback_alarms": "rollback alarms",
        "rolling": "rolling",
    }
    units = {"bake": " s", "termination_wait": " s"}
    parts = [
        f"{label} {a.get(k)}{units.get(k, '')} → {b.get(k)}{units.get(k, '')}"
        for k, label in labels.items()
        if a.get(k) != b.get(k)
    ]
    return ", ".join(parts) or "policy changed"


def _models(old: Mapping[str, list[str]], new: Mapping[str, list[str]]) -> list[Change]:
    out = []
    for version in sorted(set(old) | set(new)):
        subject = f"model {version}"
        if version not in old:
            out.append(Change("model", subject, "new"))
        elif version not in new:
            out.append(Change("model", subject, "removed"))
        elif set(old[version]) < set(new[version]):
            out.append(
                Change("model", subject, f"{_count(n := len(new[version]) - len(old[version]))} more {_models_word(n)}")
            )
        elif set(new[version]) < set(old[version]):
            out.append(
                Change(
                    "model", subject, f"{_count(n := len(old[version]) - len(new[version]))} {_models_word(n)} fewer"
                )
            )
        elif old[version] != new[version]:
            out.append(Change("model", subject, "new SageMaker model (its content-hashed name changed)"))
    return out


def _count(n: int) -> str:
    return "one" if n == 1 else str(n)


def _models_word(n: int) -> str:
    return "SageMaker model" if n == 1 else "SageMaker models"


def _keyed(kind: str, old: Mapping[str, Any], new: Mapping[str, Any], detail: Any) -> list[Change]:
    out = []
    for key in sorted(set(old) | set(new)):
        subject = f"{kind} {key}"
        if key not in old:
            out.append(Change(kind, subject, "new"))
        elif key not in new:
            out.append(Change(kind, subject, "removed"))
        else:
            out += [Change(kind, subject, d) for d in detail(old[key], new[key])]
    return out


def _monitor(a: Mapping[str, Any], b: Mapping[str, Any]) -> list[str]:
    if a.get("schedule") != b.get("schedule"):
        return [f"schedule {_schedule(a.get('schedule'))} → {_schedule(b.get('schedule'))}"]
    return []


#: Model Monitor's cron expressions (minute hour day-of-month month day-of-week year, UTC) in words where
#: they are the usual ones.
_HOURLY = re.compile(r"^cron\(0 \* \? \* \* \*\)$")
_DAILY = re.compile(r"^cron\(0 (\d{1,2}) \? \* \* \*\)$")


def _schedule(cron: object) -> str:
    text = str(cron)
    if _HOURLY.match(text):
        return "hourly"
    daily = _DAILY.match(text)
    if daily:
        return f"daily at {int(daily[1]):02d}:00 UTC"
    return text


def _batch(a: Mapping[str, Any] | None, b: Mapping[str, Any] | None) -> list[Change]:
    if a == b:
        return []
    if a is None or b is None:
        return [Change("batch", "batch", "new" if a is None else "removed")]
    parts = []
    if a.get("model_name") != b.get("model_name"):
        parts.append("new model (the next job runs on it)")
    if a.get("schedule") != b.get("schedule"):
        parts.append(f"schedule {a.get('schedule')} → {b.get('schedule')}")
    return [Change("batch", "batch", ", ".join(parts) or "settings changed")]
