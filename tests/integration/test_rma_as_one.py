"""An RMA decides as one (issue 27): its money and approvals are the RMA's whatever
grouping of Enters brought its units to a decision; an answer touches only the units it
is about; outbound shipping is refunded once; a damaged wrong item is a damage claim."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.clock import FixedClock
from app.domain.enums import (
    ApprovalKind,
    ApprovalLevel,
    ApprovalStatus,
    Brand,
    CustomerTier,
    DamageCause,
    DamageSeverity,
    DecisionStatus,
    Grade,
    Resolution,
    ReturnReason,
)
from app.errors import PermissionDenied
from app.services.approvals import ApprovalService
from app.services.auth import AuthService
from app.services.decisions import DecisionService, InspectionInput
from app.services.demo_data import DemoSummary
from app.services.exports import ExportService
from app.services.rma_money import shipping_in
from models import Approval, Decision, ReturnAuthorization, ReturnItem
from tests.conftest import NOW
from tests.helpers.rma_builder import UnitSpec, build_rma
from tests.integration.conftest import user_named

A = InspectionInput(grade=Grade.A)
B = InspectionInput(grade=Grade.B, matches_order=True, damage_severity=DamageSeverity.NONE)
X = InspectionInput(grade=Grade.X)
SHIPPING_DAMAGE = InspectionInput(grade=Grade.C, matches_order=True,
                                  damage_severity=DamageSeverity.MODERATE,
                                  damage_cause=DamageCause.SHIPPING)


class Desk:
    def __init__(self, sf: sessionmaker[Session], clock: FixedClock) -> None:
        self.sf = sf
        self.ines, self.sam = user_named(sf, "ines"), user_named(sf, "sam")
        self.maria = user_named(sf, "maria")
        self.decisions = DecisionService(sf, clock, "BENCH-01")
        self.approvals = ApprovalService(sf, clock, "DESK-01",
                                         AuthService(sf, clock, "DESK-01"))
        self.exports = ExportService(sf, clock, "OFFICE-1")

    def approvals_of(self, number: str) -> list[Approval]:
        with self.sf() as s:
            return list(s.scalars(select(Approval).join(
                ReturnAuthorization, Approval.rma_id == ReturnAuthorization.id)
                .where(ReturnAuthorization.number == number).order_by(Approval.id)))

    def live(self, number: str) -> dict[int, tuple[Decision, DecisionStatus]]:
        with self.sf() as s:
            rows = s.execute(select(Decision, ReturnItem.unit_no, ReturnItem.decision_status)
                             .join(ReturnItem, Decision.return_item_id == ReturnItem.id)
                             .join(ReturnAuthorization)
                             .where(ReturnAuthorization.number == number,
                                    Decision.superseded.is_(False))).all()
            return {unit: (d, status) for d, unit, status in rows}


def _two_dresses(sf: sessionmaker[Session]) -> str:
    # $187.26 + $191.59 = $378.85: over $250 for the RMA, under it dress by dress.
    return build_rma(sf, [UnitSpec("173.00", "14.26"), UnitSpec("177.00", "14.59")], at=NOW)


def test_the_250_approval_is_asked_once_per_rma_however_enter_is_pressed(
        session_factory: sessionmaker[Session], clock: FixedClock, demo: DemoSummary,
        tmp_path: Path) -> None:
    desk = Desk(session_factory, clock)
    together, apart = _two_dresses(session_factory), _two_dresses(session_factory)
    desk.decisions.accept(together, {1: A, 2: A}, desk.ines)
    first = desk.decisions.accept(apart, {1: A}, desk.ines)
    assert first.approval_ids == ()  # $187.26 alone is under the limit
    second = desk.decisions.accept(apart, {2: A}, desk.ines)
    assert len(second.approval_ids) == 1
    for number in (together, apart):
        asked = desk.approvals_of(number)
        assert [(a.kind, a.level) for a in asked] == [
            (ApprovalKind.REFUND_OVER_THRESHOLD, ApprovalLevel.MANAGER)]
        assert asked[0].amount == Decimal("378.85")
    request = desk.approvals_of(apart)[0]
    assert "$378.85" in request.reason and "item 2 $191.59 now" in request.reason \
        and "item 1 $187.26" in request.reason
    # While the manager has not answered, none of the RMA's refunds goes out: not even
    # the first dress's, decided alone before.
    report = desk.exports.export(tmp_path / "outbox", desk.maria)
    assert report.decisions == 0
    for number in (together, apart):
        desk.approvals.answer(desk.approvals_of(number)[0].id, desk.maria, True, "ok")
    report = desk.exports.export(tmp_path / "outbox", desk.maria)
    assert report.decisions == 4
    for number in (together, apart):
        live = desk.live(number)
        assert sum(d.refund for d, _ in live.values()) == Decimal("378.85")
        assert {s for _, s in live.values()} == {DecisionStatus.COMPLETED}


def test_denying_a_hold_touches_only_the_held_dress(
        session_factory: sessionmaker[Session], clock: FixedClock, demo: DemoSummary) -> None:
    desk = Desk(session_factory, clock)
    number = build_rma(session_factory, [UnitSpec("108.00", "8.90"),
                                         UnitSpec("150.00", "12.00")],
                       at=NOW, brand=Brand.STACEES, tier=CustomerTier.PRIORITY)
    accepted = desk.decisions.accept(number, {1: B, 2: X}, desk.ines)
    assert len(accepted.approval_ids) == 1
    hold = desk.approvals_of(number)[0]
    assert hold.kind is ApprovalKind.HOLD and hold.amount == 0
    live = desk.live(number)
    assert live[1][1] is DecisionStatus.DECIDED  # the good dress waits for nobody
    assert live[1][0].resolution is Resolution.STORE_CREDIT
    assert live[1][0].credit == Decimal("116.90")
    desk.approvals.answer(hold.id, desk.sam, False, "not ours", alternative="quarantine")
    live = desk.live(number)
    assert live[1][0].resolution is Resolution.STORE_CREDIT
    assert live[1][0].credit == Decimal("116.90")
    assert live[2][0].resolution is Resolution.HOLD and live[2][0].credit == 0


def test_outbound_shipping_is_refunded_once_per_rma(
        session_factory: sessionmaker[Session], clock: FixedClock, demo: DemoSummary) -> None:
    desk = Desk(session_factory, clock)
    claims = [UnitSpec("80.00", "6.60", reason=ReturnReason.SHIPPING_DAMAGE, photos=3)] * 2
    apart = build_rma(session_factory, claims, at=NOW, shipping="14.95")
    desk.decisions.accept(apart, {1: SHIPPING_DAMAGE}, desk.ines)
    desk.decisions.accept(apart, {2: SHIPPING_DAMAGE}, desk.ines)
    live = desk.live(apart)
    assert [shipping_in(live[u][0]) for u in (1, 2)] == [Decimal("14.95"), Decimal("0.00")]
    assert sum(d.refund for d, _ in live.values()) == Decimal("188.15")
    assert all(d.carrier_claim for d, _ in live.values())


def test_a_damaged_wrong_item_is_a_damage_claim(
        session_factory: sessionmaker[Session], clock: FixedClock, demo: DemoSummary) -> None:
    desk = Desk(session_factory, clock)
    spec = UnitSpec("120.00", "9.90", reason=ReturnReason.WRONG_ITEM_SENT)
    no_photos = build_rma(session_factory, [spec], at=NOW, shipping="6.95")
    accepted = desk.decisions.accept(no_photos, {1: SHIPPING_DAMAGE}, desk.ines)
    assert accepted.view.units[0].resolution is Resolution.PHOTOS_REQUIRED
    with_photos = build_rma(session_factory, [UnitSpec(
        "120.00", "9.90", reason=ReturnReason.WRONG_ITEM_SENT, photos=2)], at=NOW,
        shipping="6.95")
    accepted = desk.decisions.accept(with_photos, {1: SHIPPING_DAMAGE}, desk.ines)
    unit = accepted.view.units[0]
    assert unit.resolution is Resolution.REFUND and unit.refund == Decimal("136.85")
    assert accepted.view.carrier_claim
    # Undamaged, a wrong item needs no photos and opens no carrier claim.
    plain = build_rma(session_factory, [spec], at=NOW, shipping="6.95")
    accepted = desk.decisions.accept(plain, {1: A}, desk.ines)
    assert accepted.view.units[0].resolution is Resolution.REFUND
    assert not accepted.view.carrier_claim


def test_an_answer_changes_only_the_units_it_is_about(
        session_factory: sessionmaker[Session], clock: FixedClock, demo: DemoSummary) -> None:
    """A manager denying the refund that crosses the limit: that dress gets the
    alternative, the dress decided before keeps its refund."""
    desk = Desk(session_factory, clock)
    number = _two_dresses(session_factory)
    desk.decisions.accept(number, {1: A}, desk.ines)
    desk.decisions.accept(number, {2: A}, desk.ines)
    request = desk.approvals_of(number)[0]
    desk.approvals.answer(request.id, desk.maria, False, "too much",
                          alternative="return_to_customer")
    live = desk.live(number)
    assert live[1][0].resolution is Resolution.REFUND and live[1][0].refund == \
        Decimal("187.26")
    assert live[2][0].resolution is Resolution.RETURN_TO_CUSTOMER
    assert desk.approvals_of(number)[0].status is ApprovalStatus.DENIED


def test_a_held_dress_found_ours_is_decided_with_the_rma_in_view(
        session_factory: sessionmaker[Session], clock: FixedClock, demo: DemoSummary) -> None:
    """X then "ours after all": decided again at the bench, its refund takes the RMA
    over the limit, so it waits for a manager like one Enter for both would have."""
    desk = Desk(session_factory, clock)
    number = _two_dresses(session_factory)
    desk.decisions.accept(number, {1: A, 2: X}, desk.ines)
    hold = desk.approvals_of(number)[0]
    desk.approvals.answer(hold.id, desk.sam, True, "ours")
    accepted = desk.decisions.accept(number, {2: A}, desk.ines)
    assert accepted.view.approval is ApprovalLevel.MANAGER
    assert accepted.view.units[0].waits is ApprovalLevel.MANAGER
    assert desk.live(number)[1][1] is DecisionStatus.DECIDED


def test_an_exception_that_takes_the_rma_over_the_limit_is_a_managers(
        session_factory: sessionmaker[Session], clock: FixedClock, demo: DemoSummary) -> None:
    """Asked while the RMA was under the limit (a supervisor's), answered after its
    other dress was refunded: approving it now takes the RMA over $250, so a supervisor
    is refused with the total and a manager approves it."""
    desk = Desk(session_factory, clock)
    number = build_rma(session_factory, [UnitSpec("150.00"), UnitSpec("150.00")], at=NOW)
    worn = InspectionInput(grade=Grade.D, worn=True, matches_order=True,
                           damage_severity=DamageSeverity.NONE)
    request = desk.decisions.request_exception(
        number, 1, "Customer was promised a refund on the phone", "refund", desk.ines,
        inspection=worn)
    assert desk.approvals_of(number)[0].level is ApprovalLevel.SUPERVISOR
    assert desk.decisions.accept(number, {2: A}, desk.ines).approval_ids == ()
    with pytest.raises(PermissionDenied, match=r"\$300.00, over \$250.00"):
        desk.approvals.answer(request, desk.sam, True, "ok")
    desk.approvals.answer(request, desk.maria, True, "ok")
    (asked,) = desk.approvals_of(number)
    assert asked.level is ApprovalLevel.MANAGER and asked.status is ApprovalStatus.APPROVED
    assert sum(d.refund for d, _ in desk.live(number).values()) == Decimal("300.00")
