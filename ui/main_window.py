"""The shell after sign-in: places down the side, the current place, a status bar."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from app.services.auth import SignedInUser
from app.services.lookup import LookupService
from ui.receive_page import ReceivePage

# Places and the issue that fills each; a place not built yet says so plainly.
PLACES = (
    ("Receive", "F1"),
    ("Inspect", "F2"),
    ("Claims", "F3"),
    ("Approvals", "F4"),
    ("Reports", "F5"),
    ("Settings", "F6"),
)
_COMING = {
    "Inspect": "Grading, checklist and damage photos arrive here with the inspection release.",
    "Claims": "The damage-claims queue and photo review arrive here with the claims release.",
    "Approvals": "The approvals queue from every bench arrives here with the approvals release.",
    "Reports": "Returns KPIs and exports arrive here with the back-office release.",
    "Settings": "Printer, camera, policy and user settings arrive here in a later release.",
}


class Shell(QWidget):
    sign_out_requested = Signal()

    def __init__(self, lookup: LookupService, user: SignedInUser,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.user = user
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(0)
        body = QHBoxLayout()
        outer.addLayout(body, 1)
        side = QVBoxLayout()
        self.nav = QListWidget()
        self.nav.setObjectName("nav")
        self.nav.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        for name, key in PLACES:
            self.nav.addItem(f"{name}   {key}")
        self.nav.setFixedWidth(210)
        who = QLabel(f"{user.display_name}\n{user.role.value}")
        who.setObjectName("who")
        self.sign_out = QPushButton("Sign out  Ctrl+Q")
        self.sign_out.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.sign_out.clicked.connect(self.sign_out_requested)
        side.addWidget(self.nav, 1)
        side.addWidget(who)
        side.addWidget(self.sign_out)
        body.addLayout(side)

        self.pages = QStackedWidget()
        self.receive = ReceivePage(lookup)
        self.pages.addWidget(self.receive)
        for name, _key in PLACES[1:]:
            page = QLabel(f"{name}\n\n{_COMING[name]}")
            page.setObjectName("comingSoon")
            page.setAlignment(Qt.AlignmentFlag.AlignCenter)
            page.setWordWrap(True)
            self.pages.addWidget(page)
        body.addWidget(self.pages, 1)
        self.nav.currentRowChanged.connect(self._go)
        for row, (_name, key) in enumerate(PLACES):
            QShortcut(QKeySequence(key), self, activated=lambda r=row: self.nav.setCurrentRow(r))
        QShortcut(QKeySequence("Ctrl+Q"), self, activated=self.sign_out_requested.emit)
        QShortcut(QKeySequence("Escape"), self, activated=self.receive.banner.clear)
        self.nav.setCurrentRow(0)

    def _go(self, row: int) -> None:
        self.pages.setCurrentIndex(row)
        if row == 0:
            self.receive.focus_scan()
