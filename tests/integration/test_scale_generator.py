"""The scale generator writes rows the services can read: a small run with history, then
the queues the scale benchmark measures, on SQLite and on PostgreSQL."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from app.bootstrap import bootstrap
from app.clock import FixedClock
from app.config import load_settings
from tests.helpers.postgres import PostgresServer

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
import gen_scale


def _check(url: str) -> None:
    gen_scale.generate(url, 3000, seed=2, history=True)
    services = bootstrap(load_settings(url, "SCALE-CHECK"),
                         FixedClock(gen_scale.NOW))
    try:
        maria = services.auth.sign_in("maria", "444444")
        carl = services.auth.sign_in("carl", "2222")
        pending = services.approvals.queue(maria)
        assert len(pending) >= 10 and all(v.status.value == "pending" for v in pending)
        claims = services.claims.queue(carl)
        assert claims and all(len(c.photos) == 2 for c in claims)
        assert all(c.status.value != "completed" for c in claims)
        view = services.lookup.lookup(pending[0].rma_number).view
        assert view is not None and view.rma_number == pending[0].rma_number
    finally:
        services.dispose()


def test_generated_history_reads_back_on_sqlite(tmp_path: Path) -> None:
    _check(f"sqlite:///{tmp_path / 'scale.db'}")


@pytest.mark.postgres
def test_generated_history_reads_back_on_postgresql(pg_server: PostgresServer) -> None:
    _check(pg_server.create_database("scale_check"))
