"""A scanner's burst in the real window, at 10k, 100k and 1M returns, on SQLite and
PostgreSQL: the path every parcel takes (the keyboard wedge's key events, the scan router,
`Shell.handle_scan`, the bench session and its services, the Receive page repainted),
timed from the first key event to the page showing the parcel. Each run also times the
bare baseline (one indexed read of an RMA by number, same database, same run) and prints
the ratio, and lists any statement of a scan whose plan reads a growing table whole.

Budget (issue 28): p95 under 25 ms, and flat from 10k to 1M (no read on the scan path
that grows with the tables).

Each database is measured in a fresh process (benchmarks/scan_window.py). SQLite files
are kept in --data and reused while they hold enough returns not yet received (each scan
receives one); PostgreSQL runs on --pg (a server URL; databases rb_scan_<n> are made and
kept there) or, without it, on a throwaway server (tests/helpers/postgres.py, fsync on).
Databases are filled by gen_scale.py (1M takes a few minutes each).

Usage: python benchmarks/bench_scan_window.py [--sizes 10000,100000,1000000]
           [--databases sqlite,postgresql] [--scans 300] [--key-ms 0] [--data DIR]
           [--pg postgresql+psycopg://user@host/postgres] [--json FILE]
   or, one database already filled: python benchmarks/scan_window.py --db URL [--explain]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from scale_dbs import Postgres, measure_in_child
from scale_dbs import sqlite_db as _sqlite
from stats import machine_speed, pct, record

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
BUDGET_MS = 25.0
WARMUP = 20


def measure(url: str, scans: int, key_ms: float) -> dict[str, Any]:
    return measure_in_child(HERE / "scan_window.py", url,
                            ["--scans", str(scans), "--warmup", str(WARMUP), "--key-ms",
                             str(key_ms), "--explain", "--json"], 1800)


def merge(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """One database's rounds as one result: percentiles of all their samples."""
    screen = [x for r in runs for x in r["samples"]]
    bare = [x for r in runs for x in r["bare_samples"]]
    last = runs[-1]
    return {**last, "scans": len(screen), "statements": max(r["statements"] for r in runs),
            "screen": {str(p): pct(screen, p) for p in (50, 95, 99)},
            "bare": {str(p): pct(bare, p) for p in (50, 95, 99)},
            "plans": [p for r in runs for p in r.get("plans", [])],
            "samples": screen, "bare_samples": bare}


def table(results: list[dict[str, Any]]) -> str:
    head = (f"{'database':<11}{'returns':>11}{'p50':>8}{'p95':>8}{'p99':>8}{'bare p50':>10}"
            f"{'bare p95':>10}{'x p50':>7}{'x p95':>7}{'stmts':>7}  growing reads  budget")
    rows = [head, "-" * len(head)]
    for r in results:
        s, b = r["screen"], r["bare"]
        full = sorted({t for p in r.get("plans", []) for t in p["full"]})
        record("scanner burst to screen (real window)", r["database"], r["returns"],
               s["50"], s["95"], BUDGET_MS, b["95"],
               f"growing reads: {', '.join(full) or 'none'}; its {r['statements']} statements "
               f"p50 {r.get('sql_ms', {}).get('50', float('nan')):.1f} ms at the database")
        rows.append(
            f"{r['database']:<11}{r['returns']:>11,}{s['50']:>8.1f}{s['95']:>8.1f}"
            f"{s['99']:>8.1f}{b['50']:>10.2f}{b['95']:>10.2f}"
            f"{s['50'] / max(b['50'], 1e-6):>7.0f}{s['95'] / max(b['95'], 1e-6):>7.0f}"
            f"{r['statements']:>7}  {', '.join(full) or 'none':<13}  "
            f"{'met' if s['95'] < BUDGET_MS else 'MISSED'}")
    for db in dict.fromkeys(r["database"] for r in results):
        mine = [r for r in results if r["database"] == db]
        if len(mine) > 1:
            small, big = mine[0], mine[-1]
            rows.append(f"{db}: p95 at {big['returns']:,} is "
                        f"{big['screen']['95'] / small['screen']['95']:.2f}x p95 at "
                        f"{small['returns']:,} (flat: within 1.5x)")
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--scans", type=int, default=300, help="per database, in all")
    parser.add_argument("--rounds", type=int, default=3,
                        help="each database measured this many times, in turn")
    parser.add_argument("--key-ms", type=float, default=0.0,
                        help="ms between the burst's keys (0: queued at once)")
    parser.add_argument("--data", type=Path,
                        default=Path(tempfile.gettempdir()) / "returnbench-scale")
    parser.add_argument("--pg", help="a PostgreSQL server URL (else a throwaway server)")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    kinds = args.databases.split(",")
    need = args.scans + args.rounds * WARMUP
    args.data.mkdir(parents=True, exist_ok=True)
    speed = machine_speed()
    print(f"scanner burst to screen, real window (offscreen): {args.scans} scans per "
          f"database, keys {args.key_ms:g} ms apart; machine speed {speed:.0f} ms "
          "(a fixed Python loop: about 400 fast, 750 slow)", flush=True)
    pg: Postgres | None = None
    targets: list[tuple[str, int, str]] = []
    try:
        for kind in kinds:
            if kind == "postgresql":
                try:
                    pg = Postgres(args.pg)
                except Exception as exc:  # noqa: BLE001 - no server here: say so, go on
                    print(f"  PostgreSQL skipped: {exc}")
                    continue
            for n in sizes:
                url = pg.database(n, need) if kind == "postgresql" and pg \
                    else _sqlite(args.data, n, need)
                targets.append((kind, n, url))
        # Rounds over every database in turn: a busy minute on this machine slows each
        # size alike, and the flatness compares like with like.
        runs: dict[tuple[str, int], list[dict[str, Any]]] = {}
        per_round = max(1, args.scans // args.rounds)
        for round_no in range(1, args.rounds + 1):
            for kind, n, url in targets:
                t0 = time.perf_counter()
                r = measure(url, per_round, args.key_ms)
                runs.setdefault((kind, n), []).append(r)
                print(f"  round {round_no}: {kind} {n:,}: p50 {r['screen']['50']:.1f} ms, "
                      f"p95 {r['screen']['95']:.1f} ms ({time.perf_counter() - t0:.0f} s)",
                      flush=True)
    finally:
        if pg is not None:
            pg.close()
    results = [merge(rs) for rs in runs.values()]
    print()
    print(table(results))
    print(f"machine speed after: {machine_speed():.0f} ms")
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
