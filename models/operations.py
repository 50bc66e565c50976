"""Operational records: audit log, print jobs, carrier claims, and app metadata."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.domain.enums import Carrier, CarrierClaimStatus, LabelKind, PrintJobStatus
from models.base import Base
from models.checks import PRINT_FORMATS, SETTLEMENT_KINDS, not_negative, one_of
from models.types import MoneyCents, UTCDateTime, enum_column, intpk, str40, str120, utc_ts


class AuditEvent(Base):
    """Append-only, hash-chained: each entry carries the hash of the one before."""

    __tablename__ = "audit_events"

    id: Mapped[intpk]
    seq: Mapped[int] = mapped_column(Integer, unique=True)
    at: Mapped[utc_ts]
    actor: Mapped[str40 | None]
    station: Mapped[str40 | None]
    action: Mapped[str] = mapped_column(String(60), index=True)
    entity: Mapped[str40 | None]
    entity_id: Mapped[str40 | None]
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class PrintJob(Base):
    """A label or document, stored before it is sent so a printer that is off loses nothing."""

    __tablename__ = "print_jobs"
    # The status bar's printer line (this station's jobs waiting, its last attempt) and
    # its history read this station's jobs by index, not every job ever printed.
    __table_args__ = (one_of("format", PRINT_FORMATS),
                      Index("ix_print_jobs_station_id_status", "station_id", "status"),
                      Index("ix_print_jobs_station_id_id", "station_id", "id"))

    id: Mapped[intpk]
    kind: Mapped[LabelKind] = mapped_column(enum_column(LabelKind))
    format: Mapped[str] = mapped_column(String(8))
    payload: Mapped[bytes] = mapped_column(LargeBinary)
    printer: Mapped[str120]
    status: Mapped[PrintJobStatus] = mapped_column(enum_column(PrintJobStatus), index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    return_item_id: Mapped[int | None] = mapped_column(ForeignKey("return_items.id"))
    station_id: Mapped[int] = mapped_column(ForeignKey("stations.id"))
    created_at: Mapped[utc_ts]
    sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class CarrierClaim(Base):
    """A claim on the carrier for one damaged unit: at most one per unit (the unique key;
    claims opened before 0014 name only their RMA)."""

    __tablename__ = "carrier_claims"
    __table_args__ = not_negative("declared_value")

    id: Mapped[intpk]
    rma_id: Mapped[int] = mapped_column(ForeignKey("return_authorizations.id"), index=True)
    return_item_id: Mapped[int | None] = mapped_column(ForeignKey("return_items.id"),
                                                       unique=True)
    carrier: Mapped[Carrier] = mapped_column(enum_column(Carrier))
    tracking_number: Mapped[str40]
    declared_value: Mapped[Decimal] = mapped_column(MoneyCents, nullable=False)
    status: Mapped[CarrierClaimStatus] = mapped_column(enum_column(CarrierClaimStatus))
    reference: Mapped[str120 | None]
    opened_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    opened_at: Mapped[utc_ts]


LIVE_SETTLEMENT = "kind = 'settlement' AND reversed_by_id IS NULL"


class AppMeta(Base):
    """Key/value facts about this database (e.g. whether it holds demo data)."""

    __tablename__ = "app_meta"

    key: Mapped[str] = mapped_column(String(60), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class ItemHold(Base):
    """One bench working on one returned unit. A hold runs out at `expires_at` unless the
    bench renews it, so a bench that crashes or sits idle lets go on its own."""

    __tablename__ = "item_holds"

    id: Mapped[intpk]
    return_item_id: Mapped[int] = mapped_column(ForeignKey("return_items.id"), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    station_id: Mapped[int] = mapped_column(ForeignKey("stations.id"))
    acquired_at: Mapped[utc_ts]
    expires_at: Mapped[utc_ts]


class CompletedRequest(Base):
    """An action done under a bench's request key, so a retry after a lost connection
    returns what was done instead of doing it twice."""

    __tablename__ = "completed_requests"

    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    kind: Mapped[str40]
    result: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    at: Mapped[utc_ts]


class ExportBatch(Base):
    """One run of the settlement export: its decisions are claimed (committed) before its
    files are written, and marked written after; a batch left claimed by a crash is
    written again, with the same file names, by the next run."""

    __tablename__ = "export_batches"

    id: Mapped[intpk]
    created_at: Mapped[utc_ts]
    written_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    decisions: Mapped[int] = mapped_column(Integer)
    csv_name: Mapped[str120]
    user: Mapped[str40 | None]


class ExportedDecision(Base):
    """A decision handed to the shop's back office: at most once (its primary key)."""

    __tablename__ = "exported_decisions"

    decision_id: Mapped[int] = mapped_column(ForeignKey("decisions.id"), primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("export_batches.id"), index=True)


class Settlement(Base):
    """One line handed to the shop's back office: a settlement of a decision, or the
    reversal of one that an approved exception superseded after it went out. The
    idempotency key is derived from the unit bought (order line and unit) and its
    revision, never from the decision row, so a shop that deduplicates by key can never
    pay one dress twice; the unique key makes the database refuse it too, and a unit key
    has at most one settlement not reversed (`reversed_by_id`: its reversal's row)."""

    __tablename__ = "settlements"
    __table_args__ = (UniqueConstraint("decision_id", "kind",
                                       name="uq_settlements_decision_id_kind"),
                      Index("uq_settlements_live_unit_key", "unit_key", unique=True,
                            postgresql_where=text(LIVE_SETTLEMENT),
                            sqlite_where=text(LIVE_SETTLEMENT)),
                      one_of("kind", SETTLEMENT_KINDS),
                      CheckConstraint("kind = 'settlement' OR reversed_by_id IS NULL",
                                      name="reversal_not_reversed"))

    id: Mapped[intpk]
    batch_id: Mapped[int] = mapped_column(ForeignKey("export_batches.id"), index=True)
    decision_id: Mapped[int] = mapped_column(ForeignKey("decisions.id"), index=True)
    kind: Mapped[str] = mapped_column(String(12))  # settlement | reversal
    unit_key: Mapped[str120] = mapped_column(index=True)
    revision: Mapped[int] = mapped_column(Integer)
    idempotency_key: Mapped[str120] = mapped_column(unique=True)
    reversed_by_id: Mapped[int | None] = mapped_column(ForeignKey("settlements.id"))
