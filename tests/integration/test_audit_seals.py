"""An audit that cannot be talked round (issue 27): the rows money is computed from and
what was paid (order lines, decisions, approvals, settlements, exported decisions) are
sealed when the app writes them, and `audit verify` holds each to what the app recorded
for it, however many correctly chained entries a forger with the code appends after; a
deleted row is named, and the export refuses to go on over it."""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from app import audit, seals
from app.bootstrap import bootstrap
from app.cli import run
from app.clock import FixedClock
from app.config import load_settings
from app.services.demo_data import load_demo_data
from models import AppMeta, Approval, AuditEvent, Decision, OrderLine, Settlement
from models.db import make_engine
from tests.conftest import NOW
from tests.helpers.office import OFFICE_ENV, office_imports
from tests.helpers.rmas import ask_exception, refundable
from tests.helpers.shopify import export_csv
from tests.integration.test_exports import GRADE_A
from tests.integration.test_import_orders import _good_rows

Worked = tuple[str, Path, Path]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Refunds decided, an exception denied, a batch exported (its manifest holds the
    chain's head): a database as the app leaves it, built once for the module."""
    folder = tmp_path_factory.mktemp("sealed")
    services = bootstrap(load_settings(f"sqlite:///{folder / 'bench.db'}", "BENCH-01"),
                         FixedClock(NOW))
    try:
        sf = services.session_factory
        load_demo_data(sf, orders=40, seed=5, today=NOW.date())
        ines = services.auth.sign_in("ines", "1111")
        for i in range(3):
            services.decisions.accept(refundable(sf, skip=i), {1: GRADE_A}, ines)
        asked = ask_exception(sf, services.decisions, refundable(sf, skip=3), ines, "120.00")
        services.approvals.answer(asked, services.auth.sign_in("sam", "333333"), False,
                                  "No sign of that promise in the notes")
        services.exports.export(folder / "outbox", services.auth.sign_in("maria", "444444"))
    finally:
        services.dispose()
    return folder


@pytest.fixture
def worked(built: Path, tmp_path: Path) -> Worked:
    """A copy of the built database and its outbox, for one test to tamper with."""
    shutil.copy(built / "bench.db", tmp_path / "bench.db")
    shutil.copytree(built / "outbox", tmp_path / "outbox")
    return f"sqlite:///{tmp_path / 'bench.db'}", tmp_path / "bench.db", tmp_path / "outbox"


def _verify(url: str, outbox: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = run(["audit", "verify", "--db", url, "--anchors", str(outbox)])
    err = capsys.readouterr().err.strip()
    assert "Traceback" not in err and len(err.splitlines()) <= 1
    return code, err


def _with_session(url: str, work: Callable[[Session], Any]) -> Any:
    engine = make_engine(url)
    try:
        with Session(engine) as s:
            return work(s)
    finally:
        engine.dispose()


def _append(url: str, *entries: tuple[str, str | None, str | None, dict[str, Any]]) -> None:
    """What a forger with the code does: entries appended to the chain, each correctly
    chained, and the head counters moved on. `tx` in a payload, when "own", is the
    forged transaction's first entry, as the app writes it."""
    def forge(s: Session) -> None:
        seq, prev = audit.head(s)
        first = seq + 1
        for action, entity, entity_id, payload in entries:
            seq += 1
            if payload.get("tx") == "own":
                payload = {**payload, "tx": first}
            digest = audit._entry_hash(prev, seq, NOW, "maria", "BENCH-01", action, entity,
                                       entity_id, payload)
            s.add(AuditEvent(seq=seq, prev_hash=prev, hash=digest, at=NOW, actor="maria",
                             station="BENCH-01", action=action, entity=entity,
                             entity_id=entity_id, payload=payload))
            prev = digest
        for key, value in ((audit.LAST_SEQ_KEY, str(seq)), (audit.LAST_HASH_KEY, prev)):
            meta = s.get(AppMeta, key)
            assert meta is not None
            meta.value = value
        s.commit()
    _with_session(url, forge)


def _seal_now(url: str, model: type, key: int, tx: bool = True
              ) -> tuple[str, str, str, dict[str, Any]]:
    """A row.sealed entry for the row as it is now in the database."""
    def digest(s: Session) -> str:
        return seals.row_digest(s.get(model, key))
    payload: dict[str, Any] = {"sha256": _with_session(url, digest)}
    if tx:
        payload["tx"] = "own"
    return (seals.SEAL_ACTION, model.__tablename__, str(key),  # type: ignore[attr-defined]
            payload)


def _first(url: str, model: type, *where: Any) -> int:
    column = model.id  # type: ignore[attr-defined]
    return int(_with_session(url, lambda s: s.scalar(
        select(column).where(*where).order_by(column))))


def test_the_database_as_the_app_left_it_verifies(
        worked: Worked, capsys: pytest.CaptureFixture[str]) -> None:
    url, _db, outbox = worked
    code, err = _verify(url, outbox, capsys)
    assert code == 0, err
    # Every kind of row is sealed: none of them predates the seals here.
    def counts(s: Session) -> dict[str, int]:
        return {t: int(s.get(AppMeta, seals.SEAL_FROM_KEY.format(table=t)).value)  # type: ignore[union-attr]
                for t in ("order_lines", "settlements", "exported_decisions")}
    assert _with_session(url, counts) == dict.fromkeys(
        ("order_lines", "settlements", "exported_decisions"), 0)


@pytest.mark.parametrize("seal", ["as the app writes them", "in the form before tx"])
def test_a_refund_x10_with_a_seal_appended_is_named(
        worked: Worked, capsys: pytest.CaptureFixture[str], seal: str) -> None:
    """The issue's tamper: the refund x10, then one correctly chained row.sealed entry
    for the row as it now is."""
    url, db, outbox = worked
    decision = _first(url, Decision, Decision.refund > Decimal(0))
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE decisions SET refund = refund * 10 WHERE id = ?", (decision,))
    _append(url, _seal_now(url, Decision, decision, tx=seal == "as the app writes them"))
    code, err = _verify(url, outbox, capsys)
    assert code == 1 and err.startswith("error: audit log broken"), err
    assert f"decisions #{decision} was changed outside the app" in err
    assert "appended by hand" in err


def test_a_forged_action_does_not_change_a_decision_either(
        worked: Worked, capsys: pytest.CaptureFixture[str]) -> None:
    """A decision never changes what it seals once written: an action entry forged with
    the seal does not make a changed refund the app's."""
    url, db, outbox = worked
    decision = _first(url, Decision, Decision.refund > Decimal(0))
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE decisions SET refund = refund * 10 WHERE id = ?", (decision,))
    _append(url, ("decision.accepted", "decisions", str(decision), {"tx": "own"}),
            _seal_now(url, Decision, decision))
    code, err = _verify(url, outbox, capsys)
    assert code == 1 and f"decisions #{decision} was changed outside the app" in err


@pytest.mark.parametrize("column", [c for c in ("unit_price_paid", "unit_tax", "price_total",
                                                 "tax_total") if c in OrderLine.__table__.c])
def test_an_order_lines_price_changed_is_named(
        worked: Worked, capsys: pytest.CaptureFixture[str], column: str) -> None:
    url, db, outbox = worked
    line = _first(url, OrderLine)
    with sqlite3.connect(db) as conn:
        conn.execute(f"UPDATE order_lines SET {column} = {column} * 10 + 100 WHERE id = ?",
                     (line,))
    _append(url, _seal_now(url, OrderLine, line))
    code, err = _verify(url, outbox, capsys)
    assert code == 1 and f"order_lines #{line} was changed outside the app" in err, err


def test_an_approval_turned_round_is_named(worked: Worked,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    """A denied exception made approved, sealed again with no answer of the app behind
    it: the answer the app recorded stands."""
    url, db, outbox = worked
    approval = _first(url, Approval, Approval.status == "denied")
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE approvals SET status = 'approved', note = 'ok' WHERE id = ?",
                     (approval,))
    _append(url, _seal_now(url, Approval, approval))
    code, err = _verify(url, outbox, capsys)
    assert code == 1 and f"approvals #{approval} was changed outside the app" in err, err


def test_a_seal_appended_for_an_unchanged_row_is_named(
        worked: Worked, capsys: pytest.CaptureFixture[str]) -> None:
    """Seals for content the row never had are themselves tampering."""
    url, _db, outbox = worked
    settlement = _first(url, Settlement)
    _append(url, (seals.SEAL_ACTION, "settlements", str(settlement),
                  {"sha256": "0" * 64, "tx": "own"}))
    code, err = _verify(url, outbox, capsys)
    assert code == 1 and f"settlements #{settlement}: entry" in err and "by hand" in err


def test_a_settlement_changed_is_named(worked: Worked,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    url, db, outbox = worked
    settlement = _first(url, Settlement)
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE settlements SET idempotency_key = idempotency_key || '-x', "
                     "revision = 2 WHERE id = ?", (settlement,))
    code, err = _verify(url, outbox, capsys)
    assert code == 1 and f"settlements #{settlement} was changed outside the app" in err


def test_a_deleted_exported_decision_is_named_and_stops_the_export(
        worked: Worked, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The issue's second tamper: a row of exported_decisions deleted. `audit verify`
    names it, and the export refuses with the row named (never an IntegrityError)."""
    url, db, outbox = worked
    with sqlite3.connect(db) as conn:
        decision, batch = conn.execute("SELECT decision_id, batch_id FROM exported_decisions "
                                       "ORDER BY decision_id LIMIT 1").fetchone()
        conn.execute("DELETE FROM exported_decisions WHERE decision_id = ?", (decision,))
    code, err = _verify(url, outbox, capsys)
    assert code == 1
    assert f"exported_decisions row of decision #{decision} was deleted outside the app" \
        in err, err
    for key, value in OFFICE_ENV.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("RETURNBENCH_USER", "maria")
    monkeypatch.setenv("RETURNBENCH_PIN", "444444")
    code = run(["export-settlements", "--db", url, "--outbox", str(outbox)])
    err = capsys.readouterr().err.strip()
    assert code == 1 and len(err.splitlines()) == 1 and "Unexpected" not in err
    assert f"decision #{decision} was settled" in err and f"batch {batch})" in err, err


def test_a_row_inserted_by_hand_has_no_seal(worked: Worked,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    url, db, outbox = worked
    with sqlite3.connect(db) as conn:
        columns = [r[1] for r in conn.execute("PRAGMA table_info(order_lines)")]
        copied = ", ".join(c for c in columns if c != "id")
        conn.execute(f"INSERT INTO order_lines ({copied}) SELECT {copied} FROM order_lines "
                     "ORDER BY id LIMIT 1")
        line = conn.execute("SELECT max(id) FROM order_lines").fetchone()[0]
    code, err = _verify(url, outbox, capsys)
    assert code == 1 and f"order_lines #{line} has no seal" in err


def test_rows_from_before_the_seals_are_left_alone(
        worked: Worked, capsys: pytest.CaptureFixture[str]) -> None:
    """A database upgraded to 0016: its order lines, settlements and exported decisions
    from before have no seal, and are not reported for it (their cutover is recorded)."""
    url, db, outbox = worked
    with sqlite3.connect(db) as conn:
        top = conn.execute("SELECT max(id) FROM order_lines").fetchone()[0]
        conn.execute("UPDATE app_meta SET value = ? WHERE key = ?",
                     (str(top + 1), seals.SEAL_FROM_KEY.format(table="order_lines")))
        columns = [r[1] for r in conn.execute("PRAGMA table_info(order_lines)")]
        copied = ", ".join(c for c in columns if c != "id")
        conn.execute(f"INSERT INTO order_lines (id, {copied}) SELECT ?, {copied} FROM "
                     "order_lines ORDER BY id LIMIT 1", (top + 1,))
    assert _verify(url, outbox, capsys)[0] == 0


def test_an_import_seals_its_lines(tmp_path: Path) -> None:
    """Order lines bulk-inserted by an import are sealed as stored (one entry per
    transaction and table, not one per line)."""
    url = f"sqlite:///{tmp_path / 'bench.db'}"
    services = bootstrap(load_settings(url, "OFFICE-1"), FixedClock(NOW))
    try:
        report = office_imports(services.session_factory, FixedClock(NOW)).import_orders(
            export_csv(_good_rows()), "orders.csv")
        assert report.ok, report.summary()
        def check(s: Session) -> None:
            result = audit.verify(s)
            assert result.ok, result.message
            entries = s.scalars(select(AuditEvent).where(
                AuditEvent.action == seals.SEAL_ACTION,
                AuditEvent.entity == "order_lines")).all()
            lines = s.scalars(select(OrderLine.id)).all()
            assert len(entries) == 1 and len(lines) > 1
            assert set(entries[0].payload["rows"]) == {str(i) for i in lines}
        _with_session(url, check)
        with sqlite3.connect(tmp_path / "bench.db") as conn:
            conn.execute("UPDATE order_lines SET unit_price_paid = unit_price_paid + 1 "
                         "WHERE id = (SELECT max(id) FROM order_lines)")
        _with_session(url, lambda s: _refused(audit.verify(s), "order_lines #"))
    finally:
        services.dispose()


def _refused(result: audit.VerifyResult, words: str) -> None:
    assert not result.ok and words in result.message and result.rows, result.message
