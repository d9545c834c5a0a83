"""The ``results`` section: a DynamoDB table keeping every prediction."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from ...config.section import Section
from ...config.shapes import Strict


class Results(Strict):
    """A DynamoDB table keeping every prediction (on demand, TTL, point-in-time recovery, KMS)."""

    ttl_days: Annotated[int, Field(ge=1, le=3650)] = 30


SECTION = Section("results", Results)
