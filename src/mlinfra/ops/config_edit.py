"""Write live traffic back into the config file, keeping its comments and layout (ruamel.yaml round trip).

SageMaker applies a new endpoint configuration's weights on every deploy, and Terraform never sees weights
changed through the API: if the config kept the old split, the next deploy would silently undo a
promotion. So after a shift the config is edited to say what is live.
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path
from typing import Any

from ..errors import MlinfraError


class ConfigEditError(MlinfraError):
    """The config file could not be updated (it changed shape, or cannot be written)."""


def _number(value: float) -> int | float:
    return int(value) if float(value).is_integer() else round(value, 2)


def _load(path: Path) -> tuple[Any, Any]:
    from ruamel.yaml import YAML
    from ruamel.yaml.util import load_yaml_guess_indent

    text = path.read_text(encoding="utf-8")
    # Write the file back the way it is written: ruamel guesses the list indentation ("- x" flush with its
    # key, or indented under it); the mapping indentation is read off the first nested mapping.
    _, sequence, offset = load_yaml_guess_indent(text)
    mapping = next((len(m.group(1)) for m in re.finditer(r"^[^\s#-][^\n]*:\n( +)[^\s#-]", text, re.M)), 2)
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = 4096  # never re-wrap long lines
    yaml.indent(mapping=mapping, sequence=sequence or mapping, offset=offset or 0)
    return yaml, yaml.load(text)


def _save(yaml: Any, data: Any, path: Path) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            yaml.dump(data, fh)
        os.chmod(tmp, path.stat().st_mode & 0o777)
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise ConfigEditError(f"{path}: cannot write: {exc.strerror}") from None


def _endpoint(data: Any, path: Path, name: str) -> Any:
    for ep in data.get("endpoints") or []:
        if ep.get("name") == name:
            return ep
    raise ConfigEditError(f"{path}: no endpoint named {name!r}")


def write_weights(path: str | Path, endpoint: str, weights: dict[str, float]) -> None:
    """Set ``weight`` of each named production variant of config endpoint ``endpoint``."""
    path = Path(path)
    yaml, data = _load(path)
    ep = _endpoint(data, path, endpoint)
    seen = set()
    for variant in ep.get("variants") or []:
        name = variant.get("name")
        if name in weights:
            variant["weight"] = _number(weights[name])
            seen.add(name)
    missing = set(weights) - seen
    if missing:
        raise ConfigEditError(f"{path}: endpoint {endpoint!r} has no variant {', '.join(sorted(missing))}")
    _save(yaml, data, path)


def promote_version(path: str | Path, endpoint: str, variant: str, weights: dict[str, float]) -> tuple[str, dict[str, str]]:
    """A full promotion in the registry: the variant's model version becomes the one ``production`` version.

    Every other ``production`` version steps down: to ``deprecated`` when no variant (production or shadow,
    of any endpoint) references it any more, else to ``previous`` (still deployed, typically the weight-0
    variant kept as a rollback target), because a deprecated version must not be deployed. Returns the
    promoted version and each demoted version with its new status.
    """
    path = Path(path)
    yaml, data = _load(path)
    ep = _endpoint(data, path, endpoint)
    variants = ep.get("variants") or []
    target = next((v for v in variants if v.get("name") == variant), None)
    if target is None:
        raise ConfigEditError(f"{path}: endpoint {endpoint!r} has no variant {variant!r}")
    for v in variants:
        if v.get("name") in weights:
            v["weight"] = _number(weights[v["name"]])
    version = str(target.get("model"))
    referenced = {str(v.get("model")) for e in data.get("endpoints") or [] for v in [*(e.get("variants") or []), *([e["shadow"]] if e.get("shadow") else [])]}
    changes: dict[str, str] = {}
    for model in data.get("models") or []:
        listed = str(model.get("version"))
        if listed == version:
            model["status"] = "production"
        elif model.get("status") == "production":
            model["status"] = changes[listed] = "previous" if listed in referenced else "deprecated"
    _save(yaml, data, path)
    return version, changes
