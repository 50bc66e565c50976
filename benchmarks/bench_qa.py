"""Grading QA at scale (issue 19): with 1,000,000 returns and a blind re-grade sample of
5% of their decisions (50,000 samples: re-graded, a day's worth waiting) in PostgreSQL,
how long the QA page and the weekly review wait, and what the sample costs the bench.
Goals: the QA queue p95 under 50 ms; the 30-day review p95 under 1,000 ms; the label
and destination of a dress with the QA check within 1.5x of the same reads without it.

Measured through the services, as the window calls them:
- the blind queue (QaService.queue) for a supervisor,
- the review of 7 and of 30 days (QaService.review: agreement, kappa with its bootstrap
  interval, by inspector and week, the disagreements),
- a dress's label data (PrintService.label_data) and put-away destination, each with
  its QA check (is a re-grade waiting?), for a sampled and an unsampled dress.
Baseline in the same run: the bare SQL counting the waiting samples.
A fixed pure-Python loop is timed first: this VM's speed varies about 2x.

Usage: python benchmarks/bench_qa.py --temp-server [--rmas 1000000]
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from sqlalchemy import Engine, text
from stats import line, machine_speed, pct, record

from app.bootstrap import Services, bootstrap
from app.config import load_settings

QUEUE_GOAL_MS = 50.0
REVIEW_GOAL_MS = 1000.0


def fill_samples(engine: Engine) -> tuple[int, int]:
    """5% of the decisions sampled (every 20th), graded again by the supervisor a day
    later: alike for 85%, a grade apart otherwise; those decided in the last day wait."""
    with engine.begin() as conn:
        sam = conn.scalar(text("SELECT id FROM users WHERE username = 'sam'"))
        latest = conn.scalar(text("SELECT max(decided_at) FROM decisions"))
        conn.execute(text("""
            INSERT INTO qa_samples (return_item_id, decision_id, inspector_id, first_grade,
                why, rate_percent, sampled_at, due_on, status, second_grade,
                regraded_by_id, regraded_at, agreed, outcome_after, money_delta)
            SELECT d.return_item_id, d.id, d.decided_by_id, coalesce(i.grade, 'B'),
                'share', 5, d.decided_at, (d.decided_at + interval '1 day')::date,
                CASE WHEN d.decided_at > :cut THEN 'waiting' ELSE 'regraded' END,
                CASE WHEN d.decided_at > :cut THEN NULL
                     WHEN (d.id / 20) % 100 < 85 THEN coalesce(i.grade, 'B')
                     WHEN coalesce(i.grade, 'B') = 'A' THEN 'B'
                     WHEN coalesce(i.grade, 'B') = 'D' THEN 'C'
                     ELSE chr(ascii(coalesce(i.grade, 'B')) + 1) END,
                CASE WHEN d.decided_at > :cut THEN NULL ELSE :sam END,
                CASE WHEN d.decided_at > :cut THEN NULL
                     ELSE d.decided_at + interval '1 day' END,
                CASE WHEN d.decided_at > :cut THEN NULL ELSE (d.id / 20) % 100 < 85 END,
                CASE WHEN d.decided_at > :cut THEN NULL ELSE d.resolution END,
                CASE WHEN d.decided_at > :cut OR (d.id / 20) % 100 < 85 THEN NULL
                     ELSE -d.refund / 4 END
            FROM decisions d LEFT JOIN inspections i ON i.id = d.inspection_id
            WHERE d.id % 20 = 0"""), {"cut": latest - dt.timedelta(days=1), "sam": sam})
        conn.execute(text("ANALYZE qa_samples"))
        total = int(conn.scalar(text("SELECT count(*) FROM qa_samples")) or 0)
        waiting = int(conn.scalar(text(
            "SELECT count(*) FROM qa_samples WHERE status = 'waiting'")) or 0)
    return total, waiting


def timed(into: list[float], call: Callable[[], Any]) -> Any:
    t0 = time.perf_counter()
    out = call()
    into.append((time.perf_counter() - t0) * 1000)
    return out


def run(services: Services, engine: Engine, runs: int) -> None:
    sam = services.auth.sign_in("sam", "333333")
    maria = services.auth.sign_in("maria", "444444")
    with engine.connect() as conn:
        latest = conn.scalar(text("SELECT max(regraded_at) FROM qa_samples"))
        waiting_unit = conn.execute(text(
            "SELECT a.number, i.unit_no FROM qa_samples q JOIN return_items i ON "
            "i.id = q.return_item_id JOIN return_authorizations a ON a.id = i.rma_id "
            "WHERE q.status = 'waiting' AND i.decision_status = 'completed' LIMIT 1")).one()
        plain_unit = conn.execute(text(
            "SELECT a.number, i.unit_no FROM return_items i JOIN return_authorizations a ON "
            "a.id = i.rma_id WHERE i.decision_status = 'completed' AND i.id % 20 = 7 "
            "LIMIT 1")).one()
    end = latest.date() + dt.timedelta(days=1)
    queue: list[float] = []
    week: list[float] = []
    month: list[float] = []
    for _ in range(runs):
        shown = timed(queue, lambda: (services.qa.queue(sam), services.qa.waiting(sam)))
        timed(week, lambda: services.qa.review(end - dt.timedelta(days=7), end, maria))
    for _ in range(max(5, runs // 4)):
        review = timed(month, lambda: services.qa.review(end - dt.timedelta(days=30), end,
                                                         maria))
    reads: dict[str, list[float]] = {k: [] for k in (
        "label data, sampled dress", "label data, unsampled dress",
        "destination, sampled dress", "destination, unsampled dress")}
    for _ in range(5 * runs):  # one indexed query apart: enough samples for a steady p95
        for kind, (number, unit) in (("sampled", waiting_unit), ("unsampled", plain_unit)):
            timed(reads[f"label data, {kind} dress"],
                  lambda n=number, u=unit: services.printing.label_data(n, u))
            timed(reads[f"destination, {kind} dress"],
                  lambda n=number, u=unit: services.putaway.destination(n, u))
    bare: list[float] = []
    for _ in range(runs):
        def sql() -> object:
            with engine.connect() as conn:
                return conn.scalar(text("SELECT count(*) FROM qa_samples WHERE "
                                        "status = 'waiting'"))
        timed(bare, sql)
    print(f"  queue: the first {len(shown[0])} of {shown[1][0]:,} waiting; 30-day review: "
          f"{review.overall.words()}, {len(review.disagreements)} disagreements")
    print(f"  {'':<46}{'n':>6}{'p50 ms':>9}{'p95 ms':>9}")
    print(line("QA queue (first 200) and its count", queue, QUEUE_GOAL_MS, bare, count=True))
    print(line("review, 7 days", week, REVIEW_GOAL_MS, count=True))
    print(line("review, 30 days", month, REVIEW_GOAL_MS, count=True))
    with engine.connect() as conn:
        n = int(conn.scalar(text("SELECT count(*) FROM return_authorizations")) or 0)
    record("QA queue (first 200) and its count", engine.dialect.name, n, pct(queue, 50),
           pct(queue, 95), QUEUE_GOAL_MS, pct(bare, 95))
    record("QA review, 30 days", engine.dialect.name, n, pct(month, 50), pct(month, 95),
           REVIEW_GOAL_MS)
    for name, values in reads.items():
        print(line(name, values, count=True))
    for what in ("label data", "destination"):
        ratio = pct(reads[f"{what}, sampled dress"], 95) / max(
            pct(reads[f"{what}, unsampled dress"], 95), 1e-6)
        print(f"  {what}: sampled / unsampled p95 x{ratio:.2f} "
              f"({'met' if ratio < 1.5 else 'MISSED'}, < x1.5)")
    print(line("bare SQL: count of waiting samples", bare, count=True))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", help="a PostgreSQL database filled by gen_scale.py")
    parser.add_argument("--temp-server", action="store_true")
    parser.add_argument("--rmas", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=40)
    args = parser.parse_args()
    print(f"machine speed: fixed Python loop {machine_speed():.0f} ms")
    if args.db is None and not args.temp_server:
        parser.error("give --db URL (filled by gen_scale.py) or --temp-server")
    from gen_scale import scale_database

    url, server = scale_database(args.db, args.rmas, "qa")  # it prints the fill time
    services = bootstrap(load_settings(url, "BENCH-QA"))
    try:
        t0 = time.perf_counter()
        total, waiting = fill_samples(services.engine)
        print(f"QA samples: {total:,} ({waiting:,} waiting) in "
              f"{time.perf_counter() - t0:.1f} s")
        run(services, services.engine, args.runs)
    finally:
        services.dispose()
        if server is not None:
            server.destroy()


if __name__ == "__main__":
    main()
