"""The SageMaker execution role's plan: its name (its statements come from the components that use it)."""

from __future__ import annotations

from ...naming import execution_role_name
from ...plan.parts import RolePlan


def role_plan(prefix: str, region: str) -> RolePlan:
    return RolePlan(name=execution_role_name(prefix, region))
