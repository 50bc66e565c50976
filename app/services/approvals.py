"""The approvals queue every manager station sees: refunds over the threshold, holds and
policy exceptions; approve or deny with a note, at one's own station or over the bench
with a PIN. Nobody approves their own request."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased, sessionmaker

from app import audit
from app.clock import Clock
from app.domain.enums import (
    ApprovalKind,
    ApprovalLevel,
    ApprovalStatus,
    DecisionStatus,
)
from app.errors import BadInput, NotFound, PermissionDenied
from app.notify import publish
from app.permissions import APPROVE_ACTION, Action, require
from app.policy.rules import Policy, load_policy
from app.services.auth import AuthService, SignedInUser
from app.services.uow import UnitOfWork, retrying
from models import (
    Approval,
    Customer,
    Decision,
    Order,
    Photo,
    ReturnAuthorization,
    ReturnItem,
    Station,
    User,
)


@dataclass(frozen=True)
class ApprovalView:
    id: int
    rma_number: str
    order_number: str
    customer_name: str
    kind: ApprovalKind
    level: ApprovalLevel
    amount: Decimal
    reason: str
    requested_outcome: str | None
    unit_no: int | None
    requested_by: str
    requested_at: dt.datetime
    station: str
    sla_due_at: dt.datetime
    age_minutes: int
    overdue: bool
    status: ApprovalStatus
    answered_by: str | None
    answered_at: dt.datetime | None
    note: str | None
    trace: tuple[tuple[str, str], ...]
    policy: str | None
    photos: int


class ApprovalService:
    def __init__(self, session_factory: sessionmaker[Session], clock: Clock, station: str,
                 auth: AuthService,
                 policy_loader: Callable[[str], Policy] = load_policy) -> None:
        self._sf = session_factory
        self._clock = clock
        self._station = station
        self._auth = auth
        self._load_policy = policy_loader

    # --- reading -----------------------------------------------------------------
    def queue(self, user: SignedInUser) -> list[ApprovalView]:
        """Pending requests from every station, oldest first."""
        require(user.role, Action.VIEW_APPROVALS)
        return self._views(Approval.status == ApprovalStatus.PENDING)

    def pending_for_rma(self, rma_number: str) -> list[ApprovalView]:
        """Pending requests about one return, for the override at the bench (whoever answers
        signs in with their own PIN there)."""
        return self._views(Approval.status == ApprovalStatus.PENDING,
                           ReturnAuthorization.number == rma_number)

    def answered_for_station(self, since: dt.datetime) -> list[ApprovalView]:
        """Answers to requests made at this bench, given at or after `since`: the bench
        shows them as they come."""
        return self._views(Station.name == self._station, Approval.answered_at >= since)

    def get(self, approval_id: int) -> ApprovalView:
        views = self._views(Approval.id == approval_id)
        if not views:
            raise NotFound(f"No approval request #{approval_id}.")
        return views[0]

    def in_range(self, start: dt.datetime, end: dt.datetime) -> list[ApprovalView]:
        """Exceptions and refunds over the threshold requested in [start, end), for the
        authorization log."""
        return self._views(Approval.requested_at >= start, Approval.requested_at < end,
                           Approval.kind.in_([ApprovalKind.POLICY_EXCEPTION,
                                              ApprovalKind.REFUND_OVER_THRESHOLD]))

    # --- answering ---------------------------------------------------------------
    @retrying
    def answer(self, approval_id: int, approver: SignedInUser, approve: bool,
               note: str = "") -> ApprovalView:
        now = self._clock.now()
        with UnitOfWork(self._sf) as uow:
            s = uow.session
            approval = s.scalars(select(Approval).where(Approval.id == approval_id)
                                 .with_for_update()).one_or_none()
            if approval is None:
                raise NotFound(f"No approval request #{approval_id}.")
            require(approver.role, APPROVE_ACTION[approval.level])
            if approval.requested_by_id == approver.id:
                raise PermissionDenied("Nobody approves their own request: ask another "
                                       f"{approval.level.value}.")
            if approval.status is not ApprovalStatus.PENDING:
                who = s.get(User, approval.answered_by_id) if approval.answered_by_id else None
                raise BadInput(f"Request #{approval_id} is already {approval.status.value}"
                               + (f" by {who.display_name}" if who else "") + ".")
            if not approve and len(note.strip()) < 3:
                raise BadInput("Say why you deny it: the bench reads your note.")
            approval.status = ApprovalStatus.APPROVED if approve else ApprovalStatus.DENIED
            approval.answered_by_id = approver.id
            approval.answered_at = now
            approval.note = note.strip() or None
            new_status = DecisionStatus.APPROVED if approve else DecisionStatus.REJECTED
            items = s.scalars(select(ReturnItem).where(
                ReturnItem.rma_id == approval.rma_id,
                ReturnItem.decision_status == DecisionStatus.AWAITING_APPROVAL,
                *([ReturnItem.id == approval.return_item_id]
                  if approval.return_item_id else []))).all()
            for item in items:
                item.decision_status = new_status
            audit.append(s, at=now, action=f"approval.{approval.status.value}",
                         actor=approver.username, station=self._station, entity="approval",
                         entity_id=approval.id,
                         payload={"kind": approval.kind.value, "level": approval.level.value,
                                  "amount": str(approval.amount), "note": approval.note,
                                  "units": sorted(i.unit_no for i in items)})
            asked_at = s.get(Station, approval.station_id)
            publish(s, "approval.answered", id=approval.id, status=approval.status.value,
                    station=asked_at.name if asked_at else None)
            uow.commit()
        return self.get(approval_id)

    def answer_with_pin(self, approval_id: int, username: str, pin: str, approve: bool,
                        note: str = "") -> ApprovalView:
        """The override at the bench: a supervisor or manager signs in over the inspector
        (whose session stays) and answers in one step."""
        approver = self._auth.sign_in(username, pin)
        return self.answer(approval_id, approver, approve, note)

    # --- views -------------------------------------------------------------------
    def _views(self, *where: object) -> list[ApprovalView]:
        now = self._clock.now()
        requester, answerer = aliased(User), aliased(User)
        with UnitOfWork(self._sf) as uow:
            s = uow.session
            rows = s.execute(
                select(Approval, ReturnAuthorization.number, Order.number, Order.brand,
                       Customer.name, requester.display_name, answerer.display_name,
                       Station.name, ReturnItem.unit_no, Decision.trace, Decision.policy_id,
                       Decision.policy_version, Decision.policy_sha256,
                       Decision.inspection_id)
                .join(ReturnAuthorization, Approval.rma_id == ReturnAuthorization.id)
                .join(Order, ReturnAuthorization.order_id == Order.id)
                .join(Customer, Order.customer_id == Customer.id)
                .join(requester, Approval.requested_by_id == requester.id)
                .outerjoin(answerer, Approval.answered_by_id == answerer.id)
                .join(Station, Approval.station_id == Station.id)
                .outerjoin(ReturnItem, Approval.return_item_id == ReturnItem.id)
                .outerjoin(Decision, Approval.decision_id == Decision.id)
                .where(*where)  # type: ignore[arg-type]
                .order_by(Approval.requested_at, Approval.id)).all()
            views = []
            hours: dict[str, int] = {}
            inspections = list({row[-1] for row in rows if row[-1] is not None})
            photo_counts: dict[int, int] = {  # one query, not one per request
                ins: int(n) for ins, n in s.execute(
                    select(Photo.inspection_id, func.count()).where(
                        Photo.inspection_id.in_(inspections)).group_by(Photo.inspection_id))
            } if inspections else {}
            for (a, rma, order, brand, customer, asked_by, answered_by, station, unit,
                 trace, policy_id, policy_version, policy_sha, inspection_id) in rows:
                if brand.value not in hours:
                    hours[brand.value] = self._load_policy(brand.value).escalation_hours
                due = a.requested_at + dt.timedelta(hours=hours[brand.value])
                photos = photo_counts.get(inspection_id, 0) if inspection_id else 0
                views.append(ApprovalView(
                    id=a.id, rma_number=rma, order_number=order, customer_name=customer,
                    kind=a.kind, level=a.level, amount=a.amount, reason=a.reason,
                    requested_outcome=a.requested_outcome, unit_no=unit,
                    requested_by=asked_by, requested_at=a.requested_at, station=station,
                    sla_due_at=due, age_minutes=int((now - a.requested_at).total_seconds()
                                                    // 60),
                    overdue=a.status is ApprovalStatus.PENDING and now > due, status=a.status,
                    answered_by=answered_by, answered_at=a.answered_at, note=a.note,
                    trace=tuple((t["rule"], t["reason"]) for t in trace or ()),
                    policy=f"{policy_id} v{policy_version} {policy_sha[:10]}"
                    if policy_id is not None else None,
                    photos=photos))
            return views
