"""ValidateResourceConfig for SageMaker resources: botocore's service model, enforced at `validate`.

The real provider knows only some of SageMaker's constraints; the API rejects the rest at apply time.
Each ``aws_sagemaker_*`` resource maps onto the input shape of its Create call; a Terraform argument
matches the shape member of the same name (case and underscores ignored, plus a few renames), blocks
descend into structures and lists.  Every known value is checked against its member's enum, min/max
(length, count or value) and pattern, as the API would.

botocore's model is large (seconds to load); :func:`extract` writes the shapes reachable from the
mapped inputs into a small JSON file once per test session, which the plugin reads.
"""

from __future__ import annotations

import difflib
import json
import re
from functools import cache
from pathlib import Path
from typing import Any

from .cty import UNKNOWN, Dyn

# resource type -> (Create operation, {terraform argument: API member} where the names differ)
ROOTS = {
    "aws_sagemaker_endpoint_configuration": ("CreateEndpointConfig", {"name": "EndpointConfigName", "kms_key_arn": "KmsKeyId"}),
    "aws_sagemaker_model": ("CreateModel", {"name": "ModelName", "container": "Containers"}),
    "aws_sagemaker_endpoint": ("CreateEndpoint", {"name": "EndpointName"}),
    "aws_sagemaker_model_package_group": ("CreateModelPackageGroup", {}),
    "aws_sagemaker_monitoring_schedule": ("CreateMonitoringSchedule", {"name": "MonitoringScheduleName"}),
    "aws_sagemaker_data_quality_job_definition": ("CreateDataQualityJobDefinition", {"name": "JobDefinitionName"}),
}
# Terraform arguments that are not the API member of the same name (different meaning or shape).
SKIP = {"tags", "tags_all", "name_prefix", "region", "id", "arn"}


def extract(dest: Path) -> Path:
    """Write the shapes reachable from ROOTS (from botocore's sagemaker model) to dest; return it."""
    import botocore.loaders

    model = botocore.loaders.Loader().load_service_model("sagemaker", "service-2")
    shapes = model["shapes"]
    keep: dict[str, dict] = {}

    def visit(name: str) -> None:
        if name in keep:
            return
        shape = {k: v for k, v in shapes[name].items() if k in ("type", "members", "member", "key", "value", "enum", "min", "max", "pattern")}
        if "members" in shape:
            shape["members"] = {m: {"shape": spec["shape"]} for m, spec in shape["members"].items()}
        for ref in ("member", "key", "value"):
            if ref in shape:
                shape[ref] = {"shape": shape[ref]["shape"]}
        keep[name] = shape
        for spec in list(shape.get("members", {}).values()) + [shape[r] for r in ("member", "key", "value") if r in shape]:
            visit(spec["shape"])

    inputs = {}
    for operation, _ in ROOTS.values():
        inputs[operation] = model["operations"][operation]["input"]["shape"]
        visit(inputs[operation])
    dest.write_text(json.dumps({"inputs": inputs, "shapes": keep}, sort_keys=True))
    return dest


@cache
def _shapes(path: str) -> dict[str, dict]:
    return json.loads(Path(path).read_text())


def _norm(name: str) -> str:
    return name.replace("_", "").lower()


@cache
def _compiled(pattern: str) -> re.Pattern | None:
    try:
        return re.compile(pattern)
    except re.error:  # Java-only syntax (\p{...}): not checked
        return None


def errors(rules_path: str, type_name: str, config: dict) -> list[tuple[list, str, str]]:
    """[(attribute path, summary, detail)] for the known values of config that the API would reject."""
    if type_name not in ROOTS:
        return []
    rules = _shapes(rules_path)
    shapes = rules["shapes"]
    operation, renames = ROOTS[type_name]
    root = rules["inputs"][operation]
    out: list[tuple[list, str, str]] = []

    def member_of(shape: dict, arg: str) -> tuple[str, str] | None:
        members = shape.get("members", {})
        wanted = renames.get(arg) if shape is shapes[root] and arg in renames else None
        for name, spec in members.items():
            if name == wanted or (wanted is None and _norm(name) == _norm(arg)):
                return name, spec["shape"]
        return None

    def check(value: Any, shape_name: str, path: list, where: str) -> None:
        if value is None or value is UNKNOWN:
            return
        if isinstance(value, Dyn):
            value = value.value
        shape = shapes[shape_name]
        kind = shape.get("type")
        if kind == "structure":
            items = value if isinstance(value, list) else [value]  # a Terraform block list of one
            for i, item in enumerate(items):
                if not isinstance(item, dict):
                    continue
                step = [*path, i] if isinstance(value, list) else path
                for arg, v in item.items():
                    if arg in SKIP:
                        continue
                    found = member_of(shape, arg)
                    if found:
                        check(v, found[1], [*step, arg], f"{shape_name}.{found[0]}")
            return
        if kind == "list" and isinstance(value, list):
            # No blocks at all is Terraform's way of leaving the member out.
            if (value and "min" in shape and len(value) < shape["min"]) or ("max" in shape and len(value) > shape["max"]):
                out.append((path, f"Invalid {where}", f"{len(value)} items; SageMaker accepts {shape.get('min', 0)} to {shape.get('max', '∞')}"))
            for i, item in enumerate(value):
                check(item, shape["member"]["shape"], [*path, i], where)
            return
        if kind == "map" and isinstance(value, dict):
            for k, v in value.items():
                check(k, shape["key"]["shape"], path, f"{where} key")
                check(v, shape["value"]["shape"], [*path, ("key", k)], f"{where}[{k!r}]")
            return
        if kind == "string" and isinstance(value, str):
            if "enum" in shape and value not in shape["enum"]:
                close = difflib.get_close_matches(value, shape["enum"], n=3)
                hint = f"did you mean {' or '.join(close)}?" if close else f"one of {', '.join(shape['enum'][:12])}" + (", ..." if len(shape["enum"]) > 12 else "")
                out.append((path, f"Invalid {where}", f"{value!r} is not a value SageMaker accepts ({len(shape['enum'])} values in botocore's model); {hint}"))
                return
            if ("min" in shape and len(value) < shape["min"]) or ("max" in shape and len(value) > shape["max"]):
                out.append((path, f"Invalid {where}", f"{value!r} is {len(value)} characters long; SageMaker accepts {shape.get('min', 0)} to {shape.get('max')}"))
            pattern = _compiled(shape["pattern"]) if "pattern" in shape else None
            if pattern is not None and not pattern.fullmatch(value):
                out.append((path, f"Invalid {where}", f"{value!r} does not match SageMaker's pattern {shape['pattern']}"))
            return
        numeric = kind in ("integer", "long", "float", "double") and isinstance(value, (int, float)) and not isinstance(value, bool)
        if numeric and (("min" in shape and value < shape["min"]) or ("max" in shape and value > shape["max"])):
            out.append((path, f"Invalid {where}", f"{value} is outside SageMaker's range {shape.get('min', '-∞')} to {shape.get('max', '∞')}"))

    check(config, root, [], root)
    return out
