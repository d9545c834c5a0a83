"""Whole-process timings of the commands people run most, against a bare interpreter, in one run.

    .venv/bin/python benchmarks/cli_speed.py [--runs N]

Prints the median and p90 wall time of each command over N runs, and its ratio to `python -c pass`
measured in the same run (ratios survive a slower or busier machine better than absolute numbers).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "platform.yaml"


def timed(cmd: list[str], runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        out.append(time.perf_counter() - start)
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    py = sys.executable
    with tempfile.TemporaryDirectory() as tmp:
        commands = {
            "python -c pass (baseline)": [py, "-c", "pass"],
            "mlinfra --help": [py, "-m", "mlinfra", "--help"],
            "mlinfra validate platform.yaml": [py, "-m", "mlinfra", "validate", str(EXAMPLE)],
            "mlinfra render platform.yaml": [py, "-m", "mlinfra", "render", str(EXAMPLE), "-o", f"{tmp}/out"],
            "mlinfra render --check": [py, "-m", "mlinfra", "render", str(EXAMPLE), "-o", f"{tmp}/out", "--check"],
            "mlinfra cost platform.yaml": [py, "-m", "mlinfra", "cost", str(EXAMPLE)],
            "mlinfra cost platform.yaml --json": [py, "-m", "mlinfra", "cost", str(EXAMPLE), "--json"],
            "python -c 'import boto3' (for scale)": [py, "-c", "import boto3"],
        }
        timed(commands["mlinfra render platform.yaml"], 1)  # warm the page cache and write out/
        results = {name: timed(cmd, args.runs) for name, cmd in commands.items()}
    base = statistics.median(results["python -c pass (baseline)"])
    print(f"{'command':40} {'median':>9} {'p90':>9} {'x baseline':>11}")
    for name, times in results.items():
        med = statistics.median(times)
        p90 = statistics.quantiles(times, n=10)[-1]
        print(f"{name:40} {med * 1000:7.0f}ms {p90 * 1000:7.0f}ms {med / base:10.1f}x")


if __name__ == "__main__":
    main()
