"""The platform's network: a VPC it creates (private subnets, VPC endpoints, flow logs) or an existing one,
and the security groups the components request in it. Its Terraform: ``templates/modules/network/`` (the
flow logs: ``templates/modules/network/flow_logs/``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ...config.section import Slice, deferred

if TYPE_CHECKING:
    from .component import Network


def _component() -> Network:
    from .component import Network

    return Network()


def _slice() -> Slice:
    from .rules import RULES
    from .section import SECTION

    return Slice("network", _component, (SECTION,), RULES)


#: The config's root keys its sections and rules read: a config without any of them never imports them.
READS = ("network",)
__getattr__ = deferred(_slice)
