"""The pipeline: config → plan → context → render, chained here (above every layer, so no layer imports
the one after it)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .config.model import PlatformConfig
    from .render import Rendered


def render_project(config: PlatformConfig, base_dir: Path = Path(".")) -> Rendered:
    """Render the whole Terraform tree (root module and modules) for a validated config.

    ``base_dir`` is the config file's folder, against which the files it names are read.
    """
    from .context import build_context
    from .plan.platform import build_plan
    from .render import render_context

    return render_context(build_context(build_plan(config, base_dir)))
