"""Return authorizations from a CSV, one row per returned SKU, read by column name:

    RMA, Order, SKU, Quantity, Reason, Requested, Exchange size, Carrier, Tracking,
    Shipped on, Created at, Delivered on, Comment

`RMA` (with its check digit), `Order` (ours, `KP-01001`, or Shopify's Name, `#1001`),
`SKU` and `Reason` are required; `Quantity` defaults to 1 (that many units), `Requested`
to refund. `Delivered on` is the order's delivery date from the carrier (Shopify's export
has none, and every policy window counts from it). Rows of one RMA must agree on its
RMA-level fields. Parsing never touches the database.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from app.domain.bounds import date_in_range
from app.domain.enums import Carrier, RequestedResolution, ReturnReason
from app.importers.csvfile import Getter, RowError, parse_rows
from app.importers.shopify import parse_timestamp
from app.scanning.classify import classify
from app.scanning.codes import rma_check_ok

REQUIRED = ("RMA", "Order", "SKU", "Reason")
RMA_LEVEL = ("Order", "Carrier", "Tracking", "Shipped on", "Created at", "Delivered on")


@dataclass
class ParsedUnit:
    line: int
    sku: str
    reason: ReturnReason
    requested: RequestedResolution
    exchange_size: str | None
    comment: str | None


@dataclass
class ParsedRma:
    line: int
    number: str
    order: str
    carrier: Carrier | None
    tracking: str | None
    shipped_on: dt.date | None
    created_at: dt.datetime | None
    delivered_on: dt.date | None
    units: list[ParsedUnit] = field(default_factory=list)


MAX_UNITS = 50  # units of one SKU on one RMA row (checked before any is built)


def _enum_value(text: str) -> str:
    return "_".join(text.strip().lower().replace("-", " ").split())


def _date(text: str, what: str) -> dt.date | None:
    if not text:
        return None
    try:
        day = dt.date.fromisoformat(text.strip()[:10])
    except ValueError:
        raise ValueError(f"{what} {text[:40]!r} is not a date like 2026-05-11") from None
    problem = date_in_range(day)
    if problem:
        raise ValueError(f"{what} {problem}")
    return day


def parse_rmas(data: bytes) -> tuple[list[ParsedRma], list[RowError], int]:
    rmas: dict[str, ParsedRma] = {}
    first: dict[str, dict[str, str]] = {}
    errors, rows = parse_rows(data, REQUIRED, "an RMA file",
                              lambda line, get: _row(get, line, rmas, first))
    return list(rmas.values()), errors, rows


def _row(get: Getter, line: int, rmas: dict[str, ParsedRma],
         first: dict[str, dict[str, str]]) -> None:
    number = get("RMA").upper()
    if not number:
        raise ValueError("no RMA number")
    if not rma_check_ok(number):
        raise ValueError(f"RMA {number}: not an RMA number or its check digit is wrong")
    sku = get("SKU")
    if not sku:
        raise ValueError(f"RMA {number}: no SKU")
    try:
        reason = ReturnReason(_enum_value(get("Reason")))
    except ValueError:
        raise ValueError(f"RMA {number}: reason {get('Reason')!r} is not one of "
                         + ", ".join(r.value for r in ReturnReason)) from None
    try:
        requested = RequestedResolution(_enum_value(get("Requested") or "refund"))
    except ValueError:
        raise ValueError(f"RMA {number}: requested {get('Requested')!r} is not one of "
                         + ", ".join(r.value for r in RequestedResolution)) from None
    quantity_text = get("Quantity") or "1"
    if not quantity_text.isdigit() or len(quantity_text) > 4 \
            or not 1 <= int(quantity_text) <= MAX_UNITS:
        raise ValueError(f"RMA {number}: Quantity {quantity_text[:20]!r} is not a whole "
                         f"number from 1 to {MAX_UNITS}")
    size = get("Exchange size") or None
    if requested is RequestedResolution.EXCHANGE and not size:
        raise ValueError(f"RMA {number}: an exchange needs the Exchange size")
    units = [ParsedUnit(line, sku, reason, requested, size, get("Comment") or None)
             for _ in range(int(quantity_text))]
    rma = rmas.get(number)
    if rma is None:
        if not get("Order"):
            raise ValueError(f"RMA {number}: no Order")
        carrier = None
        if get("Carrier"):
            try:
                carrier = Carrier(_enum_value(get("Carrier")))
            except ValueError:
                raise ValueError(f"RMA {number}: carrier {get('Carrier')!r} is not one of "
                                 + ", ".join(c.value for c in Carrier)) from None
        tracking = get("Tracking").replace(" ", "") or None
        if tracking is not None:
            scan = classify(tracking)
            if not any(c.kind not in ("rma", "order", "item") for c in scan.valid):
                raise ValueError(f"RMA {number}: tracking number {tracking} is not valid "
                                 "(check digit or format)")
        created = get("Created at")
        rma = ParsedRma(
            line=line, number=number, order=get("Order"), carrier=carrier,
            tracking=tracking, shipped_on=_date(get("Shipped on"), "Shipped on"),
            created_at=(parse_timestamp(created) if len(created) > 10 else
                        dt.datetime.combine(_date(created, "Created at") or dt.date.min,
                                            dt.time(12), tzinfo=dt.UTC)) if created else None,
            delivered_on=_date(get("Delivered on"), "Delivered on"))
        rmas[number] = rma
        first[number] = {k: get(k) for k in RMA_LEVEL}
    else:
        for k in RMA_LEVEL:
            if get(k) and first[number][k] and get(k) != first[number][k]:
                raise ValueError(f"RMA {number}: {k} {get(k)!r} differs from its first row "
                                 f"(line {rma.line})")
    rma.units.extend(units)
