"""A queue page (approvals, needs a look): a table of views polled while the page shows,
for those allowed to see it; arrows move the selection."""

from __future__ import annotations

from typing import Generic, TypeVar

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QTableWidget, QWidget

T = TypeVar("T")


class QueuePage(QWidget, Generic[T]):
    table: QTableWidget  # made by the page

    def __init__(self, can_view: bool, poll_ms: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.can_view = can_view
        self.views: list[T] = []
        self.timer = QTimer(self)
        self.timer.setInterval(poll_ms)
        self.timer.timeout.connect(self.refresh)

    def refresh(self) -> None:
        raise NotImplementedError

    def showEvent(self, event) -> None:  # type: ignore[no-untyped-def]
        super().showEvent(event)
        if self.can_view:
            self.refresh()
            self.timer.start()
        self.setFocus()

    def hideEvent(self, event) -> None:  # type: ignore[no-untyped-def]
        self.timer.stop()
        super().hideEvent(event)

    def step(self, key: int) -> bool:
        """Up or Down moves the selected row (True: the key was one of them)."""
        if key not in (Qt.Key.Key_Up, Qt.Key.Key_Down) or not self.views:
            return False
        delta = -1 if key == Qt.Key.Key_Up else 1
        self.table.selectRow(max(0, min(len(self.views) - 1,
                                        self.table.currentRow() + delta)))
        return True
