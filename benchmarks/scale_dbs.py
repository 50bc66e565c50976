"""The scale databases the window benchmarks share (bench_scan_window.py, bench_pages.py):
filled once by gen_scale.py (seed 1, with history) and kept, SQLite files in
$TMPDIR/returnbench-scale (scan-<n>.db) and PostgreSQL databases rb_scan_<n> on a given
server or on the benchmarks' own server, whose files are kept in $TMPDIR/returnbench-scale/pg
(a million returns take about 4 minutes to fill: done once, not per run). A database
is filled again when it has fewer than `need` returns not yet received (each measured
scan records a receipt)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from gen_scale import generate
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

SCALE = Path(tempfile.gettempdir()) / "returnbench-scale"


def _left(url: str) -> int:
    """Returns not yet received (what scans can still receive); -1: no database."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return int(conn.scalar(text(
                "SELECT count(*) FROM return_authorizations WHERE status <> 'received'")) or 0)
    except Exception:  # noqa: BLE001 - missing file or database: make it
        return -1
    finally:
        engine.dispose()


def sqlite_db(data: Path, n: int, need: int = 0) -> str:
    path = data / f"scan-{n}.db"
    url = f"sqlite:///{path}"
    if _left(url) < need:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        print(f"  filling {path} with {n:,} returns...", flush=True)
        generate(url, n, seed=1, history=True)
    return url


class Postgres:
    """Databases rb_scan_<n> on a given server, or on the kept benchmark server."""

    def __init__(self, url: str | None) -> None:
        self.server: Any = None
        if url is None:
            from tests.helpers.postgres import start_server

            self.server = start_server(durable=True, keep=SCALE / "pg")
        self.base = url

    def database(self, n: int, need: int = 0) -> str:
        name = f"rb_scan_{n}"
        if self.server is not None:
            url = str(self.server.url(name))
        else:
            assert self.base is not None
            url = make_url(self.base).set(database=name).render_as_string(hide_password=False)
        if _left(url) >= need:
            return url
        if self.server is not None:
            self.server.create_database(name)
        else:
            assert self.base is not None
            admin = create_engine(self.base, isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
                conn.execute(text(f'CREATE DATABASE "{name}"'))
            admin.dispose()
        print(f"  filling PostgreSQL {name} with {n:,} returns...", flush=True)
        generate(url, n, seed=1, history=True)
        return str(url)

    def close(self) -> None:
        if self.server is not None:
            self.server.stop("fast")


def measure_in_child(script: Path, url: str, args: list[str], timeout: int,
                     stderr_tail: int = 2000) -> dict[str, Any]:
    """Run one window benchmark on one database in a fresh offscreen process (its own
    data folder) and return the JSON line it prints last; exit with its output if it
    fails."""
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1]),
           "QT_QPA_PLATFORM": "offscreen",
           "RETURNBENCH_DATA_DIR": tempfile.mkdtemp(prefix=f"rb-{script.stem}-")}
    out = subprocess.run([sys.executable, str(script), "--db", url, *args], env=env,
                         capture_output=True, text=True, timeout=timeout)
    lines = [ln for ln in out.stdout.splitlines() if ln.startswith("{")]
    if out.returncode != 0 or not lines:
        raise SystemExit(f"{script.name} failed on {url.split('?')[0]}:\n"
                         f"{out.stdout[-2000:]}\n{out.stderr[-stderr_tail:]}")
    result: dict[str, Any] = json.loads(lines[-1])
    return result
