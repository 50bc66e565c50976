"""The bench session without Qt: the whole bench flow as the window drives it (scan,
mark, inspect, accept, exception, answer), and a scan in the middle of a form."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from app.bench import BenchServices, BenchSession
from app.camera.photostore import PhotoStore
from app.clock import FixedClock
from app.domain.enums import Grade, PhotoSlot, ReceptionStatus, RequestedResolution, ReturnReason
from app.errors import BadInput, DatabaseUnavailable
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

        preview = accept

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


def _sku_of(sf: sessionmaker[Session], number: str) -> tuple[str, str]:
    """The SKU ordered on the RMA's unit 1, and another product's SKU."""
    from models import Product, ReturnAuthorization
    with sf() as s:
        rma = s.scalars(select(ReturnAuthorization)
                        .where(ReturnAuthorization.number == number)).one()
        line = rma.items[0].order_line
        assert line is not None
        other = s.scalars(select(Product.sku).where(Product.sku != line.sku)).first()
        assert other is not None
        return line.sku, other


def test_the_dress_tag_answers_matches_the_order(
        demo: DemoSummary, session_factory: sessionmaker[Session], clock: FixedClock,
        tmp_path: Path) -> None:
    sf = session_factory
    number, _ = rma_where(sf, reason=ReturnReason.SIZING, requested=RequestedResolution.REFUND)
    sku, other = _sku_of(sf, number)
    bench = _session(sf, clock, tmp_path)
    bench.scan(number)
    bench.open_inspection()
    bench.edit(1, grade=Grade.B)
    refused = bench.accept()  # M is unanswered: Enter does nothing
    assert not refused.data["saved"] and "matches the order" in refused.message
    wrong = bench.scan(other, unit=1)
    assert wrong.data == {**wrong.data, "tag": 1, "matches": False} and wrong.sound == "bad"
    assert bench.forms[1].matches_order is False and sku in wrong.message
    right = bench.scan(sku.lower())  # scanners may send lower case; no unit: the first
    assert right.data["tag"] == 1 and right.data["matches"] and right.sound == "good"
    assert bench.forms[1].matches_order is True
    with sf() as s:  # the answer is in the draft, and no parcel scan was recorded for it
        assert s.scalars(select(Inspection.matches_order)).one() is True
        assert s.scalar(select(func.count()).select_from(Receipt)) == 1
    assert bench.accept().data["saved"]


def test_a_damage_claim_is_not_decided_until_severity_and_photos(
        demo: DemoSummary, session_factory: sessionmaker[Session], clock: FixedClock,
        tmp_path: Path) -> None:
    from app.domain.enums import DamageCause, DamageSeverity
    from app.services.inspection import PhotoRejected
    from tests.helpers.photos import scene
    sf = session_factory
    number, _ = rma_where(sf, reason=ReturnReason.SHIPPING_DAMAGE,
                          requested=RequestedResolution.REFUND)
    bench = _session(sf, clock, tmp_path)
    bench.scan(number)
    bench.open_inspection()
    # Grade D on a shipping claim: no "back to customer" one Enter away before S is set.
    shown = bench.edit(1, grade=Grade.D, matches_order=True)
    assert "damage claim" in shown.message and "severity" in shown.message, shown.message
    refused = bench.accept()
    assert not refused.data["saved"] and "the damage severity (S)" in refused.message
    with pytest.raises(BadInput, match="severity"):  # the service refuses it too
        bench._s.decisions.accept(number, bench.graded(), user_named(sf, "ines"))
    bench.edit(1, damage_severity=DamageSeverity.MODERATE, damage_cause=DamageCause.SHIPPING)
    waiting = bench.accept()  # the claim's photos first
    assert not waiting.data["saved"]
    assert waiting.data["photos_needed"] == ["item 1 (whole item, damage closeup, "
                                             "box and label)"]
    for n, slot in enumerate((PhotoSlot.WHOLE_ITEM, PhotoSlot.DAMAGE_CLOSEUP,
                              PhotoSlot.BOX_AND_LABEL)):
        try:
            kept = bench.add_photo(1, scene(40 + n), slot)
        except PhotoRejected as exc:  # pragma: no cover - the scene passes the gate
            raise AssertionError(exc) from exc
        assert kept.level == "ok", kept.message
    policy_says = bench.preview().data["preview"][1]  # refund, or back past the window
    assert policy_says != "photos_required"
    done = bench.accept()
    assert done.data["saved"] and done.data["units"] == {1: policy_says}, done.message
    with sf() as s:
        assert s.scalars(select(Decision.resolution)).one().value == policy_says


def _two_units(sf: sessionmaker[Session]) -> str:
    """A demo RMA of two sizing refunds, priced, shipped back on its delivery day."""
    from models import ReturnAuthorization
    with sf() as s:
        rma = next(r for r in s.scalars(select(ReturnAuthorization)
                                        .order_by(ReturnAuthorization.id))
                   if len(r.items) >= 2)
        for extra in rma.items[2:]:
            s.delete(extra)
        for item in rma.items[:2]:
            item.reason, item.requested = ReturnReason.SIZING, RequestedResolution.REFUND
        rma.shipped_by_customer_on = rma.order.delivered_on
        s.commit()
        return rma.number


def test_a_unit_marked_missing_keeps_no_grade_and_says_how_to_bring_it_back(
        demo: DemoSummary, session_factory: sessionmaker[Session], clock: FixedClock,
        tmp_path: Path) -> None:
    """Issue 29 (3): a grade on a unit marked missing changes nothing, says why and how to
    bring it back; Enter still decides the others; a refused draft is undone."""
    from app.bench.results import EditRefused
    sf = session_factory
    number = _two_units(sf)
    bench = _session(sf, clock, tmp_path)
    bench.scan(number)
    marked = bench.mark(2, ReceptionStatus.MISSING)
    assert "Ctrl+R marks it received" in marked.message
    bench.open_inspection()
    assert 2 not in bench.forms and 1 in bench.forms
    refused = bench.edit(2, grade=Grade.A)
    assert refused.level == "warn" and isinstance(refused.result, EditRefused)
    assert refused.message == (
        "Item 2 is marked missing: nothing to grade. If it is in the box after all, mark "
        "it received on Receive (F1, pick it with ↑↓, Ctrl+R).")
    assert 2 not in bench.forms and bench.graded() == {}
    with sf() as s:
        assert s.scalar(select(func.count()).select_from(Inspection)) == 0
    # A change the service refuses is undone: the form is what is stored.
    bench.edit(1, grade=Grade.B, matches_order=True)
    real = bench._s.inspection

    class Refusing:  # the inspection port refusing every draft
        def save_draft(self, *_a: object, **_k: object) -> None:
            raise BadInput("Cannot change its inspection: it is already decided.")

    bench._s.inspection = Refusing()  # type: ignore[assignment]
    undone = bench.edit(1, grade=Grade.D)
    assert undone.level == "error" and "already decided" in undone.message
    assert bench.forms[1].grade is Grade.B
    bench._s.inspection = real
    accepted = bench.accept()  # Enter decides item 1 and names the missing one
    assert accepted.data["saved"] and list(accepted.data["units"]) == [1], accepted.message
    assert accepted.data["all_done"] and "Item 2 marked missing" in accepted.message
