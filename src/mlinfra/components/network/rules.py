"""Rules of the ``network`` section: one VPC mode, and a created VPC's CIDR blocks as AWS accepts them."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator

from ...config.rules import Loc, Violation
from ...config.shapes import PlatformConfig
from .section import SECTION


def _network_cidr(loc: Loc, text: str, what: str) -> tuple[ipaddress.IPv4Network | None, Violation | None]:
    try:
        net = ipaddress.IPv4Network(text, strict=True)
    except ValueError as e:
        try:
            ipaddress.IPv4Network(text, strict=False)
        except ValueError:
            return None, Violation(
                loc, f'{what} "{text}" is not an IPv4 CIDR block; write it like 10.0.0.0/16', "network-cidr"
            )
        return None, Violation(
            loc,
            f'{what} "{text}" has host bits set ({e}); write the network address, e.g. "{ipaddress.IPv4Network(text, strict=False)}"',
            "network-cidr",
        )
    return net, None


def network_mode(config: PlatformConfig) -> Iterator[Violation]:
    """``network`` is either an existing VPC (vpc_id and private_subnet_ids) or ``create``, not both, not neither;
    a created VPC's CIDR is /16../28 (AWS's VPC limits) and its subnets lie inside it without overlapping."""
    n = SECTION.of(config)
    if n is None:
        return
    existing = (n.vpc_id is not None, n.private_subnet_ids is not None)
    if n.create is not None and any(existing):
        yield Violation(
            ("network", "create"),
            "network names an existing VPC (vpc_id, private_subnet_ids) and create: keep one of them",
            "network-mode",
        )
        return
    if n.create is None:
        if not all(existing):
            missing = "vpc_id" if not existing[0] else "private_subnet_ids"
            yield Violation(
                ("network",),
                f"network needs {missing} (an existing VPC and its private subnets) or create: {{cidr: ..., private_subnets: [...]}} for a new VPC",
                "network-mode",
            )
        return
    c = n.create
    vpc, bad = _network_cidr(("network", "create", "cidr"), c.cidr, "cidr")
    if bad:
        yield bad
        return
    assert vpc is not None
    if not 16 <= vpc.prefixlen <= 28:
        yield Violation(
            ("network", "create", "cidr"),
            f'cidr "{c.cidr}" is a /{vpc.prefixlen}: a VPC\'s block is between /16 and /28',
            "network-cidr",
        )
        return
    seen: list[tuple[int, ipaddress.IPv4Network]] = []
    for i, text in enumerate(c.private_subnets):
        loc: Loc = ("network", "create", "private_subnets", i)
        net, bad = _network_cidr(loc, text, "subnet")
        if bad:
            yield bad
            continue
        assert net is not None
        if not net.subnet_of(vpc):
            yield Violation(loc, f'subnet "{text}" is not inside the VPC\'s cidr "{c.cidr}"', "network-cidr")
            continue
        if net.prefixlen > 28:
            yield Violation(loc, f'subnet "{text}" is a /{net.prefixlen}: a subnet is at most a /28', "network-cidr")
            continue
        for j, other in seen:
            if net.overlaps(other):
                yield Violation(
                    loc,
                    f'subnet "{text}" overlaps private_subnets[{j}] "{other}": give each subnet its own range',
                    "network-cidr",
                )
                break
        seen.append((i, net))


RULES = (network_mode,)
