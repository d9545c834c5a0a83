"""The pipeline: config → plan → context → render, chained here (above every layer, so no layer imports
the one after it)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .changes import Change
    from .config.shapes import PlatformConfig
    from .errors import ConfigWarning
    from .render import Rendered


def load_config(
    path: str | Path, *, warnings: list[ConfigWarning] | None = None, notes: list[ConfigWarning] | None = None
) -> PlatformConfig:
    """Load and validate a config file: its core sections and every component's (the component list's schema).
    Raises :class:`~mlinfra.errors.ConfigError` listing every problem found.

    Values read in a forgiving way (an S3 https URL as its s3:// URI, a number among environment values
    as its text) are reported as :class:`~mlinfra.errors.ConfigWarning` on ``warnings`` when given, before
    validation: a config that fails still reports them. Advice on the config's form goes to ``notes``
    (``mlinfra validate`` prints it). The library never prints them."""
    from .components import schema
    from .config.loader import load_config as load

    return load(path, schema, warnings=warnings, notes=notes)


def json_schema() -> dict[str, Any]:
    """The config file's JSON Schema: the core sections and every component's."""
    from .components import schema

    return schema().json_schema()


def render_project(config: PlatformConfig, base_dir: Path = Path(".")) -> Rendered:
    """Render the whole Terraform tree (root module and modules) for a validated config; with a
    ``stacks`` section, one root module per stack (``Rendered.stacks``) beside the shared modules.

    ``base_dir`` is the config file's folder, against which the files it names are read.
    """
    from pathlib import PurePosixPath

    from .changes import DESCRIPTION, describe, dumps
    from .config.section import has
    from .context import build_context
    from .diagram import mermaid
    from .plan.platform import build_plan
    from .render import render_context, render_stacks

    plan = build_plan(config, base_dir)
    ctx = build_context(plan)
    if not has(config, "stacks"):
        rendered = render_context(ctx, mermaid(config))
    else:
        from .stacks.layout import split
        from .stacks.section import SECTION as STACKS

        section = STACKS.of(config)
        assert section is not None

        roots = split(ctx, section, [ep.name for ep in config.endpoints])
        rendered = render_stacks(ctx, [(r.stack, r.ctx) for r in roots], mermaid(config))
    # The platform in the operator's terms, for the next render's (and deploy's) list of changes.
    rendered.files[PurePosixPath(DESCRIPTION)] = dumps(describe(plan))
    return rendered


def changes_since(out: str | Path, rendered: Rendered, against: str | None = None) -> list[Change]:
    """What ``rendered`` changes against the platform last rendered into ``out`` (its description file, or
    the file ``against`` names in ``out``: deploy's record of the last apply), in the operator's terms;
    "first render" when there is none. Reads, never writes."""
    from pathlib import PurePosixPath

    from .changes import DESCRIPTION, compare, loads

    try:
        previous = (Path(out) / (against or DESCRIPTION)).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        previous = None
    current = loads(rendered.files.get(PurePosixPath(DESCRIPTION)))
    if current is None:  # a tree render_project did not make (tests stand one in)
        return []
    return compare(loads(previous), current)


def applied_record(workspace: str | None = None) -> str:
    """The file, in the output folder, where deploy keeps the description of what its last apply ran (one
    per Terraform workspace: each workspace's state runs its own platform). Not in the render's record:
    render never writes nor removes it."""
    return f".mlinfra-applied.{workspace}.json" if workspace and workspace != "default" else ".mlinfra-applied.json"


def record_applied(out: str | Path, rendered: Rendered, workspace: str | None = None) -> None:
    """After a successful apply: what now runs, for the next deploy's list of changes."""
    from pathlib import PurePosixPath

    from .changes import DESCRIPTION
    from .errors import OutputError

    text = rendered.files.get(PurePosixPath(DESCRIPTION))
    if text is None:
        return
    target = Path(out) / applied_record(workspace)
    try:
        target.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise OutputError(f"{target}: cannot record what was applied: {exc.strerror}") from None
