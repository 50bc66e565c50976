"""What the database itself refuses (migration 0014): the values of the status and kind
columns kept as plain text, and money that is never negative. Enum-typed columns carry
their own CHECK (models/types.py `enum_column`); these are the others."""

from __future__ import annotations

from sqlalchemy import CheckConstraint

from app.domain.enums import Brand, Disposition, Grade, Resolution

TOTE_STATUSES = ("open", "closed", "shipped")
# A tote holds one disposition, or waits on the quarantine or the QA (re-grade) rack.
TOTE_DISPOSITIONS = (*(d.value for d in Disposition), "quarantine", "qa")
BRANDS = tuple(b.value for b in Brand)
LOT_KINDS = ("liquidation", "donation", "rtv")
LOT_STATUSES = ("open", "closed")
QA_STATUSES = ("waiting", "regraded")
QA_WHY = ("share", "new_inspector", "high_value")
GRADES = tuple(g.value for g in Grade)
RESOLUTIONS = tuple(r.value for r in Resolution)
SETTLEMENT_KINDS = ("settlement", "reversal")
OFFLINE_SETTLEMENTS = ("server", "bench")
LOCATION_KINDS = ("restock", "steam", "refurbish", "outlet", "liquidation", "donation",
                  "quarantine", "outbound", "qa")
PRINT_FORMATS = ("pdf", "zpl")


def one_of(column: str, values: tuple[str, ...]) -> CheckConstraint:
    """`column` holds one of `values` (or nothing): named ck_<table>_<column>."""
    listed = ", ".join(f"'{v}'" for v in values)
    return CheckConstraint(f"{column} IN ({listed})", name=column)


def not_negative(*columns: str) -> tuple[CheckConstraint, ...]:
    """Each money column at zero or more: named ck_<table>_<column>_not_negative."""
    return tuple(CheckConstraint(f"{c} >= 0", name=f"{c}_not_negative") for c in columns)
