"""Grading QA: a decided unit set aside for a blind re-grade, and what the re-grade found."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import Boolean, Date, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base
from models.types import MoneyCents, UTCDateTime, intpk, utc_ts


class QaSample(Base):
    """One sampled decision: who graded it first and how, why it was sampled, when the
    re-grade is due; then the supervisor's grade, whether they agree, and whether that
    grade would have changed the outcome (and the money)."""

    __tablename__ = "qa_samples"

    id: Mapped[intpk]
    return_item_id: Mapped[int] = mapped_column(ForeignKey("return_items.id"), index=True)
    decision_id: Mapped[int] = mapped_column(ForeignKey("decisions.id"), unique=True)
    inspector_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    first_grade: Mapped[str] = mapped_column(String(1))
    why: Mapped[str] = mapped_column(String(20))  # share, new_inspector, high_value
    rate_percent: Mapped[int] = mapped_column(Integer)
    sampled_at: Mapped[utc_ts]
    due_on: Mapped[dt.date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(10), default="waiting", index=True)
    second_grade: Mapped[str | None] = mapped_column(String(1))
    regraded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    regraded_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    agreed: Mapped[bool | None] = mapped_column(Boolean)
    outcome_after: Mapped[str | None] = mapped_column(String(30))  # the re-grade's outcome
    money_delta: Mapped[Decimal | None] = mapped_column(MoneyCents)  # re-grade minus first
