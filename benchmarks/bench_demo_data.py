"""Demo data for 2,000 orders with its 60 days of history played through the services:
wall time on SQLite (file) and, when given, PostgreSQL.

Baselines measured in the same run, on the same machine state:
- the plain demo (orders and returns only, no history), and
- inserting the same number of order rows with one executemany of plain tuples through
  the DB driver,
so the ratios show what the history (and the ORM) cost on top, whatever the machine's
speed that minute. The goal: 2,000 orders with history within 15 s on SQLite.
Usage: python benchmarks/bench_demo_data.py [--pg URL] [--orders N] [--runs N]
"""

from __future__ import annotations

import argparse
import datetime as dt
import sqlite3
import statistics
import tempfile
import time
from pathlib import Path

from stats import machine_speed, pct, record

from app.demo_history import HistoryPlaces, load_demo
from models.db import make_engine, make_session_factory, upgrade

DAY = dt.date(2026, 12, 2)


def run_once(url: str, orders: int, history: Path | None) -> float:
    engine = make_engine(url)
    upgrade(engine)
    places = None if history is None else HistoryPlaces(
        history / "photos", history / "labels", history / "outbox", "BENCH-01")
    t0 = time.perf_counter()
    load_demo(make_session_factory(engine), orders=orders, seed=7, today=DAY, places=places)
    elapsed = time.perf_counter() - t0
    engine.dispose()
    return elapsed


def baseline_sqlite(path: Path, rows: int) -> float:
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, number TEXT, amount INTEGER)")
        t0 = time.perf_counter()
        conn.executemany("INSERT INTO t (number, amount) VALUES (?, ?)",
                         ((f"KP-{i}", i) for i in range(rows)))
        conn.commit()
        return time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--orders", type=int, default=2000)
    parser.add_argument("--pg", help="an empty PostgreSQL database URL")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    full, plain, base, speed = [], [], [], []
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for i in range(args.runs):  # interleaved, so a slow minute hits both alike
            speed.append(machine_speed())
            plain.append(run_once(f"sqlite:///{root / f'plain{i}.db'}", args.orders, None))
            full.append(run_once(f"sqlite:///{root / f'full{i}.db'}", args.orders,
                                 root / f"files{i}"))
            base.append(baseline_sqlite(root / f"base{i}.db", args.orders))
    med = statistics.median
    print(f"demo-data {args.orders} orders with 60 days of history on SQLite: median "
          f"{med(full):.2f} s (runs {', '.join(f'{t:.2f}' for t in full)}); goal 15 s")
    print(f"  baseline, plain demo (no history): median {med(plain):.2f} s; "
          f"history costs {med(full) / med(plain):.1f}x the plain demo")
    print(f"  baseline, {args.orders} bare order rows by executemany: "
          f"{med(base) * 1000:.1f} ms")
    print(f"  machine speed during the runs (fixed Python loop): "
          f"{', '.join(f'{v:.0f}' for v in speed)} ms")
    record(f"demo data, {args.orders:,} orders with 60 days of history", "sqlite", None,
           med(full) * 1000, pct(full, 95) * 1000, 15000.0, pct(plain, 95) * 1000,
           "bare: the plain demo (no history)")
    if args.pg:
        with tempfile.TemporaryDirectory() as tmp:
            pg_time = run_once(args.pg, args.orders, Path(tmp))
        print(f"demo-data {args.orders} orders with history on PostgreSQL: {pg_time:.2f} s")


if __name__ == "__main__":
    main()
