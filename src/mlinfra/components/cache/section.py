"""The ``cache`` section: the preprocessing Lambdas' prediction cache (ElastiCache, Redis OSS)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, StringConstraints

from ...config.section import Section
from ...config.shapes import Strict


class Cache(Strict):
    """ElastiCache (Redis OSS) for predictions: encrypted at rest and in transit, AUTH token in Secrets Manager."""

    node_type: Annotated[str, StringConstraints(pattern=r"^cache\.[a-z0-9]+\.[a-z0-9]+$")] = "cache.t4g.small"
    replicas: Annotated[int, Field(ge=0, le=5)] = 1
    engine_version: Annotated[str, StringConstraints(pattern=r"^\d+\.\d+$")] = "7.1"


SECTION = Section("cache", Cache)
