"""After the bench: locations on the floor, totes (licence plates that carry dresses), and
every move of a dress, recorded (who, when, from, to)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base
from models.checks import (
    BRANDS,
    LOCATION_KINDS,
    LOT_KINDS,
    LOT_STATUSES,
    TOTE_DISPOSITIONS,
    TOTE_STATUSES,
    not_negative,
    one_of,
)
from models.types import MoneyCents, UTCDateTime, intpk, str40, str120, utc_ts


class Location(Base):
    """A place on the floor from the location map: what it takes and how many dresses."""

    __tablename__ = "locations"
    __table_args__ = (one_of("kind", LOCATION_KINDS),)

    id: Mapped[intpk]
    code: Mapped[str40] = mapped_column(unique=True)
    name: Mapped[str120]
    kind: Mapped[str] = mapped_column(String(20))  # restock, steam, refurbish, outlet, ...
    takes: Mapped[list[str]] = mapped_column(JSON, default=list)  # dispositions
    capacity: Mapped[int] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Tote(Base):
    """A reusable tote, `TO-000123-4`: one disposition and brand at a time, open while it
    fills, closed when full (its manifest prints), then put away at a location."""

    __tablename__ = "totes"
    __table_args__ = (one_of("status", TOTE_STATUSES),
                      one_of("disposition", TOTE_DISPOSITIONS), one_of("brand", BRANDS))

    id: Mapped[intpk]
    code: Mapped[str40] = mapped_column(unique=True)
    disposition: Mapped[str | None] = mapped_column(String(30))
    brand: Mapped[str | None] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(10), default="open", index=True)
    capacity: Mapped[int] = mapped_column(Integer)
    location_id: Mapped[int | None] = mapped_column(ForeignKey("locations.id"))
    created_at: Mapped[utc_ts]
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer, default=1)
    lot_id: Mapped[int | None] = mapped_column(ForeignKey("lots.id"), index=True)

    __mapper_args__ = {"version_id_col": version}


class Lot(Base):
    """An outbound lot, `LOT-000012-3`: a liquidation, donation or return-to-vendor pallet
    that collects closed totes; closed once, with its buyer (or charity, or vendor), its
    price and its manifest."""

    __tablename__ = "lots"
    __table_args__ = (one_of("kind", LOT_KINDS), one_of("status", LOT_STATUSES),
                      *not_negative("price"))

    id: Mapped[intpk]
    code: Mapped[str40] = mapped_column(unique=True)
    kind: Mapped[str] = mapped_column(String(12))  # liquidation, donation, rtv
    status: Mapped[str] = mapped_column(String(10), default="open", index=True)
    party: Mapped[str | None] = mapped_column(String(120))  # buyer, charity or vendor
    price: Mapped[Decimal | None] = mapped_column(MoneyCents)  # what the buyer pays
    created_at: Mapped[utc_ts]
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}


class ItemMove(Base):
    """One dress moved: into a tote, or to a location (alone or with its tote)."""

    __tablename__ = "item_moves"

    id: Mapped[intpk]
    return_item_id: Mapped[int] = mapped_column(ForeignKey("return_items.id"), index=True)
    at: Mapped[utc_ts]
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    station_id: Mapped[int] = mapped_column(ForeignKey("stations.id"))
    from_tote_id: Mapped[int | None] = mapped_column(ForeignKey("totes.id"), index=True)
    to_tote_id: Mapped[int | None] = mapped_column(ForeignKey("totes.id"), index=True)
    from_location_id: Mapped[int | None] = mapped_column(ForeignKey("locations.id"))
    to_location_id: Mapped[int | None] = mapped_column(ForeignKey("locations.id"),
                                                       index=True)
