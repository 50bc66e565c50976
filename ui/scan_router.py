"""A scan is always a scan: an application-wide key filter that recognises a scanner's
burst on any page and hands the code to the bench (never to the page's hotkeys). Keys a
person types are held back for one gap (30 ms) and then delivered unchanged.

Gaps are measured between the key events' own timestamps (the X server's milliseconds for
real keys), so a burst the window reads late, all at once, is still a burst. Keys made by
the application or a test (QTest, sendEvent) carry no timestamp: their time is when they
are seen. The hold's timer runs on the monotonic clock; a run keeps the offset between
the two clocks (its least delay seen) to tell how long ago in key time its last key was."""

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


# A key event's timestamp this far ahead of the run's clock is not a key time (another
# clock, or a made-up value): the key is timed when seen.
AHEAD_MS = 1000.0


class ScanRouter(QObject):
    scanned = Signal(str)
    # A scanner's run whose keys came too far apart to be one of our codes: its keys were
    # handed to the page as typed and its terminator dropped (never an Enter to the page).
    unreadable = Signal(str)

    def __init__(self, gap_ms: float = GAP_MS, prefix: str = "", suffix: str = "",
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.detector = BurstDetector(gap_ms=gap_ms, prefix=prefix, suffix=suffix)
        self._held: list[tuple[QObject, QKeyEvent]] = []
        self._replaying = False
        self.enabled = True
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.timeout.connect(self._timed_out)
        self._settled = False  # the timer went off once and let queued keys in first
        # The run's clock: key time = monotonic + offset (0 for keys without timestamps).
        self._offset = 0.0
        self._stamped = False  # the run is timed by its events' timestamps
        self._last_stamp = 0
        self._last_seen = 0.0

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

    def _key_ms(self, event: QKeyEvent) -> float:
        """The key's time on the run's clock: its timestamp when it has a usable one."""
        seen = self._now_ms()
        stamp = event.timestamp()
        if self.detector.idle(seen + self._offset):  # a new run: its own clock
            self._stamped = stamp > 0
            self._offset = float(stamp) - seen if self._stamped else 0.0
            self._last_stamp, self._last_seen = stamp, seen
            return float(stamp) if self._stamped else seen
        usable = self._stamped and stamp >= self._last_stamp > 0 \
            and stamp - seen - self._offset <= AHEAD_MS \
            and not (stamp == self._last_stamp and seen - self._last_seen
                     > self.detector.stretch_ms)  # a stamp that stands still
        self._last_seen = seen
        if not usable:
            return seen + self._offset
        self._offset = max(self._offset, float(stamp) - seen)  # the least delay seen
        self._last_stamp = stamp
        return float(stamp)

    def _arm(self, ms: float) -> None:
        self._settled = False
        self._timer.start(max(0, int(ms) + 1))

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
        # Enter or Tab; or a line feed, which a scanner may be set to send (xdotool types one).
        terminator = (event.key() in TERMINATORS or text in ("\r", "\n")) \
            and not mods & ~Qt.KeyboardModifier.ShiftModifier
        if self.detector.gap_ms <= 0 and not self.detector.prefix:
            return False
        step = self.detector.key(text, self._key_ms(event), terminator)
        copy = QKeyEvent(event.type(), event.key(), event.modifiers(), event.text(),
                         event.isAutoRepeat(), event.count())
        copy.setTimestamp(event.timestamp())
        if step.verdict is Verdict.HOLD:
            self._held.append((watched, copy))
            self._arm(self.detector.gap_ms + 4)
            return True
        if step.verdict is Verdict.SCAN:
            self._held.clear()
            self._timer.stop()
            self.scanned.emit(step.code)
            return True
        if step.verdict is Verdict.REJECT:
            self._timer.stop()
            self._replay()  # the keys as typed; the terminator goes nowhere
            self.unreadable.emit(step.code)
            return True
        if step.verdict is Verdict.FLUSH:
            self._replay()
            if text and not terminator:  # a printable key after a pause: held anew
                self._held.append((watched, copy))
                self._arm(self.detector.gap_ms + 4)
                return True
        return False

    def _timed_out(self) -> None:
        if not self._settled:
            # A loaded window may run a due timer before the keys already queued for it:
            # go round the event loop once more, so they come in first.
            self._settled = True
            self._timer.start(0)
            return
        step = self.detector.timeout(self._now_ms() + self._offset)
        if step.verdict is Verdict.FLUSH:
            self._replay()
        elif step.verdict is Verdict.HOLD and self._held:
            self._arm(step.wait_ms)

    def _replay(self) -> None:
        held, self._held = self._held, []
        self._replaying = True
        try:
            for target, event in held:
                if shiboken6.isValid(target):  # the widget may be gone meanwhile
                    QApplication.sendEvent(target, event)
        finally:
            self._replaying = False
