"""``validate``, ``schema`` and ``render``: the config checked, summarised, described as a JSON Schema and
rendered as Terraform (no AWS, no boto3)."""

from pathlib import Path
from typing import Annotated

import typer

from . import common
from .common import DEFAULT_OUT, ConfigArg, ConfigOpt

app = typer.Typer()  # merged into mlinfra's own commands


@app.command()
def validate(
    config: ConfigArg = None,
    config_opt: ConfigOpt = None,
    as_json: Annotated[
        bool,
        typer.Option(
            "--json",
            help="Print one JSON object (valid, summary, problems and warnings with file, line, path, message, rule).",
        ),
    ] = False,
) -> None:
    """Check a config file; print a one-line summary, or every problem as FILE:LINE: field: message."""
    from ..config.summary import summarize, traffic_notes
    from ..fleet.check import packing_report

    config = common.config_file(config, config_opt)
    if as_json:
        _validate_json(config)
        return
    from ..pipeline import load_config

    form: list = []
    cfg = common.warning(load_config, config, notes=form)
    typer.echo(f"{config}: valid — {summarize(cfg)}")
    for note in [*form, *traffic_notes(cfg)]:
        typer.echo(f"note: {note}")
    for line in packing_report(cfg):
        typer.echo(line)


def _validate_json(config: Path) -> None:
    import dataclasses
    import json

    from ..config.summary import summarize, traffic_notes
    from ..errors import ConfigError, ConfigWarning
    from ..pipeline import load_config

    warnings: list[ConfigWarning] = []
    form: list[ConfigWarning] = []
    problems: list[dict[str, object]] = []
    summary = None
    notes: list[str] = []
    code = 0
    try:
        cfg = load_config(config, warnings=warnings, notes=form)
        summary, notes = summarize(cfg), [*map(str, form), *traffic_notes(cfg)]
    except ConfigError as exc:
        problems, code = [p.as_json() for p in exc.problems], exc.exit_code
    report = {
        "file": str(config),
        "valid": not code,
        "summary": None if summary is None else str(summary),
        "counts": None if summary is None else dataclasses.asdict(summary),
        "problems": problems,
        "warnings": [w.as_json() for w in warnings],
        "notes": notes,
    }
    typer.echo(json.dumps(report, indent=2, ensure_ascii=False))
    if code:
        raise typer.Exit(code)


@app.command()
def schema() -> None:
    """Print the config file's JSON Schema (editors complete and check keys with it; see the README)."""
    import json

    from ..pipeline import json_schema

    typer.echo(json.dumps(json_schema(), indent=2, ensure_ascii=False))


@app.command()
def render(
    config: ConfigArg = None,
    config_opt: ConfigOpt = None,
    out: Annotated[Path, typer.Option("--out", "-o", help="Output folder (written atomically).")] = DEFAULT_OUT,
    check: Annotated[
        bool, typer.Option("--check", help="Write nothing; exit 1 when OUT differs from what would be written.")
    ] = False,
) -> None:
    """Render the Terraform root module and its modules into OUT."""
    from ..pipeline import changes_since, render_project
    from ..write import diff_tree, write_tree

    config = common.config_file(config, config_opt)
    rendered = render_project(common.load_config(config), config.parent)
    summary = ", ".join(
        f"{n} {word}{'' if n == 1 else 's'}"
        for n, word in (
            (rendered.modules, "module"),
            (rendered.resources, "resource"),
            (rendered.endpoints, "endpoint"),
        )
    )
    if rendered.stacks:  # a split tree: one root module per stack, in apply order
        summary = f"{len(rendered.stacks)} stacks ({', '.join(s.name for s in rendered.stacks)}), {summary}"
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
    changes = changes_since(out, rendered)  # read before the write replaces the description
    write_tree(rendered.files, out)
    typer.echo(f"rendered {out}: {summary}")
    for change in changes:
        typer.echo(f"  {change}")


@app.command()
def diagram(
    config: ConfigArg = None,
    config_opt: ConfigOpt = None,
    fmt: Annotated[
        str,
        typer.Option(
            "--format",
            help="mermaid (renders on GitHub) or dot (Graphviz; for SVG: mlinfra diagram --format dot | dot -Tsvg > platform.svg).",
        ),
    ] = "mermaid",
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Write to this file instead of stdout.")] = None,
) -> None:
    """Print the platform as a picture: edge, API, preprocessing, endpoints, batch, monitoring, registry, pipeline."""
    from ..diagram import dot, mermaid
    from ..errors import OutputError, UsageError

    writers = {"mermaid": mermaid, "dot": dot}
    if fmt not in writers:
        raise UsageError(f"--format {fmt}: not a diagram format; use mermaid or dot")
    config = common.config_file(config, config_opt)
    text = writers[fmt](common.load_config(config))
    if out is None:
        typer.echo(text, nl=False)
    else:
        try:
            out.write_text(text, encoding="utf-8")
        except OSError as exc:
            raise OutputError(f"{out}: cannot write the diagram ({exc.strerror or exc})") from exc
        typer.echo(f"wrote {out}", err=True)
