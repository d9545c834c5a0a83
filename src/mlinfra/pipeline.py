"""The pipeline: config → plan → context → render, chained here (above every layer, so no layer imports
the one after it)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .config.shapes import PlatformConfig
    from .errors import ConfigWarning
    from .render import Rendered


def load_config(path: str | Path, *, warnings: list[ConfigWarning] | None = None) -> PlatformConfig:
    """Load and validate a config file: its core sections and every component's (the component list's schema).
    Raises :class:`~mlinfra.errors.ConfigError` listing every problem found.

    Values read in a forgiving way (an S3 https URL as its s3:// URI, a number among environment values
    as its text) are reported as :class:`~mlinfra.errors.ConfigWarning` on ``warnings`` when given, before
    validation: a config that fails still reports them. The library never prints them."""
    from .components import schema
    from .config.loader import load_config as load

    return load(path, schema(), warnings=warnings)


def json_schema() -> dict[str, Any]:
    """The config file's JSON Schema: the core sections and every component's."""
    from .components import schema

    return schema().json_schema()


def render_project(config: PlatformConfig, base_dir: Path = Path(".")) -> Rendered:
    """Render the whole Terraform tree (root module and modules) for a validated config.

    ``base_dir`` is the config file's folder, against which the files it names are read.
    """
    from .context import build_context
    from .diagram import mermaid
    from .plan.platform import build_plan
    from .render import render_context

    return render_context(build_context(build_plan(config, base_dir)), mermaid(config))
