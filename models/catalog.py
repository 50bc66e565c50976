"""The formalwear catalogue: styles and their sellable variants (colour x US size)."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import Boolean, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.domain.enums import Brand, PriceTier
from models.base import Base
from models.checks import not_negative
from models.types import MoneyCents, enum_column, intpk, money_col, str40, str120


class Style(Base):
    __tablename__ = "styles"
    __table_args__ = not_negative("msrp")

    id: Mapped[intpk]
    code: Mapped[str40] = mapped_column(unique=True)
    brand: Mapped[Brand] = mapped_column(enum_column(Brand))
    name: Mapped[str120]
    silhouette: Mapped[str40]
    msrp: Mapped[money_col]
    price_tier: Mapped[PriceTier] = mapped_column(enum_column(PriceTier))
    clearance: Mapped[bool] = mapped_column(Boolean, default=False)

    products: Mapped[list[Product]] = relationship(back_populates="style")


class Product(Base):
    """One SKU: a style in one colour and one US size, with its stock on hand."""

    __tablename__ = "products"
    __table_args__ = (UniqueConstraint("style_id", "colour", "size", name="uq_products_variant"),
                      *not_negative("cost"))

    id: Mapped[intpk]
    sku: Mapped[str40] = mapped_column(unique=True)
    style_id: Mapped[int] = mapped_column(ForeignKey("styles.id"), index=True)
    colour: Mapped[str] = mapped_column(String(30))
    size: Mapped[str] = mapped_column(String(4))
    stock: Mapped[int] = mapped_column(Integer, default=0)
    # What one unit cost us (the catalogue CSV import: SKU, Cost); lot manifests total it.
    cost: Mapped[Decimal | None] = mapped_column(MoneyCents)

    style: Mapped[Style] = relationship(back_populates="products")
