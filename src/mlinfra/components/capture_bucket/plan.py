"""The capture bucket's plan: whether the platform needs the bucket, its name and retention."""

from __future__ import annotations

from ...plan.parts import CaptureBucketPlan, EndpointPlan

#: Captured requests are kept this long; noncurrent versions a week.
CAPTURE_RETENTION_DAYS = 90


def capture_bucket_plan(
    prefix: str,
    endpoints: tuple[EndpointPlan, ...],
    captures: tuple[str, ...] = (),
    reports: tuple[str, ...] = (),
) -> CaptureBucketPlan | None:
    """The platform's capture bucket, when an endpoint captures into it (``captures``: the labels of those
    of kind components that do) or Model Monitor keeps its reports there (``reports``: the labels of the
    monitored endpoints); else none is created."""
    captured = sorted({e.label for e in endpoints if e.uses_capture_bucket} | set(captures))
    if not (captured or reports):
        return None
    # Endpoints capture under <label>/ (each name is its own prefix: S3 prefixes match characters, so a
    # label that starts another's would expire both anyway, with the same retention).
    expiring = tuple(f"{label}/" for label in captured) + tuple(
        f"monitoring/{label}/reports/" for label in sorted(reports)
    )
    return CaptureBucketPlan(f"{prefix}-capture-", CAPTURE_RETENTION_DAYS, bool(captured), expiring)
