"""The input of one decision (POLICY.md contract), parsed strictly: a malformed case is
refused with the path of the field at fault, never half-read.

A case whose dates cannot be (see `date_problem`) is refused the same way: the order
delivered after the parcel was received or before the order was placed, the customer's
ship date before delivery or after receipt, the inspection before the receipt. The dates
are judged against each other only, never against the wall clock, so the same case always
gets the same answer."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Any, TypeVar

from app.domain.bounds import date_in_range
from app.domain.enums import (
    CustomerTier,
    DamageCause,
    DamageSeverity,
    Grade,
    RequestedResolution,
    ReturnReason,
)
from app.domain.money import money
from app.errors import BadInput

E = TypeVar("E", bound=StrEnum)


class CaseError(BadInput):
    """A case that does not follow the decision contract."""


@dataclass(frozen=True)
class Inspection:
    grade: Grade
    worn: bool
    altered: bool
    tags_attached: bool
    damage_severity: DamageSeverity
    damage_cause: DamageCause | None
    photos: int
    matches_order: bool


@dataclass(frozen=True)
class CaseItem:
    sku: str
    price_paid: Decimal
    msrp: Decimal
    tax: Decimal
    clearance: bool
    reason: ReturnReason
    requested: RequestedResolution
    exchange_size: str | None
    exchange_in_stock: bool | None
    inspection: Inspection
    # Optional "unit_no": the RMA's own number for the unit (unit 3 stays "item 3" in the
    # trace when units 1 and 2 are not in this case); without it, its place in the list.
    unit_no: int | None = None


@dataclass(frozen=True)
class Case:
    policy: str | None
    order_number: str
    delivered: dt.date
    tier: CustomerTier
    shipping_paid: Decimal
    rma_number: str
    shipped_by_customer: dt.date | None
    received: dt.datetime
    inspected: dt.datetime
    items: tuple[CaseItem, ...]
    placed: dt.date | None = None  # optional "order.placed": the day the order was placed
    # Optional "rma.decided_before": what this RMA's other units were already given (the
    # bench decides an RMA's units in any grouping and order; the RMA's $250 test and its
    # one outbound shipping refund count them): refunds and store credit in place of a
    # refund, and whether the order's outbound shipping was already refunded.
    decided_before: Decimal = Decimal("0.00")
    shipping_refunded_before: bool = False


class _Reader:
    def __init__(self, data: Any, path: str) -> None:
        if not isinstance(data, dict):
            raise CaseError(f"{path or 'case'}: must be a JSON object")
        self.data = data
        self.path = path

    def _p(self, key: str) -> str:
        return f"{self.path}.{key}" if self.path else key

    def has(self, key: str) -> bool:
        return self.data.get(key) is not None

    def raw(self, key: str, required: bool = True) -> Any:
        if key not in self.data or self.data[key] is None:
            if required:
                raise CaseError(f"{self._p(key)}: missing")
            return None
        return self.data[key]

    def sub(self, key: str) -> _Reader:
        return _Reader(self.raw(key), self._p(key))

    def string(self, key: str, required: bool = True) -> str | None:
        v = self.raw(key, required)
        if v is None:
            return None
        if not isinstance(v, str) or not v.strip():
            raise CaseError(f"{self._p(key)}: must be a non-empty string")
        return v

    def req_string(self, key: str) -> str:
        v = self.string(key)
        assert v is not None
        return v

    def boolean(self, key: str, required: bool = True) -> bool | None:
        v = self.raw(key, required)
        if v is None:
            return None
        if not isinstance(v, bool):
            raise CaseError(f"{self._p(key)}: must be true or false")
        return v

    def req_bool(self, key: str) -> bool:
        v = self.boolean(key)
        assert v is not None
        return v

    def money(self, key: str) -> Decimal:
        v = self.raw(key)
        if not isinstance(v, str):
            raise CaseError(f'{self._p(key)}: must be a money string such as "189.00"')
        try:
            amount = money(v)
        except ValueError as exc:
            raise CaseError(f"{self._p(key)}: {exc}") from exc
        if amount < 0:
            raise CaseError(f"{self._p(key)}: must not be negative")
        return amount

    def date(self, key: str, required: bool = True) -> dt.date | None:
        v = self.string(key, required)
        if v is None:
            return None
        try:
            day = dt.date.fromisoformat(v)
        except ValueError as exc:
            raise CaseError(f"{self._p(key)}: must be a date YYYY-MM-DD") from exc
        problem = date_in_range(day)
        if problem:
            raise CaseError(f"{self._p(key)}: {problem}")
        return day

    def moment(self, key: str, required: bool = True) -> dt.datetime | None:
        v = self.string(key, required)
        if v is None:
            return None
        try:
            parsed = dt.datetime.fromisoformat(v)
        except ValueError as exc:
            raise CaseError(f"{self._p(key)}: must be an ISO 8601 date and time") from exc
        if parsed.tzinfo is None:
            raise CaseError(f"{self._p(key)}: needs a time zone offset (e.g. -07:00)")
        problem = date_in_range(parsed.date())
        if problem:
            raise CaseError(f"{self._p(key)}: {problem}")
        return parsed

    def day(self, key: str, required: bool = True) -> dt.date | None:
        """A date YYYY-MM-DD, or a date and time with its offset (its date in that offset)."""
        v = self.string(key, required)
        if v is None:
            return None
        if len(v.strip()) <= 10:
            return self.date(key, required)
        moment = self.moment(key, required)
        return moment.date() if moment is not None else None

    def enum(self, key: str, cls: type[E], required: bool = True) -> E | None:
        v = self.raw(key, required)
        if v is None:
            return None
        try:
            return cls(v)
        except ValueError as exc:
            allowed = ", ".join(m.value for m in cls)
            raise CaseError(f"{self._p(key)}: {v!r} is not one of {allowed}") from exc

    def req_enum(self, key: str, cls: type[E]) -> E:
        v = self.enum(key, cls)
        assert v is not None
        return v

    def count(self, key: str) -> int:
        v = self.raw(key)
        if isinstance(v, bool) or not isinstance(v, int) or v < 0:
            raise CaseError(f"{self._p(key)}: must be a whole number, 0 or more")
        return v


def parse_case(data: Any) -> Case:
    root = _Reader(data, "")
    order = root.sub("order")
    rma = root.sub("rma")
    received = root.moment("received")
    assert received is not None
    inspected = root.moment("inspected", required=False) or received
    items_raw = root.raw("items")
    if not isinstance(items_raw, list) or not items_raw:
        raise CaseError("items: must be a non-empty list")
    items = tuple(_item(_Reader(raw, f"items[{i}]")) for i, raw in enumerate(items_raw))
    delivered = order.date("delivered")
    assert delivered is not None
    case = Case(
        policy=root.string("policy", required=False),
        order_number=order.req_string("number"),
        delivered=delivered,
        tier=order.enum("tier", CustomerTier, required=False) or CustomerTier.STANDARD,
        shipping_paid=order.money("shipping_paid") if order.has("shipping_paid")
        else money("0.00"),
        rma_number=rma.req_string("number"),
        shipped_by_customer=rma.date("shipped_by_customer", required=False),
        received=received,
        inspected=inspected,
        items=items,
        placed=order.day("placed", required=False),
        **_decided_before(rma),
    )
    problem = date_problem(case)
    if problem is not None:
        raise CaseError(problem)
    return case


def date_problem(case: Case) -> str | None:
    """Why the case's dates cannot be, naming the field at fault, or None when they can.

    `received` and `inspected` are moments with an offset; they are compared with the
    order's and the customer's calendar dates by their date in their own offset (the case
    does not carry the warehouse's time zone; the services write these moments in UTC,
    which for a warehouse west of Greenwich never refuses a real date). Inspection is
    compared with the receipt as moments. The same day is always fine: a parcel may ship
    back on the day it was delivered, and be inspected the moment it is received."""
    received = case.received.date()
    delivered = case.delivered
    if case.placed is not None and delivered < case.placed:
        return (f"order.delivered {delivered} is before order.placed {case.placed}: "
                "an order cannot be delivered before it was placed")
    if delivered > received:
        return (f"order.delivered {delivered} is after received {received}: a parcel "
                "cannot come back before the order was delivered")
    shipped = case.shipped_by_customer
    if shipped is not None and shipped < delivered:
        return (f"rma.shipped_by_customer {shipped} is before order.delivered {delivered}: "
                "a parcel cannot ship back before it arrived")
    if shipped is not None and shipped > received:
        return (f"rma.shipped_by_customer {shipped} is after received {received}: a parcel "
                "cannot be received before the customer shipped it")
    if case.inspected < case.received:
        return (f"inspected {case.inspected.isoformat()} is before received "
                f"{case.received.isoformat()}: a unit cannot be inspected before it arrived")
    return None


def _decided_before(rma: _Reader) -> dict[str, Any]:
    if not rma.has("decided_before"):
        return {}
    before = rma.sub("decided_before")
    return {"decided_before": before.money("refunds"),
            "shipping_refunded_before": bool(before.boolean("shipping_refunded",
                                                            required=False))}


def _item(r: _Reader) -> CaseItem:
    ins = r.sub("inspection")
    requested = r.req_enum("requested", RequestedResolution)
    in_stock = r.boolean("exchange_in_stock", required=False)
    if requested is RequestedResolution.EXCHANGE and in_stock is None:
        raise CaseError(f"{r.path}.exchange_in_stock: required when exchange is requested")
    severity = ins.req_enum("damage_severity", DamageSeverity)
    return CaseItem(
        sku=r.req_string("sku"),
        price_paid=r.money("price_paid"),
        msrp=r.money("msrp") if r.has("msrp") else r.money("price_paid"),
        tax=r.money("tax"),
        clearance=r.req_bool("clearance"),
        reason=r.req_enum("reason", ReturnReason),
        requested=requested,
        exchange_size=r.string("exchange_size", required=False),
        exchange_in_stock=in_stock,
        unit_no=(r.count("unit_no") or None)
        if r.raw("unit_no", required=False) is not None else None,
        inspection=Inspection(
            grade=ins.req_enum("grade", Grade),
            worn=ins.req_bool("worn"),
            altered=ins.req_bool("altered"),
            tags_attached=bool(ins.boolean("tags_attached", required=False)),
            damage_severity=severity,
            damage_cause=ins.enum("damage_cause", DamageCause, required=False),
            photos=ins.count("photos"),
            matches_order=ins.req_bool("matches_order"),
        ),
    )
