"""Returns: authorizations, units, receipts, inspections, photos, decisions, approvals."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.domain.enums import (
    ApprovalKind,
    ApprovalLevel,
    ApprovalStatus,
    Carrier,
    DamageCause,
    DamageSeverity,
    DecisionStatus,
    Disposition,
    Grade,
    PhotoSlot,
    ReceptionStatus,
    RequestedResolution,
    Resolution,
    ReturnReason,
    RmaStatus,
    UnexpectedStatus,
)
from models.base import Base
from models.checks import not_negative
from models.orders import Order, OrderLine
from models.types import (
    MoneyCents,
    UTCDateTime,
    enum_column,
    intpk,
    money_col,
    str40,
    str120,
    utc_ts,
)


class ReturnAuthorization(Base):
    __tablename__ = "return_authorizations"

    id: Mapped[intpk]
    number: Mapped[str40] = mapped_column(unique=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    carrier: Mapped[Carrier | None] = mapped_column(enum_column(Carrier))
    tracking_number: Mapped[str40 | None] = mapped_column(index=True)
    created_at: Mapped[utc_ts]
    shipped_by_customer_on: Mapped[dt.date | None] = mapped_column(Date)
    status: Mapped[RmaStatus] = mapped_column(enum_column(RmaStatus))

    order: Mapped[Order] = relationship()
    items: Mapped[list[ReturnItem]] = relationship(
        back_populates="rma", order_by="ReturnItem.unit_no"
    )
    receipts: Mapped[list[Receipt]] = relationship(back_populates="rma")


class ReturnItem(Base):
    """One returned unit. Reception and decision are two separate statuses."""

    __tablename__ = "return_items"
    # One returned unit per unit bought: a unit's `line_unit` is set while its decision
    # uses the unit up, and cleared when the unit is freed (back to the customer).
    __table_args__ = (Index("uq_return_items_unit_bought", "order_line_id", "line_unit",
                            unique=True, postgresql_where=text("line_unit IS NOT NULL"),
                            sqlite_where=text("line_unit IS NOT NULL")),)

    id: Mapped[intpk]
    rma_id: Mapped[int] = mapped_column(ForeignKey("return_authorizations.id"), index=True)
    unit_no: Mapped[int] = mapped_column(Integer)
    order_line_id: Mapped[int | None] = mapped_column(ForeignKey("order_lines.id"))
    reason: Mapped[ReturnReason] = mapped_column(enum_column(ReturnReason))
    customer_comment: Mapped[str | None] = mapped_column(Text)
    requested: Mapped[RequestedResolution] = mapped_column(enum_column(RequestedResolution))
    exchange_size: Mapped[str | None] = mapped_column(String(4))
    reception_status: Mapped[ReceptionStatus] = mapped_column(
        enum_column(ReceptionStatus), index=True
    )
    decision_status: Mapped[DecisionStatus] = mapped_column(
        enum_column(DecisionStatus), index=True
    )
    received_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    inspection_due_on: Mapped[dt.date | None] = mapped_column(Date)
    # Which of the order line's units this is (1..quantity), taken when the unit's money
    # is first decided: one unit bought is settled once across all its RMAs.
    line_unit: Mapped[int | None] = mapped_column(Integer)
    # Where the dress is after the bench: in a tote, at a location (or both: a tote put
    # away), and when it first reached a restock location (its size sellable again).
    tote_id: Mapped[int | None] = mapped_column(ForeignKey("totes.id"), index=True)
    location_id: Mapped[int | None] = mapped_column(ForeignKey("locations.id"), index=True)
    restocked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}

    rma: Mapped[ReturnAuthorization] = relationship(back_populates="items")
    order_line: Mapped[OrderLine | None] = relationship()
    inspections: Mapped[list[Inspection]] = relationship(back_populates="item")
    decisions: Mapped[list[Decision]] = relationship(back_populates="item")


class Receipt(Base):
    """A parcel scanned in at a bench; `rma_id` is empty for an unmatched parcel on hold."""

    __tablename__ = "receipts"

    id: Mapped[intpk]
    rma_id: Mapped[int | None] = mapped_column(ForeignKey("return_authorizations.id"), index=True)
    scanned_code: Mapped[str] = mapped_column(String(80))
    received_at: Mapped[utc_ts]
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    station_id: Mapped[int] = mapped_column(ForeignKey("stations.id"))
    note: Mapped[str | None] = mapped_column(Text)

    rma: Mapped[ReturnAuthorization | None] = relationship(back_populates="receipts")


class Inspection(Base):
    __tablename__ = "inspections"
    # A station's unfinished inspections (drafts), newest first: the list Receive shows
    # reads only this station's drafts, never the whole table.
    __table_args__ = (Index("ix_inspections_station_drafts", "station_id", "started_at",
                            postgresql_where=text("is_draft"),
                            sqlite_where=text("is_draft = 1")),)

    id: Mapped[intpk]
    return_item_id: Mapped[int] = mapped_column(ForeignKey("return_items.id"), index=True)
    grade: Mapped[Grade | None] = mapped_column(enum_column(Grade))
    checklist: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    worn: Mapped[bool] = mapped_column(Boolean, default=False)
    altered: Mapped[bool] = mapped_column(Boolean, default=False)
    tags_attached: Mapped[bool] = mapped_column(Boolean, default=True)
    matches_order: Mapped[bool] = mapped_column(Boolean, default=True)
    damage_severity: Mapped[DamageSeverity] = mapped_column(enum_column(DamageSeverity))
    damage_cause: Mapped[DamageCause | None] = mapped_column(enum_column(DamageCause))
    notes: Mapped[str | None] = mapped_column(Text)
    inspector_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    station_id: Mapped[int] = mapped_column(ForeignKey("stations.id"))
    started_at: Mapped[utc_ts]
    completed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    is_draft: Mapped[bool] = mapped_column(Boolean, default=True)

    item: Mapped[ReturnItem] = relationship(back_populates="inspections")
    photos: Mapped[list[Photo]] = relationship(back_populates="inspection")


class Photo(Base):
    """A content-addressed photo file (sha256 name) under the shared photo root."""

    __tablename__ = "photos"

    id: Mapped[intpk]
    inspection_id: Mapped[int] = mapped_column(ForeignKey("inspections.id"), index=True)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    slot: Mapped[PhotoSlot] = mapped_column(enum_column(PhotoSlot))
    byte_size: Mapped[int] = mapped_column(Integer)
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    focus_score: Mapped[float | None]
    exposure_score: Mapped[float | None]
    perceptual_hash: Mapped[str | None] = mapped_column(String(32), index=True)
    annotations: Mapped[list[Any]] = mapped_column(JSON, default=list)
    # Other customers' RMAs holding a near-identical photo, found when either was taken.
    reused_on: Mapped[list[Any]] = mapped_column(JSON, default=list, server_default="[]")
    quality_override: Mapped[bool] = mapped_column(Boolean, default=False)
    taken_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    station_id: Mapped[int] = mapped_column(ForeignKey("stations.id"))
    taken_at: Mapped[utc_ts]

    inspection: Mapped[Inspection] = relationship(back_populates="photos")


class Decision(Base):
    """A policy decision for one unit, with the policy it was made under and its trace."""

    __tablename__ = "decisions"
    # One live (not superseded) decision per returned unit.
    __table_args__ = (Index("uq_decisions_live_return_item_id", "return_item_id",
                            unique=True, postgresql_where=text("NOT superseded"),
                            sqlite_where=text("NOT superseded")),
                      # What this station decided since a time (the totes still due at
                      # sign-in): a seek, not a walk of every live decision.
                      Index("ix_decisions_station_id_decided_at", "station_id",
                            "decided_at"),
                      *not_negative("refund", "restocking_fee", "credit"))

    id: Mapped[intpk]
    return_item_id: Mapped[int] = mapped_column(ForeignKey("return_items.id"), index=True)
    inspection_id: Mapped[int | None] = mapped_column(ForeignKey("inspections.id"))
    resolution: Mapped[Resolution] = mapped_column(enum_column(Resolution))
    refund: Mapped[money_col]
    restocking_fee: Mapped[money_col]
    credit: Mapped[money_col]
    disposition: Mapped[Disposition] = mapped_column(enum_column(Disposition))
    approval_level: Mapped[ApprovalLevel | None] = mapped_column(enum_column(ApprovalLevel))
    carrier_claim: Mapped[bool] = mapped_column(Boolean, default=False)
    inspection_due_on: Mapped[dt.date | None] = mapped_column(Date)
    refund_due_on: Mapped[dt.date | None] = mapped_column(Date)
    exchange_ship_due_on: Mapped[dt.date | None] = mapped_column(Date)
    claim_resolution_due_on: Mapped[dt.date | None] = mapped_column(Date)
    policy_id: Mapped[str40]
    policy_version: Mapped[str40]
    policy_sha256: Mapped[str] = mapped_column(
        String(64), ForeignKey("policy_versions.sha256"), index=True
    )
    case: Mapped[dict[str, Any]] = mapped_column(JSON)
    trace: Mapped[list[Any]] = mapped_column(JSON)
    decided_at: Mapped[utc_ts]
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    station_id: Mapped[int | None] = mapped_column(ForeignKey("stations.id"))
    superseded: Mapped[bool] = mapped_column(Boolean, default=False)
    # The approval this decision waits for (empty once answered or when none is needed).
    approval_id: Mapped[int | None] = mapped_column(
        ForeignKey("approvals.id", use_alter=True), index=True)
    # On the claims desk's queue: a damage claim not yet resolved, or waiting for photos.
    # Kept by the services (accept, supersede, resolve) so the queue reads a few hundred
    # rows through one index instead of every claim there ever was.
    claim_open: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false(),
                                             index=True)

    item: Mapped[ReturnItem] = relationship(back_populates="decisions")


class PolicyVersion(Base):
    """Every policy file a decision was made under, kept verbatim by content hash, so an
    old decision can be re-explained after the file changed."""

    __tablename__ = "policy_versions"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    policy_id: Mapped[str40]
    version: Mapped[str40]
    content: Mapped[str] = mapped_column(Text)
    first_used_at: Mapped[utc_ts]


class Approval(Base):
    """A request for a supervisor's or manager's approval, and its answer."""

    __tablename__ = "approvals"
    # The window's poll for answers to this bench's requests (every 2 s, between scans):
    # this station's answers since the last look, not every request ever made.
    # The queue (pending requests, oldest first): a seek to the pending ones in order,
    # not a walk of every request ever made in time order.
    __table_args__ = (Index("ix_approvals_station_answered", "station_id", "answered_at"),
                      Index("ix_approvals_status_requested_at", "status", "requested_at",
                            "id"),
                      *not_negative("amount"))

    id: Mapped[intpk]
    rma_id: Mapped[int] = mapped_column(ForeignKey("return_authorizations.id"), index=True)
    decision_id: Mapped[int | None] = mapped_column(ForeignKey("decisions.id"))
    # The unit an exception is about; empty for a request about the whole RMA ($250 rule).
    return_item_id: Mapped[int | None] = mapped_column(ForeignKey("return_items.id"))
    kind: Mapped[ApprovalKind] = mapped_column(enum_column(ApprovalKind))
    level: Mapped[ApprovalLevel] = mapped_column(enum_column(ApprovalLevel))
    amount: Mapped[Decimal] = mapped_column(MoneyCents, nullable=False)
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[ApprovalStatus] = mapped_column(enum_column(ApprovalStatus), index=True)
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    requested_at: Mapped[utc_ts]
    station_id: Mapped[int] = mapped_column(ForeignKey("stations.id"))
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    answered_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    note: Mapped[str | None] = mapped_column(Text)
    requested_outcome: Mapped[str120 | None]


class UnexpectedReturn(Base):
    """A parcel that came with no return, received anyway: what is in it (a product of
    ours, or words), the bench's grading, the customer and order the bench found (a
    hint), held until a supervisor links it to an order (it becomes a return, the
    bench's grading its draft) or sends it back to the customer. The database refuses a
    row whose status and answer disagree."""

    __tablename__ = "unexpected_returns"
    __table_args__ = (
        CheckConstraint(
            "(status = 'held' AND answered_at IS NULL AND answered_by_id IS NULL "
            "AND rma_id IS NULL) OR (status = 'linked' AND answered_at IS NOT NULL "
            "AND answered_by_id IS NOT NULL AND rma_id IS NOT NULL) OR "
            "(status = 'sent_back' AND answered_at IS NOT NULL "
            "AND answered_by_id IS NOT NULL AND rma_id IS NULL)", name="answer"),
        CheckConstraint("length(description) >= 3", name="description"),
        Index("ix_unexpected_returns_status_received_at", "status", "received_at"),
    )

    id: Mapped[intpk]
    receipt_id: Mapped[int] = mapped_column(ForeignKey("receipts.id"), unique=True)
    received_at: Mapped[utc_ts]
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"))
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id"))
    product_id: Mapped[int | None] = mapped_column(ForeignKey("products.id"))
    description: Mapped[str] = mapped_column(Text)
    grade: Mapped[Grade] = mapped_column(enum_column(Grade))
    form: Mapped[dict[str, Any]] = mapped_column(JSON)  # the bench's inspection form
    status: Mapped[UnexpectedStatus] = mapped_column(enum_column(UnexpectedStatus))
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    answered_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    note: Mapped[str | None] = mapped_column(Text)
    rma_id: Mapped[int | None] = mapped_column(ForeignKey("return_authorizations.id"),
                                               unique=True)

    receipt: Mapped[Receipt] = relationship()
    order: Mapped[Order | None] = relationship()
    rma: Mapped[ReturnAuthorization | None] = relationship()
