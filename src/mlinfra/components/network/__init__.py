"""The platform's network: a VPC it creates (private subnets, VPC endpoints, flow logs) or an existing one,
and the security groups the components request in it. Its Terraform: ``templates/modules/network/`` (the
flow logs: ``templates/modules/network/flow_logs/``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ...config.section import Slice
from .rules import RULES
from .section import SECTION

if TYPE_CHECKING:
    from .component import Network


def component() -> Network:
    from .component import Network

    return Network()


SLICE = Slice("network", component, (SECTION,), RULES)
