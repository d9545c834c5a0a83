"""``models``: the quality gate, SageMaker model packages, approval, and the lifecycle table."""

from pathlib import Path
from typing import Annotated

import typer

from . import common
from .common import ConfigArg, ConfigOpt, JsonOpt, ProfileOpt, RegionOpt

app = typer.Typer(
    help="Model registry: quality gate, SageMaker model packages, approval, the lifecycle table.",
    no_args_is_help=True,
    rich_markup_mode=None,
)

VersionArg = Annotated[
    str,
    typer.Argument(
        help="Model and version as the config names them: MODEL@VERSION (detection@3.0.0), or VERSION where one model has it."
    ),
]
ModelOpt = Annotated[str | None, typer.Option("--model", help="Only this model's versions (default: every model).")]
MetricsOpt = Annotated[
    Path | None,
    typer.Option(
        "--metrics", help='JSON file of metrics, e.g. {"accuracy": 0.91}; overrides the config\'s for this version.'
    ),
]
NoteOpt = Annotated[str | None, typer.Option("--note", help="Why (kept as the package's ApprovalDescription).")]


def _metrics_file(path: Path | None) -> dict[str, float] | None:
    import json
    import math

    from ..errors import UsageError

    if path is None:
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise UsageError(f"{path}: {exc.strerror}") from None
    except ValueError as exc:
        raise UsageError(f"{path}: not valid JSON ({exc})") from None
    if not isinstance(data, dict) or not all(
        isinstance(k, str) and isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)
        for k, v in data.items()
    ):
        raise UsageError(f'{path}: must be an object of metric names to numbers, e.g. {{"accuracy": 0.91}}')
    return {k: float(v) for k, v in data.items()}


def _gate_lines(result) -> None:
    for c in result.checks:
        typer.echo(f"  {'pass' if c.passed else 'FAIL'}  {c.message}")


@app.command("validate")
def models_validate(
    version: VersionArg,
    metrics: MetricsOpt = None,
    as_json: JsonOpt = False,
    config: ConfigArg = None,
    config_opt: ConfigOpt = None,
) -> None:
    """Run the quality gate on VERSION, offline: exit 0 when it passes, 1 when it fails (for CI)."""
    import json

    from ..model_registry.packages import validate as run_gate

    result = run_gate(common.load_config(common.config_file(config, config_opt)), version, _metrics_file(metrics))
    if as_json:
        typer.echo(json.dumps(result.to_json(), indent=2, sort_keys=True))
    else:
        typer.echo(
            f"{version}: {result.summary()}" + (f" (production: {result.production})" if result.production else "")
        )
        _gate_lines(result)
    if not result.passed:
        raise typer.Exit(1)


@app.command("register")
def models_register(
    version: VersionArg,
    metrics: MetricsOpt = None,
    config: ConfigArg = None,
    config_opt: ConfigOpt = None,
    profile: ProfileOpt = None,
    region: RegionOpt = None,
) -> None:
    """Record VERSION as a model package: PendingManualApproval if it passes the gate, else Rejected (exit 1)."""
    from ..model_registry.packages import register

    cfg = common.load_config(common.config_file(config, config_opt))
    done = register(common.clients(profile, region or cfg.project.region), cfg, version, _metrics_file(metrics))
    p = done.package
    typer.echo(f"{version}: registered as {p.arn} ({p.status})")
    _gate_lines(done.gate)
    if not done.gate.passed:
        typer.secho(f"error: {version}: {done.gate.summary()}", fg=typer.colors.RED, err=True)
        raise typer.Exit(1)


def _set_status(
    version: str,
    config: Path,
    status: str,
    note: str,
    profile: str | None,
    region: str | None,
    *,
    deprecate: bool = False,
) -> None:
    from ..model_registry.packages import set_status

    cfg = common.load_config(config)
    p = set_status(
        common.clients(profile, region or cfg.project.region), cfg, version, status, note, deprecate=deprecate
    )
    typer.echo(f"{version}: {p.status}" + (" (deprecated)" if p.deprecated else "") + f" — {p.arn}")


@app.command("approve")
def models_approve(
    version: VersionArg,
    note: NoteOpt = None,
    config: ConfigArg = None,
    config_opt: ConfigOpt = None,
    profile: ProfileOpt = None,
    region: RegionOpt = None,
) -> None:
    """Approve VERSION's model package (with require_approval, only approved versions get traffic)."""
    _set_status(
        version,
        common.config_file(config, config_opt),
        "Approved",
        note or "approved with mlinfra models approve",
        profile,
        region,
    )


@app.command("reject")
def models_reject(
    version: VersionArg,
    note: NoteOpt = None,
    config: ConfigArg = None,
    config_opt: ConfigOpt = None,
    profile: ProfileOpt = None,
    region: RegionOpt = None,
) -> None:
    """Reject VERSION's model package."""
    _set_status(
        version,
        common.config_file(config, config_opt),
        "Rejected",
        note or "rejected with mlinfra models reject",
        profile,
        region,
    )


@app.command("deprecate")
def models_deprecate(
    version: VersionArg,
    note: NoteOpt = None,
    config: ConfigArg = None,
    config_opt: ConfigOpt = None,
    profile: ProfileOpt = None,
    region: RegionOpt = None,
) -> None:
    """Mark VERSION's package deprecated (Rejected, mlinfra:lifecycle=deprecated): it gets no traffic again."""
    _set_status(
        version,
        common.config_file(config, config_opt),
        "Rejected",
        note or "deprecated with mlinfra models deprecate",
        profile,
        region,
        deprecate=True,
    )


@app.command("list")
def models_list(
    model: ModelOpt = None,
    as_json: JsonOpt = False,
    config: ConfigArg = None,
    config_opt: ConfigOpt = None,
    profile: ProfileOpt = None,
    region: RegionOpt = None,
) -> None:
    """The registry beside the config's lifecycle, per model (each in its own model package group):
    status, traffic per endpoint, metrics, package, approval."""
    import json

    from ..model_registry.lifecycle import lifecycle
    from ..model_registry.packages import group_name, packages

    cfg = common.load_config(common.config_file(config, config_opt))
    clients = common.clients(profile, region or cfg.project.region)
    models = cfg.model_names() if model is None else (model,)
    rows = [r for m in models for r in lifecycle(cfg, packages(clients, group_name(cfg, m)), m)]
    if as_json:
        typer.echo(json.dumps([r.to_json() for r in rows], indent=2, sort_keys=True))
        return
    named = cfg.named
    table = [(*(("MODEL",) if named else ()), "VERSION", "STATUS", "TRAFFIC", "METRICS", "PACKAGE", "APPROVAL")]
    for r in rows:
        shares = ", ".join(f"{k} {v:g} %" for k, v in r.traffic.items() if v > 0 or k.endswith("(shadow)")) or "0 %"
        metrics = ", ".join(f"{k} {v:g}" for k, v in sorted(r.metrics.items())) or "-"
        p = r.package
        approval = "-" if p is None else p.status + (" (deprecated)" if p.deprecated else "")
        table.append(
            (
                *((r.model or "-",) if named else ()),
                r.version,
                r.status or "-",
                shares,
                metrics,
                "-" if p is None or p.package_version is None else f"#{p.package_version}",
                approval,
            )
        )
    widths = [max(len(row[i]) for row in table) for i in range(len(table[0]))]
    for row in table:
        typer.echo("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())
    for r in rows:
        for note in r.notes:
            typer.secho(f"  {r.ref}: {note}", fg=typer.colors.YELLOW)
