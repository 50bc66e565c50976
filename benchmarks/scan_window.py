"""One run of the scanner's path in the real window, on one database (used by
bench_scan_window.py, which runs it in a fresh process per database and makes the table).

The real MainWindow (offscreen), Ines (inspector) signed in through the sign-in page's
signal, landed on Receive. Each scan is a keyboard wedge's burst: one QKeyEvent press and
release per character, then Enter, posted to the focused widget as the keyboard driver
queues them (`--key-ms` apart; 0: the whole burst at once, as a USB scanner's reports
arrive), so it goes through the application's scan router, `Shell.handle_scan`, the bench
session, the services and the repaint. Timed from the first key event to the Receive
page's headline showing the parcel's RMA and the page repainted. Beside each scan, the
bare baseline: one indexed read of an RMA by number, on the same database, in the same
run (interleaved, so a busy machine slows both).

`--explain` also records every statement of the first measured scan and prints its plan
(EXPLAIN QUERY PLAN on SQLite, EXPLAIN on PostgreSQL), naming any whole read of a table
that grows with the returns (tests/helpers/plans.py).
"""

from __future__ import annotations

import json
import os
import random
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("RETURNBENCH_OFFLINE_COPY_MINUTES", "0")  # no local copy of 1M rows
os.environ.setdefault("RETURNBENCH_DATA_DIR", tempfile.mkdtemp(prefix="rb-scanbench-"))
os.environ.pop("RETURNBENCH_SCAN_GAP_MS", None)  # the router on, at its default gap

from sqlalchemy import Engine, event, text
from stats import pct

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication, QWidget

from app.bootstrap import Services, bootstrap
from app.config import load_settings
from tests.helpers.plans import plan
from ui.sounds import SilentSounds
from ui.window import MainWindow

STATION = "BENCH-SCAN"


@dataclass
class Trace:
    on: bool = False
    statements: list[tuple[str, Any, float]] = field(default_factory=list)
    started: dict[int, float] = field(default_factory=dict)


def _listen(engine: Engine, trace: Trace) -> None:
    @event.listens_for(engine, "before_cursor_execute")
    def _before(conn: Any, cursor: Any, statement: str, params: Any, context: Any,
                many: bool) -> None:
        if trace.on:
            trace.started[id(cursor)] = time.perf_counter()

    @event.listens_for(engine, "after_cursor_execute")
    def _after(conn: Any, cursor: Any, statement: str, params: Any, context: Any,
               many: bool) -> None:
        if trace.on:
            t0 = trace.started.pop(id(cursor), time.perf_counter())
            trace.statements.append((statement, params, (time.perf_counter() - t0) * 1000))


def _picks(engine: Engine, n: int, seed: int) -> list[tuple[str, str, str]]:
    """(rma number, tracking number, order number) of returns not received yet: each scan
    records a receipt, as the first scan of a parcel does."""
    with engine.connect() as conn:
        ids = sorted(conn.scalars(text(
            "SELECT id FROM return_authorizations WHERE status <> 'received' "
            "AND tracking_number IS NOT NULL")))
        out: list[tuple[str, str, str]] = []
        for i in random.Random(seed).sample(ids, min(n, len(ids))):
            row = conn.execute(text(
                "SELECT r.number, r.tracking_number, o.number FROM return_authorizations r "
                "JOIN orders o ON o.id = r.order_id WHERE r.id = :i"), {"i": i}).one()
            out.append((row[0], row[1], row[2]))
    if len(out) < n:
        raise SystemExit(f"only {len(out)} returns not yet received: fill a new database")
    return out


def _keys(code: str) -> list[QKeyEvent]:
    events = []
    for ch in code:
        key = Qt.Key(ord(ch.upper()))
        mods = Qt.KeyboardModifier.ShiftModifier if ch.isupper() else \
            Qt.KeyboardModifier.NoModifier
        events.append(QKeyEvent(QEvent.Type.KeyPress, key, mods, ch))
        events.append(QKeyEvent(QEvent.Type.KeyRelease, key, mods, ch))
    events.append(QKeyEvent(QEvent.Type.KeyPress, Qt.Key.Key_Return,
                            Qt.KeyboardModifier.NoModifier, "\r"))
    events.append(QKeyEvent(QEvent.Type.KeyRelease, Qt.Key.Key_Return,
                            Qt.KeyboardModifier.NoModifier, "\r"))
    return events


def _idle(app: QApplication, ms: float) -> None:
    end = time.perf_counter() + ms / 1000
    while time.perf_counter() < end:
        app.processEvents()
        time.sleep(0.001)


def _burst(app: QApplication, window: MainWindow, code: str, rma: str, key_ms: float
           ) -> float:
    """The burst into the focused widget; ms from its first key to the parcel painted."""
    shell = window.shell
    assert shell is not None
    headline = shell.receive.card.headline
    target: QWidget = QApplication.focusWidget() or shell.receive.scan
    events = _keys(code)
    t0 = time.perf_counter()
    for i, ev in enumerate(events):
        QApplication.postEvent(target, ev)
        if key_ms > 0 and ev.type() == QEvent.Type.KeyRelease and i + 1 < len(events):
            due = t0 + (i // 2 + 1) * key_ms / 1000
            while time.perf_counter() < due:
                app.processEvents()
    deadline = time.perf_counter() + 10
    while not (headline.isVisible() and rma in headline.text()):
        app.processEvents()
        if time.perf_counter() > deadline:
            raise SystemExit(f"the scan of {code} never showed {rma}: "
                             f"{shell.receive.banner.text()!r}")
    shell.receive.repaint()
    return (time.perf_counter() - t0) * 1000


def _bare(engine: Engine, number: str) -> float:
    with engine.connect() as conn:
        t0 = time.perf_counter()
        conn.execute(text("SELECT id FROM return_authorizations WHERE number = :n"),
                     {"n": number}).first()
        return (time.perf_counter() - t0) * 1000


def _plans(engine: Engine, statements: list[tuple[str, Any, float]]) -> list[dict[str, Any]]:
    """Each distinct statement once, with its plan and the growing tables it reads whole."""
    seen: dict[str, dict[str, Any]] = {}
    for sql, params, ms in statements:
        key = " ".join(sql.split())
        if key in seen:
            seen[key]["runs"] += 1
            seen[key]["ms"] += ms
            continue
        entry: dict[str, Any] = {"sql": key, "runs": 1, "ms": ms, "plan": [], "full": []}
        seen[key] = entry
        if key.split(" ", 1)[0].upper() in ("SELECT", "UPDATE", "DELETE", "WITH"):
            with engine.connect() as conn:
                entry["plan"], entry["full"] = plan(conn, sql, params)
                conn.rollback()
    return list(seen.values())


def run(url: str, scans: int, warmup: int, key_ms: float, seed: int, explain: bool
        ) -> dict[str, Any]:
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    services: Services = bootstrap(load_settings(url, STATION))
    engine = services.engine
    with engine.connect() as conn:
        total = int(conn.scalar(text("SELECT count(*) FROM return_authorizations")) or 0)
        inspections = int(conn.scalar(text("SELECT count(*) FROM inspections")) or 0)
    picks = _picks(engine, warmup + scans, seed)
    trace = Trace()
    _listen(engine, trace)
    window = MainWindow(services, sounds=SilentSounds())
    window.resize(1280, 800)
    window.show()
    window.activateWindow()
    _idle(app, 200)
    user = services.auth.sign_in("ines", "1111")
    window.sign_in.signed_in.emit(user)  # what the sign-in page sends on a good PIN
    deadline = time.perf_counter() + 30
    while window.shell is None or QApplication.focusWidget() is not window.shell.receive.scan:
        app.processEvents()  # landed on Receive, the scan field focused
        if time.perf_counter() > deadline:
            raise SystemExit("the window never landed on Receive after sign-in")
    _idle(app, 200)
    shell = window.shell
    assert shell is not None and shell.pages.currentWidget() is shell.receive
    rng = random.Random(seed)
    screen, bare, per_scan, kinds, keys, sql_ms = [], [], [], [], [], []
    for i, (rma, tracking, order) in enumerate(picks):
        roll = rng.random()  # the label on the parcel: tracking 60%, RMA 30%, order 10%
        kind = "tracking" if roll < 0.6 else "rma" if roll < 0.9 else "order"
        code = {"tracking": tracking, "rma": rma, "order": order}[kind]
        measured = i >= warmup
        trace.statements.clear()
        trace.on = measured
        ms = _burst(app, window, code, rma, key_ms)
        trace.on = False
        if measured:
            screen.append(ms)
            kinds.append(kind)
            keys.append(len(code))  # Enter comes len(code) gaps after the first key
            per_scan.append(len(trace.statements))
            sql_ms.append(sum(ms for _sql, _params, ms in trace.statements))
            bare.append(_bare(engine, rma))
            if explain and i == warmup:
                first = list(trace.statements)
        _idle(app, 40)  # the next parcel picked up: more than the router's gap
    result: dict[str, Any] = {
        "database": engine.dialect.name, "returns": total, "inspections": inspections,
        "scans": scans, "key_ms": key_ms, "statements": max(per_scan),
        "burst_ms": statistics.mean(keys) * key_ms,  # the keys' own spread, in the time
        "screen": {p: pct(screen, p) for p in (50, 95, 99)},
        "bare": {p: pct(bare, p) for p in (50, 95, 99)}, "samples": screen, "kinds": kinds,
        "bare_samples": bare,
        # The time a scan's statements took at the database (commit's fsync apart): the
        # rest of the burst-to-screen time is the app's own Python and the repaint.
        "sql_ms": {p: pct(sql_ms, p) for p in (50, 95)},
    }
    if explain:
        result["plans"] = _plans(engine, first)
    window.close()
    services.dispose()
    return result


def main() -> None:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", required=True)
    parser.add_argument("--scans", type=int, default=300)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--key-ms", type=float, default=0.0)
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument("--explain", action="store_true")
    parser.add_argument("--json", action="store_true", help="one JSON line on stdout")
    args = parser.parse_args()
    result = run(args.db, args.scans, args.warmup, args.key_ms, args.seed, args.explain)
    if args.json:
        print(json.dumps(result))
    else:
        print(report(result))
    sys.stdout.flush()
    # PySide6 can crash while finalising the interpreter after offscreen widgets were
    # used; the numbers are printed, so leave without the interpreter's teardown.
    os._exit(0)


def report(r: dict[str, Any]) -> str:
    s, b = r["screen"], r["bare"]
    out = [f"{r['database']}, {r['returns']:,} returns ({r['inspections']:,} inspections): "
           f"{r['scans']} scans, keys {r['key_ms']:g} ms apart (the burst itself "
           f"{r['burst_ms']:.0f} ms of it), at most {r['statements']} "
           "statements a scan",
           f"  burst to screen  p50 {s[50]:7.2f}  p95 {s[95]:7.2f}  p99 {s[99]:7.2f} ms",
           f"  bare indexed read p50 {b[50]:6.2f}  p95 {b[95]:7.2f}  p99 {b[99]:7.2f} ms",
           f"  ratio at p50 {s[50] / max(b[50], 1e-6):.0f}x, at p95 "
           f"{s[95] / max(b[95], 1e-6):.0f}x"]
    for entry in r.get("plans", []):
        flag = f"  READS WHOLE {', '.join(entry['full'])}" if entry["full"] else ""
        out.append(f"  [{entry['runs']}x {entry['ms']:.2f} ms]{flag} {entry['sql'][:160]}")
        out.extend(f"      {line}" for line in entry["plan"])
    return "\n".join(out)


if __name__ == "__main__":
    main()
