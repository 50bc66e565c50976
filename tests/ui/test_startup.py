"""Starting the real app (offscreen): a first start loads nothing by itself; bad databases
are refused."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _start(*args: str, data_dir: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "RETURNBENCH_EXIT_WHEN_READY": "1",
           "RETURNBENCH_DATA_DIR": str(data_dir)}
    return subprocess.run([sys.executable, "main.py", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)


def test_first_start_leaves_the_database_empty_until_asked(tmp_path: Path) -> None:
    """Nothing loads demo data by itself: the first start of an empty database opens on
    the first-start screen (demo data or set up), and the database stays empty."""
    data_dir = tmp_path / "data"
    result = _start(data_dir=data_dir)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("ready_ms=")
    db = data_dir / "returnbench.db"
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT count(*) FROM orders").fetchone()[0] == 0
        assert conn.execute("SELECT count(*) FROM users").fetchone()[0] == 0
        stations = [r[0] for r in conn.execute("SELECT name FROM stations")]
    assert "TEST-BENCH" in stations
    # A database given with --db is treated the same.
    other = tmp_path / "other.db"
    again = _start("--db", f"sqlite:///{other}", data_dir=data_dir)
    assert again.returncode == 0, again.stderr
    with sqlite3.connect(other) as conn:
        assert conn.execute("SELECT count(*) FROM users").fetchone()[0] == 0


def test_app_refuses_a_database_it_cannot_open(tmp_path: Path) -> None:
    result = _start("--db", "sqlite:////no/such/dir/x.db", data_dir=tmp_path / "d")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "error: Cannot open the database" in result.stderr
