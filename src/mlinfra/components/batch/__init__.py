"""Batch transform: input and output buckets, the batch model, the ValidateInput and notifier Lambdas,
the SNS topic and the Step Functions state machine ``<project>-<env>-batch`` (what ``mlinfra batch submit``
starts), optionally on an EventBridge Scheduler schedule. Its Terraform: ``templates/modules/batch/``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ...config.section import Slice
from .rules import RULES
from .section import SECTION

if TYPE_CHECKING:
    from .component import Batch


def component() -> Batch:
    from .component import Batch

    return Batch()


SLICE = Slice("batch", component, (SECTION,), RULES)
