"""What each change of the day-2 catalogue does on AWS: one place for the README's "Day 2" table and for the
checks tests/test_day2.py runs on each step's plan.

A step's effects are read off its Terraform plan (``terraform show -json``) and the state before it, in four
words (:data:`EFFECTS`):

* **updated in place**: an object is changed through its Update API (``update``), the endpoint's move to
  another configuration aside;
* **blue/green rollout**: the endpoint is updated to a new endpoint configuration (UpdateEndpoint; SageMaker
  brings the new fleet up beside the old one and shifts the traffic, by the deployment policy or all at
  once, and keeps the old fleet until the new one serves);
* **new objects under new names**: objects created under names the state did not hold (content-hashed
  names of immutable objects: SageMaker models, monitoring job definitions; or a new copy of the platform);
  what they replace is deleted after them (``create_before_destroy``);
* **replaced under the same name**: an object deleted and created again under its name (or, after a
  destroy, created again at its address under the name it had);
* **deleted**: an object deleted for good.

``README.md`` holds :func:`table` verbatim (tests/test_readme.py), and every step of the platform whose
apply succeeds must have exactly its row's effects (tests/test_day2.py): a row that disagrees with either
fails a test.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

UPDATED = "updated in place"
BLUE_GREEN = "blue/green rollout"
NEW_NAMES = "new objects under new names"
REPLACED = "replaced under the same name"
DELETED = "deleted"
EFFECTS = (UPDATED, BLUE_GREEN, NEW_NAMES, REPLACED, DELETED)

# The attribute that names an object of a type (the first one present), as AWS knows it.
_NAME_ATTRS = (
    "name",
    "function_name",
    "bucket",
    "alarm_name",
    "replication_group_id",
    "table_name",
    "model_package_group_name",
    "job_definition_name",
    "monitoring_schedule_name",
    "inference_component_name",
)


@dataclass(frozen=True)
class Row:
    change: str  # the change, in the operator's words
    effects: tuple[str, ...]  # what it does on AWS, among EFFECTS
    what: str  # which objects, in words (not checked)


# The platform example's catalogue (tests/test_day2.py PLATFORM_STEPS), in its order.
ROWS: dict[str, Row] = {
    "new-model-version": Row(
        "a new model version in `models`, on no endpoint yet",
        (UPDATED,),
        "the ECR lifecycle policy (it keeps the images of every listed version)",
    ),
    "environment-of-a-deployed-version": Row(
        "an environment variable of a deployed version",
        (UPDATED, BLUE_GREEN, NEW_NAMES),
        "new SageMaker models (content-hashed names), new endpoint configurations the endpoints move to; the batch state machine names the new model",
    ),
    "image-tag": Row(
        "the image of a deployed version",
        (UPDATED, BLUE_GREEN, NEW_NAMES),
        "as an environment change, and the ECR lifecycle policy",
    ),
    "instance-type": Row("a variant's instance type", (BLUE_GREEN,), "a new endpoint configuration"),
    "variant-added": Row(
        "a variant added",
        (UPDATED, BLUE_GREEN, NEW_NAMES),
        "its model and alarms; the dashboard and the execution role's policy updated",
    ),
    "variant-removed": Row(
        "a variant removed",
        (UPDATED, BLUE_GREEN, DELETED),
        "its model and alarms deleted once the endpoint left them",
    ),
    "capture-and-alarms": Row(
        "data capture and alarm thresholds",
        (UPDATED, BLUE_GREEN),
        "capture is in the endpoint configuration; alarms are updated (PutMetricAlarm)",
    ),
    "subnets": Row(
        "a subnet added",
        (UPDATED, BLUE_GREEN, NEW_NAMES),
        "the subnet; the endpoint's models (their VpcConfig) under new names; the cache's subnet group, Lambdas and VPC endpoints updated",
    ),
    "monitor-settings": Row("a model-quality threshold", (UPDATED,), "the monitor's alarm"),
    "batch-settings": Row("batch instance type and count", (UPDATED,), "the batch state machine's definition"),
    "tags-only": Row("project tags only", (UPDATED,), "every tagged object, nothing replaced, no rollout"),
    "destroy-and-deploy-again": Row(
        "`destroy`, then `deploy` again",
        (REPLACED,),
        "every object again under its name (no name held: secrets are deleted without a recovery window)",
    ),
    "second-region": Row(
        "the same project in a second region of the account",
        (NEW_NAMES,),
        "a second copy: account-wide names (IAM, S3) carry the region's code; a bucket the config names gets the region's own (SageMaker reads model files only in its region)",
    ),
    "second-environment": Row(
        "a second environment in the same account",
        (NEW_NAMES,),
        "a second copy: every name carries the environment; names the registry config fixes are created by `owner_environment` and read by the others",
    ),
}


def table() -> str:
    """The README's table: one row per step, its effects and the objects they concern."""
    lines = ["| Change (step of the catalogue) | On AWS | Which objects |", "| --- | --- | --- |"]
    lines += [f"| {r.change} (`{step}`) | {', '.join(r.effects)} | {r.what} |" for step, r in ROWS.items()]
    return "\n".join(lines) + "\n"


def readme_rows(text: str) -> dict[str, tuple[str, ...]]:
    """{step: effects} of the table in ``text`` (the README), to say which row disagrees."""
    rows = {}
    for m in re.finditer(r"^\| .*\(`([a-z0-9-]+)`\) \| ([^|]*) \|", text, flags=re.M):
        rows[m.group(1)] = tuple(e.strip() for e in m.group(2).split(","))
    return rows


def _name(obj: dict | None) -> str | None:
    for attr in _NAME_ATTRS:
        v = (obj or {}).get(attr)
        if isinstance(v, str) and v:
            return v
    return None


def _held(state: dict) -> tuple[set[tuple[str, str]], set[str]]:
    """The (type, name) pairs and the resource addresses of a state."""
    names, addresses = set(), set()
    for r in state.get("resources", []):
        if r.get("mode") != "managed":
            continue
        prefix = f"{r['module']}." if "module" in r else ""
        for i in r.get("instances", []):
            key = f"[{json.dumps(i['index_key'])}]" if "index_key" in i else ""
            addresses.add(f"{prefix}{r['type']}.{r['name']}{key}")
            name = _name(i.get("attributes"))
            if name is not None:
                names.add((r["type"], name))
    return names, addresses


def effects(plan: dict[str, Any], before: dict[str, Any]) -> tuple[str, ...]:
    """The effects (in EFFECTS' order) of a plan applied on top of the state ``before``."""
    names, addresses = _held(before)
    found: set[str] = set()
    for rc in plan.get("resource_changes", []):
        if rc.get("mode") != "managed":
            continue
        change = rc["change"]
        actions = change["actions"]
        kind = rc["type"]
        old, new = change.get("before") or {}, change.get("after") or {}
        if actions == ["update"]:
            moved = kind == "aws_sagemaker_endpoint" and old.get("endpoint_config_name") != new.get(
                "endpoint_config_name"
            )
            found.add(BLUE_GREEN if moved else UPDATED)
        elif actions == ["delete"]:
            found.add(DELETED)
        if "create" not in actions or kind == "aws_sagemaker_endpoint_configuration":
            continue  # a new endpoint configuration is the blue/green rollout's (or a new copy's, with its endpoint)
        name = _name(new)
        if "delete" in actions:
            if name is None and (change.get("after_unknown") or {}).get("name"):
                # A replacement whose name Terraform computes at apply (a hash over inputs it learns only
                # then, such as a new subnet's ID): the module hashes every replacing input, so a new name.
                found.add(NEW_NAMES)
            else:
                found.add(REPLACED if name is None or name == _name(old) else NEW_NAMES)
        elif rc["address"] in addresses:  # after a destroy: again, under the name it had (or a new one)
            found.add(NEW_NAMES if name is not None and (kind, name) not in names else REPLACED)
        else:
            found.add(NEW_NAMES)
    return tuple(e for e in EFFECTS if e in found)
