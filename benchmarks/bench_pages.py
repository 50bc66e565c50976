"""Each page of the real window (F1-F10), timed from its key to its rows painted, at 10k,
100k and 1M returns on SQLite and PostgreSQL, with a bare baseline (one indexed read of
an RMA by number, same database, same run, interleaved) and the ratio.

The real MainWindow (offscreen), Maria (manager: every page) signed in, the clock at the
scale generator's day (so Reports reads the generated month). Each sample: the page's
function key into the focused widget (the app's shortcuts, as a keyboard sends it), then
the event loop until the page and its background reads are done (Reports reads its
figures off the UI thread, ui/ops.py), then the page painted. Reports is read afresh on
each visit (its last figures are dropped first), over the default 30 days.

Budget (issue 28): every page's data under 200 ms p95 at 1M, reports over 30 days
included.

Databases are the scan benchmark's (benchmarks/scale_dbs.py: filled by gen_scale.py with
history once and kept): SQLite files scan-<n>.db in --data, PostgreSQL databases
rb_scan_<n> on --pg (a server URL) or on a throwaway server (tests/helpers/postgres.py,
fsync on). Each database is measured in a fresh process.

Usage: python benchmarks/bench_pages.py [--sizes 10000,100000,1000000]
           [--databases sqlite,postgresql] [--rounds 15] [--data DIR] [--pg URL]
   or, one database already filled: python benchmarks/bench_pages.py --db URL
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from gen_scale import NOW
from scale_dbs import Postgres, measure_in_child
from scale_dbs import sqlite_db as _sqlite
from sqlalchemy import text
from sqlalchemy.engine import make_url
from stats import machine_speed, pct, record

HERE = Path(__file__).resolve().parent
BUDGET_MS = 200.0
PAGES = (("F1", "Receive"), ("F2", "Inspect"), ("F3", "Claims"), ("F4", "Approvals"),
         ("F5", "Reports"), ("F6", "Settings"), ("F8", "Put-away"), ("F9", "QA"),
         ("F10", "Needs a look"))


def run_one(url: str, rounds: int) -> dict[str, Any]:
    """In this process: the window on `url`, every page `rounds` times."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ["RETURNBENCH_OFFLINE_COPY_MINUTES"] = "0"  # no local copy of 1M rows
    os.environ.setdefault("RETURNBENCH_DATA_DIR", tempfile.mkdtemp(prefix="rb-pages-"))
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    from app.bootstrap import bootstrap
    from app.clock import FixedClock
    from app.config import load_settings
    from ui.ops import BackgroundOp
    from ui.sounds import SilentSounds
    from ui.window import MainWindow

    app = QApplication.instance() or QApplication([])
    services = bootstrap(load_settings(url, "BENCH-PAGES"), FixedClock(NOW))
    services.start_station()
    window = MainWindow(services, sounds=SilentSounds())
    window.resize(1366, 850)
    window.show()
    window.sign_in.signed_in.emit(services.bench_auth.sign_in("maria", "444444"))
    shell = window.shell
    assert shell is not None

    def settle() -> None:
        while not BackgroundOp.idle():
            app.processEvents()
            time.sleep(0.0005)
        app.processEvents()

    settle()
    with services.engine.connect() as conn:
        numbers = list(conn.scalars(text(
            "SELECT number FROM return_authorizations ORDER BY id DESC LIMIT 50")))
    bare_sql = text("SELECT id FROM return_authorizations WHERE number = :n")
    keys = {name: getattr(Qt.Key, f"Key_{key}") for key, name in PAGES}
    samples: dict[str, list[float]] = {name: [] for _key, name in PAGES}
    bare: list[float] = []
    for round_no in range(rounds + 1):  # the first round warms up
        for _key, name in PAGES:
            if name == "Reports":
                shell.reports.kpis = None  # read afresh on this visit
            focus = app.focusWidget() or shell
            t0 = time.perf_counter()
            QTest.keyClick(focus, keys[name])
            settle()
            page = shell.pages.currentWidget()
            page.repaint()
            took = (time.perf_counter() - t0) * 1000
            assert shell.nav.currentItem().text().startswith(name), name
            with services.engine.connect() as conn:
                b0 = time.perf_counter()
                conn.execute(bare_sql, {"n": numbers[round_no % len(numbers)]}).one()
                b = (time.perf_counter() - b0) * 1000
            if round_no:
                samples[name].append(took)
                bare.append(b)
    with services.engine.connect() as conn:
        returns = int(conn.scalar(text("SELECT count(*) FROM return_items")) or 0)
    window.close()
    services.dispose()
    return {"database": make_url(url).get_backend_name(), "returns": returns,
            "samples": samples, "bare": bare}


def measure(url: str, rounds: int) -> dict[str, Any]:
    return measure_in_child(HERE / "bench_pages.py", url,
                            ["--rounds", str(rounds), "--json-line"], 3600, stderr_tail=3000)


def table(results: list[dict[str, Any]]) -> str:
    head = (f"{'database':<11}{'returns':>11}  {'page':<13}{'p50':>8}{'p95':>8}"
            f"{'bare p50':>10}{'bare p95':>10}{'x p95':>8}  budget")
    rows = [head, "-" * len(head)]
    for r in results:
        bare = r["bare"]
        for _key, name in PAGES:
            s = r["samples"][name]
            record(f"page {name}: key to rows painted", r["database"], r["returns"],
                   pct(s, 50), pct(s, 95), BUDGET_MS, pct(bare, 95))
            rows.append(
                f"{r['database']:<11}{r['returns']:>11,}  {name:<13}{pct(s, 50):>8.1f}"
                f"{pct(s, 95):>8.1f}{pct(bare, 50):>10.2f}{pct(bare, 95):>10.2f}"
                f"{pct(s, 95) / max(pct(bare, 95), 1e-6):>8.0f}  "
                f"{'met' if pct(s, 95) < BUDGET_MS else 'MISSED'} (< {BUDGET_MS:.0f} ms)")
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", help="one database already filled by gen_scale.py")
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--rounds", type=int, default=15, help="samples per page")
    parser.add_argument("--data", type=Path,
                        default=Path(tempfile.gettempdir()) / "returnbench-scale")
    parser.add_argument("--pg", help="a PostgreSQL server URL (else a throwaway server)")
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument("--json-line", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.db and args.json_line:
        print(json.dumps(run_one(args.db, args.rounds)), flush=True)
        return
    speed = machine_speed()
    print(f"each page from its key to its rows painted, real window (offscreen), "
          f"{args.rounds} samples a page; machine speed {speed:.0f} ms (a fixed Python "
          "loop: about 400 fast, 750 slow)", flush=True)
    targets: list[str] = []
    pg: Postgres | None = None
    try:
        if args.db:
            targets.append(args.db)
        else:
            args.data.mkdir(parents=True, exist_ok=True)
            sizes = [int(s) for s in args.sizes.split(",")]
            for kind in args.databases.split(","):
                if kind == "postgresql":
                    try:
                        pg = Postgres(args.pg)
                    except Exception as exc:  # noqa: BLE001 - no server here: say so
                        print(f"  PostgreSQL skipped: {exc}")
                        continue
                for n in sizes:
                    targets.append(pg.database(n) if kind == "postgresql" and pg
                                   else _sqlite(args.data, n))
        results = []
        for url in targets:
            t0 = time.perf_counter()
            results.append(measure(url, args.rounds))
            print(f"  {url.split('?')[0]}: {time.perf_counter() - t0:.0f} s", flush=True)
    finally:
        if pg is not None:
            pg.close()
    print()
    print(table(results))
    print(f"machine speed after: {machine_speed():.0f} ms")
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
