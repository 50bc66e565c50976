"""The scan path reads nothing that grows with the tables (issue 28): every statement a
scan runs (by RMA, tracking or order number), the unfinished-inspections list the window
shows after it, and the window's poll for answers between scans are served by an index,
on SQLite and PostgreSQL, as the databases' own plans say (tests/helpers/plans.py; on
PostgreSQL with seq scans priced out, so the small test tables still show whether an
index can serve each statement)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from app.clock import FixedClock
from app.domain.enums import Grade
from app.services.demo_data import DemoSummary
from models import Order, ReturnAuthorization
from tests.helpers.plans import reads_of, whole_reads
from tests.helpers.rmas import rma_where
from tests.integration.test_bench_session import _session


def test_a_scan_and_the_unfinished_list_read_no_whole_table(
        engine: Engine, demo: DemoSummary, session_factory: sessionmaker[Session],
        clock: FixedClock, tmp_path: Path) -> None:
    sf = session_factory
    drafted, _ = rma_where(sf)
    others = [rma_where(sf, skip=k)[0] for k in (1, 2, 3)]
    with sf() as s:
        rows = s.execute(select(ReturnAuthorization.number, ReturnAuthorization.tracking_number,
                                Order.number).join(Order)
                         .where(ReturnAuthorization.number.in_(others))).all()
    by_rma = {r[0]: r for r in rows}
    codes = [others[0], by_rma[others[1]][1] or others[1], by_rma[others[2]][2]]
    bench = _session(sf, clock, tmp_path)
    bench.scan(drafted)  # a form begun and left: a draft at this station
    assert bench.open_inspection().place == "inspect"
    bench.edit(1, grade=Grade.B)

    with reads_of(engine) as reads:
        for code in codes:  # as Shell.handle_scan: the scan, then the unfinished list
            assert bench.scan(code).data.get("found"), code
            assert [rma for rma, _words in bench.unfinished()] == [drafted]
            bench.check_answers()  # the window's poll between scans (every 2 s)

    assert any("inspections" in sql for sql, _p in reads)
    assert any("approvals" in sql for sql, _p in reads)
    with sf() as s:
        whole = whole_reads(s.connection(), reads)
    assert whole == []
