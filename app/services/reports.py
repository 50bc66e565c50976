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
- unexpected returns: parcels with no return received in the range, by where each
  stands now (held for a supervisor, linked to an order, sent back).

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

from sqlalchemy import exists, func, select, union_all
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
from app.services.report_sql import (
    analytic,
    count_each,
    first_and_last,
    milliseconds_between,
    rare,
)
from app.services.unexpected import counts_by_status
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
    ReportSkuDay,
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
READY = (DecisionStatus.DECIDED, DecisionStatus.APPROVED)  # decided, not settled yet


def _utc_midnight(at: dt.datetime, up: bool) -> dt.datetime:
    """The UTC midnight at or after `at` (`up`), else at or before it."""
    utc = at.astimezone(dt.UTC)
    day = dt.datetime.combine(utc.date(), dt.time(0), tzinfo=dt.UTC)
    return day + dt.timedelta(days=1) if up and day < utc else day


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
            # In a tote or at a location: through each column's index (SQLite's planner
            # reads "tote or location" as a pass over every return item).
            placed = union_all(select(ReturnItem.id).where(ReturnItem.tote_id.is_not(None)),
                               select(ReturnItem.id).where(ReturnItem.location_id.is_not(None)))
            lines = item_lines(s, ReturnItem.id.in_(placed))
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
             today: dt.date | None = None, with_styles: bool = True) -> Kpis:
        """The figures; without `with_styles`, the return rate by style is left empty
        (the one figure that reads every order line of the range: `styles` reads it, so
        a page can show the rest first)."""
        lo, hi = self._range(start, end, user)
        today = today or self._clock.now().astimezone(self.tz).date()
        with UnitOfWork(self._sf) as uow:
            s = uow.session
            analytic(s)
            return Kpis(start, end, today, str(self.tz),
                        by_reason=self._by_reason(s, lo, hi),
                        **self._inspections(s, lo, hi),
                        styles=self._styles(s, lo, hi) if with_styles else (),
                        backlog=self._backlog(s, today),
                        **self._refunds(s, today),
                        throughput=self._throughput(s, lo, hi),
                        **self._approvals(s, lo, hi),
                        unexpected=counts_by_status(s, lo, hi))

    def styles(self, start: dt.date, end: dt.date, user: SignedInUser | None = None
               ) -> tuple[StyleRate, ...]:
        lo, hi = self._range(start, end, user)
        with UnitOfWork(self._sf) as uow:
            analytic(uow.session)
            return self._styles(uow.session, lo, hi)

    def _range(self, start: dt.date, end: dt.date, user: SignedInUser | None
               ) -> tuple[dt.datetime, dt.datetime]:
        if user is not None:
            require(user.role, Action.VIEW_REPORTS)
        if end <= start:
            raise BadInput("The report's end date must be after its start date.")
        return self._day(start), self._day(end)

    @staticmethod
    def _by_reason(s: Session, lo: dt.datetime, hi: dt.datetime) -> dict[str, int]:
        counts: Counter[str] = Counter()
        reasons = list(ReturnReason)
        for reason, n in zip(reasons, count_each(s, [ReturnItem.reason == r for r in reasons],
                                                 ReturnItem.received_at >= lo,
                                                 ReturnItem.received_at < hi), strict=True):
            counts[REASON_GROUP[reason]] += n
        return {g: counts.get(g, 0) for g in GROUPS}

    @staticmethod
    def _inspections(s: Session, lo: dt.datetime, hi: dt.datetime) -> dict[str, Any]:
        keys = [(g, sev) for g in (*Grade, None) for sev in DamageSeverity]
        counts = count_each(
            s, [(Inspection.grade == g if g is not None else Inspection.grade.is_(None))
                & (Inspection.damage_severity == sev) for g, sev in keys],
            Inspection.is_draft.is_(False), Inspection.completed_at >= lo,
            Inspection.completed_at < hi)
        grades: Counter[str] = Counter()
        for (g, _sev), n in zip(keys, counts, strict=True):
            if g is not None:
                grades[g.value] += n
        return {"grades": {g.value: grades.get(g.value, 0) for g in Grade},
                "inspected": sum(counts),
                "damaged": sum(n for (_g, sev), n in zip(keys, counts, strict=True)
                               if sev is not DamageSeverity.NONE)}

    @staticmethod
    def _styles(s: Session, lo: dt.datetime, hi: dt.datetime) -> tuple[StyleRate, ...]:
        """Units sold on orders placed in the range, and how many of them came back, per
        product and SKU: whole UTC days from report_sku_days (kept by the database, a row
        per day and SKU), the hours before the first and after the last from the order
        lines themselves; then each to its style (the product's, else the SKU's first
        three parts)."""
        first = _utc_midnight(lo, up=True)
        last = _utc_midnight(hi, up=False)
        counts: dict[tuple[int | None, str], list[int]] = defaultdict(lambda: [0, 0])
        rows: list[Any] = []
        if first < last:
            rows += s.execute(select(ReportSkuDay.product_id, ReportSkuDay.sku,
                                     func.sum(ReportSkuDay.sold),
                                     func.sum(ReportSkuDay.returned))
                              .where(ReportSkuDay.day >= first.date(),
                                     ReportSkuDay.day < last.date())
                              .group_by(ReportSkuDay.product_id, ReportSkuDay.sku)).all()
            ends = [(lo, first), (last, hi)]
        else:
            ends = [(lo, hi)]
        for since, until in ends:
            if since < until:
                rows += s.execute(
                    select(OrderLine.product_id, OrderLine.sku, func.sum(OrderLine.quantity),
                           func.count(ReturnItem.id))
                    .select_from(Order).join(OrderLine, OrderLine.order_id == Order.id)
                    .outerjoin(ReturnItem, ReturnItem.order_line_id == OrderLine.id)
                    .where(Order.placed_at >= since, Order.placed_at < until)
                    .group_by(OrderLine.product_id, OrderLine.sku)).all()
        for product_id, sku, units, back in rows:
            row = counts[(product_id or None, sku)]
            row[0] += int(units or 0)
            row[1] += int(back or 0)
        products = {pid for pid, _sku in counts if pid is not None}
        code_of: dict[int | None, str] = {} if not products else {
            product_id: code for product_id, code in s.execute(
                select(Product.id, Style.code).join(Style, Product.style_id == Style.id)
                .where(Product.id.in_(products)))}
        sold: Counter[str] = Counter()
        returned: Counter[str] = Counter()
        for (product_id, sku), (units, back) in counts.items():
            if not units and not back:
                continue
            style = code_of.get(product_id) or style_of(sku, None)
            sold[style] += units
            returned[style] += back
        rates = [StyleRate(st, sold[st], returned[st]) for st in sold if sold[st]]
        return tuple(sorted(rates, key=lambda r: (-r.rate, -r.sold, r.style)))

    @staticmethod
    def _backlog(s: Session, today: dt.date) -> dict[str, int]:
        counts = dict.fromkeys(BACKLOG, 0)
        for due, n in s.execute(select(ReturnItem.inspection_due_on, func.count()).where(
                ReturnItem.reception_status == ReceptionStatus.RECEIVED,
                ReturnItem.decision_status == DecisionStatus.PENDING)
                .group_by(ReturnItem.inspection_due_on)):
            if due is None or due > today:
                counts["due later"] += n
            elif due == today:
                counts["due today"] += n
            elif (today - due).days <= 2:
                counts["overdue 1-2 days"] += n
            else:
                counts["overdue 3+ days"] += n
        return counts

    @staticmethod
    def _refunds(s: Session, today: dt.date) -> dict[str, Any]:
        """Live refunds of units decided and not yet exported, one row per refund due
        date (a few dozen), folded into due and overdue. A completed unit's decision is
        settled (the export completes a unit as it settles it; an answer leaves a unit
        completed only when its live decision was settled), so the search starts from
        the units still decided, not from every refund ever made."""
        n = {False: 0, True: 0}
        amount = {False: ZERO, True: ZERO}
        for due_on, count, total in s.execute(
                select(Decision.refund_due_on, func.count(), func.sum(Decision.refund))
                .select_from(ReturnItem)
                .join(Decision, (Decision.return_item_id == ReturnItem.id)
                      & Decision.superseded.is_(False))
                .where(rare(s, ReturnItem.decision_status.in_(READY)),
                       Decision.resolution == Resolution.REFUND, Decision.refund > ZERO,
                       ~exists().where(ExportedDecision.decision_id == Decision.id))
                .group_by(Decision.refund_due_on)):
            late = due_on is not None and due_on < today
            n[late] += count
            amount[late] += total or ZERO
        return {"refunds_due": n[False], "refunds_due_amount": amount[False],
                "refunds_overdue": n[True], "refunds_overdue_amount": amount[True]}

    def _throughput(self, s: Session, lo: dt.datetime, hi: dt.datetime
                    ) -> tuple[Throughput, ...]:
        """Per inspector: units decided in the range (one count), and per local day
        the first and last decision (two index seeks each)."""
        tz = self.tz
        first_day = lo.astimezone(tz).date()
        bounds = [self._day(first_day + dt.timedelta(days=i))
                  for i in range((hi.astimezone(tz).date() - first_day).days + 1)]
        out = []
        for user_id, name in s.execute(select(User.id, User.display_name).where(
                exists().where(Decision.decided_by_id == User.id, Decision.decided_at >= lo,
                               Decision.decided_at < hi))):
            units, spans = first_and_last(s, Decision.decided_by_id == user_id,
                                          Decision.decided_at, bounds)
            hours = sum(max(0.5, (last - first).total_seconds() / 3600)
                        for first, last in spans)
            out.append(Throughput(name, units, hours))
        return tuple(sorted(out, key=lambda t: (-t.per_hour, t.inspector)))

    @staticmethod
    def _approvals(s: Session, lo: dt.datetime, hi: dt.datetime) -> dict[str, Any]:
        in_range = (Approval.requested_at >= lo, Approval.requested_at < hi)
        keys = [(k, st) for k in ApprovalKind for st in ApprovalStatus]
        counts = count_each(s, [(Approval.kind == k) & (Approval.status == st)
                                for k, st in keys], *in_range)
        kinds: Counter[str] = Counter()
        exceptions: Counter[str] = Counter()
        for (kind, status), n in zip(keys, counts, strict=True):
            kinds[kind.value] += n
            if kind is ApprovalKind.POLICY_EXCEPTION:
                exceptions[status.value] += n
        waited = s.scalars(select(milliseconds_between(s, Approval.requested_at,
                                                       Approval.answered_at))
                           .where(*in_range, Approval.answered_at.is_not(None))
                           .order_by(Approval.requested_at))
        return {"requests": {k.value: kinds.get(k.value, 0) for k in ApprovalKind},
                "exceptions": {st.value: exceptions.get(st.value, 0)
                               for st in ApprovalStatus},
                "turnaround_minutes": tuple(round(ms) / 60_000 for ms in waited)}
