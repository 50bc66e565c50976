"""The bench session: one bench's state (who is signed in, the open parcel, the forms being
filled, the work kept while the database is away) and its inputs (a scan, a mark, an edit,
accept, an exception, an answer). Each input returns a `Screen`: what to show, which sound
and what was printed. The window renders it and forwards input; `main.py replay` and the
tests drive the same session without Qt."""

from app.bench.core import ToteDue
from app.bench.ports import BenchServices, OfflinePort
from app.bench.qa_desk import GRADE_BY_KEY, QaDesk
from app.bench.screen import ERROR, OK, WARN, Screen, slot_words
from app.bench.session import BenchSession

__all__ = ["ERROR", "GRADE_BY_KEY", "OK", "WARN", "BenchServices", "BenchSession",
           "OfflinePort", "QaDesk", "Screen", "ToteDue", "slot_words"]
