"""The predictions table: DynamoDB, on demand, with a time to live, point-in-time recovery and the
platform key; the preprocessing Lambdas write every prediction to it. Its Terraform:
``templates/modules/results/``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ...config.section import Slice, deferred

if TYPE_CHECKING:
    from .component import Results


def _component() -> Results:
    from .component import Results

    return Results()


def _slice() -> Slice:
    from .section import SECTION

    return Slice("results", _component, (SECTION,))


#: The config's root keys its sections and rules read: a config without any of them never imports them.
READS = ("results",)
__getattr__ = deferred(_slice)
