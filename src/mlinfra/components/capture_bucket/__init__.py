"""The S3 bucket of SageMaker data capture (and of Model Monitor's reports), present when an endpoint
captures into it or monitors keep their reports there. Its Terraform: ``templates/modules/capture_bucket/``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ...config.section import Slice

if TYPE_CHECKING:
    from .component import CaptureBucket


def component() -> CaptureBucket:
    from .component import CaptureBucket

    return CaptureBucket()


SLICE = Slice("capture_bucket", component)
