"""Sign-in: pick your name, type your PIN, Enter. Keyboard first, no dialogs."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.errors import ReturnBenchError
from app.services.auth import AuthService, SignedInUser
from ui.banner import Banner, Level


class PinField(QLineEdit):
    """The PIN: digits only. A letter typed here picks the name starting with it (the
    cursor stays in the PIN field), so nobody types a PIN into someone else's tries."""

    letter = Signal(str)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        text = event.text()
        if text and text.isalpha():
            self.letter.emit(text)
            return
        if text and text.isprintable() and not text.isdigit():
            return
        super().keyPressEvent(event)


class SignInPage(QWidget):
    signed_in = Signal(object)  # SignedInUser

    def __init__(self, auth: AuthService, station: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._auth = auth
        self.setObjectName("signIn")
        outer = QVBoxLayout(self)
        outer.setAlignment(Qt.AlignmentFlag.AlignCenter)
        box = QWidget()
        box.setObjectName("signInBox")
        box.setMaximumWidth(520)
        layout = QVBoxLayout(box)
        title = QLabel("ReturnBench")
        title.setObjectName("title")
        subtitle = QLabel(f"Station {station}: sign in")
        subtitle.setObjectName("subtitle")
        self.users = QListWidget()
        self.users.setObjectName("userList")
        # The PIN field keeps the focus; arrow keys move the selection (keyPressEvent).
        self.users.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.users.setMaximumHeight(300)
        self.pin = PinField()
        self.pin.setObjectName("pin")
        self.pin.setEchoMode(QLineEdit.EchoMode.Password)
        self.pin.setPlaceholderText("PIN, then Enter")
        self.pin.setMaxLength(12)
        self.button = QPushButton("Sign in")
        self.button.setObjectName("primary")
        self.banner = Banner()
        for w in (title, subtitle, QLabel("Who are you? (↑ ↓)"), self.users,
                  QLabel("PIN"), self.pin, self.button, self.banner):
            layout.addWidget(w)
        outer.addWidget(box)
        self.pin.returnPressed.connect(self.submit)
        self.pin.letter.connect(self._find_name)
        self.button.clicked.connect(self.submit)
        self.users.itemClicked.connect(lambda _item: self.pin.setFocus())
        self.reload()

    def reload(self) -> None:
        self.users.clear()
        for choice in self._auth.users():
            item = QListWidgetItem(f"{choice.display_name}  ·  {choice.role.value}")
            item.setData(Qt.ItemDataRole.UserRole, choice.username)
            self.users.addItem(item)
        # Nobody is picked until someone picks a name: a PIN typed first goes nowhere.
        self.users.setCurrentRow(-1)
        self.users.clearSelection()
        self.pin.clear()
        self.pin.setFocus()

    def showEvent(self, event) -> None:  # type: ignore[no-untyped-def]
        super().showEvent(event)
        self.pin.setFocus()

    def keyPressEvent(self, event) -> None:  # type: ignore[no-untyped-def]
        # Arrow keys pick the user while the PIN field keeps focus.
        if event.key() in (Qt.Key.Key_Up, Qt.Key.Key_Down):
            step = -1 if event.key() == Qt.Key.Key_Up else 1
            current = self.users.currentRow()
            row = 0 if current < 0 else max(0, min(self.users.count() - 1, current + step))
            self.users.setCurrentRow(row)
            return
        super().keyPressEvent(event)

    def select_user(self, username: str) -> None:
        for row in range(self.users.count()):
            if self.users.item(row).data(Qt.ItemDataRole.UserRole) == username:
                self.users.setCurrentRow(row)
                return
        raise KeyError(username)

    def _find_name(self, letter: str) -> None:
        """Letters pick the next name that starts with them (typed again: the next one)."""
        count = self.users.count()
        start = self.users.currentRow()
        for step in range(1, count + 1):
            row = (start + step) % count if start >= 0 else step - 1
            item = self.users.item(row)
            if item is not None and item.text().lower().startswith(letter.lower()):
                self.users.setCurrentRow(row)
                return

    def submit(self) -> None:
        item = self.users.currentItem()
        if item is None or self.users.currentRow() < 0:
            self.pin.clear()
            self.banner.show_message(Level.ERROR, "Pick your name first (↑ ↓, or type its "
                                     "first letter), then your PIN. Nothing was tried.")
            return
        username = item.data(Qt.ItemDataRole.UserRole)
        try:
            user: SignedInUser = self._auth.sign_in(username, self.pin.text())
        except ReturnBenchError as exc:
            self.banner.show_problem(exc)
            self.pin.clear()
            self.pin.setFocus()
            return
        self.banner.clear()
        self.pin.clear()
        self.signed_in.emit(user)
