"""Settings, users (admins only): create users, change roles, reset PINs, deactivate."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from PySide6.QtWidgets import (
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.bench.desks import UsersDesk
from app.bench.types import UserRow
from app.domain.enums import Role
from app.errors import BadInput, ReturnBenchError
from ui.banner import Banner, Level
from ui.tables import fill, read_only_table, selected


class UsersView(QWidget):
    def __init__(self, users: UsersDesk, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._users = users
        self.rows: list[UserRow] = []
        layout = QVBoxLayout(self)
        self.banner = Banner()
        self.table = read_only_table(("User", "Name", "Role", "Active", "Locked"),
                                     focusable=True)
        self.table.itemSelectionChanged.connect(self._fill_form)
        form = QGridLayout()
        self.username = QLineEdit()
        self.username.setPlaceholderText("user name, e.g. nina")
        self.display_name = QLineEdit()
        self.display_name.setPlaceholderText("e.g. Nina Brooks")
        # A new user starts with no role picked (least first when one is): a name typed
        # after clicking another user never takes that user's role.
        self.role = QComboBox()
        self.role.addItem("pick a role", None)
        for role in Role:
            self.role.addItem(role.value, role)
        self.pin = QLineEdit()
        self.pin.setEchoMode(QLineEdit.EchoMode.Password)
        self.pin.setPlaceholderText("4-12 digits")
        self.pin.setToolTip("A PIN is 4 to 12 digits; 6 to 12 for supervisors, managers "
                            "and admins")
        for col, (label, widget) in enumerate((("User", self.username),
                                               ("Name", self.display_name),
                                               ("Role", self.role), ("PIN", self.pin))):
            form.addWidget(QLabel(label), 0, col)
            form.addWidget(widget, 1, col)
        buttons = QHBoxLayout()
        self.create_button = QPushButton("Create user")
        self.change_role = QPushButton("Change role")
        self.reset_pin = QPushButton("Reset PIN (unlocks)")
        self.toggle_active = QPushButton("Deactivate / activate")
        self.unlock = QPushButton("Unlock")
        for b in (self.create_button, self.change_role, self.reset_pin, self.unlock,
                  self.toggle_active):
            buttons.addWidget(b)
        buttons.addStretch(1)
        self.create_button.clicked.connect(self._create)
        self.change_role.clicked.connect(lambda: self._act(
            lambda u: self._users.set_role(u.username, self._picked_role(),
                                           self.pin.text() or None)))
        self.reset_pin.clicked.connect(lambda: self._act(
            lambda u: _then(lambda: self._users.reset_pin(u.username, self.pin.text()),
                            f"{u.username}: PIN reset (and unlocked).")))
        self.unlock.clicked.connect(lambda: self._act(
            lambda u: _then(lambda: self._users.unlock(u.username),
                            f"{u.username}: unlocked.")))
        self.toggle_active.clicked.connect(lambda: self._act(
            lambda u: self._users.set_active(u.username, not u.active)))
        self.username.textEdited.connect(self._new_name)
        layout.addWidget(self.banner)
        layout.addWidget(self.table, 1)
        layout.addLayout(form)
        layout.addLayout(buttons)
        self.refresh()

    def refresh(self) -> None:
        try:
            self.rows = self._users.list_users()
        except ReturnBenchError as exc:
            self.banner.show_problem(exc)
            return
        now = dt.datetime.now(dt.UTC)
        fill(self.table, [
            (u.username, u.display_name, u.role.value, "yes" if u.active else "no",
             u.locked_until.astimezone().strftime("until %H:%M")
             if u.locked_until and u.locked_until > now else "")  # an expired lock is none
            for u in self.rows])

    def selected(self) -> UserRow | None:
        return selected(self.table, self.rows)

    def _fill_form(self) -> None:
        u = self.selected()
        if u is not None:
            self.username.setText(u.username)
            self.display_name.setText(u.display_name)
            self.role.setCurrentIndex(self.role.findData(u.role))
            self.pin.clear()

    def _new_name(self, text: str) -> None:
        """A name typed that is not the selected user's is a new user: no role yet."""
        u = self.selected()
        if u is None or text.strip() != u.username:
            self.role.setCurrentIndex(0)
            if u is not None and self.display_name.text() == u.display_name:
                self.display_name.clear()  # not the clicked user's name either

    def _picked_role(self) -> Role:
        role = self.role.currentData()
        if role is None:
            raise BadInput("Pick a role first (inspector is the least).")
        return Role(role)

    def _create(self) -> None:
        try:
            row = self._users.create_user(self.username.text(),
                                          self.display_name.text(), self._picked_role(),
                                          self.pin.text())
        except ReturnBenchError as exc:
            self.banner.show_problem(exc)
            return
        self.pin.clear()
        self.banner.show_message(Level.OK, f"User {row.username} created.")
        self.refresh()

    def _act(self, action) -> None:  # type: ignore[no-untyped-def]
        """Run an admin's change on the selected user; the sentence it returns (from
        and to) is shown."""
        u = self.selected()
        if u is None:
            self.banner.show_message(Level.WARN, "Pick a user in the table first.")
            return
        try:
            said = action(u)
        except ReturnBenchError as exc:
            self.banner.show_problem(exc)
            return
        self.pin.clear()
        self.banner.show_message(Level.OK, str(said))
        self.refresh()


def _then(do: Callable[[], None], words: str) -> str:
    do()
    return words
