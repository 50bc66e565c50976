"""Settings, printer: this station's label printer (a system queue, a network thermal
printer, or a folder), a test print, and the print history with reprint."""

from __future__ import annotations

from PySide6.QtCore import QTimer, Signal
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

from app.bench.desks import PrinterDesk
from app.bench.types import JobView, PrintOutcome, SignedInUser
from app.domain.enums import PrintJobStatus
from app.errors import ReturnBenchError
from app.permissions import Action, allowed
from ui.banner import Banner, Level
from ui.ops import BackgroundOp
from ui.tables import fill, read_only_table, selected

RETRY_MS = 30_000


class PrinterView(QWidget):
    shown = Signal()  # the printer and its history painted

    def __init__(self, printing: PrinterDesk, user: SignedInUser,
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
        self.queues.addItem("— system printers —", "")  # asked of CUPS when first shown
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

    def showEvent(self, event) -> None:  # type: ignore[no-untyped-def]
        super().showEvent(event)
        if self.queues.count() == 1:  # the system's print queues, once someone looks
            for info in QPrinterInfo.availablePrinters():
                self.queues.addItem(info.printerName(), f"cups:{info.printerName()}")

    def refresh(self) -> None:
        """This station's printer and print history, read off the UI thread."""
        BackgroundOp(self._printing.state, self._show, self.banner.show_problem,
                     parent=self).start()

    def _show(self, read: tuple[str, list[JobView]]) -> None:
        spec, self.jobs = read
        self.current.setText(f"This station prints to: {spec}")
        fill(self.table, [(f"#{j.id}", j.created_at.astimezone().strftime("%b %d %H:%M"),
                           j.title, f"{j.label} ({j.format})",
                           j.printer.rsplit("/", 1)[-1], j.status.value, str(j.attempts),
                           j.last_error or "") for j in self.jobs])
        self.shown.emit()

    def retry_now(self) -> None:
        """The waiting jobs, sent off the UI thread (in the window, through the labels'
        own lane, so they keep their order)."""
        printing = self._printing

        def done(sent: int) -> None:
            waiting = sum(j.status is not PrintJobStatus.SENT for j in self.jobs)
            if sent:
                self.banner.show_message(Level.OK, f"{sent} waiting label(s) printed.")
            elif waiting and self.isVisible():
                self.banner.show_message(Level.WARN, f"{waiting} label(s) still wait for "
                                         "the printer; they print as soon as it is back.")
            self.refresh()

        BackgroundOp(printing.retry_queued, done, self.banner.show_problem, parent=self,
                     lane="printer").start()

    def _queue_chosen(self, _index: int) -> None:
        if self.queues.currentData():
            self.spec.setText(self.queues.currentData())

    def _save(self) -> None:
        try:
            name = self._printing.set_printer(self.spec.text().strip())
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
        printing, job_id = self._printing, job.id

        def done(outcome: PrintOutcome) -> None:
            level = Level.OK if outcome.status is PrintJobStatus.SENT else Level.WARN
            self.banner.show_message(level, outcome.message)
            self.refresh()

        # Off the UI thread the job is sent there and then: its outcome is this page's.
        BackgroundOp(lambda: printing.reprint(job_id), done,
                     self.banner.show_problem, parent=self, lane="printer").start()
