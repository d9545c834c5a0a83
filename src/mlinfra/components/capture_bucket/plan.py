"""The capture bucket's plan: whether the platform needs the bucket, its name and retention."""

from __future__ import annotations

from ...plan.parts import CaptureBucketPlan, EndpointPlan

#: Captured requests are kept this long; noncurrent versions a week.
CAPTURE_RETENTION_DAYS = 90


def capture_bucket_plan(
    prefix: str, endpoints: tuple[EndpointPlan, ...], captures: bool = False, reports: bool = False
) -> CaptureBucketPlan | None:
    """The platform's capture bucket, when an endpoint captures into it (``captures``: one of kind
    components does) or Model Monitor keeps its reports there (``reports``); else none is created."""
    holds_captures = any(e.uses_capture_bucket for e in endpoints) or captures
    if not (holds_captures or reports):
        return None
    return CaptureBucketPlan(f"{prefix}-capture-", CAPTURE_RETENTION_DAYS, holds_captures)
