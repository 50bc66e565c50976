"""Shows one order and its return: who, what, when, and each expected item."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.bench.types import ReturnView
from app.domain.money import format_money

_COLUMNS = ("#", "SKU", "Item", "Paid", "Reason", "Wants", "Received", "Decision")


def _windows_html(view: ReturnView) -> str:
    """Windows that still hold in green, closed ones in grey; a mark as well as a colour."""
    if not view.windows:
        return ""
    measured = "to the ship date" if view.shipped_by_customer_on else "to today"
    chips = []
    for w in view.windows:
        # Mid tones that read on both the light and the dark theme.
        colour, mark = ("#2a9d4b", "✔ open") if w.open else ("#8a8a8a", "✖ closed")
        chips.append(f"<span style='color:{colour};font-weight:bold'>{w.name} {mark} "
                     f"({w.days} of {w.limit_days} days)</span>")
    return f"Windows, {measured}: " + " &nbsp;·&nbsp; ".join(chips)


def _words(value: str) -> str:
    return value.replace("_", " ")


class ReturnCard(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.headline = QLabel()
        self.headline.setObjectName("headline")
        self.headline.setWordWrap(True)  # a long name wraps; it never widens the window
        self.details = QLabel()
        self.details.setObjectName("details")
        self.details.setWordWrap(True)
        self.windows = QLabel()
        self.windows.setObjectName("windows")
        self.windows.setTextFormat(Qt.TextFormat.RichText)
        self.windows.setWordWrap(True)
        self.table = QTableWidget(0, len(_COLUMNS))
        self.table.setHorizontalHeaderLabels(_COLUMNS)
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        layout.addWidget(self.headline)
        layout.addWidget(self.details)
        layout.addWidget(self.windows)
        layout.addWidget(self.table, 1)
        self.view: ReturnView | None = None
        self.hide()

    def show_return(self, view: ReturnView) -> None:
        self.view = view
        title = view.rma_number or f"Order {view.order_number}, no return"
        self.headline.setText(f"{title}  ·  {view.customer_name}")
        delivered = (
            f"delivered {view.delivered_on:%b %d} ({view.days_since_delivery} days ago)"
            if view.delivered_on
            else "not delivered yet"
        )
        parts = [
            f"Order {view.order_number} ({view.brand.value}, {view.customer_tier.value})",
            f"placed {view.placed_on:%b %d}",
            delivered,
        ]
        if view.rma_number:
            shipped = (f"customer shipped {view.shipped_by_customer_on:%b %d}"
                       if view.shipped_by_customer_on else "ship date unknown")
            parts.append(f"{(view.carrier or '').upper()} {view.tracking_number}, {shipped}")
        self.details.setText("  ·  ".join(parts))
        self.windows.setText(_windows_html(view))
        rows = view.items if view.rma_number else ()
        self.table.setRowCount(len(rows) if rows else len(view.lines))
        if rows:
            for r, item in enumerate(rows):
                line = item.line
                wants = _words(item.requested.value)
                if item.exchange_size:
                    wants += f" → US {item.exchange_size}"
                cells = (
                    str(item.unit_no),
                    line.sku if line else "(extra item)",
                    line.description if line else (item.description or ""),
                    format_money(line.price_paid) if line else "",
                    _words(item.reason.value),
                    wants,
                    _words(item.reception_status.value),
                    _words(item.decision_status.value),
                )
                self._fill_row(r, cells)
        else:
            for r, ln in enumerate(view.lines):
                self._fill_row(r, (str(ln.line_no), ln.sku, ln.description,
                                   format_money(ln.price_paid), "", "", "", ""))
        self.table.resizeColumnsToContents()
        self.table.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        if self.table.rowCount():
            self.table.selectRow(0)
        self.show()

    def _fill_row(self, row: int, cells: tuple[str, ...]) -> None:
        for c, text in enumerate(cells):
            self.table.setItem(row, c, QTableWidgetItem(text))
