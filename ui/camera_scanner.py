"""Camera scanning off the UI thread: frames from a source, decoded with zxing-cpp in a
worker thread; the preview outlines what was found; a code read again and again in front
of the camera counts once."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QPointF, QSize, Qt, QThread, Signal
from PySide6.QtGui import QColor, QImage, QPainter, QPen, QPixmap, QPolygonF
from PySide6.QtWidgets import QLabel, QWidget

from app.errors import ReturnBenchError, user_message

if TYPE_CHECKING:  # OpenCV and numpy load when a camera starts, not with the app
    import numpy as np

    from app.camera.sources import FrameSource

PREVIEW = QSize(480, 270)
REPEAT_SECONDS = 3.0  # the same code seen again within this time is the same parcel
MAX_FPS = 30.0
_PRIORITY = {"rma": 0, "order": 1}


class CameraWorker(QThread):
    frame_ready = Signal(QImage, list)  # preview image, outlines in preview coordinates
    code_read = Signal(str)
    failed = Signal(str)

    def __init__(self, open_source: Callable[[], FrameSource]) -> None:
        super().__init__()
        self._open_source = open_source
        self._stop = False
        self._last_seen: dict[str, float] = {}
        self.frames = 0

    def stop(self) -> None:
        self._stop = True
        self.wait(5000)

    def run(self) -> None:
        try:
            source = self._open_source()
        except ReturnBenchError as exc:
            self.failed.emit(user_message(exc))
            return
        try:
            while not self._stop:
                started = time.monotonic()
                frame = source.read()
                self._handle(frame)
                self.frames += 1
                rest = 1 / MAX_FPS - (time.monotonic() - started)
                if rest > 0:
                    time.sleep(rest)
        except ReturnBenchError as exc:
            self.failed.emit(user_message(exc))
        finally:
            source.close()

    def _handle(self, frame: np.ndarray[Any, Any]) -> None:
        import cv2

        from app.scanning.images import CAMERA_FORMATS, decode

        found = decode(frame, CAMERA_FORMATS, camera=True)
        h, w = frame.shape[:2]
        sx, sy = PREVIEW.width() / w, PREVIEW.height() / h
        small = cv2.resize(frame, (PREVIEW.width(), PREVIEW.height()),
                           interpolation=cv2.INTER_AREA)
        rgb = cv2.cvtColor(small, cv2.COLOR_BGR2RGB)
        image = QImage(rgb.data, rgb.shape[1], rgb.shape[0], rgb.strides[0],
                       QImage.Format.Format_RGB888).copy()
        outlines = [[(x * sx, y * sy) for x, y in d.position] for d in found]
        self.frame_ready.emit(image, outlines)
        # One parcel often shows two codes (our DataMatrix and the carrier's Code128): a
        # frame is a new parcel only if none of its codes was seen lately, and then the
        # best code speaks for it (our RMA first).
        now = time.monotonic()
        readable = [d for d in found if d.scan.recognised]
        recent = any(now - self._last_seen.get(d.text, -1e9) <= REPEAT_SECONDS
                     for d in readable)
        for d in readable:
            self._last_seen[d.text] = now
        if readable and not recent:
            best = min(readable, key=lambda d: _PRIORITY.get(d.scan.valid[0].kind, 9))
            self.code_read.emit(best.text)


class CameraPreview(QLabel):
    """The live picture with a green outline around every code found."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFixedSize(PREVIEW)
        self.setObjectName("cameraPreview")
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setText("Camera off")

    def show_frame(self, image: QImage, outlines: list[list[tuple[float, float]]]) -> None:
        pixmap = QPixmap.fromImage(image)
        if outlines:
            painter = QPainter(pixmap)
            painter.setPen(QPen(QColor("#00c853"), 4))
            for corners in outlines:
                painter.drawPolygon(QPolygonF([QPointF(x, y) for x, y in corners]))
            painter.end()
        self.setPixmap(pixmap)
