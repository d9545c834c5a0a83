"""What the platform a config describes costs a month, resource by resource, and per endpoint the serving
options that fit its traffic with the cheapest marked.

The estimate reads the plan (the resources exactly as they will be rendered: alarm counts, interface
endpoints, the fleet of each endpoint) and the ``traffic`` assumptions; every figure carries its basis, the
arithmetic that produced it. A month is 730 hours. Free tiers are not deducted (they end, and are shared by
the account). Prices come from :mod:`mlinfra.cost.prices`.

The reference architecture's scenario (10 M inferences a month at 100 ms, its prices: ml.g4dn.xlarge
$0.74/h, ml.inf1.xlarge $0.30/h, serverless $0.00012/s) comes out as:

- real-time g4dn: 10 M a month is 3.8 requests/s, 7.6/s at the default peak factor 2; one instance serves
  600 requests a minute at 100 ms, 420 at 70 % utilisation, so the peak needs 2 instances:
  2 × $0.74 × 730 h = $1,080.40 (the reference's $1,081); its "$1,621 at an average of three" is three ($1,620.60)
  instances, which a config with ``instance_count: 3`` (or autoscaling whose expected count is 3) gives.
  The reference's ~$1,700 adds ~$50 of data transfer: here data processed is its own line
  (10 M × 2 × 10 KB ≈ 191 GB × $0.016 ≈ $3) and internet egress is priced only where the config
  has an API in front (the API Gateway, CloudFront or transfer lines).
- serverless: 10 M × 0.1 s × 6 GB × $0.00002/GB-s = $120 (the reference's $0.00012/s is 6 GB), plus data
  processed ≈ $3: ≈ $123 (the reference's ~$125 adds $2 of per-request fees, which are Lambda's, not
  SageMaker serverless's).
- Inferentia: the same 2 instances, 2 × $0.30 × 730 h = $438 (the reference's "~$500" total rounds it up,
  again with transfer in mind).

Prices differ from AWS's list prices: the reference's are illustrative ($0.74 and $0.30 an hour); the
bundled table's (prices.json) are $0.736 for ml.g4dn.xlarge and $0.228 for ml.inf1.xlarge in us-east-1.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import ValidationError

from ..config.shapes import Endpoint, InferenceComponentsEndpoint, Traffic
from ..errors import UsageError
from ..records import record
from .prices import Found, Price, PriceError, PriceTable
from .schedule import HOURS_PER_MONTH, runs_per_month

if TYPE_CHECKING:
    from ..config.shapes import PlatformConfig, Variant
    from ..plan.parts import PlatformPlan

#: SageMaker serverless limits (ProductionVariantServerlessConfig): memory 1024..6144 MB, 200 concurrent.
SERVERLESS_MAX_MB = 6144
SERVERLESS_MAX_CONCURRENCY = 200
SERVERLESS_MAX_PAYLOAD_KB = 4 * 1024
#: Real-time payloads are at most 6 MB.
REALTIME_MAX_PAYLOAD_KB = 6 * 1024
#: The alternatives the options compare: a CPU type and an Inferentia type.
CPU_ALTERNATIVE = "ml.c5.xlarge"
INFERENTIA_ALTERNATIVE = "ml.inf1.xlarge"
#: Application Auto Scaling's target tracking creates two CloudWatch alarms per policy (high and low).
ALARMS_PER_TARGET_TRACKING = 2


@record
class Item:
    """One line of the estimate: a resource, its monthly cost (the expected one) and how it was computed.
    With autoscaling, ``low_usd``/``high_usd`` are the band from the minimum and maximum capacity."""

    resource: str
    monthly_usd: float
    basis: str
    category: str  # sagemaker | serverless | network | monitoring | api | storage | security | other
    low_usd: float | None = None
    high_usd: float | None = None
    priced: bool = True  # False: no price was found; monthly_usd is 0 and the basis says so

    def as_json(self) -> dict[str, object]:
        out: dict[str, object] = {
            "resource": self.resource,
            "monthly_usd": _money(self.monthly_usd),
            "basis": self.basis,
            "category": self.category,
            "priced": self.priced,
        }
        if self.low_usd is not None and self.high_usd is not None:
            out["low_usd"], out["high_usd"] = _money(self.low_usd), _money(self.high_usd)
        return out


@record
class Option:
    """One way to serve an endpoint's traffic, with its monthly cost and whether it fits."""

    option: str  # "realtime ml.g4dn.xlarge", "serverless 6144 MB", ...
    kind: str  # realtime | serverless | async | components
    monthly_usd: float
    basis: str
    fits: bool
    note: str = ""

    def as_json(self) -> dict[str, object]:
        return {
            "option": self.option,
            "kind": self.kind,
            "monthly_usd": _money(self.monthly_usd),
            "basis": self.basis,
            "fits": self.fits,
            "note": self.note,
        }


@record
class Advice:
    """The serving options of one endpoint and the one recommended, with why."""

    endpoint: str
    requests_per_hour: float
    options: tuple[Option, ...]
    recommended: str
    reason: str

    def as_json(self) -> dict[str, object]:
        return {
            "endpoint": self.endpoint,
            "requests_per_hour": round(self.requests_per_hour, 1),
            "options": [o.as_json() for o in self.options],
            "recommended": self.recommended,
            "reason": self.reason,
        }


@record
class Estimate:
    """The monthly estimate of one config."""

    platform: str
    region: str
    traffic: Traffic
    defaults: tuple[str, ...]  # the traffic fields left at their defaults
    items: tuple[Item, ...]
    endpoints: tuple[Advice, ...]
    notes: tuple[str, ...]
    prices: tuple[Price, ...]  # every price used

    @property
    def monthly_total_usd(self) -> float:
        return sum(i.monthly_usd for i in self.items)

    @property
    def monthly_low_usd(self) -> float:
        return sum(i.monthly_usd if i.low_usd is None else i.low_usd for i in self.items)

    @property
    def monthly_high_usd(self) -> float:
        return sum(i.monthly_usd if i.high_usd is None else i.high_usd for i in self.items)

    def assumptions(self) -> dict[str, object]:
        t = self.traffic
        return {
            "requests_per_month": t.monthly_requests,
            "requests_per_hour": round(t.monthly_requests / HOURS_PER_MONTH, 1),
            "peak_factor": t.peak_factor,
            "avg_duration_ms": t.avg_duration_ms,
            "payload_kb": t.payload_kb,
            "instance_utilization": t.instance_utilization,
            "batch_run_minutes": t.batch_run_minutes,
            "monitor_run_minutes": t.monitor_run_minutes,
            "latency_goal_ms": t.latency_goal_ms,
            "endpoints": {name: e.model_dump(exclude_none=True) for name, e in t.endpoints.items()},
            "hours_per_month": HOURS_PER_MONTH,
            "defaults": list(self.defaults),
        }

    def as_json(self) -> dict[str, object]:
        return {
            "platform": self.platform,
            "region": self.region,
            "currency": "USD",
            "monthly_total_usd": _money(self.monthly_total_usd),
            "monthly_low_usd": _money(self.monthly_low_usd),
            "monthly_high_usd": _money(self.monthly_high_usd),
            "assumptions": self.assumptions(),
            "items": [i.as_json() for i in self.items],
            "endpoints": [a.as_json() for a in self.endpoints],
            "notes": list(self.notes),
            "prices": [p.as_json() for p in self.prices],
        }


def _money(x: float) -> float:
    return round(x + 0.0, 2)


def usd(x: float) -> str:
    """$1,080.40; small amounts keep their cents ($0.30)."""
    return f"${x:,.2f}"


def price(x: float) -> str:
    """A unit price as AWS writes it: $0.736, $0.00002, $3.5."""
    return "$" + (f"{x:.10f}".rstrip("0").rstrip(".") or "0")


def _n(x: float) -> str:
    """A count or rate as read: 10,000,000 / 3.8 / 0.1."""
    if float(x).is_integer():
        return f"{int(x):,}"
    return f"{x:,.2f}".rstrip("0").rstrip(".") if abs(x) >= 0.01 else f"{x:.3g}"


def traffic_of(config: PlatformConfig, overrides: dict[str, object] | None = None) -> tuple[Traffic, tuple[str, ...]]:
    """The traffic assumptions: the config's section with the given flags over it (a requests rate given as
    a flag replaces the section's, whichever unit either uses), and the names of the fields left at defaults."""
    base = config.traffic.model_dump(exclude_unset=True) if config.traffic is not None else {}
    given = {k: v for k, v in (overrides or {}).items() if v is not None}
    if "requests_per_month" in given or "requests_per_hour" in given:
        base.pop("requests_per_month", None)
        base.pop("requests_per_hour", None)
    merged = {**base, **given}
    try:
        traffic = Traffic.model_validate(merged, strict=False)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(x) for x in e['loc']) or 'traffic'}: {e['msg']}" for e in exc.errors())
        raise UsageError(f"traffic assumptions: {problems}") from None
    defaults = [n for n in Traffic.model_fields if n not in merged]
    if "requests_per_month" in merged or "requests_per_hour" in merged:
        defaults = [n for n in defaults if n not in ("requests_per_month", "requests_per_hour")]
    else:
        defaults = [n for n in defaults if n != "requests_per_hour"]
    return traffic, tuple(d for d in defaults if d not in ("latency_goal_ms", "endpoints"))


@dataclass
class _Book:
    """The estimate being written: its lines, notes and the prices it used."""

    prices: PriceTable
    region: str
    items: list[Item] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    used: dict[tuple[str, str, str, str], Price] = field(default_factory=dict)
    fallbacks: list[str] = field(default_factory=list)  # prices taken from us-east-1

    def _use(self, found: Found) -> Price:
        p = found.price
        self.used[(p.service, p.item, p.key, p.region)] = p
        for note in found.note.split("; ") if found.note else ():
            # "<what>: no <region> figure in the price table, us-east-1's is used" notes become one line.
            what, sep, _ = note.partition(f": no {self.region} figure")
            if sep:
                if what not in self.fallbacks:
                    self.fallbacks.append(what)
            elif note not in self.notes:
                self.notes.append(note)
        return p

    def fallback_note(self) -> str | None:
        if not self.fallbacks:
            return None
        return (
            f"no {self.region} figure in the price table for {', '.join(self.fallbacks)}: us-east-1's is used "
            "(pass AWS's offer file for the region's SageMaker prices: --prices FILE)"
        )

    def instance(self, item: str, instance_type: str) -> float:
        p = self._use(self.prices.instance(item, instance_type, self.region))
        assert p.usd is not None
        return p.usd

    def rate(self, service: str, item: str, key: str = "") -> float | None:
        """A service's price, or None (noted) when the table has no figure."""
        found = self.prices.get(service, item, key, self.region)
        if found is None:
            note = f"{service} {item}{' ' + key if key else ''}: not in the price table"
            if note not in self.notes:
                self.notes.append(note)
            return None
        p = self._use(found)
        return p.usd

    def add(self, item: Item) -> None:
        self.items.append(item)

    def unpriced(self, resource: str, what: str, category: str) -> None:
        self.add(Item(resource, 0.0, f"not priced: {what}", category, priced=False))


def estimate(
    config: PlatformConfig,
    base_dir: Path = Path("."),
    *,
    prices: PriceTable | None = None,
    traffic: dict[str, object] | None = None,
) -> Estimate:
    """The monthly estimate of everything ``config`` deploys. ``traffic`` holds flag values over the
    config's ``traffic`` section (requests_per_month, requests_per_hour, peak_factor, avg_duration_ms,
    payload_kb, ...); ``prices`` defaults to the bundled table. Raises
    :class:`~mlinfra.cost.prices.PriceError` for an instance type without a price."""
    from ..plan.platform import build_plan
    from .prices import bundled

    table = prices if prices is not None else bundled()
    t, defaults = traffic_of(config, traffic)
    plan = build_plan(config, base_dir)
    book = _Book(table, config.project.region, notes=list(table.notes))
    advice = _endpoints(config, plan, t, book)
    _platform(config, plan, t, book)
    fallback = book.fallback_note()
    if fallback:
        book.notes.insert(0, fallback)
    return Estimate(
        platform=plan.prefix,
        region=config.project.region,
        traffic=t,
        defaults=defaults,
        items=tuple(book.items),
        endpoints=tuple(advice),
        notes=tuple(book.notes),
        prices=tuple(p for _, p in sorted(book.used.items())),
    )


# --- endpoints --------------------------------------------------------------------------------------------


def _per_instance_per_minute(t: Traffic, target_invocations: int | None) -> tuple[float, str]:
    """Requests one instance serves a minute: the autoscaling target (SageMaker adds an instance above it),
    else one request at a time for avg_duration_ms at the utilisation assumed."""
    if target_invocations:
        return float(
            target_invocations
        ), f"autoscaling's target of {_n(target_invocations)} invocations per instance a minute"
    per = 60_000 / t.avg_duration_ms * t.instance_utilization
    return per, (
        f"{_n(round(per, 1))} requests per instance a minute (one at a time, {_n(t.avg_duration_ms)} ms each, "
        f"{_n(t.instance_utilization * 100)} % busy)"
    )


def _needed(per_minute: float, capacity: float) -> int:
    return max(1, math.ceil(per_minute / capacity - 1e-9)) if per_minute > 0 else 0


def _endpoints(config: PlatformConfig, plan: PlatformPlan, t: Traffic, book: _Book) -> list[Advice]:
    advice = []
    for ep in config.endpoints:
        te = t.of(ep.name)
        if isinstance(ep, InferenceComponentsEndpoint):
            advice.append(_components(ep, te, book))
            continue
        total = te.monthly_requests
        # SageMaker reads weights as relative (the rules refuse weights that are all 0).
        weights = sum(v.weight for v in ep.variants)
        for v in ep.variants:
            _variant(ep, v, total * v.weight / weights, te, book, shadow=False)
        if ep.shadow is not None:
            # A shadow variant receives a copy of the production traffic (all of it, at the default sampling).
            _variant(ep, ep.shadow, total, te, book, shadow=True)
        _data_processed(ep.name, total, te, book)
        if ep.async_inference is not None:
            _async_objects(ep.name, total, te, book)
        advice.append(_options(ep, te, book))
    return advice


def _variant(ep: Endpoint, v: Variant, requests: float, t: Traffic, book: _Book, *, shadow: bool) -> None:
    what = "shadow variant" if shadow else "variant"
    resource = f"endpoint {ep.name} {what} {v.name}"
    if v.serverless is not None:
        _serverless_item(resource, v.serverless.memory_mb, v.serverless.provisioned_concurrency, requests, t, book)
        return
    itype = v.instance_type or "ml.m5.large"
    hourly = book.instance("hosting", itype)
    count = v.instance_count or 1
    per_min = requests / HOURS_PER_MONTH / 60
    if ep.kind == "async":
        _async_item(resource, itype, hourly, v, requests, t, book)
        return
    if v.autoscaling is None:
        cost = count * hourly * HOURS_PER_MONTH
        book.add(
            Item(
                resource,
                cost,
                f"{count} × {itype} × {price(hourly)}/h × {HOURS_PER_MONTH} h",
                "sagemaker",
            )
        )
        return
    a = v.autoscaling
    capacity, why = _per_instance_per_minute(t, a.target_invocations)
    expected = min(a.max, max(a.min, _needed(per_min, capacity)))
    low, high = a.min * hourly * HOURS_PER_MONTH, a.max * hourly * HOURS_PER_MONTH
    book.add(
        Item(
            resource,
            expected * hourly * HOURS_PER_MONTH,
            f"{itype} × {price(hourly)}/h × {HOURS_PER_MONTH} h; autoscaling {a.min}–{a.max} instances "
            f"({usd(low)}–{usd(high)}), expected {expected}: {_n(round(per_min, 1))} requests a minute at {why}",
            "sagemaker",
            low_usd=low,
            high_usd=high,
        )
    )


def _async_item(resource: str, itype: str, hourly: float, v: Variant, requests: float, t: Traffic, book: _Book) -> None:
    """Async endpoints scale to zero (autoscaling min 0): billed for the instance hours the queue keeps busy."""
    a = v.autoscaling
    lo = a.min if a is not None else (v.instance_count or 1)
    hi = a.max if a is not None else (v.instance_count or 1)
    busy_hours = requests * t.avg_duration_ms / 1000 / 3600 / t.instance_utilization
    if a is None:
        hours = float(lo * HOURS_PER_MONTH)
        basis = f"{lo} × {itype} × {price(hourly)}/h × {HOURS_PER_MONTH} h (no autoscaling: never scales to zero)"
    else:
        hours = min(hi * HOURS_PER_MONTH, max(lo * HOURS_PER_MONTH, busy_hours))
        basis = (
            f"{itype} × {price(hourly)}/h × {_n(round(hours, 1))} instance hours: {_n(requests)} requests × "
            f"{_n(t.avg_duration_ms)} ms at {_n(t.instance_utilization * 100)} % busy"
            + (", scaling to zero between them" if lo == 0 else f", at least {lo} instance(s) always")
            + f" (band {lo}–{hi} instances all month)"
        )
    book.add(
        Item(
            resource,
            hours * hourly,
            basis,
            "sagemaker",
            low_usd=lo * hourly * HOURS_PER_MONTH if a is not None and lo > 0 else (0.0 if a is not None else None),
            high_usd=hi * hourly * HOURS_PER_MONTH if a is not None else None,
        )
    )


def _serverless_cost(memory_mb: int, requests: float, t: Traffic, book: _Book) -> tuple[float, str]:
    gb_s = book.rate("sagemaker", "serverless_gb_second") or 0.0
    per_request = book.rate("sagemaker", "serverless_request") or 0.0
    gb = memory_mb / 1024
    seconds = requests * t.avg_duration_ms / 1000
    cost = seconds * gb * gb_s + requests * per_request
    basis = f"{_n(requests)} requests × {_n(t.avg_duration_ms / 1000)} s × {_n(gb)} GB × {price(gb_s)}/GB-s"
    if per_request:
        basis += f" + {_n(requests)} × {price(per_request)}/request"
    return cost, basis


def _serverless_item(
    resource: str, memory_mb: int, provisioned: int | None, requests: float, t: Traffic, book: _Book
) -> None:
    cost, basis = _serverless_cost(memory_mb, requests, t, book)
    book.add(Item(resource, cost, f"serverless {memory_mb} MB: {basis}", "sagemaker"))
    if provisioned:
        rate = book.rate("sagemaker", "serverless_provisioned_gb_second")
        pc = f"{resource} provisioned concurrency"
        if rate is None:
            book.unpriced(pc, f"{provisioned} × {memory_mb} MB kept warm all month: no price found", "sagemaker")
        else:
            seconds = HOURS_PER_MONTH * 3600
            book.add(
                Item(
                    pc,
                    provisioned * memory_mb / 1024 * seconds * rate,
                    f"{provisioned} × {_n(memory_mb / 1024)} GB × {_n(seconds)} s × {price(rate)}/GB-s",
                    "sagemaker",
                )
            )


def _round_trip_gb(requests: float, t: Traffic) -> float:
    """A month's requests and their responses, each of the traffic's payload size, in GB."""
    return requests * 2 * t.payload_kb / 1024 / 1024


def _data_processed(name: str, requests: float, t: Traffic, book: _Book) -> None:
    rate = book.rate("sagemaker", "data_processed")
    gb = _round_trip_gb(requests, t)
    if rate is None or gb == 0:
        return
    book.add(
        Item(
            f"endpoint {name} data processed",
            gb * rate,
            f"{_n(requests)} requests × 2 × {_n(t.payload_kb)} KB (request and response) = {_n(round(gb, 1))} GB × {price(rate)}/GB",
            "sagemaker",
        )
    )


def _async_objects(name: str, requests: float, t: Traffic, book: _Book) -> None:
    """Async requests are uploaded to S3 and their results written there: a month's objects stored."""
    rate = book.rate("s3", "gb_month")
    gb = _round_trip_gb(requests, t)
    if rate is None or gb == 0:
        return
    book.add(
        Item(
            f"S3 requests and results of endpoint {name}",
            gb * rate,
            f"{_n(requests)} requests × 2 (input, output) × {_n(t.payload_kb)} KB = {_n(round(gb, 2))} GB a month × "
            f"{price(rate)}/GB-month (the first month's; kept until you delete them)",
            "storage",
        )
    )


def _components(ep: InferenceComponentsEndpoint, t: Traffic, book: _Book) -> Advice:
    f = ep.fleet
    hourly = book.instance("hosting", f.instance_type)
    lo, hi = (f.scaling.min, f.scaling.max) if f.scaling else (f.instance_count, f.instance_count)
    expected = min(hi, max(lo, f.instance_count))
    cost = expected * hourly * HOURS_PER_MONTH
    band = (
        f"; managed instance scaling {lo}–{hi} ({usd(lo * hourly * HOURS_PER_MONTH)}–{usd(hi * hourly * HOURS_PER_MONTH)})"
        if f.scaling
        else ""
    )
    copies = ", ".join(f"{c.name} × {c.copies}" for c in ep.components)
    basis = f"{expected} × {f.instance_type} × {price(hourly)}/h × {HOURS_PER_MONTH} h{band}; copies {copies}"
    book.add(
        Item(
            f"endpoint {ep.name} fleet",
            cost,
            basis,
            "sagemaker",
            low_usd=lo * hourly * HOURS_PER_MONTH if f.scaling else None,
            high_usd=hi * hourly * HOURS_PER_MONTH if f.scaling else None,
        )
    )
    _data_processed(ep.name, t.monthly_requests, t, book)
    option = Option(f"components on {f.instance_type}", "components", cost, basis, True)
    return Advice(
        ep.name,
        t.monthly_requests / HOURS_PER_MONTH,
        (option,),
        option.option,
        f"{len(ep.components)} model(s) share one fleet; serving them apart would take one endpoint per model",
    )


def _options(ep: Endpoint, t: Traffic, book: _Book) -> Advice:
    """The serving options of an endpoint for its whole traffic, and the cheapest that fits."""
    from ..fleet.capacity import instance_types

    requests = t.monthly_requests
    per_hour = requests / HOURS_PER_MONTH
    peak_per_min = per_hour / 60 * t.peak_factor
    primary = next((v for v in ep.variants if v.serverless is None), None)
    itype = primary.instance_type if primary is not None and primary.instance_type else "ml.m5.large"
    floor = 1
    target = None
    if primary is not None:
        floor = primary.autoscaling.min if primary.autoscaling else (primary.instance_count or 1)
        target = primary.autoscaling.target_invocations if primary.autoscaling else None
    floor = max(1, floor)
    known = instance_types()
    spec = known.get(itype)
    gpu = bool(spec and spec.unit == "GPU")
    options: list[Option] = []

    def realtime(name: str, instance: str, note: str) -> None:
        try:
            hourly = book.instance("hosting", instance)
        except PriceError:  # an alternative without a price is left out, never an error
            return
        capacity, why = _per_instance_per_minute(t, target if instance == itype else None)
        n = max(floor, _needed(peak_per_min, capacity))
        fits = t.payload_kb <= REALTIME_MAX_PAYLOAD_KB
        options.append(
            Option(
                name,
                "realtime",
                n * hourly * HOURS_PER_MONTH,
                f"{n} × {instance} × {price(hourly)}/h × {HOURS_PER_MONTH} h: {_n(round(peak_per_min, 1))} requests a "
                f"minute at the peak, {why}, at least {floor}",
                fits,
                note,
            )
        )

    realtime(f"realtime {itype}", itype, "as configured" if primary is not None else "a CPU instance for comparison")
    if itype != CPU_ALTERNATIVE and (gpu or itype.startswith("ml.inf")):
        realtime(
            f"realtime {CPU_ALTERNATIVE}",
            CPU_ALTERNATIVE,
            "CPU: assumes the model serves in the same time without a GPU; measure before choosing",
        )
    if itype != INFERENTIA_ALTERNATIVE:
        realtime(
            f"realtime {INFERENTIA_ALTERNATIVE}",
            INFERENTIA_ALTERNATIVE,
            "Inferentia: the model must be compiled with AWS Neuron and the container support it",
        )
    # Serverless: the configured memory, else the instance's memory up to serverless's 6 GB.
    sv = next((v.serverless for v in ep.variants if v.serverless is not None), None)
    if sv is not None:
        memory: int = sv.memory_mb
        limit = sv.max_concurrency
    else:
        mem = spec.memory_mb if spec else SERVERLESS_MAX_MB
        memory = max(1024, min(SERVERLESS_MAX_MB, mem // 1024 * 1024))
        limit = SERVERLESS_MAX_CONCURRENCY
    concurrency = peak_per_min / 60 * t.avg_duration_ms / 1000
    cost, basis = _serverless_cost(memory, requests, t, book)
    reasons = []
    if concurrency > limit:
        reasons.append(f"the peak needs {_n(round(concurrency, 1))} concurrent requests, over the limit of {limit}")
    if t.payload_kb > SERVERLESS_MAX_PAYLOAD_KB:
        reasons.append("payloads over 4 MB")
    if ep.kind == "async":
        reasons.append("serverless endpoints take no asynchronous invocations")
    if ep.kind == "multi-model":
        reasons.append("serverless endpoints host no multi-model endpoint")
    note = "; ".join(reasons) or (
        f"{_n(round(concurrency, 2))} concurrent requests at the peak; cold starts of seconds after idle time"
        + ("; no GPU: the model must run on CPU" if gpu else "")
    )
    options.append(Option(f"serverless {memory} MB", "serverless", cost, basis, not reasons, note))
    # Async on the configured type: billed for the instance hours the queue keeps busy, zero when idle.
    try:
        hourly = book.instance("hosting", itype)
        hours = requests * t.avg_duration_ms / 1000 / 3600 / t.instance_utilization
        options.append(
            Option(
                f"async {itype}",
                "async",
                hours * hourly,
                f"{_n(round(hours, 1))} busy instance hours × {price(hourly)}/h, scaling to zero between requests",
                True,
                "callers receive results in S3, not in the response" if ep.kind != "async" else "as configured",
            )
        )
    except PriceError:  # no price for the configured type: the real-time option already raised
        pass
    return _recommend(ep, per_hour, tuple(options), t)


def _recommend(ep: Endpoint, per_hour: float, options: tuple[Option, ...], t: Traffic) -> Advice:
    candidates = [o for o in options if o.fits]
    # Async callers use InvokeEndpointAsync and read S3; real-time callers wait for the answer: neither
    # kind of endpoint is replaced by the other.
    if ep.kind == "async":
        candidates = [o for o in candidates if o.kind == "async"]
    else:
        candidates = [o for o in candidates if o.kind != "async"]
    if t.latency_goal_ms is not None and t.latency_goal_ms < 1000:
        candidates = [o for o in candidates if o.kind != "serverless"]
    if not candidates:
        candidates = list(options)
    best = min(candidates, key=lambda o: o.monthly_usd)
    if per_hour < 1000:
        thumb = "below 1 K requests an hour the reference's rule of thumb is serverless"
    elif per_hour <= 10_000:
        thumb = "between 1 K and 10 K requests an hour the reference's rule of thumb is Inferentia"
    else:
        thumb = "above 10 K requests an hour the reference's rule of thumb is g4dn with autoscaling"
    others = sorted((o for o in options if o is not best), key=lambda o: o.monthly_usd)
    vs = ", ".join(
        f"{o.option} {usd(o.monthly_usd)}"
        + ("" if o.fits else " (does not fit)")
        + (" (results in S3)" if o.kind == "async" and ep.kind != "async" else "")
        for o in others
    )
    why = (
        f"{_n(round(per_hour))} requests an hour: {thumb}; at these prices {best.option} is the cheapest that fits "
        f"at {usd(best.monthly_usd)} a month"
        + (f"; the others: {vs}" if vs else "")
        + (f"; {best.note}" if best.note else "")
    )
    if t.latency_goal_ms is not None and t.latency_goal_ms < 1000:
        why += f"; serverless left out for the latency goal of {_n(t.latency_goal_ms)} ms"
    return Advice(ep.name, per_hour, options, best.option, why)


# --- the rest of the platform ----------------------------------------------------------------------------


def _platform(config: PlatformConfig, plan: PlatformPlan, t: Traffic, book: _Book) -> None:
    from ..components.batch.plan import BatchPlan
    from ..components.monitoring.plan import MonitoringPlan
    from ..plan.parts import (
        ApiPlan,
        CachePlan,
        EdgePlan,
        EndpointsPlan,
        InferenceComponentsPlan,
        KmsPlan,
        NetworkPlan,
        PreprocessingPlan,
        ResultsPlan,
    )

    parts = list(plan.parts.values())
    requests = t.monthly_requests
    alarms = 0
    for part in parts:
        if isinstance(part, EndpointsPlan):
            for ep in part.endpoints:
                alarms += len(ep.alarms)
                for v in (*ep.variants, *([ep.shadow] if ep.shadow else [])):
                    if v.scaling is not None:
                        alarms += ALARMS_PER_TARGET_TRACKING + (1 if v.scaling.scale_from_zero else 0)
        elif isinstance(part, InferenceComponentsPlan):
            for cep in part.endpoints:
                alarms += len(cep.alarms)
                for c in cep.components:
                    if c.scaling is not None:
                        alarms += ALARMS_PER_TARGET_TRACKING + (1 if c.scaling.from_zero_alarm_name else 0)
        elif isinstance(part, MonitoringPlan):
            alarms += sum(len(e.alarms) for e in part.endpoints)
            _monitoring(config, part, t, book)
        elif isinstance(part, BatchPlan):
            _batch(part, t, book)
        elif isinstance(part, KmsPlan):
            rate = book.rate("kms", "key_month")
            if rate is not None:
                book.add(Item("KMS key (platform)", rate, f"1 customer managed key × {usd(rate)} a month", "security"))
        elif isinstance(part, NetworkPlan):
            _network(part, book)
        elif isinstance(part, CachePlan):
            _cache(part, book)
        elif isinstance(part, ResultsPlan):
            _results(part.table_name, requests, t, book)
        elif isinstance(part, PreprocessingPlan):
            _lambdas(part, requests, t, book)
        elif isinstance(part, ApiPlan):
            rate = book.rate("apigateway", "rest_request")
            if rate is not None:
                book.add(
                    Item(
                        f"API Gateway REST API {part.name}",
                        requests * rate,
                        f"{_n(requests)} requests × {price(rate * 1e6)} per million",
                        "api",
                    )
                )
            if not any(isinstance(p, EdgePlan) and p.cloudfront for p in parts):
                _egress("data transfer out (API responses)", requests, t, book)
        elif isinstance(part, EdgePlan) and part.cloudfront:
            _cloudfront(part, requests, t, book)
    # Every endpoint's capture: sampled requests and responses into S3.
    _capture(config, t, book)
    if alarms:
        rate = book.rate("cloudwatch", "alarm_month")
        if rate is not None:
            book.add(
                Item(
                    "CloudWatch alarms",
                    alarms * rate,
                    f"{alarms} standard alarms × {usd(rate)} a month (the config's, and "
                    f"{ALARMS_PER_TARGET_TRACKING} per target-tracking scaling policy, which AWS creates)",
                    "monitoring",
                )
            )
    names = {type(p).__name__ for p in parts}
    if "PipelinePlan" in names:
        book.unpriced(
            "CI/CD pipeline (CodePipeline, CodeBuild)",
            "billed per pipeline and build minute, which depend on how often you release",
            "other",
        )
    if "RegistryPlan" in names:
        book.unpriced(
            "model registry (ECR images, model package group)", "ECR storage depends on the images' sizes", "storage"
        )
    book.notes.append(
        "not priced (small or usage-bound): CloudWatch Logs ingestion and storage, SNS notifications, "
        "Step Functions transitions, EventBridge schedules, KMS requests, S3 requests"
    )


def _network(part: object, book: _Book) -> None:
    from ..plan.parts import NetworkPlan

    assert isinstance(part, NetworkPlan)
    zones = len(part.vpc.subnets) if part.vpc is not None else len(part.subnet_ids)
    n = len(part.interface_endpoints)
    if n:
        rate = book.rate("vpc", "interface_endpoint_az_hour")
        if rate is not None:
            book.add(
                Item(
                    "VPC interface endpoints",
                    n * zones * HOURS_PER_MONTH * rate,
                    f"{n} endpoint{'' if n == 1 else 's'} ({', '.join(part.interface_endpoints)}) × {zones} AZ × {HOURS_PER_MONTH} h × "
                    f"{price(rate)}/h (data processed through them, $0.01/GB, not included)",
                    "network",
                )
            )
    book.notes.append("no NAT gateway: mlinfra creates none (its private subnets reach AWS through VPC endpoints)")


def _cache(part: object, book: _Book) -> None:
    from ..plan.parts import CachePlan

    assert isinstance(part, CachePlan)
    resource = f"ElastiCache {part.replication_group_id}"
    rate = book.rate("elasticache", "node", part.node_type)
    if rate is None:
        book.unpriced(
            resource, f"{part.num_cache_clusters} × {part.node_type}: no price found for the node type", "other"
        )
    else:
        book.add(
            Item(
                resource,
                part.num_cache_clusters * rate * HOURS_PER_MONTH,
                f"{part.num_cache_clusters} × {part.node_type} × {price(rate)}/h × {HOURS_PER_MONTH} h",
                "other",
            )
        )
    secret = book.rate("secretsmanager", "secret_month")
    if secret is not None:
        book.add(Item(f"Secrets Manager {part.secret_name}", secret, f"1 secret × {usd(secret)} a month", "security"))


def _lambdas(part: object, requests: float, t: Traffic, book: _Book) -> None:
    from ..plan.parts import PreprocessingPlan

    assert isinstance(part, PreprocessingPlan)
    gb_s = book.rate("lambda", "gb_second")
    per_request = book.rate("lambda", "request")
    if gb_s is None or per_request is None or not part.functions:
        return
    share = requests / len(part.functions)
    for f in part.functions:
        # The function waits for the endpoint's answer: its duration is at least the model's.
        seconds = share * t.avg_duration_ms / 1000
        gb = f.memory_mb / 1024
        book.add(
            Item(
                f"Lambda {f.function_name}",
                seconds * gb * gb_s + share * per_request,
                f"{_n(share)} requests (an equal share of the traffic per route) × {_n(t.avg_duration_ms / 1000)} s "
                f"(it waits for the endpoint) × {_n(gb)} GB × {price(gb_s)}/GB-s + {_n(share)} × {price(per_request * 1e6)} per million",
                "api",
            )
        )


def _results(table: str, requests: float, t: Traffic, book: _Book) -> None:
    """The preprocessing Lambdas put every prediction they serve from the endpoint (cache hits aside) into the
    results table, on demand: one write request unit per KB of the item, taken as the payload's size."""
    rate = book.rate("dynamodb", "write_request")
    resource = f"DynamoDB table {table}"
    if rate is None:
        book.unpriced(resource, "on-demand writes, one a prediction: no DynamoDB price found", "storage")
        return
    units = max(1, math.ceil(t.payload_kb))
    book.add(
        Item(
            resource,
            requests * units * rate,
            f"{_n(requests)} predictions written (every one, no cache hits assumed) × {units} write request unit(s) "
            f"(an item of {_n(t.payload_kb)} KB) × {price(rate * 1e6)} per million; storage (TTL-expired) not included",
            "storage",
        )
    )


def _cloudfront(part: object, requests: float, t: Traffic, book: _Book) -> None:
    req = book.rate("cloudfront", "https_request")
    out = book.rate("cloudfront", "data_out_gb")
    if req is None or out is None:
        return
    gb = requests * t.payload_kb / 1024 / 1024
    book.add(
        Item(
            "CloudFront distribution",
            requests * req + gb * out,
            f"{_n(requests)} HTTPS requests × {price(req * 1e4)} per 10,000 + {_n(round(gb, 1))} GB out × {price(out)}/GB",
            "api",
        )
    )


def _egress(resource: str, requests: float, t: Traffic, book: _Book) -> None:
    rate = book.rate("transfer", "out_gb")
    gb = requests * t.payload_kb / 1024 / 1024
    if rate is None or gb == 0:
        return
    book.add(Item(resource, gb * rate, f"{_n(round(gb, 1))} GB of responses × {price(rate)}/GB", "network"))


def _capture(config: PlatformConfig, traffic: Traffic, book: _Book) -> None:
    rate = book.rate("s3", "gb_month")
    if rate is None:
        return
    for ep in config.endpoints:
        cap = ep.data_capture
        if cap is None:
            continue
        t = traffic.of(ep.name)
        requests = t.monthly_requests
        gb = requests * cap.sampling_percentage / 100 * len(cap.modes) * t.payload_kb / 1024 / 1024
        book.add(
            Item(
                f"S3 data capture of endpoint {ep.name}",
                gb * rate,
                f"{_n(requests)} requests × {cap.sampling_percentage} % × {len(cap.modes)} ({', '.join(cap.modes)}) × "
                f"{_n(t.payload_kb)} KB = {_n(round(gb, 2))} GB a month × {price(rate)}/GB-month (the first month's; "
                "it accumulates until the bucket's lifecycle expires it)",
                "storage",
            )
        )


def _batch(part: object, t: Traffic, book: _Book) -> None:
    from ..components.batch.plan import BatchPlan

    assert isinstance(part, BatchPlan)
    c = part.config
    hourly = book.instance("transform", c.instance_type)
    runs = runs_per_month(c.schedule)
    per_run = c.instance_count * hourly * t.batch_run_minutes / 60
    when = f"{_n(round(runs, 1))} runs a month ({c.schedule})" if c.schedule else "no schedule: runs started by hand"
    book.add(
        Item(
            f"batch transform {part.name}",
            runs * per_run,
            f"{c.instance_count} × {c.instance_type} × {price(hourly)}/h × {_n(t.batch_run_minutes)} min = "
            f"{usd(per_run)} a run × {when}",
            "sagemaker",
        )
    )


def _monitoring(config: PlatformConfig, part: object, t: Traffic, book: _Book) -> None:
    from ..components.monitoring.plan import MonitoringPlan

    assert isinstance(part, MonitoringPlan)
    dash = book.rate("cloudwatch", "dashboard_month")
    if dash is not None and part.endpoints:
        n = len(part.endpoints)
        book.add(
            Item(
                "CloudWatch dashboards",
                n * dash,
                f"{n} dashboards (one per endpoint) × {usd(dash)} a month",
                "monitoring",
            )
        )
    for em in part.endpoints:
        if em.config is None:
            continue
        for mon in em.monitors:
            hourly = book.instance("processing", em.config.instance_type)
            runs = runs_per_month(mon.schedule)
            per_run = em.config.instance_count * hourly * t.monitor_run_minutes / 60
            book.add(
                Item(
                    f"Model Monitor {mon.kind} on {em.label}",
                    runs * per_run,
                    f"{em.config.instance_count} × {em.config.instance_type} × {price(hourly)}/h × "
                    f"{_n(t.monitor_run_minutes)} min = {usd(per_run)} a job × {_n(round(runs, 1))} jobs a month ({mon.schedule})",
                    "monitoring",
                )
            )
