"""The command line every generator of a bundled table shares (``tools/regions.py``,
``tools/instance_types.py``): write the table, or with ``--check`` say how the bundled one differs."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path


def generator_main(
    description: str, target: Path, generate: Callable[[], str], differences: Callable[[], list[str]], what: str
) -> int:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--check", action="store_true", help=f"exit 1 if {what} differs from botocore's")
    args = parser.parse_args()
    if args.check:
        found = differences()
        for line in found:
            print(f"{target.name}: {line}", file=sys.stderr)
        if found:
            print(f"{target} is stale: run tools/{Path(sys.argv[0]).name}", file=sys.stderr)
        return 1 if found else 0
    target.write_text(generate(), encoding="utf-8")
    print(f"wrote {target}")
    return 0
