"""Grading QA: a decided unit set aside for a blind re-grade, and what the re-grade found."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base
from models.checks import GRADES, QA_STATUSES, QA_WHY, RESOLUTIONS, one_of
from models.types import MoneyCents, UTCDateTime, intpk, utc_ts


class QaSample(Base):
    """One sampled decision: who graded it first and how, why it was sampled, when the
    re-grade is due; then the supervisor's grade, whether they agree, and whether that
    grade would have changed the outcome (and the money)."""

    __tablename__ = "qa_samples"
    # The QA queue: what waits, oldest due first, read from the top.
    __table_args__ = (Index("ix_qa_samples_waiting_due", "due_on", "id",
                            postgresql_where=text("status = 'waiting'"),
                            sqlite_where=text("status = 'waiting'")),
                      # An inspector's re-grade news at sign-in: theirs not yet shown.
                      Index("ix_qa_samples_inspector_told", "inspector_id", "told_at"),
                      one_of("status", QA_STATUSES), one_of("why", QA_WHY),
                      one_of("first_grade", GRADES), one_of("second_grade", GRADES),
                      one_of("outcome_after", RESOLUTIONS))

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
    # When the second grade changes the decision: the decision that took its place, or
    # the approval it waits for (money going up); and when the first inspector was told.
    approval_id: Mapped[int | None] = mapped_column(ForeignKey("approvals.id"), index=True)
    new_decision_id: Mapped[int | None] = mapped_column(ForeignKey("decisions.id"))
    told_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class CalibrationItem(Base):
    """A reference dress kept by managers: a unit on file (its photos and description)
    and the grade the team agreed it is."""

    __tablename__ = "calibration_items"
    __table_args__ = (one_of("agreed_grade", GRADES),)

    id: Mapped[intpk]
    return_item_id: Mapped[int] = mapped_column(ForeignKey("return_items.id"), unique=True)
    agreed_grade: Mapped[str] = mapped_column(String(1))
    note: Mapped[str | None] = mapped_column(Text)
    added_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    added_at: Mapped[utc_ts]
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class CalibrationRound(Base):
    """One person grading the whole set, in an order drawn for them."""

    __tablename__ = "calibration_rounds"

    id: Mapped[intpk]
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    started_at: Mapped[utc_ts]
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    order: Mapped[list[Any]] = mapped_column(JSON, default=list)  # calibration item ids


class CalibrationAnswer(Base):
    __tablename__ = "calibration_answers"
    __table_args__ = (UniqueConstraint("round_id", "item_id"), one_of("grade", GRADES))

    id: Mapped[intpk]
    round_id: Mapped[int] = mapped_column(ForeignKey("calibration_rounds.id"))
    item_id: Mapped[int] = mapped_column(ForeignKey("calibration_items.id"))
    grade: Mapped[str] = mapped_column(String(1))
    answered_at: Mapped[utc_ts]
