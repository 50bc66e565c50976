"""The offline bench killed with -9 (issue 20): headless, `main.py replay` works through
parcels with its server cut off (a TCP proxy the test controls) and is killed mid-work;
the journal kept what the bench said it did, and a sync (`main.py offline sync`) killed
mid-replay resumes where it stopped: every decision on the server once."""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from app.clock import SystemClock
from app.offline import OfflineBench
from app.services.auth import AuthService
from app.services.demo_data import load_demo_data
from models import Decision, Receipt, ReturnAuthorization
from models.db import make_engine, make_session_factory, upgrade
from tests.helpers.ledger import assert_ledger_clean
from tests.helpers.postgres import PostgresServer
from tests.helpers.proxy import Proxy
from tests.helpers.rmas import refundable

pytestmark = pytest.mark.postgres
ROOT = Path(__file__).resolve().parents[2]
STATION = "KILL-BENCH"


class Setup:
    def __init__(self, server: PostgresServer, tmp: Path) -> None:
        self.name = f"rb_{uuid.uuid4().hex[:12]}"
        engine = make_engine(server.create_database(self.name))
        upgrade(engine)
        self.sf = make_session_factory(engine)
        self.engine = engine
        # The subprocesses run on the real clock: the demo's returns are this week's.
        load_demo_data(self.sf, orders=300, seed=8, today=dt.date.today())
        self.proxy = Proxy(server.socket_dir / f".s.PGSQL.{server.port}")
        self.url = self.proxy.url(self.name)
        self.data = tmp / "data"
        self.env = {**os.environ, "RETURNBENCH_DATA_DIR": str(self.data),
                    "RETURNBENCH_PIN_INES": "1111", "RETURNBENCH_STATION": STATION,
                    "RETURNBENCH_PRINTER":
                    f"file:{tmp / 'labels'}"}

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "main.py", *args, "--db", self.url],
                              cwd=ROOT, env=self.env,
                              capture_output=True, text=True, timeout=180)

    def refresh_copy(self) -> None:
        """The bench's local copy, made as `main.py` makes it in its data folder."""
        engine = make_engine(self.url)
        bench = OfflineBench(make_session_factory(engine), SystemClock(), STATION,
                             self.data / "offline", self.data / "photos",
                             f"file:{self.data / 'labels'}")
        try:
            assert bench.refresh() is not None
        finally:
            bench.close()
            engine.dispose()

    def decisions(self, numbers: list[str]) -> dict[str, int]:
        with self.sf() as s:
            out = {}
            for number in numbers:
                rma = s.scalars(select(ReturnAuthorization).where(
                    ReturnAuthorization.number == number)).one()
                out[number] = len(s.scalars(select(Decision).where(
                    Decision.return_item_id == rma.items[0].id,
                    Decision.superseded.is_(False))).all())
                assert len(s.scalars(select(Receipt).where(
                    Receipt.rma_id == rma.id)).all()) <= 1
            return out


@pytest.fixture
def setup(pg_server: PostgresServer, tmp_path: Path) -> Iterator[Setup]:
    made = Setup(pg_server, tmp_path)
    yield made
    made.proxy.cut()
    made.engine.dispose()
    pg_server.psql(f'DROP DATABASE IF EXISTS "{made.name}" WITH (FORCE)')


def _journal_states(path: Path) -> dict[str, int]:
    with sqlite3.connect(path) as conn:
        return dict(conn.execute("SELECT state, count(*) FROM entries GROUP BY state"))


def test_kill_minus_9_offline_then_during_replay(setup: Setup) -> None:
    numbers = [refundable(setup.sf, skip=i) for i in range(24)]
    # Online at this bench first: Ines's PIN goes into the local copy.
    AuthService(setup.sf, SystemClock(), STATION).sign_in("ines", "1111")
    setup.refresh_copy()

    setup.proxy.cut()
    script = setup.data.parent / "day.jsonl"
    steps: list[dict[str, object]] = [{"sign_in": "ines"}]
    for number in numbers:
        steps += [{"scan": number}, {"grade": "A"}, {"accept": True}]
    script.write_text("\n".join(json.dumps(s) for s in steps) + "\n")
    app = subprocess.Popen([sys.executable, "main.py", "replay", str(script), "--db",
                            setup.url], cwd=ROOT, env=setup.env,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert app.stdout is not None
    saved: list[str] = []
    lines: list[str] = []
    parcel = ""
    deadline = time.monotonic() + 120
    while len(saved) < 12 and time.monotonic() < deadline:
        line = app.stdout.readline()
        if not line:
            break
        lines.append(line)
        shown = json.loads(line)
        if "scan" in shown["input"]:
            parcel = str(shown["input"]["scan"])
        if shown.get("saved"):
            assert shown.get("offline"), shown
            saved.append(parcel)
    app.send_signal(signal.SIGKILL)  # mid-work: no clean shutdown
    _out, err = app.communicate(timeout=30)
    assert len(saved) == 12, err + "".join(lines[-5:])
    assert "Traceback" not in err
    journal = setup.data / "offline" / "journal.db"
    states = _journal_states(journal)
    assert states.get("pending", 0) >= 3 * 12 + 1  # sign-in, receive, draft(s), accept

    # The link is back; the sync is killed in the middle of its replay.
    setup.proxy.restore()
    sync = subprocess.Popen([sys.executable, "main.py", "offline", "sync", "--db", setup.url],
                            cwd=ROOT, env=setup.env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        now = _journal_states(journal)
        if now.get("applied", 0) >= 5 or sync.poll() is not None:
            break
        time.sleep(0.01)
    sync.send_signal(signal.SIGKILL)
    sync.communicate(timeout=30)
    middle = _journal_states(journal)
    assert middle.get("applied", 0) >= 5 and middle.get("pending", 0) > 0, middle

    finished = setup.run("offline", "sync")
    assert finished.returncode == 0, finished.stdout + finished.stderr
    report = json.loads(finished.stdout)
    assert report["conflicts"] == 0 and report["left"] == 0
    assert _journal_states(journal) == {"applied": sum(middle.values())}
    counts = setup.decisions(numbers)
    # Every decision the bench showed as saved is on the server, once; none twice.
    assert all(counts[n] == 1 for n in saved), counts
    assert set(counts.values()) <= {0, 1}
    assert sum(counts.values()) in (len(saved), len(saved) + 1)  # + one kept, not shown
    status = setup.run("offline", "status")
    assert json.loads(status.stdout)["waiting"] == 0
    assert_ledger_clean(setup.sf)
