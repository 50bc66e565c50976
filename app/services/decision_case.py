"""Building the case a decision is made from (the POLICY.md contract), and deciding it:
the one way a stored or new case is decided, a hold when its dates cannot be."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from app.domain.enums import RequestedResolution
from app.errors import BadInput, NotFound
from app.policy.case import parse_case
from app.policy.engine import Decision as PolicyDecision
from app.policy.engine import decide
from app.policy.rules import Policy
from app.services.dates import date_problem, held_for_dates
from app.services.decision_forms import InspectionInput, answered_match, answered_severity
from app.services.outcomes import case_amounts
from app.services.rma_money import decided_before
from models import Inspection, Photo, PolicyVersion, Product, ReturnAuthorization, ReturnItem


def build_case(rma: ReturnAuthorization, inspections: Mapping[int, InspectionInput],
               now: dt.datetime) -> tuple[dict[str, Any], tuple[int, ...]]:
    """The decision contract's case for these units of the RMA, as the service decides
    it: prices from the order line (each unit its share), photos on file, stock for an
    exchange, and what the RMA's other units were given (`rma.decided_before`)."""
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
    received = min(receipts, default=now)
    items = []
    for unit_no in units:
        item = by_unit[unit_no]
        line = item.order_line
        if line is None:
            raise BadInput(f"Unit {unit_no} is an extra item with no order line: "
                           "hold it for investigation.")
        ins = inspections[unit_no]
        photos_on_file = photo_count(rma, item)
        if ins.grade is None:
            raise BadInput(f"Grade unit {unit_no} (1–5) before asking for a decision.")
        stock = None
        if item.requested is RequestedResolution.EXCHANGE:
            stock = in_stock(rma, line.product, item.exchange_size)
        items.append({
            "unit_no": unit_no, "sku": line.sku,
            "price_paid": str((paid := case_amounts(item, [by_unit[u] for u in units]))[0]),
            "msrp": str(line.msrp), "tax": str(paid[1]),
            "clearance": line.clearance, "reason": item.reason.value,
            "requested": item.requested.value, "exchange_size": item.exchange_size,
            "exchange_in_stock": stock,
            "inspection": {
                "grade": ins.grade.value, "worn": ins.worn, "altered": ins.altered,
                "tags_attached": ins.tags_attached,
                "damage_severity": answered_severity(ins, item.reason, unit_no).value,
                "damage_cause": ins.damage_cause.value if ins.damage_cause else None,
                # Only photos actually on file count toward a claim's minimum.
                "photos": photos_on_file,
                "matches_order": answered_match(ins, unit_no)}})
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
        "inspected": now.isoformat(),
        "items": items,
    }
    return case, units


def photo_count(rma: ReturnAuthorization, item: ReturnItem) -> int:
    """Photos on file for the unit's inspection in progress (the draft)."""
    session = Session.object_session(rma)
    assert session is not None
    return int(session.scalar(select(func.count()).select_from(Photo).join(
        Inspection, Photo.inspection_id == Inspection.id).where(
        Inspection.return_item_id == item.id, Inspection.is_draft.is_(True))) or 0)


def in_stock(rma: ReturnAuthorization, product: Product | None, size: str | None) -> bool:
    if product is None or size is None:
        return False
    session = Session.object_session(rma)
    assert session is not None
    stock = session.scalar(select(Product.stock).where(
        Product.style_id == product.style_id, Product.colour == product.colour,
        Product.size == size))
    return bool(stock and stock > 0)


def archive_policy(session: Session, policy: Policy, now: dt.datetime) -> None:
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


def decide_case(case: dict[str, Any], policy: Policy) -> PolicyDecision:
    """The policy's decision, or a hold for a supervisor when the case's dates cannot be
    (the parcel is here: it is never refused, but no money is decided on such dates)."""
    problem = date_problem(case, policy)
    return held_for_dates(case, policy, problem) if problem \
        else decide(parse_case(case), policy)
