"""A photo with zoom (wheel, +/-) and pan (drag), and drawing of annotation boxes, circles
and arrows in normalised coordinates; the photo file is never changed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QMouseEvent, QPainter, QPen, QPixmap, QWheelEvent
from PySide6.QtWidgets import QGraphicsPixmapItem, QGraphicsScene, QGraphicsView, QWidget

from app.printing.marks import PALETTE, for_photo


class PhotoViewer(QGraphicsView):
    annotated = Signal(list)  # the photo's shapes after a drawing

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setScene(QGraphicsScene(self))
        self.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        self.setDragMode(QGraphicsView.DragMode.ScrollHandDrag)
        self.setMinimumSize(320, 240)
        self._item: QGraphicsPixmapItem | None = None
        self.shapes: list[dict[str, Any]] = []
        self.tool: str | None = None  # "box", "circle", "arrow" or "label" while drawing
        self.label_text = ""
        self._start: QPointF | None = None
        self._colour, self._outline = QColor(PALETTE[0]), QColor("#ffffff")

    def show_photo(self, path: str, shapes: list[dict[str, Any]]) -> None:
        scene = self.scene()
        scene.clear()
        self._item = scene.addPixmap(QPixmap(path))
        self._colour, self._outline = (QColor(c) for c in for_photo(Path(path)))
        self.shapes = list(shapes)
        self._draw_shapes()
        self.resetTransform()
        self.fitInView(self._item, Qt.AspectRatioMode.KeepAspectRatio)

    def clear_photo(self, text: str) -> None:
        self.scene().clear()
        self._item = None
        self.scene().addText(text)

    def zoom(self, factor: float) -> None:
        self.scale(factor, factor)

    def wheelEvent(self, event: QWheelEvent) -> None:
        self.zoom(1.25 if event.angleDelta().y() > 0 else 0.8)

    def set_tool(self, tool: str | None) -> None:
        self.tool = tool
        self.setDragMode(QGraphicsView.DragMode.NoDrag if tool
                         else QGraphicsView.DragMode.ScrollHandDrag)

    def _norm(self, p: QPointF) -> tuple[float, float]:
        assert self._item is not None
        rect = self._item.boundingRect()
        return (min(1.0, max(0.0, p.x() / rect.width())),
                min(1.0, max(0.0, p.y() / rect.height())))

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if self.tool and self._item is not None:
            self._start = self.mapToScene(event.position().toPoint())
            return
        super().mousePressEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if self.tool and self._start is not None and self._item is not None:
            end = self.mapToScene(event.position().toPoint())
            (x1, y1), (x2, y2) = self._norm(self._start), self._norm(end)
            self._start = None
            if abs(x2 - x1) > 0.01 or abs(y2 - y1) > 0.01 or self.tool == "label":
                shape: dict[str, Any] = {"type": self.tool, "x1": x1, "y1": y1, "x2": x2,
                                         "y2": y2}
                if self.tool == "label":
                    shape["text"] = self.label_text
                self.shapes.append(shape)
                self._draw_shapes()
                self.annotated.emit(self.shapes)
            return
        super().mouseReleaseEvent(event)

    def _draw_shapes(self) -> None:
        if self._item is None:
            return
        scene = self.scene()
        for item in list(scene.items()):
            if item is not self._item:
                scene.removeItem(item)
        w, h = self._item.boundingRect().width(), self._item.boundingRect().height()
        # Each mark twice: a wide outline in a contrasting shade, then the colour picked
        # for this photo, so it shows on a red dress as on a white one.
        width = max(6.0, w / 200)
        for pen in (QPen(self._outline, width * 2), QPen(self._colour, width)):
            self._draw_with(pen, w, h)

    def _draw_with(self, pen: QPen, w: float, h: float) -> None:
        scene = self.scene()
        for s in self.shapes:
            x1, y1, x2, y2 = s["x1"] * w, s["y1"] * h, s["x2"] * w, s["y2"] * h
            rect = QRectF(QPointF(min(x1, x2), min(y1, y2)), QPointF(max(x1, x2), max(y1, y2)))
            if s["type"] == "box":
                scene.addRect(rect, pen)
            elif s["type"] == "circle":
                scene.addEllipse(rect, pen)
            elif s["type"] == "arrow":
                scene.addLine(x1, y1, x2, y2, pen)
                scene.addEllipse(x2 - 8, y2 - 8, 16, 16, pen, pen.color())
            if s.get("text"):
                text = scene.addText(str(s["text"]))
                text.setDefaultTextColor(pen.color())
                text.setScale(max(1.0, w / 600))
                text.setPos(x1, y1)
