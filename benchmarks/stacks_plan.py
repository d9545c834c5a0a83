"""Plan time of a large fleet as one Terraform state and as split stacks, on the stand-in provider.

    .venv/bin/python benchmarks/stacks_plan.py [--endpoints 200] [--per-stack 20] [--parallelism 4]

The fleet is render_speed.py's: N seed-shaped endpoints (two variants, auto-scaling, capture, alarms, a
canary deployment policy), rendered once as one root module and once with ``stacks: {endpoints_per_stack:
K}`` (``shared`` plus N/K endpoint groups). Each layout is applied once on the stand-in (the test gate's
offline provider, which answers every read and refresh like the real one does, per resource), then timed:

* ``plan, nothing changed``: what a drift check or a pipeline's Plan stage costs (one stack: one plan of
  every resource; split: every stack planned, ``--parallelism`` at a time, as ``mlinfra deploy
  --all-stacks`` does);
* ``plan, one endpoint changed``: one variant's instance count edited (a blue/green update of that
  endpoint); one stack plans everything again, split plans the changed group's stack only (what ``mlinfra
  deploy`` does: the other stacks' files are what they applied).

Whole ``terraform plan`` processes, wall time; the stand-in's per-resource cost is far below AWS's API
calls, so on AWS the split layout gains more. Prints the load average at the start and the end.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from render_speed import fleet  # noqa: E402

from tests.support.terraform_cycle import environment, relax, terraform_binary  # noqa: E402


def _render(config: Path, dest: Path):
    from mlinfra.pipeline import load_config, render_project
    from mlinfra.write import write_tree

    rendered = render_project(load_config(config), config.parent)
    write_tree(relax(rendered.files), dest)
    return rendered


def _tf(env: dict[str, str], cwd: Path, *args: str) -> float:
    start = time.perf_counter()
    proc = subprocess.run(
        [terraform_binary(), *args, "-input=false", "-no-color"],
        check=False,
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
    )
    seconds = time.perf_counter() - start
    if proc.returncode not in (0, 2):  # plan -detailed-exitcode: 2 = changes
        raise SystemExit(f"terraform {args[0]} in {cwd} failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
    return seconds


def _in_order(stacks, run, parallelism: int) -> float:
    """Run ``run(stack)`` for every stack, each after the stacks it needs, ``parallelism`` at a time; wall time."""
    start = time.perf_counter()
    done: set[str] = set()
    pending = list(stacks)
    with ThreadPoolExecutor(parallelism) as pool:
        while pending:
            ready = [s for s in pending if set(s.needs) <= done]
            list(pool.map(run, ready))
            done.update(s.name for s in ready)
            pending = [s for s in pending if s.name not in done]
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--endpoints", type=int, default=200)
    parser.add_argument("--per-stack", type=int, default=20)
    parser.add_argument("--parallelism", type=int, default=4)
    args = parser.parse_args()
    load_start = os.getloadavg()
    changed = "inference-7"  # its group: endpoints-1 with 20 per stack
    edit = (f"  - name: {changed}\n", "        instance_count: 2\n", "        instance_count: 3\n")
    rows: list[tuple[str, int, float, float]] = []
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        env = environment(base / "home")
        text = fleet(args.endpoints)
        split_text = text.replace("endpoints:\n", f"stacks:\n  endpoints_per_stack: {args.per_stack}\nendpoints:\n", 1)

        def edited(t: str) -> str:
            at = t.index(edit[0])
            cut = t.index(edit[1], at)
            return t[:cut] + edit[2] + t[cut + len(edit[1]) :]

        # One state.
        config = base / "one.yaml"
        config.write_text(text)
        out = base / "one"
        rendered = _render(config, out)
        _tf(env, out, "init")
        _tf(env, out, "apply", "-auto-approve")
        unchanged = _tf(env, out, "plan", "-detailed-exitcode")
        config.write_text(edited(text))
        _render(config, out)
        one_change = _tf(env, out, "plan", "-detailed-exitcode")
        rows.append(("one state", rendered.resources, unchanged, one_change))

        # Split stacks.
        config = base / "split.yaml"
        config.write_text(split_text)
        out = base / "split"
        rendered = _render(config, out)
        stacks = rendered.stacks
        assert stacks, "the split config rendered one root"
        for stack in stacks:
            _tf(env, out / stack.directory, "init")
        _in_order(stacks, lambda s: _tf(env, out / s.directory, "apply", "-auto-approve"), args.parallelism)
        unchanged = _in_order(
            stacks, lambda s: _tf(env, out / s.directory, "plan", "-detailed-exitcode"), args.parallelism
        )
        config.write_text(edited(split_text))
        _render(config, out)
        group = next(s for s in stacks if changed in s.endpoints)
        one_change = _tf(env, out / group.directory, "plan", "-detailed-exitcode")
        rows.append(
            (
                f"split: {len(stacks)} stacks ({group.name}: {len(group.endpoints)} endpoints)",
                rendered.resources,
                unchanged,
                one_change,
            )
        )
    load_end = os.getloadavg()
    print(f"{args.endpoints} endpoints, load average {load_start[0]:.2f} at the start, {load_end[0]:.2f} at the end")
    print(f"{'layout':48} {'resources':>9} {'plan, nothing changed':>22} {'plan, one endpoint changed':>27}")
    for name, resources, a, b in rows:
        print(f"{name:48} {resources:>9} {a:>20.1f} s {b:>25.1f} s")
    print(f"one endpoint changed: split / one state = {rows[1][3] / rows[0][3]:.2f}")


if __name__ == "__main__":
    main()
