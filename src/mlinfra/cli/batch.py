"""``batch``: start runs of the batch transform pipeline (a Step Functions state machine) and follow them."""

from pathlib import Path
from typing import Annotated

import typer

from . import common
from .common import ConfigArg, JsonOpt, ProfileOpt, RegionOpt

app = typer.Typer(
    help="Batch transform: start runs of the batch pipeline and follow them.",
    no_args_is_help=True,
    rich_markup_mode=None,
)

# batch status's one positional is EXECUTION (optional too), so its config is -c/--config only.
BatchConfigOpt = Annotated[
    Path | None,
    typer.Option(
        "--config",
        "-c",
        help="Platform config (names the state machine <project>-<environment>-batch) [default: mlinfra.yaml].",
        show_default=False,
    ),
]
StateMachineOpt = Annotated[
    str | None, typer.Option("--state-machine", help="State machine ARN (instead of the config's naming).")
]


def _pipeline(config: Path | None, state_machine: str | None):  # -> batch.run.Pipeline
    from ..batch.run import pipeline

    return common.warning(pipeline, config, state_machine)


@app.command("submit")
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
    config: ConfigArg = None,
    config_opt: BatchConfigOpt = None,
    state_machine: StateMachineOpt = None,
    profile: ProfileOpt = None,
    region: RegionOpt = None,
) -> None:
    """Start a run of the batch pipeline on INPUT, writing to OUTPUT; print its execution ARN."""
    from datetime import UTC, datetime

    from ..batch import run as batch
    from ..ops.traffic import parse_duration

    batch.check_s3_uri(input_uri, "--input")
    batch.check_s3_uri(output_uri, "--output")
    poll_s = parse_duration(poll)
    timeout_s = parse_duration(timeout) if timeout is not None else None
    target = _pipeline(None if state_machine else common.config_file(config, config_opt), state_machine)
    clients = common.clients(profile, region or target.region)
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
            clients, common.clock(), arn, poll_seconds=poll_s, timeout_seconds=timeout_s, report=typer.echo
        )
        typer.echo(f"{result.name}: {result.status}; results in {result.output_uri}")


@app.command("status")
def batch_status(
    execution: Annotated[
        str | None, typer.Argument(help="Execution name or ARN (default: list the latest runs).")
    ] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, max=1000, help="How many runs to list.")] = 10,
    as_json: JsonOpt = False,
    config: BatchConfigOpt = None,
    state_machine: StateMachineOpt = None,
    profile: ProfileOpt = None,
    region: RegionOpt = None,
) -> None:
    """One run (its states, input, output, error) or the latest runs of the batch pipeline."""
    import json

    from ..batch import run as batch

    if execution is not None and execution.startswith("arn:"):
        clients = common.clients(profile, region or execution.split(":")[3])
        arn = execution
    else:
        target = _pipeline(None if state_machine else common.config_file(None, config), state_machine)
        clients = common.clients(profile, region or target.region)
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
