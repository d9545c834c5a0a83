"""The typed platform config (``mlinfra.yaml``): loading, shapes and cross-field rules."""

from .loader import load_config
from .model import PlatformConfig
from . import registry_rules  # noqa: F401  (registers the registry section's rules)
from . import batch_rules  # noqa: F401  (registers the batch section's rules)
from . import monitoring_rules  # noqa: F401  (registers the monitoring section's rules)
from . import components_rules  # noqa: F401  (registers the inference components rules)
from . import tag_rules  # noqa: F401  (registers the rules of tags merged over project, endpoint and model)
from . import capture_rules  # noqa: F401  (registers the rules of a capture destination of the user's own)

__all__ = ["PlatformConfig", "load_config"]
