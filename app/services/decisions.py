"""Deciding an RMA at the bench: preview as the inspector works, accept to store, ask for
an exception, and re-explain a stored decision under the policy it was made with."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, sessionmaker

from app import audit
from app.clock import Clock
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
)
from app.errors import BadInput, Conflict, NeedsServer, NotFound
from app.lifecycle import NotAllowed, Op, check
from app.permissions import Action
from app.policy.case import parse_case
from app.policy.contract import decision_to_json
from app.policy.engine import Decision as PolicyDecision
from app.policy.engine import decide
from app.policy.rules import Policy, load_policy, parse_policy
from app.printing.bins import place_for
from app.services.auth import SignedInUser, require_current
from app.services.common import StationId, load_rma, rma_unit
from app.services.dates import date_problem, held_for_dates
from app.services.holds import release_items, require_hold
from app.services.labels_plan import labels_for
from app.services.outcomes import (
    EXCEPTION_OUTCOMES,
    FREE,
    LIVE,
    case_amounts,
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
from models import (
    CompletedRequest,
    Decision,
    Inspection,
    Photo,
    PolicyVersion,
    Product,
    QaSample,
    ReturnAuthorization,
    ReturnItem,
)


@dataclass(frozen=True)
class InspectionInput:
    """What the inspector has set for one unit so far (no grade yet: not decidable)."""

    grade: Grade | None = None
    worn: bool = False
    altered: bool = False
    tags_attached: bool = False  # unticked until seen (grade A sets it: its definition)
    # Unset until answered (S). The policy reads "none" for it, except on a damage claim
    # (reason quality defect or shipping damage), where it decides the claim: it must be
    # answered there, "none" included.
    damage_severity: DamageSeverity | None = None
    damage_cause: DamageCause | None = None
    photos: int = 0
    matches_order: bool | None = None  # must be answered (M), or grade A, or X
    notes: str | None = None
    marks: frozenset[str] = frozenset()  # checklist findings: stains, odour, beads ...


@dataclass(frozen=True)
class UnitOutcome:
    unit_no: int
    sku: str
    resolution: Resolution
    refund: Decimal
    restocking_fee: Decimal
    credit: Decimal
    disposition: str
    size_to: str | None = None  # the size an exchange or replacement ships in
    place: str | None = None  # the bin on the floor (the bin map), e.g. R-A-03
    # The answer this unit waits for (its own hold, or the RMA's $250 test); the other
    # units of the same Enter do not wait.
    waits: ApprovalLevel | None = None


@dataclass(frozen=True)
class DecisionView:
    """A decision ready to show: per unit outcome, totals, approval, dates and the trace."""

    rma_number: str
    units: tuple[UnitOutcome, ...]
    refund_total: Decimal
    credit_total: Decimal
    approval: ApprovalLevel | None
    approval_reason: str | None
    carrier_claim: bool
    due: dict[str, dt.date | None]
    trace: tuple[tuple[str, str], ...]
    policy_id: str
    policy_version: str
    policy_sha256: str
    contract: dict[str, Any]


@dataclass(frozen=True)
class AcceptedDecision:
    view: DecisionView
    decision_ids: tuple[int, ...]
    approval_ids: tuple[int, ...]
    # What to print now, by the lifecycle: (unit, label kind). A unit waiting for an
    # answer gets the hold-shelf tag; its final label prints when it is answered.
    labels: tuple[tuple[int, str], ...] = ()
    # Units set aside for a blind QA re-grade: their label says QA, they go to the QA
    # rack, and their money waits for the re-grade.
    qa_units: tuple[int, ...] = ()


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
            case, units = self._case(rma, inspections)
            policy = self._load_policy(rma.order.brand.value)
            return _view(rma.number, units, decide(parse_case(case), policy), case)

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
            case, units = self._case(rma, inspections)
            policy = self._load_policy(rma.order.brand.value)
            decision = _decide(case, policy)
            if self._offline and decision.approval is not None:
                raise NeedsServer(
                    f"This decision needs {decision.approval.value} approval, and the "
                    "server is away: the item stays graded here (a draft); press Enter "
                    "again when the bench is back online.")
            if expect is not None and (now_is := outcome_of(
                    _view(rma.number, units, decision, case))) != expect:
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
            view = _view(rma.number, units, decision, case)
            return AcceptedDecision(view, tuple(r.id for r in rows), tuple(approvals),
                                    _labels(view, {u: by_unit[u].decision_status
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
                    Decimal("0.00"), _hold_reason(row, decision), user.id, user.username,
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
        _archive_policy(s, policy, now)
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
            inspection.matches_order = _matches(ins_in, unit_no) is not False
            inspection.damage_severity = _severity(ins_in, item.reason, unit_no)
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
                policy_sha256=policy.sha256, case=_unit_case(case, unit_no),
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
        decision = _decide(row.case, policy)
        view = _view(row.item.rma.number, units, decision, row.case)
        statuses = {it.unit_no: it.decision_status for it in row.item.rma.items}
        qa_units = tuple(sorted(s.scalars(
            select(ReturnItem.unit_no).join(QaSample, QaSample.return_item_id == ReturnItem.id)
            .where(QaSample.decision_id.in_(decision_ids)))))
        return AcceptedDecision(view, decision_ids,
                                tuple(int(i) for i in done.result["approvals"]),
                                _labels(view, statuses, qa_units), qa_units)

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
                case, units = self._case(rma, {unit_no: inspection})
                decision = _decide(case, policy)
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
            others = sum((d.refund + (d.credit if d.resolution is Resolution.STORE_CREDIT
                                      else Decimal(0)))
                         for it in rma.items if it.id != item.id
                         and it.decision_status in LIVE
                         and (d := current_decision(s, it)) is not None)
            level = (ApprovalLevel.MANAGER if amount > policy.supervisor_limit
                     or others + refund + (credit if outcome is Resolution.STORE_CREDIT
                                           else 0) > policy.refund_threshold
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
            return _view(row.item.rma.number, units, _decide(row.case, policy), row.case)

    # --- case building -----------------------------------------------------------
    def _case(self, rma: ReturnAuthorization, inspections: Mapping[int, InspectionInput]
              ) -> tuple[dict[str, Any], tuple[int, ...]]:
        if not inspections:
            raise BadInput("Grade at least one item before asking for a decision.")
        order = rma.order
        if order.delivered_on is None:
            raise BadInput(f"Order {order.number} has no delivery date yet; "
                           "a supervisor must check it before deciding.")
        by_unit = {it.unit_no: it for it in rma.items}
        unknown = sorted(set(inspections) - set(by_unit))
        if unknown:
            raise NotFound(f"{rma.number} has no unit {unknown[0]}.")
        units = tuple(sorted(inspections))
        session = Session.object_session(rma)
        assert session is not None
        before = decided_before(session, rma, units)
        receipts = [t for u in units if (t := by_unit[u].received_at) is not None]
        received = min(receipts, default=self._clock.now())
        items = []
        for unit_no in units:
            item = by_unit[unit_no]
            line = item.order_line
            if line is None:
                raise BadInput(f"Unit {unit_no} is an extra item with no order line: "
                               "hold it for investigation.")
            ins = inspections[unit_no]
            photos_on_file = _photo_count(rma, item)
            if ins.grade is None:
                raise BadInput(f"Grade unit {unit_no} (1–5) before asking for a decision.")
            in_stock = None
            if item.requested is RequestedResolution.EXCHANGE:
                in_stock = _in_stock(rma, line.product, item.exchange_size)
            items.append({
                "unit_no": unit_no, "sku": line.sku,
                "price_paid": str((paid := case_amounts(item, [by_unit[u] for u in units]))[0]),
                "msrp": str(line.msrp), "tax": str(paid[1]),
                "clearance": line.clearance, "reason": item.reason.value,
                "requested": item.requested.value, "exchange_size": item.exchange_size,
                "exchange_in_stock": in_stock,
                "inspection": {
                    "grade": ins.grade.value, "worn": ins.worn, "altered": ins.altered,
                    "tags_attached": ins.tags_attached,
                    "damage_severity": _severity(ins, item.reason, unit_no).value,
                    "damage_cause": ins.damage_cause.value if ins.damage_cause else None,
                    # Only photos actually on file count toward a claim's minimum.
                    "photos": photos_on_file,
                    "matches_order": _matches(ins, unit_no)}})
        case = {
            "policy": order.brand.value,
            "order": {"number": order.number, "delivered": order.delivered_on.isoformat(),
                      "tier": order.customer_tier.value,
                      "shipping_paid": str(order.shipping_paid)},
            "rma": {"number": rma.number, "shipped_by_customer":
                    rma.shipped_by_customer_on.isoformat()
                    if rma.shipped_by_customer_on else None,
                    # The RMA decides as one: its other units' money counts.
                    "decided_before": before.as_case()},
            "received": received.isoformat(),
            "inspected": self._clock.now().isoformat(),
            "items": items,
        }
        return case, units


def with_grade(form: InspectionInput, grade: Grade) -> InspectionInput:
    """Grading: grade A means new with its tags, matching the order (its definition), so
    it answers those two; other grades leave them to the inspector."""
    if grade is Grade.A:  # new with tags: matching the order, and no damage
        return replace(form, grade=grade, tags_attached=True,
                       matches_order=True if form.matches_order is None else form.matches_order,
                       damage_severity=form.damage_severity or DamageSeverity.NONE)
    return replace(form, grade=grade)


CLAIM_REASONS = frozenset({ReturnReason.QUALITY_DEFECT, ReturnReason.SHIPPING_DAMAGE})


def missing(form: InspectionInput, reason: ReturnReason | None = None) -> list[str]:
    """What the policy reads that the inspector has not answered yet. On a damage claim
    the severity decides the claim, so it must be answered ("none" included) unless the
    grade is A (new with tags: no damage, its definition)."""
    out = []
    if form.grade is None:
        out.append("the grade (1–5)")
        return out
    if form.grade is Grade.X:
        return out
    if form.matches_order is None and form.grade is not Grade.A:
        out.append("whether it matches the order (M, or scan its tag)")
    if form.damage_severity is None and reason in CLAIM_REASONS and form.grade is not Grade.A:
        out.append("the damage severity (S)")
    return out


def _severity(ins: InspectionInput, reason: ReturnReason, unit_no: int) -> DamageSeverity:
    if ins.damage_severity is not None:
        return ins.damage_severity
    if reason in CLAIM_REASONS and ins.grade not in (Grade.A, Grade.X):  # A: no damage
        raise BadInput(f"Item {unit_no} is a damage claim: set the damage severity (S: none, "
                       "minor, moderate, severe) before the policy decides it.")
    return DamageSeverity.NONE


def _matches(ins: InspectionInput, unit_no: int) -> bool:
    if ins.matches_order is not None:
        return ins.matches_order
    if ins.grade in (Grade.A, Grade.X):  # A: by definition; X: held whatever the answer
        return True
    raise BadInput(f"Item {unit_no}: does it match the order (SKU, colour, size)? Press M "
                   "(yes; again: no), or scan the dress's own tag.")


def _photo_count(rma: ReturnAuthorization, item: ReturnItem) -> int:
    """Photos on file for the unit's inspection in progress (the draft)."""
    session = Session.object_session(rma)
    assert session is not None
    return int(session.scalar(select(func.count()).select_from(Photo).join(
        Inspection, Photo.inspection_id == Inspection.id).where(
        Inspection.return_item_id == item.id, Inspection.is_draft.is_(True))) or 0)


def _in_stock(rma: ReturnAuthorization, product: Product | None, size: str | None) -> bool:
    if product is None or size is None:
        return False
    session = Session.object_session(rma)
    assert session is not None
    stock = session.scalar(select(Product.stock).where(
        Product.style_id == product.style_id, Product.colour == product.colour,
        Product.size == size))
    return bool(stock and stock > 0)


def _archive_policy(session: Session, policy: Policy, now: dt.datetime) -> None:
    """Keep the policy file verbatim by its hash. Insert-or-ignore: two benches making the
    first decision under a new version at once both succeed."""
    if session.get(PolicyVersion, policy.sha256) is not None:
        return
    values = {"sha256": policy.sha256, "policy_id": policy.id, "version": policy.version,
              "content": policy.text, "first_used_at": now}
    dialect = session.get_bind().dialect.name
    stmt: Any
    if dialect == "postgresql":
        stmt = pg_insert(PolicyVersion).values(**values).on_conflict_do_nothing(
            index_elements=["sha256"])
    else:
        stmt = sqlite_insert(PolicyVersion).values(**values).on_conflict_do_nothing(
            index_elements=["sha256"])
    session.execute(stmt)


def _decide(case: dict[str, Any], policy: Policy) -> PolicyDecision:
    """The policy's decision, or a hold for a supervisor when the case's dates cannot be
    (the parcel is here: it is never refused, but no money is decided on such dates)."""
    problem = date_problem(case, policy)
    return held_for_dates(case, policy, problem) if problem \
        else decide(parse_case(case), policy)


def outcome_of(view: DecisionView) -> dict[str, Any]:
    """What a decision settled, in the terms an offline replay compares: the policy
    version and each unit's outcome and money (JSON-safe)."""
    return {"policy": f"{view.policy_id} {view.policy_version}",
            "units": {str(u.unit_no): {"resolution": u.resolution.value,
                                       "refund": str(u.refund), "credit": str(u.credit)}
                      for u in view.units}}


def differences(bench: Mapping[str, Any], server: Mapping[str, Any]) -> str:
    """The sentence for a replay the server decides otherwise."""
    out = []
    if bench.get("policy") != server.get("policy"):
        out.append(f"the policy moved from {bench.get('policy')} to {server.get('policy')}")
    for unit, mine in sorted(bench.get("units", {}).items()):
        theirs = server.get("units", {}).get(unit)
        if theirs is None:
            out.append(f"item {unit} is no longer to be decided")
        elif theirs != mine:
            out.append(f"item {unit}: {mine['resolution'].replace('_', ' ')} "
                       f"{mine['refund']}/{mine['credit']} at the bench, now "
                       f"{theirs['resolution'].replace('_', ' ')} "
                       f"{theirs['refund']}/{theirs['credit']}")
    return ("The server decides otherwise now: " + "; ".join(out or ["the items differ"])
            + ".")


def _hold_reason(row: Decision, decision: PolicyDecision) -> str:
    """Why one unit is held: its own steps of the trace (the engine prefixes each with
    "item N (SKU)" when a case has several units), else the decision's reason."""
    unit_no = row.item.unit_no
    units = [it["unit_no"] for it in row.case.get("items", ())]
    index = units.index(unit_no) if unit_no in units else 0
    prefix = f"item {index + 1} ("
    if any(t.rule == "impossible_dates" for t in decision.trace):
        return f"Item {unit_no}: {decision.approval_reason}"
    mine = [t.reason for t in decision.trace
            if t.rule in ("grade_x_mismatch", "exchange_out_of_stock")
            and (len(units) == 1 or t.reason.startswith(prefix))]
    why = mine[-1].split("): ", 1)[-1] if mine and len(units) > 1 else \
        mine[-1] if mine else (decision.approval_reason or "on hold")
    return f"Item {unit_no}: {why}"


def _unit_case(case: dict[str, Any], unit_no: int) -> dict[str, Any]:
    """The case as stored with one unit's decision: the whole return's case (so it can be
    decided again as it was), marked with the unit."""
    return {**case, "unit_no": unit_no}


def _labels(view: DecisionView, statuses: Mapping[int, DecisionStatus],
            qa_units: Sequence[int] = ()) -> tuple[tuple[int, str], ...]:
    out: list[tuple[int, str]] = []
    for u in view.units:
        out += [(u.unit_no, k) for k in labels_for(statuses.get(u.unit_no), u.resolution,
                                                   u.size_to, u.unit_no in qa_units)]
    return tuple(out)


def _view(rma_number: str, units: tuple[int, ...], d: PolicyDecision,
          case: dict[str, Any]) -> DecisionView:
    sizes = [it.get("exchange_size") for it in case["items"]]
    return DecisionView(
        rma_number=rma_number,
        units=tuple(UnitOutcome(u, o.sku, o.resolution, o.refund, o.restocking_fee, o.credit,
                                o.disposition.value, size,
                                place_for(str(case.get("policy", "")), o.disposition.value),
                                unit_waits(d, i))
                    for i, (u, o, size) in enumerate(zip(units, d.items, sizes,
                                                         strict=True))),
        refund_total=d.refund_total, credit_total=d.credit_total, approval=d.approval,
        approval_reason=d.approval_reason, carrier_claim=d.carrier_claim,
        due={"inspection": d.due.inspection, "refund": d.due.refund,
             "exchange_ship": d.due.exchange_ship, "claim_resolution": d.due.claim_resolution},
        trace=tuple((t.rule, t.reason) for t in d.trace),
        policy_id=d.policy_id, policy_version=d.policy_version,
        policy_sha256=d.policy_sha256, contract=decision_to_json(d))
