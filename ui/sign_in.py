"""Sign-in: pick your name, type your PIN, Enter. Keyboard first, no dialogs."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
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
        self.pin = QLineEdit()
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
        self.button.clicked.connect(self.submit)
        self.users.itemClicked.connect(lambda _item: self.pin.setFocus())
        self.reload()

    def reload(self) -> None:
        self.users.clear()
        for choice in self._auth.users():
            item = QListWidgetItem(f"{choice.display_name}  ·  {choice.role.value}")
            item.setData(Qt.ItemDataRole.UserRole, choice.username)
            self.users.addItem(item)
        if self.users.count():
            self.users.setCurrentRow(0)
        self.pin.clear()
        self.pin.setFocus()

    def showEvent(self, event) -> None:  # type: ignore[no-untyped-def]
        super().showEvent(event)
        self.pin.setFocus()

    def keyPressEvent(self, event) -> None:  # type: ignore[no-untyped-def]
        # Arrow keys pick the user while the PIN field keeps focus.
        if event.key() in (Qt.Key.Key_Up, Qt.Key.Key_Down):
            step = -1 if event.key() == Qt.Key.Key_Up else 1
            row = max(0, min(self.users.count() - 1, self.users.currentRow() + step))
            self.users.setCurrentRow(row)
            return
        super().keyPressEvent(event)

    def select_user(self, username: str) -> None:
        for row in range(self.users.count()):
            if self.users.item(row).data(Qt.ItemDataRole.UserRole) == username:
                self.users.setCurrentRow(row)
                return
        raise KeyError(username)

    def submit(self) -> None:
        item = self.users.currentItem()
        if item is None:
            self.banner.show_message(Level.ERROR, "Pick your name from the list first.")
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
