"""Settings: the returns policy for everyone; users for admins."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QTabWidget, QVBoxLayout, QWidget

from app.bench.desks import PrinterDesk, UsersDesk
from app.bench.types import SignedInUser
from app.permissions import Action, allowed
from ui.policy_view import PolicyView
from ui.printer_view import PrinterView
from ui.users_view import UsersView


class SettingsPage(QWidget):
    def __init__(self, users: UsersDesk, printing: PrinterDesk, user: SignedInUser,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        title = QLabel("Settings")
        title.setObjectName("headline")
        layout.addWidget(title)
        self.tabs = QTabWidget()
        self.policy = PolicyView()
        self.tabs.addTab(self.policy, "Returns policy")
        self.printer = PrinterView(printing, user)
        self.tabs.addTab(self.printer, "Printer")
        self.users: UsersView | None = None
        if allowed(user.role, Action.MANAGE_USERS):
            self.users = UsersView(users)
            self.tabs.addTab(self.users, "Users")
        layout.addWidget(self.tabs, 1)
