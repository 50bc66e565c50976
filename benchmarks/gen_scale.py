"""Fill a database with N returns for scale runs (default 1,000,000): customers, orders
with one line each, RMAs with real-format tracking numbers (valid check digits) and one
return item each, plus the demo users. With `--history` (the default) most returns also
have a past: received, inspected and decided, a share of them damage claims with photos,
some with answered approvals; a few hundred claims and approvals are still open, which is
what the claims and approvals queues show. Deterministic for a seed. Bulk inserts (COPY
on PostgreSQL) rather than the ORM: this is a load generator, not application code.

Usage: python benchmarks/gen_scale.py --db URL [--rmas N] [--seed S] [--no-history]
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import time
from collections import defaultdict
from collections.abc import Iterator
from typing import Any

from sqlalchemy import Engine, Table, text

from app.domain.enums import Carrier
from app.policy.rules import load_policy
from app.scanning.codes import rma_number
from app.scanning.tracking import make_tracking_number
from app.seals import SEAL_FROM_KEY, SEALED
from app.services.demo_data import load_demo_data
from models import (
    Approval,
    Customer,
    Decision,
    Inspection,
    Order,
    OrderLine,
    Photo,
    PolicyVersion,
    Receipt,
    ReturnAuthorization,
    ReturnItem,
    Station,
    User,
)
from models.db import make_engine, make_session_factory, upgrade

CHUNK = 50_000
TODAY = dt.date(2026, 11, 22)
NOW = dt.datetime(2026, 11, 22, 15, 0, tzinfo=dt.UTC)

# Shares of all returns (history): decided before today; of those, damage claims; of the
# claims, still open; answered approvals; and requests still waiting.
DECIDED = 0.65
CLAIM = 0.06
CLAIM_OPEN = 0.01
APPROVED = 0.04
PENDING_APPROVALS = 300

TABLES: tuple[Table, ...] = tuple(m.__table__ for m in (  # type: ignore[misc]
    Customer, Order, OrderLine, ReturnAuthorization, ReturnItem, Receipt, Inspection,
    Decision, Photo, Approval))


class Context:
    """Ids the history rows point at: users, a station and the policy version."""

    def __init__(self, inspector: int, manager: int, station: int, policy_sha: str,
                 pending_every: int) -> None:
        self.inspector = inspector
        self.manager = manager
        self.station = station
        self.policy_sha = policy_sha
        self.pending_every = pending_every


def rows(n: int, seed: int, start_id: int, ctx: Context | None
         ) -> Iterator[dict[str, list[dict[str, object]]]]:
    rng = random.Random(seed)
    carriers = list(Carrier)
    for i in range(start_id, start_id + n):
        delivered = TODAY - dt.timedelta(days=rng.randint(3, 60))
        placed = dt.datetime.combine(delivered - dt.timedelta(days=4), dt.time(15),
                                     tzinfo=dt.UTC)
        price = rng.randint(8900, 69900)
        carrier = rng.choice(carriers)
        out: dict[str, list[dict[str, object]]] = defaultdict(list)
        out["customers"].append(
            {"id": i, "name": f"Scale Customer {i}", "email": f"scale{i}@example.com",
             "phone": None, "postal_code": f"{rng.randint(10000, 99950)}", "tier": "standard"})
        out["orders"].append(
            {"id": i, "number": f"KP-{10_000_000 + i}", "brand": "kissprom", "customer_id": i,
             "placed_at": placed, "delivered_on": delivered, "customer_tier": "standard",
             "subtotal": price, "shipping_paid": 0, "tax_total": price * 825 // 10000})
        out["order_lines"].append(
            {"id": i, "order_id": i, "line_no": 1, "product_id": None,
             "sku": f"KP-EVG-{1000 + i % 48}-RED-{2 * (i % 14)}", "description": "Scale gown",
             "quantity": 1, "unit_price_paid": price, "msrp": price,
             "unit_tax": price * 825 // 10000, "price_total": price,
             "tax_total": price * 825 // 10000, "clearance": False})
        rma = {"id": i, "number": rma_number(2024 + i // 1_000_000, i % 1_000_000),
               "order_id": i, "carrier": carrier.value,
               "tracking_number": make_tracking_number(carrier, rng),
               "created_at": placed + dt.timedelta(days=8),
               "shipped_by_customer_on": delivered + dt.timedelta(days=5),
               "status": "in_transit"}
        item = {"id": i, "rma_id": i, "unit_no": 1, "order_line_id": i, "reason": "sizing",
                "customer_comment": None, "requested": "refund", "exchange_size": None,
                "reception_status": "awaiting", "decision_status": "pending",
                "received_at": None, "inspection_due_on": None, "version": 1}
        out["return_authorizations"].append(rma)
        out["return_items"].append(item)
        if ctx is not None:
            pending = ctx.pending_every and (i - start_id) % ctx.pending_every == 0
            if pending or rng.random() < DECIDED:
                _history(out, rng, i, price, delivered, rma, item, ctx, bool(pending))
        yield out


def _history(out: dict[str, list[dict[str, object]]], rng: random.Random, i: int, price: int,
             delivered: dt.date, rma: dict[str, object], item: dict[str, object],
             ctx: Context, pending: bool) -> None:
    received = dt.datetime.combine(delivered + dt.timedelta(days=rng.randint(7, 12)),
                                   dt.time(rng.randint(13, 22)), tzinfo=dt.UTC)
    received = min(received, NOW - dt.timedelta(hours=2))
    decided = received + dt.timedelta(minutes=rng.randint(30, 2000))
    decided = min(decided, NOW - dt.timedelta(minutes=30))
    claim = rng.random() < CLAIM
    claim_open = claim and rng.random() < CLAIM_OPEN
    rma["status"] = "received"
    item.update(reception_status="received", received_at=received,
                inspection_due_on=received.date() + dt.timedelta(days=3),
                decision_status="awaiting_approval" if pending
                else "decided" if claim_open else "completed")
    out["receipts"].append({"id": i, "rma_id": i, "scanned_code": rma["tracking_number"],
                            "received_at": received, "user_id": ctx.inspector,
                            "station_id": ctx.station, "note": None})
    out["inspections"].append(
        {"id": i, "return_item_id": i, "grade": "D" if claim else rng.choice("AABC"),
         "checklist": "{}", "worn": False, "altered": False, "tags_attached": not claim,
         "matches_order": True, "damage_severity": "moderate" if claim else "none",
         "damage_cause": "shipping" if claim else None, "notes": None,
         "inspector_id": ctx.inspector, "station_id": ctx.station, "started_at": received,
         "completed_at": decided, "is_draft": False})
    out["decisions"].append(
        {"id": i, "return_item_id": i, "inspection_id": i,
         "resolution": "repair_credit" if claim else "refund",
         "refund": 0 if claim else price, "restocking_fee": 0,
         "credit": price // 2 if claim else 0,
         "disposition": "refurbish" if claim else "restock",
         "approval_level": "manager" if pending else None, "carrier_claim": claim,
         "inspection_due_on": received.date() + dt.timedelta(days=3),
         "refund_due_on": decided.date() + dt.timedelta(days=5),
         "exchange_ship_due_on": None,
         "claim_resolution_due_on": decided.date() + dt.timedelta(days=rng.randint(5, 10))
         if claim else None,
         "policy_id": "kissprom", "policy_version": "scale", "policy_sha256": ctx.policy_sha,
         "case": "{}", "trace": "[]", "decided_at": decided, "decided_by_id": ctx.inspector,
         "station_id": ctx.station, "superseded": False, "claim_open": claim_open})
    if claim:
        for k, slot in enumerate(("whole_item", "damage_closeup")):
            out["photos"].append(
                {"id": 2 * i + k, "inspection_id": i, "sha256": f"{2 * i + k:064x}",
                 "slot": slot, "byte_size": 180_000, "width": 1920, "height": 1080,
                 "focus_score": 310.0, "exposure_score": 120.0,
                 "perceptual_hash": f"{rng.getrandbits(64):016x}", "annotations": "[]",
                 "quality_override": False, "taken_by_id": ctx.inspector,
                 "station_id": ctx.station, "taken_at": received})
    if pending or rng.random() < APPROVED / DECIDED:
        out["approvals"].append(
            {"id": i, "rma_id": i, "decision_id": i, "return_item_id": None,
             "kind": "refund_over_threshold", "level": "manager", "amount": price,
             "reason": "Refund over $250", "status": "pending" if pending else "approved",
             "requested_by_id": ctx.inspector, "requested_at": decided,
             "station_id": ctx.station,
             "answered_by_id": None if pending else ctx.manager,
             "answered_at": None if pending else decided + dt.timedelta(minutes=40),
             "note": None, "requested_outcome": None})


def _copy(engine: Engine, batch: dict[str, list[dict[str, object]]]) -> None:
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        for table in TABLES:
            data = batch.get(table.name)
            if not data:
                continue
            cols = list(data[0])
            names = ", ".join(f'"{c}"' for c in cols)
            with cur.copy(f"COPY {table.name} ({names}) FROM STDIN") as copy:  # type: ignore[attr-defined]
                for row in data:
                    copy.write_row([row[c] for c in cols])
        raw.commit()
    finally:
        raw.close()


def _context(engine: Engine, n: int) -> Context:
    policy = load_policy("kissprom")
    with make_session_factory(engine)() as s:
        users = {u.username: u.id for u in s.query(User).all()}
        station = s.query(Station).filter_by(name="SCALE-GEN").one_or_none()
        if station is None:
            station = Station(name="SCALE-GEN")
            s.add(station)
        if s.get(PolicyVersion, policy.sha256) is None:
            s.add(PolicyVersion(sha256=policy.sha256, policy_id=policy.id,
                                version=policy.version, content=policy.text,
                                first_used_at=NOW))
        s.commit()
        return Context(users["ines"], users["maria"], station.id, policy.sha256,
                       max(1, n // PENDING_APPROVALS))


def _predate_seals(engine: Engine) -> None:
    """Rows written here in bulk, not through the app's services, have no seal in the
    audit log: like a database's rows from before seals, they are recorded as such, so
    `audit verify` holds only what the benches write after to its seals."""
    sealed = {model.__tablename__ for model in SEALED}  # type: ignore[attr-defined]
    with engine.begin() as conn:
        for table in TABLES:
            if table.name not in sealed:
                continue
            key = SEAL_FROM_KEY.format(table=table.name)
            top = str(conn.scalar(text(f"SELECT coalesce(max(id), 0) FROM {table.name}")))
            if not conn.execute(text("UPDATE app_meta SET value = :v WHERE key = :k"),
                                {"k": key, "v": top}).rowcount:
                conn.execute(text("INSERT INTO app_meta (key, value) VALUES (:k, :v)"),
                             {"k": key, "v": top})


def generate(url: str, n: int, seed: int, history: bool = False) -> None:
    engine = make_engine(url)
    upgrade(engine)
    load_demo_data(make_session_factory(engine), orders=20, seed=seed, today=TODAY)
    ctx = _context(engine, n) if history else None
    with engine.connect() as conn:
        start = int(conn.scalar(text("SELECT coalesce(max(id), 0) FROM orders")) or 0) + 1
        start = max(start, int(conn.scalar(
            text("SELECT coalesce(max(id), 0) FROM return_authorizations")) or 0) + 1, 1_000_001)
    t0 = time.perf_counter()
    batch: dict[str, list[dict[str, object]]] = defaultdict(list)
    pg = engine.dialect.name == "postgresql"
    # RMA numbers must not collide with the demo data's: sequences start past a million.
    count = 0
    for row in rows(n, seed, start, ctx):
        for table, data in row.items():
            batch[table].extend(data)
        count += 1
        if count % CHUNK == 0:
            _flush(engine, batch, pg)
            batch = defaultdict(list)
    if batch:
        _flush(engine, batch, pg)
    if pg:
        with engine.begin() as conn:
            for table in TABLES:
                conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                                  f"(SELECT coalesce(max(id), 1) FROM {table.name}))"))
            conn.execute(text("ANALYZE"))
    else:
        with engine.begin() as conn:
            conn.execute(text("ANALYZE"))
    _predate_seals(engine)
    with engine.connect() as conn:
        counts = {t.name: conn.scalar(text(f"SELECT count(*) FROM {t.name}"))
                  for t in TABLES[3:]}
    print(f"{n} returns in {time.perf_counter() - t0:.1f} s into {url.split('?')[0]}: "
          + ", ".join(f"{k} {v:,}" for k, v in counts.items()))
    engine.dispose()


def scale_database(url: str | None, rmas: int, name: str) -> tuple[str, Any]:
    """The database a scale benchmark runs on: `url` as given (filled by this script
    before), or, without one, a throwaway PostgreSQL server with a database `name` filled
    with `rmas` returns and their history. Returns (url, the server to destroy after, or
    None)."""
    if url is not None:
        return url, None
    from tests.helpers.postgres import start_server

    server = start_server()
    url = server.create_database(name)
    generate(url, rmas, seed=1, history=True)
    return url, server


def _sqlite_value(value: object) -> object:
    # As SQLAlchemy's SQLite types store them: naive UTC text, ISO dates, 0/1.
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool):
        return int(value)
    return value


def _flush(engine: Engine, batch: dict[str, list[dict[str, object]]], pg: bool) -> None:
    """Money is already integer cents, as the columns store it."""
    if pg:
        _copy(engine, batch)
        return
    with engine.begin() as conn:
        for table in TABLES:
            data: list[dict[str, Any]] = batch.get(table.name, [])
            if not data:
                continue
            cols = list(data[0])
            sql = (f"INSERT INTO {table.name} ({', '.join(f'[{c}]' for c in cols)}) "
                   f"VALUES ({', '.join('?' for _ in cols)})")
            conn.exec_driver_sql(sql, [tuple(_sqlite_value(row[c]) for c in cols)
                                       for row in data])


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", required=True)
    parser.add_argument("--rmas", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--no-history", action="store_true",
                        help="returns only, all still in transit")
    args = parser.parse_args()
    generate(args.db, args.rmas, args.seed, history=not args.no_history)
