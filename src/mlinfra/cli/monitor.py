"""``monitor`` (Model Monitor baselines, drift of captured traffic) and ``metrics`` (custom CloudWatch metrics).

numpy, pyarrow and boto3 are imported inside the commands only (--help, validate and render never pay).
"""

import sys
from pathlib import Path
from typing import Annotated

import typer

from . import common
from .common import ProfileOpt, RegionOpt

app = typer.Typer(
    help="Model Monitor baselines and drift of captured endpoint traffic, offline.",
    no_args_is_help=True,
    rich_markup_mode=None,
)
metrics_app = typer.Typer(
    help="The platform's custom CloudWatch metrics (namespace MLInference).",
    no_args_is_help=True,
    rich_markup_mode=None,
)

PROGRESS_MIN_BYTES = 64 << 20  # on a terminal, inputs from this size on get a progress line
DRIFT_EXIT = 3  # a drift or constraint check failed (as `status` exits 3 when live and config differ)


class _ProgressLine:
    """One self-rewriting stderr line: percent, rows, bytes, rate."""

    def __init__(self) -> None:
        import time

        self._time = time.monotonic
        self._start = self._last = self._time()
        self._shown = False

    def __call__(self, done: int, total: int, rows: int) -> None:
        now = self._time()
        if now - self._last < 0.2 and done < total:
            return
        self._last = now
        rate = done / max(now - self._start, 1e-6) / 1e6
        pct = 100 * done / total if total else 100
        sys.stderr.write(f"\r{pct:5.1f} % {rows:,} rows, {done / 1e6:,.0f}/{total / 1e6:,.0f} MB, {rate:,.0f} MB/s")
        sys.stderr.flush()
        self._shown = True

    def close(self) -> None:
        if self._shown:
            sys.stderr.write("\n")
            sys.stderr.flush()


@app.command("baseline")
def monitor_baseline(
    data: Annotated[
        Path, typer.Argument(help="Baseline dataset: a .csv file with a header, or .jsonl (one object per line).")
    ],
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder for statistics.json and constraints.json.")],
    progress: Annotated[
        bool,
        typer.Option(
            "--progress", help="Show progress on stderr (default: on a terminal, for inputs of 64 MB or more)."
        ),
    ] = False,
) -> None:
    """Write statistics.json and constraints.json in SageMaker Model Monitor's format (usable as a
    data-quality job's baseline and by `mlinfra monitor drift`)."""
    from ..monitoring.baseline import CONSTRAINTS, STATISTICS, compute_baseline, write_baseline

    try:
        size = data.stat().st_size if data.is_file() else 0
    except OSError:
        size = 0
    bar = _ProgressLine() if progress or (sys.stderr.isatty() and size >= PROGRESS_MIN_BYTES) else None
    try:
        baseline = compute_baseline(data, progress=bar)
    finally:
        if bar is not None:
            bar.close()
    write_baseline(baseline, out)
    for warning in baseline.warnings:
        typer.secho(f"warning: {warning}", fg=typer.colors.YELLOW, err=True)
    kinds: dict[str, int] = {}
    for f in baseline.statistics["features"]:
        kinds[f["inferred_type"]] = kinds.get(f["inferred_type"], 0) + 1
    summary = ", ".join(f"{n} {k}" for k, n in sorted(kinds.items()))
    typer.echo(
        f"wrote {out / STATISTICS} and {out / CONSTRAINTS}: {baseline.rows:,} rows, {len(baseline.statistics['features'])} features ({summary})"
    )


@app.command("drift")
def monitor_drift(
    captures: Annotated[
        list[Path], typer.Argument(help="Data-capture files (JSON Lines, as the endpoint writes them to S3).")
    ],
    baseline: Annotated[Path, typer.Option("--baseline", help="Folder with statistics.json and constraints.json.")],
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable report on stdout.")] = False,
    publish: Annotated[
        bool, typer.Option("--publish", help="Send each feature's drift as the FeatureDrift metric (MLInference).")
    ] = False,
    psi_threshold: Annotated[float, typer.Option("--psi-threshold", help="PSI above this fails psi_check.")] = 0.2,
    ks_threshold: Annotated[
        float | None,
        typer.Option("--ks-threshold", help="KS distance limit (default: constraints.json comparison_threshold)."),
    ] = None,
    linf_threshold: Annotated[
        float | None,
        typer.Option(
            "--linf-threshold", help="L-infinity limit (default: constraints.json categorical_comparison_threshold)."
        ),
    ] = None,
    profile: ProfileOpt = None,
    region: RegionOpt = None,
) -> None:
    """Compare captured inputs with a baseline, per feature; exit 3 when a check fails, 2 on bad input.

    Malformed capture lines are reported (FILE:LINE) on stderr and skipped."""
    from ..monitoring.baseline import load_baseline
    from ..monitoring.capture import CaptureStats, read_capture
    from ..monitoring.drift import Thresholds, drift_report, feature_names

    capture = CaptureStats()
    published = None
    try:
        statistics, constraints = load_baseline(baseline)
        rows = read_capture(captures, feature_names(statistics), capture)
        limits = Thresholds(psi=psi_threshold, ks=ks_threshold, linf=linf_threshold)
        report = drift_report(statistics, constraints, rows, capture, limits, source=str(baseline / "statistics.json"))
        if publish:
            from ..monitoring.metrics import feature_drift, utc_now
            from ..monitoring.metrics import publish as send

            now = utc_now()
            data = [feature_drift(f["name"], f["drift"], now) for f in report.features if f["drift"] is not None]
            published = send(common.clients(profile, region).cloudwatch, data)
    finally:
        # The lines skipped so far, also before the error that stopped the reading.
        _skipped(capture.problems)
    if as_json:
        import json

        doc = report.to_json()
        if published is not None:
            doc["published"] = {"namespace": published.namespace, "metrics": published.data, "calls": published.calls}
        typer.echo(json.dumps(doc, indent=2, sort_keys=True))
    else:
        typer.echo(
            f"{capture.records} records, {capture.rows} rows"
            + (
                f", {len(capture.problems)} malformed line{'s' if len(capture.problems) > 1 else ''} skipped"
                if capture.problems
                else ""
            )
        )
        typer.echo(f"{'feature':24} {'kind':12} {'psi':>8} {'ks/linf':>8} {'missing':>8} {'outside':>8}  status")
        for f in report.features:
            outside = (
                f["out_of_range"]["below_min"] + f["out_of_range"]["above_max"]
                if f["kind"] == "numerical"
                else f["out_of_domain"]
            )
            status = ", ".join(v["check"] for v in f["violations"]) or "ok"
            typer.echo(
                f"{f['name'][:24]:24} {f['kind']:12} {_num4(f['psi']):>8} {_num4(f['drift']):>8} {f['missing']:>8} {outside:>8}  {status}"
            )
        for name, v in report.violations:
            typer.secho(f"  {name}: {v['check']}: {v['detail']}", fg=typer.colors.YELLOW)
        if published is not None:
            typer.echo(
                f"published {published.data} FeatureDrift metrics to {published.namespace} in {published.calls} call(s)"
            )
    if report.violations:
        raise typer.Exit(DRIFT_EXIT)


def _num4(value: float | None) -> str:
    return "-" if value is None else f"{value:.4f}"


def _skipped(problems: list) -> None:
    for p in problems[:20]:
        typer.secho(f"warning: {p} (skipped)", fg=typer.colors.YELLOW, err=True)
    if len(problems) > 20:
        typer.secho(f"warning: {len(problems) - 20} more malformed lines skipped", fg=typer.colors.YELLOW, err=True)


@metrics_app.command("publish")
def metrics_publish(
    file: Annotated[
        Path,
        typer.Argument(
            help='JSON Lines, e.g. {"metric": "InferenceLatency", "model_version": "v1.2.0", "value": 42.5}; - for stdin.'
        ),
    ],
    namespace: Annotated[str, typer.Option("--namespace", help="CloudWatch namespace.")] = "MLInference",
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Check the file and print the batches; send nothing.")
    ] = False,
    profile: ProfileOpt = None,
    region: RegionOpt = None,
) -> None:
    """Publish InferenceLatency / PredictionConfidence / FeatureDrift data points in PutMetricData batches."""
    from ..monitoring.metrics import batches, publish, read_metrics_file

    data = read_metrics_file(file)
    if dry_run:
        sizes = [len(b) for b in batches(data)]
        typer.echo(
            f"would publish {len(data)} data points to {namespace} in {len(sizes)} call(s): {', '.join(map(str, sizes))}"
        )
        return
    result = publish(common.clients(profile, region).cloudwatch, data, namespace=namespace)
    typer.echo(f"published {result.data} data points to {result.namespace} in {result.calls} call(s)")
