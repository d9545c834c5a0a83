"""The ``mlinfra`` command line: flags mapped onto library calls, typed errors turned into messages.

One module per command group, each with its own ``app``, put together here in the order of
``mlinfra --help``; the library's typed errors become messages and exit codes in one place,
:mod:`mlinfra.cli.errors` (the root group runs every command inside it). Library modules are imported
inside the commands, so ``mlinfra --help`` stays fast, and only commands that talk to AWS ever import boto3.
"""

from __future__ import annotations

import typer

from . import batch, deploy, endpoint, models, monitor, render
from .errors import Group

app = typer.Typer(
    name="mlinfra",
    help="Describe an ML inference platform on AWS in one YAML file; render it as Terraform and operate it.",
    cls=Group,
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    # Plain click help: rich's formatter costs ~60 ms of imports on every --help.
    rich_markup_mode=None,
)
# validate, render; deploy, destroy; promote, rollback, status, invoke, invoke-async: mlinfra's own commands.
for commands in (render.app, deploy.app, endpoint.app):
    app.add_typer(commands)
app.add_typer(monitor.app, name="monitor")
app.add_typer(monitor.metrics_app, name="metrics")
app.add_typer(batch.app, name="batch")
app.add_typer(models.app, name="models")

__all__ = ["app", "main"]


def main() -> None:
    """Console-script entry point."""
    app(prog_name="mlinfra")
