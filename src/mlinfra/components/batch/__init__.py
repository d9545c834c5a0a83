"""Batch transform: input and output buckets, the batch model, the ValidateInput and notifier Lambdas,
the SNS topic and the Step Functions state machine ``<project>-<env>-batch`` (what ``mlinfra batch submit``
starts), optionally on an EventBridge Scheduler schedule. Its Terraform: ``templates/modules/batch/``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ...config.section import Slice, deferred

if TYPE_CHECKING:
    from .component import Batch


def _component() -> Batch:
    from .component import Batch

    return Batch()


def _slice() -> Slice:
    from .rules import RULES
    from .section import SECTION

    return Slice("batch", _component, (SECTION,), RULES)


#: The config's root keys its sections and rules read: a config without any of them never imports them.
READS = ("batch",)
__getattr__ = deferred(_slice)
