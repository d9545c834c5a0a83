"""Render and validate speed as ratios, measured side by side in one run (whole processes, medians).

    .venv/bin/python benchmarks/render_speed.py [--runs 9] [--sizes 1,50,200] [--against OTHER_TREE ...]

Baselines: ``python -c pass`` and the import floor of mlinfra's libraries (``pydantic``, ``jinja2``,
``yaml``, ``typer`` imported in one fresh interpreter). Measured: ``mlinfra --help``, ``validate`` and
``render`` of examples/platform.yaml, and the render of fleets of N seed-shaped endpoints (the platform
example's ``inference`` endpoint, copied N times under other names). Commands run interleaved (one run of
each, N times), so a change in the machine's load touches every row alike. Each row gives the wall time
and the CPU time (user + system, of the child process): on a busy machine the CPU time is the steadier
measure, and the ratios are given for both.

Goals (issue #22): render of the platform example <= 1.3x the floor, validate <= 1.2x, time linear in
the number of endpoints (the per-endpoint cost between the two largest fleets is within 1.25x of the
one between the two smallest).
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "platform.yaml"
FLOOR = "import pydantic, jinja2, yaml, typer"

ENDPOINT = """\
  - name: inference-{i}
    kind: realtime
    variants:
      - name: production
        model: 1.1.0
        instance_type: ml.g4dn.xlarge
        instance_count: 2
        weight: 80
        autoscaling: {{min: 2, max: 20, target_invocations: 1000, scale_in_cooldown: 300, scale_out_cooldown: 60}}
      - name: canary
        model: 1.2.0
        instance_type: ml.g4dn.xlarge
        instance_count: 2
        weight: 20
    data_capture: {{sampling_percentage: 100, modes: [input, output], json_content_types: [application/json]}}
    alarms: {{latency_p99_ms: 100, error_rate_percent: 5, period_seconds: 60, evaluation_periods: 2}}
    deployment:
      strategy: canary
      step_instances: 1
      wait_seconds: 300
      termination_wait_seconds: 120
      max_execution_timeout_seconds: 3600
      rollback_on_alarms: true
"""


def fleet(n: int) -> str:
    """A config of ``n`` seed-shaped endpoints (two variants at 80/20, autoscaling, capture, alarms, canary)."""
    head = """\
project: {name: fleet, environment: prod, region: us-east-1}
models:
  - {version: 1.1.0, status: production, image: 123456789012.dkr.ecr.us-east-1.amazonaws.com/ml-inference:1.1.0,
     model_data: s3://acme-ml-models/models/v1.1.0/model.tar.gz}
  - {version: 1.2.0, status: canary, image: 123456789012.dkr.ecr.us-east-1.amazonaws.com/ml-inference:1.2.0,
     model_data: s3://acme-ml-models/models/v1.2.0/model.tar.gz}
endpoints:
"""
    return head + "".join(ENDPOINT.format(i=i) for i in range(n))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--sizes", default="1,50,200", help="fleet sizes (endpoints), comma-separated")
    parser.add_argument(
        "--against",
        action="append",
        default=[],
        metavar="TREE",
        help="another checkout (its src/ and templates/) timed in the same run, e.g. an export of main",
    )
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    py = sys.executable
    mlinfra = [py, "-m", "mlinfra"]
    trees = {"": ROOT, **{f" [{Path(t).name}]": Path(t).resolve() for t in args.against}}
    # As installed: modules compiled once (.pyc), not at every start.
    base_env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    with tempfile.TemporaryDirectory() as tmp:
        env = {**base_env, "PYTHONPATH": str(ROOT / "src")}
        commands: dict[str, tuple[list[str], dict[str, str]]] = {
            "python -c pass": ([py, "-c", "pass"], env),
            FLOOR_ROW: ([py, "-c", FLOOR], env),
        }
        for n in sizes:
            (Path(tmp) / f"fleet-{n}.yaml").write_text(fleet(n), encoding="utf-8")
        for label, tree in trees.items():
            env = {**base_env, "PYTHONPATH": str(tree / "src")}
            out = Path(tmp) / f"out{len(commands)}"
            commands[f"mlinfra --help{label}"] = ([*mlinfra, "--help"], env)
            commands[f"validate platform.yaml{label}"] = ([*mlinfra, "validate", str(EXAMPLE)], env)
            commands[f"render platform.yaml{label}"] = ([*mlinfra, "render", str(EXAMPLE), "-o", f"{out}-p"], env)
            for n in sizes:
                config = str(Path(tmp) / f"fleet-{n}.yaml")
                commands[f"render fleet of {n}{label}"] = ([*mlinfra, "render", config, "-o", f"{out}-{n}"], env)
        for cmd, env in commands.values():  # warm the page cache, write .pyc and the template cache, and out/
            subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, env=env)
        wall: dict[str, list[float]] = {name: [] for name in commands}
        cpu: dict[str, list[float]] = {name: [] for name in commands}
        for _ in range(args.runs):
            for name, (cmd, env) in commands.items():
                before = resource.getrusage(resource.RUSAGE_CHILDREN)
                start = time.perf_counter()
                subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
                wall[name].append(time.perf_counter() - start)
                after = resource.getrusage(resource.RUSAGE_CHILDREN)
                cpu[name].append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
    load = os.getloadavg()
    print(f"python {sys.version.split()[0]}, {args.runs} interleaved runs, load average {load[0]:.2f} {load[1]:.2f}")
    print(f"{'command':44} {'wall':>8} {'x pass':>7} {'x floor':>8} {'cpu':>8} {'x pass':>7} {'x floor':>8}")
    med = {"wall": _medians(wall), "cpu": _medians(cpu)}
    for name in commands:
        row = []
        for kind in ("wall", "cpu"):
            m = med[kind]
            row.append(f"{m[name] * 1000:6.0f}ms {m[name] / m['python -c pass']:7.2f} {m[name] / m[FLOOR_ROW]:8.2f}")
        print(f"{name:44} {' '.join(row)}")
    for label in trees:
        for kind in ("wall", "cpu"):
            m = med[kind]
            render = m[f"render platform.yaml{label}"] / m[FLOOR_ROW]
            validate = m[f"validate platform.yaml{label}"] / m[FLOOR_ROW]
            print(f"\n{kind}{label}: render platform.yaml / floor = {render:.2f} (goal <= 1.3: {_ok(render <= 1.3)})")
            print(
                f"{kind}{label}: validate platform.yaml / floor = {validate:.2f} (goal <= 1.2: {_ok(validate <= 1.2)})"
            )
            if len(sizes) >= 3:
                t = [m[f"render fleet of {n}{label}"] for n in sizes]
                low = (t[1] - t[0]) / (sizes[1] - sizes[0])
                high = (t[-1] - t[-2]) / (sizes[-1] - sizes[-2])
                ratio = high / low if low > 0 else float("inf")
                print(
                    f"{kind}{label}: per endpoint {low * 1000:.2f} ms ({sizes[0]}..{sizes[1]}), {high * 1000:.2f} ms "
                    f"({sizes[-2]}..{sizes[-1]}): {ratio:.2f}x (linear, <= 1.25x: {_ok(ratio <= 1.25)})"
                )


def _ok(met: bool) -> str:
    return "ok" if met else "MISSED"


FLOOR_ROW = "import floor (pydantic, jinja2, yaml, typer)"


def _medians(samples: dict[str, list[float]]) -> dict[str, float]:
    return {name: statistics.median(times) for name, times in samples.items()}


if __name__ == "__main__":
    main()
