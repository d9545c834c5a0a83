"""Whole-process timing of `mlinfra monitor baseline` on a 1,000,000-row CSV (10 numeric + 2 string columns).

    .venv/bin/python benchmarks/monitor_baseline.py [--rows N] [--runs N] [--compare-stdlib]

The file is generated once (seeded) into build/bench/. Prints wall and CPU time per run, the median, and
the target (<= 10 s wall on the project's 2-core machine). CPU time is printed too because the machine is
shared: wall time includes waiting for a core. --compare-stdlib also times the engine pyarrow replaced:
the standard csv module plus numpy.array(column, float64), parsing only (no statistics).
"""

from __future__ import annotations

import argparse
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET_SECONDS = 10.0


def generate(path: Path, rows: int) -> None:
    import numpy as np
    import pyarrow as pa
    import pyarrow.csv as pcsv

    rng = np.random.default_rng(20261201)
    cols = {f"num_{i}": np.round(rng.normal(i * 10, 1 + i, rows), 6) for i in range(8)}
    cols["count_8"] = rng.poisson(3, rows)
    cols["count_9"] = rng.integers(0, 1000, rows)
    cols["segment"] = np.array(["gold", "silver", "bronze", "none"])[rng.choice(4, rows, p=[0.1, 0.2, 0.3, 0.4])]
    cols["country"] = np.array([f"c{i:02d}" for i in range(40)])[rng.integers(0, 40, rows)]
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    pcsv.write_csv(pa.table(cols), tmp, write_options=pcsv.WriteOptions(quoting_style="needed"))
    tmp.replace(path)


def run(cmd: list[str]) -> tuple[float, float]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


STDLIB = """
import csv, sys, numpy as np
with open(sys.argv[1], newline="") as fh:
    reader = csv.reader(fh); header = next(reader)
    while True:
        rows = [r for _, r in zip(range(65536), reader)]
        if not rows: break
        cols = list(zip(*rows))
        [np.array(c, dtype=np.float64) for c in cols[:10]]
"""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--compare-stdlib", action="store_true")
    args = parser.parse_args()
    data = ROOT / "build" / "bench" / f"baseline-{args.rows}.csv"
    if not data.exists():
        start = time.perf_counter()
        generate(data, args.rows)
        print(f"generated {data} in {time.perf_counter() - start:.1f} s")
    print(f"{data.name}: {data.stat().st_size / 1e6:.0f} MB, {args.rows:,} rows, 10 numeric + 2 string columns")
    with open("/proc/loadavg") as fh:
        print(f"load average: {' '.join(fh.read().split()[:3])}")
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [sys.executable, "-m", "mlinfra", "monitor", "baseline", str(data), "-o", f"{tmp}/out"]
        results = [run(cmd) for _ in range(args.runs)]
    for i, (wall, cpu) in enumerate(results, 1):
        print(f"run {i}: {wall:6.2f} s wall, {cpu:6.2f} s CPU")
    median = statistics.median(w for w, _ in results)
    verdict = "within" if median <= TARGET_SECONDS else "OVER"
    print(
        f"mlinfra monitor baseline: median {median:.2f} s wall ({verdict} the {TARGET_SECONDS:g} s target), median CPU {statistics.median(c for _, c in results):.2f} s"
    )
    if args.compare_stdlib:
        wall, cpu = run([sys.executable, "-c", STDLIB, str(data)])
        print(f"stdlib csv + numpy (parsing only, no statistics): {wall:.2f} s wall, {cpu:.2f} s CPU")


if __name__ == "__main__":
    main()
