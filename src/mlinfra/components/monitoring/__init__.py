"""Monitoring: the SNS alerts topic every mlinfra alarm notifies, a CloudWatch dashboard per endpoint, and
Model Monitor's schedules (data quality, model quality, bias, feature attribution) on the endpoints that
capture data. Its Terraform: ``templates/modules/monitoring/`` (and ``monitoring/alerts/``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ...config.section import Slice, deferred

if TYPE_CHECKING:
    from .component import MonitoringComponent


def _component() -> MonitoringComponent:
    from .component import MonitoringComponent

    return MonitoringComponent()


def _slice() -> Slice:
    from .rules import RULES
    from .section import SECTION

    return Slice("monitoring", _component, (SECTION,), RULES)


#: The config's root keys its sections and rules read: a config without any of them never imports them.
READS = ("monitoring",)
__getattr__ = deferred(_slice)
