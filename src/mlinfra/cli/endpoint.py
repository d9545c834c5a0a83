"""Live endpoint operations: ``promote``, ``rollback``, ``status``, ``invoke`` and ``invoke-async``."""

from pathlib import Path
from typing import Annotated

import typer

from . import common
from .common import ConfigOpt, JsonOpt, ProfileOpt, RegionOpt, count, num

OptionalConfig = Annotated[
    Path | None,
    typer.Argument(
        help="Platform config: names the endpoint and its alarms, and is kept in step with live traffic "
        "[default: mlinfra.yaml in the current folder, unless --endpoint names a SageMaker endpoint].",
        show_default=False,
    ),
]
EndpointOpt = Annotated[
    str | None, typer.Option("--endpoint", help="Endpoint: its name in CONFIG, or the SageMaker endpoint name.")
]
VariantOpt = Annotated[str, typer.Option("--variant", help="The canary variant.")]

app = typer.Typer()  # merged into mlinfra's own commands


@app.command()
def promote(
    config: OptionalConfig = None,
    config_opt: ConfigOpt = None,
    canary: Annotated[
        float | None, typer.Option("--canary", help="Percentage of traffic for the canary (0-100).")
    ] = None,
    endpoint: EndpointOpt = None,
    variant: VariantOpt = "canary",
    steps: Annotated[str | None, typer.Option("--steps", help="Staged shift, e.g. 10,25,50,100.")] = None,
    bake: Annotated[str, typer.Option("--bake", help="Watch the alarms this long after each step, e.g. 5m.")] = "0",
    poll: Annotated[str, typer.Option("--poll", help="How often to read the alarms while baking.")] = "30s",
    full: Annotated[
        bool, typer.Option("--full", help="Give the canary 100 % and make its model version production in the config.")
    ] = False,
    component: Annotated[
        str | None,
        typer.Option(
            "--component", help="An inference component (endpoints of kind components): change its copy count."
        ),
    ] = None,
    copies: Annotated[
        str | None, typer.Option("--copies", help="With --component: the copy count, or staged counts such as 2,4,8.")
    ] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Print the weights it would set; change nothing.")] = False,
    profile: ProfileOpt = None,
    region: RegionOpt = None,
) -> None:
    """Shift live traffic to the canary variant, refusing while an alarm guarding the endpoint fires.

    On an endpoint with inference components, --component NAME --copies N[,N...] sets that component's
    copy count instead (staged, baked and alarm-gated the same way)."""
    from ..ops.promotion import copy_steps, promote_variant, weight_steps

    config = common.optional_config_file(config, config_opt, endpoint)
    if component is not None or copies is not None:
        counts = copy_steps(component, copies, canary, steps, full)
        assert component is not None  # copy_steps refuses --copies without --component
        _promote_component(config, endpoint, component, counts, bake, poll, dry_run, profile, region)
        return
    plan_steps = weight_steps(canary, steps, full)
    t = common.resolve(config, endpoint, variant)
    with common.interruptible():
        done = promote_variant(
            t,
            common.clients(profile, region or t.region),
            common.clock(),
            variant,
            plan_steps,
            full=full,
            bake=bake,
            poll=poll,
            dry_run=dry_run,
            report=typer.echo,
        )
    if dry_run:
        for i, w in enumerate(done.shift.steps, 1):
            typer.echo(
                f"would set step {i}/{len(done.shift.steps)}: " + ", ".join(f"{n} {x:g} %" for n, x in w.items())
            )
        return
    if done.version is not None:
        typer.echo(
            f"{config}: model {done.version} is now production"
            + "".join(f"; {v} is now {s}" for v, s in done.demoted.items())
        )
    typer.echo(f"{t.endpoint}: " + _split(t, done.shift.after))
    if done.config is not None:
        typer.echo(f"{config}: weights updated to match")


def _promote_component(
    config: Path | None,
    endpoint: str | None,
    component: str,
    counts: list[int],
    bake: str,
    poll: str,
    dry_run: bool,
    profile: str | None,
    region: str | None,
) -> None:
    from ..ops.components import scale
    from ..ops.promotion import follow_copies, plan_copies
    from ..ops.traffic import parse_duration

    t = common.resolve(config, endpoint, component=component)
    change = plan_copies(t, component, counts, dry_run=dry_run)
    if change.not_written is not None:
        typer.secho(
            f"warning: {change.not_written}; the live copies will be changed, the config's copies will not",
            fg=typer.colors.YELLOW,
            err=True,
        )
    result = scale(
        common.clients(profile, region or t.region),
        common.clock(),
        change.endpoint,
        change.component,
        change.steps,
        change.guard,
        bake_seconds=parse_duration(bake),
        poll_seconds=parse_duration(poll),
        dry_run=dry_run,
        report=typer.echo,
    )
    ic = change.component
    if dry_run:
        typer.echo(f"would set {ic}: {result.before} → " + " → ".join(str(n) for n in result.steps) + " copies")
        return
    typer.echo(f"{t.endpoint}: {ic} at {result.after} copies (was {result.before})")
    followed = follow_copies(change, result)
    if followed is None:
        return
    if not followed.written:
        typer.secho(
            f"{followed.config}: copies of {followed.component} stay {followed.copies} (see the warning above)",
            fg=typer.colors.YELLOW,
        )
        return
    typer.echo(f"{followed.config}: copies of {followed.component} updated to {followed.copies}")


@app.command()
def rollback(
    config: OptionalConfig = None,
    config_opt: ConfigOpt = None,
    endpoint: EndpointOpt = None,
    variant: VariantOpt = "canary",
    profile: ProfileOpt = None,
    region: RegionOpt = None,
) -> None:
    """Send the canary no traffic (the others share it in proportion); allowed while alarms fire."""
    from ..ops.promotion import rollback_variant

    config = common.optional_config_file(config, config_opt, endpoint)
    t = common.resolve(config, endpoint, variant)
    with common.interruptible():
        result = rollback_variant(t, common.clients(profile, region or t.region), common.clock(), variant, typer.echo)
    state = "rolled back" if result.changed else "already at 0 %"
    typer.echo(f"{t.endpoint}: {variant} {state}: " + _split(t, result.after))


def _split(t, weights: dict[str, float]) -> str:
    """``production (detection@3.0.0) 80 %, canary (detection@3.1.0) 20 %``: each variant's weight, with the
    model version the config has behind it (when a config was given)."""
    served = {v.name: v.model.ref for v in t.plan.variants} if t.plan is not None else {}
    return ", ".join(f"{n}{f' ({served[n]})' if n in served else ''} {x:g} %" for n, x in weights.items())


@app.command()
def status(
    config: OptionalConfig = None,
    config_opt: ConfigOpt = None,
    endpoint: EndpointOpt = None,
    as_json: JsonOpt = False,
    components: Annotated[
        bool, typer.Option("--components", help="Without a config: the endpoint hosts inference components.")
    ] = False,
    profile: ProfileOpt = None,
    region: RegionOpt = None,
) -> None:
    """Endpoint state, variants (or inference components), alarms, last hour's metrics; exit 3 when config and live differ."""
    import json

    from ..ops.status import status_report

    config = common.optional_config_file(config, config_opt, endpoint)
    t = common.resolve(config, endpoint)
    if t.components is not None or components:
        from ..ops.components import status_report as components_report

        report = components_report(common.clients(profile, region or t.region), t.endpoint, t.components, t.guard)
    else:
        report = status_report(common.clients(profile, region or t.region), t)
    if as_json:
        typer.echo(json.dumps(report, indent=2, sort_keys=True))
    elif "components" in report:
        _print_components(report)
    else:
        _print_variants(report)
    if report["drift"]:
        raise typer.Exit(3)


def _print_variants(report: dict) -> None:
    typer.echo(f"{report['endpoint']}: {report['status']} (config {report['endpoint_config']})")
    for v in report["variants"]:
        typer.echo(
            f"  {v['name']}: {v['weight_percent']:g} % (desired {v['desired_weight_percent']:g} %), "
            f"instances {count(v['instances'])}/{count(v['desired_instances'])}, last hour: {num(v['invocations_1h'])} invocations, "
            f"{num(v['errors_5xx_1h'])} 5XX, p99 {num(v['latency_p99_ms_1h'])} ms"
            + (f"; serves {v['model_version']}" if v.get("model_version") else "")
        )
    _print_alarms_and_drift(report)


def _print_components(report: dict) -> None:
    typer.echo(f"{report['endpoint']}: {report['status']} (config {report['endpoint_config']})")
    for f in report["fleet"]:
        typer.echo(f"  fleet {f['variant']}: instances {count(f['instances'])}/{count(f['desired_instances'])}")
    for c in report["components"]:
        typer.echo(
            f"  component {c['name']}: {c['status']}, copies {count(c['copies'])}/{count(c['desired_copies'])}, model {c['model']}"
            + (f" ({c['model_version']})" if c.get("model_version") else "")
            + ", "
            f"last hour: {num(c['invocations_1h'])} invocations, {num(c['errors_5xx_1h'])} 5XX, p99 {num(c['latency_p99_ms_1h'])} ms"
        )
    _print_alarms_and_drift(report)


def _print_alarms_and_drift(report: dict) -> None:
    for alarm, state in report["alarms"].items():
        typer.echo(f"  alarm {alarm}: {state}")
    for d in report["drift"]:
        typer.secho(f"  drift: {d}", fg=typer.colors.YELLOW)


# The request body of invoke and invoke-async (read by _request_body).
DataOpt = Annotated[str | None, typer.Option("--data", help="Request body (e.g. JSON).")]
FileOpt = Annotated[Path | None, typer.Option("--file", help="Read the request body from a file.")]
ContentTypeOpt = Annotated[str, typer.Option("--content-type", help="Content type of the body.")]


def _request_body(data: str | None, file: Path | None) -> bytes:
    """The body of ``invoke`` and ``invoke-async``: exactly one of --data or --file."""
    from ..errors import UsageError

    if (data is None) == (file is None):
        raise UsageError("give exactly one of --data or --file")
    if file is not None:
        try:
            return file.read_bytes()
        except OSError as exc:
            raise UsageError(f"{file}: {exc.strerror}") from None
    assert data is not None  # exactly one of the two was given
    return data.encode()


@app.command()
def invoke(
    endpoint: Annotated[str, typer.Option("--endpoint", help="SageMaker endpoint name.")],
    data: DataOpt = None,
    file: FileOpt = None,
    variant: Annotated[str | None, typer.Option("--variant", help="Send to this variant (TargetVariant).")] = None,
    component: Annotated[
        str | None, typer.Option("--component", help="Send to this inference component (InferenceComponentName).")
    ] = None,
    content_type: ContentTypeOpt = "application/json",
    profile: ProfileOpt = None,
    region: RegionOpt = None,
) -> None:
    """Call the endpoint once; print the response body, then the variant that answered and the latency."""
    from ..errors import UsageError
    from ..ops.endpoint import invoke as do_invoke

    body = _request_body(data, file)
    if variant is not None and component is not None:
        raise UsageError("give --variant or --component, not both")
    result = do_invoke(common.clients(profile, region), endpoint, body, content_type, variant, component=component)
    typer.echo(result.body.decode("utf-8", errors="replace"))
    typer.echo(f"variant: {result.variant}, latency: {result.latency_ms:g} ms", err=True)


@app.command("invoke-async")
def invoke_async(
    endpoint: Annotated[str, typer.Option("--endpoint", help="SageMaker endpoint name (an asynchronous endpoint).")],
    data: DataOpt = None,
    file: FileOpt = None,
    input_location: Annotated[
        str | None,
        typer.Option(
            "--input-location",
            help="Upload the body here: the endpoint's input_path (a prefix ending with /) or an object's s3:// URI. Default: where the SageMaker Python SDK uploads (sagemaker-REGION-ACCOUNT/async-endpoint-inputs/), which an endpoint without input_path reads.",
        ),
    ] = None,
    content_type: ContentTypeOpt = "application/json",
    profile: ProfileOpt = None,
    region: RegionOpt = None,
) -> None:
    """Upload the body to S3 and queue it (InvokeEndpointAsync); print where the result will land."""
    from ..ops.async_invoke import invoke_async as do_invoke

    body = _request_body(data, file)
    result = do_invoke(common.clients(profile, region), endpoint, body, content_type, input_location)
    typer.echo(result.output_location or "")
    typer.echo(
        f"input: {result.input_location}, failures: {result.failure_location or '-'}, inference id: {result.inference_id or '-'}",
        err=True,
    )
