"""Monitoring: the SNS alerts topic every mlinfra alarm notifies, a CloudWatch dashboard per endpoint, and
Model Monitor's schedules (data quality, model quality, bias, feature attribution) on the endpoints that
capture data. Its Terraform: ``templates/modules/monitoring/`` (and ``monitoring/alerts/``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ...config.section import Slice
from .rules import RULES
from .section import SECTION

if TYPE_CHECKING:
    from .component import MonitoringComponent


def component() -> MonitoringComponent:
    from .component import MonitoringComponent

    return MonitoringComponent()


SLICE = Slice("monitoring", component, (SECTION,), RULES)
