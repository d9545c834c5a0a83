"""The predictions table: DynamoDB, on demand, with a time to live, point-in-time recovery and the
platform key; the preprocessing Lambdas write every prediction to it. Its Terraform:
``templates/modules/results/``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ...config.section import Slice
from .section import SECTION

if TYPE_CHECKING:
    from .component import Results


def component() -> Results:
    from .component import Results

    return Results()


SLICE = Slice("results", component, (SECTION,))
