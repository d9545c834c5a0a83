"""The typed platform config (``mlinfra.yaml``): loading, shapes and cross-field rules."""

from .loader import load_config
from .model import PlatformConfig

__all__ = ["PlatformConfig", "load_config"]
