"""``cost``: the monthly estimate of a config, or what a change of config costs (no AWS, no boto3)."""

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from . import common
from .common import ConfigArg, ConfigOpt

if TYPE_CHECKING:
    from ..cost import Difference, Estimate

app = typer.Typer()  # merged into mlinfra's own commands


@app.command()
def cost(
    config: ConfigArg = None,
    new: Annotated[
        Path | None,
        typer.Argument(
            help="A second config: print what changing CONFIG into it costs a month, line by line.", show_default=False
        ),
    ] = None,
    config_opt: ConfigOpt = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print one JSON object (monthly_total_usd, items, endpoints, ...).")
    ] = False,
    prices: Annotated[
        Path | None,
        typer.Option("--prices", help="AWS's SageMaker Price List offer file (JSON), over the bundled prices."),
    ] = None,
    requests_per_month: Annotated[float | None, typer.Option(help="Requests each endpoint serves a month.")] = None,
    requests_per_hour: Annotated[float | None, typer.Option(help="Requests each endpoint serves an hour.")] = None,
    peak_factor: Annotated[float | None, typer.Option(help="Busiest hour over the average hour.")] = None,
    duration_ms: Annotated[float | None, typer.Option(help="The model's time per request, in ms.")] = None,
    payload_kb: Annotated[float | None, typer.Option(help="Size of a request and of its response, in KB.")] = None,
    latency_goal_ms: Annotated[float | None, typer.Option(help="The latency callers need, in ms.")] = None,
) -> None:
    """Estimate what the platform costs a month, resource by resource, with the cheapest serving option per
    endpoint; given two configs, what changing the first into the second costs. The flags override the
    config's traffic section; every assumption is printed."""
    from ..cost import bundled_prices, compare, estimate, read_offer_file

    table = bundled_prices()
    if prices is not None:
        table = table.merged(read_offer_file(prices))
    flags: dict[str, object] = {
        "requests_per_month": requests_per_month,
        "requests_per_hour": requests_per_hour,
        "peak_factor": peak_factor,
        "avg_duration_ms": duration_ms,
        "payload_kb": payload_kb,
        "latency_goal_ms": latency_goal_ms,
    }
    if requests_per_month is not None and requests_per_hour is not None:
        from ..errors import UsageError

        raise UsageError("--requests-per-month and --requests-per-hour: give one")
    first = common.config_file(config, config_opt)

    def of(path: Path) -> "Estimate":
        return estimate(common.load_config(path), path.parent, prices=table, traffic=flags)

    old = of(first)
    if new is None:
        if as_json:
            _json(old.as_json())
        else:
            _table(first, old)
        return
    diff = compare(old, of(new))
    if as_json:
        _json({"old": str(first), "new": str(new), **diff.as_json()})
    else:
        _difference(first, new, diff)


def _json(data: dict[str, object]) -> None:
    import json

    typer.echo(json.dumps(data, indent=2, ensure_ascii=False))


def _table(config: Path, e: "Estimate") -> None:
    from ..cost import usd

    band = ""
    if abs(e.monthly_high_usd - e.monthly_low_usd) >= 0.005:
        band = f" (autoscaling band {usd(e.monthly_low_usd)} – {usd(e.monthly_high_usd)})"
    typer.echo(f"{config}: {e.platform} in {e.region}: {usd(e.monthly_total_usd)} a month{band}")
    t, default = e.traffic, set(e.defaults)
    said = ", ".join(
        f"{label} {value}" + (" (default)" if name in default else "")
        for name, label, value in (
            ("requests_per_month", "requests a month", f"{t.monthly_requests:,.0f}"),
            ("peak_factor", "peak factor", f"{t.peak_factor:g}"),
            ("avg_duration_ms", "duration", f"{t.avg_duration_ms:g} ms"),
            ("payload_kb", "payload", f"{t.payload_kb:g} KB"),
            ("instance_utilization", "utilisation", f"{t.instance_utilization:g}"),
            ("batch_run_minutes", "batch run", f"{t.batch_run_minutes:g} min"),
            ("monitor_run_minutes", "monitor job", f"{t.monitor_run_minutes:g} min"),
        )
    )
    typer.echo(f"assumptions (each endpoint, 730 h a month): {said}")
    for name, own in t.endpoints.items():
        given = own.model_dump(exclude_none=True).items()
        typer.echo(f"  endpoint {name}'s own: " + ", ".join(f"{k} {v:,.10g}" for k, v in given))
    width = max((len(i.resource) for i in e.items), default=10)
    typer.echo("")
    for i in e.items:
        typer.echo(f"  {i.resource:<{width}}  {usd(i.monthly_usd):>11}  {i.basis}")
    typer.echo(f"  {'total':<{width}}  {usd(e.monthly_total_usd):>11}")
    for adv in e.endpoints:
        typer.echo("")
        typer.echo(f"endpoint {adv.endpoint}: recommended {adv.recommended}: {adv.reason}")
        for o in adv.options:
            mark = "*" if o.option == adv.recommended else " "
            fits = "" if o.fits else " (does not fit)"
            typer.echo(
                f"  {mark} {o.option:<28} {usd(o.monthly_usd):>11}{fits}  {o.basis}" + (f"; {o.note}" if o.note else "")
            )
    if e.notes:
        typer.echo("")
        for n in e.notes:
            typer.echo(f"note: {n}")


def _difference(old: Path, new: Path, diff: "Difference") -> None:
    from ..cost import usd

    sign = "+" if diff.delta_usd >= 0 else "-"
    typer.echo(
        f"{old} → {new}: {usd(diff.old.monthly_total_usd)} → {usd(diff.new.monthly_total_usd)} a month "
        f"({sign}{usd(abs(diff.delta_usd))})"
    )
    if not diff.lines:
        typer.echo("  no line changes")
    width = max((len(line.resource) for line in diff.lines), default=10)
    for line in diff.lines:
        before = "-" if line.old_usd is None else usd(line.old_usd)
        after = "-" if line.new_usd is None else usd(line.new_usd)
        d = line.delta_usd
        typer.echo(f"  {line.resource:<{width}}  {before:>11} → {after:>11}  {'+' if d >= 0 else '-'}{usd(abs(d))}")
