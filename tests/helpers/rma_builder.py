"""A multi-unit RMA made to measure: its own order (prices, tax, shipping, tier, brand), one
order line per unit, every unit received, photos on file where asked. Built on the demo
database's customers, products, users and stations."""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.domain.enums import (
    Brand,
    CustomerTier,
    DamageSeverity,
    DecisionStatus,
    PhotoSlot,
    ReceptionStatus,
    RequestedResolution,
    ReturnReason,
    RmaStatus,
)
from app.scanning.codes import rma_number
from models import (
    Customer,
    Inspection,
    Order,
    OrderLine,
    Photo,
    Product,
    ReturnAuthorization,
    ReturnItem,
    Station,
    User,
)

_SEQ = itertools.count(900_000)


@dataclass(frozen=True)
class UnitSpec:
    price: str
    tax: str = "0.00"
    reason: ReturnReason = ReturnReason.SIZING
    requested: RequestedResolution = RequestedResolution.REFUND
    photos: int = 0
    quantity: int = 1
    clearance: bool = False


def build_rma(sf: sessionmaker[Session], units: list[UnitSpec], *, at: dt.datetime,
              brand: Brand = Brand.KISSPROM, tier: CustomerTier = CustomerTier.STANDARD,
              shipping: str = "0.00") -> str:
    """The RMA's number. Delivered the day before `at`, shipped back and received at
    `at`: inside every window of both brands."""
    seq = next(_SEQ)
    with sf() as s:
        customer = s.scalars(select(Customer).limit(1)).one()
        products = list(s.scalars(select(Product).order_by(Product.id).limit(len(units))))
        inspector = s.scalars(select(User).where(User.username == "ines")).one()
        station = s.scalars(select(Station).limit(1)).first()
        if station is None:
            station = Station(name="BUILDER")
            s.add(station)
            s.flush()
        prefix = "KP" if brand is Brand.KISSPROM else "ST"
        order = Order(number=f"{prefix}-T{seq}", brand=brand, customer_id=customer.id,
                      placed_at=at - dt.timedelta(days=5),
                      delivered_on=(at - dt.timedelta(days=1)).date(), customer_tier=tier,
                      subtotal=sum((Decimal(u.price) for u in units), Decimal(0)),
                      shipping_paid=Decimal(shipping),
                      tax_total=sum((Decimal(u.tax) for u in units), Decimal(0)))
        s.add(order)
        s.flush()
        rma = ReturnAuthorization(number=rma_number(at.year, seq), order_id=order.id,
                                  created_at=at - dt.timedelta(days=1),
                                  shipped_by_customer_on=at.date(),
                                  status=RmaStatus.IN_TRANSIT)
        s.add(rma)
        s.flush()
        for n, (spec, product) in enumerate(zip(units, products, strict=True), start=1):
            price, tax = Decimal(spec.price), Decimal(spec.tax)
            line = OrderLine(order_id=order.id, line_no=n, product_id=product.id,
                             sku=product.sku, description="test dress",
                             quantity=spec.quantity, unit_price_paid=price, msrp=price,
                             unit_tax=tax, clearance=spec.clearance)
            for column, total in (("price_total", price), ("tax_total", tax)):
                if hasattr(OrderLine, column):  # the line's exact totals (issue 27)
                    setattr(line, column, total * spec.quantity)
            s.add(line)
            s.flush()
            item = ReturnItem(rma_id=rma.id, unit_no=n, order_line_id=line.id,
                              reason=spec.reason, requested=spec.requested,
                              reception_status=ReceptionStatus.RECEIVED,
                              decision_status=DecisionStatus.PENDING, received_at=at)
            s.add(item)
            s.flush()
            if spec.photos:
                draft = Inspection(return_item_id=item.id, checklist={},
                                   damage_severity=DamageSeverity.NONE,
                                   inspector_id=inspector.id, station_id=station.id,
                                   started_at=at, is_draft=True)
                s.add(draft)
                s.flush()
                for k in range(spec.photos):
                    s.add(Photo(inspection_id=draft.id, sha256=f"{seq:032d}{n:016d}{k:016d}",
                                slot=PhotoSlot.WHOLE_ITEM if k == 0
                                else PhotoSlot.DAMAGE_CLOSEUP,
                                byte_size=1, width=1920, height=1080, annotations=[],
                                reused_on=[], taken_by_id=inspector.id,
                                station_id=station.id, taken_at=at))
        s.commit()
        return rma.number
