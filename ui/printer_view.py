"""Settings, printer: this station's label printer (a system queue, a network thermal
printer, or a folder), a test print, and the print history with reprint."""

from __future__ import annotations

from PySide6.QtCore import QTimer
from PySide6.QtPrintSupport import QPrinterInfo
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.domain.enums import PrintJobStatus
from app.errors import ReturnBenchError
from app.permissions import Action, allowed
from app.services.auth import SignedInUser
from app.services.printing import JobView, PrintService
from ui.banner import Banner, Level
from ui.tables import fill, read_only_table, selected

RETRY_MS = 30_000


class PrinterView(QWidget):
    def __init__(self, printing: PrintService, user: SignedInUser,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._printing = printing
        self._user = user
        self.jobs: list[JobView] = []
        layout = QVBoxLayout(self)
        self.banner = Banner()
        self.current = QLabel()
        self.current.setWordWrap(True)
        row = QHBoxLayout()
        self.queues = QComboBox()
        self.queues.addItem("— system printers —", "")
        for info in QPrinterInfo.availablePrinters():
            self.queues.addItem(info.printerName(), f"cups:{info.printerName()}")
        self.spec = QLineEdit()
        self.queues.currentIndexChanged.connect(self._queue_chosen)
        self.spec.setPlaceholderText("cups:QUEUE, tcp:HOST[:PORT] (Zebra, ZPL) or file:FOLDER")
        self.save = QPushButton("Use this printer")
        self.save.clicked.connect(self._save)
        for w in (self.queues, self.spec):
            row.addWidget(w, 1)
        row.addWidget(self.save)
        self.table = read_only_table(("#", "Time", "RMA / item", "Kind", "Printer", "Status",
                                      "Tries", "Problem"), stretch=7,
                                     focusable=True)
        buttons = QHBoxLayout()
        self.retry = QPushButton("Retry waiting jobs")
        self.reprint = QPushButton("Reprint selected")
        self.retry.clicked.connect(self.retry_now)
        self.reprint.clicked.connect(self._reprint)
        buttons.addWidget(self.retry)
        buttons.addWidget(self.reprint)
        buttons.addStretch(1)
        for label in (self.banner, self.current):
            layout.addWidget(label)
        layout.addLayout(row)
        layout.addWidget(QLabel("Print history (this station)"))
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        can_change = allowed(user.role, Action.CHANGE_SETTINGS)
        for control in (self.queues, self.spec, self.save):
            control.setEnabled(can_change)
        self.timer = QTimer(self)  # jobs waiting for a printer that was off go out by themselves
        self.timer.setInterval(RETRY_MS)
        self.timer.timeout.connect(self.retry_now)
        self.timer.start()
        self.refresh()

    def refresh(self) -> None:
        try:
            self.current.setText(f"This station prints to: {self._printing.printer_spec()}")
            self.jobs = self._printing.history()
        except ReturnBenchError as exc:
            self.banner.show_problem(exc)
            return
        fill(self.table, [(f"#{j.id}", j.created_at.astimezone().strftime("%b %d %H:%M"),
                           j.title, f"{j.label} ({j.format})",
                           j.printer.rsplit("/", 1)[-1], j.status.value, str(j.attempts),
                           j.last_error or "") for j in self.jobs])

    def retry_now(self) -> None:
        try:
            sent = self._printing.retry_queued()
        except ReturnBenchError as exc:
            self.banner.show_problem(exc)
            return
        waiting = sum(j.status is not PrintJobStatus.SENT for j in self._printing.history())
        if sent:
            self.banner.show_message(Level.OK, f"{sent} waiting label(s) printed.")
        elif waiting and self.isVisible():
            self.banner.show_message(Level.WARN, f"{waiting} label(s) still wait for the "
                                     "printer; they print as soon as it is back.")
        self.refresh()

    def _queue_chosen(self, _index: int) -> None:
        if self.queues.currentData():
            self.spec.setText(self.queues.currentData())

    def _save(self) -> None:
        try:
            name = self._printing.set_printer(self.spec.text().strip(), self._user)
        except ReturnBenchError as exc:
            self.banner.show_problem(exc)
            return
        self.banner.show_message(Level.OK, f"Labels now print on {name}.")
        self.refresh()

    def _reprint(self) -> None:
        job = selected(self.table, self.jobs)
        if job is None:
            self.banner.show_message(Level.WARN, "Pick a job in the history first.")
            return
        try:
            outcome = self._printing.reprint(job.id, self._user)
        except ReturnBenchError as exc:
            self.banner.show_problem(exc)
            return
        level = Level.OK if outcome.status is PrintJobStatus.SENT else Level.WARN
        self.banner.show_message(level, outcome.message)
        self.refresh()
