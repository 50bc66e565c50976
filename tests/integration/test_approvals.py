"""Approvals: the queue from every station, approve or deny with a note, levels, nobody
approves their own request, the override at the bench, and the audit trail."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app import audit
from app.clock import FixedClock
from app.domain.enums import ApprovalLevel, ApprovalStatus, DecisionStatus, Resolution, Role
from app.errors import AuthenticationFailed, BadInput, PermissionDenied
from app.services.approvals import ApprovalService
from app.services.auth import AuthService
from app.services.decisions import DecisionService
from app.services.demo_data import DemoSummary
from models import AuditEvent, Decision, ReturnAuthorization, ReturnItem
from tests.helpers.rmas import ask_exception
from tests.integration.conftest import user_named


@pytest.fixture
def approvals(demo: DemoSummary, session_factory: sessionmaker[Session],
              clock: FixedClock) -> ApprovalService:
    return ApprovalService(session_factory, clock, "MANAGER-01",
                           AuthService(session_factory, clock, "BENCH-01"))


def _exception(sf: sessionmaker[Session], clock: FixedClock, amount: str,
               who: str = "ines") -> tuple[int, str]:
    with sf() as s:
        rma = s.scalars(select(ReturnAuthorization).order_by(ReturnAuthorization.id)).first()
        assert rma is not None
        number = rma.number
    decisions = DecisionService(sf, clock, "BENCH-01")
    approval_id = ask_exception(sf, decisions, number, user_named(sf, who), amount,
                                reason="Customer shows a photo of the tag torn in transit")
    return approval_id, number


def test_queue_shows_requests_with_age_against_the_sla(
        approvals: ApprovalService, session_factory: sessionmaker[Session],
        clock: FixedClock) -> None:
    approval_id, number = _exception(session_factory, clock, "120.00")
    clock.advance(dt.timedelta(minutes=150))
    queue = approvals.queue(user_named(session_factory, "sam"))
    assert [v.id for v in queue] == [approval_id]
    view = queue[0]
    assert view.rma_number == number and view.level is ApprovalLevel.SUPERVISOR
    assert view.requested_by == "Ines Moreno" and view.station == "BENCH-01"
    assert view.age_minutes == 150 and view.overdue  # 2-hour escalation SLA
    assert view.reason.startswith("Customer shows") and view.unit_no == 1
    with pytest.raises(PermissionDenied):
        approvals.queue(user_named(session_factory, "ines"))


def test_supervisor_approves_and_the_item_moves_on(
        approvals: ApprovalService, session_factory: sessionmaker[Session],
        clock: FixedClock) -> None:
    approval_id, number = _exception(session_factory, clock, "120.00")
    view = approvals.answer(approval_id, user_named(session_factory, "sam"), True, "ok, photo seen")
    assert view.status is ApprovalStatus.APPROVED and view.answered_by == "Sam Whitfield"
    with session_factory() as s:
        item = s.scalars(select(ReturnItem).join(ReturnAuthorization)
                         .where(ReturnAuthorization.number == number,
                                ReturnItem.unit_no == 1)).one()
        # The approved exception is the unit's final decision: a refund, ready to export.
        assert item.decision_status is DecisionStatus.DECIDED
        final = s.scalars(select(Decision).where(Decision.return_item_id == item.id,
                                                 Decision.superseded.is_(False))).one()
        assert final.resolution is Resolution.REFUND and final.refund == Decimal("120.00")
        assert "approved by Sam Whitfield" in final.trace[-1]["reason"]
        actions = s.scalars(select(AuditEvent.action)).all()
        assert "exception.requested" in actions and "approval.approved" in actions
        assert audit.verify(s).ok
    with pytest.raises(BadInput, match="already approved by Sam Whitfield"):
        approvals.answer(approval_id, user_named(session_factory, "maria"), False, "no")


def test_manager_level_needs_a_manager(approvals: ApprovalService,
                                       session_factory: sessionmaker[Session],
                                       clock: FixedClock) -> None:
    approval_id, _ = _exception(session_factory, clock, "250.01")
    assert approvals.get(approval_id).level is ApprovalLevel.MANAGER
    with pytest.raises(PermissionDenied, match="may not approve manager-level"):
        approvals.answer(approval_id, user_named(session_factory, "sam"), True)
    with pytest.raises(BadInput, match="Say why"):
        approvals.answer(approval_id, user_named(session_factory, "maria"), False, "")
    denied = approvals.answer(approval_id, user_named(session_factory, "maria"), False,
                              "Worn at the prom, photos show it")
    assert denied.status is ApprovalStatus.DENIED


def test_nobody_approves_their_own_request(approvals: ApprovalService,
                                           session_factory: sessionmaker[Session],
                                           clock: FixedClock) -> None:
    approval_id, _ = _exception(session_factory, clock, "300.00", who="maria")
    with pytest.raises(PermissionDenied, match="own request"):
        approvals.answer(approval_id, user_named(session_factory, "maria"), True)


def test_override_at_the_bench_with_a_pin(approvals: ApprovalService,
                                          session_factory: sessionmaker[Session],
                                          clock: FixedClock) -> None:
    approval_id, _ = _exception(session_factory, clock, "300.00")
    with pytest.raises(AuthenticationFailed, match="Wrong PIN"):
        approvals.answer_with_pin(approval_id, "maria", "0000", True, "ok")
    assert approvals.get(approval_id).status is ApprovalStatus.PENDING
    view = approvals.answer_with_pin(approval_id, "maria", "444444", True, "VIP, approved")
    assert view.status is ApprovalStatus.APPROVED and view.answered_by == "Maria Chen"


def test_role_changes_keep_an_admin(demo: DemoSummary, session_factory: sessionmaker[Session],
                                    clock: FixedClock) -> None:
    from app.services.users import UserService

    users = UserService(session_factory, clock, "ADMIN-01")
    adam = user_named(session_factory, "adam")
    with pytest.raises(BadInput, match="last active admin"):
        users.set_role(adam, "adam", Role.MANAGER)
    with pytest.raises(BadInput, match="yourself"):
        users.set_active(adam, "adam", False)
    row = users.create_user(adam, "nina", "Nina Brooks", Role.INSPECTOR, "2468")
    assert row.role is Role.INSPECTOR
    with pytest.raises(BadInput, match="already a user"):
        users.create_user(adam, "nina", "Nina B", Role.INSPECTOR, "2468")
    with pytest.raises(BadInput, match="4 to 12 digits"):
        users.reset_pin(adam, "nina", "12")
    auth = AuthService(session_factory, clock, "BENCH-01")
    assert auth.sign_in("nina", "2468").role is Role.INSPECTOR
    users.set_active(adam, "nina", False)
    with pytest.raises(AuthenticationFailed):
        auth.sign_in("nina", "2468")
