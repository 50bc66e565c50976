"""An audit chain that cannot be rewritten unseen (issue 16). A demo database works a few
returns, exports a batch (its manifest carries the chain's head) and prints the
authorization log (its PDF carries the head); then someone with write access to the
database tampers, and `audit verify` (with the anchors read from the files) names it."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from app import audit
from app.bootstrap import bootstrap
from app.cli import run
from app.clock import FixedClock
from app.config import load_settings
from app.services.demo_data import load_demo_data
from tests.conftest import NOW
from tests.helpers.rmas import refundable
from tests.integration.test_exports import GRADE_A

Tamper = Callable[[sqlite3.Connection], None]


@pytest.fixture
def worked(tmp_path: Path) -> tuple[str, Path, Path]:
    """A database with decisions, an export batch and an authorization log."""
    url = f"sqlite:///{tmp_path / 'bench.db'}"
    services = bootstrap(load_settings(url, "BENCH-01"), FixedClock(NOW))
    try:
        load_demo_data(services.session_factory, orders=40, seed=5, today=NOW.date())
        ines = services.auth.sign_in("ines", "1111")
        maria = services.auth.sign_in("maria", "444444")
        for i in range(3):
            number = refundable(services.session_factory, skip=i)
            services.decisions.accept(number, {1: GRADE_A}, ines)
        outbox = tmp_path / "outbox"
        services.exports.export(outbox, maria)
        pdf = services.authlog.render_for(maria, NOW.date().replace(day=1), NOW.date())
        (outbox / "authlog.pdf").write_bytes(pdf)
    finally:
        services.dispose()
    return url, tmp_path / "bench.db", outbox


def _verify(url: str, capsys: pytest.CaptureFixture[str], *extra: str) -> tuple[int, str]:
    code = run(["audit", "verify", "--db", url, *extra])
    err = capsys.readouterr().err.strip()
    assert "Traceback" not in err and len(err.splitlines()) <= 1
    return code, err


def _recompute_from(conn: sqlite3.Connection, first: int) -> None:
    """What a forger with the code does after an edit: rehash every entry from `first`
    on and rewrite the head counters, so the chain alone verifies."""
    import datetime as dt
    import json
    rows = conn.execute("SELECT seq, prev_hash, at, actor, station, action, entity, "
                        "entity_id, payload FROM audit_events ORDER BY seq").fetchall()
    prev = rows[first - 2][1] if first > 1 else audit.GENESIS
    if first > 1:
        prev = conn.execute("SELECT hash FROM audit_events WHERE seq = ?",
                            (first - 1,)).fetchone()[0]
    for seq, _p, at, actor, station, action, entity, entity_id, payload in rows:
        if seq < first:
            continue
        when = dt.datetime.fromisoformat(at)
        when = when if when.tzinfo else when.replace(tzinfo=dt.UTC)
        digest = audit._entry_hash(prev, seq, when, actor, station, action, entity,
                                   entity_id, json.loads(payload))
        conn.execute("UPDATE audit_events SET prev_hash = ?, hash = ? WHERE seq = ?",
                     (prev, digest, seq))
        prev = digest
    last = conn.execute("SELECT max(seq) FROM audit_events").fetchone()[0] or 0
    conn.execute("UPDATE app_meta SET value = ? WHERE key = 'audit_last_seq'", (str(last),))
    conn.execute("UPDATE app_meta SET value = ? WHERE key = 'audit_last_hash'", (prev if last
                 else audit.GENESIS,))


def _edit_event(conn: sqlite3.Connection) -> None:
    conn.execute("UPDATE audit_events SET actor = 'mallory' WHERE seq = 3")


def _delete_event(conn: sqlite3.Connection) -> None:
    conn.execute("DELETE FROM audit_events WHERE seq = 4")


def _reorder(conn: sqlite3.Connection) -> None:
    conn.execute("UPDATE audit_events SET seq = -1 WHERE seq = 5")
    conn.execute("UPDATE audit_events SET seq = 5 WHERE seq = 6")
    conn.execute("UPDATE audit_events SET seq = 6 WHERE seq = -1")


def _truncate_and_rewrite_counters(conn: sqlite3.Connection) -> None:
    last = conn.execute("SELECT max(seq) FROM audit_events").fetchone()[0]
    conn.execute("DELETE FROM audit_events WHERE seq > ?", (last - 3,))
    _recompute_from(conn, last - 3)


def _recompute_after_an_edit(conn: sqlite3.Connection) -> None:
    conn.execute("UPDATE audit_events SET actor = 'mallory' WHERE seq = 3")
    _recompute_from(conn, 3)


def _refund_times_ten(conn: sqlite3.Connection) -> None:
    conn.execute("UPDATE decisions SET refund = refund * 10 WHERE id = "
                 "(SELECT min(id) FROM decisions WHERE refund > 0)")


def _rewrite_an_approval_or_user(conn: sqlite3.Connection) -> None:
    conn.execute("UPDATE users SET role = 'manager' WHERE username = 'ines'")


def _delete_a_decision(conn: sqlite3.Connection) -> None:
    conn.execute("PRAGMA foreign_keys=OFF")
    conn.execute("DELETE FROM decisions WHERE id = (SELECT max(id) FROM decisions)")


def _delete_everything(conn: sqlite3.Connection) -> None:
    conn.execute("DELETE FROM audit_events")
    _recompute_from(conn, 1)


CASES: dict[str, tuple[Tamper, str, bool | None]] = {
    # name: (tampering, words in the refusal, caught without the anchors too; None: it
    # depends on what the cut end held: here the last decisions' seals, so it is)
    "an entry edited": (_edit_event, "entry 3 was changed", True),
    "an entry deleted": (_delete_event, "entry 4 is missing", True),
    "entries reordered": (_reorder, "entry 5", True),
    "the end cut, counters rewritten": (_truncate_and_rewrite_counters, "cut short", None),
    "an edit, the chain recomputed": (_recompute_after_an_edit, "rewritten", False),
    "a refund x10 in the decisions table": (_refund_times_ten, "decisions #", True),
    "a user's role rewritten": (_rewrite_an_approval_or_user, "users #", True),
    "a decision deleted": (_delete_a_decision, "decisions #", True),
    "every event deleted": (_delete_everything, "", True),
}


def test_the_untouched_database_verifies_against_its_anchors(
        worked: tuple[str, Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    url, _db, outbox = worked
    code, err = _verify(url, capsys, "--anchors", str(outbox))
    assert code == 0, err
    assert len(list(outbox.glob("batch-*.json"))) == 1


@pytest.mark.parametrize("name", list(CASES))
def test_tampering_is_caught(name: str, worked: tuple[str, Path, Path],
                             capsys: pytest.CaptureFixture[str]) -> None:
    url, db, outbox = worked
    tamper, words, alone = CASES[name]
    with sqlite3.connect(db) as conn:
        tamper(conn)
    code, err = _verify(url, capsys, "--anchors", str(outbox))
    assert code == 1 and err.startswith("error: audit log broken") and words in err, err
    code, err = _verify(url, capsys)  # the chain and the seals alone
    if alone is not None:
        assert (code == 1) is alone, err


def test_an_expected_head_given_by_hand(worked: tuple[str, Path, Path],
                                        capsys: pytest.CaptureFixture[str]) -> None:
    url, db, _outbox = worked
    with sqlite3.connect(db) as conn:
        seq, digest = conn.execute("SELECT seq, hash FROM audit_events ORDER BY seq DESC "
                                   "LIMIT 1").fetchone()
    assert _verify(url, capsys, "--expect-head", f"{seq}:{digest}")[0] == 0
    code, err = _verify(url, capsys, "--expect-head", f"{seq + 5}:{digest}")
    assert code == 1 and "cut short" in err
    code, err = _verify(url, capsys, "--expect-head", "12:abc")
    assert code == 2 and "SEQ:HASH" in err
