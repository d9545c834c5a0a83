#!/usr/bin/env python3
"""Regenerate the SageMaker instance rows of ``src/mlinfra/cost/prices.json`` from AWS's Price List offer files.

AWS publishes SageMaker's on-demand prices as a bulk offer file (every region:
https://pricing.us-east-1.amazonaws.com/offers/v1.0/aws/AmazonSageMaker/current/index.json, or one region's
under ``current/<region>/index.json``). This script reads one or more of them with the same reader
``mlinfra cost --prices FILE`` uses (:func:`mlinfra.cost.read_offer_file`: ``productFamily`` "ML Instance",
``attributes.instanceName``, ``regionCode``, ``component``, joined to ``terms.OnDemand``), keeps the instance
types mlinfra's instance-type table lists, and writes them into the bundled table in place of the rows of
the same service, item, instance type and region; every other row (the other services, the figures the
offer files do not cover) stays as it is. Each written row names its offer file and SKU as its source.

    .venv/bin/python tools/cost_prices.py AmazonSageMaker.json                       # rewrite the table
    .venv/bin/python tools/cost_prices.py AmazonSageMaker.json --regions us-east-1 eu-west-1
    .venv/bin/python tools/cost_prices.py AmazonSageMaker.json --check                # exit 1 when it differs
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET = ROOT / "src" / "mlinfra" / "cost" / "prices.json"
#: The regions the bundled table carries by default (mlinfra's documented ones).
REGIONS = ("us-east-1", "us-west-2", "eu-west-1", "eu-central-1")


def regenerate(offers: list[Path], table: dict, regions: tuple[str, ...]) -> dict:
    """``table`` (the bundled JSON) with the offer files' SageMaker instance prices written in."""
    sys.path.insert(0, str(ROOT / "src"))
    from mlinfra.cost import read_offer_file

    rows = {(r["service"], r["item"], r["key"], r["region"]): r for r in table["prices"]}
    for path in offers:
        for p in read_offer_file(path).prices.values():
            if p.region not in regions:
                continue
            rows[(p.service, p.item, p.key, p.region)] = {
                "service": p.service,
                "item": p.item,
                "key": p.key,
                "region": p.region,
                "usd": p.usd,
                "unit": "hour",
                "source": p.source,
            }
    return {**table, "prices": [rows[k] for k in sorted(rows)]}


def dumps(table: dict) -> str:
    """One row a line, as the bundled file is written (diffs read row by row)."""
    head = {k: v for k, v in table.items() if k != "prices"}
    text = json.dumps(head, indent=2, ensure_ascii=False)[:-2]
    rows = ",\n".join("    " + json.dumps(r, ensure_ascii=False) for r in table["prices"])
    return f'{text},\n  "prices": [\n{rows}\n  ]\n}}\n'


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("offers", nargs="*", type=Path, help="AWS Price List offer files (JSON) for SageMaker")
    parser.add_argument("--regions", nargs="+", default=list(REGIONS), help="regions to write (default: %(default)s)")
    parser.add_argument("--target", type=Path, default=TARGET, help="the table to rewrite")
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 when the table would change")
    args = parser.parse_args(argv)
    current = args.target.read_text(encoding="utf-8")
    text = dumps(regenerate(args.offers, json.loads(current), tuple(args.regions)))
    if args.check:
        if text != current:
            print(f"{args.target} differs from the offer files' prices: run tools/cost_prices.py", file=sys.stderr)
            return 1
        return 0
    args.target.write_text(text, encoding="utf-8")
    print(f"wrote {args.target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
