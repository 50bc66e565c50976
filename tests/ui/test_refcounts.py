"""A bench takes tens of thousands of key presses a day. PySide6 6.12.0 lost a reference
to None on every base-class keyPressEvent called from a Python override, so None's count
fell by one per key until the interpreter aborted ("deallocating None"). These tests
press 2,000 keys through our own widgets that override keyPressEvent and check that
None, True and False keep their references."""

from __future__ import annotations

import sys

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication, QLineEdit

from app.bootstrap import Services
from tests.ui.test_shell import _window
from ui.ops import BackgroundOp
from ui.window import SHELL_IMPORTED

KEYS = 2000


def _counts() -> tuple[int, int, int]:
    return sys.getrefcount(None), sys.getrefcount(True), sys.getrefcount(False)


def _press(widget: object, key: Qt.Key, text: str) -> None:
    event = QKeyEvent(QEvent.Type.KeyPress, key, Qt.KeyboardModifier.NoModifier, text)
    QApplication.sendEvent(widget, event)  # type: ignore[arg-type]


def test_a_base_keypress_from_python_keeps_its_references(qapp) -> None:  # type: ignore[no-untyped-def]
    class Field(QLineEdit):
        def keyPressEvent(self, event: QKeyEvent) -> None:
            super().keyPressEvent(event)

    field = Field()
    before = _counts()
    for _ in range(KEYS):
        _press(field, Qt.Key.Key_1, "1")
    after = _counts()
    assert all(abs(a - b) < 50 for a, b in zip(after, before, strict=True)), (before, after)


def test_the_sign_in_and_inspect_pages_keep_their_references(qtbot, services: Services) -> None:  # type: ignore[no-untyped-def]
    window = _window(qtbot, services)
    pin = window.sign_in.pin
    assert SHELL_IMPORTED.wait(30)  # the shell's modules, imported on their own thread
    qtbot.waitUntil(BackgroundOp.idle, timeout=30_000)  # the window's warm-up, done
    before = _counts()
    for n in range(KEYS):
        _press(pin, Qt.Key.Key_1, "1")  # digits: the PIN field's own keyPressEvent
        if n % 12 == 11:
            pin.forget()
        _press(window.sign_in, Qt.Key.Key_Down, "")  # the page's arrows
    after = _counts()
    assert all(abs(a - b) < 50 for a, b in zip(after, before, strict=True)), (before, after)
