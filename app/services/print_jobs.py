"""What the print queue tells the benches: a job's outcome, the printer's state for the
status bar, the history's rows; and the port through which the window sends labels off
its UI thread (PrintService.send_later)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from app.domain.enums import LabelKind, PrintJobStatus

LABEL_KINDS = ("item", "tag", "exchange", "return", "hold")


@dataclass(frozen=True)
class PrintOutcome:
    job_id: int
    status: PrintJobStatus
    message: str
    pending: bool = False  # stored and handed to `send_later`: on its way to the printer

    @property
    def went_out(self) -> bool:
        """Sent, or on its way (a printer that turns out to be off is said then)."""
        return self.status is PrintJobStatus.SENT or self.pending


# Hands a job's sending to the window's background runner (its outcome, or how many
# waiting jobs went out, comes back to the window there).
SendLater = Callable[[Callable[[], "PrintOutcome | int"]], None]


def _title_words(title: str) -> str:
    """ "item-RMA-2026-000001-1-2" -> "RMA-2026-000001-1 item 2" (reprints as they are)."""
    kind, _, rest = title.partition("-")
    rma, _, unit = rest.rpartition("-")
    if kind in LABEL_KINDS and rma.startswith("RMA-") and unit.isdigit():
        return f"{rma} item {unit}"
    return title


@dataclass(frozen=True)
class PrinterState:
    printer: str
    waiting: int
    offline: bool
    problem: str | None

    def words(self) -> str:
        name = self.printer.split(":", 1)[-1].rsplit("/", 1)[-1] or self.printer
        if self.offline:
            return f"⚠ Printer {name}: OFFLINE, {self.waiting} waiting"
        if self.waiting:
            return f"Printer {name}: {self.waiting} queued"
        return f"Printer {name}: ready"


@dataclass(frozen=True)
class JobView:
    id: int
    kind: LabelKind
    format: str
    printer: str
    status: PrintJobStatus
    attempts: int
    last_error: str | None
    created_at: dt.datetime
    sent_at: dt.datetime | None
    title: str
    label: str = ""  # which label: item, tag, hold, exchange, return (from its title)


LABEL_WORDS = {"item": "item label", "tag": "item tag", "hold": "hold-shelf tag",
               "exchange": "pick ticket", "return": "return slip"}
