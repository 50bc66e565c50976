"""The queries a bench and a manager's desk run, at scale (fill the database first with
gen_scale.py, 1,000,000 returns with history): the approvals queue, the claims queue, the
bench's "answers to my requests" poll, the scan lookup, and taking and letting go of an
item hold. Goals: scan lookup p95 < 50 ms, approvals and claims queues p95 < 100 ms.

Baselines in the same run: the bare SQL selecting the same rows' ids, and the queues again
with the indexes of migration 0004 dropped (then put back), to show what they buy.

Usage: python benchmarks/bench_queues.py --db URL [--runs 50]
   or: python benchmarks/bench_queues.py --temp-server [--rmas 1000000]
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from sqlalchemy import Engine, text
from stats import line, pct, record

from app.bootstrap import Services, bootstrap
from app.config import load_settings

INDEXES = {  # name: (table, columns) as migration 0004 creates them
    "ix_decisions_claim_open": ("decisions", "claim_open"),
}



def measure(fn: Callable[[], object], runs: int) -> list[float]:
    fn()  # warm: first call loads policies, plans the statement
    out = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t0) * 1000)
    return out


def bare(engine: Engine, sql: str) -> Callable[[], object]:
    def run() -> object:
        with engine.connect() as c:
            return c.execute(text(sql)).all()
    return run


def run(services: Services, runs: int) -> None:
    engine = services.engine
    with engine.connect() as c:
        facts = {t: c.scalar(text(f"SELECT count(*) FROM {t}")) for t in (
            "return_authorizations", "decisions", "approvals", "photos")}
        pending = c.scalar(text("SELECT count(*) FROM approvals WHERE status = 'pending'"))
        numbers = [r[0] for r in c.execute(text(
            "SELECT number FROM return_authorizations WHERE status = 'in_transit' "
            "ORDER BY random() LIMIT :n"), {"n": runs + 1})]
    maria = services.auth.sign_in("maria", "444444")
    carl = services.auth.sign_in("carl", "2222")
    ines = services.auth.sign_in("ines", "1111")
    print(f"{services.database_label}: " + ", ".join(f"{k} {v:,}" for k, v in facts.items())
          + f"; {pending} approvals pending")
    claims_now = len(services.claims.queue(carl))
    print(f"claims queue holds {services.claims.open_count(carl)} open claims; the desk shows "
          f"them {claims_now} at a time (a page)\n")
    print(f"  {'query':<44}{'p50 ms':>9}{'p95 ms':>9}")
    bare_appr = measure(bare(engine, "SELECT id FROM approvals WHERE status = 'pending' "
                                     "ORDER BY requested_at, id"), runs)
    appr = measure(lambda: services.approvals.queue(maria), runs)
    bare_claims = measure(bare(engine, (
        "SELECT d.id FROM decisions d JOIN return_items i ON i.id = d.return_item_id "
        "WHERE d.claim_open = true AND NOT d.superseded "
        "AND i.decision_status <> 'completed' "
        "ORDER BY d.claim_resolution_due_on IS NULL, d.claim_resolution_due_on, d.id")), runs)
    claims = measure(lambda: services.claims.queue(carl), runs)
    since = services.clock.now()
    every = measure(lambda: services.claims.queue(carl, limit=10_000), max(10, runs // 5))
    count = measure(lambda: services.claims.open_count(carl), runs)
    answers = measure(lambda: services.approvals.answered_for_station(since), runs)
    picks = iter(numbers * 3)
    lookup = measure(lambda: services.lookup.lookup(next(picks)), runs)
    hold_numbers = iter(numbers * 3)

    def hold_cycle() -> None:
        number = next(hold_numbers)
        services.holds.acquire(number, ines)
        services.holds.release(number)

    holds = measure(hold_cycle, runs)
    print(line("approvals queue (bare SQL, ids only)", bare_appr))
    print(line(f"approvals queue ({pending} pending, full views)", appr, 50, bare_appr))
    print(line("claims queue (bare SQL, ids only)", bare_claims))
    print(line(f"claims queue, a page of {claims_now} (photos incl.)", claims, 100,
               bare_claims))
    print(line("claims queue, every open claim at once", every))
    print(line("claims queue, how many are open", count, 100))
    print(line("answers to this bench's requests (poll)", answers, 100))
    print(line("scan lookup (service)", lookup, 50))
    print(line("hold and let go of an item", holds, 50))
    db, n = engine.dialect.name, int(facts["return_authorizations"] or 0)
    for path, samples, budget, base in (
            (f"approvals queue ({pending} pending)", appr, 50, bare_appr),
            (f"claims queue (a page of {claims_now})", claims, 50, bare_claims),
            ("answers to this bench's requests (poll)", answers, 50, None),
            ("scan lookup (service)", lookup, 25, None)):
        record(path, db, n, pct(samples, 50), pct(samples, 95), budget,
               pct(base, 95) if base else None)

    if engine.dialect.name == "postgresql":
        print("\nWithout migration 0004's index (dropped for this measurement, then put back):")
        with engine.begin() as c:
            for name in INDEXES:
                c.execute(text(f"DROP INDEX {name}"))
            c.execute(text("ANALYZE decisions"))
        try:
            claims_no = measure(lambda: services.claims.queue(carl), max(10, runs // 5))
            print(line("claims queue, no index", claims_no, 100))
            print(f"  the index makes the claims queue x{pct(claims_no, 95) / pct(claims, 95):.1f}"
                  " faster at p95")
        finally:
            with engine.begin() as c:
                for name, (table, cols) in INDEXES.items():
                    c.execute(text(f"CREATE INDEX IF NOT EXISTS {name} ON {table} ({cols})"))
                c.execute(text("ANALYZE decisions"))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db")
    parser.add_argument("--temp-server", action="store_true")
    parser.add_argument("--rmas", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=50)
    args = parser.parse_args()
    if args.db is None and not args.temp_server:
        parser.error("give --db URL (filled by gen_scale.py) or --temp-server")
    from gen_scale import scale_database

    url, server = scale_database(args.db, args.rmas, "scale")
    services = bootstrap(load_settings(url, "BENCH-QUEUES"))
    try:
        run(services, args.runs)
    finally:
        services.dispose()
        if server is not None:
            server.destroy()


if __name__ == "__main__":
    main()
