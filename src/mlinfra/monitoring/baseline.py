"""``statistics.json`` and ``constraints.json`` for a dataset, in SageMaker Model Monitor's own format.

The shapes follow the developer guide's "Schema for Statistics (statistics.json file)" and "Schema for
Constraints (constraints.json file)", so the files can be given to a Model Monitor data-quality job as its
baseline (``baseline_config``) as well as to ``mlinfra monitor drift``.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import DataError, OutputError
from .stats import Feature, NumericStats, StringStats
from .table import Progress, Retype, open_table

STATISTICS = "statistics.json"
CONSTRAINTS = "constraints.json"
DOMAIN_MAX_VALUES = 120  # string features with at most this many distinct values get a domain constraint

# Model Monitor's documented defaults, written out so a user can see and tune them in constraints.json;
# `mlinfra monitor drift` reads its thresholds from here too.
MONITORING_CONFIG = {
    "evaluate_constraints": "Enabled",
    "emit_metrics": "Enabled",
    "datatype_check_threshold": 0.1,
    "domain_content_threshold": 0.1,
    "distribution_constraints": {
        "perform_comparison": "Enabled",
        "comparison_threshold": 0.1,
        "comparison_method": "Robust",
        "categorical_comparison_threshold": 0.1,
        "categorical_drift_method": "LInfinity",
    },
}


@dataclass
class Baseline:
    statistics: dict
    constraints: dict
    rows: int
    warnings: list[str] = field(default_factory=list)


def compute_baseline(path: str | Path, progress: Progress | None = None) -> Baseline:
    """Read ``path`` once, chunk by chunk, and build both documents (nothing is written)."""
    types = None
    while True:
        table = open_table(Path(path), progress, types)
        features = [Feature(n) for n in table.names]
        rows = 0
        try:
            for chunk in table.chunks:
                for feat in features:
                    feat.add(chunk.columns[feat.name], chunk.first_line)
                rows += chunk.rows
        except Retype as again:  # at most two per column (int64 -> float64 -> string)
            types = again.types
            continue
        break
    if rows == 0:
        raise DataError(f"{path}: a header but no rows")
    warnings = list(table.warnings)
    for feat in features:
        if isinstance(feat.stats, NumericStats) and feat.stats.invalid:
            warnings.append(
                f"{path}:{feat.first_invalid_line}: {feat.name}: {feat.stats.invalid} values are not numbers in a "
                "numerical feature; counted as missing"
            )
    return Baseline(_statistics(features, rows), _constraints(features), rows, warnings)


def _statistics(features: list[Feature], rows: int) -> dict:
    out = []
    for feat in features:
        doc: dict = {"name": feat.name, "inferred_type": feat.inferred_type}
        if isinstance(feat.stats, NumericStats):
            doc["numerical_statistics"] = feat.stats.statistics()
        elif isinstance(feat.stats, StringStats):
            doc["string_statistics"] = feat.stats.statistics()
        else:  # never had a value
            doc["string_statistics"] = {
                "common": {"num_present": 0, "num_missing": feat.missing},
                "distinct_count": 0.0,
                "distribution": {"categorical": {"buckets": []}},
            }
        out.append(doc)
    return {"version": 0, "dataset": {"item_count": rows}, "features": out}


def _constraints(features: list[Feature]) -> dict:
    out = []
    for feat in features:
        total = feat.present + feat.missing
        doc: dict = {
            "name": feat.name,
            "inferred_type": feat.inferred_type,
            "completeness": feat.present / total if total else 0.0,
        }
        if isinstance(feat.stats, NumericStats):
            doc["num_constraints"] = {"is_non_negative": feat.stats.present > 0 and feat.stats.min >= 0}
        elif (
            isinstance(feat.stats, StringStats)
            and not feat.stats.untracked
            and len(feat.stats.counts) <= DOMAIN_MAX_VALUES
        ):
            doc["string_constraints"] = {"domains": sorted(feat.stats.counts)}
        out.append(doc)
    return {"version": 0, "features": out, "monitoring_config": json.loads(json.dumps(MONITORING_CONFIG))}


def write_baseline(baseline: Baseline, out: str | Path) -> list[Path]:
    """Write both files into ``out`` (created if needed), both or neither: each is written to a temporary
    file in ``out`` first and renamed over its target only once both exist."""
    out = Path(out)
    texts = {
        STATISTICS: json.dumps(baseline.statistics, indent=2, allow_nan=False) + "\n",
        CONSTRAINTS: json.dumps(baseline.constraints, indent=2, allow_nan=False) + "\n",
    }
    if out.exists() and not out.is_dir():
        raise OutputError(f"{out}: exists and is not a directory")
    created = not out.exists()
    temps: dict[str, Path] = {}
    try:
        out.mkdir(parents=True, exist_ok=True)
        for name, text in texts.items():
            fd, tmp_name = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=out)
            temps[name] = Path(tmp_name)
            with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
                fh.write(text)
            os.chmod(tmp_name, 0o644)
        for name, tmp in temps.items():
            os.replace(tmp, out / name)
    except OSError as exc:
        for tmp in temps.values():
            tmp.unlink(missing_ok=True)
        if created:
            shutil.rmtree(out, ignore_errors=True)
        raise OutputError(f"{out}: cannot write the baseline: {exc.strerror}") from None
    return [out / name for name in texts]


def load_baseline(directory: str | Path) -> tuple[dict, dict]:
    """statistics.json and constraints.json from ``directory`` (both required)."""
    directory = Path(directory)
    docs = []
    for name in (STATISTICS, CONSTRAINTS):
        path = directory / name
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise DataError(
                f"{path}: no such file: make one with `mlinfra monitor baseline DATA -o {directory}`"
            ) from None
        except (OSError, UnicodeDecodeError) as exc:
            raise DataError(f"{path}: cannot read: {getattr(exc, 'strerror', None) or exc}") from None
        try:
            doc = json.loads(text)
        except json.JSONDecodeError as exc:
            raise DataError(f"{path}:{exc.lineno}: not JSON: {exc.msg}") from None
        if not isinstance(doc, dict) or not isinstance(doc.get("features"), list):
            raise DataError(f'{path}: not a Model Monitor {name}: no "features" list')
        docs.append(doc)
    return docs[0], docs[1]
