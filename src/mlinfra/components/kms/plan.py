"""The platform key's plan: its alias and description, from the platform's name prefix."""

from __future__ import annotations

from ...plan.parts import KmsPlan


def kms_plan(prefix: str) -> KmsPlan:
    return KmsPlan(
        alias=f"alias/{prefix}-ml",
        description=f"mlinfra {prefix}: SageMaker endpoint storage, data capture, async results and notifications",
    )
