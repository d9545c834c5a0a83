"""The typed platform config (``mlinfra.yaml``): loading, shapes and cross-field rules."""

from .loader import load_config
from .model import PlatformConfig
from . import registry_rules  # noqa: F401  (registers the registry section's rules)
from . import batch_rules  # noqa: F401  (registers the batch section's rules)
from . import monitoring_rules  # noqa: F401  (registers the monitoring section's rules)
from . import components_rules  # noqa: F401  (registers the inference components rules)

__all__ = ["PlatformConfig", "load_config"]
