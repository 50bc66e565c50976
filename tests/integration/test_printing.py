"""Labels printed for real and read back: every kind in PDF (through poppler at the
printer's resolution) and ZPL (through zplkit) decodes to the exact text; jobs go through
a real CUPS queue (cups-pdf) and a raw TCP 9100 listener; a printer that is off keeps the
job queued until it is back."""

from __future__ import annotations

import datetime as dt
import socket
import subprocess
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.clock import FixedClock
from app.domain.enums import PrintJobStatus, RequestedResolution
from app.errors import BadInput
from app.services.demo_data import DemoSummary
from app.services.printing import PrintService
from models import ReturnAuthorization, ReturnItem
from tests.conftest import IN_CI
from tests.helpers.cups import CupsUnavailable, ensure_queue, wait_for_output
from tests.helpers.readback import decode_pdf, decode_zpl
from tests.integration.conftest import user_named


@pytest.fixture
def exchange_rma(demo: DemoSummary, session_factory: sessionmaker[Session]) -> str:
    with session_factory() as s:
        item = s.scalars(select(ReturnItem).order_by(ReturnItem.id)).first()
        assert item is not None
        item.requested = RequestedResolution.EXCHANGE
        item.exchange_size = "8"
        number = s.get(ReturnAuthorization, item.rma_id).number  # type: ignore[union-attr]
        s.commit()
        return number


def _service(sf: sessionmaker[Session], clock: FixedClock, spec: str) -> PrintService:
    return PrintService(sf, clock, "PRINT-BENCH", spec)


@pytest.mark.parametrize("dpi", [203, 300])
@pytest.mark.parametrize("kind", ["item", "tag", "exchange", "return"])
def test_every_label_kind_round_trips_in_pdf_and_zpl(
        kind: str, dpi: int, exchange_rma: str, session_factory: sessionmaker[Session],
        clock: FixedClock, tmp_path: Path) -> None:
    service = _service(session_factory, clock, f"file:{tmp_path}")
    data = service.label_data(exchange_rma, 1)
    expected = {"item": [data.plate, data.plate], "tag": [data.plate],
                "exchange": sorted([data.exchange_sku or "", data.rma_number]),
                "return": sorted([data.plate, data.rma_number])}[kind]
    pdf = service.render(exchange_rma, 1, kind, "pdf", dpi)
    assert decode_pdf(pdf, dpi, tmp_path) == expected
    zpl = service.render(exchange_rma, 1, kind, "zpl", dpi)
    size = (round(2.25 * dpi), round(1.25 * dpi)) if kind == "tag" else (4 * dpi, 6 * dpi)
    assert decode_zpl(zpl, dpi, *size) == expected


def test_exchange_ticket_needs_an_exchange(demo: DemoSummary,
                                           session_factory: sessionmaker[Session],
                                           clock: FixedClock, tmp_path: Path) -> None:
    with session_factory() as s:
        item = s.scalars(select(ReturnItem).where(ReturnItem.exchange_size.is_(None))
                         .order_by(ReturnItem.id)).first()
        assert item is not None
        number, unit = s.get(ReturnAuthorization, item.rma_id).number, item.unit_no  # type: ignore[union-attr]
    with pytest.raises(BadInput, match="no exchange to pick"):
        _service(session_factory, clock, f"file:{tmp_path}").render(number, unit, "exchange",
                                                                    "pdf")


@pytest.fixture(scope="session")
def cups_queue() -> str:
    try:
        return ensure_queue()
    except CupsUnavailable as exc:
        if IN_CI:
            pytest.fail(f"CUPS with cups-pdf is required under CI=true: {exc}", pytrace=False)
        pytest.skip(f"CUPS not available: {exc}")


def test_label_through_the_real_cups_queue(cups_queue: str, exchange_rma: str,
                                           session_factory: sessionmaker[Session],
                                           clock: FixedClock, tmp_path: Path) -> None:
    service = _service(session_factory, clock, f"cups:{cups_queue}")
    # A unique RMA-like title lets us find this job's file among cups-pdf's outputs.
    started = time.time()
    outcome = service.print_label(exchange_rma, 1, "item", user_named(session_factory, "ines"))
    assert outcome.status is PrintJobStatus.SENT, outcome.message
    printed = wait_for_output(f"item-{exchange_rma}-1", since=started)
    info = subprocess.run(["pdfinfo", str(printed)], capture_output=True, text=True).stdout
    assert "288 x 432 pts" in info  # 4 x 6 in kept through the queue
    plate = service.label_data(exchange_rma, 1).plate
    assert decode_pdf(printed.read_bytes(), 203, tmp_path) == [plate, plate]
    printed.unlink()


class Listener:
    """A raw 9100 printer on loopback: accepts connections, keeps what it receives."""

    def __init__(self, port: int = 0) -> None:
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", port))
        self.sock.listen(4)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.jobs: list[bytes] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            with conn:
                conn.settimeout(5)
                chunks = []
                while data := conn.recv(65536):
                    chunks.append(data)
                self.jobs.append(b"".join(chunks))

    def close(self) -> None:
        self._stop.set()
        self._thread.join(5)
        self.sock.close()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_thermal_printer_on_tcp_9100_and_offline_queueing(
        exchange_rma: str, session_factory: sessionmaker[Session], clock: FixedClock) -> None:
    port = _free_port()  # nothing listens yet: the printer is off
    service = _service(session_factory, clock, f"tcp:127.0.0.1:{port}")
    ines = user_named(session_factory, "ines")
    first = service.print_label(exchange_rma, 1, "item", ines)
    assert first.status is PrintJobStatus.FAILED
    assert "offline" in first.message and "queued" in first.message
    second = service.print_label(exchange_rma, 1, "return", ines)
    assert second.status is PrintJobStatus.FAILED
    assert service.retry_queued() == 0  # still off: nothing sent, nothing lost
    history = service.history()
    assert [j.status for j in history] == [PrintJobStatus.FAILED, PrintJobStatus.FAILED]
    # The retry stops at the first job that fails: the oldest was tried twice, the next once.
    assert [j.attempts for j in history] == [1, 2]
    # The history says which RMA and item each job was, so the right one is reprinted.
    assert [j.title for j in history] == [f"{exchange_rma} item 1"] * 2
    assert [j.label for j in history] == ["return slip", "item label"]  # which label each

    printer = Listener(port)  # the printer comes back
    try:
        clock.advance(dt.timedelta(minutes=1))
        assert service.retry_queued() == 2
        deadline = dt.datetime.now() + dt.timedelta(seconds=5)
        while len(printer.jobs) < 2 and dt.datetime.now() < deadline:
            threading.Event().wait(0.05)
        assert len(printer.jobs) == 2
        plate = service.label_data(exchange_rma, 1).plate
        assert decode_zpl(printer.jobs[0], 203, 812, 1218) == [plate, plate]
        assert [j.status for j in service.history()] == [PrintJobStatus.SENT] * 2
        again = service.reprint(history[-1].id, ines)
        assert again.status is PrintJobStatus.SENT
        deadline = dt.datetime.now() + dt.timedelta(seconds=5)
        while len(printer.jobs) < 3 and dt.datetime.now() < deadline:
            threading.Event().wait(0.05)
        assert printer.jobs[2] == printer.jobs[0]
    finally:
        printer.close()


def test_a_replacement_gets_its_pick_ticket_in_its_own_size(
        demo: DemoSummary, session_factory: sessionmaker[Session], clock: FixedClock,
        tmp_path: Path) -> None:
    """A claim's replacement ships the same dress again: the plan prints the item label
    and a pick ticket for the same SKU, and the ticket decodes back to that SKU."""
    from app.domain.enums import DamageCause, DamageSeverity, Grade, Resolution, ReturnReason
    from app.services.decisions import DecisionService, InspectionInput
    from app.services.labels_plan import labels_for
    from tests.helpers.photos import scene
    from tests.helpers.rmas import rma_where

    assert labels_for(None, Resolution.REPLACEMENT, None) == ["item", "exchange"]
    assert labels_for(None, Resolution.EXCHANGE, None) == ["item"]  # nothing to pick
    number, _ = rma_where(session_factory, reason=ReturnReason.QUALITY_DEFECT,
                          requested=RequestedResolution.REPLACEMENT)
    from app.camera.photostore import PhotoStore
    from app.services.inspection import InspectionService
    with session_factory() as s:  # delivered last week: inside the claim window
        rma = s.scalars(select(ReturnAuthorization)
                        .where(ReturnAuthorization.number == number)).one()
        rma.order.delivered_on = clock.now().date() - dt.timedelta(days=7)
        rma.shipped_by_customer_on = None
        s.commit()
    ines = user_named(session_factory, "ines")
    photos = InspectionService(session_factory, clock, "BENCH", PhotoStore(tmp_path / "p"))
    form = InspectionInput(grade=Grade.C, matches_order=True,
                           damage_severity=DamageSeverity.MODERATE,
                           damage_cause=DamageCause.MANUFACTURING)
    photos.save_draft(number, 1, form, ines)
    for seed in (71, 72):
        photos.add_photo(number, 1, scene(seed), ines)
    decisions = DecisionService(session_factory, clock, "BENCH")
    accepted = decisions.accept(number, {1: form}, ines)
    assert accepted.view.units[0].resolution is Resolution.REPLACEMENT, accepted.view.trace
    assert accepted.labels == ((1, "item"), (1, "exchange"))
    service = _service(session_factory, clock, f"file:{tmp_path}")
    data = service.label_data(number, 1)
    assert data.exchange_sku == data.sku and data.exchange_size == data.size
    pdf = service.render(number, 1, "exchange", "pdf", 203)
    assert decode_pdf(pdf, 203, tmp_path) == sorted([data.sku, number])
