"""The ``stacks`` section: render the tree as several root modules (each with its own state) instead of one."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, StringConstraints

from ..config.section import Section
from ..config.shapes import Strict

#: A stack's name is its folder, part of its state key and (``-`` as ``_``) a Terraform label.
STACK_NAME = r"^[a-z][a-z0-9-]{0,39}$"
#: The stacks mlinfra names itself (and the modules' folder): a group cannot take these names.
RESERVED = ("shared", "front", "modules")


class StackGroup(Strict):
    """One endpoint group: its own root module and state."""

    name: Annotated[str, StringConstraints(pattern=STACK_NAME)] = Field(
        description="the stack's name: its folder in the output and its state key (<name>.tfstate)"
    )
    endpoints: Annotated[list[str], Field(min_length=1)] = Field(description="names of the endpoints it deploys")


class Stacks(Strict):
    """Split the rendered tree into root modules, each with its own Terraform state: ``shared`` (network,
    KMS, roles, buckets, alerts), one stack per endpoint group, and ``front`` for what reads several groups
    (an API routing to endpoints of two groups). Give either ``endpoints_per_stack`` or ``groups``."""

    endpoints_per_stack: Annotated[int, Field(ge=1)] | None = Field(
        default=None, description="endpoints per group, in config order (groups endpoints-1, endpoints-2, ...)"
    )
    groups: list[StackGroup] | None = Field(
        default=None, description="explicit endpoint groups; every endpoint in exactly one"
    )


SECTION = Section("stacks", Stacks)
