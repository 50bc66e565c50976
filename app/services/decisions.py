"""Deciding an RMA at the bench: preview as the inspector works, accept to store, ask for
an exception, and re-explain a stored decision under the policy it was made with."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, sessionmaker

from app import audit
from app.clock import Clock
from app.domain.enums import (
    ApprovalKind,
    ApprovalLevel,
    ApprovalStatus,
    DamageCause,
    DamageSeverity,
    DecisionStatus,
    Grade,
    ReceptionStatus,
    RequestedResolution,
    Resolution,
)
from app.errors import BadInput, NotFound
from app.notify import publish
from app.permissions import Action, require
from app.policy.case import parse_case
from app.policy.contract import decision_to_json
from app.policy.engine import Decision as PolicyDecision
from app.policy.engine import decide
from app.policy.rules import Policy, load_policy, parse_policy
from app.services.auth import SignedInUser
from app.services.common import load_rma, rma_unit, station_row
from app.services.holds import release_items, require_hold
from app.services.uow import UnitOfWork, retrying
from models import (
    Approval,
    CompletedRequest,
    Decision,
    Inspection,
    Photo,
    PolicyVersion,
    Product,
    ReturnAuthorization,
    ReturnItem,
)


@dataclass(frozen=True)
class InspectionInput:
    """What the inspector has set for one unit so far (no grade yet: not decidable)."""

    grade: Grade | None = None
    worn: bool = False
    altered: bool = False
    tags_attached: bool = True
    damage_severity: DamageSeverity = DamageSeverity.NONE
    damage_cause: DamageCause | None = None
    photos: int = 0
    matches_order: bool = True
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


class DecisionService:
    def __init__(self, session_factory: sessionmaker[Session], clock: Clock, station: str,
                 policy_loader: Callable[[str], Policy] = load_policy) -> None:
        self._sf = session_factory
        self._clock = clock
        self._station = station
        self._load_policy = policy_loader

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
               user: SignedInUser, request_key: str | None = None) -> AcceptedDecision:
        """Store the inspections and the decision (with its policy), open the approvals it
        needs, and move each unit's status on. One transaction.

        With a `request_key` (the bench makes one per Enter), running it again after a
        lost connection returns the decision already stored instead of a second one."""
        require(user.role, Action.DECIDE)
        now = self._clock.now()
        with UnitOfWork(self._sf) as uow:
            s = uow.session
            rma = load_rma(s, rma_number, for_update=True)
            if request_key is not None and (done := s.get(CompletedRequest, request_key)):
                return self._replay(s, done)
            case, units = self._case(rma, inspections)
            policy = self._load_policy(rma.order.brand.value)
            decision = decide(parse_case(case), policy)
            _archive_policy(s, policy, now)
            station = station_row(s, self._station)
            by_unit = {it.unit_no: it for it in rma.items}
            # Earlier decisions on these units (e.g. "photos required") give way to this
            # one: one statement, not a load of each unit's decisions.
            s.execute(update(Decision).where(
                Decision.return_item_id.in_([by_unit[u].id for u in units]),
                Decision.superseded.is_(False)).values(superseded=True, claim_open=False))
            decision_rows = []
            for unit_no, outcome in zip(units, decision.items, strict=True):
                item = by_unit[unit_no]
                if item.decision_status not in (DecisionStatus.PENDING,):
                    raise BadInput(f"Unit {unit_no} of {rma.number} is already "
                                   f"{item.decision_status.value.replace('_', ' ')}.")
                ins_in = inspections[unit_no]
                require_hold(s, rma.number, item, user.id, station.id, now)
                if item.received_at is None:
                    item.received_at = now
                    item.reception_status = ReceptionStatus.RECEIVED
                inspection = s.scalars(select(Inspection).where(
                    Inspection.return_item_id == item.id, Inspection.is_draft.is_(True))
                    .order_by(Inspection.id.desc()).limit(1)).first()
                if inspection is None:  # decided without a saved draft
                    inspection = Inspection(item=item, checklist={}, inspector_id=user.id,
                                            station_id=station.id, started_at=now)
                    s.add(inspection)
                inspection.grade = ins_in.grade
                inspection.worn, inspection.altered = ins_in.worn, ins_in.altered
                inspection.tags_attached = ins_in.tags_attached
                inspection.matches_order = ins_in.matches_order
                inspection.damage_severity = ins_in.damage_severity
                inspection.damage_cause = ins_in.damage_cause
                inspection.notes = ins_in.notes
                inspection.checklist = {**(inspection.checklist or {}),
                                        "marks": sorted(ins_in.marks)}
                inspection.inspector_id, inspection.station_id = user.id, station.id
                inspection.completed_at, inspection.is_draft = now, False
                row = Decision(
                    item=item, resolution=outcome.resolution, refund=outcome.refund,
                    restocking_fee=outcome.restocking_fee, credit=outcome.credit,
                    disposition=outcome.disposition, approval_level=decision.approval,
                    carrier_claim=outcome.carrier_claim,
                    inspection_due_on=decision.due.inspection,
                    refund_due_on=decision.due.refund,
                    exchange_ship_due_on=decision.due.exchange_ship,
                    claim_resolution_due_on=decision.due.claim_resolution,
                    policy_id=policy.id, policy_version=policy.version,
                    policy_sha256=policy.sha256, case={**case, "unit_no": unit_no},
                    trace=[{"rule": t.rule, "reason": t.reason} for t in decision.trace],
                    decided_at=now, decided_by_id=user.id, station_id=station.id,
                    claim_open=decision.due.claim_resolution is not None
                    or outcome.resolution is Resolution.PHOTOS_REQUIRED)
                s.add(row)
                s.flush()
                row.inspection_id = inspection.id
                decision_rows.append(row)
                waiting = outcome.resolution is Resolution.PHOTOS_REQUIRED
                item.decision_status = (
                    DecisionStatus.PENDING if waiting
                    else DecisionStatus.AWAITING_APPROVAL if decision.approval
                    else DecisionStatus.DECIDED)
            approvals = []
            if decision.approval is not None:
                approval = Approval(
                    rma_id=rma.id, decision_id=decision_rows[0].id,
                    kind=ApprovalKind.REFUND_OVER_THRESHOLD
                    if decision.approval is ApprovalLevel.MANAGER else ApprovalKind.HOLD,
                    level=decision.approval,
                    amount=decision.refund_total + decision.credit_total,
                    reason=decision.approval_reason or "", status=ApprovalStatus.PENDING,
                    requested_by_id=user.id, requested_at=now, station_id=station.id)
                s.add(approval)
                s.flush()
                approvals.append(approval.id)
                audit.append(s, at=now, action="approval.requested", actor=user.username,
                             station=self._station, entity="approval", entity_id=approval.id,
                             payload={"rma": rma.number, "kind": approval.kind.value,
                                      "level": approval.level.value,
                                      "amount": str(approval.amount),
                                      "reason": approval.reason})
                publish(s, "approval.requested", id=approval.id, station=self._station)
            audit.append(s, at=now, action="decision.accepted", actor=user.username,
                         station=self._station, entity="rma", entity_id=rma.number,
                         payload={"decision": decision_to_json(decision),
                                  "units": list(units)})
            release_items(s, (by_unit[u].id for u in units
                              if by_unit[u].decision_status is not DecisionStatus.PENDING))
            if request_key is not None:
                s.add(CompletedRequest(key=request_key, kind="decision.accept", at=now,
                                       result={"decisions": [r.id for r in decision_rows],
                                               "approvals": approvals}))
            uow.commit()
            return AcceptedDecision(_view(rma.number, units, decision, case),
                                    tuple(r.id for r in decision_rows), tuple(approvals))

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
        view = _view(row.item.rma.number, units, decide(parse_case(row.case), policy),
                     row.case)
        return AcceptedDecision(view, decision_ids,
                                tuple(int(i) for i in done.result["approvals"]))

    # --- exceptions --------------------------------------------------------------
    @retrying
    def request_exception(self, rma_number: str, unit_no: int, reason: str,
                          requested_outcome: str, amount: Decimal,
                          user: SignedInUser, request_key: str | None = None) -> int:
        """Ask for a policy exception (POLICY.md rule 8): a written reason is required; a
        supervisor approves up to the policy's limit, an operations manager above it."""
        require(user.role, Action.REQUEST_EXCEPTION)
        if len(reason.strip()) < 10:
            raise BadInput("Write the reason for the exception (at least a few words).")
        now = self._clock.now()
        with UnitOfWork(self._sf) as uow:
            s = uow.session
            rma = load_rma(s, rma_number, for_update=True)
            if request_key is not None and (done := s.get(CompletedRequest, request_key)):
                return int(done.result["approval"])
            item = rma_unit(rma, unit_no)
            station = station_row(s, self._station)
            require_hold(s, rma.number, item, user.id, station.id, now)
            policy = self._load_policy(rma.order.brand.value)
            level = (ApprovalLevel.MANAGER if amount > policy.supervisor_limit
                     else ApprovalLevel.SUPERVISOR)
            latest = max(item.decisions, key=lambda d: d.id, default=None)
            approval = Approval(
                rma_id=rma.id, decision_id=latest.id if latest else None,
                return_item_id=item.id, kind=ApprovalKind.POLICY_EXCEPTION, level=level,
                amount=amount,
                reason=reason.strip(), status=ApprovalStatus.PENDING,
                requested_by_id=user.id, requested_at=now, station_id=station.id,
                requested_outcome=requested_outcome)
            s.add(approval)
            item.decision_status = DecisionStatus.AWAITING_APPROVAL
            s.flush()
            audit.append(s, at=now, action="exception.requested", actor=user.username,
                         station=self._station, entity="approval", entity_id=approval.id,
                         payload={"rma": rma.number, "unit_no": unit_no, "reason": reason.strip(),
                                  "requested_outcome": requested_outcome,
                                  "amount": str(amount), "level": level.value})
            release_items(s, [item.id])
            publish(s, "approval.requested", id=approval.id, station=self._station)
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
            return _view(row.item.rma.number, units, decide(parse_case(row.case), policy),
                         row.case)

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
                "unit_no": unit_no, "sku": line.sku, "price_paid": str(line.unit_price_paid),
                "msrp": str(line.msrp), "tax": str(line.unit_tax),
                "clearance": line.clearance, "reason": item.reason.value,
                "requested": item.requested.value, "exchange_size": item.exchange_size,
                "exchange_in_stock": in_stock,
                "inspection": {
                    "grade": ins.grade.value, "worn": ins.worn, "altered": ins.altered,
                    "tags_attached": ins.tags_attached,
                    "damage_severity": ins.damage_severity.value,
                    "damage_cause": ins.damage_cause.value if ins.damage_cause else None,
                    # Only photos actually on file count toward a claim's minimum.
                    "photos": photos_on_file,
                    "matches_order": ins.matches_order}})
        case = {
            "policy": order.brand.value,
            "order": {"number": order.number, "delivered": order.delivered_on.isoformat(),
                      "tier": order.customer_tier.value,
                      "shipping_paid": str(order.shipping_paid)},
            "rma": {"number": rma.number, "shipped_by_customer":
                    rma.shipped_by_customer_on.isoformat()
                    if rma.shipped_by_customer_on else None},
            "received": received.isoformat(),
            "inspected": self._clock.now().isoformat(),
            "items": items,
        }
        return case, units


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
    if session.get(PolicyVersion, policy.sha256) is None:
        session.add(PolicyVersion(sha256=policy.sha256, policy_id=policy.id,
                                  version=policy.version, content=policy.text,
                                  first_used_at=now))
        session.flush()


def _view(rma_number: str, units: tuple[int, ...], d: PolicyDecision,
          case: dict[str, Any]) -> DecisionView:
    sizes = [it.get("exchange_size") for it in case["items"]]
    return DecisionView(
        rma_number=rma_number,
        units=tuple(UnitOutcome(u, o.sku, o.resolution, o.refund, o.restocking_fee, o.credit,
                                o.disposition.value, size)
                    for u, o, size in zip(units, d.items, sizes, strict=True)),
        refund_total=d.refund_total, credit_total=d.credit_total, approval=d.approval,
        approval_reason=d.approval_reason, carrier_claim=d.carrier_claim,
        due={"inspection": d.due.inspection, "refund": d.due.refund,
             "exchange_ship": d.due.exchange_ship, "claim_resolution": d.due.claim_resolution},
        trace=tuple((t.rule, t.reason) for t in d.trace),
        policy_id=d.policy_id, policy_version=d.policy_version,
        policy_sha256=d.policy_sha256, contract=decision_to_json(d))
