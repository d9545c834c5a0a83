"""The typed platform config (``mlinfra.yaml``): loading, shapes and cross-field rules.

The core lives here (project, state, models, endpoints); each component package owns its own sections and
rules (:class:`mlinfra.config.section.Slice`). :func:`mlinfra.pipeline.load_config` loads a file against
them all."""

from . import (
    capture_rules,  # noqa: F401  (registers the rules of a capture destination of the user's own)
    tag_rules,  # noqa: F401  (registers the rules of tags merged over project, endpoint and model)
)
from .shapes import PlatformConfig

__all__ = ["PlatformConfig"]
