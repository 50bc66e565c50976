"""The bench's offline journal (issue 20, first part): what a bench did while its server
was unreachable, kept on the bench's own disk until it is replayed through the services.

One SQLite file per bench, opened with WAL and synchronous=FULL: an entry the bench was
told is kept survives kill -9 and power loss. Each entry carries the request key the
services use to do a request once, the time it happened at the bench, who did it and
what (a kind and its JSON payload). Replay goes in order: an entry applied is marked with
the time it synced; one the server now refuses because the world moved (another bench
decided the unit, the RMA changed) is marked a conflict with both versions and goes to a
supervisor's "needs a look" list; when the server goes away again, replay stops where it
is and resumes there. Nothing is applied twice: the request key makes a second replay of
an entry the server did take (the crash came before it was marked) return the first
result.

Stdlib sqlite3, not the app's engine: the journal must work when the database does not."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.errors import (
    BadInput,
    Conflict,
    DatabaseUnavailable,
    EnvironmentFault,
    ReturnBenchError,
)

PENDING, APPLIED, CONFLICT = "pending", "applied", "conflict"
SCHEMA = """
CREATE TABLE IF NOT EXISTS entries (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    key TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    station TEXT NOT NULL,
    username TEXT NOT NULL,
    at TEXT NOT NULL,
    payload TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'pending',
    synced_at TEXT,
    result TEXT,
    problem TEXT
);
CREATE INDEX IF NOT EXISTS ix_entries_state ON entries (state, seq);
"""


@dataclass(frozen=True)
class Entry:
    seq: int
    key: str
    kind: str
    station: str
    username: str
    at: dt.datetime  # when it happened at the bench (UTC)
    payload: dict[str, Any]
    state: str
    synced_at: dt.datetime | None
    result: dict[str, Any] | None
    problem: dict[str, Any] | None  # a conflict: why, and the server's version


@dataclass(frozen=True)
class ReplayReport:
    applied: int
    conflicts: int
    left: int  # still pending (the server went away again mid-replay)
    stopped: str | None  # why replay stopped early, or None

    def words(self) -> str:
        text = (f"{self.applied} synced, {self.conflicts} need a look"
                + (f", {self.left} still waiting" if self.left else ""))
        return text + (f" ({self.stopped})" if self.stopped else "")


@dataclass(frozen=True)
class OfflineStatus:
    offline: bool
    waiting: int                     # journal entries not yet on the server
    oldest: dt.datetime | None       # when the oldest of them happened
    conflicts: int                   # this bench's entries the server refused
    copy_made: dt.datetime | None    # the local copy's age

    def words(self, now: dt.datetime) -> str:
        """The status bar's words: short while online, all of it while offline."""
        parts: list[str] = []  # the database's label says OFFLINE
        if self.waiting and self.oldest is not None:
            parts.append(f"{self.waiting} to sync (oldest {self.oldest.astimezone():%H:%M})")
        if self.conflicts:
            parts.append(f"{self.conflicts} need a look")
        if self.copy_made is None:
            parts.append("no local copy")
        else:
            minutes = max(0, int((now - self.copy_made).total_seconds() // 60))
            age = f"{minutes} min" if minutes < 120 else f"{minutes // 60} h"
            parts.append(f"{'copy' if parts else 'Local copy'} {age} old")
        return " · ".join(parts)


def _iso(at: dt.datetime) -> str:
    if at.tzinfo is None:
        raise ValueError("naive datetime: the journal keeps aware times")
    return at.astimezone(dt.UTC).isoformat()


class Journal:
    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._closed = False
        try:
            self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=FULL")
            self._db.executescript(SCHEMA)
        except sqlite3.DatabaseError as exc:
            raise BadInput(f"The offline journal {path} cannot be read ({exc}): keep the "
                           "file for a supervisor and start the bench with a new one.") \
                from exc

    def close(self) -> None:
        with self._lock:
            self._closed = True
            self._db.close()

    def _open(self) -> None:
        if self._closed:
            raise EnvironmentFault(f"The offline journal {self.path} is closed (the bench "
                                   "is shutting down).")

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._open()
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    # --- writing ----------------------------------------------------------------------
    def append(self, kind: str, key: str, payload: dict[str, Any], station: str,
               username: str, at: dt.datetime) -> Entry:
        """Keep one action; on disk (fsynced) when this returns. The same key again
        returns the entry kept the first time (a double Enter is one action)."""
        text = json.dumps(payload, sort_keys=True, default=str)
        with self._tx() as db:
            db.execute("INSERT OR IGNORE INTO entries (key, kind, station, username, at, "
                       "payload) VALUES (?, ?, ?, ?, ?, ?)",
                       (key, kind, station, username, _iso(at), text))
        found = self.get(key)
        assert found is not None
        return found

    def mark_applied(self, seq: int, synced_at: dt.datetime,
                     result: dict[str, Any] | None = None) -> None:
        with self._tx() as db:
            db.execute("UPDATE entries SET state = ?, synced_at = ?, result = ? "
                       "WHERE seq = ? AND state = ?",
                       (APPLIED, _iso(synced_at), json.dumps(result or {}, default=str),
                        seq, PENDING))

    def mark_conflict(self, seq: int, synced_at: dt.datetime, why: str,
                      theirs: dict[str, Any] | None = None) -> None:
        with self._tx() as db:
            db.execute("UPDATE entries SET state = ?, synced_at = ?, problem = ? "
                       "WHERE seq = ? AND state = ?",
                       (CONFLICT, _iso(synced_at),
                        json.dumps({"why": why, "theirs": theirs or {}}, default=str),
                        seq, PENDING))

    # --- reading ----------------------------------------------------------------------
    def _entries(self, where: str, args: tuple[Any, ...] = ()) -> list[Entry]:
        with self._lock:
            self._open()
            rows = self._db.execute(
                "SELECT seq, key, kind, station, username, at, payload, state, synced_at, "
                f"result, problem FROM entries {where}", args).fetchall()
        return [Entry(seq, key, kind, station, user, dt.datetime.fromisoformat(at),
                      json.loads(payload), state,
                      dt.datetime.fromisoformat(synced) if synced else None,
                      json.loads(result) if result else None,
                      json.loads(problem) if problem else None)
                for seq, key, kind, station, user, at, payload, state, synced, result,
                problem in rows]

    def get(self, key: str) -> Entry | None:
        found = self._entries("WHERE key = ?", (key,))
        return found[0] if found else None

    def pending(self) -> list[Entry]:
        """What waits for the server, in the order it happened."""
        return self._entries("WHERE state = ? ORDER BY seq", (PENDING,))

    def conflicts(self) -> list[Entry]:
        """The "needs a look" list: entries the server refused, with both versions."""
        return self._entries("WHERE state = ? ORDER BY seq", (CONFLICT,))

    def conflict_keys(self) -> list[str]:
        """The keys of the entries the server refused (the status bar counts those still
        unsettled on the server), without reading their payloads."""
        with self._lock:
            self._open()
            return [k for (k,) in self._db.execute(
                "SELECT key FROM entries WHERE state = ? ORDER BY seq", (CONFLICT,))]

    def status(self) -> tuple[int, dt.datetime | None]:
        """(entries waiting, when the oldest of them happened): the status bar's words."""
        with self._lock:
            self._open()
            count, oldest = self._db.execute(
                "SELECT count(*), min(at) FROM entries WHERE state = ?",
                (PENDING,)).fetchone()
        return int(count), dt.datetime.fromisoformat(oldest) if oldest else None


def replay(journal: Journal, apply: Callable[[Entry], dict[str, Any] | None],
           now: Callable[[], dt.datetime],
           on_conflict: Callable[[Entry, str], dict[str, Any] | None] | None = None
           ) -> ReplayReport:
    """Send what waits, in order, through `apply` (the same services the bench calls
    online, with the entry's request key). The server refusing an entry because the
    world moved (Conflict, or any refusal in words) marks it a conflict and replay goes
    on; the server away again stops replay where it is, to resume there. `on_conflict`
    puts a refused entry on the server's "needs a look" list (its answer, the server's
    version, is kept with the entry) before the entry is marked."""
    applied = conflicts = 0
    for entry in journal.pending():
        try:
            result = apply(entry)
        except DatabaseUnavailable as exc:
            return ReplayReport(applied, conflicts, len(journal.pending()), str(exc))
        except (Conflict, ReturnBenchError) as exc:
            theirs = None
            if on_conflict is not None:
                try:
                    theirs = on_conflict(entry, str(exc))
                except DatabaseUnavailable as away:
                    return ReplayReport(applied, conflicts, len(journal.pending()), str(away))
            journal.mark_conflict(entry.seq, now(), str(exc), theirs)
            conflicts += 1
            continue
        journal.mark_applied(entry.seq, now(), result)
        applied += 1
    return ReplayReport(applied, conflicts, 0, None)
