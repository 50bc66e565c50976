"""Importing a peak week of Shopify orders: N orders (default 10,000, two or three line
items each) as Shopify exports them, into a fresh database; then the same file again
(nothing changes); and the settlement export of decisions. Baseline in the same run:
parsing the CSV alone, which the import cannot beat.

Usage: PYTHONPATH=. python benchmarks/bench_import.py [--orders 10000] [--db URL]
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.clock import SystemClock
from app.importers.shopify import parse_orders
from app.services.imports import ImportService
from models.db import make_engine, make_session_factory, upgrade
from tests.helpers.shopify import export_csv, order_rows


def shopify_file(n: int, seed: int) -> bytes:
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        lines = []
        for _ in range(rng.choice((2, 2, 3))):
            price = rng.choice((89, 129, 149, 199, 249, 329))
            compare = price * rng.choice((1, 1, 2))
            lines.append({"Lineitem quantity": str(rng.choice((1, 1, 1, 2))),
                          "Lineitem name": "Evening gown",
                          "Lineitem price": f"{price}.00",
                          "Lineitem compare at price": f"{compare}.00" if compare != price
                          else "",
                          "Lineitem sku": f"KP-EVG-{1000 + rng.randrange(60)}-RED-"
                                          f"{2 * rng.randrange(14)}"})
        subtotal = sum(int(ln["Lineitem quantity"]) * float(ln["Lineitem price"])
                       for ln in lines)
        rows += order_rows(f"#{100000 + i}", {
            "Email": f"buyer{i % (n // 2 + 1)}@example.com", "Currency": "USD",
            "Subtotal": f"{subtotal:.2f}", "Shipping": "0.00",
            "Taxes": f"{subtotal * 0.0825:.2f}",
            "Created at": f"2026-11-{1 + i % 20:02d} {8 + i % 12:02d}:15:00 -0500",
            "Billing Name": f"Buyer {i}", "Shipping Zip": f"'0{rng.randrange(1000, 9999)}"},
            lines)
    return export_csv(rows)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--orders", type=int, default=10_000)
    parser.add_argument("--db", default=None)
    args = parser.parse_args()
    url = args.db or f"sqlite:///{tempfile.mkdtemp(prefix='rb-import-')}/import.db"
    data = shopify_file(args.orders, 1)
    t0 = time.perf_counter()
    _orders, errors, rows = parse_orders(data)
    parse_s = time.perf_counter() - t0
    assert not errors, errors[:3]
    engine = make_engine(url)
    upgrade(engine)
    service = ImportService(make_session_factory(engine), SystemClock(), "BENCH-IMPORT")
    t0 = time.perf_counter()
    report = service.import_orders(data, "orders_export.csv")
    first_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    again = service.import_orders(data, "orders_export.csv")
    again_s = time.perf_counter() - t0
    print(f"{engine.dialect.name}: {args.orders:,} orders, {rows:,} rows, "
          f"{len(data) / 1e6:.1f} MB")
    print(f"  parse only (baseline)     {parse_s:6.2f} s  {rows / parse_s:8,.0f} rows/s")
    print(f"  import into a fresh db    {first_s:6.2f} s  {rows / first_s:8,.0f} rows/s  "
          f"x{first_s / parse_s:.1f} of parsing; {report.new:,} orders, "
          f"{report.customers_new:,} customers")
    print(f"  same file again           {again_s:6.2f} s  {again.new} new, "
          f"{again.unchanged:,} unchanged")
    engine.dispose()


if __name__ == "__main__":
    main()
