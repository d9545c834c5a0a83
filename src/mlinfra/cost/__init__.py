"""``mlinfra cost``: what the platform a config describes costs a month, itemised with the basis of each
figure, which serving option is cheapest for each endpoint's traffic, and what a change of config costs.

Library code only (the CLI renders it): no AWS call, no boto3. Prices are the bundled table
(:func:`bundled_prices`) or AWS's Price List offer files over it (:func:`read_offer_file`).
"""

from __future__ import annotations

from ..records import record
from .estimate import Advice, Estimate, Item, Option, estimate, usd
from .prices import PriceError, PriceTable, read_offer_file
from .prices import bundled as bundled_prices

__all__ = [
    "Advice",
    "Difference",
    "Estimate",
    "Item",
    "Line",
    "Option",
    "PriceError",
    "PriceTable",
    "bundled_prices",
    "compare",
    "estimate",
    "read_offer_file",
    "usd",
]


@record
class Line:
    """One resource's monthly cost before and after (None: not there)."""

    resource: str
    old_usd: float | None
    new_usd: float | None

    @property
    def delta_usd(self) -> float:
        return (self.new_usd or 0.0) - (self.old_usd or 0.0)

    def as_json(self) -> dict[str, object]:
        return {
            "resource": self.resource,
            "old_usd": None if self.old_usd is None else round(self.old_usd, 2),
            "new_usd": None if self.new_usd is None else round(self.new_usd, 2),
            "delta_usd": round(self.delta_usd, 2),
        }


@record
class Difference:
    """What a change of config costs a month, line by line (changed lines only)."""

    old: Estimate
    new: Estimate
    lines: tuple[Line, ...]

    @property
    def delta_usd(self) -> float:
        return self.new.monthly_total_usd - self.old.monthly_total_usd

    def as_json(self) -> dict[str, object]:
        return {
            "currency": "USD",
            "monthly_total_usd": {
                "old": round(self.old.monthly_total_usd, 2),
                "new": round(self.new.monthly_total_usd, 2),
                "delta": round(self.delta_usd, 2),
            },
            "lines": [line.as_json() for line in self.lines],
        }


def compare(old: Estimate, new: Estimate) -> Difference:
    """The lines whose monthly cost differs between two estimates (added, removed or changed), in the new
    estimate's order, then the removed ones."""
    before = {i.resource: i.monthly_usd for i in old.items}
    after = {i.resource: i.monthly_usd for i in new.items}
    lines = [
        Line(r, before.get(r), usd_) for r, usd_ in after.items() if r not in before or abs(before[r] - usd_) >= 0.005
    ]
    lines += [Line(r, usd_, None) for r, usd_ in before.items() if r not in after]
    return Difference(old, new, tuple(lines))
