"""The ``mlinfra`` command line: flags mapped onto library calls, typed errors turned into messages.

Library modules are imported inside the commands, so ``mlinfra --help`` stays fast, and only commands
that talk to AWS (deploy, promote, status, invoke) ever import boto3.
"""

from __future__ import annotations

import sys
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


@app.command()
def validate(config: ConfigArg = DEFAULT_CONFIG) -> None:
    """Check a config file; print a one-line summary, or every problem as FILE:LINE: field: message."""
    from .config import load_config
    from .errors import MlinfraError

    try:
        cfg = load_config(config)
    except MlinfraError as exc:
        _fail(exc)
    deployed = sum(len(e.variants) + (1 if e.shadow else 0) for e in cfg.endpoints)
    deprecated = sum(1 for m in cfg.models if m.status == "deprecated")
    typer.echo(
        f"{config}: valid — {cfg.project.name}-{cfg.project.environment} in {cfg.project.region}: "
        f"{len(cfg.models)} model versions ({deprecated} deprecated), {len(cfg.endpoints)} endpoints, {deployed} variants"
    )


@app.command()
def render(
    config: ConfigArg = DEFAULT_CONFIG,
    out: Annotated[Path, typer.Option("--out", "-o", help="Output folder (written atomically).")] = DEFAULT_OUT,
    check: Annotated[bool, typer.Option("--check", help="Write nothing; exit 1 when OUT differs from what would be written.")] = False,
) -> None:
    """Render the Terraform root module and its modules into OUT."""
    from .config import load_config
    from .errors import MlinfraError
    from .render import render_project
    from .write import diff_tree, write_tree

    try:
        rendered = render_project(load_config(config))
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


def main() -> None:
    """Console-script entry point."""
    app(prog_name="mlinfra")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
