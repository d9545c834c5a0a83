"""The typed platform config (``mlinfra.yaml``): loading, shapes and cross-field rules."""

from . import (
    batch_rules,  # noqa: F401  (registers the batch section's rules)
    capture_rules,  # noqa: F401  (registers the rules of a capture destination of the user's own)
    components_rules,  # noqa: F401  (registers the inference components rules)
    monitoring_rules,  # noqa: F401  (registers the monitoring section's rules)
    registry_rules,  # noqa: F401  (registers the registry section's rules)
    tag_rules,  # noqa: F401  (registers the rules of tags merged over project, endpoint and model)
)
from .loader import load_config
from .model import PlatformConfig

__all__ = ["PlatformConfig", "load_config"]
