"""Deciding an RMA at the bench: preview as the inspector works, accept to store, ask for
an exception, and re-explain a stored decision under the policy it was made with."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from app import audit
from app.clock import Clock
from app.domain.enums import (
    ApprovalKind,
    ApprovalLevel,
    DecisionStatus,
    Resolution,
)
from app.errors import BadInput, Conflict, NeedsServer, NotFound
from app.lifecycle import NotAllowed, Op, check
from app.permissions import Action
from app.policy.case import parse_case
from app.policy.contract import decision_to_json
from app.policy.engine import Decision as PolicyDecision
from app.policy.engine import decide
from app.policy.rules import Policy, load_policy, parse_policy
from app.services.auth import SignedInUser, require_current
from app.services.common import StationId, load_rma, rma_unit
from app.services.decision_case import archive_policy, build_case, decide_case
from app.services.decision_forms import (
    CLAIM_REASONS,
    InspectionInput,
    answered_match,
    answered_severity,
    missing,
    with_grade,
)
from app.services.decision_views import (
    AcceptedDecision,
    DecisionView,
    UnitOutcome,
    decision_view,
    differences,
    hold_reason,
    labels_now,
    outcome_of,
    unit_case,
)
from app.services.holds import release_items, require_hold
from app.services.outcomes import (
    EXCEPTION_OUTCOMES,
    FREE,
    current_decision,
    free_unit_bought,
    open_approval,
    outcome_amounts,
    take_unit_bought,
    unit_name,
)
from app.services.qa import QaService
from app.services.rma_money import (
    counted,
    decided_before,
    threshold_reason,
    unit_waits,
)
from app.services.unit_moves import move
from app.services.uow import UnitOfWork, retrying

__all__ = ["CLAIM_REASONS", "AcceptedDecision", "DecisionService", "DecisionView",
           "InspectionInput", "UnitOutcome", "differences", "missing", "outcome_of",
           "with_grade"]

from models import (
    CompletedRequest,
    Decision,
    Inspection,
    PolicyVersion,
    QaSample,
    ReturnAuthorization,
    ReturnItem,
)


class DecisionService:
    def __init__(self, session_factory: sessionmaker[Session], clock: Clock, station: str,
                 policy_loader: Callable[[str], Policy] = load_policy,
                 qa: QaService | None = None, offline: bool = False) -> None:
        self._sf = session_factory
        # On a bench's local copy (the server away): what needs a person's answer waits.
        self._offline = offline
        self._clock = clock
        self._station = station
        self._station_id = StationId(station)
        self._load_policy = policy_loader
        self._qa = qa  # sets decided units aside for a blind re-grade

    # --- preview -----------------------------------------------------------------
    def preview(self, rma_number: str, inspections: Mapping[int, InspectionInput]
                ) -> DecisionView:
        """The decision the policy would make now, for the units inspected so far."""
        with UnitOfWork(self._sf) as uow:
            rma = load_rma(uow.session, rma_number)
            case, units = build_case(rma, inspections, self._clock.now())
            policy = self._load_policy(rma.order.brand.value)
            return decision_view(rma.number, units, decide(parse_case(case), policy), case)

    # --- accept ------------------------------------------------------------------
    @retrying
    def accept(self, rma_number: str, inspections: Mapping[int, InspectionInput],
               user: SignedInUser, request_key: str | None = None,
               expect: Mapping[str, Any] | None = None) -> AcceptedDecision:
        """Store the inspections and the decision (with its policy), open the approval it
        needs, and move each unit on by the lifecycle table. One transaction.

        A unit whose dates on file cannot be (delivered after this receipt, say) is not
        refused, since the dress is here: it is held for a supervisor with the reason.
        With a `request_key` (the bench makes one per Enter), running it again after a
        lost connection returns the decision already stored instead of a second one.

        `expect` (an offline bench's replay): the decision the bench made and showed,
        from `outcome_of`; when the server would decide otherwise now (the policy moved,
        the RMA changed), nothing is stored and Conflict says what differs. Offline (on
        the local copy) a decision that needs an approval is refused: it waits for the
        server."""
        now = self._clock.now()
        with UnitOfWork(self._sf) as uow:
            s = uow.session
            require_current(s, user, Action.DECIDE)
            rma = load_rma(s, rma_number, for_update=True)
            if request_key is not None and (done := s.get(CompletedRequest, request_key)):
                return self._replay(s, done)
            by_unit = {it.unit_no: it for it in rma.items}
            for unit_no in sorted(inspections):
                if unit_no in by_unit:
                    item = by_unit[unit_no]
                    check(Op.ACCEPT, item.reception_status, item.decision_status,
                          unit_name(rma, item))
            case, units = build_case(rma, inspections, self._clock.now())
            policy = self._load_policy(rma.order.brand.value)
            decision = decide_case(case, policy)
            if self._offline and decision.approval is not None:
                raise NeedsServer(
                    f"This decision needs {decision.approval.value} approval, and the "
                    "server is away: the item stays graded here (a draft); press Enter "
                    "again when the bench is back online.")
            if expect is not None and (now_is := outcome_of(
                    decision_view(rma.number, units, decision, case))) != expect:
                raise Conflict(differences(expect, now_is))
            station_id = self._station_id(s)
            rows = self._store(s, rma, units, inspections, case, decision, policy, user,
                               station_id, now)
            approvals = self._ask(s, rma, rows, decision, policy, user, station_id, now)
            audit.append(s, at=now, action="decision.accepted", actor=user.username,
                         station=self._station, entity="rma", entity_id=rma.number,
                         payload={"decision": decision_to_json(decision),
                                  "units": list(units)})
            qa_units: list[int] = []
            if self._qa is not None:  # a share of what was decided, for a blind re-grade
                for row in rows:
                    if row.item.decision_status in (DecisionStatus.DECIDED,
                                                    DecisionStatus.AWAITING_APPROVAL) \
                            and self._qa.maybe_sample(s, rma, row.item, row,
                                                      inspections[row.item.unit_no].grade,
                                                      user, policy, now) is not None:
                        qa_units.append(row.item.unit_no)
            release_items(s, (by_unit[u].id for u in units
                              if by_unit[u].decision_status is not DecisionStatus.PENDING))
            if request_key is not None:
                s.add(CompletedRequest(key=request_key, kind="decision.accept", at=now,
                                       result={"decisions": [r.id for r in rows],
                                               "approvals": approvals}))
            uow.commit()
            view = decision_view(rma.number, units, decision, case)
            return AcceptedDecision(view, tuple(r.id for r in rows), tuple(approvals),
                                    labels_now(view, {u: by_unit[u].decision_status
                                                   for u in units}, qa_units),
                                    tuple(qa_units))

    def _ask(self, s: Session, rma: ReturnAuthorization, rows: list[Decision],
             decision: PolicyDecision, policy: Policy,
             user: SignedInUser, station_id: int, now: dt.datetime) -> list[int]:
        """The answers this decision waits for, each about the units it concerns only:
        one supervisor hold per held unit (its answer touches that dress alone), and
        one manager request for the refunds that take the RMA over the limit, showing
        the RMA's total and its parts."""
        out = []
        for row in rows:
            if row.approval_level is ApprovalLevel.SUPERVISOR:
                out.append(open_approval(
                    s, rma, [row], ApprovalKind.HOLD, ApprovalLevel.SUPERVISOR,
                    Decimal("0.00"), hold_reason(row, decision), user.id, user.username,
                    station_id, self._station, now, item=row.item).id)
        crossing = [r for r in rows if r.approval_level is ApprovalLevel.MANAGER]
        if crossing:
            now_units = {r.item.unit_no: counted(r.resolution, r.refund, r.credit)
                         for r in crossing}
            before = decided_before(s, rma, [r.item.unit_no for r in rows])
            out.append(open_approval(
                s, rma, crossing, ApprovalKind.REFUND_OVER_THRESHOLD, ApprovalLevel.MANAGER,
                sum(now_units.values(), Decimal("0.00")) + before.total,
                threshold_reason(policy.refund_threshold, now_units, before), user.id,
                user.username, station_id, self._station, now,
                item=crossing[0].item if len(crossing) == 1 else None).id)
        return out

    def _store(self, s: Session, rma: ReturnAuthorization, units: tuple[int, ...],
               inspections: Mapping[int, InspectionInput], case: dict[str, Any],
               decision: PolicyDecision, policy: Policy, user: SignedInUser,
               station_id: int, now: dt.datetime, accept: bool = True) -> list[Decision]:
        """The inspections and a decision row per unit; `accept`: each unit moved on by it."""
        archive_policy(s, policy, now)
        by_unit = {it.unit_no: it for it in rma.items}
        # Earlier decisions on these units (e.g. "photos required") give way to this
        # one: one statement, not a load of each unit's decisions.
        s.execute(update(Decision).where(
            Decision.return_item_id.in_([by_unit[u].id for u in units]),
            Decision.superseded.is_(False)).values(superseded=True, claim_open=False))
        rows = []
        for index, (unit_no, outcome) in enumerate(zip(units, decision.items, strict=True)):
            waits = unit_waits(decision, index)
            item = by_unit[unit_no]
            ins_in = inspections[unit_no]
            require_hold(s, rma.number, item, user.id, station_id, now)
            if outcome.resolution not in FREE:
                take_unit_bought(s, rma, item)
            else:  # back to the customer, held, or waiting for photos: not used up
                free_unit_bought(item)
            if item.received_at is None:  # the dress is here: deciding it receives it
                item.received_at = now
                move(s, Op.RECEIVE, item, actor=user.username, station=self._station, at=now)
            inspection = s.scalars(select(Inspection).where(
                Inspection.return_item_id == item.id, Inspection.is_draft.is_(True))
                .order_by(Inspection.id.desc()).limit(1)).first()
            if inspection is None:  # decided without a saved draft
                inspection = Inspection(item=item, checklist={}, inspector_id=user.id,
                                        station_id=station_id, started_at=now)
                s.add(inspection)
            inspection.grade = ins_in.grade
            inspection.worn, inspection.altered = ins_in.worn, ins_in.altered
            inspection.tags_attached = ins_in.tags_attached
            inspection.matches_order = answered_match(ins_in, unit_no) is not False
            inspection.damage_severity = answered_severity(ins_in, item.reason, unit_no)
            inspection.damage_cause = ins_in.damage_cause
            inspection.notes = ins_in.notes
            inspection.checklist = {**(inspection.checklist or {}),
                                    "marks": sorted(ins_in.marks)}
            inspection.inspector_id, inspection.station_id = user.id, station_id
            photos_wait = outcome.resolution is Resolution.PHOTOS_REQUIRED
            if not photos_wait:
                inspection.completed_at, inspection.is_draft = now, False
            row = Decision(
                item=item, resolution=outcome.resolution, refund=outcome.refund,
                restocking_fee=outcome.restocking_fee, credit=outcome.credit,
                disposition=outcome.disposition, approval_level=waits,
                carrier_claim=outcome.carrier_claim,
                inspection_due_on=decision.due.inspection,
                refund_due_on=decision.due.refund,
                exchange_ship_due_on=decision.due.exchange_ship,
                claim_resolution_due_on=decision.due.claim_resolution,
                policy_id=policy.id, policy_version=policy.version,
                policy_sha256=policy.sha256, case=unit_case(case, unit_no),
                trace=[{"rule": t.rule, "reason": t.reason} for t in decision.trace],
                decided_at=now, decided_by_id=user.id, station_id=station_id,
                claim_open=decision.due.claim_resolution is not None or photos_wait)
            s.add(row)
            s.flush()
            row.inspection_id = inspection.id
            rows.append(row)
            to = (DecisionStatus.PENDING if photos_wait else DecisionStatus.AWAITING_APPROVAL
                  if waits is not None else DecisionStatus.DECIDED)
            if accept:  # else the exception asked for moves the unit
                move(s, Op.ACCEPT, item, to=to, actor=user.username, station=self._station, at=now)
        return rows

    def _replay(self, s: Session, done: CompletedRequest) -> AcceptedDecision:
        """What an earlier run of the same request stored."""
        decision_ids = tuple(int(i) for i in done.result["decisions"])
        row = s.get(Decision, decision_ids[0])
        archived = s.get(PolicyVersion, row.policy_sha256) if row else None
        if row is None or archived is None:
            raise NotFound(f"Request {done.key} was done but its decision is gone.")
        policy = parse_policy(archived.content.encode("utf-8"),
                              f"archived {archived.policy_id} v{archived.version}")
        units = tuple(it["unit_no"] for it in row.case["items"])
        decision = decide_case(row.case, policy)
        view = decision_view(row.item.rma.number, units, decision, row.case)
        statuses = {it.unit_no: it.decision_status for it in row.item.rma.items}
        qa_units = tuple(sorted(s.scalars(
            select(ReturnItem.unit_no).join(QaSample, QaSample.return_item_id == ReturnItem.id)
            .where(QaSample.decision_id.in_(decision_ids)))))
        return AcceptedDecision(view, decision_ids,
                                tuple(int(i) for i in done.result["approvals"]),
                                labels_now(view, statuses, qa_units), qa_units)

    # --- exceptions --------------------------------------------------------------
    @retrying
    def request_exception(self, rma_number: str, unit_no: int, reason: str,
                          requested_outcome: str, user: SignedInUser,
                          inspection: InspectionInput | None = None,
                          request_key: str | None = None) -> int:
        """Ask for a policy exception (POLICY.md rule 8) for one unit: the outcome wanted
        and a written reason. The amounts are the service's, from the order line and the
        policy. A unit not yet decided is decided by the policy first (from
        `inspection`), so a denial leaves that decision standing. The decision on file
        stays until the exception is approved; a supervisor answers up to the policy's
        limit, an operations manager above it."""
        if self._offline:
            raise NeedsServer("An exception needs a supervisor's answer, and the server is "
                              "away: ask for it (E) when the bench is back online.")
        if len(reason.strip()) < 10:
            raise BadInput("Write the reason for the exception (at least a few words).")
        try:
            outcome = Resolution(requested_outcome)
        except ValueError:
            outcome = None
        if outcome not in EXCEPTION_OUTCOMES:
            raise BadInput(f"An exception asks for one of "
                           f"{', '.join(o.value.replace('_', ' ') for o in EXCEPTION_OUTCOMES)}"
                           f", not {requested_outcome!r}.")
        assert outcome is not None
        now = self._clock.now()
        with UnitOfWork(self._sf) as uow:
            s = uow.session
            require_current(s, user, Action.REQUEST_EXCEPTION)
            rma = load_rma(s, rma_number, for_update=True)
            if request_key is not None and (done := s.get(CompletedRequest, request_key)):
                return int(done.result["approval"])
            item = rma_unit(rma, unit_no)
            name = unit_name(rma, item)
            check(Op.REQUEST_EXCEPTION, item.reception_status, item.decision_status, name)
            station_id = self._station_id(s)
            require_hold(s, rma.number, item, user.id, station_id, now)
            policy = self._load_policy(rma.order.brand.value)
            standing = current_decision(s, item)
            if item.decision_status is DecisionStatus.PENDING:
                if inspection is None:
                    raise BadInput(f"{name}: grade it first; the exception is asked "
                                   "against the policy's decision.")
                case, units = build_case(rma, {unit_no: inspection}, self._clock.now())
                decision = decide_case(case, policy)
                if decision.items[0].resolution is Resolution.PHOTOS_REQUIRED:
                    raise NotAllowed(f"{name}: the claim needs its photos before anything "
                                     "is decided, an exception included: take them first.")
                standing = self._store(s, rma, units, {unit_no: inspection}, case,
                                       decision, policy, user, station_id, now, False)[0]
            assert standing is not None
            if outcome is standing.resolution:
                raise BadInput(f"{name} is already {outcome.value.replace('_', ' ')} by "
                               "the policy: no exception is needed.")
            refund, _fee, credit = outcome_amounts(policy, rma, item, standing, outcome)
            amount = refund + credit
            # The RMA's $250 test, as at accept: the other dresses' live money, one read.
            others = decided_before(s, rma, [unit_no]).total
            level = (ApprovalLevel.MANAGER if amount > policy.supervisor_limit
                     or others + counted(outcome, refund, credit) > policy.refund_threshold
                     else ApprovalLevel.SUPERVISOR)
            approval = open_approval(
                s, rma, [standing], ApprovalKind.POLICY_EXCEPTION, level, amount,
                reason.strip(), user.id, user.username, station_id, self._station, now,
                item=item, requested_outcome=outcome.value)
            move(s, Op.REQUEST_EXCEPTION, item, actor=user.username, station=self._station,
                 at=now, payload={"approval": approval.id})
            release_items(s, [item.id])
            if request_key is not None:
                s.add(CompletedRequest(key=request_key, kind="exception.request", at=now,
                                       result={"approval": approval.id}))
            uow.commit()
            return approval.id

    # --- re-explain --------------------------------------------------------------
    def explain(self, decision_id: int) -> DecisionView:
        """Decide the stored case again under the archived policy it was made with."""
        with UnitOfWork(self._sf) as uow:
            s = uow.session
            row = s.get(Decision, decision_id)
            if row is None:
                raise NotFound(f"No decision {decision_id}.")
            archived = s.get(PolicyVersion, row.policy_sha256)
            if archived is None:
                raise NotFound(f"The policy of decision {decision_id} is not archived.")
            policy = parse_policy(archived.content.encode("utf-8"),
                                  f"archived {archived.policy_id} v{archived.version}")
            units = tuple(it["unit_no"] for it in row.case["items"])
            return decision_view(row.item.rma.number, units, decide_case(row.case, policy),
                                 row.case)
