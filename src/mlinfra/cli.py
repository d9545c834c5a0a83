"""The ``mlinfra`` command line: flags mapped onto library calls, typed errors turned into messages.

Library modules are imported inside the commands, so ``mlinfra --help`` stays fast, and only commands
that talk to AWS (deploy, promote, status, invoke) ever import boto3.
"""

from __future__ import annotations

import sys
from datetime import UTC
from pathlib import Path
from typing import Annotated, NoReturn

import typer

app = typer.Typer(
    name="mlinfra",
    help="Describe an ML inference platform on AWS in one YAML file; render it as Terraform and operate it.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    # Plain click help: rich's formatter costs ~60 ms of imports on every --help.
    rich_markup_mode=None,
)

ConfigArg = Annotated[Path, typer.Argument(help="Platform config file.", show_default=True)]
DEFAULT_CONFIG = Path("mlinfra.yaml")
DEFAULT_OUT = Path("build/terraform")


def _fail(exc: Exception) -> NoReturn:
    """Print a library error (every problem on its own line) and exit with its code."""
    from .errors import ConfigError, MlinfraError

    lines = [str(p) for p in exc.problems] if isinstance(exc, ConfigError) else [str(exc)]
    for line in lines:
        typer.secho(f"error: {line}", fg=typer.colors.RED, err=True)
    raise typer.Exit(exc.exit_code if isinstance(exc, MlinfraError) else 1)


def _load_config(config: Path):  # -> PlatformConfig, imported lazily
    """Load a config; print what was read in a forgiving way (yellow, on stderr), also when it fails."""
    from .pipeline import load_config

    return _warning(load_config, config)


def _resolve(config: Path | None, *args, **kwargs):  # -> ops.target.Target
    """The endpoint a command acts on (ops.target.resolve), with the config's warnings printed."""
    from .ops.target import resolve

    return _warning(resolve, config, *args, **kwargs)


def _config_of_plan(config: Path | None) -> Path:
    """The config an endpoint's plan was read from: ``_resolve`` has a plan only when a config was given."""
    assert config is not None, "an endpoint plan without a config"
    return config


def _pipeline(config: Path | None, state_machine: str | None):  # -> batch.run.Pipeline
    from .batch.run import pipeline

    return _warning(pipeline, config, state_machine)


def _warning(load, *args, **kwargs):
    """``load(*args, warnings=sink, **kwargs)``, then every warning of the sink printed (also when it raised)."""
    warnings: list = []
    try:
        return load(*args, warnings=warnings, **kwargs)
    finally:
        for w in warnings:
            typer.secho(f"warning: {w}", fg=typer.colors.YELLOW, err=True)


@app.command()
def validate(config: ConfigArg = DEFAULT_CONFIG) -> None:
    """Check a config file; print a one-line summary, or every problem as FILE:LINE: field: message."""
    from .errors import MlinfraError

    try:
        cfg = _load_config(config)
    except MlinfraError as exc:
        _fail(exc)
    from .config.model import ComponentsEndpoint
    from .fleet.check import packing_report

    classic = [e for e in cfg.endpoints if not isinstance(e, ComponentsEndpoint)]
    deployed = sum(len(e.variants) + (1 if e.shadow else 0) for e in classic)
    components = sum(len(e.components) for e in cfg.endpoints if isinstance(e, ComponentsEndpoint))
    deprecated = sum(1 for m in cfg.models if m.status == "deprecated")
    counts = [
        _count(len(cfg.models), "model version") + f" ({deprecated} deprecated)",
        _count(len(cfg.endpoints), "endpoint"),
    ]
    counts += [_count(deployed, "variant")] if deployed or not components else []
    counts += [_count(components, "inference component")] if components else []
    typer.echo(
        f"{config}: valid — {cfg.project.name}-{cfg.project.environment} in {cfg.project.region}: " + ", ".join(counts)
    )
    for line in packing_report(cfg):
        typer.echo(line)


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")


@app.command()
def render(
    config: ConfigArg = DEFAULT_CONFIG,
    out: Annotated[Path, typer.Option("--out", "-o", help="Output folder (written atomically).")] = DEFAULT_OUT,
    check: Annotated[
        bool, typer.Option("--check", help="Write nothing; exit 1 when OUT differs from what would be written.")
    ] = False,
) -> None:
    """Render the Terraform root module and its modules into OUT."""
    from .errors import MlinfraError
    from .pipeline import render_project
    from .write import diff_tree, write_tree

    try:
        rendered = render_project(_load_config(config), config.parent)
        summary = f"{rendered.modules} modules, {rendered.resources} resources, {rendered.endpoints} endpoints"
        if check:
            drift = diff_tree(rendered.files, out)
            if drift:
                for label, names in (("missing", drift.added), ("stale", drift.removed), ("differs", drift.changed)):
                    for name in names:
                        typer.echo(f"{label}: {out / name}", err=True)
                typer.secho(f"{out} is out of date with {config}: run mlinfra render", fg=typer.colors.RED, err=True)
                raise typer.Exit(1)
            typer.echo(f"{out} is up to date ({summary})")
            return
        write_tree(rendered.files, out)
    except MlinfraError as exc:
        _fail(exc)
    typer.echo(f"rendered {out}: {summary}")


# --- terraform ------------------------------------------------------------------------------------------

TerraformOpt = Annotated[
    str | None, typer.Option("--terraform", help="terraform or tofu binary (default: terraform, then tofu, on PATH).")
]
AutoApprove = Annotated[
    bool, typer.Option("--auto-approve", help="Apply without asking (required without a terminal).")
]
OutOpt = Annotated[Path, typer.Option("--out", "-o", help="Rendered Terraform folder (the working directory).")]


def _terraform_workflow(
    config: Path,
    out: Path,
    terraform: str | None,
    *,
    destroy: bool,
    auto_approve: bool,
    plan_only: bool,
    workspace: str | None,
) -> None:
    from .errors import MlinfraError
    from .ops.terraform import Terraform, find_terraform, run_workflow
    from .pipeline import render_project
    from .write import write_tree

    try:
        cfg = _load_config(config)
        if not destroy:
            from .registry.lifecycle import require_approved

            # registry.require_approval: no traffic for a version without an Approved package (no AWS call without it).
            require_approved(cfg, _clients(None, cfg.project.region))
        binary = find_terraform(terraform)
        rendered = render_project(cfg, config.parent)
        write_tree(rendered.files, out)
        typer.echo(f"rendered {out}: {rendered.modules} modules, {rendered.resources} resources")
        confirm = None
        if sys.stdin.isatty():
            verb = "Destroy" if destroy else "Apply"
            confirm = lambda summary: typer.confirm(f"{verb} this plan ({summary})?", default=False)  # noqa: E731
        outcome = run_workflow(
            Terraform(binary, out),
            destroy=destroy,
            plan_only=plan_only,
            auto_approve=auto_approve,
            confirm=confirm,
            workspace=workspace,
        )
    except MlinfraError as exc:
        _fail(exc)
    typer.echo(f"plan: {outcome.summary}")
    if outcome.summary.empty:
        typer.echo("no changes")
    elif not outcome.applied:
        typer.echo(f"plan saved in {out}/mlinfra.tfplan; not applied (--plan-only)")
    else:
        typer.echo("destroyed" if destroy else "applied")
        for name, value in outcome.outputs.items():
            typer.echo(f"  {name} = {value}")


@app.command()
def deploy(
    config: ConfigArg = DEFAULT_CONFIG,
    out: OutOpt = DEFAULT_OUT,
    auto_approve: AutoApprove = False,
    plan_only: Annotated[
        bool, typer.Option("--plan-only", help="Stop after the plan (saved to OUT/mlinfra.tfplan).")
    ] = False,
    workspace: Annotated[
        str | None, typer.Option("--workspace", help="Terraform workspace (created if missing).")
    ] = None,
    terraform: TerraformOpt = None,
) -> None:
    """Render, then terraform init, plan, confirm and apply that plan; terraform's exit code becomes ours."""
    _terraform_workflow(
        config, out, terraform, destroy=False, auto_approve=auto_approve, plan_only=plan_only, workspace=workspace
    )


@app.command()
def destroy(
    config: ConfigArg = DEFAULT_CONFIG,
    out: OutOpt = DEFAULT_OUT,
    auto_approve: AutoApprove = False,
    workspace: Annotated[str | None, typer.Option("--workspace", help="Terraform workspace.")] = None,
    terraform: TerraformOpt = None,
) -> None:
    """Render, then plan the destruction of everything, confirm, and apply it."""
    _terraform_workflow(
        config, out, terraform, destroy=True, auto_approve=auto_approve, plan_only=False, workspace=workspace
    )


# --- live endpoint operations ---------------------------------------------------------------------------

OptionalConfig = Annotated[
    Path | None,
    typer.Argument(help="Platform config: names the endpoint and its alarms, and is kept in step with live traffic."),
]
EndpointOpt = Annotated[
    str | None, typer.Option("--endpoint", help="Endpoint: its name in CONFIG, or the SageMaker endpoint name.")
]
VariantOpt = Annotated[str, typer.Option("--variant", help="The canary variant.")]
ProfileOpt = Annotated[str | None, typer.Option("--profile", help="AWS profile (default: AWS_PROFILE).")]
RegionOpt = Annotated[
    str | None,
    typer.Option("--region", help="AWS region (default: the config's region; without a config, AWS_REGION)."),
]


def _clients(profile: str | None, region: str | None):  # -> Clients, imported lazily
    from .ops.aws import AwsOptions, Clients

    return Clients(AwsOptions(profile=profile, region=region))


def _clock():
    from .ops.endpoint import SystemClock

    return SystemClock()


@app.command()
def promote(
    config: OptionalConfig = None,
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
    from .errors import MlinfraError, UsageError
    from .ops import config_edit
    from .ops.endpoint import promote as do_promote
    from .ops.traffic import parse_duration, parse_steps

    if component is not None or copies is not None:
        _promote_component(
            config, endpoint, component, copies, (canary, steps, full), bake, poll, dry_run, profile, region
        )
        return
    try:
        chosen = [x for x in (canary is not None, steps is not None, full) if x]
        if len(chosen) != 1:
            raise UsageError("give exactly one of --canary PCT, --steps LIST or --full")
        plan_steps = [canary] if canary is not None else parse_steps(steps) if steps is not None else [100.0]
        if not 0 <= plan_steps[0] <= 100:
            raise UsageError(f"--canary takes 0-100, got {plan_steps[0]:g}")
        t = _resolve(config, endpoint, variant)
        name, ep = t.endpoint, t.plan
        if t.components is not None:
            raise UsageError(
                f"{name} hosts inference components, which have no variant weights: set copies with --component NAME --copies N"
            )
        if ep is not None and plan_steps[-1] > 0 and not dry_run:
            from .pipeline import load_config
            from .registry.lifecycle import require_approved

            canary_versions = [v.model.version for v in ep.variants if v.name == variant]
            # resolve() has printed the config's warnings already.
            require_approved(
                load_config(_config_of_plan(config)), _clients(profile, region or t.region), canary_versions
            )
        writeback = (
            (lambda w: config_edit.write_weights(_config_of_plan(config), ep.label, w))
            if ep is not None and not dry_run
            else (lambda w: None)
        )
        result = do_promote(
            _clients(profile, region or t.region),
            _clock(),
            name,
            variant,
            plan_steps,
            t.guard,
            bake_seconds=parse_duration(bake),
            poll_seconds=parse_duration(poll),
            dry_run=dry_run,
            report=typer.echo,
            on_change=writeback,
        )
        if dry_run:
            for i, w in enumerate(result.steps, 1):
                typer.echo(
                    f"would set step {i}/{len(result.steps)}: " + ", ".join(f"{n} {x:g} %" for n, x in w.items())
                )
            return
        if full and ep is not None:
            version, demoted = config_edit.promote_version(_config_of_plan(config), ep.label, variant, result.after)
            typer.echo(
                f"{config}: model {version} is now production"
                + "".join(f"; {v} is now {s}" for v, s in demoted.items())
            )
    except MlinfraError as exc:
        _fail(exc)
    typer.echo(f"{name}: " + ", ".join(f"{n} {x:g} %" for n, x in result.after.items()))
    if ep is not None:
        typer.echo(f"{config}: weights updated to match")


def _promote_component(
    config, endpoint, component, copies, traffic_options, bake, poll, dry_run, profile, region
) -> None:
    from .errors import MlinfraError, UsageError
    from .ops import config_edit
    from .ops.components import check_copies, component_named, scale
    from .ops.traffic import parse_duration

    try:
        canary, steps, full = traffic_options
        if component is None or copies is None:
            raise UsageError("--component and --copies go together")
        if canary is not None or steps is not None or full:
            raise UsageError(
                "--component/--copies set copy counts; --canary, --steps and --full shift variant weights: give one or the other"
            )
        try:
            counts = [int(c) for c in copies.split(",") if c.strip()]
        except ValueError:
            raise UsageError(f"--copies takes whole numbers such as 2 or 2,4,8, got {copies!r}") from None
        if not counts:
            raise UsageError("--copies needs at least one count")
        t = _resolve(config, endpoint, component=component)
        if config is not None and t.components is None:
            raise UsageError(
                f"{config}: {t.endpoint} has production variants, not inference components: use --canary, --steps or --full"
            )
        ic = component
        writeback: tuple[str, str, int] | None = None  # (config endpoint, config component, the count it has)
        if t.components is not None:
            me = component_named(t.components, component)
            ic = me.name
            check_copies(t.components, ic, counts)
            writeback = (t.components.label, me.label, me.copies)
        not_written = None
        if writeback is not None and not dry_run and counts[-1] != writeback[2]:
            # Before any call: a count the live fleet takes may not be one the config can say.
            try:
                config_edit.check_copies_writable(config, writeback[0], writeback[1], counts[-1])
            except config_edit.ConfigEditError as exc:
                not_written = str(exc)
                typer.secho(
                    f"warning: {not_written}; the live copies will be changed, the config's copies will not",
                    fg=typer.colors.YELLOW,
                    err=True,
                )
        result = scale(
            _clients(profile, region or t.region),
            _clock(),
            t.endpoint,
            ic,
            counts,
            t.guard,
            bake_seconds=parse_duration(bake),
            poll_seconds=parse_duration(poll),
            dry_run=dry_run,
            report=typer.echo,
        )
    except MlinfraError as exc:
        _fail(exc)
    if dry_run:
        typer.echo(f"would set {ic}: {result.before} → " + " → ".join(str(n) for n in result.steps) + " copies")
        return
    typer.echo(f"{t.endpoint}: {ic} at {result.after} copies (was {result.before})")
    if writeback is None or result.after == writeback[2]:
        return
    if not_written is not None:
        typer.secho(
            f"{config}: copies of {writeback[1]} stay {writeback[2]} (see the warning above)", fg=typer.colors.YELLOW
        )
        return
    try:
        config_edit.write_copies(config, writeback[0], writeback[1], result.after)
    except MlinfraError as exc:
        _fail(exc)
    typer.echo(f"{config}: copies of {writeback[1]} updated to {result.after}")


@app.command()
def rollback(
    config: OptionalConfig = None,
    endpoint: EndpointOpt = None,
    variant: VariantOpt = "canary",
    profile: ProfileOpt = None,
    region: RegionOpt = None,
) -> None:
    """Send the canary no traffic (the others share it in proportion); allowed while alarms fire."""
    from .errors import MlinfraError, UsageError
    from .ops import config_edit
    from .ops.endpoint import rollback as do_rollback

    try:
        t = _resolve(config, endpoint, variant)
        name, ep = t.endpoint, t.plan
        if t.components is not None:
            raise UsageError(
                f"{name} hosts inference components, which have no variant weights: set copies with promote --component NAME --copies N"
            )
        result = do_rollback(_clients(profile, region or t.region), _clock(), name, variant, report=typer.echo)
        if ep is not None and result.changed:
            config_edit.write_weights(_config_of_plan(config), ep.label, result.after)
    except MlinfraError as exc:
        _fail(exc)
    state = "rolled back" if result.changed else "already at 0 %"
    typer.echo(f"{name}: {variant} {state}: " + ", ".join(f"{n} {x:g} %" for n, x in result.after.items()))


@app.command()
def status(
    config: OptionalConfig = None,
    endpoint: EndpointOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
    components: Annotated[
        bool, typer.Option("--components", help="Without a config: the endpoint hosts inference components.")
    ] = False,
    profile: ProfileOpt = None,
    region: RegionOpt = None,
) -> None:
    """Endpoint state, variants (or inference components), alarms, last hour's metrics; exit 3 when config and live differ."""
    import json

    from .errors import MlinfraError
    from .ops.status import status_report

    try:
        t = _resolve(config, endpoint)
        if t.components is not None or components:
            from .ops.components import status_report as components_report

            report = components_report(_clients(profile, region or t.region), t.endpoint, t.components, t.guard)
        else:
            report = status_report(_clients(profile, region or t.region), t)
    except MlinfraError as exc:
        _fail(exc)
    if "components" in report:
        _print_components_status(report, as_json)
        return
    if as_json:
        typer.echo(json.dumps(report, indent=2, sort_keys=True))
    else:
        typer.echo(f"{report['endpoint']}: {report['status']} (config {report['endpoint_config']})")
        for v in report["variants"]:
            typer.echo(
                f"  {v['name']}: {v['weight_percent']:g} % (desired {v['desired_weight_percent']:g} %), "
                f"instances {v['instances']}/{v['desired_instances']}, last hour: {_num(v['invocations_1h'])} invocations, "
                f"{_num(v['errors_5xx_1h'])} 5XX, p99 {_num(v['latency_p99_ms_1h'])} ms"
            )
        _print_alarms_and_drift(report)
    if report["drift"]:
        raise typer.Exit(3)


def _print_alarms_and_drift(report: dict) -> None:
    for alarm, state in report["alarms"].items():
        typer.echo(f"  alarm {alarm}: {state}")
    for d in report["drift"]:
        typer.secho(f"  drift: {d}", fg=typer.colors.YELLOW)


def _print_components_status(report: dict, as_json: bool) -> None:
    import json

    if as_json:
        typer.echo(json.dumps(report, indent=2, sort_keys=True))
    else:
        typer.echo(f"{report['endpoint']}: {report['status']} (config {report['endpoint_config']})")
        for f in report["fleet"]:
            typer.echo(f"  fleet {f['variant']}: instances {f['instances']}/{f['desired_instances']}")
        for c in report["components"]:
            typer.echo(
                f"  component {c['name']}: {c['status']}, copies {c['copies']}/{c['desired_copies']}, model {c['model']}, "
                f"last hour: {_num(c['invocations_1h'])} invocations, {_num(c['errors_5xx_1h'])} 5XX, p99 {_num(c['latency_p99_ms_1h'])} ms"
            )
        _print_alarms_and_drift(report)
    if report["drift"]:
        raise typer.Exit(3)


def _num(value: object) -> str:
    return "-" if value is None else f"{value:g}"


# The request body of invoke and invoke-async (read by _request_body).
DataOpt = Annotated[str | None, typer.Option("--data", help="Request body (e.g. JSON).")]
FileOpt = Annotated[Path | None, typer.Option("--file", help="Read the request body from a file.")]
ContentTypeOpt = Annotated[str, typer.Option("--content-type", help="Content type of the body.")]


def _request_body(data: str | None, file: Path | None) -> bytes:
    """The body of ``invoke`` and ``invoke-async``: exactly one of --data or --file."""
    from .errors import UsageError

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
    from .errors import MlinfraError, UsageError
    from .ops.endpoint import invoke as do_invoke

    try:
        body = _request_body(data, file)
        if variant is not None and component is not None:
            raise UsageError("give --variant or --component, not both")
        result = do_invoke(_clients(profile, region), endpoint, body, content_type, variant, component=component)
    except MlinfraError as exc:
        _fail(exc)
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
    from .errors import MlinfraError
    from .ops.async_invoke import invoke_async as do_invoke

    try:
        body = _request_body(data, file)
        result = do_invoke(_clients(profile, region), endpoint, body, content_type, input_location)
    except MlinfraError as exc:
        _fail(exc)
    typer.echo(result.output_location or "")
    typer.echo(
        f"input: {result.input_location}, failures: {result.failure_location or '-'}, inference id: {result.inference_id or '-'}",
        err=True,
    )


# --- monitoring: Model Monitor baselines, drift of captured traffic, custom metrics ---------------------
# numpy, pyarrow and boto3 are imported inside the commands only (--help, validate and render never pay).

monitor_app = typer.Typer(
    help="Model Monitor baselines and drift of captured endpoint traffic, offline.",
    no_args_is_help=True,
    rich_markup_mode=None,
)
metrics_app = typer.Typer(
    help="The platform's custom CloudWatch metrics (namespace MLInference).",
    no_args_is_help=True,
    rich_markup_mode=None,
)
app.add_typer(monitor_app, name="monitor")
app.add_typer(metrics_app, name="metrics")

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


@monitor_app.command("baseline")
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
    from .errors import MlinfraError
    from .monitoring.baseline import CONSTRAINTS, STATISTICS, compute_baseline, write_baseline

    try:
        size = data.stat().st_size if data.is_file() else 0
    except OSError:
        size = 0
    bar = _ProgressLine() if progress or (sys.stderr.isatty() and size >= PROGRESS_MIN_BYTES) else None
    try:
        try:
            baseline = compute_baseline(data, progress=bar)
        finally:
            if bar is not None:
                bar.close()
        write_baseline(baseline, out)
    except MlinfraError as exc:
        _fail(exc)
    for warning in baseline.warnings:
        typer.secho(f"warning: {warning}", fg=typer.colors.YELLOW, err=True)
    kinds: dict[str, int] = {}
    for f in baseline.statistics["features"]:
        kinds[f["inferred_type"]] = kinds.get(f["inferred_type"], 0) + 1
    summary = ", ".join(f"{n} {k}" for k, n in sorted(kinds.items()))
    typer.echo(
        f"wrote {out / STATISTICS} and {out / CONSTRAINTS}: {baseline.rows:,} rows, {len(baseline.statistics['features'])} features ({summary})"
    )


@monitor_app.command("drift")
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
    from .errors import MlinfraError
    from .monitoring.baseline import load_baseline
    from .monitoring.capture import CaptureStats, read_capture
    from .monitoring.drift import Thresholds, drift_report, feature_names

    capture = CaptureStats()
    published = None
    try:
        statistics, constraints = load_baseline(baseline)
        rows = read_capture(captures, feature_names(statistics), capture)
        limits = Thresholds(psi=psi_threshold, ks=ks_threshold, linf=linf_threshold)
        report = drift_report(statistics, constraints, rows, capture, limits, source=str(baseline / "statistics.json"))
        if publish:
            from .monitoring.metrics import feature_drift, utc_now
            from .monitoring.metrics import publish as send

            now = utc_now()
            data = [feature_drift(f["name"], f["drift"], now) for f in report.features if f["drift"] is not None]
            published = send(_clients(profile, region).cloudwatch, data)
    except MlinfraError as exc:
        _skipped(capture.problems)
        _fail(exc)
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
    from .errors import MlinfraError
    from .monitoring.metrics import batches, publish, read_metrics_file

    try:
        data = read_metrics_file(file)
        if dry_run:
            sizes = [len(b) for b in batches(data)]
            typer.echo(
                f"would publish {len(data)} data points to {namespace} in {len(sizes)} call(s): {', '.join(map(str, sizes))}"
            )
            return
        result = publish(_clients(profile, region).cloudwatch, data, namespace=namespace)
    except MlinfraError as exc:
        _fail(exc)
    typer.echo(f"published {result.data} data points to {result.namespace} in {result.calls} call(s)")


# --- batch: the batch transform pipeline ----------------------------------------------------------------

batch_app = typer.Typer(
    help="Batch transform: start runs of the batch pipeline and follow them.",
    no_args_is_help=True,
    rich_markup_mode=None,
)
app.add_typer(batch_app, name="batch")

BatchConfigOpt = Annotated[
    Path,
    typer.Option("--config", "-c", help="Platform config (names the state machine <project>-<environment>-batch)."),
]
StateMachineOpt = Annotated[
    str | None, typer.Option("--state-machine", help="State machine ARN (instead of the config's naming).")
]


@batch_app.command("submit")
def batch_submit(
    input_uri: Annotated[str, typer.Option("--input", help="S3 prefix to transform, e.g. s3://bucket/in/.")],
    output_uri: Annotated[str, typer.Option("--output", help="S3 prefix for the results.")],
    wait: Annotated[
        bool, typer.Option("--wait", help="Follow the run until it ends; exit 1 unless it succeeds.")
    ] = False,
    name: Annotated[
        str | None, typer.Option("--name", help="Execution name (default: UTC time and a random suffix).")
    ] = None,
    poll: Annotated[str, typer.Option("--poll", help="How often to look while waiting.")] = "30s",
    timeout: Annotated[
        str | None, typer.Option("--timeout", help="Stop waiting after this long (the run goes on).")
    ] = None,
    config: BatchConfigOpt = DEFAULT_CONFIG,
    state_machine: StateMachineOpt = None,
    profile: ProfileOpt = None,
    region: RegionOpt = None,
) -> None:
    """Start a run of the batch pipeline on INPUT, writing to OUTPUT; print its execution ARN."""
    from datetime import datetime

    from .batch import run as batch
    from .errors import MlinfraError
    from .ops.traffic import parse_duration

    try:
        batch.check_s3_uri(input_uri, "--input")
        batch.check_s3_uri(output_uri, "--output")
        poll_s = parse_duration(poll)
        timeout_s = parse_duration(timeout) if timeout is not None else None
        target = _pipeline(None if state_machine else config, state_machine)
        clients = _clients(profile, region or target.region)
        arn = batch.submit(
            clients,
            target.resolve(clients),
            input_uri,
            output_uri,
            name or batch.new_execution_name(datetime.now(UTC)),
        )
        typer.echo(f"started {arn}")
        if wait:
            result = batch.wait(
                clients, _clock(), arn, poll_seconds=poll_s, timeout_seconds=timeout_s, report=typer.echo
            )
            typer.echo(f"{result.name}: {result.status}; results in {result.output_uri}")
    except MlinfraError as exc:
        _fail(exc)


@batch_app.command("status")
def batch_status(
    execution: Annotated[
        str | None, typer.Argument(help="Execution name or ARN (default: list the latest runs).")
    ] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, max=1000, help="How many runs to list.")] = 10,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
    config: BatchConfigOpt = DEFAULT_CONFIG,
    state_machine: StateMachineOpt = None,
    profile: ProfileOpt = None,
    region: RegionOpt = None,
) -> None:
    """One run (its states, input, output, error) or the latest runs of the batch pipeline."""
    import json

    from .batch import run as batch
    from .errors import MlinfraError

    try:
        if execution is not None and execution.startswith("arn:"):
            clients = _clients(profile, region or execution.split(":")[3])
            arn = execution
        else:
            target = _pipeline(None if state_machine else config, state_machine)
            clients = _clients(profile, region or target.region)
            if execution is None:
                runs = batch.recent(clients, target.resolve(clients), limit)
                if as_json:
                    typer.echo(json.dumps(runs, indent=2, sort_keys=True))
                    return
                if not runs:
                    typer.echo(f"{target.name}: no runs yet")
                for r in runs:
                    typer.echo(
                        f"{r['name']}  {r['status']:<9}  started {r['started']}"
                        + (f"  stopped {r['stopped']}" if r["stopped"] else "")
                    )
                return
            arn = batch.execution_arn(target.resolve(clients), execution)
        found = batch.describe(clients, arn)
    except MlinfraError as exc:
        _fail(exc)
    if as_json:
        typer.echo(json.dumps(found.to_json(), indent=2, sort_keys=True))
        return
    typer.echo(
        f"{found.name}: {found.status}"
        + (f" in {found.current_state}" if found.status == "RUNNING" and found.current_state else "")
    )
    typer.echo(f"  transform job: {found.job_name}")
    typer.echo(f"  input: {found.input_uri}\n  output: {found.output_uri}")
    typer.echo(f"  started: {found.started}" + (f", stopped: {found.stopped}" if found.stopped else ""))
    for v in found.states:
        typer.echo(
            f"  {v.entered}  {v.name}" + ("" if v.exited else "  (running)" if found.status == "RUNNING" else "")
        )
    if found.error:
        typer.secho(f"  error: {found.error}" + (f": {found.cause}" if found.cause else ""), fg=typer.colors.RED)


# --- models: the model registry and its quality gate ----------------------------------------------------

models_app = typer.Typer(
    help="Model registry: quality gate, SageMaker model packages, approval, the lifecycle table.",
    no_args_is_help=True,
    rich_markup_mode=None,
)
app.add_typer(models_app, name="models")

ModelsConfigOpt = Annotated[
    Path, typer.Option("--config", "-c", help="Platform config (its models, registry and endpoints).")
]
VersionArg = Annotated[str, typer.Argument(help="Model version, as listed in the config's models.")]
MetricsOpt = Annotated[
    Path | None,
    typer.Option(
        "--metrics", help='JSON file of metrics, e.g. {"accuracy": 0.91}; overrides the config\'s for this version.'
    ),
]


def _metrics_file(path: Path | None) -> dict[str, float] | None:
    import json
    import math

    from .errors import UsageError

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


@models_app.command("validate")
def models_validate(
    version: VersionArg,
    metrics: MetricsOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
    config: ModelsConfigOpt = DEFAULT_CONFIG,
) -> None:
    """Run the quality gate on VERSION, offline: exit 0 when it passes, 1 when it fails (for CI)."""
    import json

    from .errors import MlinfraError
    from .registry.packages import validate as run_gate

    try:
        result = run_gate(_load_config(config), version, _metrics_file(metrics))
    except MlinfraError as exc:
        _fail(exc)
    if as_json:
        typer.echo(json.dumps(result.to_json(), indent=2, sort_keys=True))
    else:
        typer.echo(
            f"{version}: {result.summary()}" + (f" (production: {result.production})" if result.production else "")
        )
        _gate_lines(result)
    if not result.passed:
        raise typer.Exit(1)


@models_app.command("register")
def models_register(
    version: VersionArg,
    metrics: MetricsOpt = None,
    config: ModelsConfigOpt = DEFAULT_CONFIG,
    profile: ProfileOpt = None,
    region: RegionOpt = None,
) -> None:
    """Record VERSION as a model package: PendingManualApproval if it passes the gate, else Rejected (exit 1)."""
    from .errors import MlinfraError
    from .registry.packages import register

    try:
        cfg = _load_config(config)
        done = register(_clients(profile, region or cfg.project.region), cfg, version, _metrics_file(metrics))
    except MlinfraError as exc:
        _fail(exc)
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
    from .errors import MlinfraError
    from .registry.packages import set_status

    try:
        cfg = _load_config(config)
        p = set_status(_clients(profile, region or cfg.project.region), cfg, version, status, note, deprecate=deprecate)
    except MlinfraError as exc:
        _fail(exc)
    typer.echo(f"{version}: {p.status}" + (" (deprecated)" if p.deprecated else "") + f" — {p.arn}")


NoteOpt = Annotated[str | None, typer.Option("--note", help="Why (kept as the package's ApprovalDescription).")]


@models_app.command("approve")
def models_approve(
    version: VersionArg,
    note: NoteOpt = None,
    config: ModelsConfigOpt = DEFAULT_CONFIG,
    profile: ProfileOpt = None,
    region: RegionOpt = None,
) -> None:
    """Approve VERSION's model package (with require_approval, only approved versions get traffic)."""
    _set_status(version, config, "Approved", note or "approved with mlinfra models approve", profile, region)


@models_app.command("reject")
def models_reject(
    version: VersionArg,
    note: NoteOpt = None,
    config: ModelsConfigOpt = DEFAULT_CONFIG,
    profile: ProfileOpt = None,
    region: RegionOpt = None,
) -> None:
    """Reject VERSION's model package."""
    _set_status(version, config, "Rejected", note or "rejected with mlinfra models reject", profile, region)


@models_app.command("deprecate")
def models_deprecate(
    version: VersionArg,
    note: NoteOpt = None,
    config: ModelsConfigOpt = DEFAULT_CONFIG,
    profile: ProfileOpt = None,
    region: RegionOpt = None,
) -> None:
    """Mark VERSION's package deprecated (Rejected, mlinfra:lifecycle=deprecated): it gets no traffic again."""
    _set_status(
        version, config, "Rejected", note or "deprecated with mlinfra models deprecate", profile, region, deprecate=True
    )


@models_app.command("list")
def models_list(
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
    config: ModelsConfigOpt = DEFAULT_CONFIG,
    profile: ProfileOpt = None,
    region: RegionOpt = None,
) -> None:
    """The registry beside the config's lifecycle: status, traffic per endpoint, metrics, package, approval."""
    import json

    from .errors import MlinfraError
    from .registry.lifecycle import lifecycle
    from .registry.packages import group_name, packages

    try:
        cfg = _load_config(config)
        rows = lifecycle(cfg, packages(_clients(profile, region or cfg.project.region), group_name(cfg)))
    except MlinfraError as exc:
        _fail(exc)
    if as_json:
        typer.echo(json.dumps([r.to_json() for r in rows], indent=2, sort_keys=True))
        return
    table = [("VERSION", "STATUS", "TRAFFIC", "METRICS", "PACKAGE", "APPROVAL")]
    for r in rows:
        shares = ", ".join(f"{k} {v:g} %" for k, v in r.traffic.items() if v > 0 or k.endswith("(shadow)")) or "0 %"
        metrics = ", ".join(f"{k} {v:g}" for k, v in sorted(r.metrics.items())) or "-"
        p = r.package
        approval = "-" if p is None else p.status + (" (deprecated)" if p.deprecated else "")
        table.append(
            (
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
            typer.secho(f"  {r.version}: {note}", fg=typer.colors.YELLOW)


def main() -> None:
    """Console-script entry point."""
    app(prog_name="mlinfra")


if __name__ == "__main__":  # pragma: no cover
    main()
