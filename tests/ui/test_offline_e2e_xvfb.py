"""The offline bench in the real window (issue 20): Xvfb, real X key events, a PostgreSQL
server behind a TCP proxy the test cuts. Ines signs in online (her PIN goes into the
bench's copy), the link drops, she scans and decides a dress offline (the status bar
says OFFLINE), the app is killed with -9 and comes back offline from its copy, she signs
in offline and decides another; the link returns and the window replays both, once."""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.services.demo_data import load_demo_data
from models import Decision, ReturnAuthorization, Station
from models.db import make_engine, make_session_factory, upgrade
from tests.helpers.ledger import assert_ledger_clean
from tests.helpers.postgres import PostgresServer
from tests.helpers.proxy import Proxy
from tests.helpers.rmas import refundable
from tests.helpers.xwindow import go, key, scan, sign_in
from tests.ui.test_e2e_xvfb import (  # noqa: F401 - the display fixture
    ROOT,
    _focus_window,
    _stop,
    _wait,
    _xdo,
    display,
)

pytestmark = [pytest.mark.xvfb, pytest.mark.postgres]
STATION = "E2E-OFFLINE"


@pytest.fixture
def server_db(pg_server: PostgresServer
              ) -> Iterator[tuple[str, Proxy, sessionmaker[Session]]]:
    name = f"rb_{uuid.uuid4().hex[:12]}"
    engine = make_engine(pg_server.create_database(name))
    upgrade(engine)
    sf = make_session_factory(engine)
    load_demo_data(sf, orders=120, seed=6, today=dt.date.today())  # the app's real clock
    proxy = Proxy(pg_server.socket_dir / f".s.PGSQL.{pg_server.port}")
    yield name, proxy, sf
    proxy.cut()
    engine.dispose()
    pg_server.psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _pending(journal: Path, kind: str) -> int:
    if not journal.exists():
        return 0
    with sqlite3.connect(journal) as conn:
        return int(conn.execute("SELECT count(*) FROM entries WHERE kind = ? AND state = "
                                "'pending'", (kind,)).fetchone()[0])


def _applied(journal: Path) -> tuple[int, int]:
    with sqlite3.connect(journal) as conn:
        pending, applied = conn.execute(
            "SELECT sum(state = 'pending'), sum(state = 'applied') FROM entries").fetchone()
    return int(pending or 0), int(applied or 0)


def test_offline_in_the_window_kill_restart_and_sync(
        display: str, tmp_path: Path,  # noqa: F811 - the fixture imported above
        server_db: tuple[str, Proxy, sessionmaker[Session]]) -> None:
    name, proxy, sf = server_db
    first, second = refundable(sf, skip=0), refundable(sf, skip=1)
    data = tmp_path / "data"
    journal = data / "offline" / "journal.db"
    copy = data / "offline" / "copy.db"
    env = {**os.environ, "DISPLAY": display, "QT_QPA_PLATFORM": "xcb",
           "RETURNBENCH_DATA_DIR": str(data), "RETURNBENCH_SCAN_GAP_MS": "30",
           "RETURNBENCH_OFFLINE_COPY_MINUTES": "10"}

    def start() -> subprocess.Popen[str]:
        app = subprocess.Popen([sys.executable, "main.py", "--db", proxy.url(name),
                                "--station", STATION, "--printer",
                                f"file:{tmp_path / 'labels'}"], cwd=ROOT, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        _focus_window(display, app)
        return app

    def sign_in_ines() -> None:
        sign_in(display, "i1111", "Ines")

    def ines_pin_copied() -> bool:
        if not copy.exists():
            return False
        with sqlite3.connect(copy) as conn:
            row = conn.execute("SELECT pin_hash FROM users WHERE username = 'ines'"
                               ).fetchone()
        return bool(row and not row[0].startswith("!offline"))

    def decide(number: str, accepts: int) -> None:
        go(display, "F1", "Receive")
        scan(display, number)  # the scanner's burst
        _wait(lambda: _pending(journal, "receive") >= accepts, 20, f"{number} received")
        go(display, "F2", "Inspect")
        key(display, "1")  # grade A: new with tags, matching the order
        _wait(lambda: _pending(journal, "draft") >= accepts, 20, f"{number} graded")
        key(display, "Return")
        _wait(lambda: _pending(journal, "accept") >= accepts, 20, f"{number} decided")

    app = start()
    try:
        sign_in_ines()  # online: the copy made after the sign-in holds her PIN
        _wait(ines_pin_copied, 30, "the local copy with Ines's PIN")
        proxy.cut()
        decide(first, 1)
        shot = tmp_path / "offline.png"
        subprocess.run(["import", "-display", display, "-window", "root", str(shot)],
                       capture_output=True, timeout=30)
    finally:
        app.kill()  # -9, mid-day, offline
        _out, err = app.communicate(timeout=10)
    assert "Traceback" not in err, err
    assert _pending(journal, "accept") == 1

    app = start()  # the server still away: the bench starts offline from its copy
    try:
        sign_in_ines()  # offline sign-in: she was here online today
        decide(second, 2)
        proxy.restore()  # the window's check notices and replays the journal
        _wait(lambda: _applied(journal)[0] == 0, 60, "the journal synced")
    finally:
        err = _stop(app)
    assert "Traceback" not in err, err
    with sf() as s:
        for number in (first, second):
            rma = s.scalars(select(ReturnAuthorization).where(
                ReturnAuthorization.number == number)).one()
            live = s.scalars(select(Decision).where(
                Decision.return_item_id == rma.items[0].id,
                Decision.superseded.is_(False))).all()
            assert len(live) == 1, number
            station = s.get(Station, live[0].station_id)
            assert station is not None and station.name == STATION
    assert_ledger_clean(sf)
