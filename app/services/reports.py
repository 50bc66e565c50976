"""Returns KPIs for a date range [start, end) of days in the warehouse's time zone (the
policies' `timezone`), as of `today`.

Definitions (each figure says what it counts):
- returns by reason: units received in the range, reasons grouped sizing / quality
  (quality defect, wrong item sent) / shipping (shipping damage, late delivery) / other.
- grades, damage rate: inspections completed in the range; damage = severity not "none".
- return rate by style: units of each style on orders placed in the range, and how many
  of those units have been returned (any time).
- backlog: units received and not yet decided, as of `today`, against their inspection
  due date (3 business days after receipt).
- refunds due / overdue: refunds decided and not yet exported to the shop, by their
  refund due date against `today`.
- throughput: units decided per inspector in the range, per active hour (each day from
  the inspector's first to last decision, at least half an hour).
- approvals: requests made in the range by kind and outcome, and the time to answer.

After the bench (`after_bench`, as of now, over dresses in a tote or at a location):
- dwell per location: days since each dress there last moved; median and longest.
- not moved: dresses whose last move is more than N days ago (default 14), except those
  on a restock shelf (sellable stock) and those shipped on a lot.
- recovery by disposition: what the dresses bring back against what was refunded for
  them: restock at MSRP once on a restock shelf; refurbish at the outlet price (MSRP x
  the brand's outlet percent); liquidation and return-to-vendor lots at the lot's price
  shared equally over its dresses once closed; donation and return to customer bring
  nothing. Dresses whose value is not realised yet are counted as pending.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import Counter, defaultdict
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.clock import Clock
from app.domain.enums import (
    ApprovalKind,
    ApprovalStatus,
    DamageSeverity,
    DecisionStatus,
    Grade,
    ReceptionStatus,
    Resolution,
    ReturnReason,
)
from app.domain.money import ZERO
from app.errors import BadInput
from app.permissions import Action, require
from app.policy.rules import load_policy
from app.services.auth import SignedInUser
from app.services.uow import UnitOfWork
from app.views import (
    AfterBench,
    ItemLine,
    Kpis,
    LocationDwell,
    Recovery,
    Stale,
    StyleRate,
    Throughput,
)
from models import (
    Approval,
    Decision,
    ExportedDecision,
    Inspection,
    Lot,
    Order,
    OrderLine,
    Product,
    ReturnItem,
    Style,
    Tote,
    User,
)

REASON_GROUP = {
    ReturnReason.SIZING: "sizing",
    ReturnReason.QUALITY_DEFECT: "quality", ReturnReason.WRONG_ITEM_SENT: "quality",
    ReturnReason.SHIPPING_DAMAGE: "shipping", ReturnReason.LATE_DELIVERY: "shipping",
    ReturnReason.CHANGED_MIND: "other", ReturnReason.OTHER: "other",
}
GROUPS = ("sizing", "quality", "shipping", "other")
BACKLOG = ("due later", "due today", "overdue 1-2 days", "overdue 3+ days")
READY = (DecisionStatus.DECIDED, DecisionStatus.APPROVED, DecisionStatus.COMPLETED)


def style_of(sku: str, product: Product | None) -> str:
    if product is not None:
        return product.style.code
    parts = sku.rsplit("-", 2)  # KP-EVG-1069-LIL-24 -> KP-EVG-1069
    return parts[0] if len(parts) == 3 else sku


class ReportService:
    def __init__(self, session_factory: sessionmaker[Session], clock: Clock,
                 tz: ZoneInfo | None = None) -> None:
        self._sf = session_factory
        self._clock = clock
        self._tz = tz

    @property
    def tz(self) -> ZoneInfo:
        """The warehouse's day: both brands' policies name the same time zone. Read when
        first needed, not at start-up."""
        if self._tz is None:
            self._tz = load_policy("kissprom").timezone
        return self._tz

    def after_bench(self, user: SignedInUser | None = None, stale_days: int = 14
                    ) -> AfterBench:
        from app.services.lots import fair_value
        from app.services.putaway import expected_back, item_lines

        if user is not None:
            require(user.role, Action.VIEW_REPORTS)
        if not 1 <= stale_days <= 365:
            raise BadInput("Not moved in: 1 to 365 days.")
        now = self._clock.now()
        with UnitOfWork(self._sf) as uow:
            s = uow.session
            lines = item_lines(s, ReturnItem.tote_id.is_not(None)
                               | ReturnItem.location_id.is_not(None))
            lots = {code: (kind, status, price, lot_id) for code, kind, status, price, lot_id
                    in s.execute(select(Tote.code, Lot.kind, Lot.status, Lot.price, Lot.id)
                                 .join(Lot, Lot.id == Tote.lot_id))}
        per_lot = Counter(lots[ln.tote][3] for ln in lines if ln.tote in lots)

        def days(line: ItemLine) -> float:
            return (now - line.moved_at).total_seconds() / 86400 if line.moved_at else 0.0

        by_place: dict[tuple[str, str], list[float]] = defaultdict(list)
        stale, due = [], []
        for ln in lines:
            if ln.location:
                by_place[(ln.location, ln.location_kind or "")].append(days(ln))
            shipped = ln.tote in lots and lots[ln.tote][1] == "closed"
            stocked = ln.location_kind == "restock"  # on a shelf: sellable stock now
            if days(ln) > stale_days and not shipped and not stocked:
                place = ln.location or f"tote {ln.tote} (not put away)"
                stale.append(Stale(ln.plate, ln.rma, place, days(ln), ln.disposition))
            back = expected_back(ln)
            if back is not None and ln.location:
                due.append((ln.plate, ln.location, back))
        dwell = tuple(LocationDwell(code, kind, len(v), statistics.median(v), max(v))
                      for (code, kind), v in sorted(by_place.items()))
        money: dict[str, list[Any]] = defaultdict(lambda: [0, ZERO, ZERO, 0])
        for ln in lines:
            row = money[ln.disposition]
            row[0] += 1
            row[2] += ln.refunded
            value, pending = self._recovered(ln, lots, per_lot, fair_value)
            row[1] += value
            row[3] += pending
        recovery = tuple(Recovery(d, n, value, refunded, pending)
                         for d, (n, value, refunded, pending) in sorted(money.items()))
        return AfterBench(now, stale_days, dwell,
                          tuple(sorted(stale, key=lambda x: -x.days)), recovery,
                          tuple(sorted(due, key=lambda x: x[2])))

    @staticmethod
    def _recovered(ln: ItemLine, lots: dict[str, tuple[str, str, Any, int]],
                   per_lot: Counter[int], fair_value: Any) -> tuple[Any, int]:
        """(value brought back, 1 when not realised yet) for one dress."""
        if ln.disposition in ("restock", "prep_and_restock"):
            return (ln.msrp, 0) if ln.restocked_at is not None else (ZERO, 1)
        if ln.disposition == "refurbish" and ln.tote not in lots:
            return (fair_value(ln), 0) if ln.location_kind in ("outlet", "restock") \
                else (ZERO, 1)
        if ln.tote in lots:
            kind, status, price, lot_id = lots[ln.tote]
            if status != "closed":
                return ZERO, 1
            if kind == "donation" or price is None:
                return ZERO, 0
            return (price / per_lot[lot_id]).quantize(Decimal("0.01")), 0
        return ZERO, 0 if ln.disposition == "return_to_customer" else 1

    def _day(self, d: dt.date) -> dt.datetime:
        return dt.datetime.combine(d, dt.time(0), tzinfo=self.tz)

    def kpis(self, start: dt.date, end: dt.date, user: SignedInUser | None = None,
             today: dt.date | None = None) -> Kpis:
        if user is not None:
            require(user.role, Action.VIEW_REPORTS)
        if end <= start:
            raise BadInput("The report's end date must be after its start date.")
        today = today or self._clock.now().astimezone(self.tz).date()
        lo, hi = self._day(start), self._day(end)
        with UnitOfWork(self._sf) as uow:
            s = uow.session
            return Kpis(start, end, today, str(self.tz),
                        by_reason=self._by_reason(s, lo, hi),
                        **self._inspections(s, lo, hi),
                        styles=self._styles(s, lo, hi),
                        backlog=self._backlog(s, today),
                        **self._refunds(s, today),
                        throughput=self._throughput(s, lo, hi, self.tz),
                        **self._approvals(s, lo, hi))

    @staticmethod
    def _by_reason(s: Session, lo: dt.datetime, hi: dt.datetime) -> dict[str, int]:
        counts = Counter(REASON_GROUP[r] for r in s.scalars(
            select(ReturnItem.reason).where(ReturnItem.received_at >= lo,
                                            ReturnItem.received_at < hi)))
        return {g: counts.get(g, 0) for g in GROUPS}

    @staticmethod
    def _inspections(s: Session, lo: dt.datetime, hi: dt.datetime) -> dict[str, Any]:
        rows = s.execute(select(Inspection.grade, Inspection.damage_severity).where(
            Inspection.is_draft.is_(False), Inspection.completed_at >= lo,
            Inspection.completed_at < hi)).all()
        grades = Counter(g.value for g, _sev in rows if g is not None)
        return {"grades": {g.value: grades.get(g.value, 0) for g in Grade},
                "inspected": len(rows),
                "damaged": sum(1 for _g, sev in rows if sev is not DamageSeverity.NONE)}

    @staticmethod
    def _styles(s: Session, lo: dt.datetime, hi: dt.datetime) -> tuple[StyleRate, ...]:
        sold: Counter[str] = Counter()
        returned: Counter[str] = Counter()
        lines = s.execute(select(OrderLine, Product, Style).join(
            Order, OrderLine.order_id == Order.id)
            .outerjoin(Product, OrderLine.product_id == Product.id)
            .outerjoin(Style, Product.style_id == Style.id)
            .where(Order.placed_at >= lo, Order.placed_at < hi)).all()
        style_of_line = {}
        for line, product, _style in lines:
            style = style_of(line.sku, product)
            style_of_line[line.id] = style
            sold[style] += line.quantity
        if style_of_line:
            ids = list(style_of_line)
            for i in range(0, len(ids), 500):
                for line_id in s.scalars(select(ReturnItem.order_line_id).where(
                        ReturnItem.order_line_id.in_(ids[i:i + 500]))):
                    if line_id is not None:
                        returned[style_of_line[line_id]] += 1
        rates = [StyleRate(st, sold[st], returned[st]) for st in sold]
        return tuple(sorted(rates, key=lambda r: (-r.rate, -r.sold, r.style)))

    @staticmethod
    def _backlog(s: Session, today: dt.date) -> dict[str, int]:
        counts = dict.fromkeys(BACKLOG, 0)
        for due in s.scalars(select(ReturnItem.inspection_due_on).where(
                ReturnItem.reception_status == ReceptionStatus.RECEIVED,
                ReturnItem.decision_status == DecisionStatus.PENDING)):
            if due is None or due > today:
                counts["due later"] += 1
            elif due == today:
                counts["due today"] += 1
            elif (today - due).days <= 2:
                counts["overdue 1-2 days"] += 1
            else:
                counts["overdue 3+ days"] += 1
        return counts

    @staticmethod
    def _refunds(s: Session, today: dt.date) -> dict[str, Any]:
        rows = s.execute(select(Decision.refund, Decision.refund_due_on).join(
            ReturnItem, Decision.return_item_id == ReturnItem.id).where(
            Decision.superseded.is_(False), Decision.resolution == Resolution.REFUND,
            Decision.refund > ZERO, ReturnItem.decision_status.in_(READY),
            Decision.id.not_in(select(ExportedDecision.decision_id)))).all()
        due = [r for r, d in rows if d is None or d >= today]
        overdue = [r for r, d in rows if d is not None and d < today]
        return {"refunds_due": len(due), "refunds_due_amount": sum(due, ZERO),
                "refunds_overdue": len(overdue),
                "refunds_overdue_amount": sum(overdue, ZERO)}

    @staticmethod
    def _throughput(s: Session, lo: dt.datetime, hi: dt.datetime,
                    tz: ZoneInfo) -> tuple[Throughput, ...]:
        rows = s.execute(select(User.display_name, Decision.decided_at).join(
            User, Decision.decided_by_id == User.id).where(
            Decision.decided_at >= lo, Decision.decided_at < hi)).all()
        by_day: dict[str, dict[dt.date, list[dt.datetime]]] = defaultdict(
            lambda: defaultdict(list))
        for name, at in rows:
            by_day[name][at.astimezone(tz).date()].append(at)
        out = []
        for name, days in by_day.items():
            hours = sum(max(0.5, (max(v) - min(v)).total_seconds() / 3600)
                        for v in days.values())
            out.append(Throughput(name, sum(len(v) for v in days.values()), hours))
        return tuple(sorted(out, key=lambda t: (-t.per_hour, t.inspector)))

    @staticmethod
    def _approvals(s: Session, lo: dt.datetime, hi: dt.datetime) -> dict[str, Any]:
        rows = s.scalars(select(Approval).where(Approval.requested_at >= lo,
                                                Approval.requested_at < hi)
                         .order_by(Approval.requested_at, Approval.id)).all()
        kinds = Counter(a.kind.value for a in rows)
        exceptions = Counter(a.status.value for a in rows
                             if a.kind is ApprovalKind.POLICY_EXCEPTION)
        return {"requests": {k.value: kinds.get(k.value, 0) for k in ApprovalKind},
                "exceptions": {st.value: exceptions.get(st.value, 0)
                               for st in ApprovalStatus},
                "turnaround_minutes": tuple(
                    (a.answered_at - a.requested_at).total_seconds() / 60
                    for a in rows if a.answered_at is not None)}
