"""`decide` on 10,000 generated cases: p50 / p99 per case (goal: p99 under 200 µs).

Also in the same run: `parse_case` per case, and a baseline of `json.dumps` of the same
case dict, so the numbers can be compared across machines as ratios.
Usage: python benchmarks/bench_decide.py [--cases N] [--seed S]
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import json
import random
import time
from decimal import Decimal
from typing import Any

import stats

from app.policy.case import parse_case
from app.policy.engine import decide
from app.policy.rules import load_policy

REASONS = ["sizing", "changed_mind", "quality_defect", "shipping_damage", "wrong_item_sent",
           "late_delivery", "other"]
REQUESTS = ["refund", "exchange", "repair_credit", "replacement"]


def make_case(rng: random.Random) -> dict[str, Any]:
    delivered = dt.date(2026, 3, 1) + dt.timedelta(days=rng.randint(0, 200))
    received = dt.datetime.combine(delivered, dt.time(9), tzinfo=dt.UTC) + dt.timedelta(
        hours=rng.randint(24, 24 * 40))
    items = []
    for n in range(rng.choice((1, 1, 1, 2, 3))):
        requested = rng.choice(REQUESTS)
        price = Decimal(rng.randint(4000, 69900)) / 100
        items.append({
            "sku": f"KP-EVG-{1000 + n}-RED-{rng.choice((2, 4, 6, 8))}",
            "price_paid": f"{price:.2f}", "msrp": f"{price * 2:.2f}",
            "tax": f"{price * Decimal('0.0825'):.2f}", "clearance": rng.random() < 0.15,
            "reason": rng.choice(REASONS), "requested": requested,
            "exchange_size": "8" if requested == "exchange" else None,
            "exchange_in_stock": rng.random() < 0.7 if requested == "exchange" else None,
            "inspection": {
                "grade": rng.choice("AAABBCDX"), "worn": rng.random() < 0.1,
                "altered": rng.random() < 0.05, "tags_attached": True,
                "damage_severity": rng.choice(["none", "none", "minor", "moderate", "severe"]),
                "damage_cause": rng.choice([None, "shipping", "manufacturing", "customer"]),
                "photos": rng.randint(0, 3), "matches_order": rng.random() > 0.03}})
    return {
        "order": {"number": "KP-1", "delivered": delivered.isoformat(),
                  "tier": rng.choice(["standard", "standard", "priority", "enterprise"]),
                  "shipping_paid": rng.choice(["0.00", "6.95", "12.95"])},
        "rma": {"number": "RMA-2026-000001-8",
                # Shipped on or before the day it was received (parse_case refuses a
                # parcel received before the customer shipped it).
                "shipped_by_customer": (delivered + dt.timedelta(days=rng.randint(
                    0, min(30, (received.date() - delivered).days))))
                .isoformat() if rng.random() < 0.7 else None},
        "received": received.isoformat(), "items": items}


def pct(samples: list[int], p: float) -> float:
    """In microseconds (the samples are nanoseconds)."""
    return stats.pct([float(v) for v in samples], p) / 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    policies = [load_policy("kissprom"), load_policy("stacees")]
    raw = [make_case(rng) for _ in range(args.cases)]
    cases = [parse_case(c) for c in raw]
    for c, p in zip(cases[:500], policies * 250, strict=False):  # warm-up
        decide(c, p)
    gc.disable()
    t_decide, t_parse, t_base = [], [], []
    for i, (c, r) in enumerate(zip(cases, raw, strict=True)):
        policy = policies[i % 2]
        t0 = time.perf_counter_ns()
        decide(c, policy)
        t1 = time.perf_counter_ns()
        parse_case(r)
        t2 = time.perf_counter_ns()
        json.dumps(r)
        t3 = time.perf_counter_ns()
        t_decide.append(t1 - t0)
        t_parse.append(t2 - t1)
        t_base.append(t3 - t2)
    gc.enable()
    n_items = sum(len(c.items) for c in cases)
    print(f"cases={args.cases} items={n_items} (both brands, alternating)")
    for name, t in (("decide", t_decide), ("parse_case", t_parse),
                    ("baseline json.dumps", t_base)):
        print(f"{name:20s} p50 {pct(t, 50):7.1f} µs   p99 {pct(t, 99):7.1f} µs   "
              f"max {max(t) / 1000:8.1f} µs")
    print(f"ratio decide/baseline at p50: {pct(t_decide, 50) / pct(t_base, 50):.1f}x; "
          f"goal p99 < 200 µs: {'met' if pct(t_decide, 99) < 200 else 'NOT met'}")


if __name__ == "__main__":
    main()
