"""Tabular preprocessing Lambda: named numeric features -> (x - mean) / std, in the configured order.

MLINFRA_SETTINGS::

    {"features": [{"name": "age", "default": 35.5, "mean": 35.5, "std": 12.3}, ...]}
    {"features_file": "mlinfra_lambdas/data/features.json"}     # the same list, in a packaged file

``mean`` defaults to 0 and ``std`` to 1; a feature without ``default`` is required. The request body is
``{"data": {"age": 41, ...}}``: a missing (or null) feature takes its default, unknown names and
non-numbers are a 400 naming the field. The endpoint receives ``{"features": [...]}``.
A function's environment holds 4 KB at most (about 60 features): ``features_file`` (relative to
``LAMBDA_TASK_ROOT``, like the text vocabulary) lifts that limit.

Handler: ``mlinfra_lambdas.tabular.handler``.
"""

from __future__ import annotations

import json
import math

from . import core

KIND = "tabular"
DEFAULT_MAX_BODY = 64 * core.KIB
_FEATURE_KEYS = ("name", "default", "mean", "std")
_MISSING = object()


class Tabular:
    """Named features, their defaults (raw values) and their normalisation."""

    fields = ("data",)
    payload_key = "features"

    def __init__(self, settings: dict, task_root: str = "."):
        core.check_keys(settings, ("features", "features_file"))
        features, path = settings.get("features"), settings.get("features_file")
        if (features is None) == (path is None):
            raise core.ConfigError("MLINFRA_SETTINGS: give exactly one of features and features_file")
        if path is not None:
            try:
                features = json.loads(core.read_package_file(path, task_root, "features_file"))
            except ValueError as exc:
                raise core.ConfigError(f"MLINFRA_SETTINGS.features_file: {path} is not valid JSON ({exc})") from None
        if not isinstance(features, list) or not features:
            raise core.ConfigError("MLINFRA_SETTINGS.features: must be a non-empty list")
        specs = []
        for i, spec in enumerate(features):
            where = f"MLINFRA_SETTINGS.features[{i}]"
            if not isinstance(spec, dict):
                raise core.ConfigError(f"{where}: must be an object")
            core.check_keys(spec, _FEATURE_KEYS, where)
            name = spec.get("name")
            if not isinstance(name, str) or not name:
                raise core.ConfigError(f"{where}.name: must be a non-empty string")
            if any(name == s[0] for s in specs):
                raise core.ConfigError(f"{where}.name: {name!r} is listed twice")
            default = _setting_number(spec, "default", None, where)
            mean = _setting_number(spec, "mean", 0.0, where)
            std = _setting_number(spec, "std", 1.0, where)
            if std <= 0:
                raise core.ConfigError(f"{where}.std: must be > 0")
            specs.append((name, default, mean, std))
        self.specs = tuple(specs)
        self.key_settings = [list(spec) for spec in specs]  # the cache key's: features as resolved
        self.names = frozenset(s[0] for s in specs)

    def features(self, body: dict) -> list[float]:
        data = body.get("data", _MISSING)
        if data is _MISSING:
            raise core.bad_request("data", "required (an object of feature values)")
        if not isinstance(data, dict):
            raise core.bad_request("data", "must be an object mapping feature names to numbers")
        if len(data) > len(self.names) or not self.names.issuperset(data):
            unknown = sorted(set(data) - self.names)[0]
            raise core.bad_request(f"data.{unknown}", f"unknown feature (expected: {', '.join(s[0] for s in self.specs)})")
        out = []
        for name, default, mean, std in self.specs:
            value = data.get(name)
            if value is None:  # missing or null
                if default is None:
                    raise core.bad_request(f"data.{name}", "required (this feature has no default)")
                x = default
            else:
                x = core.number(value, f"data.{name}")
            z = (x - mean) / std
            if not math.isfinite(z):
                raise core.bad_request(f"data.{name}", "number out of range")
            out.append(z)
        return out


def _setting_number(spec: dict, key: str, default, where: str):
    value = spec.get(key)
    if value is None:
        return default
    try:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(float(value)):
            raise ValueError
    except (ValueError, OverflowError):
        raise core.ConfigError(f"{where}.{key}: must be a finite number") from None
    return float(value)


def build(settings: dict, config: core.Config) -> Tabular:
    return Tabular(settings, config.task_root)


# The Lambda entry point (`mlinfra_lambdas.tabular.handler`) and the test seams.
handler, configure, reset = core.entry_points(KIND, build, DEFAULT_MAX_BODY)
