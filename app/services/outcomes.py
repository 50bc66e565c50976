"""What the decision and approval services share inside one transaction: taking the unit
bought (once across all its RMAs), the amounts of an exception's outcome (computed here
from the order line and the policy, never taken from a caller), superseding a decision
with a new one, and opening the approval a decision waits for."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app import audit
from app.domain.enums import (
    ApprovalKind,
    ApprovalLevel,
    ApprovalStatus,
    DamageSeverity,
    DecisionStatus,
    Disposition,
    Grade,
    Resolution,
)
from app.domain.money import unit_share
from app.errors import BadInput, Contention
from app.lifecycle import NotAllowed
from app.notify import publish
from app.policy.calendar import add_business_days, local_date
from app.policy.rules import Policy
from models import (
    Approval,
    Decision,
    OrderLine,
    QaSample,
    ReturnAuthorization,
    ReturnItem,
    Settlement,
)

CENT = Decimal("0.01")
# A final decision with one of these outcomes uses up the unit bought; going back to the
# customer does not, nor does waiting (hold, photos).
FREE = (Resolution.RETURN_TO_CUSTOMER, Resolution.HOLD, Resolution.PHOTOS_REQUIRED)
LIVE = (DecisionStatus.DECIDED, DecisionStatus.AWAITING_APPROVAL, DecisionStatus.COMPLETED)
EXCEPTION_OUTCOMES = (Resolution.REFUND, Resolution.STORE_CREDIT, Resolution.EXCHANGE,
                      Resolution.REPLACEMENT, Resolution.REPAIR_CREDIT,
                      Resolution.ALTERATION_CREDIT, Resolution.RETURN_TO_CUSTOMER)
DENIAL_ALTERNATIVES = (Resolution.RETURN_TO_CUSTOMER, Resolution.EXCHANGE,
                       Resolution.STORE_CREDIT)
GRADE_DISPOSITION = {Grade.A: Disposition.RESTOCK, Grade.B: Disposition.PREP_AND_RESTOCK,
                     Grade.C: Disposition.REFURBISH, Grade.D: Disposition.LIQUIDATE,
                     Grade.X: Disposition.HOLD}


def unit_name(rma: ReturnAuthorization, item: ReturnItem) -> str:
    return f"Item {item.unit_no} of {rma.number}"


def current_decision(s: Session, item: ReturnItem) -> Decision | None:
    return s.scalars(select(Decision).where(
        Decision.return_item_id == item.id, Decision.superseded.is_(False))
        .order_by(Decision.id.desc()).limit(1)).first()


def qa_waiting(s: Session, item_id: int) -> bool:
    """The unit is set aside for a blind QA re-grade not yet done: its label says QA,
    it goes to the QA rack, its money waits."""
    return s.scalar(select(QaSample.id).where(QaSample.return_item_id == item_id,
                                              QaSample.status == "waiting").limit(1)) \
        is not None


def was_settled(s: Session, decision: Decision) -> bool:
    return s.scalar(select(Settlement.id).where(
        Settlement.decision_id == decision.id, Settlement.kind == "settlement")) is not None


# Session.info key: {return item id: the unit of its order line it was priced as} in
# this transaction (by the case, or by an outcome's amounts), so the unit taken when the
# decision is stored is the unit that was priced.
PRICED_UNITS = "priced_line_units"


def _priced(s: Session) -> dict[int, int]:
    priced: dict[int, int] = s.info.setdefault(PRICED_UNITS, {})
    return priced


def _units_taken(s: Session, line_id: int, others_than: Collection[int]
                 ) -> list[tuple[int, int | None, str]]:
    """(return item id, its line unit, its RMA) of every unit of the order line, other
    than `others_than`, that uses up a unit bought: a live decision, not superseded,
    whose outcome is not FREE."""
    with s.no_autoflush:  # a preview reads; it never writes
        rows = s.execute(
            select(ReturnItem.id, ReturnItem.line_unit, ReturnAuthorization.number)
            .join(Decision, Decision.return_item_id == ReturnItem.id)
            .join(ReturnAuthorization, ReturnItem.rma_id == ReturnAuthorization.id)
            .where(ReturnItem.order_line_id == line_id,
                   ReturnItem.id.not_in(list(others_than)),
                   ReturnItem.decision_status.in_(LIVE), Decision.superseded.is_(False),
                   Decision.resolution.not_in(FREE))).all()
    return [(r[0], r[1], r[2]) for r in rows]


def _pick(used: set[int], quantity: int, *preferred: int | None) -> int:
    """The first of `preferred` that is a unit of the line not in `used`, else the
    lowest such unit (the last unit when none is left: the unit cannot be taken, and
    take_unit_bought says so)."""
    for k in preferred:
        if k is not None and 1 <= k <= quantity and k not in used:
            return k
    return next((k for k in range(1, quantity + 1) if k not in used), max(quantity, 1))


def next_line_unit(s: Session, item: ReturnItem) -> int:
    """The unit of its order line (1-based) `item` is or will be when decided now: the
    unit it was priced as in this transaction, else its own `line_unit`, if no other
    live unit of the line has it; else the lowest unit no other live unit has. The one
    rule for pricing a unit and taking it (take_unit_bought)."""
    line = item.order_line
    assert line is not None
    used = {k for _id, k, _rma in _units_taken(s, line.id, {item.id}) if k is not None}
    k = _pick(used, line.quantity, _priced(s).get(item.id), item.line_unit)
    _priced(s)[item.id] = k
    return k


def case_line_unit(s: Session, item: ReturnItem, deciding: Sequence[ReturnItem]) -> int:
    """next_line_unit for a unit decided together with `deciding` (one Enter, its own
    unit included): the units of one line among them take distinct units, in unit
    order, as their decisions will when stored one after another."""
    line = item.order_line
    assert line is not None
    same = sorted({it.id: it for it in (*deciding, item)
                   if it.order_line_id == line.id}.values(), key=lambda it: it.unit_no)
    used = {k for _id, k, _rma in _units_taken(s, line.id, [it.id for it in same])
            if k is not None}
    priced = _priced(s)
    for it in same:
        priced[it.id] = _pick(used, line.quantity, priced.get(it.id), it.line_unit)
        used.add(priced[it.id])
    return priced[item.id]


def unit_amounts(line: OrderLine, k: int | None) -> tuple[Decimal, Decimal]:
    """(price paid, tax) of unit `k` (1-based) of the order line: its share of the
    line's totals by largest remainder, so the units together are the line exactly.
    Unit 1 (the largest share) when `k` is None or past the line's quantity."""
    unit = k if k is not None and 1 <= k <= line.quantity else 1
    return (unit_share(line.price_total, line.quantity, unit),
            unit_share(line.tax_total, line.quantity, unit))


def case_amounts(item: ReturnItem, deciding: Sequence[ReturnItem]
                 ) -> tuple[Decimal, Decimal]:
    """(price paid, tax) of `item` in a case deciding `deciding` together: its unit of
    the order line by case_line_unit (the unit its decision will take when stored)."""
    s = Session.object_session(item)
    assert s is not None and item.order_line is not None
    return unit_amounts(item.order_line, case_line_unit(s, item, deciding))


def take_unit_bought(s: Session, rma: ReturnAuthorization, item: ReturnItem) -> None:
    """Count this unit against its order line: no more units of a line are refunded,
    credited or exchanged, across all RMAs, than were bought. The order line row is
    locked, so two benches deciding the last unit at once cannot both take it. The unit
    taken is the one next_line_unit priced in this transaction; if another bench took
    that one meanwhile, nothing is stored (Contention: the action runs again)."""
    if item.order_line_id is None:
        return
    line = s.scalars(select(OrderLine).where(OrderLine.id == item.order_line_id)
                     .with_for_update()).one()
    taken = _units_taken(s, line.id, {item.id})
    if len(taken) >= line.quantity:
        earlier = ", ".join(sorted({r[2] for r in taken}))
        raise NotAllowed(
            f"{unit_name(rma, item)}: the order bought {line.quantity} of {line.sku} and "
            f"{'it was' if line.quantity == 1 else 'all were'} already returned on "
            f"{earlier}. This dress cannot be refunded, credited or exchanged again: put "
            "it on the hold shelf for a supervisor.")
    used = {r[1] for r in taken if r[1] is not None}
    priced = _priced(s).get(item.id)
    if priced is not None and priced in used:
        raise Contention(f"{unit_name(rma, item)}: another bench took unit {priced} of "
                         f"order line {line.sku} at the same moment, so nothing was saved. "
                         "Try again.")
    item.line_unit = _pick(used, line.quantity, priced, item.line_unit)
    _priced(s)[item.id] = item.line_unit


def free_unit_bought(item: ReturnItem) -> None:
    """The unit no longer uses up its unit bought (it goes back to the customer, waits
    on hold, or is back at the bench undecided): another return of the order line may
    take it (the database keeps one live return item per unit bought)."""
    item.line_unit = None


def live_units_elsewhere(s: Session, order_line_id: int, rma_id: int | None
                         ) -> list[str]:
    """RMA numbers, one per unit, that still claim units of this order line: every
    listed unit not marked missing whose current decision is not a return to the
    customer (used at import: a second RMA for the same unit is refused)."""
    # One query: each unit with its current (not superseded) decision, if any.
    rows = s.execute(
        select(ReturnAuthorization.number, Decision.resolution)
        .select_from(ReturnItem)
        .join(ReturnAuthorization, ReturnItem.rma_id == ReturnAuthorization.id)
        .outerjoin(Decision, (Decision.return_item_id == ReturnItem.id)
                   & Decision.superseded.is_(False))
        .where(ReturnItem.order_line_id == order_line_id,
               ReturnItem.reception_status != "missing",
               *([ReturnItem.rma_id != rma_id] if rma_id is not None else []))).all()
    return [number for number, resolution in rows
            if resolution is not Resolution.RETURN_TO_CUSTOMER]


def _inspected(decision: Decision) -> dict[str, Any]:
    """The unit's own inspection in the stored case (which holds the whole return)."""
    items = decision.case.get("items") or [{}]
    unit = decision.case.get("unit_no")
    mine = next((it for it in items if it.get("unit_no") == unit), items[0])
    return dict(mine.get("inspection") or {})


def grade_of(decision: Decision) -> Grade | None:
    try:
        return Grade(_inspected(decision)["grade"])
    except (KeyError, TypeError, ValueError):
        return None


def severity_of(decision: Decision) -> DamageSeverity:
    try:
        return DamageSeverity(_inspected(decision)["damage_severity"])
    except (KeyError, TypeError, ValueError):
        return DamageSeverity.NONE


def outcome_amounts(policy: Policy, rma: ReturnAuthorization, item: ReturnItem,
                    standing: Decision, outcome: Resolution
                    ) -> tuple[Decimal, Decimal, Decimal]:
    """(refund, restocking fee, credit) of `outcome` for this unit, from the order line
    and the policy: a refund is price and tax less the fee the policy still applies; a
    store credit is what that refund would be; repair and alteration credits are the
    policy's amounts."""
    line = item.order_line
    if line is None:
        raise BadInput(f"{unit_name(rma, item)} is an extra item with no order line: "
                       "it has no money to decide.")
    zero = Decimal("0.00")
    if outcome in (Resolution.REFUND, Resolution.STORE_CREDIT):
        fee_rate = (policy.restocking_fee_clearance if line.clearance
                    else policy.restocking_fee_regular)
        s = Session.object_session(item)
        assert s is not None
        price, tax = unit_amounts(line, next_line_unit(s, item))
        fee = min(fee_rate, price)
        amount = (price + tax - fee).quantize(CENT)
        return (amount, fee, zero) if outcome is Resolution.REFUND else (zero, fee, amount)
    if outcome is Resolution.REPAIR_CREDIT:
        severity = severity_of(standing)
        if severity is DamageSeverity.NONE:
            raise BadInput(f"{unit_name(rma, item)}: a repair credit needs the damage's "
                           "severity: set it (S) and accept, then ask again.")
        return zero, zero, policy.repair_credit[severity]
    if outcome is Resolution.ALTERATION_CREDIT:
        return zero, zero, policy.alteration_amount
    if outcome is Resolution.EXCHANGE and not item.exchange_size:
        raise BadInput(f"{unit_name(rma, item)}: the return names no exchange size, so "
                       "there is nothing to exchange into: choose store credit or refund.")
    return zero, zero, zero


def disposition_for(outcome: Resolution, standing: Decision) -> Disposition:
    if outcome is Resolution.RETURN_TO_CUSTOMER:
        return Disposition.RETURN_TO_CUSTOMER
    if outcome is Resolution.HOLD:
        return Disposition.HOLD
    grade = grade_of(standing)
    return GRADE_DISPOSITION.get(grade, standing.disposition) if grade else \
        standing.disposition


def refund_due(policy: Policy, now: dt.datetime) -> dt.date:
    """A refund (or store credit) made final by an answer is due counted from the answer
    (POLICY.md clarification 11: the services count from the approval)."""
    return add_business_days(local_date(now, policy.timezone),
                             policy.refund_due_business_days, policy.holidays)


def supersede(s: Session, old: Decision, outcome: Resolution, amounts: tuple[
        Decimal, Decimal, Decimal], step: dict[str, Any], user_id: int,
        station_id: int | None, now: dt.datetime, policy: Policy | None = None) -> Decision:
    """A new decision for the unit in place of `old`, with old's case and policy and the
    trace saying what changed, by whom and why."""
    refund, fee, credit = amounts
    old.superseded, old.claim_open, old.approval_id = True, False, None
    if outcome in FREE:
        free_unit_bought(old.item)
    new = Decision(
        return_item_id=old.return_item_id, inspection_id=old.inspection_id,
        resolution=outcome, refund=refund, restocking_fee=fee, credit=credit,
        disposition=disposition_for(outcome, old), approval_level=None,
        carrier_claim=old.carrier_claim, inspection_due_on=old.inspection_due_on,
        refund_due_on=(refund_due(policy, now) if policy is not None else old.refund_due_on)
        if outcome in (Resolution.REFUND, Resolution.STORE_CREDIT) else None,
        exchange_ship_due_on=old.exchange_ship_due_on,
        claim_resolution_due_on=old.claim_resolution_due_on,
        policy_id=old.policy_id, policy_version=old.policy_version,
        policy_sha256=old.policy_sha256, case=old.case,
        trace=[*old.trace, step], decided_at=now, decided_by_id=user_id,
        station_id=station_id, claim_open=False)
    s.add(new)
    s.flush()
    return new


def open_approval(s: Session, rma: ReturnAuthorization, decisions: list[Decision],
                  kind: ApprovalKind, level: ApprovalLevel, amount: Decimal, reason: str,
                  user_id: int, username: str, station_id: int, station: str,
                  now: dt.datetime, item: ReturnItem | None = None,
                  requested_outcome: str | None = None) -> Approval:
    approval = Approval(
        rma_id=rma.id, decision_id=decisions[0].id if decisions else None,
        return_item_id=item.id if item is not None else None, kind=kind, level=level,
        amount=amount, reason=reason, status=ApprovalStatus.PENDING,
        requested_by_id=user_id, requested_at=now, station_id=station_id,
        requested_outcome=requested_outcome)
    s.add(approval)
    s.flush()
    for d in decisions:
        d.approval_id = approval.id
    payload: dict[str, Any] = {"rma": rma.number, "kind": kind.value, "level": level.value,
                               "amount": str(amount), "reason": reason}
    if item is not None:
        payload["unit_no"] = item.unit_no
    if requested_outcome is not None:
        payload["requested_outcome"] = requested_outcome
    audit.append(s, at=now, action="exception.requested"
                 if kind is ApprovalKind.POLICY_EXCEPTION else "approval.requested",
                 actor=username, station=station, entity="approval", entity_id=approval.id,
                 payload=payload)
    publish(s, "approval.requested", id=approval.id, station=station)
    return approval


def own_approval_pending(decision: Decision) -> bool:
    """A decision the policy says needs an approval that nobody has given yet."""
    return decision.approval_level is not None and not any(
        t.get("rule") == "approved" for t in decision.trace)
