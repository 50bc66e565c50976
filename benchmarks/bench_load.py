"""Several benches on one PostgreSQL: N bench processes (default 10) for D seconds
(default 60), each doing the whole flow through the real services: scan a parcel in
(receive), hold its items, save the inspection draft, accept the decision, have a manager
answer the approval it opened, and queue the item label. The parcels come from one shared
pool, so benches do run into each other: the second bench must be told the item is held
or done, never decide it twice.

Afterwards the database is checked: no item with two decisions, no parcel with two
receipts, every write a bench reported is there (and nothing more), the audit chain
verifies, and no contention error (deadlock, serialization failure) reached a user.
Before the load, one bench alone runs for a short while: its p95 per action is the
baseline the loaded p95 is compared with.

Usage:
  python benchmarks/bench_load.py                      # a temporary PostgreSQL server
  python benchmarks/bench_load.py --db postgresql://... [--benches 10] [--seconds 60]
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import random
import sys
import tempfile
import time
import uuid
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

from stats import pct

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

ACTIONS = ("receive", "hold", "draft", "decide", "approve", "print")



def bench(url: str, station: str, seconds: float, pool: list[str], seed: int,
          labels: str, think: float, out: Any) -> None:
    """One bench: the whole flow in a loop until time is up; reports what it did."""
    from app.bootstrap import bootstrap
    from app.config import load_settings
    from app.domain.enums import Grade
    from app.errors import Conflict, Contention, ItemHeld, ReturnBenchError
    from app.services.decisions import InspectionInput

    settings = load_settings(url, station, printer=f"file:{labels}/{station}")
    services = bootstrap(settings)
    inspector = services.auth.sign_in("ines", "1111")
    manager = services.auth.sign_in("maria", "444444")
    rng = random.Random(seed)
    times: dict[str, list[float]] = defaultdict(list)
    counts: Counter[str] = Counter()
    errors: Counter[str] = Counter()
    grades = [Grade.A, Grade.A, Grade.B, Grade.C]
    deadline = time.monotonic() + seconds

    def timed(action: str, fn: Any, *args: Any, **kwargs: Any) -> Any:
        t0 = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            times[action].append((time.perf_counter() - t0) * 1000)

    while time.monotonic() < deadline:
        if think:
            time.sleep(rng.uniform(0.5, 1.5) * think)  # the inspector handling the dress
        number = rng.choice(pool)
        try:
            received = timed("receive", services.receiving.receive_parcel, number, number,
                             inspector)
            counts["receipts_new" if received.newly_received else "receipts_again"] += 1
            held = timed("hold", services.holds.acquire, number, inspector)
            if held.blocked:
                counts["told_item_held"] += 1
            if not held.held:
                counts["nothing_to_inspect"] += 1
                continue
            form = InspectionInput(grade=rng.choice(grades))
            forms = {unit: form for unit in held.held}
            for unit in held.held:
                timed("draft", services.inspection.save_draft, number, unit, form, inspector)
            key = uuid.uuid4().hex
            accepted = timed("decide", services.decisions.accept, number, forms, inspector,
                             request_key=key)
            counts["units_decided"] += len(accepted.decision_ids)
            counts["approvals_opened"] += len(accepted.approval_ids)
            for approval_id in accepted.approval_ids:
                timed("approve", services.approvals.answer, approval_id, manager, True,
                      "load test")
                counts["approvals_answered"] += 1
            for unit in held.held:
                timed("print", services.printing.print_label, number, unit, "item",
                      inspector, request_key=f"{key}/{unit}/item")
                counts["labels_queued"] += 1
        except Contention as exc:  # retried inside the service and still lost: a user sees it
            errors[f"contention: {exc.message[:60]}"] += 1
        except ItemHeld:
            counts["told_item_held"] += 1
        except Conflict as exc:
            errors[f"conflict: {exc.message[:60]}"] += 1
        except ReturnBenchError as exc:
            if "already" in exc.message:
                counts["told_already_done"] += 1
            else:
                errors[f"{type(exc).__name__}: {exc.message[:70]}"] += 1
        except Exception as exc:  # noqa: BLE001 - a bug: counted and reported
            errors[f"BUG {type(exc).__name__}: {str(exc)[:70]}"] += 1
    services.dispose()
    out.put({"station": station, "times": dict(times), "counts": dict(counts),
             "errors": dict(errors)})


def run_benches(url: str, n: int, seconds: float, pool: list[str], labels: str,
                prefix: str, think: float = 0.0
                ) -> tuple[dict[str, list[float]], Counter[str], Counter[str], float]:
    ctx = mp.get_context("spawn")
    out = ctx.Queue()
    procs = [ctx.Process(target=bench, args=(url, f"{prefix}-{i:02d}", seconds, pool, i, labels,
                                             think, out)) for i in range(n)]
    t0 = time.perf_counter()
    for p in procs:
        p.start()
    results = [out.get(timeout=seconds + 120) for _ in procs]
    for p in procs:
        p.join(30)
    wall = time.perf_counter() - t0
    times: dict[str, list[float]] = defaultdict(list)
    counts: Counter[str] = Counter()
    errors: Counter[str] = Counter()
    for r in results:
        for k, v in r["times"].items():
            times[k].extend(v)
        counts.update(r["counts"])
        errors.update(r["errors"])
    return times, counts, errors, wall


def _deadlocks(conn: Any) -> int:
    from sqlalchemy import text

    return int(conn.execute(text("SELECT deadlocks FROM pg_stat_database "
                                 "WHERE datname = current_database()")).scalar() or 0)


def check(url: str, counts: Counter[str]) -> list[str]:
    """What the database holds against what the benches said they did."""
    from sqlalchemy import text

    from app import audit
    from models.db import make_engine, make_session_factory

    engine = make_engine(url)
    problems = []
    with engine.connect() as c:
        def one(sql: str) -> int:
            return int(c.execute(text(sql)).scalar() or 0)

        twice = one("SELECT count(*) FROM (SELECT return_item_id FROM decisions "
                    "GROUP BY return_item_id HAVING count(*) > 1) t")
        double_receipts = one("SELECT count(*) FROM (SELECT rma_id FROM receipts "
                              "GROUP BY rma_id HAVING count(*) > 1) t")
        facts = {
            "items decided twice": (twice, 0),
            "parcels received twice": (double_receipts, 0),
            "receipts": (one("SELECT count(*) FROM receipts WHERE station_id IN (SELECT id "
                             "FROM stations WHERE name LIKE 'LOAD-%')"),
                         counts["receipts_new"]),
            "decisions": (one("SELECT count(*) FROM decisions d JOIN stations s ON "
                              "s.id = d.station_id WHERE s.name LIKE 'LOAD-%'"),
                          counts["units_decided"]),
            "approvals answered": (one("SELECT count(*) FROM approvals a JOIN stations s ON "
                                       "s.id = a.station_id WHERE s.name LIKE 'LOAD-%' "
                                       "AND a.status <> 'pending'"),
                                   counts["approvals_answered"]),
            "approvals left pending": (one("SELECT count(*) FROM approvals a JOIN stations s "
                                           "ON s.id = a.station_id WHERE s.name LIKE 'LOAD-%' "
                                           "AND a.status = 'pending'"),
                                       counts["approvals_opened"]
                                       - counts["approvals_answered"]),
            "print jobs": (one("SELECT count(*) FROM print_jobs p JOIN stations s ON "
                               "s.id = p.station_id WHERE s.name LIKE 'LOAD-%'"),
                           counts["labels_queued"]),
        }
        for name, (found, expected) in facts.items():
            mark = "ok" if found == expected else "MISMATCH"
            print(f"  {name:<24} in database {found:>7}   reported by benches {expected:>7}  "
                  f"{mark}")
            if found != expected:
                problems.append(name)
    with make_session_factory(engine)() as s:
        result = audit.verify(s)
        print(f"  audit chain              {result.entries} entries: {result.message}")
        if not result.ok:
            problems.append("audit chain")
    engine.dispose()
    return problems


def report(label: str, times: dict[str, list[float]], wall: float,
           baseline: dict[str, list[float]] | None) -> None:
    print(f"\n{label}")
    head = f"  {'action':<9}{'n':>7}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'max ms':>9}"
    print(head + ("   p95 vs 1 bench" if baseline else ""))
    for action in ACTIONS:
        v = times.get(action, [])
        if not v:
            continue
        line = (f"  {action:<9}{len(v):>7}{pct(v, 50):>9.1f}{pct(v, 95):>9.1f}"
                f"{pct(v, 99):>9.1f}{max(v):>9.1f}")
        if baseline and baseline.get(action):
            line += f"   x{pct(v, 95) / pct(baseline[action], 95):.2f}"
        print(line)
    flows = len(times.get("decide", []))
    print(f"  {flows} decisions in {wall:.1f} s wall = {flows / wall:.1f} per second")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", help="a PostgreSQL URL (default: a temporary server)")
    parser.add_argument("--benches", type=int, default=10)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--baseline-seconds", type=float, default=15)
    parser.add_argument("--returns", type=int, default=30_000)
    parser.add_argument("--pool", type=int, default=3_000,
                        help="parcels the benches draw from (smaller: more collisions)")
    parser.add_argument("--think", type=float, default=0.0,
                        help="mean seconds a bench spends between parcels (0: flat out)")
    args = parser.parse_args()

    server = None
    url = args.db
    if url is None:
        from tests.helpers.postgres import start_server

        server = start_server(durable=True)
        url = server.create_database("load")
    try:
        from sqlalchemy import text

        sys.path.insert(0, str(Path(__file__).resolve().parent))
        from gen_scale import generate

        from models.db import make_engine

        generate(url, args.returns, seed=5)
        engine = make_engine(url)
        with engine.connect() as c:
            numbers = [r[0] for r in c.execute(text(
                "SELECT number FROM return_authorizations WHERE status = 'in_transit' "
                "ORDER BY id"))]
            version = c.execute(text("SHOW server_version")).scalar()
            fsync = c.execute(text("SHOW fsync")).scalar()
            deadlocks_before = _deadlocks(c)
        engine.dispose()
        rng = random.Random(1)
        rng.shuffle(numbers)
        base_pool, load_pool = numbers[:2000], numbers[2000:2000 + args.pool]
        labels = tempfile.mkdtemp(prefix="rb-load-labels-")
        print(f"PostgreSQL {version} (fsync {fsync}), {args.returns:,} returns; "
              f"{args.benches} benches x {args.seconds:.0f} s on a pool of {len(load_pool):,} "
              f"parcels, think time {args.think:.1f} s; baseline 1 bench x "
              f"{args.baseline_seconds:.0f} s. This machine: {os.cpu_count()} CPU cores "
              "for the benches and the server together.")

        b_times, b_counts, b_errors, b_wall = run_benches(
            url, 1, args.baseline_seconds, base_pool, labels, "LOAD-BASE")
        report("Baseline: one bench alone", b_times, b_wall, None)
        times, counts, errors, wall = run_benches(url, args.benches, args.seconds, load_pool,
                                                  labels, "LOAD", args.think)
        report(f"Load: {args.benches} benches at once", times, wall, b_times)
        print("\n  outcomes: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
        all_counts = counts + b_counts
        print("\nChecks")
        problems = check(url, all_counts)
        user_errors = errors + b_errors
        contention = sum(v for k, v in user_errors.items() if k.startswith("contention"))
        print(f"  contention errors shown to a user: {contention}")
        engine = make_engine(url)
        with engine.connect() as c:
            print(f"  deadlocks the server detected (and the services retried): "
                  f"{_deadlocks(c) - deadlocks_before}")
        engine.dispose()
        for k, v in user_errors.most_common():
            print(f"  error x{v}: {k}")
        ok = not problems and not user_errors
        print("\nRESULT: " + ("PASS" if ok else f"FAIL ({', '.join(problems) or 'errors'})"))
        sys.exit(0 if ok else 1)
    finally:
        if server is not None:
            server.destroy()


if __name__ == "__main__":
    main()
