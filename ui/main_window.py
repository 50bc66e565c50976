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

from app.bootstrap import Services
from app.services.auth import SignedInUser
from app.services.authlog import AuthorizationLogService
from app.services.lookup import ReturnView
from ui.approvals_page import ApprovalsPage
from ui.banner import Level
from ui.claims_page import ClaimsPage
from ui.inspect_page import InspectPage
from ui.receive_page import ReceivePage
from ui.settings_page import SettingsPage
from ui.sounds import Sounds

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
    "Reports": "Returns KPIs and exports arrive here with the back-office release.",
}


class Shell(QWidget):
    sign_out_requested = Signal()

    def __init__(self, services: Services, user: SignedInUser, sounds: Sounds,
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
        self.receive = ReceivePage(services.lookup, services.receiving, user, sounds,
                                   services.settings.camera)
        self.inspect = InspectPage(services.decisions, services.approvals, services.auth,
                                   services.printing, services.inspection,
                                   services.holds, services.settings.camera)
        self.settings_page = SettingsPage(services.users, services.printing, user)
        self.claims = ClaimsPage(services.claims, user,
                                 services.settings.data_dir / "documents")
        self.approvals = ApprovalsPage(
            services.approvals,
            AuthorizationLogService(services.session_factory, services.clock,
                                    services.approvals, services.inspection.store),
            user, services.settings.data_dir / "documents")
        self.receive.found.connect(self._parcel_found)
        self.inspect.finished.connect(self._inspection_finished)
        self.current: ReturnView | None = None
        for name, _key in PLACES:
            if name == "Receive":
                page: QWidget = self.receive
            elif name == "Inspect":
                page = self.inspect
            elif name == "Settings":
                page = self.settings_page
            elif name == "Approvals":
                page = self.approvals
            elif name == "Claims":
                page = self.claims
            else:
                label = QLabel(f"{name}\n\n{_COMING[name]}")
                label.setObjectName("comingSoon")
                label.setAlignment(Qt.AlignmentFlag.AlignCenter)
                label.setWordWrap(True)
                page = label
            self.pages.addWidget(page)
        body.addWidget(self.pages, 1)
        self.nav.currentRowChanged.connect(self._go)
        # Application-wide: a bench PC has one window, and without a window manager
        # (kiosk set-ups, Xvfb) the window may never be "active" for window shortcuts.
        app_wide = Qt.ShortcutContext.ApplicationShortcut
        for row, (_name, key) in enumerate(PLACES):
            QShortcut(QKeySequence(key), self, activated=lambda r=row: self.nav.setCurrentRow(r),
                      context=app_wide)
        QShortcut(QKeySequence("Ctrl+Q"), self, activated=self.sign_out_requested.emit,
                  context=app_wide)
        self.nav.setCurrentRow(0)

    def _inspection_finished(self, message: str, needs_attention: bool) -> None:
        self.nav.setCurrentRow(0)
        self.receive.show_outcome(message, needs_attention)

    def _parcel_found(self, view: ReturnView) -> None:
        self.current = view

    def _go(self, row: int) -> None:
        self.pages.setCurrentIndex(row)
        if row == 0:
            self.receive.focus_scan()
        elif self.pages.currentWidget() is self.inspect:
            view = self.current
            if view is not None and view.rma_number and view is not self.inspect.view:
                self.inspect.load(view, self.user)
            elif view is not None and not view.rma_number:
                self.inspect.banner.show_message(
                    Level.WARN, f"Order {view.order_number} has no return authorization: "
                    "nothing to inspect. Hold the parcel or search again.")
            self.inspect.setFocus()
