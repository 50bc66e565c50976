"""A scan is always a scan: an application-wide key filter that recognises a scanner's
burst on any page and hands the code to the bench (never to the page's hotkeys). Keys a
person types are held back for one gap (30 ms) and then delivered unchanged."""

from __future__ import annotations

import time

import shiboken6
from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication, QLineEdit, QWidget

from app.scanning.burst import GAP_MS, BurstDetector, Verdict

TERMINATORS = (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Tab)
# A scanner presses Shift for capitals: modifier keys alone neither end nor break a burst.
MODIFIER_KEYS = (Qt.Key.Key_Shift, Qt.Key.Key_Control, Qt.Key.Key_Alt, Qt.Key.Key_Meta,
                 Qt.Key.Key_AltGr, Qt.Key.Key_CapsLock)


class ScanRouter(QObject):
    scanned = Signal(str)

    def __init__(self, gap_ms: float = GAP_MS, prefix: str = "", suffix: str = "",
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.detector = BurstDetector(gap_ms=gap_ms, prefix=prefix, suffix=suffix)
        self._held: list[tuple[QObject, QKeyEvent]] = []
        self._replaying = False
        self.enabled = True
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._timed_out)

    def install(self) -> None:
        app = QApplication.instance()
        assert app is not None
        app.installEventFilter(self)

    def remove(self) -> None:
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self)
        self._replay()

    @staticmethod
    def _now_ms() -> float:
        return time.monotonic() * 1000.0

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if self._replaying or not self.enabled or event.type() != QEvent.Type.KeyPress \
                or not isinstance(event, QKeyEvent) or not isinstance(watched, QWidget):
            return False
        if event.key() in MODIFIER_KEYS:
            return False
        focus = QApplication.focusWidget()
        if isinstance(focus, QLineEdit) and focus.echoMode() is not QLineEdit.EchoMode.Normal:
            return False  # a PIN is typed, never scanned
        mods = event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
        text = event.text() if not mods & ~Qt.KeyboardModifier.ShiftModifier else ""
        terminator = event.key() in TERMINATORS and not mods & ~Qt.KeyboardModifier.ShiftModifier
        if self.detector.gap_ms <= 0 and not self.detector.prefix:
            return False
        step = self.detector.key(text, self._now_ms(), terminator)
        copy = QKeyEvent(event.type(), event.key(), event.modifiers(), event.text(),
                         event.isAutoRepeat(), event.count())
        if step.verdict is Verdict.HOLD:
            self._held.append((watched, copy))
            self._timer.start(int(self.detector.gap_ms) + 5)
            return True
        if step.verdict is Verdict.SCAN:
            self._held.clear()
            self._timer.stop()
            self.scanned.emit(step.code)
            return True
        if step.verdict is Verdict.FLUSH:
            self._replay()
            if text and not terminator:  # a printable key after a pause: held anew
                self._held.append((watched, copy))
                self._timer.start(int(self.detector.gap_ms) + 5)
                return True
        return False

    def _timed_out(self) -> None:
        step = self.detector.timeout(self._now_ms())
        if step.verdict is Verdict.FLUSH:
            self._replay()
        elif self._held:
            self._timer.start(int(self.detector.gap_ms) + 5)

    def _replay(self) -> None:
        held, self._held = self._held, []
        self._replaying = True
        try:
            for target, event in held:
                if shiboken6.isValid(target):  # the widget may be gone meanwhile
                    QApplication.sendEvent(target, event)
        finally:
            self._replaying = False
