"""``init``: a commented starter config for a common case, with its JSON Schema beside it (no AWS, no boto3)."""

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from .common import DEFAULT_CONFIG

app = typer.Typer()  # merged into mlinfra's own commands


class Case(StrEnum):
    realtime = "realtime"
    serverless = "serverless"
    batch = "batch"
    inference_components = "inference-components"
    async_ = "async"


@app.command()
def init(
    case: Annotated[Case, typer.Option("--case", help="What the platform serves.")] = Case.realtime,
    output: Annotated[Path, typer.Option("--output", "-o", help="Config file to write.")] = DEFAULT_CONFIG,
    force: Annotated[bool, typer.Option("--force", help="Replace OUTPUT when it exists.")] = False,
) -> None:
    """Write a commented starter config (and mlinfra.schema.json beside it, for the editor)."""
    from ..starters import write_starter

    written = write_starter(case.value, output, force=force)
    typer.echo(f"wrote {written.config} ({case.value}) and {written.schema}")
    typer.echo(f"next: edit it, then `mlinfra validate {written.config}` and `mlinfra render {written.config}`")
