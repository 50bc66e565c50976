"""The status bar's printer: ready, N queued, or offline while the last try failed."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from app.clock import FixedClock
from app.domain.enums import PrintJobStatus
from app.services.demo_data import DemoSummary
from app.services.printing import PrintService
from tests.helpers.rmas import rma_where
from tests.integration.conftest import user_named


def test_printer_state_follows_the_queue(demo: DemoSummary,
                                         session_factory: sessionmaker[Session],
                                         clock: FixedClock, tmp_path: Path) -> None:
    sf = session_factory
    ines = user_named(sf, "ines")
    number, _ = rma_where(sf)
    off = PrintService(sf, clock, "BENCH-P", "tcp:127.0.0.1:9")  # nothing listens there
    assert off.state().words() == "Printer 127.0.0.1:9: ready"
    outcome = off.print_label(number, 1, "item", ines)
    assert outcome.status is PrintJobStatus.FAILED
    state = off.state()
    assert state.offline and state.waiting == 1 and state.problem
    assert state.words().startswith("⚠ Printer 127.0.0.1:9: OFFLINE, 1 waiting")
    back = PrintService(sf, clock, "BENCH-P", f"file:{tmp_path}")
    assert back.retry_queued() == 1
    assert back.state().words() == f"Printer {tmp_path.name}: ready"
