"""Sign-in: pick your name, type your PIN, Enter. Keyboard first, no dialogs."""

from __future__ import annotations

import re

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

from app.bench.desks import SignInDesk
from app.bench.types import SignedInUser, badge_user_id
from app.errors import ReturnBenchError
from ui.banner import Banner, Level
from ui.ops import BackgroundOp

# A badge scan at the end of what was typed (after any stray keys), whole or so far.
BADGE_END = re.compile(r"USER-\d{6}$")
BADGE_SO_FAR = re.compile(r"USER-\d{0,6}$")


class PinField(QLineEdit):
    """The PIN: digits only. A letter typed here picks the name starting with it (the
    cursor stays in the PIN field), so nobody types a PIN into someone else's tries. A
    badge scanned here (`USER-000003`, then Enter) picks its name: its digits never
    reach the PIN and its Enter tries nobody."""

    letter = Signal(str)
    badge = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._typed = ""  # every printable key since the last Enter: is it a badge?

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            found = BADGE_END.search(self._typed.upper())
            self._typed = ""
            if found and badge_user_id(found.group()) is not None:
                self.clear()
                self.badge.emit(found.group())
                return
            super().keyPressEvent(event)
            return
        if event.key() == Qt.Key.Key_Backspace:
            self._typed = self._typed[:-1]
        text = event.text()
        if text and text.isprintable():
            self._typed = (self._typed + text)[-40:]
        if text and text.isalpha():
            self.letter.emit(text)
            return
        if text and text.isprintable() and not text.isdigit():
            return
        if text and BADGE_SO_FAR.search(self._typed.upper()):
            return  # a badge's digits are no PIN
        super().keyPressEvent(event)

    def forget(self) -> None:
        self._typed = ""
        self.clear()


class SignInPage(QWidget):
    signed_in = Signal(object)  # SignedInUser
    tried = Signal()  # a sign-in was tried and answered (signed in, or why not)

    def __init__(self, auth: SignInDesk, station: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._auth = auth
        self.checking = False  # a PIN is being checked
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
        self.pin.badge.connect(self.badge_scanned)
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
        self.pin.forget()
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

    def badge_scanned(self, code: str) -> None:
        """A badge picks its name; the PIN is still typed. Nothing is tried."""
        try:
            choice = self._auth.badge_user(code)
            self.select_user(choice.username)
        except KeyError:
            self.users.setCurrentRow(-1)
            self.banner.show_message(Level.ERROR, "This badge's user is not in the list: "
                                     "pick your name.")
        except ReturnBenchError as exc:
            self.users.setCurrentRow(-1)
            self.banner.show_problem(exc)
        else:
            self.banner.show_message(Level.OK, f"Badge: {choice.display_name}. Type your "
                                     "PIN, then Enter.")
        self.pin.forget()
        self.pin.setFocus()

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
        """The PIN is checked off the UI thread (its hash is slow on purpose, and the
        database may be a network away); the page waits meanwhile, Enter again is
        ignored. `tried` says it is done either way."""
        item = self.users.currentItem()
        if self.checking:
            return
        if item is None or self.users.currentRow() < 0:
            self.pin.clear()
            self.banner.show_message(Level.ERROR, "Pick your name first (↑ ↓, or type its "
                                     "first letter), then your PIN. Nothing was tried.")
            self.tried.emit()
            return
        username, pin, auth = item.data(Qt.ItemDataRole.UserRole), self.pin.text(), \
            self._auth
        self.checking = True
        self.pin.clear()
        BackgroundOp(lambda: auth.sign_in(username, pin), self._signed_in, self._refused,
                     parent=self).start()

    def _signed_in(self, user: SignedInUser) -> None:
        self.checking = False
        self.banner.clear()
        self.signed_in.emit(user)
        self.tried.emit()

    def _refused(self, exc: BaseException) -> None:
        self.checking = False
        self.banner.show_problem(exc)
        self.pin.setFocus()
        self.tried.emit()
