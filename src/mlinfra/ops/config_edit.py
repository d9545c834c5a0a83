"""Write live traffic back into the config file, keeping its comments and layout (ruamel.yaml round trip).

SageMaker applies a new endpoint configuration's weights on every deploy, and Terraform never sees weights
changed through the API: if the config kept the old split, the next deploy would silently undo a
promotion. So after a shift the config is edited to say what is live.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

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
    _replace(_beside(path, lambda fh: yaml.dump(data, fh)), path)


def _beside(path: Path, write: Callable[[IO[str]], object]) -> Path:
    """A temporary file next to ``path`` (so that renaming it over ``path`` is atomic) with ``path``'s mode."""
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=path.suffix, dir=path.parent)
    tmp = Path(name)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            write(fh)
        os.chmod(tmp, path.stat().st_mode & 0o777)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise ConfigEditError(f"{path}: cannot write: {exc.strerror}") from None
    return tmp


def _replace(tmp: Path, path: Path) -> None:
    try:
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
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


def promote_version(
    path: str | Path, endpoint: str, variant: str, weights: dict[str, float]
) -> tuple[str, dict[str, str]]:
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
    entries = data.get("models") or []
    # Named models (``- name: detection`` with ``versions``): the versions of the promoted version's model
    # only, each named model@version; the one-model form: every listed version, named by its version.
    tables = {e.get("name"): e.get("versions") or [] for e in entries if "versions" in e} or {None: entries}
    canonical = {
        ref: ref if model is None else f"{model}@{v.get('version')}"
        for model, versions in tables.items()
        for v in versions
        for ref in (str(v.get("version")), f"{model}@{v.get('version')}")
    }
    shared = {
        r
        for r in canonical
        if "@" not in r and sum(r == str(v.get("version")) for vs in tables.values() for v in vs) > 1
    }
    ref = str(target.get("model"))
    version = canonical.get(ref, ref) if ref not in shared else ref
    referenced = {
        canonical.get(str(v.get("model")), str(v.get("model")))
        for e in data.get("endpoints") or []
        for v in [*(e.get("variants") or []), *([e["shadow"]] if e.get("shadow") else [])]
    }
    model_name = version.rpartition("@")[0] or None
    changes: dict[str, str] = {}
    for listed_version in tables.get(model_name, []):
        listed = str(listed_version.get("version"))
        listed = listed if model_name is None else f"{model_name}@{listed}"
        if listed == version:
            listed_version["status"] = "production"
        elif listed_version.get("status") == "production":
            listed_version["status"] = changes[listed] = "previous" if listed in referenced else "deprecated"
    _save(yaml, data, path)
    return version, changes


def write_copies(path: str | Path, endpoint: str, component: str, copies: int) -> None:
    """Set ``copies`` of inference component ``component`` of config endpoint ``endpoint``.

    Only that scalar changes (the file is edited as text, byte for byte elsewhere; a component that left
    ``copies`` to its default gets a ``copies:`` line under its ``name:``). The edited file must still
    validate (a count that fits the live fleet may not fit the config's initial ``instance_count``): if it
    does not, nothing is written and :class:`ConfigEditError` says why. The write is atomic.
    """
    path = Path(path)
    tmp = _validated(
        path, _with_copies(path, endpoint, component, copies), f"copies: {copies} of component {component}"
    )
    _replace(tmp, path)


def check_copies_writable(path: str | Path, endpoint: str, component: str, copies: int) -> None:
    """What :func:`write_copies` would check, writing nothing: raises :class:`ConfigEditError` if it would fail."""
    path = Path(path)
    _validated(
        path, _with_copies(path, endpoint, component, copies), f"copies: {copies} of component {component}"
    ).unlink()


def _with_copies(path: Path, endpoint: str, component: str, copies: int) -> str:
    """The file's text with the component's ``copies`` set: one token replaced, or one line added."""
    text = path.read_text(encoding="utf-8")
    _, data = _load(path)
    ep = _endpoint(data, path, endpoint)
    comp = next((c for c in ep.get("components") or [] if c.get("name") == component), None)
    if comp is None:
        raise ConfigEditError(f"{path}: endpoint {endpoint!r} has no component {component!r}")
    lines = text.splitlines(keepends=True)
    if "copies" in comp:
        row, col = comp.lc.value("copies")
        line = lines[row]
        token = re.match(r"[^\s,}\]#]+", line[col:])
        if token is None or token.group(0) != str(comp["copies"]):
            raise ConfigEditError(
                f"{path}:{row + 1}: copies of component {component!r} is not a plain number; set it to {copies} by hand"
            )
        lines[row] = line[:col] + str(copies) + line[col + token.end() :]
    elif comp.fa.flow_style():
        raise ConfigEditError(
            f"{path}:{comp.lc.line + 1}: component {component!r} is written inline ({{...}}) without copies; add copies: {copies} by hand"
        )
    else:
        row, col = comp.lc.key("name")
        newline = "\r\n" if lines[row].endswith("\r\n") else "\n"
        lines.insert(row + 1, f"{' ' * col}copies: {copies}{newline}")
    edited = "".join(lines)
    # The edit must say what it meant to say, and nothing else.
    _, again = _load_text(edited)
    got = next(c for c in _endpoint(again, path, endpoint).get("components") if c.get("name") == component)
    if got.get("copies") != copies:
        raise ConfigEditError(f"{path}: could not set copies of component {component!r}; set it to {copies} by hand")
    return edited


def _load_text(text: str) -> tuple[Any, Any]:
    from ruamel.yaml import YAML

    yaml = YAML(typ="rt")
    return yaml, yaml.load(text)


def _validated(path: Path, text: str, edit: str) -> Path:
    """``text`` written to a temporary file beside ``path`` (same mode), checked with the config's own rules;
    its path. A config that would not validate is removed again and reported."""
    from ..errors import ConfigError
    from ..pipeline import load_config

    tmp = _beside(path, lambda fh: fh.write(text))
    try:
        load_config(tmp)
    except ConfigError as exc:
        tmp.unlink(missing_ok=True)
        problems = "; ".join(str(p).replace(str(tmp), str(path)) for p in exc.problems)
        raise ConfigEditError(f"{path}: {edit} cannot be written: the config would not validate: {problems}") from None
    return tmp
