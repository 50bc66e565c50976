"""Settings: the returns policy for everyone; users for admins."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QTabWidget, QVBoxLayout, QWidget

from app.permissions import Action, allowed
from app.services.auth import SignedInUser
from app.services.printing import PrintService
from app.services.users import UserService
from ui.policy_view import PolicyView
from ui.printer_view import PrinterView
from ui.users_view import UsersView


class SettingsPage(QWidget):
    def __init__(self, users: UserService, printing: PrintService, user: SignedInUser,
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
            self.users = UsersView(users, user)
            self.tabs.addTab(self.users, "Users")
        layout.addWidget(self.tabs, 1)
