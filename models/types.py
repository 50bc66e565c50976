"""Column types shared by every model: money in cents, UTC timestamps, enums as text."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any

from sqlalchemy import BigInteger, DateTime, Dialect, Enum, Integer, String, TypeDecorator
from sqlalchemy.orm import mapped_column

from app.domain.money import from_cents, to_cents


class MoneyCents(TypeDecorator[Decimal]):
    """A `Decimal` amount stored exactly as integer cents (no float, on any database)."""

    impl = BigInteger
    cache_ok = True

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> int | None:
        if value is None:
            return None
        if not isinstance(value, Decimal):
            raise TypeError(f"money must be a Decimal, got {type(value).__name__}")
        return to_cents(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        return from_cents(int(value))


class UTCDateTime(TypeDecorator[dt.datetime]):
    """An aware datetime, stored in UTC; naive datetimes are refused."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: store aware datetimes only")
        utc = value.astimezone(dt.UTC)
        if dialect.name == "sqlite":
            return utc.replace(tzinfo=None)
        return utc

    def process_result_value(self, value: Any, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        assert isinstance(value, dt.datetime)
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


def enum_column(enum_cls: type[StrEnum]) -> Enum:
    """A portable enum column: VARCHAR plus a named CHECK constraint, storing the values."""
    return Enum(
        enum_cls,
        native_enum=False,
        create_constraint=True,
        length=max(len(m.value) for m in enum_cls),
        values_callable=lambda e: [m.value for m in e],
        name=enum_cls.__name__.lower(),
        validate_strings=True,
    )


intpk = Annotated[int, mapped_column(Integer, primary_key=True)]
money_col = Annotated[Decimal, mapped_column(MoneyCents, nullable=False)]
utc_ts = Annotated[dt.datetime, mapped_column(UTCDateTime, nullable=False)]
str40 = Annotated[str, mapped_column(String(40))]
str120 = Annotated[str, mapped_column(String(120))]
