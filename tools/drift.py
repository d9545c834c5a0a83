#!/usr/bin/env python3
"""Report where mlinfra's bundled AWS tables fall behind the newest botocore (``make drift``).

mlinfra bundles what it needs to know about AWS so that ``validate`` and ``render`` import no botocore:
the regions and partitions (``src/mlinfra/regions.py``), the instance types each SageMaker API takes
(``src/mlinfra/instance_types.py``), the SageMaker enums the config offers
(``src/mlinfra/config/shapes.py``) and the instance types whose capacity it knows
(``src/mlinfra/fleet/instance_types.toml``). The test gate compares them with the *locked* botocore, so an
upstream release never turns it red; this report compares them with whatever botocore the running Python
has (``make drift`` installs the newest into a throwaway venv). It imports nothing of mlinfra's (the
throwaway venv has botocore only): the tables are read as files.

Exit 0 when nothing is behind, 1 when a region or an enum value is missing (then: ``make lock``,
``tools/regions.py``, and a look at the enum), 2 when botocore is missing. Instance types the capacity
table lacks are listed for information only: the table is entered by hand, type by type.
"""

from __future__ import annotations

import ast
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src" / "mlinfra"

#: Literal aliases of config/shapes.py -> the botocore shape whose enum they follow, and the values of that
#: enum mlinfra declines on purpose (the comment beside each alias says why).
ENUMS: dict[str, tuple[str, frozenset[str]]] = {
    "InferenceAmiVersion": ("ProductionVariantInferenceAmiVersion", frozenset()),
    "RoutingStrategy": ("RoutingStrategy", frozenset({"PREFIX_AWARE", "KV_AWARE"})),
}


def literal_values(path: Path, name: str) -> set[str]:
    """The strings of ``name = Literal[...]`` at the top level of a module, read without importing it."""
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == name for t in node.targets):
            sub = node.value
            if isinstance(sub, ast.Subscript):
                elts = sub.slice.elts if isinstance(sub.slice, ast.Tuple) else [sub.slice]
                return {e.value for e in elts if isinstance(e, ast.Constant) and isinstance(e.value, str)}
    raise LookupError(f"{path}: no {name} = Literal[...]")


def main() -> int:
    try:
        import botocore
        import botocore.loaders
    except ImportError:
        print("drift: botocore is not installed in this Python (make drift installs the newest)", file=sys.stderr)
        return 2
    print(f"botocore {botocore.__version__} against the bundled tables")
    behind: list[str] = []

    sys.path.insert(0, str(ROOT / "tools"))
    import regions  # tools/regions.py: the generator's own reading of botocore's partitions.json

    behind += [f"src/mlinfra/regions.py: {line}" for line in regions.differences()]
    import instance_types  # tools/instance_types.py: SageMaker's instance type enums, per API

    behind += [f"src/mlinfra/instance_types.py: {line}" for line in instance_types.differences()]

    shapes = botocore.loaders.Loader().load_service_model("sagemaker", "service-2")["shapes"]
    for alias, (shape, declined) in ENUMS.items():
        offered = literal_values(SRC / "config" / "shapes.py", alias)
        upstream = set(shapes[shape]["enum"])
        for value in sorted(upstream - offered - declined):
            behind.append(f"{shape} has {value}, which config/shapes.py's {alias} does not offer")
        for value in sorted(offered - upstream):
            behind.append(f"config/shapes.py's {alias} offers {value}, which botocore's {shape} no longer lists")

    table = tomllib.loads((SRC / "fleet" / "instance_types.toml").read_text(encoding="utf-8"))
    hosting = set(shapes["ProductionVariantInstanceType"]["enum"])
    missing = sorted(hosting - set(table))
    families = sorted({t.rsplit(".", 1)[0] for t in missing} - {t.rsplit(".", 1)[0] for t in table})

    for line in behind:
        print(f"behind: {line}")
    print(
        f"info: the capacity table (fleet/instance_types.toml) has {len(table)} of botocore's {len(hosting)} hosting "
        f"instance types; families without a row: {', '.join(families) or 'none'}"
    )
    if behind:
        print(
            "refresh: make lock, then .venv/bin/python tools/regions.py and tools/instance_types.py, and review the enums named above"
        )
        return 1
    print("nothing behind")
    return 0


if __name__ == "__main__":
    sys.exit(main())
