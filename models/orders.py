"""What the shop sold: customers, orders and their lines (the inputs of every decision)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import Boolean, Date, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.domain.enums import Brand, CustomerTier
from models.base import Base
from models.catalog import Product
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

    id: Mapped[intpk]
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    line_no: Mapped[int] = mapped_column(Integer)
    product_id: Mapped[int | None] = mapped_column(ForeignKey("products.id"))
    sku: Mapped[str40]
    description: Mapped[str120]
    quantity: Mapped[int] = mapped_column(Integer, default=1)
    unit_price_paid: Mapped[money_col]
    msrp: Mapped[money_col]
    unit_tax: Mapped[Decimal] = mapped_column(MoneyCents)
    clearance: Mapped[bool] = mapped_column(Boolean, default=False)

    order: Mapped[Order] = relationship(back_populates="lines")
    product: Mapped[Product | None] = relationship()
