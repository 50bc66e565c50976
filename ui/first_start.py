"""The first start of an empty database, in one screen: explore with demo data (Enter,
then the word DEMO typed), or set up this warehouse by creating its first admin (F2).
Nothing else ever loads demo data, so a database made for real work never holds the
published demo PINs: while the admin form is open the demo is not one key away (its
button is off), Esc only ever dismisses a message, and F3 goes back to the choice."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFormLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.bench.desks import UsersDesk
from app.errors import BadInput, ReturnBenchError, user_message
from ui import ops
from ui.banner import Banner, Level

Progress = Callable[[int, int], None]


class FirstStartPage(QWidget):
    done = Signal(str)  # "demo" or the first admin's user name

    def __init__(self, load_demo: Callable[[Progress], None], users: UsersDesk,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("firstStart")
        self._load_demo = load_demo
        self._users = users
        self._setting_up = False  # the admin form is open
        self._creating: ops.BackgroundOp[str] | None = None  # the admin being made
        self._finished = False  # demo loaded or admin made: this page is done
        self._loading: ops.BackgroundOp[None] | None = None
        outer = QVBoxLayout(self)
        outer.setAlignment(Qt.AlignmentFlag.AlignCenter)
        box = QWidget()
        box.setObjectName("signInBox")
        box.setMaximumWidth(640)
        layout = QVBoxLayout(box)
        title = QLabel("ReturnBench: this database is empty")
        title.setObjectName("title")
        title.setWordWrap(True)
        self.demo_button = QPushButton("Explore with demo data  (Enter, then type DEMO)")
        self.demo_button.setObjectName("primary")
        self.demo_button.setDefault(True)
        demo_words = QLabel("Made-up customers, orders and returns, 60 days of the bench's "
                            "work (decisions, photos, approvals, claims, reports), and five "
                            "demo users whose PINs are published in the README. For trying "
                            "the app and training; never for real work.")
        demo_words.setWordWrap(True)
        self.demo_words = demo_words
        self.setup_button = QPushButton("Set up this warehouse: create the first admin  (F2)")
        setup_words = QLabel("For real work. Nobody else is in the database until this admin "
                             "adds them in Settings, Users.")
        setup_words.setWordWrap(True)
        self.setup_words = setup_words
        self.form = QWidget()
        form = QFormLayout(self.form)
        self.username = QLineEdit()
        self.username.setObjectName("adminUsername")
        self.username.setPlaceholderText("e.g. jordan")
        self.display_name = QLineEdit()
        self.display_name.setObjectName("adminName")
        self.display_name.setPlaceholderText("e.g. Jordan Reyes")
        self.pin = QLineEdit()
        self.pin.setObjectName("adminPin")
        self.pin.setEchoMode(QLineEdit.EchoMode.Password)
        self.pin.setPlaceholderText("6 to 12 digits")
        self.pin_again = QLineEdit()
        self.pin_again.setObjectName("adminPinAgain")
        self.pin_again.setEchoMode(QLineEdit.EchoMode.Password)
        self.create_button = QPushButton("Create the admin  (Enter)")
        self.create_button.setObjectName("primary")
        self.back_button = QPushButton("Back to the choice  (F3)")
        form.addRow("User name", self.username)
        form.addRow("Name on screen", self.display_name)
        form.addRow("PIN", self.pin)
        form.addRow("PIN again", self.pin_again)
        form.addRow("", self.create_button)
        form.addRow("", self.back_button)
        self.form.setVisible(False)
        # Loading the demo asks for the word typed: one Enter too many never does it.
        self.confirm = QWidget()
        confirm = QVBoxLayout(self.confirm)
        confirm.setContentsMargins(0, 0, 0, 0)
        question = QLabel("Load the demo users, whose PINs are published, into this "
                          "database? Type <b>DEMO</b> and press Enter; F3 goes back.")
        question.setWordWrap(True)
        self.demo_word = QLineEdit()
        self.demo_word.setObjectName("demoWord")
        self.demo_word.setPlaceholderText("DEMO")
        confirm.addWidget(question)
        confirm.addWidget(self.demo_word)
        self.confirm.setVisible(False)
        self.banner = Banner()
        self.progress = QProgressBar()
        self.progress.setObjectName("demoProgress")
        self.progress.setRange(0, 100)
        self.progress.setTextVisible(False)
        self.progress.setVisible(False)
        for w in (title, self.demo_button, demo_words, self.confirm, self.setup_button,
                  setup_words, self.form, self.banner, self.progress):
            layout.addWidget(w)
        outer.addWidget(box)
        self.demo_button.clicked.connect(self.ask_demo)
        self.setup_button.clicked.connect(self.show_setup)
        self.create_button.clicked.connect(self.create_admin)
        self.back_button.clicked.connect(self.back)
        self.demo_word.returnPressed.connect(self._demo_word_entered)
        for field in (self.username, self.display_name, self.pin, self.pin_again):
            field.returnPressed.connect(self.create_admin)

    def showEvent(self, event) -> None:  # type: ignore[no-untyped-def]
        super().showEvent(event)
        self.setFocus()

    def keyPressEvent(self, event) -> None:  # type: ignore[no-untyped-def]
        if self._finished or self._loading is not None or self._creating is not None:
            return  # the rest of the key that finished the page (its Enter), or working
        key = event.key()
        if key == Qt.Key.Key_Escape:  # only ever dismisses a message
            self.banner.clear()
            return
        if key == Qt.Key.Key_F3:
            self.back()
            return
        if self._setting_up or self.confirm.isVisible():
            super().keyPressEvent(event)
            return
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.ask_demo()
            return
        if key == Qt.Key.Key_F2:
            self.show_setup()
            return
        super().keyPressEvent(event)

    def show_setup(self) -> None:
        """The admin form; the demo's button is off while it is open."""
        self.confirm.setVisible(False)
        self._setting_up = True
        self.demo_button.setEnabled(False)
        self.demo_button.setDefault(False)
        self.demo_words.setVisible(False)  # room for the form at 1366x768
        self.form.setVisible(True)
        self.username.setFocus()

    def ask_demo(self) -> None:
        """The demo asks for the word DEMO typed before it loads anything."""
        if self._setting_up or self._finished or self._loading is not None:
            return
        self.demo_word.clear()
        self.setup_words.setVisible(False)  # room for the question at 1366x768
        self.confirm.setVisible(True)
        self.demo_word.setFocus()

    def back(self) -> None:
        """Back to the choice (F3): the form or the demo's question closes, nothing made."""
        if self._loading is not None or self._creating is not None or self._finished:
            return
        self._setting_up = False
        self.form.setVisible(False)
        self.confirm.setVisible(False)
        self.demo_button.setEnabled(True)
        self.demo_button.setDefault(True)
        self.demo_words.setVisible(True)
        self.setup_words.setVisible(True)
        self.banner.clear()
        self.setFocus()

    def _demo_word_entered(self) -> None:
        if self.demo_word.text().strip().upper() != "DEMO":
            self.banner.show_message(Level.WARN, "Type DEMO to load the demo data, or press "
                                     "F3 to go back. Nothing was loaded.")
            self.demo_word.selectAll()
            return
        self.confirm.setVisible(False)
        self.setFocus()
        self.explore()

    def explore(self) -> None:
        """Load the demo and play its 60 days of history (some seconds, once, at the
        first start) off the UI thread (ui/ops.py): the screen shows how far it is and
        stays drawn; its keys wait until it is done."""
        if self._finished or self._loading is not None:
            return
        self.banner.show_message(Level.WARN, "Loading demo data: 60 days of returns at "
                                 "three benches (about half a minute)…")
        self.demo_button.setEnabled(False)
        self.setup_button.setEnabled(False)
        self.progress.setValue(0)
        self.progress.setVisible(True)
        progress = ops.Progress(self)
        progress.changed.connect(self._show_progress)
        load = self._load_demo
        self._loading = ops.BackgroundOp(lambda: load(progress.report), self._demo_loaded,
                                         self._demo_failed, parent=self,
                                         progress=progress).start()

    def _show_progress(self, done: int, of: int) -> None:
        self.progress.setMaximum(of)
        self.progress.setValue(done)

    def _demo_failed(self, exc: BaseException) -> None:
        self._loading = None
        self.progress.setVisible(False)
        self.demo_button.setEnabled(True)
        self.setup_button.setEnabled(True)
        self.banner.show_message(Level.ERROR, user_message(exc) if isinstance(
            exc, ReturnBenchError) else f"Loading the demo data failed ({exc}). Start again "
            "with a new, empty database.")

    def _demo_loaded(self, _done: None) -> None:
        self._loading = None
        self.progress.setVisible(False)
        self._finish("demo")

    def create_admin(self) -> None:
        """The first admin, made off the UI thread (its PIN's hash takes a moment); the
        form stays, greyed, until then."""
        if self._finished or self._loading is not None or self._creating is not None:
            return  # the demo is loading (or the page is done): no admin beside it
        if self.pin.text() != self.pin_again.text():
            self._refused(BadInput("The two PINs differ: type the same PIN twice."))
            return
        users = self._users
        username, name, pin = self.username.text(), self.display_name.text(), self.pin.text()
        self.form.setEnabled(False)
        self._creating = ops.BackgroundOp(
            lambda: users.create_first_admin(username, name, pin).username,
            self._admin_made, self._refused, parent=self).start()

    def _admin_made(self, username: str) -> None:
        self._creating = None
        self.form.setEnabled(True)
        self._finish(username)

    def _refused(self, exc: BaseException) -> None:
        self._creating = None
        self.form.setEnabled(True)
        self.pin.clear()
        self.pin_again.clear()
        words = str(exc)  # the field the refusal is about takes the cursor
        (self.username if words.startswith("User name") else
         self.display_name if words.startswith("Name") else self.pin).setFocus()
        self.banner.show_problem(exc)

    def _finish(self, outcome: str) -> None:
        self._finished = True
        self.done.emit(outcome)
