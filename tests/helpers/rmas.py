"""Demo RMAs shaped for a test: one unit with the fields the test needs."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app import audit
from app.domain.enums import (
    DamageSeverity,
    DecisionStatus,
    Grade,
    ReceptionStatus,
    RequestedResolution,
    ReturnReason,
)
from app.services.auth import SignedInUser
from app.services.decisions import DecisionService, InspectionInput
from models import Order, ReturnAuthorization, ReturnItem


def rma_where(sf: sessionmaker[Session], skip: int = 0, **want: object) -> tuple[str, ReturnItem]:
    """A demo RMA with one unit whose fields match `want`, made to match if none does."""
    with sf() as s:
        rma = s.scalars(select(ReturnAuthorization).join(Order)
                        .where(Order.brand == want.pop("brand", "kissprom"))
                        .order_by(ReturnAuthorization.id).offset(skip)).first()
        assert rma is not None
        item = rma.items[0]
        for key, value in want.items():
            setattr(item, key, value)
        for extra in rma.items[1:]:
            s.delete(extra)
        s.commit()
        return rma.number, item


def set_price(sf: sessionmaker[Session], rma_number: str, price: str, tax: str) -> None:
    with sf() as s:
        rma = s.scalars(select(ReturnAuthorization)
                        .where(ReturnAuthorization.number == rma_number)).one()
        line = rma.items[0].order_line
        assert line is not None
        # Every unit of the line at this price and tax (the line's totals, unit by unit).
        line.set_totals(Decimal(price) * line.quantity, Decimal(tax) * line.quantity)
        line.clearance = False
        # The shop's order corrected on the record (its seal follows the correction).
        audit.append(s, at=dt.datetime.now(dt.UTC), action="order_line.corrected",
                     actor="test", entity="order_line", entity_id=line.id,
                     payload={"price": price, "tax": tax})
        s.commit()


# An inspection the policy sends back to the customer, so an exception asks for more.
WORN = InspectionInput(matches_order=True, grade=Grade.D, worn=True,
                       damage_severity=DamageSeverity.NONE)


def ask_exception(sf: sessionmaker[Session], decisions: DecisionService, number: str,
                  user: SignedInUser, amount: str, outcome: str = "refund",
                  reason: str = "Customer was promised a refund on the phone",
                  request_key: str | None = None) -> int:
    """An exception on unit 1 worth `amount`: the line is priced so that the service's
    own computation (price plus tax, no fee) gives it."""
    set_price(sf, number, amount, "0.00")
    return decisions.request_exception(number, 1, reason, outcome, user, inspection=WORN,
                                       request_key=request_key)


def refundable(sf: sessionmaker[Session], skip: int = 0, price: str = "120.00",
               tax: str = "9.90", reason: ReturnReason = ReturnReason.SIZING,
               **want: object) -> str:
    """A one-unit refund RMA (sizing unless `reason` says otherwise; `want`: more fields,
    and its brand), priced, shipped back on its delivery day (inside every window)."""
    number, _ = rma_where(sf, skip=skip, reason=reason,
                          requested=RequestedResolution.REFUND, **want)
    set_price(sf, number, price, tax)
    with sf() as s:
        rma = s.scalars(select(ReturnAuthorization).where(
            ReturnAuthorization.number == number)).one()
        rma.shipped_by_customer_on = rma.order.delivered_on
        s.commit()
    return number


def twin_rma(sf: sessionmaker[Session], number: str, twin_number: str,
             at: dt.datetime) -> None:
    """A second RMA for unit 1 of `number`'s order line (as an older import let in), with
    that line's quantity set to 1: two RMAs, one unit bought."""
    with sf() as s:
        rma = s.scalars(select(ReturnAuthorization).where(
            ReturnAuthorization.number == number)).one()
        first = rma.items[0]
        twin = ReturnAuthorization(number=twin_number, order_id=rma.order_id,
                                   carrier=rma.carrier, created_at=at, status=rma.status,
                                   shipped_by_customer_on=rma.shipped_by_customer_on)
        s.add(twin)
        s.flush()
        s.add(ReturnItem(rma_id=twin.id, unit_no=1, order_line_id=first.order_line_id,
                         reason=first.reason, requested=first.requested,
                         reception_status=ReceptionStatus.RECEIVED,
                         decision_status=DecisionStatus.PENDING, received_at=at))
        assert first.order_line is not None
        first.order_line.quantity = 1
        s.commit()
