"""Render and validate speed as ratios, measured side by side in one run (whole processes, medians).

    .venv/bin/python benchmarks/render_speed.py [--runs 9] [--sizes 1,50,200] [--against OTHER_TREE ...] [--cdktf DIR]

Baselines: ``python -c pass``, the import floor of mlinfra's libraries (``pydantic``, ``jinja2``,
``yaml``, ``typer`` imported in one fresh interpreter), and the same libraries in first use (one pydantic
model defined and validated, typer's parameter adapters loaded), which no code of mlinfra's goes under. Measured: ``mlinfra --help``, ``validate`` and
``render`` of examples/platform.yaml, and the render of fleets of N seed-shaped endpoints (the platform
example's ``inference`` endpoint, copied N times under other names). Commands run interleaved (one run of
each, N times), so a change in the machine's load touches every row alike. Each row gives the wall time
and the CPU time (user + system, of the child process): on a busy machine the CPU time is the steadier
measure, and the ratios are given for both.

Goals (issue #22): render of the platform example <= 1.3x the floor, validate <= 1.2x, time linear in
the number of endpoints (the per-endpoint cost between the two largest fleets is within 1.25x of the
one between the two smallest), one endpoint <= 1.0x CDK for Terraform's synth of the same, 200 endpoints
<= 0.5x, ``--help`` <= 1.2x ``python -c "import typer"`` (a bare interpreter plus typer's import).

CDK for Terraform: benchmarks/cdktf/main.js, installed by ``make bench`` into .bench-cdktf/ (``npm ci``),
synthesizes each fleet with the same resources per type as mlinfra's tree; before timing, both sides are
counted per type for every fleet size (``main.js --check`` and benchmarks/tree_resources.py) and must
agree. Without node or that install, the CDKTF rows are left out and the other ratios still printed.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "platform.yaml"
FLOOR = "import pydantic, jinja2, yaml, typer"
CDKTF_APP = ROOT / "benchmarks" / "cdktf" / "main.js"

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


def cdktf_node_path(install: Path) -> str | None:
    """NODE_PATH of the CDK for Terraform app's install, or None (and why, on stdout) when it can't run."""
    modules = install / "node_modules"
    if shutil.which("node") is None or not (modules / "cdktf").is_dir() or not (modules / "@cdktf").is_dir():
        print(f"CDK for Terraform: not installed (make bench installs it; looked for node and {modules})")
        return None
    return str(modules)


def same_resources(sizes: list[int], outs: dict[int, Path], node_env: dict[str, str], tmp: Path) -> None:
    """Both sides deploy the same resources per type for every fleet size, or the comparison is void."""
    from tree_resources import read_tree, resources_per_type  # beside this script

    for n in sizes:
        ours = dict(resources_per_type(read_tree(outs[n])))
        proc = subprocess.run(
            ["node", str(CDKTF_APP), str(n), str(tmp / f"check-{n}"), "--check"],
            check=True,
            capture_output=True,
            text=True,
            env=node_env,
        )
        theirs = json.loads(proc.stdout)
        if ours != theirs:
            raise SystemExit(f"fleet of {n}: mlinfra renders {ours}, CDK for Terraform synthesizes {theirs}")
        print(f"fleet of {n}: {sum(ours.values())} resources of {len(ours)} types on both sides")


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
    parser.add_argument(
        "--cdktf",
        type=Path,
        default=ROOT / ".bench-cdktf",
        metavar="DIR",
        help="where make bench installed the CDK for Terraform app (npm ci); default .bench-cdktf",
    )
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    load_start = os.getloadavg()
    py = sys.executable
    mlinfra = [py, "-m", "mlinfra"]
    trees = {"": ROOT, **{f" [{Path(t).name}]": Path(t).resolve() for t in args.against}}
    # As installed: modules compiled once (.pyc), not at every start.
    base_env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    node_path = cdktf_node_path(args.cdktf)
    with tempfile.TemporaryDirectory() as tmp:
        env = {**base_env, "PYTHONPATH": str(ROOT / "src")}
        commands: dict[str, tuple[list[str], dict[str, str]]] = {
            "python -c pass": ([py, "-c", "pass"], env),
            TYPER_ROW: ([py, "-c", "import typer"], env),
            FLOOR_ROW: ([py, "-c", FLOOR], env),
            USE_ROW: ([py, "-c", USE], env),
        }
        for n in sizes:
            (Path(tmp) / f"fleet-{n}.yaml").write_text(fleet(n), encoding="utf-8")
        fleet_outs: dict[int, Path] = {}
        for label, tree in trees.items():
            env = {**base_env, "PYTHONPATH": str(tree / "src")}
            out = Path(tmp) / f"out{len(commands)}"
            commands[f"mlinfra --help{label}"] = ([*mlinfra, "--help"], env)
            commands[f"validate platform.yaml{label}"] = ([*mlinfra, "validate", str(EXAMPLE)], env)
            commands[f"render platform.yaml{label}"] = ([*mlinfra, "render", str(EXAMPLE), "-o", f"{out}-p"], env)
            for n in sizes:
                config = str(Path(tmp) / f"fleet-{n}.yaml")
                commands[f"render fleet of {n}{label}"] = ([*mlinfra, "render", config, "-o", f"{out}-{n}"], env)
                fleet_outs.setdefault(n, Path(f"{out}-{n}"))
        node_env = {**base_env, "NODE_PATH": node_path or ""}
        if node_path:
            for n in sizes:
                cmd = ["node", str(CDKTF_APP), str(n), str(Path(tmp) / f"cdktf-{n}")]
                commands[_cdktf_row(n)] = (cmd, node_env)
        for cmd, env in commands.values():  # warm the page cache, write .pyc and the template cache, and out/
            subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, env=env)
        if node_path:
            same_resources(sizes, fleet_outs, node_env, Path(tmp))
        wall: dict[str, list[float]] = {name: [] for name in commands}
        cpu: dict[str, list[float]] = {name: [] for name in commands}
        for _ in range(args.runs):  # interleaved: one run of every command per round, so drift touches all alike
            for name, (cmd, env) in commands.items():
                before = resource.getrusage(resource.RUSAGE_CHILDREN)
                start = time.perf_counter()
                subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
                wall[name].append(time.perf_counter() - start)
                after = resource.getrusage(resource.RUSAGE_CHILDREN)
                cpu[name].append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
    load_end = os.getloadavg()
    node = (
        subprocess.run(["node", "--version"], check=True, capture_output=True, text=True).stdout.strip()
        if node_path
        else ""
    )
    print(
        f"python {sys.version.split()[0]}{', node ' + node if node else ''}, {args.runs} interleaved runs, "
        f"{os.cpu_count()} cores, load average (1, 5 min) {load_start[0]:.2f} {load_start[1]:.2f} at start, "
        f"{load_end[0]:.2f} {load_end[1]:.2f} at end"
    )
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
            print()
            render = m[f"render platform.yaml{label}"] / m[FLOOR_ROW]
            validate = m[f"validate platform.yaml{label}"] / m[FLOOR_ROW]
            helps = m[f"mlinfra --help{label}"] / m[TYPER_ROW]
            use = m[USE_ROW] / m[FLOOR_ROW]
            print(f"{kind}: the libraries' first use / floor = {use:.2f} (what no code of mlinfra's can go under)")
            print(f"{kind}{label}: render platform.yaml / floor = {render:.2f} (goal <= 1.3: {_ok(render <= 1.3)})")
            print(
                f"{kind}{label}: validate platform.yaml / floor = {validate:.2f} (goal <= 1.2: {_ok(validate <= 1.2)})"
            )
            print(f"{kind}{label}: --help / (pass + typer import) = {helps:.2f} (goal <= 1.2: {_ok(helps <= 1.2)})")
            for n, goal in ((1, 1.0), (200, 0.5)):
                if n not in sizes:
                    continue
                if not node_path:
                    print(f"{kind}{label}: fleet of {n} / CDK for Terraform: not installed (make bench installs it)")
                    continue
                ratio = m[f"render fleet of {n}{label}"] / m[_cdktf_row(n)]
                print(
                    f"{kind}{label}: fleet of {n} / CDK for Terraform synth = {ratio:.2f} "
                    f"(goal <= {goal}: {_ok(ratio <= goal)})"
                )
            if len(sizes) >= 3:
                t = [m[f"render fleet of {n}{label}"] for n in sizes]
                low = (t[1] - t[0]) / (sizes[1] - sizes[0])
                high = (t[-1] - t[-2]) / (sizes[-1] - sizes[-2])
                ratio = high / low if low > 0 else float("inf")
                print(
                    f"{kind}{label}: per endpoint {low * 1000:.2f} ms ({sizes[0]}..{sizes[1]}), {high * 1000:.2f} ms "
                    f"({sizes[-2]}..{sizes[-1]}): {ratio:.2f}x (linear, <= 1.25x: {_ok(0 < ratio <= 1.25)})"
                )


def _ok(met: bool) -> str:
    return "ok" if met else "MISSED"


FLOOR_ROW = "import floor (pydantic, jinja2, yaml, typer)"
# The floor's libraries put to their first use, with no code of mlinfra's: ``import pydantic`` is lazy (its
# model machinery, pydantic-core's schema types and the plugin loader's importlib.metadata load with the
# first model), and typer turns its parameters through adapters built on pydantic at the first parse.
USE = (
    "import jinja2, yaml, typer, typer._adapters\n"
    "from pydantic import BaseModel\n"
    "class M(BaseModel):\n    x: int\n"
    "M(x=1)"
)
USE_ROW = "the floor's libraries in first use"
TYPER_ROW = "python -c 'import typer'"


def _cdktf_row(n: int) -> str:
    return f"CDK for Terraform synth, {n} endpoint{'s' if n != 1 else ''}"


def _medians(samples: dict[str, list[float]]) -> dict[str, float]:
    return {name: statistics.median(times) for name, times in samples.items()}


if __name__ == "__main__":
    main()
