"""A name the planner derives from config text (with :mod:`mlinfra.naming`, its own functions), as the
collision check (``name-collision``, :mod:`mlinfra.config.rules`) compares them: the core's names and
those every component declares (:attr:`mlinfra.config.section.Slice.names`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..records import record

if TYPE_CHECKING:
    from .rules import Loc


@record
class Named:
    namespace: str  # what the name names, in the message's words: "the Terraform name", "the Lambda function"
    value: str
    identity: object  # the entity; two entries with one identity are the same thing (duplicates have rules)
    loc: Loc
    label: str  # the entity in the config's words: "POST /predict-image", 'variant "a" of endpoint "x"'
