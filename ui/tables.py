"""The read-only tables the screens share: row selection, no editing, no keyboard focus
(the page keeps the keys), one column stretched."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableWidget, QTableWidgetItem


def read_only_table(columns: Sequence[str], stretch: int | None = None,
                    focusable: bool = False) -> QTableWidget:
    table = QTableWidget(0, len(columns))
    table.setHorizontalHeaderLabels(list(columns))
    table.verticalHeader().setVisible(False)
    # Columns sized to the rows a person sees first (a queue of 300 was measured row by
    # row at every refresh: 12 ms of the Approvals page's 38).
    table.horizontalHeader().setResizeContentsPrecision(60)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    if not focusable:
        table.setFocusPolicy(Qt.FocusPolicy.NoFocus)
    if stretch is not None:
        restretch(table, stretch)
    return table


def restretch(table: QTableWidget, column: int) -> None:
    """After resizeColumnsToContents, give the left-over width to one column again."""
    table.horizontalHeader().setSectionResizeMode(column, QHeaderView.ResizeMode.Stretch)


T = TypeVar("T")


def fill(table: QTableWidget, rows: Sequence[Sequence[str]],
         red: Callable[[int, int], bool] | None = None) -> None:
    """Put text rows in the table; cells where `red(row, column)` say so in red."""
    table.setUpdatesEnabled(False)  # one repaint for the whole fill, not one per cell
    cursor = table.currentRow()
    table.setRowCount(len(rows))
    for r, cells in enumerate(rows):
        for c, text in enumerate(cells):
            item = QTableWidgetItem(text)
            if red is not None and red(r, c):
                item.setForeground(QColor("#b3261e"))
            table.setItem(r, c, item)
    table.resizeColumnsToContents()
    if 0 <= cursor < len(rows):  # the highlight stays on the cursor's row (refilled
        table.selectRow(cursor)  # items had dropped it while the cursor stayed)
    table.setUpdatesEnabled(True)


def selected(table: QTableWidget, items: Sequence[T]) -> T | None:
    """The item behind the table's current row, if any."""
    row = table.currentRow()
    return items[row] if 0 <= row < len(items) else None
