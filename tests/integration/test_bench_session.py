"""The bench session without Qt: the whole bench flow as the window drives it (scan,
mark, inspect, accept, exception, answer), and a scan in the middle of a form."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from app.bench import BenchServices, BenchSession
from app.camera.photostore import PhotoStore
from app.clock import FixedClock
from app.domain.enums import Grade, ReceptionStatus, RequestedResolution, ReturnReason
from app.errors import DatabaseUnavailable
from app.services.approvals import ApprovalService
from app.services.auth import AuthService
from app.services.decisions import DecisionService, InspectionInput
from app.services.demo_data import DemoSummary
from app.services.holds import HoldService
from app.services.inspection import InspectionService
from app.services.lookup import LookupService
from app.services.printing import PrintService
from app.services.receiving import ReceivingService
from models import Decision, Inspection, Receipt
from tests.helpers.rmas import rma_where, set_price
from tests.integration.conftest import user_named


def _session(sf: sessionmaker[Session], clock: FixedClock, tmp: Path,
             station: str = "BENCH-S") -> BenchSession:
    auth = AuthService(sf, clock, station)
    printing = PrintService(sf, clock, station, f"file:{tmp / 'labels'}")
    session = BenchSession(BenchServices(
        auth, ReceivingService(sf, clock, station, LookupService(sf, clock)),
        DecisionService(sf, clock, station),
        ApprovalService(sf, clock, station, auth, printing=printing),
        InspectionService(sf, clock, station, PhotoStore(tmp / "photos")), printing,
        None, HoldService(sf, clock, station), clock))
    session.use(user_named(sf, "ines"))
    return session


def test_the_bench_flow_without_a_window(demo: DemoSummary,
                                         session_factory: sessionmaker[Session],
                                         clock: FixedClock, tmp_path: Path) -> None:
    sf = session_factory
    first, _ = rma_where(sf, reason=ReturnReason.SIZING, requested=RequestedResolution.REFUND)
    second, _ = rma_where(sf, skip=1)
    set_price(sf, first, "120.00", "9.90")
    bench = _session(sf, clock, tmp_path)
    scanned = bench.scan(first)
    assert scanned.level == "ok" and scanned.sound == "good" and scanned.view is not None
    assert bench.mark(1, ReceptionStatus.RECEIVED).level == "ok"
    opened = bench.open_inspection()
    assert opened.place == "inspect" and 1 in bench.forms
    preview = bench.edit(1, grade=Grade.B, matches_order=True)
    assert preview.message.startswith("Would be: item 1:")
    # The next parcel scanned mid-form: the form stays a draft and the screen says so.
    moved = bench.scan(second)
    assert "kept as a draft" in moved.message and first in moved.message
    with sf() as s:
        assert s.scalar(select(func.count()).select_from(Receipt)) == 2
        assert s.scalar(select(func.count()).select_from(Decision)) == 0
        assert s.scalars(select(Inspection.grade)).one() is Grade.B
    # Back to the first: its draft returns, Enter decides and prints.
    bench.scan(first)
    reopened = bench.open_inspection()
    assert reopened.data.get("restored") == 1 and bench.forms[1].grade is Grade.B
    accepted = bench.accept()
    assert accepted.data["saved"] and accepted.printed, accepted.message
    assert bench.accept().message.startswith("Nothing to decide")


def test_enter_while_the_database_is_away_is_kept_and_done_once(
        demo: DemoSummary, session_factory: sessionmaker[Session], clock: FixedClock,
        tmp_path: Path) -> None:
    sf = session_factory
    number, _ = rma_where(sf, reason=ReturnReason.SIZING, requested=RequestedResolution.REFUND)
    set_price(sf, number, "120.00", "9.90")
    bench = _session(sf, clock, tmp_path)
    bench.scan(number)
    bench.open_inspection()
    bench.edit(1, grade=Grade.A)
    real = bench._s.decisions

    class Away:  # the decision port while the database is unreachable
        def accept(self, *_a: object, **_k: object) -> object:
            raise DatabaseUnavailable("The database is unreachable.")

    bench._s.decisions = Away()  # type: ignore[assignment]
    kept = bench.accept()
    assert kept.level == "error" and "NOT saved" in kept.message
    assert bench.pending_accept is not None
    bench._s.decisions = real
    key = bench.pending_accept[0]
    clock.advance(dt.timedelta(seconds=30))
    done = bench.accept()  # Enter again: the same request key, stored once
    assert done.data["saved"] and bench.pending_accept is None
    again = real.accept(number, {1: InspectionInput(grade=Grade.A)}, user_named(sf, "ines"),
                        request_key=key)
    assert again.decision_ids == tuple(done.data["decisions"])
