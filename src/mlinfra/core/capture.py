"""Data capture of an endpoint (either kind) as its plan: into the platform's capture bucket or into the
user's own destination."""

from __future__ import annotations

from typing import TypedDict
from urllib.parse import urlparse

from ..config.shapes import DataCapture
from ..expr import Interp, Ref
from ..plan.parts import CapturePlan


class _CaptureBasics(TypedDict):
    """What a capture plan has whatever its destination (CapturePlan's keyword arguments)."""

    sampling_percentage: int
    modes: tuple[str, ...]
    json_content_types: tuple[str, ...]
    csv_content_types: tuple[str, ...]


def capture_plan(dc: DataCapture, label: str) -> CapturePlan:
    """Data capture into the platform's capture bucket under ``prefix`` (default: the endpoint's name),
    or into the user's ``destination`` (its trailing slash dropped: SageMaker adds ``/<endpoint>/...``)."""
    modes = tuple(m.capitalize() for m in sorted(set(dc.modes)))
    common = _CaptureBasics(
        sampling_percentage=dc.sampling_percentage,
        modes=modes,
        json_content_types=tuple(dc.json_content_types),
        csv_content_types=tuple(dc.csv_content_types),
    )
    if dc.destination is not None:
        u = urlparse(dc.destination)
        key_prefix = u.path.strip("/")
        uri = f"s3://{u.netloc}/{key_prefix}" if key_prefix else f"s3://{u.netloc}"
        return CapturePlan(**common, destination=uri, prefix=key_prefix, bucket=u.netloc, kms_key_arn=dc.kms_key_arn)
    cprefix = (dc.prefix or label).strip("/")
    return CapturePlan(**common, destination=Interp("s3://", Ref("var.capture_bucket"), f"/{cprefix}"), prefix=cprefix)
