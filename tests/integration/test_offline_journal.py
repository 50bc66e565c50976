"""The bench's offline journal (issue 20, first part): kept on disk when append returns
(kill -9 after that loses nothing), a key once, replayed in order, a refusal marked a
conflict with the reason, the server going away again stopping replay where it is, and a
second replay resuming there without applying anything twice."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from app.errors import BadInput, Conflict, DatabaseUnavailable
from app.services.journal import CONFLICT, Entry, Journal, replay

ROOT = Path(__file__).resolve().parents[2]
T0 = dt.datetime(2026, 4, 15, 14, 0, tzinfo=dt.UTC)


def _fill(journal: Journal, n: int) -> None:
    for i in range(n):
        journal.append("decision.accept", f"bench-01/{i}", {"rma": f"RMA-{i}", "unit": 1},
                       "BENCH-01", "ines", T0 + dt.timedelta(minutes=i))


def test_a_key_once_in_order_with_its_status(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "journal.sqlite")
    _fill(journal, 3)
    again = journal.append("decision.accept", "bench-01/1", {"rma": "other"}, "BENCH-01",
                           "ines", T0 + dt.timedelta(hours=1))
    assert again.payload == {"rma": "RMA-1", "unit": 1}  # the first one kept
    assert [e.key for e in journal.pending()] == ["bench-01/0", "bench-01/1", "bench-01/2"]
    assert journal.status() == (3, T0)
    mode = journal._db.execute("PRAGMA journal_mode").fetchone()[0]
    sync = journal._db.execute("PRAGMA synchronous").fetchone()[0]
    assert (mode, sync) == ("wal", 2)  # 2: FULL


def test_kill_minus_9_loses_nothing_that_was_kept(tmp_path: Path) -> None:
    """A bench appending as fast as it can is killed; every entry it was told is kept
    is there after, whole."""
    path = tmp_path / "journal.sqlite"
    script = (
        "import datetime as dt, sys\n"
        "from pathlib import Path\n"
        "from app.services.journal import Journal\n"
        f"j = Journal(Path({str(path)!r}))\n"
        "t = dt.datetime(2026, 4, 15, tzinfo=dt.UTC)\n"
        "for i in range(100000):\n"
        "    j.append('photo.add', f'k{i}', {'i': i, 'blob': 'x' * 500}, 'B', 'ines', t)\n"
        "    print(i, flush=True)\n")
    bench = subprocess.Popen([sys.executable, "-c", script], cwd=ROOT,
                             stdout=subprocess.PIPE, text=True)
    assert bench.stdout is not None
    told = -1
    for line in bench.stdout:
        told = int(line)
        if told >= 60:
            break
    os.kill(bench.pid, signal.SIGKILL)
    bench.communicate(timeout=10)
    journal = Journal(path)
    kept = journal.pending()
    assert len(kept) >= told + 1
    assert [e.payload["i"] for e in kept] == list(range(len(kept)))  # whole, in order


def test_replay_in_order_conflicts_apart_resumes_where_it_stopped(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "journal.sqlite")
    _fill(journal, 8)
    calls: Counter[str] = Counter()
    server_up = {"up": True}
    done_by_server: set[str] = set()

    def apply(entry: Entry) -> dict[str, Any]:
        if not server_up["up"]:
            raise DatabaseUnavailable("The database is unreachable.")
        calls[entry.key] += 1
        if entry.key == "bench-01/2":
            raise Conflict("Item 1 of RMA-2 was decided at BENCH-02 meanwhile.")
        if entry.key == "bench-01/5" and calls[entry.key] == 1:
            done_by_server.add(entry.key)  # the server took it, then the line dropped
            server_up["up"] = False
            raise DatabaseUnavailable("The database is unreachable.")
        done_by_server.add(entry.key)
        return {"decision": entry.seq}

    clock = iter(T0 + dt.timedelta(hours=2, seconds=s) for s in range(100))
    first = replay(journal, apply, lambda: next(clock))
    assert (first.applied, first.conflicts, first.left) == (4, 1, 3)
    assert first.stopped and "unreachable" in first.stopped
    assert [e.key for e in journal.pending()] == ["bench-01/5", "bench-01/6", "bench-01/7"]
    (conflict,) = journal.conflicts()
    assert conflict.state == CONFLICT and "BENCH-02" in (conflict.problem or {})["why"]
    server_up["up"] = True
    second = replay(journal, apply, lambda: next(clock))
    assert (second.applied, second.conflicts, second.left) == (3, 0, 0)
    # Each entry reached the services at most twice (the one cut mid-answer: its request
    # key makes the second a replay of the first), and none was marked twice.
    assert max(calls.values()) <= 2 and calls["bench-01/5"] == 2
    assert journal.status() == (0, None)
    synced = [e for e in journal._entries("ORDER BY seq") if e.state == "applied"]
    assert len(synced) == 7 and all(e.synced_at and e.synced_at > e.at for e in synced)


def test_a_broken_journal_file_is_refused_in_words(tmp_path: Path) -> None:
    path = tmp_path / "journal.sqlite"
    path.write_bytes(b"not a database at all" * 100)
    with pytest.raises(BadInput, match="cannot be read"):
        Journal(path)
