"""The home screen: one big scan field that always has focus, and what the scan found."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import QApplication, QLabel, QLineEdit, QVBoxLayout, QWidget

from app.errors import ReturnBenchError, user_message
from app.services.lookup import LookupService, ReturnView
from ui.banner import Banner, Level
from ui.return_card import ReturnCard


class ReceivePage(QWidget):
    found = Signal(object)  # ReturnView
    not_found = Signal(str)

    def __init__(self, lookup: LookupService, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._lookup = lookup
        layout = QVBoxLayout(self)
        prompt = QLabel("Scan the parcel's label, or type an RMA, order or tracking number")
        prompt.setObjectName("prompt")
        self.scan = QLineEdit()
        self.scan.setObjectName("scanField")
        self.scan.setPlaceholderText("Scan or type, then Enter")
        self.scan.setClearButtonEnabled(True)
        self.banner = Banner()
        self.card = ReturnCard()
        self.empty = QLabel("Ready for the next parcel.")
        self.empty.setObjectName("emptyState")
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(prompt)
        layout.addWidget(self.scan)
        layout.addWidget(self.banner)
        layout.addWidget(self.empty, 1)
        layout.addWidget(self.card, 1)
        self.scan.returnPressed.connect(self.submit)
        self._flash_timer = QTimer(self)
        self._flash_timer.setSingleShot(True)
        self._flash_timer.timeout.connect(lambda: self._flash(""))

    def show_outcome(self, message: str, needs_attention: bool) -> None:
        """Back from Inspect: say what was decided and refresh the parcel shown."""
        self.banner.show_message(Level.WARN if needs_attention else Level.OK, message)
        if self.card.view is not None:
            code = self.card.view.rma_number or self.card.view.order_number
            try:
                self.card.show_return(self._lookup.find_return(code))
            except ReturnBenchError as exc:
                self.banner.show_message(Level.ERROR, user_message(exc))
        self.focus_scan()

    def focus_scan(self) -> None:
        self.scan.setFocus()
        self.scan.selectAll()

    def submit(self) -> None:
        code = self.scan.text()
        try:
            view: ReturnView = self._lookup.find_return(code)
        except ReturnBenchError as exc:
            message = user_message(exc)
            self.banner.show_message(Level.ERROR, message)
            self._flash("bad")
            QApplication.beep()
            self.not_found.emit(message)
        else:
            self.banner.clear()
            self.empty.hide()
            self.card.show_return(view)
            self._flash("good")
            self.found.emit(view)
        self.focus_scan()

    def _flash(self, state: str) -> None:
        self.scan.setProperty("flash", state)
        self.scan.style().unpolish(self.scan)
        self.scan.style().polish(self.scan)
        if state:
            self._flash_timer.start(600)
