"""`main.py ledger check`, the money check anyone can run: clean on the 60-day demo
history (as a first start makes it), and each kind of breach found, named, after the
database or the outbox is changed by hand the way the breach would show."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session

from app.cli import run
from app.services.ledger import _Ledger, check_database
from models.db import make_engine
from tests.helpers.history import DB_NAME, copy_history, shared_history

Tamper = Callable[[sqlite3.Connection, Path], None]


def _ledger(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict[str, Any],
                                                                      str]:
    code = run(["ledger", "check", *args])
    out, err = capsys.readouterr()
    assert "Traceback" not in err and len(err.strip().splitlines()) <= 1, err
    return code, (json.loads(out) if out.strip() else {}), err.strip()


def test_the_demo_history_is_clean(tmp_path_factory: pytest.TempPathFactory,
                                   capsys: pytest.CaptureFixture[str]) -> None:
    data = shared_history(tmp_path_factory)  # read in place: the check writes nothing
    before = (data / DB_NAME).stat().st_mtime_ns
    code, report, err = _ledger(capsys, "--db", f"sqlite:///{data / DB_NAME}",
                                "--outbox", str(data / "outbox"))
    assert code == 0 and report["ok"] and not report["breaches"], (err, report)
    checked = report["checked"]
    assert checked["order_lines"] > 1000 and checked["settlements"] > 100
    assert checked["outbox_files"] == checked["settlements"]
    assert (data / DB_NAME).stat().st_mtime_ns == before


# --- tampering, each the way its breach would show ---------------------------------------
def _one(conn: sqlite3.Connection, sql: str, *params: Any) -> Any:
    row = conn.execute(sql, params).fetchone()
    assert row is not None, sql
    return row if len(row) > 1 else row[0]


def _copy_row(conn: sqlite3.Connection, table: str, row_id: int, **changed: Any) -> int:
    columns = [r[1] for r in conn.execute(f"PRAGMA table_info({table})") if r[1] != "id"]
    values = [f":{c}" if c in changed else f'"{c}"' for c in columns]
    names = ", ".join(f'"{c}"' for c in columns)
    conn.execute(f"INSERT INTO {table} ({names}) SELECT {', '.join(values)} "
                 f"FROM {table} WHERE id = :row_id", {**changed, "row_id": row_id})
    return int(_one(conn, f"SELECT max(id) FROM {table}"))


# A refund in force, exported, on an order line of one unit, with no shipping in it.
PLAIN_REFUND = """
    SELECT d.id, ri.id FROM decisions d JOIN return_items ri ON ri.id = d.return_item_id
    JOIN order_lines ol ON ol.id = ri.order_line_id
    WHERE d.superseded = 0 AND d.resolution = 'refund' AND ri.decision_status = 'completed'
      AND ol.quantity = 1 AND d.refund + d.restocking_fee = ol.price_total + ol.tax_total
    ORDER BY d.id LIMIT 1"""


def _a_unit_returned_twice(conn: sqlite3.Connection, _outbox: Path) -> None:
    """The one unit a line bought, refunded again on another return item."""
    decision, item = _one(conn, PLAIN_REFUND)
    twin = _copy_row(conn, "return_items", item, unit_no=99, line_unit=None)
    _copy_row(conn, "decisions", decision, return_item_id=twin)


def _a_refund_plus_a_dollar(conn: sqlite3.Connection, _outbox: Path) -> None:
    decision, _item = _one(conn, PLAIN_REFUND)
    conn.execute("UPDATE decisions SET refund = refund + 100 WHERE id = ?", (decision,))


def _shipping_on_two_decisions(conn: sqlite3.Connection, outbox: Path) -> None:
    """Two paying decisions of one order each given the order's outbound shipping ($12.95)
    on top of their unit's price and tax."""
    engine = make_engine(f"sqlite:///{outbox.parent / DB_NAME}")
    try:
        with Session(engine) as s:
            ledger = _Ledger(s, True)
            paying = ledger.priced + """, paying AS (SELECT * FROM priced p WHERE p.given > 0
                AND p.resolution IN ('refund', 'store_credit'))"""
            [(order,)] = ledger.rows(paying + """
                SELECT order_id FROM paying GROUP BY order_id
                HAVING count(*) >= 2 AND sum(shipping) = 0 ORDER BY order_id LIMIT 1""")
            raised = ledger.rows(paying + """
                SELECT decision_id, resolution, 1295 + unit_paid - given
                FROM paying WHERE order_id = :order ORDER BY decision_id LIMIT 2""",
                                 order=order)
    finally:
        engine.dispose()
    conn.execute("UPDATE orders SET shipping_paid = 1295 WHERE id = ?", (order,))
    for decision, resolution, cents in raised:
        column = "refund" if resolution == "refund" else "credit"
        conn.execute(f"UPDATE decisions SET {column} = {column} + ? WHERE id = ?",
                     (cents, decision))


def _a_managers_approval_made_a_supervisors(conn: sqlite3.Connection, _outbox: Path) -> None:
    """The approved manager's request of an RMA over $250 turned into a supervisor's."""
    conn.execute("UPDATE approvals SET level = 'supervisor' WHERE rma_id = (SELECT rma_id "
                 "FROM approvals WHERE kind = 'refund_over_threshold' AND status = "
                 "'approved' AND amount > 25000 ORDER BY id LIMIT 1)")


def _an_approved_exception_left_pending(conn: sqlite3.Connection, _outbox: Path) -> None:
    conn.execute("UPDATE return_items SET decision_status = 'pending' WHERE id = (SELECT "
                 "return_item_id FROM approvals WHERE kind = 'policy_exception' AND status "
                 "= 'approved' ORDER BY id LIMIT 1)")


def _a_denied_refund_exported(conn: sqlite3.Connection, _outbox: Path) -> None:
    """The refund a manager denied (store credit instead) put in an export batch."""
    decision = _one(conn, """
        SELECT d.id FROM decisions d JOIN approvals a ON a.rma_id = (SELECT rma_id FROM
            return_items WHERE id = d.return_item_id)
        WHERE a.kind = 'refund_over_threshold' AND a.status = 'denied' AND d.superseded = 1
          AND d.approval_level = 'manager' AND d.trace NOT LIKE '%"rule": "approved"%'
        ORDER BY d.id LIMIT 1""")
    conn.execute("INSERT INTO settlements (batch_id, decision_id, kind, unit_key, revision, "
                 "idempotency_key) VALUES (1, ?, 'settlement', ?, 1, ?)",
                 (decision, f"forged-{decision}", f"forged-{decision}"))
    conn.execute("INSERT INTO exported_decisions (decision_id, batch_id) VALUES (?, 1)",
                 (decision,))


def _an_exported_row_deleted(conn: sqlite3.Connection, _outbox: Path) -> None:
    conn.execute("DELETE FROM exported_decisions WHERE decision_id = (SELECT min(decision_id) "
                 "FROM exported_decisions)")


def _a_refund_sent_turned_to_nothing(conn: sqlite3.Connection, _outbox: Path) -> None:
    decision, _item = _one(conn, PLAIN_REFUND)
    conn.execute("UPDATE decisions SET resolution = 'return_to_customer' WHERE id = ?",
                 (decision,))


def _one_unit_key_twice(conn: sqlite3.Connection, _outbox: Path) -> None:
    conn.execute("DROP INDEX IF EXISTS uq_settlements_live_unit_key")  # as before 0014
    first, second = (r[0] for r in conn.execute(
        "SELECT id FROM settlements WHERE kind = 'settlement' ORDER BY id LIMIT 2"))
    conn.execute("UPDATE settlements SET unit_key = (SELECT unit_key FROM settlements WHERE "
                 "id = ?) WHERE id = ?", (first, second))


def _a_file_edited(_conn: sqlite3.Connection, outbox: Path) -> None:
    path = sorted(outbox.glob("decision-*.json"))[0]
    record = json.loads(path.read_text())
    record["refund"] = "999.99"
    path.write_text(json.dumps(record))


CASES: dict[str, tuple[Tamper, set[str], str]] = {
    # name: (tampering, the checks that must show, words in one of them)
    "a unit returned twice": (_a_unit_returned_twice, {"units_over_bought"},
                              "bought 1 and 2 units"),
    "a refund plus a dollar": (_a_refund_plus_a_dollar, {"unit_overpaid", "line_overpaid"},
                               "$1.00 beyond its unit's price and tax"),
    "shipping on two decisions": (_shipping_on_two_decisions, {"shipping_twice"},
                                  "outbound shipping is refunded 2 times"),
    "over $250 with no manager": (_a_managers_approval_made_a_supervisors,
                                  {"over_limit_without_manager"}, "no manager's approval"),
    "an approved exception left": (_an_approved_exception_left_pending,
                                   {"exception_not_settled"}, "neither settled nor"),
    "a denied refund exported": (_a_denied_refund_exported, {"paid_without_approval"},
                                 "denied it, and it went out in batch 1"),
    "an exported row deleted": (_an_exported_row_deleted, {"export_unpaired"},
                                "has no exported_decisions row"),
    "a refund sent as nothing": (_a_refund_sent_turned_to_nothing, {"export_not_money"},
                                 "a return to customer, which settles nothing"),
    "one unit key paid twice": (_one_unit_key_twice, {"unit_paid_twice"},
                                "2 settlements not reversed"),
    "an export file edited": (_a_file_edited, {"file_mismatch"}, "refund 999.99"),
}


@pytest.mark.parametrize("name", list(CASES))
def test_each_breach_is_found_and_named(name: str, tmp_path_factory: pytest.TempPathFactory,
                                        tmp_path: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    data = copy_history(tmp_path_factory, tmp_path / "data")
    tamper, checks, words = CASES[name]
    with sqlite3.connect(data / DB_NAME) as conn:
        conn.execute("PRAGMA foreign_keys=OFF")
        tamper(conn, data / "outbox")
    code, report, err = _ledger(capsys, "--db", f"sqlite:///{data / DB_NAME}",
                                "--outbox", str(data / "outbox"))
    found = {b["check"] for b in report["breaches"]}
    assert code == 1 and not report["ok"] and checks <= found, (found, report)
    assert any(words in b["detail"] for b in report["breaches"] if b["check"] in checks), \
        report["breaches"]
    assert err.startswith("error: ledger check: ") and str(len(report["breaches"])) in err


def test_a_check_that_cannot_run_exits_2(tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    code, report, err = _ledger(capsys, "--db", f"sqlite:///{tmp_path / 'none.db'}")
    assert code == 2 and not report and "cannot run" in err
    assert not (tmp_path / "none.db").exists()  # read-only: nothing made
    (tmp_path / "other.db").write_bytes(b"")
    code, _report, err = _ledger(capsys, "--db", f"sqlite:///{tmp_path / 'other.db'}")
    assert code == 2 and "not a ReturnBench database" in err
    code, _report, err = _ledger(capsys, "--db", "postgresql://nobody@127.0.0.1:9/none")
    assert code == 2 and "does not answer" in err


@pytest.mark.postgres
def test_the_check_on_postgresql(pg_demo_url: str, tmp_path: Path) -> None:
    """The same statements on PostgreSQL: clean on a worked demo database, and a refund
    raised by hand is found."""
    from app.bootstrap import bootstrap
    from app.clock import FixedClock
    from app.config import load_settings
    from tests.conftest import NOW
    from tests.helpers.rmas import refundable
    from tests.integration.test_exports import GRADE_A

    services = bootstrap(load_settings(pg_demo_url, "BENCH-01"), FixedClock(NOW))
    try:
        ines = services.auth.sign_in("ines", "1111")
        for i in range(3):
            services.decisions.accept(refundable(services.session_factory, skip=i),
                                      {1: GRADE_A}, ines)
        services.exports.export(tmp_path / "outbox", services.auth.sign_in("maria",
                                                                           "444444"))
    finally:
        services.dispose()
    report = check_database(pg_demo_url, tmp_path / "outbox")
    assert report.ok, report.summary()
    assert report.checked["outbox_files"] == report.checked["settlements"] >= 1
    engine = make_engine(pg_demo_url)
    try:
        with engine.begin() as conn:
            conn.exec_driver_sql(
                "UPDATE decisions SET refund = refund + 100 WHERE id = (SELECT min(e.decision_id)"
                " FROM exported_decisions e JOIN decisions d ON d.id = e.decision_id"
                " WHERE d.resolution = 'refund')")
    finally:
        engine.dispose()
    report = check_database(pg_demo_url, tmp_path / "outbox")
    assert {"unit_overpaid", "file_mismatch"} <= {b.check for b in report.breaches}, \
        report.summary()
