"""An RMA decides as one: what its other units were already given, read inside the
transaction that locks the RMA, so the $250 test and the one outbound shipping refund are
the RMA's whatever grouping and order of Enters, answers and re-grades brought each unit
to its decision (POLICY.md rules 2 and 8, clarification 9)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain.enums import ApprovalLevel, DecisionStatus, Resolution
from app.domain.money import format_money
from app.policy.engine import Decision as PolicyDecision
from app.services.outcomes import LIVE
from models import Decision, ExportedDecision, ReturnAuthorization, ReturnItem

ZERO = Decimal("0.00")
# What the $250 test counts: refunds, and store credit given in place of a refund.
COUNTED = (Resolution.REFUND, Resolution.STORE_CREDIT)


def counted(resolution: Resolution, refund: Decimal, credit: Decimal) -> Decimal:
    """The part of one unit's outcome the RMA's $250 test counts (clarification 9)."""
    if resolution is Resolution.REFUND:
        return refund
    if resolution is Resolution.STORE_CREDIT:
        return credit
    return ZERO


def shipping_in(decision: Decision) -> Decimal:
    """The outbound shipping a stored decision gave back: what it refunded (or credited
    in place of a refund) beyond its unit's price and tax, as priced in its own case."""
    given = counted(decision.resolution, decision.refund, decision.credit)
    if given <= 0:
        return ZERO
    unit = decision.case.get("unit_no")
    mine = next((it for it in decision.case.get("items", ())
                 if it.get("unit_no") == unit), None)
    if mine is None:
        return ZERO
    paid = Decimal(str(mine.get("price_paid", "0"))) + Decimal(str(mine.get("tax", "0")))
    return max(ZERO, given - paid)


@dataclass(frozen=True)
class Part:
    """One other unit of the RMA and what it was given."""

    unit_no: int
    amount: Decimal
    exported: bool
    waiting: bool

    def words(self) -> str:
        state = " (already exported)" if self.exported else \
            " (waiting for an answer)" if self.waiting else ""
        return f"item {self.unit_no} {format_money(self.amount)}{state}"


@dataclass(frozen=True)
class DecidedBefore:
    """What the RMA's units outside this decision were given, and whether the order's
    outbound shipping is already refunded (by any live decision of its RMAs)."""

    parts: tuple[Part, ...]
    shipping_refunded: bool

    @property
    def total(self) -> Decimal:
        return sum((p.amount for p in self.parts), ZERO)

    def as_case(self) -> dict[str, Any]:
        """The case's "rma.decided_before": stored with the decision, so the decision
        is explained again and re-graded exactly as it was made."""
        return {"refunds": str(self.total), "shipping_refunded": self.shipping_refunded,
                "units": [p.unit_no for p in self.parts]}


def decided_before(s: Session, rma: ReturnAuthorization, units: Iterable[int]
                   ) -> DecidedBefore:
    """The live decisions of the RMA's other units (and, for shipping, of the order's
    other RMAs). One query; read under the RMA's lock by the caller."""
    deciding = set(units)
    rows = s.execute(
        select(Decision, ReturnItem.unit_no, ReturnItem.rma_id, ReturnItem.decision_status,
               ExportedDecision.decision_id)
        .join(ReturnItem, Decision.return_item_id == ReturnItem.id)
        .join(ReturnAuthorization, ReturnItem.rma_id == ReturnAuthorization.id)
        .outerjoin(ExportedDecision, ExportedDecision.decision_id == Decision.id)
        .where(ReturnAuthorization.order_id == rma.order_id,
               Decision.superseded.is_(False),
               ReturnItem.decision_status.in_(LIVE))).all()
    parts = []
    shipping = False
    for decision, unit_no, rma_id, status, exported in rows:
        if rma_id == rma.id and unit_no in deciding:
            continue
        if shipping_in(decision) > 0:
            shipping = True
        amount = counted(decision.resolution, decision.refund, decision.credit)
        if rma_id == rma.id and amount > 0:
            parts.append(Part(unit_no, amount, exported is not None,
                              status is DecisionStatus.AWAITING_APPROVAL))
    return DecidedBefore(tuple(sorted(parts, key=lambda p: p.unit_no)), shipping)


def unit_waits(decision: PolicyDecision, index: int) -> ApprovalLevel | None:
    """The answer one unit of a decision waits for: its own hold (a supervisor), or the
    RMA's $250 test when the unit adds to the RMA's refunds (a manager). The other units
    of the same Enter do not wait for either."""
    item = decision.items[index]
    if item.resolution is Resolution.PHOTOS_REQUIRED:
        return None
    if item.approval is not None:
        return item.approval
    if decision.approval is ApprovalLevel.MANAGER \
            and counted(item.resolution, item.refund, item.credit) > 0:
        return ApprovalLevel.MANAGER
    return None


def threshold_reason(threshold: Decimal, now_units: dict[int, Decimal],
                     before: DecidedBefore) -> str:
    """The manager's request: the RMA's total and its parts."""
    total = sum(now_units.values(), ZERO) + before.total
    parts = [f"item {u} {format_money(a)} now" for u, a in sorted(now_units.items())]
    parts += [p.words() for p in before.parts]
    return (f"Refunds of {format_money(total)} on this RMA exceed "
            f"{format_money(threshold)}: {'; '.join(parts)}. An operations manager "
            "approves.")
