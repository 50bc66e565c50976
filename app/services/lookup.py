"""Finding a return by what is in the inspector's hand: RMA, order or tracking number."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload, sessionmaker

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
from app.errors import NotFound
from app.scanning.codes import RMA_RE, normalize_scan, rma_check_ok
from app.services.uow import UnitOfWork
from models import Order, OrderLine, Product, ReturnAuthorization, ReturnItem


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


class LookupService:
    def __init__(self, session_factory: sessionmaker[Session], clock: Clock) -> None:
        self._sf = session_factory
        self._clock = clock

    def find_return(self, raw: str) -> ReturnView:
        """The return (or order) a scanned or typed code names; NotFound says why not."""
        code = normalize_scan(raw)
        if not code:
            raise NotFound("Nothing was scanned: scan the parcel's label or type a number.")
        if RMA_RE.match(code) and not rma_check_ok(code):
            raise NotFound(f"{code}: check digit wrong, misread: scan again.")
        with UnitOfWork(self._sf) as uow:
            rma = self._rma_by(uow.session, code)
            if rma is not None:
                matched = "rma" if rma.number == code else "tracking"
                return self._view(rma.order, rma, matched)
            order = uow.session.scalars(
                select(Order)
                .where(Order.number == code)
                .options(selectinload(Order.lines), selectinload(Order.customer))
            ).one_or_none()
            if order is None:
                raise NotFound(
                    f"No return or order found for {code}: check the number, search by "
                    "customer, or hold the parcel."
                )
            latest = uow.session.scalars(
                select(ReturnAuthorization)
                .where(ReturnAuthorization.order_id == order.id)
                .order_by(ReturnAuthorization.created_at.desc())
                .options(selectinload(ReturnAuthorization.items))
                .limit(1)
            ).one_or_none()
            return self._view(order, latest, "order")

    def _rma_by(self, session: Session, code: str) -> ReturnAuthorization | None:
        column = (
            ReturnAuthorization.number
            if code.startswith("RMA-")
            else ReturnAuthorization.tracking_number
        )
        return session.scalars(
            select(ReturnAuthorization)
            .where(column == code)
            .options(
                selectinload(ReturnAuthorization.items),
                selectinload(ReturnAuthorization.order).selectinload(Order.lines),
                selectinload(ReturnAuthorization.order).selectinload(Order.customer),
            )
        ).one_or_none()

    def _view(self, order: Order, rma: ReturnAuthorization | None, matched: str) -> ReturnView:
        session = Session.object_session(order)
        assert session is not None
        product_ids = [ln.product_id for ln in order.lines if ln.product_id is not None]
        products = {
            p.id: p
            for p in session.scalars(select(Product).where(Product.id.in_(product_ids)))
        }
        line_views: dict[int, OrderLineView] = {}
        for ln in order.lines:
            product = products.get(ln.product_id) if ln.product_id else None
            line_views[ln.id] = _line_view(ln, product)
        today = self._clock.now().date()
        delivered = order.delivered_on
        view = ReturnView(
            matched_by=matched,
            order_number=order.number,
            brand=order.brand,
            customer_name=order.customer.name,
            customer_email=order.customer.email,
            customer_tier=order.customer_tier,
            placed_on=order.placed_at.date(),
            delivered_on=delivered,
            days_since_delivery=(today - delivered).days if delivered else None,
            shipping_paid=order.shipping_paid,
            lines=tuple(line_views.values()),
        )
        if rma is None:
            return view
        items = tuple(_item_view(it, line_views) for it in rma.items)
        return replace(
            view,
            rma_number=rma.number,
            rma_status=rma.status,
            carrier=rma.carrier.value if rma.carrier else None,
            tracking_number=rma.tracking_number,
            shipped_by_customer_on=rma.shipped_by_customer_on,
            items=items,
        )


def _line_view(line: OrderLine, product: Product | None) -> OrderLineView:
    return OrderLineView(
        line_no=line.line_no,
        sku=line.sku,
        description=line.description,
        colour=product.colour if product else None,
        size=product.size if product else None,
        price_paid=line.unit_price_paid,
        tax=line.unit_tax,
        clearance=line.clearance,
    )


def _item_view(item: ReturnItem, lines: dict[int, OrderLineView]) -> ReturnItemView:
    return ReturnItemView(
        unit_no=item.unit_no,
        line=lines.get(item.order_line_id) if item.order_line_id else None,
        reason=item.reason,
        requested=item.requested,
        exchange_size=item.exchange_size,
        reception_status=item.reception_status,
        decision_status=item.decision_status,
    )
