"""Fill a database with N returns for scale runs (default 1,000,000): customers, orders
with one line each, RMAs with real-format tracking numbers (valid check digits) and one
return item each, plus the demo users. Deterministic for a seed. Bulk inserts (COPY on
PostgreSQL) rather than the ORM: this is a load generator, not application code.

Usage: python benchmarks/gen_scale.py --db URL [--rmas N] [--seed S]
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import time
from collections.abc import Iterator

from sqlalchemy import Engine, text

from app.domain.enums import Carrier
from app.scanning.codes import rma_number
from app.scanning.tracking import make_tracking_number
from app.services.demo_data import load_demo_data
from models import Customer, Order, OrderLine, ReturnAuthorization, ReturnItem
from models.db import make_engine, make_session_factory, upgrade

CHUNK = 50_000
TODAY = dt.date(2026, 11, 22)


def rows(n: int, seed: int, start_id: int) -> Iterator[tuple[dict[str, object], ...]]:
    rng = random.Random(seed)
    carriers = list(Carrier)
    for i in range(start_id, start_id + n):
        delivered = TODAY - dt.timedelta(days=rng.randint(3, 60))
        placed = dt.datetime.combine(delivered - dt.timedelta(days=4), dt.time(15),
                                     tzinfo=dt.UTC)
        price = rng.randint(8900, 69900)
        carrier = rng.choice(carriers)
        yield (
            {"id": i, "name": f"Scale Customer {i}", "email": f"scale{i}@example.com",
             "phone": None, "postal_code": f"{rng.randint(10000, 99950)}", "tier": "standard"},
            {"id": i, "number": f"KP-{10_000_000 + i}", "brand": "kissprom", "customer_id": i,
             "placed_at": placed, "delivered_on": delivered, "customer_tier": "standard",
             "subtotal": price, "shipping_paid": 0, "tax_total": price * 825 // 10000},
            {"id": i, "order_id": i, "line_no": 1, "product_id": None,
             "sku": f"KP-EVG-{1000 + i % 48}-RED-{2 * (i % 14)}", "description": "Scale gown",
             "quantity": 1, "unit_price_paid": price, "msrp": price,
             "unit_tax": price * 825 // 10000, "clearance": False},
            {"id": i, "number": rma_number(2024 + i // 1_000_000, i % 1_000_000), "order_id": i,
             "carrier": carrier.value, "tracking_number": make_tracking_number(carrier, rng),
             "created_at": placed + dt.timedelta(days=8),
             "shipped_by_customer_on": delivered + dt.timedelta(days=5),
             "status": "in_transit"},
            {"id": i, "rma_id": i, "unit_no": 1, "order_line_id": i, "reason": "sizing",
             "customer_comment": None, "requested": "refund", "exchange_size": None,
             "reception_status": "awaiting", "decision_status": "pending",
             "received_at": None, "inspection_due_on": None, "version": 1},
        )


TABLES = (Customer.__table__, Order.__table__, OrderLine.__table__,
          ReturnAuthorization.__table__, ReturnItem.__table__)


def _copy(engine: Engine, batch: list[tuple[dict[str, object], ...]]) -> None:
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        for t, table in enumerate(TABLES):
            cols = list(batch[0][t])
            with cur.copy(f"COPY {table.name} ({', '.join(cols)}) FROM STDIN") as copy:  # type: ignore[attr-defined]
                for row in batch:
                    copy.write_row([row[t][c] for c in cols])
        raw.commit()
    finally:
        raw.close()


def generate(url: str, n: int, seed: int) -> None:
    engine = make_engine(url)
    upgrade(engine)
    load_demo_data(make_session_factory(engine), orders=20, seed=seed, today=TODAY)
    with engine.connect() as conn:
        start = int(conn.scalar(text("SELECT coalesce(max(id), 0) FROM orders")) or 0) + 1
        start = max(start, int(conn.scalar(
            text("SELECT coalesce(max(id), 0) FROM return_authorizations")) or 0) + 1, 1_000_001)
    t0 = time.perf_counter()
    batch: list[tuple[dict[str, object], ...]] = []
    pg = engine.dialect.name == "postgresql"
    # RMA numbers must not collide with the demo data's: sequences start past a million.
    for row in rows(n, seed, start):
        batch.append(row)
        if len(batch) == CHUNK:
            _flush(engine, batch, pg)
            batch = []
    if batch:
        _flush(engine, batch, pg)
    if pg:
        with engine.begin() as conn:
            for table in TABLES:
                conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                                  f"(SELECT max(id) FROM {table.name}))"))
            conn.execute(text("ANALYZE"))
    else:
        with engine.begin() as conn:
            conn.execute(text("ANALYZE"))
    print(f"{n} returns in {time.perf_counter() - t0:.1f} s into {url.split('?')[0]}")
    engine.dispose()


def _sqlite_value(value: object) -> object:
    # As SQLAlchemy's SQLite types store them: naive UTC text, ISO dates, 0/1.
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool):
        return int(value)
    return value


def _flush(engine: Engine, batch: list[tuple[dict[str, object], ...]], pg: bool) -> None:
    """Money is already integer cents, as the columns store it."""
    if pg:
        _copy(engine, batch)
        return
    with engine.begin() as conn:
        for t, table in enumerate(TABLES):
            cols = list(batch[0][t])
            sql = (f"INSERT INTO {table.name} ({', '.join(cols)}) "
                   f"VALUES ({', '.join('?' for _ in cols)})")
            conn.exec_driver_sql(sql, [tuple(_sqlite_value(row[t][c]) for c in cols)
                                       for row in batch])


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", required=True)
    parser.add_argument("--rmas", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    generate(args.db, args.rmas, args.seed)
