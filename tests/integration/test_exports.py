"""Settlement export: decided refunds, credits and exchanges go to the outbox as one JSON
per decision and a CSV per batch, each exactly once: again later, by the very next run
after a write failed (disk full), after a crash between claim and files, and with two
desks exporting at the same instant (PostgreSQL); export records changed by hand stop
the export with the rows named."""

from __future__ import annotations

import csv
import datetime as dt
import json
import threading
from pathlib import Path

import pytest
from sqlalchemy import delete, select
from sqlalchemy.orm import Session, sessionmaker

from app import audit
from app.clock import FixedClock
from app.domain.enums import Grade
from app.errors import EnvironmentFault
from app.services import exports as exports_module
from app.services.decisions import DecisionService, InspectionInput
from app.services.demo_data import DemoSummary
from app.services.exports import CSV_COLUMNS, ExportService, ExportStateBroken
from models import Decision, ExportBatch, ExportedDecision
from models.db import make_engine, make_session_factory
from tests.conftest import NOW
from tests.helpers.ledger import assert_ledger_clean
from tests.helpers.office import OfficeExports, office_user
from tests.helpers.rmas import refundable
from tests.integration.conftest import user_named

GRADE_A = InspectionInput(grade=Grade.A)


def _decide(sf: sessionmaker[Session], clock: FixedClock, n: int,
            start: int = 0) -> list[int]:
    """Decide n one-unit refunds (under the $250 threshold: no approval)."""
    ines = user_named(sf, "ines")
    decisions = DecisionService(sf, clock, "BENCH-01")
    ids: list[int] = []
    for i in range(start, start + n):
        number = refundable(sf, skip=i)
        ids += decisions.accept(number, {1: GRADE_A}, ines).decision_ids
    return ids


def _outbox_ids(outbox: Path) -> tuple[list[int], list[int]]:
    """Decision ids in the JSON files, and in the CSV rows (all batches)."""
    in_json = sorted(json.loads(p.read_text())["decision_id"]
                     for p in outbox.glob("decision-*.json"))
    in_csv = []
    for path in sorted(outbox.glob("settlements-*.csv")):
        with path.open() as fh:
            reader = csv.DictReader(fh)
            assert tuple(reader.fieldnames or ()) == CSV_COLUMNS
            in_csv += [int(row["decision_id"]) for row in reader]
    return in_json, sorted(in_csv)


def test_each_decision_is_exported_once(demo: DemoSummary,
                                        session_factory: sessionmaker[Session],
                                        clock: FixedClock, tmp_path: Path) -> None:
    sf = session_factory
    decided = _decide(sf, clock, 3)
    with sf() as s:
        settled = [d.id for d in s.scalars(select(Decision)) if d.refund > 0 or d.credit > 0
                   or d.resolution.value in ("exchange", "replacement")]
    service = OfficeExports(ExportService(sf, clock, "OFFICE-1"), office_user(sf))
    outbox = tmp_path / "outbox"
    first = service.export(outbox)
    assert first.decisions == len(settled) >= 1 and set(decided) & set(settled)
    in_json, in_csv = _outbox_ids(outbox)
    assert in_json == in_csv == sorted(settled)
    record = json.loads((outbox / f"decision-{settled[0]:08d}.json").read_text())
    # The key names the unit bought (order line and unit) and its revision, not the row.
    with sf() as s:
        item = s.get(Decision, settled[0]).item  # type: ignore[union-attr]
        key = f"returnbench-line{item.order_line_id}-unit{item.line_unit}-r1"
    assert record["idempotency_key"] == key and record["kind"] == "settlement"
    assert record["currency"] == "USD" and record["policy"]["sha256"]
    assert not list(outbox.glob(".*.tmp"))

    assert service.export(outbox).decisions == 0  # nothing twice
    more = _decide(sf, clock, 2, start=3)
    second = service.export(outbox)
    assert second.decisions == len(more) and second.batches != first.batches
    in_json, in_csv = _outbox_ids(outbox)
    assert in_json == in_csv == sorted(settled + more)


def _failing_writer(monkeypatch: pytest.MonkeyPatch, failure: BaseException) -> None:
    """A fake at the outbox port: the batch's JSON files go out, its CSV cannot."""
    real = exports_module._write_atomic

    def write(path: Path, data: bytes) -> Path:
        if path.suffix == ".csv":
            raise failure
        return real(path, data)

    monkeypatch.setattr(exports_module, "_write_atomic", write)


def test_a_batch_that_failed_to_write_is_written_by_the_very_next_run(
        demo: DemoSummary, session_factory: sessionmaker[Session], clock: FixedClock,
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    sf = session_factory
    _decide(sf, clock, 2)
    outbox = tmp_path / "outbox"
    service = OfficeExports(ExportService(sf, clock, "OFFICE-1"), office_user(sf))
    real = exports_module._write_atomic
    _failing_writer(monkeypatch, EnvironmentFault(
        f"Cannot write {outbox}/settlements.csv: No space left on device."))
    with pytest.raises(EnvironmentFault) as failed:
        service.export(outbox)
    with sf() as s:
        [batch] = s.scalars(select(ExportBatch)).all()
        assert batch.written_at is None  # claimed, not written
        [event] = audit.entries_for(s, "export_batch", batch.id)[-1:]
        assert event.action == "export.failed" and "No space" in event.payload["reason"]
    assert f"Batch {batch.id} ({batch.decisions} decisions) is still unsent" \
        in failed.value.message and "No space left on device" in failed.value.message
    # Asked again at once (the clock has not moved), it fails again, and says so.
    with pytest.raises(EnvironmentFault, match=f"Batch {batch.id} .* still unsent"):
        service.export(outbox)
    monkeypatch.setattr(exports_module, "_write_atomic", real)
    report = service.export(outbox)  # the disk has room again: at once, not in 2 minutes
    assert report.rewritten == 1 and report.decisions == 0
    assert report.batches == (batch.id,)
    assert f"written again: batch {batch.id}" in report.summary()
    assert "No space left on device" in report.summary()
    in_json, in_csv = _outbox_ids(outbox)
    assert in_json == in_csv and len(in_csv) == batch.decisions
    assert len(list(outbox.glob("settlements-*.csv"))) == 1
    assert not list(outbox.glob(".*.tmp"))
    assert_ledger_clean(sf, outbox)
    again = service.export(outbox)
    assert again.decisions == again.rewritten == 0
    assert again.summary().startswith("Nothing new to export: every")


class _Killed(BaseException):
    """The run's process ends mid-write (kill -9): it records nothing."""


def test_a_run_that_dies_after_claiming_is_finished_after_recover_after(
        demo: DemoSummary, session_factory: sessionmaker[Session], clock: FixedClock,
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    sf = session_factory
    _decide(sf, clock, 2)
    outbox = tmp_path / "outbox"
    real = exports_module._write_atomic
    _failing_writer(monkeypatch, _Killed())
    service = OfficeExports(ExportService(sf, clock, "OFFICE-1"), office_user(sf))
    with pytest.raises(_Killed):
        service.export(outbox)
    monkeypatch.setattr(exports_module, "_write_atomic", real)
    with sf() as s:
        [batch] = s.scalars(select(ExportBatch)).all()
        assert batch.written_at is None
    # A moment later its run may still be writing it: left alone, and the message says so.
    clock.advance(dt.timedelta(seconds=30))
    report = service.export(outbox)
    assert report.rewritten == 0 and report.decisions == 0
    assert report.summary() == (
        f"Nothing new to export. Batch {batch.id} ({batch.decisions} decisions) is still "
        "unsent: claimed 30 s ago by olga, whose run may still be writing it; if that "
        "run stopped, an export 2 minutes after the claim writes it.")
    clock.advance(exports_module.RECOVER_AFTER)
    report = service.export(outbox)
    assert report.rewritten == 1 and report.decisions == 0
    assert report.batches == (batch.id,) and "its run stopped" in report.summary()
    in_json, in_csv = _outbox_ids(outbox)
    assert in_json == in_csv and len(in_csv) == batch.decisions
    assert len(list(outbox.glob("settlements-*.csv"))) == 1
    assert service.export(outbox).decisions == 0
    assert_ledger_clean(sf, outbox)


def test_export_records_changed_by_hand_stop_the_export_with_the_rows_named(
        demo: DemoSummary, session_factory: sessionmaker[Session], clock: FixedClock,
        tmp_path: Path) -> None:
    sf = session_factory
    _decide(sf, clock, 2)
    outbox = tmp_path / "outbox"
    service = OfficeExports(ExportService(sf, clock, "OFFICE-1"), office_user(sf))
    first = service.export(outbox)
    with sf() as s:
        gone = s.scalars(select(ExportedDecision).order_by(ExportedDecision.decision_id)
                         ).first()
        assert gone is not None
        decision_id, batch_id = gone.decision_id, gone.batch_id
        s.execute(delete(ExportedDecision).where(
            ExportedDecision.decision_id == decision_id))
        s.commit()
    _decide(sf, clock, 1, start=2)
    with pytest.raises(ExportStateBroken) as refused:
        service.export(outbox)
    message = refused.value.message
    assert f"decision #{decision_id} was settled" in message
    assert f"batch {batch_id}) but its exported_decisions row is missing" in message
    assert "Unexpected" not in message and "\n" not in message
    with sf() as s:  # nothing claimed
        assert [b.id for b in s.scalars(select(ExportBatch))] == list(first.batches)


@pytest.mark.postgres
def test_two_desks_exporting_at_once_hand_over_each_decision_once(
        pg_demo_url: str, tmp_path: Path) -> None:
    engines = [make_engine(pg_demo_url) for _ in range(3)]
    try:
        sfs = [make_session_factory(e) for e in engines]
        clock = FixedClock(NOW)
        _decide(sfs[0], clock, 6)
        office = office_user(sfs[0])
        barrier = threading.Barrier(3)
        results: list[object] = [None] * 3

        def run(i: int) -> None:
            barrier.wait()
            try:
                results[i] = ExportService(sfs[i], clock, f"OFFICE-{i}").export(
                    tmp_path / f"outbox-{i}", office)
            except Exception as exc:  # noqa: BLE001 - inspected below
                results[i] = exc

        threads = [threading.Thread(target=run, args=(i,)) for i in range(3)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        assert not any(isinstance(r, Exception) for r in results), results
        every = []
        for i in range(3):
            in_json, in_csv = _outbox_ids(tmp_path / f"outbox-{i}") \
                if (tmp_path / f"outbox-{i}").exists() else ([], [])
            assert in_json == in_csv
            every += in_json
        assert len(every) == len(set(every)) == 6
        assert_ledger_clean(pg_demo_url)
    finally:
        for e in engines:
            e.dispose()


FORMULAS = ["=cmd|' /C calc'!A0", "+SUM(1)", "-2+3", "@sum(1,2)", "\tHYPERLINK(1)",
            "\r=1+1"]


@pytest.mark.parametrize("formula", FORMULAS)
def test_no_cell_of_the_settlements_csv_runs_in_a_spreadsheet(
        demo: DemoSummary, session_factory: sessionmaker[Session], clock: FixedClock,
        tmp_path: Path, formula: str) -> None:
    """OWASP's CSV-injection rule on the file the back office opens: a customer's email and
    a SKU that start like a formula are written with a leading apostrophe; money stays a
    number."""
    from models import Customer, OrderLine
    sf = session_factory
    [decided] = _decide(sf, clock, 1)
    with sf() as s:
        item = s.get(Decision, decided).item  # type: ignore[union-attr]
        line = s.get(OrderLine, item.order_line_id)
        assert line is not None
        customer = s.get(Customer, line.order.customer_id)
        assert customer is not None
        customer.email, line.sku = formula, formula[:40]
        s.commit()
    outbox = tmp_path / "outbox"
    OfficeExports(ExportService(sf, clock, "OFFICE-1"), office_user(sf)).export(outbox)
    [path] = outbox.glob("settlements-*.csv")
    with path.open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    row = next(r for r in rows if int(r["decision_id"]) == decided)
    assert row["customer_email"] == "'" + formula and row["sku"] == "'" + formula[:40]
    for cells in rows:  # no cell anywhere starts like a formula, numbers aside
        for name, cell in cells.items():
            if cell[:1] in ("=", "+", "@", "\t", "\r") or (
                    cell[:1] == "-" and not cell[1:].replace(".", "").isdigit()):
                raise AssertionError(f"{name}: {cell!r}")
    assert float(row["refund"]) > 0  # money is still a number
