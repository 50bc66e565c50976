"""One box, several returns (issue 29 item 11): a carrier label shared by two returns, or
an order number with two returns open, receives every one of them with one scan; Ctrl+A
adds another return found in the box to it; Ctrl+N goes through the box's returns. On
SQLite and PostgreSQL, through the service, the bench session and `main.py replay`."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from app.bench.results import ParcelScanned
from app.bootstrap import bootstrap
from app.clock import FixedClock
from app.config import load_settings
from app.domain.enums import RmaStatus
from app.scanning.codes import rma_number
from app.services.demo_data import DemoSummary
from app.services.lookup import NOT_YET_RECEIVED, LookupService
from app.services.receiving import ReceivingService
from models import AuditEvent, Receipt, ReturnAuthorization, ReturnItem
from tests.integration.conftest import user_named
from tests.integration.test_bench_session import _session
from tests.integration.test_replay import _replay
from tests.integration.test_replay import db as db


@pytest.fixture
def receiving(demo: DemoSummary, session_factory: sessionmaker[Session],
              clock: FixedClock) -> ReceivingService:
    return ReceivingService(session_factory, clock, "TEST-BENCH",
                            LookupService(session_factory, clock))


def _open_rmas(sf: sessionmaker[Session], n: int) -> list[ReturnAuthorization]:
    """`n` returns of different orders, none received yet."""
    with sf() as s:
        rows = list(s.scalars(select(ReturnAuthorization).where(
            ReturnAuthorization.status.in_(NOT_YET_RECEIVED),
            ReturnAuthorization.tracking_number.is_not(None))
            .order_by(ReturnAuthorization.id)))
        seen: set[int] = set()
        out = []
        for r in rows:
            if r.order_id not in seen:
                seen.add(r.order_id)
                out.append(r)
            if len(out) == n:
                s.expunge_all()
                return out
    raise AssertionError("the demo has too few returns not yet received")


def same_label(sf: sessionmaker[Session]) -> tuple[str, str, str]:
    """Two open returns of two orders on one carrier label: (first, second, tracking)."""
    first, second = _open_rmas(sf, 2)
    with sf() as s:
        row = s.get(ReturnAuthorization, second.id)
        assert row is not None
        row.tracking_number, row.carrier = first.tracking_number, first.carrier
        s.commit()
    assert first.tracking_number is not None
    return first.number, second.number, first.tracking_number


def split_order(sf: sessionmaker[Session]) -> tuple[str, str, str]:
    """An order whose return is split in two open returns (the customer asked twice):
    (first, second, order number)."""
    with sf() as s:
        rma = s.scalars(select(ReturnAuthorization).join(ReturnItem).where(
            ReturnAuthorization.status.in_(NOT_YET_RECEIVED))
            .group_by(ReturnAuthorization.id).having(func.count(ReturnItem.id) >= 2)
            .order_by(ReturnAuthorization.id)).first()
        assert rma is not None
        second = ReturnAuthorization(number=rma_number(2026, 990_000 + rma.id),
                                     order_id=rma.order_id,
                                     carrier=rma.carrier, tracking_number=None,
                                     created_at=rma.created_at - dt.timedelta(hours=1),
                                     status=rma.status,
                                     shipped_by_customer_on=rma.shipped_by_customer_on)
        s.add(second)
        s.flush()
        moved = max(rma.items, key=lambda it: it.unit_no)
        moved.rma_id, moved.unit_no = second.id, 1
        s.commit()
        return rma.number, second.number, rma.order.number


def _receipts(sf: sessionmaker[Session], number: str) -> list[str]:
    with sf() as s:
        return list(s.scalars(select(Receipt.scanned_code).join(
            ReturnAuthorization, ReturnAuthorization.id == Receipt.rma_id)
            .where(ReturnAuthorization.number == number)))


def _status(sf: sessionmaker[Session], number: str) -> RmaStatus:
    with sf() as s:
        return s.scalars(select(ReturnAuthorization.status).where(
            ReturnAuthorization.number == number)).one()


def test_one_carrier_label_receives_every_return_on_it(
        receiving: ReceivingService, session_factory: sessionmaker[Session]) -> None:
    first, second, tracking = same_label(session_factory)
    ines = user_named(session_factory, "ines")
    outcome = receiving.scan(tracking, ines)
    assert outcome.newly_received and outcome.view is not None
    shown = outcome.view.rma_number
    assert {shown, *outcome.also} == {first, second} and len(outcome.also) == 1
    assert f"One box, 2 returns: {outcome.also[0]} received too" in outcome.message
    for number in (first, second):
        assert _status(session_factory, number) is RmaStatus.RECEIVED
        assert _receipts(session_factory, number) == [tracking]
    again = receiving.scan(tracking, ines)  # the box scanned again: nothing twice
    assert not again.newly_received and again.also == () and "already received" in \
        again.message
    assert _receipts(session_factory, first) == [tracking]


def test_an_order_number_receives_the_orders_open_returns(
        receiving: ReceivingService, session_factory: sessionmaker[Session]) -> None:
    first, second, order = split_order(session_factory)
    outcome = receiving.scan(order, user_named(session_factory, "ines"))
    assert outcome.newly_received and outcome.view is not None
    assert {outcome.view.rma_number, *outcome.also} == {first, second}
    assert _status(session_factory, first) is _status(session_factory, second) \
        is RmaStatus.RECEIVED


def test_an_rma_number_names_one_return_and_ctrl_a_adds_the_other(
        receiving: ReceivingService, session_factory: sessionmaker[Session]) -> None:
    """Its own RMA number names one return (the other may be in another box): only it
    is received; the other, found in the box, is added to it by Ctrl+A."""
    first, second, _order = split_order(session_factory)
    ines = user_named(session_factory, "ines")
    outcome = receiving.scan(first, ines)
    assert outcome.newly_received and outcome.also == ()
    assert _status(session_factory, second) in NOT_YET_RECEIVED
    added = receiving.add_to_box(first, second, ines)
    assert added.newly_received and added.view is not None
    assert added.message.startswith(f"{second} added to this box and received.")
    assert _receipts(session_factory, second) == [first]  # the box's own code
    with session_factory() as s:
        entry = s.scalars(select(AuditEvent).where(
            AuditEvent.action == "parcel.box_added")).one()
        assert entry.entity_id == second and entry.payload == {"box": first,
                                                               "found_by": second}
    twice = receiving.add_to_box(first, second, ines)  # added again: nothing twice
    assert not twice.newly_received and "already received" in twice.message
    nothing = receiving.add_to_box(first, "RMA-1999-000000-1", ines)
    assert nothing.view is None and nothing.message


def test_the_bench_session_lists_the_box_and_goes_through_it(
        demo: DemoSummary, session_factory: sessionmaker[Session], clock: FixedClock,
        tmp_path: Path) -> None:
    first, second, tracking = same_label(session_factory)
    session = _session(session_factory, clock, tmp_path)
    screen = session.scan(tracking)
    assert isinstance(screen.result, ParcelScanned) and set(screen.result.box) == {
        first, second}
    assert session.parcel is not None
    shown = session.parcel.rma_number
    other = next(n for n in (first, second) if n != shown)
    step = session.next_in_box()
    assert step.level == "ok" and session.parcel.rma_number == other
    assert step.message.startswith(f"{other}: return 2 of 2 in this box.")
    back = session.next_in_box()  # round again
    assert back.view is not None and back.view.rma_number == shown
    alone = _session(session_factory, clock, tmp_path, "BENCH-T")
    assert alone.next_in_box().level == "warn"  # nothing scanned: no box
    assert alone.add_to_box(first).level == "warn"


def test_replay_receives_one_box_with_two_returns(db: str, tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    services = bootstrap(load_settings(db, "SETUP"))
    try:
        first, second, tracking = same_label(services.session_factory)
        third, fourth, _order = split_order(services.session_factory)
    finally:
        services.dispose()
    code, out = _replay(db, tmp_path, [
        {"sign_in": "ines"},
        {"scan": tracking},
        {"next_in_box": True},
        {"scan": third},
        {"add_to_box": fourth},
        {"add_to_box": "RMA-1999-000000-1", "expect": "error"},
    ], capsys)
    assert code == 0, out
    assert set(out[1]["box"]) == {first, second} and out[1]["received"]
    assert out[2]["level"] == "ok" and "return 2 of 2 in this box" in out[2]["message"]
    assert out[4]["box"] == [third, fourth] and out[4]["received"]
    assert out[5]["level"] == "error"
