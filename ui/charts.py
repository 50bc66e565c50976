"""A horizontal bar chart drawn with QPainter: a title, one bar per label, the value at
the end of each bar. Colours come from the palette, so it reads on both themes; no
charting package needed."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPainter, QPaintEvent
from PySide6.QtWidgets import QSizePolicy, QWidget

BAR = QColor("#0b57d0")
ALERT = QColor("#b3261e")


class BarChart(QWidget):
    def __init__(self, title: str, value_text: Callable[[float], str] = lambda v: f"{v:.0f}",
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = title
        self._value_text = value_text
        self.data: list[tuple[str, float, bool]] = []  # label, value, alert
        self.setMinimumHeight(150)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def set_data(self, data: Sequence[tuple[str, float]],
                 alert: Callable[[str, float], bool] = lambda _l, _v: False) -> None:
        self.data = [(label, value, alert(label, value)) for label, value in data]
        self.setToolTip("\n".join(f"{label}: {self._value_text(value)}"
                                  for label, value, _a in self.data))
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        text = self.palette().windowText().color()
        bold = QFont(self.font())
        bold.setBold(True)
        painter.setFont(bold)
        painter.setPen(text)
        width, height = self.width(), self.height()
        plain_metrics = QFontMetricsF(self.font())
        top = 26.0
        fits = max(1, int((height - top) / (plain_metrics.height() + 2)))
        # Rows that do not fit are named in the title (and all are in the tooltip).
        title = self.title if len(self.data) <= fits \
            else f"{self.title} (first {fits} of {len(self.data)})"
        painter.drawText(QRectF(0, 0, width, 22), Qt.AlignmentFlag.AlignLeft,
                         painter.fontMetrics().elidedText(title,
                                                          Qt.TextElideMode.ElideRight, width))
        painter.setFont(self.font())
        if not self.data:
            painter.drawText(QRectF(0, 24, width, height - 24),
                             Qt.AlignmentFlag.AlignCenter, "nothing in this range")
            return
        metrics = painter.fontMetrics()
        data = self.data[:fits]  # no overlapping rows when space is short (tooltip has all)
        label_w = min(width * 0.62, max(metrics.horizontalAdvance(lbl)
                                        for lbl, _v, _a in data) + 10)
        value_w = max(metrics.horizontalAdvance(self._value_text(v)) for _l, v, _a in data) + 10
        row_h = min(28.0, (height - top) / len(data))
        biggest = max((v for _l, v, _a in data), default=0) or 1
        span = max(1.0, width - label_w - value_w)
        for i, (label, value, alert) in enumerate(data):
            y = top + i * row_h
            painter.setPen(text)
            painter.drawText(QRectF(0, y, label_w - 6, row_h),
                             Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                             metrics.elidedText(label, Qt.TextElideMode.ElideMiddle,
                                                int(label_w - 6)))
            bar_w = span * value / biggest
            painter.fillRect(QRectF(label_w, y + row_h * 0.18, bar_w, row_h * 0.64),
                             ALERT if alert else BAR)
            painter.drawText(QRectF(label_w + bar_w + 4, y, value_w, row_h),
                             Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                             self._value_text(value))
