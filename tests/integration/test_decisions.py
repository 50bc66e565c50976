"""Deciding at the bench through the service: preview, accept, approvals, exceptions, and
re-explaining an old decision after the policy file changed."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from app import audit
from app.camera.photostore import PhotoStore
from app.clock import FixedClock
from app.domain.enums import (
    ApprovalKind,
    ApprovalLevel,
    DamageCause,
    DamageSeverity,
    DecisionStatus,
    Grade,
    RequestedResolution,
    Resolution,
    ReturnReason,
    Role,
)
from app.errors import BadInput, PermissionDenied
from app.policy.rules import POLICY_DIR, load_policy
from app.services.auth import SignedInUser
from app.services.decisions import DecisionService, InspectionInput
from app.services.demo_data import DemoSummary
from app.services.inspection import InspectionService
from models import (
    Approval,
    Decision,
    PolicyVersion,
    ReturnAuthorization,
)
from tests.helpers.photos import scene
from tests.helpers.rmas import WORN, ask_exception
from tests.helpers.rmas import rma_where as _rma_where
from tests.helpers.rmas import set_price as _set_price
from tests.integration.conftest import user_named

GRADE_A = InspectionInput(grade=Grade.A)



@pytest.fixture
def ines(demo: DemoSummary, session_factory: sessionmaker[Session]) -> SignedInUser:
    return user_named(session_factory, "ines")


@pytest.fixture
def service(demo: DemoSummary, session_factory: sessionmaker[Session],
            clock: FixedClock) -> DecisionService:
    return DecisionService(session_factory, clock, "TEST-BENCH")


def test_preview_then_accept_stores_decision_with_policy(
        ines: SignedInUser, service: DecisionService,
        session_factory: sessionmaker[Session]) -> None:
    number, _ = _rma_where(session_factory, reason=ReturnReason.SIZING,
                           requested=RequestedResolution.REFUND)
    _set_price(session_factory, number, "120.00", "9.90")
    view = service.preview(number, {1: GRADE_A})
    assert view.units[0].resolution in (Resolution.REFUND, Resolution.RETURN_TO_CUSTOMER)
    accepted = service.accept(number, {1: GRADE_A}, ines)
    assert accepted.view == view or accepted.view.units == view.units
    with session_factory() as s:
        row = s.get(Decision, accepted.decision_ids[0])
        assert row is not None
        assert row.policy_id == "kissprom" and row.policy_sha256 == load_policy("kissprom").sha256
        assert row.trace and row.case["items"][0]["sku"]
        assert s.get(PolicyVersion, row.policy_sha256) is not None
        assert row.item.decision_status is DecisionStatus.DECIDED
        assert audit.verify(s).ok
    with pytest.raises(BadInput, match="already decided"):
        service.accept(number, {1: GRADE_A}, ines)


def test_refund_over_250_waits_for_a_manager(ines: SignedInUser, service: DecisionService,
                                             session_factory: sessionmaker[Session],
                                             clock: FixedClock, tmp_path: Path) -> None:
    number, _ = _rma_where(session_factory, reason=ReturnReason.QUALITY_DEFECT,
                           requested=RequestedResolution.REFUND)
    _set_price(session_factory, number, "289.00", "23.84")
    damaged = InspectionInput(grade=Grade.C, matches_order=True,
        damage_severity=DamageSeverity.MODERATE,
                              damage_cause=DamageCause.MANUFACTURING, photos=2)
    with session_factory() as s:
        rma = s.scalars(select(ReturnAuthorization)
                        .where(ReturnAuthorization.number == number)).one()
        rma.shipped_by_customer_on = rma.order.delivered_on  # inside every window
        s.commit()
    # The form's own count is not trusted: only photos on file count toward the minimum.
    assert service.preview(number, {1: damaged}).units[0].resolution \
        is Resolution.PHOTOS_REQUIRED
    photos = InspectionService(session_factory, clock, "TEST-BENCH",
                               PhotoStore(tmp_path / "photos"))
    for seed in (1, 2):
        photos.add_photo(number, 1, scene(seed), ines)
    accepted = service.accept(number, {1: damaged}, ines)
    assert accepted.view.units[0].resolution is Resolution.REFUND
    assert accepted.view.approval is ApprovalLevel.MANAGER
    with session_factory() as s:
        approval = s.get(Approval, accepted.approval_ids[0])
        assert approval is not None and approval.kind is ApprovalKind.REFUND_OVER_THRESHOLD
        assert approval.level is ApprovalLevel.MANAGER and approval.amount > Decimal("250")
        item = s.get(Decision, accepted.decision_ids[0]).item  # type: ignore[union-attr]
        assert item.decision_status is DecisionStatus.AWAITING_APPROVAL


def test_claim_without_photos_stays_pending(ines: SignedInUser, service: DecisionService,
                                            session_factory: sessionmaker[Session]) -> None:
    number, _ = _rma_where(session_factory, reason=ReturnReason.SHIPPING_DAMAGE)
    damaged = InspectionInput(grade=Grade.C, matches_order=True,
        damage_severity=DamageSeverity.MINOR,
                              damage_cause=DamageCause.SHIPPING, photos=1)
    accepted = service.accept(number, {1: damaged}, ines)
    assert accepted.view.units[0].resolution is Resolution.PHOTOS_REQUIRED
    with session_factory() as s:
        row = s.get(Decision, accepted.decision_ids[0])
        assert row is not None and row.item.decision_status is DecisionStatus.PENDING


def test_exception_needs_a_reason_and_picks_the_level(
        ines: SignedInUser, service: DecisionService,
        session_factory: sessionmaker[Session]) -> None:
    number, _ = _rma_where(session_factory)
    with pytest.raises(BadInput, match="reason"):
        service.request_exception(number, 1, "ok", "refund", ines, inspection=WORN)
    small = ask_exception(session_factory, service, number, ines, "100.00",
                          reason="Customer was told on the phone she could return it")
    number, _ = _rma_where(session_factory, skip=1)
    big = ask_exception(session_factory, service, number, ines, "250.01",
                        reason="VIP bride, dress arrived after the wedding")
    with session_factory() as s:
        assert s.get(Approval, small).level is ApprovalLevel.SUPERVISOR  # type: ignore[union-attr]
        assert s.get(Approval, big).level is ApprovalLevel.MANAGER  # type: ignore[union-attr]
        assert s.get(Approval, big).kind is ApprovalKind.POLICY_EXCEPTION  # type: ignore[union-attr]


def test_admin_cannot_decide(service: DecisionService,
                             session_factory: sessionmaker[Session]) -> None:
    number, _ = _rma_where(session_factory)
    admin = user_named(session_factory, "adam")
    assert admin.role is Role.ADMIN
    with pytest.raises(PermissionDenied):
        service.accept(number, {1: GRADE_A}, admin)


def test_old_decision_is_re_explained_under_its_own_policy(
        ines: SignedInUser, demo: DemoSummary, session_factory: sessionmaker[Session],
        clock: FixedClock, tmp_path: Path) -> None:
    number, _ = _rma_where(session_factory, reason=ReturnReason.SIZING,
                           requested=RequestedResolution.REFUND)
    _set_price(session_factory, number, "120.00", "9.90")
    with session_factory() as s:
        rma = s.scalars(select(ReturnAuthorization)
                        .where(ReturnAuthorization.number == number)).one()
        delivered_on = rma.order.delivered_on
        assert delivered_on is not None
        rma.shipped_by_customer_on = delivered_on + dt.timedelta(days=1)
        s.commit()
    accepted = DecisionService(session_factory, clock, "TEST-BENCH").accept(
        number, {1: GRADE_A}, ines)
    assert accepted.view.units[0].resolution is Resolution.REFUND
    original = accepted.view.contract
    # The policy file changes: the refund window shrinks to nothing.
    changed = tmp_path / "kissprom.toml"
    changed.write_text((POLICY_DIR / "kissprom.toml").read_text()
                       .replace("window_days = 14", "window_days = 0")
                       .replace('version = "1"', 'version = "2"'))
    new_service = DecisionService(session_factory, clock, "TEST-BENCH",
                                  policy_loader=lambda _id: load_policy(changed))
    assert new_service.preview(number, {1: GRADE_A}).units[0].resolution \
        is Resolution.RETURN_TO_CUSTOMER
    explained = new_service.explain(accepted.decision_ids[0])
    assert explained.contract == original
    assert explained.policy_version == "2"
    with session_factory() as s:
        assert s.scalar(select(func.count()).select_from(PolicyVersion)) == 1
