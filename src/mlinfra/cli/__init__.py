"""The ``mlinfra`` command line: flags mapped onto library calls, typed errors turned into messages.

One module per command group, each with its own ``app``, put together here in the order of
``mlinfra --help``; the library's typed errors become messages and exit codes in one place,
:mod:`mlinfra.cli.errors` (the root group runs every command inside it). Library modules are imported
inside the commands, so ``mlinfra --help`` stays fast, and only commands that talk to AWS ever import boto3.

The CLI modules do without ``from __future__ import annotations``: typer reads every command's signature
on every run (``--help`` included) with ``typing.get_type_hints``, which compiles and evaluates each string
annotation (about 700 of them here, ~25 ms); evaluated once at import, they cost a third of that. Types
imported only for the type checker are quoted where used.
"""

import gc
from typing import Annotated

import typer

from . import batch, cost, deploy, endpoint, init, models, monitor, render
from .errors import Group

app = typer.Typer(
    name="mlinfra",
    help="Describe an ML inference platform on AWS in one YAML file; render it as Terraform and operate it.",
    cls=Group,
    no_args_is_help=True,
    # --install-completion / --show-completion: typer imports nothing more for --help with them (measured).
    add_completion=True,
    pretty_exceptions_enable=False,
    # Plain click help: rich's formatter costs ~60 ms of imports on every --help.
    rich_markup_mode=None,
)


def _version(value: bool) -> None:
    if value:
        from importlib.metadata import version

        typer.echo(f"mlinfra {version('mlinfra')}")
        raise typer.Exit()


# Commands that finish in a second or so without AWS: they keep the garbage collector off (see main).
_SHORT = frozenset({"init", "validate", "schema", "render"})


@app.callback()
def _root(
    ctx: typer.Context,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print mlinfra's version and exit.")
    ] = False,
) -> None:
    """Describe an ML inference platform on AWS in one YAML file; render it as Terraform and operate it."""
    if ctx.invoked_subcommand not in _SHORT:
        gc.enable()  # deploy, promote, status, ...: long polls, whose cyclic garbage must be collected


# init, validate, schema, render; cost; deploy, destroy; promote, rollback, status, invoke, invoke-async: mlinfra's own commands.
for commands in (init.app, render.app, cost.app, deploy.app, endpoint.app):
    app.add_typer(commands)
app.add_typer(monitor.app, name="monitor")
app.add_typer(monitor.metrics_app, name="metrics")
app.add_typer(batch.app, name="batch")
app.add_typer(models.app, name="models")

__all__ = ["app", "main"]


def main() -> None:
    """Console-script entry point."""
    # The cyclic garbage collector's passes over the many long-lived objects that pydantic's models, the
    # plan and the templates create cost 10-20 % of a render, more as the fleet grows (each full pass walks
    # every object); validate and render end long before their garbage matters (a 200-endpoint render
    # peaks at the same ~70 MB either way). Commands that talk to AWS turn it back on (_root).
    gc.disable()
    app(prog_name="mlinfra")
