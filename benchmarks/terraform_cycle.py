"""Time each Terraform step of the gate per example (the harness tests/test_terraform_cycle.py runs).

    .venv/bin/python benchmarks/terraform_cycle.py [--workers 2] [EXAMPLE.yaml ...]

Runs the cycle (init, validate, plan -out, show -json, apply, second plan, destroy) of every example
on the stand-in provider, `--workers` examples at a time as the test does, and prints seconds per
step and example, and the wall time of the whole run.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.conftest import EXAMPLES, run_concurrently  # noqa: E402
from tests.support.terraform_cycle import STEPS, environment, prepare, run_cycle  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("examples", nargs="*", type=Path)
    args = parser.parse_args()
    examples = [p.resolve() for p in args.examples] or EXAMPLES
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        env = environment(base / "home")
        start = time.perf_counter()
        results = run_concurrently(
            {p: (lambda p=p: run_cycle(prepare(p, base / p.stem), env)) for p in examples}, workers=args.workers
        )
        wall = time.perf_counter() - start
    print(f"{'example':<14}{'blocks':>7}" + "".join(f"{s:>10}" for s in STEPS) + f"{'total':>10}")
    for path, result in results.items():
        if isinstance(result, Exception):
            print(f"{path.stem:<14} FAILED: {str(result).splitlines()[0]}")
            continue
        cells = "".join(f"{result.times[s]:>10.1f}" for s in STEPS)
        print(f"{path.stem:<14}{result.planned:>7}{cells}{sum(result.times.values()):>10.1f}")
    print(f"wall time, {args.workers} at a time: {wall:.1f} s")
    sys.exit(any(isinstance(r, Exception) for r in results.values()))


if __name__ == "__main__":
    main()
