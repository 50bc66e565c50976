"""The approvals queue every manager station sees: refunds over the threshold, holds and
policy exceptions; approve or deny with a note, at one's own station or over the bench
with a PIN. Nobody approves their own request."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased, sessionmaker

from app import audit
from app.clock import Clock
from app.domain.enums import (
    ApprovalKind,
    ApprovalLevel,
    ApprovalStatus,
    DecisionStatus,
    Resolution,
)
from app.domain.money import format_money
from app.errors import BadInput, NotFound, PermissionDenied
from app.lifecycle import Op, check
from app.notify import publish
from app.permissions import APPROVE_ACTION, Action, allowed, require
from app.policy.rules import Policy, load_policy
from app.services.auth import AuthService, SignedInUser, require_current
from app.services.common import StationId
from app.services.outcomes import (
    DENIAL_ALTERNATIVES,
    FREE,
    free_unit_bought,
    open_approval,
    outcome_amounts,
    own_approval_pending,
    refund_due,
    supersede,
    take_unit_bought,
    unit_name,
    was_settled,
)
from app.services.printing import PrintService
from app.services.qa import apply_regrade, redecide
from app.services.rma_money import counted, decided_before
from app.services.unit_moves import move
from app.services.uow import UnitOfWork, retrying
from app.views import ApprovalView
from models import (
    Approval,
    Customer,
    Decision,
    Order,
    Photo,
    QaSample,
    ReturnAuthorization,
    ReturnItem,
    Station,
    User,
)


def denial_choices(kind: ApprovalKind) -> list[tuple[str, str]]:
    """What a denial must say instead, by the request's kind: (value, words for the
    screen). A denied exception needs none: the policy's decision stands."""
    if kind is ApprovalKind.REFUND_OVER_THRESHOLD:
        return [("return_to_customer", "Return to customer"), ("exchange", "Exchange"),
                ("store_credit", "Store credit")]
    if kind is ApprovalKind.HOLD:
        return [("return_to_customer", "Not ours: return to sender"),
                ("quarantine", "Not ours: quarantine")]
    return []


def approve_meaning(kind: ApprovalKind) -> str:
    """What approving means, in the screen's words."""
    if kind is ApprovalKind.HOLD:
        return "Approve = ours after all: back to the bench to decide as usual"
    if kind is ApprovalKind.POLICY_EXCEPTION:
        return "Approve = the requested outcome replaces the policy's decision"
    if kind is ApprovalKind.QA_REGRADE:
        return "Approve = the blind re-grade's decision replaces the first inspector's"
    return "Approve = the refund stands and is exported"


class ApprovalService:
    def __init__(self, session_factory: sessionmaker[Session], clock: Clock, station: str,
                 auth: AuthService,
                 policy_loader: Callable[[str], Policy] = load_policy,
                 printing: PrintService | None = None) -> None:
        self._printing = printing
        self._sf = session_factory
        self._clock = clock
        self._station = station
        self._station_id = StationId(station)
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
        shows them as they come. Polled every 2 s on the window's thread, so first the
        ids alone, from ix_approvals_station_answered (usually none: nothing more is
        read); in one query with the views' joins and ORDER BY, SQLite walks every
        request in that order and PostgreSQL joins them all first."""
        with UnitOfWork(self._sf) as uow:
            ids = list(uow.session.scalars(
                select(Approval.id).join(Station, Approval.station_id == Station.id)
                .where(Station.name == self._station, Approval.answered_at >= since)))
        return self._views(Approval.id.in_(ids)) if ids else []

    def get(self, approval_id: int) -> ApprovalView:
        views = self._views(Approval.id == approval_id)
        if not views:
            raise NotFound(f"No approval request #{approval_id}.")
        return views[0]

    def in_range(self, start: dt.datetime, end: dt.datetime) -> list[ApprovalView]:
        """Every request made in [start, end), for the authorization log: each answer
        can change money or a unit's fate (exceptions, refunds over the threshold, holds
        answered "ours after all" or "not ours", QA re-grades)."""
        return self._views(Approval.requested_at >= start, Approval.requested_at < end)

    # --- answering ---------------------------------------------------------------
    @retrying
    def answer(self, approval_id: int, approver: SignedInUser, approve: bool,
               note: str = "", alternative: str | None = None) -> ApprovalView:
        """Answer a request; every answer ends the units it covers in one decision:
        - refund over the threshold: approved, the decision stands; denied, the
          `alternative` (return to customer, exchange, store credit) is the decision;
        - policy exception: approved, a decision of the requested outcome (amounts the
          service computed) supersedes the one on file; denied, the one on file stands;
        - hold (grade X, mismatch, dates): approved means "ours after all", the unit goes
          back to the bench to be decided as usual; denied, `alternative` is
          return_to_customer (to sender) or quarantine.
        The final labels are queued at the bench that asked."""
        now = self._clock.now()
        with UnitOfWork(self._sf) as uow:
            s = uow.session
            approval = s.scalars(select(Approval).where(Approval.id == approval_id)
                                 .with_for_update()).one_or_none()
            if approval is None:
                raise NotFound(f"No approval request #{approval_id}.")
            # The approver as on file now: a deactivated or demoted approver's old
            # session answers nothing.
            require_current(s, approver, APPROVE_ACTION[approval.level])
            if approval.requested_by_id == approver.id:
                raise PermissionDenied("Nobody approves their own request: ask another "
                                       f"{approval.level.value}.")
            if approval.status is not ApprovalStatus.PENDING:
                who = s.get(User, approval.answered_by_id) if approval.answered_by_id else None
                raise BadInput(f"Request #{approval_id} is already {approval.status.value}"
                               + (f" by {who.display_name}" if who else "") + ".")
            if not approve and len(note.strip()) < 3:
                raise BadInput("Say why you deny it: the bench reads your note.")
            rma = s.get(ReturnAuthorization, approval.rma_id)
            assert rma is not None
            policy = self._load_policy(rma.order.brand.value)
            waiting = list(s.scalars(select(Decision).where(
                Decision.approval_id == approval.id, Decision.superseded.is_(False))))
            if not waiting and approval.decision_id is not None:  # asked before 0006
                legacy = s.get(Decision, approval.decision_id)
                waiting = [legacy] if legacy is not None and not legacy.superseded else []
            if approve:
                _escalate_if_the_rma_crosses(s, approval, approver, policy, rma, waiting)
            approval.status = ApprovalStatus.APPROVED if approve else ApprovalStatus.DENIED
            approval.answered_by_id = approver.id
            approval.answered_at = now
            approval.note = note.strip() or None
            station_id = self._station_id(s)
            ctx = _Answer(s, approval, approver, policy, rma, station_id, now,
                          self._station, note.strip())
            items = [d.return_item_id for d in waiting]
            before = [fate(s, item_id) for item_id in items]
            finals = ctx.settle(waiting, approve, alternative)
            s.flush()
            after = [fate(s, item_id) for item_id in items]
            audit.append(s, at=now, action=f"approval.{approval.status.value}",
                         actor=approver.username, station=self._station, entity="approval",
                         entity_id=approval.id,
                         payload={"kind": approval.kind.value, "level": approval.level.value,
                                  "amount": str(approval.amount), "note": approval.note,
                                  "alternative": alternative,
                                  "units": sorted(u for u, _ in finals),
                                  # What the answer changed, unit by unit (the log prints it).
                                  "before": before, "after": after})
            asked_at = s.get(Station, approval.station_id)
            publish(s, "approval.answered", id=approval.id, status=approval.status.value,
                    station=asked_at.name if asked_at else None)
            uow.commit()
        if self._printing is not None and asked_at is not None:
            self._printing.queue_answer_labels(approval_id, asked_at.name, approver)
        return self.get(approval_id)

    def answer_with_pin(self, approval_id: int, username: str, pin: str, approve: bool,
                        note: str = "", alternative: str | None = None) -> ApprovalView:
        """The override at the bench: a supervisor or manager signs in over the inspector
        (whose session stays) and answers in one step."""
        approver = self._auth.sign_in(username, pin)
        return self.answer(approval_id, approver, approve, note, alternative)

    # --- views -------------------------------------------------------------------
    def _views(self, *where: object) -> list[ApprovalView]:
        now = self._clock.now()
        requester, answerer = aliased(User), aliased(User)
        with UnitOfWork(self._sf) as uow:
            s = uow.session
            # Columns, not Approval objects: the queue is read every few seconds at every
            # desk, and 300 ORM objects (made, then expired at the end) were half its time.
            rows = s.execute(
                select(Approval.id, Approval.kind, Approval.level, Approval.amount,
                       Approval.reason, Approval.requested_outcome, Approval.requested_at,
                       Approval.status, Approval.answered_at, Approval.note,
                       ReturnAuthorization.number, Order.number, Order.brand,
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
            for (a_id, kind, level, amount, reason, outcome, requested_at, status,
                 answered_at, note, rma, order, brand, customer, asked_by, answered_by,
                 station, unit, trace, policy_id, policy_version, policy_sha,
                 inspection_id) in rows:
                if brand.value not in hours:
                    hours[brand.value] = self._load_policy(brand.value).escalation_hours
                due = requested_at + dt.timedelta(hours=hours[brand.value])
                photos = photo_counts.get(inspection_id, 0) if inspection_id else 0
                views.append(ApprovalView(
                    id=a_id, rma_number=rma, order_number=order, customer_name=customer,
                    kind=kind, level=level, amount=amount, reason=reason,
                    requested_outcome=outcome, unit_no=unit,
                    requested_by=asked_by, requested_at=requested_at, station=station,
                    sla_due_at=due, age_minutes=int((now - requested_at).total_seconds()
                                                    // 60),
                    overdue=status is ApprovalStatus.PENDING and now > due, status=status,
                    answered_by=answered_by, answered_at=answered_at, note=note,
                    trace=tuple((t["rule"], t["reason"]) for t in trace or ()),
                    policy=f"{policy_id} v{policy_version} {policy_sha[:10]}"
                    if policy_id is not None else None,
                    photos=photos))
            return views


def _escalate_if_the_rma_crosses(s: Session, approval: Approval, approver: SignedInUser,
                                 policy: Policy, rma: ReturnAuthorization,
                                 waiting: list[Decision]) -> None:
    """An exception asked for while the RMA was under the limit may take it over by the
    time it is answered (its other dresses decided meanwhile): the $250 test is the
    RMA's when the money is given, so then only a manager approves it."""
    if approval.kind is not ApprovalKind.POLICY_EXCEPTION \
            or approval.level is ApprovalLevel.MANAGER or not waiting:
        return
    outcome = Resolution(approval.requested_outcome or "")
    units = []
    total = Decimal("0.00")
    for decision in waiting:
        item = s.get(ReturnItem, decision.return_item_id)
        assert item is not None
        units.append(item.unit_no)
        refund, _fee, credit = outcome_amounts(policy, rma, item, decision, outcome)
        total += counted(outcome, refund, credit)
    if total <= 0:
        return
    total += decided_before(s, rma, units).total
    if total <= policy.refund_threshold:
        return
    if not allowed(approver.role, APPROVE_ACTION[ApprovalLevel.MANAGER]):
        raise PermissionDenied(
            f"Approving this exception takes {rma.number}'s refunds to "
            f"{format_money(total)}, over {format_money(policy.refund_threshold)}: an "
            "operations manager answers it.")
    approval.level = ApprovalLevel.MANAGER


class _Answer:
    """One answer's work on the decisions it covers, inside the answer's transaction."""

    def __init__(self, s: Session, approval: Approval, approver: SignedInUser,
                 policy: Policy, rma: ReturnAuthorization, station_id: int,
                 now: dt.datetime, station: str, note: str) -> None:
        self.s, self.approval, self.approver, self.policy = s, approval, approver, policy
        self.rma, self.station_id, self.now, self.station = rma, station_id, now, station
        self.note = note
        self.pointed = False

    def settle(self, waiting: list[Decision], approve: bool, alternative: str | None
               ) -> list[tuple[int, DecisionStatus]]:
        kind = self.approval.kind
        op = (Op.RESOLVE_HOLD if kind is ApprovalKind.HOLD
              else Op.APPROVE if approve else Op.DENY)
        out = []
        alt = self._alternative(kind, approve, alternative)
        for decision in waiting:
            item = self.s.get(ReturnItem, decision.return_item_id)
            assert item is not None
            check(op, item.reception_status, item.decision_status, unit_name(self.rma, item))
            status = self._one(item, decision, approve, alt)
            move(self.s, op, item, to=status, actor=self.approver.username,
                 station=self.station, at=self.now, payload={"approval": self.approval.id})
            out.append((item.unit_no, status))
        return out

    def _alternative(self, kind: ApprovalKind, approve: bool, alternative: str | None
                     ) -> Resolution | str | None:
        if approve or kind in (ApprovalKind.POLICY_EXCEPTION, ApprovalKind.QA_REGRADE):
            return None
        if kind is ApprovalKind.HOLD:
            if alternative not in ("return_to_customer", "quarantine"):
                raise BadInput("Not ours: choose return to sender (return_to_customer) or "
                               "quarantine. If it is ours after all, approve it instead.")
            return alternative
        try:
            alt = Resolution(alternative) if alternative else None
        except ValueError:
            alt = None
        if alt not in DENIAL_ALTERNATIVES:
            raise BadInput("Denying the refund: choose what the customer gets instead: "
                           "return to customer, exchange or store credit.")
        return alt

    def _step(self, rule: str, text: str) -> dict[str, Any]:
        """A trace step of this answer; `approval` names the request it answered (the
        asking bench's final labels are the units whose decision carries it)."""
        note = f" Note: {self.note}" if self.note else ""
        return {"rule": rule, "reason": f"{text} by {self.approver.display_name} "
                f"(#{self.approval.id}).{note}", "approval": self.approval.id}

    def _final(self, decision: Decision) -> None:
        """The request now shows (and the authorization log prints) the decision its
        answer made, whose trace carries the one it replaced."""
        if not self.pointed:  # a request about several units points at the first
            self.approval.decision_id, self.pointed = decision.id, True

    def _regrade(self, item: ReturnItem, decision: Decision, approve: bool
                 ) -> DecisionStatus:
        """A blind re-grade that pays more: approved, the re-grade's decision (decided
        again under the first decision's policy) replaces the first; denied, the first
        stands."""
        s = self.s
        sample = s.scalars(select(QaSample).where(
            QaSample.approval_id == self.approval.id)).one()
        if approve:
            outcome, case, policy = redecide(s, decision, sample.second_grade or "")
            new = apply_regrade(s, self.rma, item, decision, sample, policy, case, outcome,
                                self._step("qa_regrade", f"{self.approval.reason}; "
                                           "approved"),
                                self.approver.id, self.station_id, self.now)
            self._final(new)
            return DecisionStatus.DECIDED
        decision.approval_id = None
        decision.trace = [*decision.trace, self._step(
            "qa_regrade_denied", "The re-grade's decision denied; the first stands,")]
        return DecisionStatus.COMPLETED if was_settled(s, decision) \
            else DecisionStatus.DECIDED

    def _one(self, item: ReturnItem, decision: Decision, approve: bool,
             alt: Resolution | str | None) -> DecisionStatus:
        s, kind = self.s, self.approval.kind
        if kind is ApprovalKind.POLICY_EXCEPTION:
            if approve:
                outcome = Resolution(self.approval.requested_outcome or "")
                amounts = outcome_amounts(self.policy, self.rma, item, decision, outcome)
                overridden = decision.trace[-1]["rule"] if decision.trace else "policy"
                new = supersede(s, decision, outcome, amounts, self._step(
                    "exception", f"Policy exception: {outcome.value.replace('_', ' ')} "
                    f"instead of {decision.resolution.value.replace('_', ' ')} (overrides "
                    f"rule {overridden}; reason: {self.approval.reason}), approved"),
                    self.approver.id, self.station_id, self.now, self.policy)
                self._final(new)
                if outcome not in FREE:
                    take_unit_bought(s, self.rma, item)
                return DecisionStatus.DECIDED
            decision.approval_id = None
            decision.trace = [*decision.trace, self._step(
                "exception_denied", "Policy exception denied; the policy's decision stands,")]
            if own_approval_pending(decision):
                level = decision.approval_level
                assert level is not None
                open_approval(
                    s, self.rma, [decision], ApprovalKind.REFUND_OVER_THRESHOLD
                    if level is ApprovalLevel.MANAGER else ApprovalKind.HOLD, level,
                    decision.refund + decision.credit, "The policy's decision needs its "
                    "own approval now that the exception is denied.",
                    self.approval.requested_by_id, self.approver.username,
                    self.approval.station_id, self.station, self.now)
                return DecisionStatus.AWAITING_APPROVAL
            return DecisionStatus.COMPLETED if was_settled(s, decision) \
                else DecisionStatus.DECIDED
        if kind is ApprovalKind.QA_REGRADE:
            return self._regrade(item, decision, approve)
        if kind is ApprovalKind.HOLD:
            if approve:  # ours after all: back to the bench, decided as usual
                decision.superseded, decision.approval_id = True, None
                free_unit_bought(item)
                decision.trace = [*decision.trace, self._step(
                    "hold_resolved", "Ours after all: back to the bench to decide as usual,")]
                return DecisionStatus.PENDING
            if alt == "quarantine":
                self._final(supersede(s, decision, Resolution.HOLD, (Decimal(0),) * 3,
                                      self._step("quarantine", "Not ours: quarantined"),
                                      self.approver.id, self.station_id, self.now, self.policy))
            else:
                self._final(supersede(
                    s, decision, Resolution.RETURN_TO_CUSTOMER, (Decimal(0),) * 3,
                    self._step("return_to_sender", "Not ours: returned to sender"),
                    self.approver.id, self.station_id, self.now, self.policy))
            return DecisionStatus.DECIDED
        # Refund over the threshold.
        if approve:
            decision.approval_id = None
            decision.trace = [*decision.trace, self._step(
                "approved", f"Refund over ${self.policy.refund_threshold} approved")]
            if decision.resolution in (Resolution.REFUND, Resolution.STORE_CREDIT):
                decision.refund_due_on = refund_due(self.policy, self.now)
            return DecisionStatus.DECIDED
        assert isinstance(alt, Resolution)
        amounts = outcome_amounts(self.policy, self.rma, item, decision, alt)
        self._final(supersede(s, decision, alt, amounts, self._step(
            "refund_denied", f"Refund denied, {alt.value.replace('_', ' ')} instead"),
            self.approver.id, self.station_id, self.now, self.policy))
        if alt not in FREE:
            take_unit_bought(s, self.rma, item)
        return DecisionStatus.DECIDED


def fate(s: Session, item_id: int) -> dict[str, Any]:
    """A unit's money and fate as it stands: its state, and its live decision's outcome,
    refund, store credit and disposition (none while it waits to be decided again)."""
    item = s.get(ReturnItem, item_id)
    assert item is not None
    out: dict[str, Any] = {"unit": item.unit_no, "status": item.decision_status.value}
    live = s.scalars(select(Decision).where(Decision.return_item_id == item_id,
                                            Decision.superseded.is_(False))).first()
    if live is not None:
        last = live.trace[-1] if live.trace else {}
        out.update(resolution=live.resolution.value, refund=str(live.refund),
                   credit=str(live.credit), disposition=live.disposition.value,
                   # Where a dress that is not ours goes is the answer's own step.
                   step=last.get("rule") if isinstance(last, dict) else None)
    return out
