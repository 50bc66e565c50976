"""A message banner that stays until read: the app's way to report, instead of dialogs."""

from __future__ import annotations

from enum import StrEnum

from PySide6.QtCore import QCoreApplication, QEvent, Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QWidget

from app.bench.screen import refusal
from app.errors import SignedOut


class Level(StrEnum):
    OK = "ok"
    WARN = "warn"
    ERROR = "error"


def describe(exc: BaseException) -> tuple[Level, str]:
    """The one way an exception becomes what the user sees: its sentence, and amber for
    what waits on someone else (another bench, an answer), red for the rest."""
    level, sentence = refusal(exc)
    return LEVELS[level], sentence


class SignedOutEvent(QEvent):
    """The user was deactivated, or given another role, since signing in: posted to the
    top-level window, which goes back to sign-in with `reason` once the current input
    is handled (the idle lock's way)."""

    TYPE = QEvent.Type(QEvent.registerEventType())

    def __init__(self, reason: str) -> None:
        super().__init__(self.TYPE)
        self.reason = reason


def send_to_sign_in(widget: QWidget, reason: str) -> None:
    """Ask the window `widget` is in (through any dialog) to go back to sign-in."""
    top = widget
    while (parent := top.parentWidget()) is not None:
        top = parent
    QCoreApplication.postEvent(top, SignedOutEvent(reason))


# The bench session's levels (plain strings, no Qt below ui/) to the banner's.
LEVELS = {"ok": Level.OK, "warn": Level.WARN, "error": Level.ERROR}

_ICONS = {Level.OK: "✔", Level.WARN: "⚠", Level.ERROR: "✖"}
# Background and text colour per level; every level also has its icon, never colour alone.
_COLOURS = {Level.OK: ("#137333", "white"), Level.WARN: ("#f4b400", "#111"),
            Level.ERROR: ("#b3261e", "white")}


class Banner(QWidget):
    """One line of status: green done, amber needs attention, red stop; text and icon too."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("banner")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(12, 6, 6, 6)
        self._icon = QLabel()
        self._icon.setObjectName("bannerIcon")
        self._text = QLabel()
        self._text.setObjectName("bannerText")
        self._text.setWordWrap(True)
        self._text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self._close = QPushButton("Dismiss (Esc)")
        self._close.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self._close.clicked.connect(self.clear)
        layout.addWidget(self._icon)
        layout.addWidget(self._text, 1)
        layout.addWidget(self._close)
        self.level: Level | None = None
        self._styled: Level | None = None  # the level whose colours are set
        self.hide()

    def show_problem(self, exc: BaseException) -> None:
        self.show_message(*describe(exc))
        if isinstance(exc, SignedOut):  # a page that calls a service itself
            send_to_sign_in(self, exc.message)

    def show_message(self, level: Level, text: str) -> None:
        self.level = level
        self._icon.setText(_ICONS[level])
        self._text.setText(text)
        self.setProperty("level", level.value)
        if self._styled is not level:  # a style sheet re-polishes the banner: only on change
            self._styled = level
            bg, fg = _COLOURS[level]
            self.setStyleSheet(
                f"QWidget#banner {{ background: {bg}; border-radius: 4px; }}"
                f"QLabel {{ background: transparent; color: {fg}; font-weight: bold; }}"
            )
        self.show()

    def text(self) -> str:
        return self._text.text() if self.isVisible() else ""

    def clear(self) -> None:
        self.level = None
        self._text.clear()
        self.hide()
