"""The read-only tables the screens share: row selection, no editing, no keyboard focus
(the page keeps the keys), one column stretched."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableWidget


def read_only_table(columns: Sequence[str], stretch: int | None = None,
                    focusable: bool = False) -> QTableWidget:
    table = QTableWidget(0, len(columns))
    table.setHorizontalHeaderLabels(list(columns))
    table.verticalHeader().setVisible(False)
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
