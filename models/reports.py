"""What the reports read a month of a million returns through (migration 0018): the
indexes their figures need, and units sold and returned per order day and SKU, kept by
the database itself (triggers on order lines, return items and orders: every writer,
the importers, the demo data, a bulk load, keeps it without knowing).

A day here is the UTC date the order was placed; a report's range in the warehouse's
days reads whole UTC days from this table and the few hours at its two ends from the
order lines themselves (app/services/reports.py)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, Date, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base
from models.orders import Order
from models.returns import Approval, Decision, Inspection, ReturnItem


class ReportSkuDay(Base):
    """Units of one SKU (and product; 0 for a line with none) on orders placed on one
    UTC day: how many were sold, and how many of them have come back (any time)."""

    __tablename__ = "report_sku_days"

    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    product_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sku: Mapped[str] = mapped_column(String(40), primary_key=True)
    sold: Mapped[int] = mapped_column(BigInteger, default=0)
    returned: Mapped[int] = mapped_column(BigInteger, default=0)


# Each figure's index: an enum key first and the range last (a count per key is a seek
# and a count), or the range and what the figure reads (nothing else is fetched).
REPORT_INDEXES = (
    Index("ix_return_items_reason_received_at", ReturnItem.reason, ReturnItem.received_at),
    Index("ix_return_items_order_line_id", ReturnItem.order_line_id),
    Index("ix_return_items_backlog", ReturnItem.reception_status, ReturnItem.decision_status,
          ReturnItem.inspection_due_on),
    Index("ix_inspections_report", Inspection.is_draft, Inspection.grade,
          Inspection.damage_severity, Inspection.completed_at),
    Index("ix_orders_placed_at", Order.placed_at, Order.id),  # the order's lines by id
    Index("ix_decisions_decided_by_id_decided_at", Decision.decided_by_id,
          Decision.decided_at),
    Index("ix_approvals_report", Approval.kind, Approval.status, Approval.requested_at),
    Index("ix_approvals_requested_at", Approval.requested_at, Approval.answered_at),
)
