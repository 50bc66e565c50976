"""Finding a return by what is in the inspector's hand: RMA, order or tracking number,
or by the customer's name or email when the label is missing."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, replace
from decimal import Decimal

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, joinedload, selectinload, sessionmaker

from app.clock import Clock
from app.domain.enums import (
    Brand,
    CustomerTier,
    DecisionStatus,
    ReceptionStatus,
    RequestedResolution,
    ReturnReason,
    RmaStatus,
)
from app.errors import BadInput, NotFound
from app.policy.calendar import local_date
from app.policy.rules import Policy, load_policy
from app.scanning.classify import SHOP_NAME, Candidate, ScanResult, classify
from app.services.outcomes import unit_amounts
from app.services.uow import UnitOfWork
from models import (
    Customer,
    Order,
    OrderLine,
    Product,
    Receipt,
    ReturnAuthorization,
    ReturnItem,
    Station,
    User,
)

CARRIER_KINDS = ("ups", "fedex", "usps", "dhl", "sscc")
# An RMA in one of these states has no receipt yet (receiving moves it to `received`).
NOT_YET_RECEIVED = (RmaStatus.AUTHORIZED, RmaStatus.IN_TRANSIT)
KIND_WORDS = {"ups": "UPS", "fedex": "FedEx", "usps": "USPS", "dhl": "DHL", "sscc": "SSCC",
              "rma": "RMA", "order": "order", "item": "item label"}


@dataclass(frozen=True)
class OrderLineView:
    line_no: int
    sku: str
    description: str
    colour: str | None
    size: str | None
    price_paid: Decimal
    tax: Decimal
    clearance: bool


@dataclass(frozen=True)
class ReturnItemView:
    unit_no: int
    line: OrderLineView | None
    reason: ReturnReason
    requested: RequestedResolution
    exchange_size: str | None
    reception_status: ReceptionStatus
    decision_status: DecisionStatus
    description: str | None = None  # for an extra item, what the inspector wrote


@dataclass(frozen=True)
class WindowView:
    """One policy window and whether it still holds for this parcel."""

    name: str
    limit_days: int
    days: int
    open: bool


@dataclass(frozen=True)
class ReceiptView:
    received_at: dt.datetime
    user: str
    station: str


@dataclass(frozen=True)
class ReturnView:
    """An order and, when there is one, its return authorization, ready to show."""

    matched_by: str
    order_number: str
    brand: Brand
    customer_name: str
    customer_email: str
    customer_tier: CustomerTier
    placed_on: dt.date
    delivered_on: dt.date | None
    days_since_delivery: int | None
    shipping_paid: Decimal
    lines: tuple[OrderLineView, ...]
    rma_number: str | None = None
    rma_status: RmaStatus | None = None
    carrier: str | None = None
    tracking_number: str | None = None
    shipped_by_customer_on: dt.date | None = None
    items: tuple[ReturnItemView, ...] = ()
    windows: tuple[WindowView, ...] = ()
    first_receipt: ReceiptView | None = None


@dataclass(frozen=True)
class LookupResult:
    scan: ScanResult
    view: ReturnView | None
    problem: str | None


@dataclass(frozen=True)
class SearchHit:
    order_number: str
    rma_number: str | None
    customer_name: str
    customer_email: str
    placed_on: dt.date


class LookupService:
    def __init__(self, session_factory: sessionmaker[Session], clock: Clock,
                 policy_loader: Callable[[str], Policy] = load_policy) -> None:
        self._sf = session_factory
        self._clock = clock
        self._load_policy = policy_loader

    def lookup(self, raw: str) -> LookupResult:
        """Classify a scan and find its return; `problem` says in words why not."""
        with UnitOfWork(self._sf) as uow:
            scan, _rma, view, problem = self.find_in(uow.session, raw)
        return LookupResult(scan, view, problem)

    def find_return(self, raw: str) -> ReturnView:
        """The return (or order) a code names; NotFound says why not."""
        result = self.lookup(raw)
        if result.view is None:
            raise NotFound(result.problem or "Not found.")
        return result.view

    def search(self, text: str, limit: int = 20) -> list[SearchHit]:
        """Orders and their latest return by customer name, email, order number, or a
        product's SKU (the orders that bought it)."""
        needle = text.strip()
        if len(needle) < 3:
            raise BadInput("Type at least 3 letters of a name, email or order number.")
        pattern = f"%{needle.lower()}%"
        # The shop's order name ("#7001") is our number in either shop (KP-07001).
        shop = [c.value for c in classify(needle).valid if c.format == SHOP_NAME]
        with UnitOfWork(self._sf) as uow:
            rows = uow.session.execute(
                select(Order, Customer, ReturnAuthorization.number)
                .join(Customer, Order.customer_id == Customer.id)
                .outerjoin(ReturnAuthorization, ReturnAuthorization.order_id == Order.id)
                .where(or_(Customer.name.ilike(pattern), Customer.email.ilike(pattern),
                           Order.number.ilike(pattern), Order.number.in_(shop),
                           # a dress's SKU tag: the orders that bought it
                           Order.id.in_(select(OrderLine.order_id).where(
                               OrderLine.sku == needle.upper()[:40]))))
                .order_by(ReturnAuthorization.number.is_(None), Order.placed_at.desc())
                .limit(limit)).all()
            return [SearchHit(o.number, rma, c.name, c.email, o.placed_at.date())
                    for o, c, rma in rows]

    def find_in(self, session: Session, raw: str, lock: bool = False
                ) -> tuple[ScanResult, ReturnAuthorization | None, ReturnView | None,
                           str | None]:
        """Inside the caller's transaction: classify `raw` and find its return. Returns
        the scan, the RMA row (when the code names one), its view, or the problem."""
        scan = classify(raw)
        problem = scan.problem()
        if problem:
            return scan, None, None, problem
        # A shop's order name ("#7001") is tried in every shop at once: two hits are
        # named and neither is chosen.
        shop_names = [c for c in scan.valid if c.format == SHOP_NAME]
        hits = [(c, f) for c in shop_names
                if (f := self._find_rows(session, c, lock)) is not None]
        if len(hits) > 1:
            names = " and ".join(f"{order.number} ({order.brand.value}, "
                                 f"{order.customer.name})" for _c, (order, _r) in hits)
            return scan, None, None, (f"{scan.text} names two orders: {names}. Scan the "
                                      "return label, or type our order number.")
        if hits:
            candidate, (order, rma) = hits[0]
            return scan, rma, self._view(session, order, rma, candidate.kind), None
        for candidate in scan.valid:
            if candidate.format == SHOP_NAME:
                continue  # tried above
            found = self._find_rows(session, candidate, lock)
            if found is not None:
                order, rma = found
                return scan, rma, self._view(session, order, rma, candidate.kind), None
        kinds = " / ".join(dict.fromkeys(KIND_WORDS[c.kind] for c in scan.valid))
        return scan, None, None, (f"No return found for {kinds} {scan.text}: search by "
                                  "customer name, email, order or SKU (Ctrl+F), then "
                                  "receive it as an unexpected return (Ctrl+U), or hold "
                                  "the parcel (Ctrl+H).")

    def view_of(self, session: Session, rma: ReturnAuthorization,
                matched_by: str = "rma", receipt: ReceiptView | None = None) -> ReturnView:
        """The view of an RMA already loaded in the caller's transaction (`receipt`: its
        first receipt when the caller just recorded it, so it is not read back)."""
        return self._view(session, rma.order, rma, matched_by, receipt)

    def box_mates(self, session: Session, rma: ReturnAuthorization, matched_by: str
                  ) -> list[ReturnAuthorization]:
        """The other returns not yet received that came in the same box as `rma`, locked
        for the caller's transaction: those on the same tracking number (a carrier
        label scanned), or the order's other returns (the order number scanned). An RMA
        number or an item label names one return: nothing else is assumed."""
        if matched_by in CARRIER_KINDS and rma.tracking_number:
            where = ReturnAuthorization.tracking_number == rma.tracking_number
        elif matched_by == "order":
            where = ReturnAuthorization.order_id == rma.order_id
        else:
            return []
        return list(session.scalars(
            select(ReturnAuthorization)
            .where(where, ReturnAuthorization.id != rma.id,
                   ReturnAuthorization.status.in_(NOT_YET_RECEIVED))
            .order_by(ReturnAuthorization.id).with_for_update(of=ReturnAuthorization)))

    # --- finding --------------------------------------------------------------------
    def _find_rows(self, session: Session, c: Candidate, lock: bool = False
                   ) -> tuple[Order, ReturnAuthorization | None] | None:
        if c.kind == "order":
            order = session.scalars(
                select(Order).where(Order.number == c.value)
                .options(joinedload(Order.customer),
                         selectinload(Order.lines).joinedload(OrderLine.product))
            ).unique().one_or_none()
            if order is None:
                return None
            stmt = (select(ReturnAuthorization)
                    .where(ReturnAuthorization.order_id == order.id)
                    .options(selectinload(ReturnAuthorization.items))
                    .order_by(ReturnAuthorization.created_at.desc()).limit(1))
            if lock:
                stmt = stmt.with_for_update(of=ReturnAuthorization)
            latest = session.scalars(stmt).one_or_none()
            return order, latest
        if c.kind == "item":  # our item label: the RMA's row id is in the plate
            where = ReturnAuthorization.id == int(c.value[3:11])
        elif c.kind == "rma":
            where = ReturnAuthorization.number == c.value
        else:
            where = ReturnAuthorization.tracking_number == c.value
        # One round trip for the RMA, its order, customer and items (locked for the
        # caller's transaction when it will write); one for the lines and products.
        stmt = (select(ReturnAuthorization).where(where)
                .options(joinedload(ReturnAuthorization.order).joinedload(Order.customer),
                         joinedload(ReturnAuthorization.items),
                         selectinload(ReturnAuthorization.order, Order.lines)
                         .joinedload(OrderLine.product)))
        if lock:
            stmt = stmt.with_for_update(of=ReturnAuthorization)
        rma = session.scalars(stmt).unique().first()
        if rma is None:
            return None
        return rma.order, rma

    def _view(self, session: Session, order: Order, rma: ReturnAuthorization | None,
              matched: str, known_receipt: ReceiptView | None = None) -> ReturnView:
        line_views = {ln.id: _line_view(ln, ln.product) for ln in order.lines}
        today = self._clock.now().date()
        delivered = order.delivered_on
        view = ReturnView(
            matched_by=matched, order_number=order.number, brand=order.brand,
            customer_name=order.customer.name, customer_email=order.customer.email,
            customer_tier=order.customer_tier, placed_on=order.placed_at.date(),
            delivered_on=delivered,
            days_since_delivery=(today - delivered).days if delivered else None,
            shipping_paid=order.shipping_paid, lines=tuple(line_views.values()))
        if rma is None:
            return view
        if known_receipt is not None:
            first_receipt: ReceiptView | None = known_receipt
        elif rma.status in NOT_YET_RECEIVED:
            first_receipt = None  # a receipt moves the RMA on: nothing to read
        else:
            receipt = session.execute(
                select(Receipt.received_at, User.display_name, Station.name)
                .join(User, Receipt.user_id == User.id)
                .join(Station, Receipt.station_id == Station.id)
                .where(Receipt.rma_id == rma.id).order_by(Receipt.received_at).limit(1)
            ).first()
            first_receipt = ReceiptView(*receipt) if receipt else None
        return replace(
            view, rma_number=rma.number, rma_status=rma.status,
            carrier=rma.carrier.value if rma.carrier else None,
            tracking_number=rma.tracking_number,
            shipped_by_customer_on=rma.shipped_by_customer_on,
            items=tuple(_item_view(it, line_views) for it in rma.items),
            windows=self._windows(order, rma, first_receipt),
            first_receipt=first_receipt)

    def _windows(self, order: Order, rma: ReturnAuthorization,
                 receipt: ReceiptView | None) -> tuple[WindowView, ...]:
        if order.delivered_on is None:
            return ()
        policy = self._load_policy(order.brand.value)
        end = rma.shipped_by_customer_on or local_date(
            receipt.received_at if receipt else self._clock.now(), policy.timezone)
        days = (end - order.delivered_on).days
        return tuple(WindowView(name, limit, days, days <= limit) for name, limit in (
            ("refund", policy.refund_window_days), ("exchange", policy.exchange_window_days),
            ("damage claim", policy.claim_window_days)))


def _line_view(line: OrderLine, product: Product | None) -> OrderLineView:
    return OrderLineView(
        line_no=line.line_no, sku=line.sku, description=line.description,
        colour=product.colour if product else None, size=product.size if product else None,
        price_paid=unit_amounts(line, 1)[0], tax=unit_amounts(line, 1)[1],
        clearance=line.clearance)


def _item_view(item: ReturnItem, lines: dict[int, OrderLineView]) -> ReturnItemView:
    return ReturnItemView(
        unit_no=item.unit_no,
        line=lines.get(item.order_line_id) if item.order_line_id else None,
        reason=item.reason, requested=item.requested, exchange_size=item.exchange_size,
        reception_status=item.reception_status, decision_status=item.decision_status,
        description=item.customer_comment if item.order_line_id is None else None)
