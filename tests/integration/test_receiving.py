"""Receiving: the receipt and inspection clock, marks per item, extra items, unmatched
parcels held for investigation, and the second scan of a parcel already received."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.clock import FixedClock
from app.domain.enums import ReceptionStatus, RmaStatus
from app.errors import BadInput, PermissionDenied
from app.services.demo_data import DemoSummary
from app.services.lookup import LookupService
from app.services.receiving import ReceivingService
from models import AuditEvent, Receipt, ReturnAuthorization
from tests.integration.conftest import user_named


@pytest.fixture
def receiving(demo: DemoSummary, session_factory: sessionmaker[Session],
              clock: FixedClock) -> ReceivingService:
    return ReceivingService(session_factory, clock, "TEST-BENCH",
                            LookupService(session_factory, clock))


@pytest.fixture
def rma(session_factory: sessionmaker[Session], demo: DemoSummary) -> tuple[str, str]:
    with session_factory() as s:
        r = s.scalars(select(ReturnAuthorization).order_by(ReturnAuthorization.id)).first()
        assert r is not None and r.tracking_number
        return r.number, r.tracking_number


def test_receipt_starts_the_inspection_clock(receiving: ReceivingService, rma: tuple[str, str],
                                             session_factory: sessionmaker[Session]) -> None:
    number, tracking = rma
    ines = user_named(session_factory, "ines")
    outcome = receiving.receive_parcel(number, tracking, ines)
    assert outcome.newly_received and "Received" in outcome.message
    assert all(it.reception_status is ReceptionStatus.RECEIVED for it in outcome.view.items)
    assert outcome.view.first_receipt is not None
    assert outcome.view.first_receipt.station == "TEST-BENCH"
    with session_factory() as s:
        r = s.scalars(select(ReturnAuthorization)
                      .where(ReturnAuthorization.number == number)).one()
        assert r.status is RmaStatus.RECEIVED
        # Received Wed 2026-04-15 10:30 in Los Angeles: 3 business days is Mon 04-20.
        assert {it.inspection_due_on for it in r.items} == {dt.date(2026, 4, 20)}
        receipt = s.scalars(select(Receipt).where(Receipt.rma_id == r.id)).one()
        assert receipt.scanned_code == tracking and receipt.user_id == ines.id
        assert "parcel.received" in s.scalars(select(AuditEvent.action)).all()


def test_second_scan_says_when_by_whom_and_where(receiving: ReceivingService,
                                                 rma: tuple[str, str], clock: FixedClock,
                                                 session_factory: sessionmaker[Session]) -> None:
    number, tracking = rma
    receiving.receive_parcel(number, tracking, user_named(session_factory, "ines"))
    clock.advance(dt.timedelta(hours=2))
    again = receiving.receive_parcel(number, number, user_named(session_factory, "sam"))
    assert not again.newly_received
    assert "already received" in again.message and "Ines Moreno" in again.message
    assert "TEST-BENCH" in again.message
    with session_factory() as s:
        assert len(s.scalars(select(Receipt)).all()) == 1


def test_mark_missing_and_wrong_item_and_add_extra(receiving: ReceivingService,
                                                   rma: tuple[str, str],
                                                   session_factory: sessionmaker[Session]) -> None:
    number, tracking = rma
    ines = user_named(session_factory, "ines")
    receiving.receive_parcel(number, tracking, ines)
    view = receiving.set_reception(number, 1, ReceptionStatus.MISSING, ines)
    assert view.items[0].reception_status is ReceptionStatus.MISSING
    view = receiving.set_reception(number, 1, ReceptionStatus.WRONG_ITEM, ines)
    assert view.items[0].reception_status is ReceptionStatus.WRONG_ITEM
    with pytest.raises(BadInput):
        receiving.set_reception(number, 1, ReceptionStatus.EXTRA, ines)
    view = receiving.add_extra_item(number, "Black sequin mini dress, size 4", ines)
    extra = view.items[-1]
    assert extra.reception_status is ReceptionStatus.EXTRA and extra.line is None
    assert extra.description == "Black sequin mini dress, size 4"
    with pytest.raises(BadInput, match="Describe"):
        receiving.add_extra_item(number, " ", ines)


def test_unknown_parcel_is_held_not_lost(receiving: ReceivingService, clock: FixedClock,
                                         session_factory: sessionmaker[Session]) -> None:
    ines = user_named(session_factory, "ines")
    receipt_id = receiving.record_unmatched("1Z999AA10123456784", "no paperwork inside", ines)
    held = receiving.unmatched_since(clock.now() - dt.timedelta(days=1))
    assert [(h[0], h[1], h[3]) for h in held] == [(receipt_id, "1Z999AA10123456784",
                                                   "no paperwork inside")]


def test_search_by_name_email_or_order(demo: DemoSummary,
                                       session_factory: sessionmaker[Session],
                                       clock: FixedClock) -> None:
    lookup = LookupService(session_factory, clock)
    with session_factory() as s:
        r = s.scalars(select(ReturnAuthorization).order_by(ReturnAuthorization.id)).first()
        assert r is not None
        name, email, order = r.order.customer.name, r.order.customer.email, r.order.number
    for text in (name.split()[1].lower(), email[:8], order):
        hits = lookup.search(text)
        assert any(h.order_number == order for h in hits), text
    with pytest.raises(BadInput):
        lookup.search("ab")


def test_admin_cannot_receive(receiving: ReceivingService, rma: tuple[str, str],
                              session_factory: sessionmaker[Session]) -> None:
    with pytest.raises(PermissionDenied):
        receiving.receive_parcel(rma[0], rma[1], user_named(session_factory, "adam"))


def test_windows_show_which_still_hold(receiving: ReceivingService, rma: tuple[str, str],
                                       session_factory: sessionmaker[Session]) -> None:
    number, _ = rma
    with session_factory() as s:
        r = s.scalars(select(ReturnAuthorization)
                      .where(ReturnAuthorization.number == number)).one()
        assert r.order.delivered_on is not None
        r.shipped_by_customer_on = r.order.delivered_on + dt.timedelta(days=20)
        brand = r.order.brand.value
        s.commit()
    view = receiving.receive_parcel(number, number, user_named(session_factory, "ines")).view
    windows = {w.name: (w.days, w.open) for w in view.windows}
    refund_open = brand == "stacees"  # 14 days at Kiss Prom, 30 at Stacees
    assert windows == {"refund": (20, refund_open), "exchange": (20, True),
                       "damage claim": (20, True)}
