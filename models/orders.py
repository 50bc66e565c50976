"""What the shop sold: customers, orders and their lines (the inputs of every decision)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import Boolean, Date, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.domain.enums import Brand, CustomerTier
from app.domain.money import unit_share
from models.base import Base
from models.catalog import Product
from models.checks import not_negative
from models.types import MoneyCents, enum_column, intpk, money_col, str40, str120, utc_ts


class Customer(Base):
    __tablename__ = "customers"

    id: Mapped[intpk]
    name: Mapped[str120] = mapped_column(index=True)
    email: Mapped[str120] = mapped_column(index=True)
    phone: Mapped[str40 | None]
    postal_code: Mapped[str] = mapped_column(String(10))
    tier: Mapped[CustomerTier] = mapped_column(enum_column(CustomerTier))

    orders: Mapped[list[Order]] = relationship(back_populates="customer")


class Order(Base):
    __tablename__ = "orders"
    __table_args__ = not_negative("subtotal", "shipping_paid", "tax_total")

    id: Mapped[intpk]
    number: Mapped[str40] = mapped_column(unique=True)
    brand: Mapped[Brand] = mapped_column(enum_column(Brand))
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    placed_at: Mapped[utc_ts]
    delivered_on: Mapped[dt.date | None] = mapped_column(Date)
    customer_tier: Mapped[CustomerTier] = mapped_column(enum_column(CustomerTier))
    subtotal: Mapped[money_col]
    shipping_paid: Mapped[money_col]
    tax_total: Mapped[money_col]

    customer: Mapped[Customer] = relationship(back_populates="orders")
    lines: Mapped[list[OrderLine]] = relationship(
        back_populates="order", order_by="OrderLine.line_no"
    )


class OrderLine(Base):
    __tablename__ = "order_lines"
    __table_args__ = not_negative("unit_price_paid", "msrp", "unit_tax", "price_total",
                                  "tax_total")

    id: Mapped[intpk]
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    line_no: Mapped[int] = mapped_column(Integer)
    product_id: Mapped[int | None] = mapped_column(ForeignKey("products.id"))
    sku: Mapped[str40] = mapped_column(index=True)  # a dress's tag finds its buyers
    description: Mapped[str120]
    quantity: Mapped[int] = mapped_column(Integer, default=1)
    unit_price_paid: Mapped[money_col]
    msrp: Mapped[money_col]
    unit_tax: Mapped[Decimal] = mapped_column(MoneyCents)
    # What the whole line paid, exactly (after its discounts) and its tax: each unit's
    # share is `unit_share(total, quantity, unit)` (app/domain/money.py), so refunding
    # every unit gives back the line's cents, never one more. `unit_price_paid` and
    # `unit_tax` are unit 1's shares. Left out, a total is the unit amount times quantity.
    price_total: Mapped[Decimal] = mapped_column(
        MoneyCents, nullable=False, default=lambda ctx: _times_quantity(ctx, "unit_price_paid"))
    tax_total: Mapped[Decimal] = mapped_column(
        MoneyCents, nullable=False, default=lambda ctx: _times_quantity(ctx, "unit_tax"))
    clearance: Mapped[bool] = mapped_column(Boolean, default=False)

    order: Mapped[Order] = relationship(back_populates="lines")
    product: Mapped[Product | None] = relationship()

    def set_totals(self, price_total: Decimal, tax_total: Decimal) -> None:
        """The line's totals and, consistent with them, unit 1's price and tax."""
        self.price_total, self.tax_total = price_total, tax_total
        self.unit_price_paid = unit_share(price_total, self.quantity or 1, 1)
        self.unit_tax = unit_share(tax_total, self.quantity or 1, 1)


def _times_quantity(ctx: Any, unit_column: str) -> Decimal | None:
    """An inserted line's total when none is given: its unit amount times quantity."""
    params = ctx.get_current_parameters()
    unit = params.get(unit_column)
    return None if unit is None else unit * (params.get("quantity") or 1)
