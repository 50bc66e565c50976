"""Who works at the bench, and where: users with roles and hashed PINs, and stations."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.domain.enums import Role
from models.base import Base
from models.types import UTCDateTime, enum_column, intpk, str40, str120


class User(Base):
    __tablename__ = "users"

    id: Mapped[intpk]
    username: Mapped[str40] = mapped_column(unique=True)
    display_name: Mapped[str120]
    role: Mapped[Role] = mapped_column(enum_column(Role))
    pin_hash: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_attempts: Mapped[int] = mapped_column(Integer, default=0)
    lockouts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")  # in a row
    locked_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class Station(Base):
    """A bench or desk; its printer and camera settings travel with it."""

    __tablename__ = "stations"

    id: Mapped[intpk]
    name: Mapped[str40] = mapped_column(unique=True)
    hostname: Mapped[str120 | None]
    printer: Mapped[str120 | None]
    printer_backend: Mapped[str | None] = mapped_column(String(20))
    camera: Mapped[str120 | None]
    last_seen_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
