"""Demo data for 2,000 orders: wall time on SQLite (file) and, when given, PostgreSQL.

Baseline in the same run: inserting the same number of order rows with one executemany
of plain tuples through the DB driver, to show what the ORM and generation cost on top.
Usage: python benchmarks/bench_demo_data.py [--pg URL] [--orders N]
"""

from __future__ import annotations

import argparse
import datetime as dt
import sqlite3
import statistics
import tempfile
import time
from pathlib import Path

from app.services.demo_data import load_demo_data
from models.db import make_engine, make_session_factory, upgrade


def run_once(url: str, orders: int) -> float:
    engine = make_engine(url)
    upgrade(engine)
    t0 = time.perf_counter()
    load_demo_data(make_session_factory(engine), orders=orders, seed=7,
                   today=dt.date(2026, 11, 22))
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
    times = []
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(args.runs):
            times.append(run_once(f"sqlite:///{Path(tmp) / f'demo{i}.db'}", args.orders))
        base = baseline_sqlite(Path(tmp) / "base.db", args.orders)
    print(f"demo-data {args.orders} orders on SQLite: median {statistics.median(times):.2f} s "
          f"(runs {', '.join(f'{t:.2f}' for t in times)})")
    print(f"baseline: {args.orders} bare order rows by executemany: {base * 1000:.1f} ms")
    if args.pg:
        pg_time = run_once(args.pg, args.orders)
        print(f"demo-data {args.orders} orders on PostgreSQL: {pg_time:.2f} s")


if __name__ == "__main__":
    main()
