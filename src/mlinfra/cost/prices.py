"""Prices: mlinfra's bundled table (``prices.json``, each figure with its source) and AWS's Price List offer
files (``--prices FILE``), which override it.

A price is looked up by service, item, key (an instance or node type, or "") and region. A region the table
has no figure for falls back to us-east-1's, and the estimate says so; an instance type with no figure at
all is an error naming the type and how to supply its price.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from ..errors import MlinfraError
from ..records import record

#: Where a region's price is missing, this region's is used (the estimate notes it).
FALLBACK_REGION = "us-east-1"
#: AWS's SageMaker offer file (every region); `--prices` reads it or a region's own index.json.
OFFER_URL = "https://pricing.us-east-1.amazonaws.com/offers/v1.0/aws/AmazonSageMaker/current/index.json"
#: SageMaker's job kinds as the offer file's ``component`` attribute names them, and ours.
_COMPONENTS = {
    "hosting": "hosting",
    "batchtransform": "transform",
    "transform": "transform",
    "processing": "processing",
}


class PriceError(MlinfraError):
    """A price is missing, or a price file cannot be read."""

    exit_code = 2


@record
class Price:
    service: str  # sagemaker, lambda, ...
    item: str  # hosting, transform, processing, serverless_gb_second, ...
    key: str  # an instance or node type, or ""
    region: str
    usd: float | None  # None: no figure was found (the estimate says "not priced")
    unit: str
    source: str

    def as_json(self) -> dict[str, object]:
        return {
            "service": self.service,
            "item": self.item,
            "key": self.key,
            "region": self.region,
            "usd": self.usd,
            "unit": self.unit,
            "source": self.source,
        }


@record
class Found:
    """A looked-up price and, when it is another region's, the note saying so."""

    price: Price
    note: str | None = None


@dataclass
class PriceTable:
    """Prices by (service, item, key, region)."""

    prices: dict[tuple[str, str, str, str], Price] = field(default_factory=dict)
    # What reading a price file noted (instance types mlinfra does not know, ignored).
    notes: list[str] = field(default_factory=list)

    def add(self, prices: Iterable[Price]) -> PriceTable:
        for p in prices:
            self.prices[(p.service, p.item, p.key, p.region)] = p
        return self

    def merged(self, other: PriceTable) -> PriceTable:
        """This table with ``other``'s prices over it."""
        out = PriceTable(dict(self.prices), [*self.notes, *other.notes])
        out.prices.update(other.prices)
        return out

    def get(self, service: str, item: str, key: str, region: str) -> Found | None:
        """The region's price, else us-east-1's with a note; None when neither is listed."""
        p = self.prices.get((service, item, key, region))
        if p is not None:
            return Found(p)
        p = self.prices.get((service, item, key, FALLBACK_REGION))
        if p is not None:
            what = f"{service} {item}" + (f" {key}" if key else "")
            return Found(p, f"{what}: no {region} figure in the price table, {FALLBACK_REGION}'s is used")
        return None

    def instance(self, item: str, instance_type: str, region: str) -> Found:
        """A SageMaker instance's hourly price for ``item`` (hosting, transform, processing). Batch transform
        and processing fall back to the hosting rate of the same type (AWS's bill for EU (Ireland) lists one
        rate for the three on ml.m5.xlarge). Raises :class:`PriceError` when no figure exists."""
        found = self.get("sagemaker", item, instance_type, region)
        if found is None and item != "hosting":
            hosting = self.get("sagemaker", "hosting", instance_type, region)
            if hosting is not None:
                note = f"sagemaker {item} {instance_type}: no figure; the hosting rate is used"
                found = Found(hosting.price, "; ".join(n for n in (hosting.note, note) if n))
        if found is None or found.price.usd is None:
            raise PriceError(
                f"no price for {instance_type} ({item}) in {region}: mlinfra's bundled price table does not list it. "
                f"Pass AWS's SageMaker offer file, which does: mlinfra cost --prices FILE (download {OFFER_URL})"
            )
        return found


def bundled() -> PriceTable:
    """mlinfra's own price table (``prices.json`` beside this module)."""
    text = resources.files(__package__).joinpath("prices.json").read_text(encoding="utf-8")
    return from_json(json.loads(text))


def from_json(data: Mapping[str, object]) -> PriceTable:
    """A table in mlinfra's format: ``prices`` rows whose ``source`` may name an entry of ``sources``."""
    sources = data.get("sources") or {}
    assert isinstance(sources, dict)
    rows = data.get("prices") or []
    assert isinstance(rows, list)
    table = PriceTable()
    for r in rows:
        source = str(r["source"])
        # A row's source is a key of `sources`, possibly followed by "; a remark".
        head, _, rest = source.partition("; ")
        if head in sources:
            source = str(sources[head]) + (f"; {rest}" if rest else "")
        usd = r["usd"]
        table.add(
            [
                Price(
                    service=str(r["service"]),
                    item=str(r["item"]),
                    key=str(r["key"]),
                    region=str(r["region"]),
                    usd=None if usd is None else float(usd),
                    unit=str(r["unit"]),
                    source=source,
                )
            ]
        )
    return table


def read_offer_file(path: str | Path, known: Mapping[str, frozenset[str]] | None = None) -> PriceTable:
    """SageMaker instance prices from one of AWS's Price List bulk offer files (JSON).

    Reads ``products[sku]`` with ``productFamily`` "ML Instance" (``attributes.instanceName``,
    ``regionCode``, ``component``: Hosting, Batch Transform or Processing) joined to
    ``terms.OnDemand[sku][offer].priceDimensions[dim].pricePerUnit.USD``. Instance types that mlinfra's
    instance-type table does not list for that job kind are left out (the table's notes name them);
    every other product (notebooks, training, storage, ...) is ignored. ``known`` is that table (by item),
    by default :mod:`mlinfra.instance_types`."""
    path = Path(path)
    if known is None:
        from .. import instance_types as it

        known = {"hosting": it.HOSTING, "transform": it.TRANSFORM, "processing": it.PROCESSING}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise PriceError(f"{path}: cannot read the price file ({exc.strerror or exc})") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise PriceError(f"{path}: not an AWS Price List offer file (not JSON: {exc})") from None
    if not isinstance(data, dict) or not isinstance(data.get("products"), dict):
        raise PriceError(f"{path}: not an AWS Price List offer file (no `products` mapping)")
    terms = data.get("terms", {})
    on_demand = terms.get("OnDemand", {}) if isinstance(terms, dict) else {}
    if not isinstance(on_demand, dict):
        raise PriceError(f"{path}: not an AWS Price List offer file (`terms.OnDemand` is not a mapping)")
    published = data.get("publicationDate", "")
    table = PriceTable()
    unknown: set[str] = set()
    for sku, product in sorted(data["products"].items()):
        if not isinstance(product, dict) or product.get("productFamily") != "ML Instance":
            continue
        attrs = product.get("attributes") or {}
        name = attrs.get("instanceName") or ""
        region = attrs.get("regionCode") or ""
        item = _COMPONENTS.get(str(attrs.get("component", "")).replace(" ", "").replace("-", "").lower())
        if item is None or not name or not region:
            continue
        if name not in known.get(item, frozenset()):
            unknown.add(f"{name} ({item})")
            continue
        usd, unit = _on_demand(path, sku, on_demand.get(sku))
        if usd is None:
            continue
        source = f"{path.name}: AWS Price List offer file" + (f" published {published}" if published else "")
        table.add([Price("sagemaker", item, name, region, usd, unit, f"{source}, sku {sku}")])
    if unknown:
        listed = ", ".join(sorted(unknown)[:5]) + (", ..." if len(unknown) > 5 else "")
        table.notes.append(
            f"{path}: {len(unknown)} instance type(s) not in mlinfra's instance-type table for their job kind were ignored: {listed}"
        )
    return table


def _on_demand(path: Path, sku: str, term: object) -> tuple[float | None, str]:
    """The USD price per unit of a product's on-demand term (its first price dimension), or None when the
    offer file has no on-demand term for it."""
    if not isinstance(term, dict) or not term:
        return None, ""
    for offer in term.values():
        dims = offer.get("priceDimensions") if isinstance(offer, dict) else None
        if not isinstance(dims, dict):
            continue
        for dim in dims.values():
            raw: object = (dim.get("pricePerUnit") or {}).get("USD") if isinstance(dim, dict) else None
            try:
                return float(raw), str(dim.get("unit", "Hrs"))  # type: ignore[arg-type]  # checked below
            except (TypeError, ValueError):
                raise PriceError(
                    f"{path}: sku {sku}: pricePerUnit.USD is {raw!r}, not a number (terms.OnDemand.{sku})"
                ) from None
    return None, ""
