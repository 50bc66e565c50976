"""Totes and put-away at scale (issue 18): with 1,000,000 returns and 100,000 item moves in
PostgreSQL, how long the bench and the put-away handheld wait per scan. Goal: p95 under
25 ms for the tote scan at the bench and the location scan at put-away.

Measured through the bench session, as the window calls it:
- naming the tote after Enter (`_add_totes_due`: the dress's destination and open tote),
- the tote scan at the bench (`tote_scan`: the tote's state, the dress into it); the
  scan that fills a tote also closes it and prints its manifest (shown apart),
- the pick-up scan at put-away (`putaway_scan(tote)`: its story and the shelves with room),
- the location scan at put-away (`putaway_scan(shelf)`: 12 dresses moved, then the story),
- `where` for an item, a tote and a busy location.
Baseline in the same run: the bare SQL finding a tote by code and counting its dresses.
A fixed pure-Python loop is timed first: this VM's speed varies about 2x.

Usage: python benchmarks/bench_totes.py --temp-server [--rmas 1000000] [--moves 100000]
"""

from __future__ import annotations

import argparse
import io
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from sqlalchemy import Engine, text
from stats import line as stats_line
from stats import machine_speed

from app.bootstrap import Services, bootstrap
from app.config import load_settings
from app.locations import load_locations
from app.scanning.codes import item_plate, tote_code
from app.services.putaway import PutAwayService

GOAL_MS = 25.0
PER_TOTE = 12
# A map like the shipped one, with room for a warehouse's worth of dresses.
BIG_MAP = """
[totes]
capacity = 12
[[location]]
code = "R-A-01"
name = "Restock, aisle A"
kind = "restock"
takes = ["restock", "prep_and_restock"]
capacity = 100000
[[location]]
code = "R-B-01"
name = "Restock, aisle B"
kind = "restock"
takes = ["restock", "prep_and_restock"]
capacity = 100000
[[location]]
code = "REFURB-1"
name = "Refurbishment"
kind = "refurbish"
takes = ["refurbish"]
capacity = 100000
"""


def timed(samples: list[float], fn: Callable[[], object]) -> object:
    t0 = time.perf_counter()
    out = fn()
    samples.append((time.perf_counter() - t0) * 1000)
    return out


def line(name: str, values: list[float], goal: float | None = None,
         base: list[float] | None = None) -> str:
    return stats_line(name, values, goal, base, width=46, count=True)


def fill_moves(engine: Engine, services: Services, moves: int) -> tuple[int, int]:
    """`moves` item moves for decided dresses: each into a tote of 12, the tote put away
    at R-A-01 (two moves a dress), in bulk with COPY. Returns (dresses, totes)."""
    services.putaway._ensure_locations()
    with engine.connect() as conn:
        had = int(conn.scalar(text("SELECT count(*) FROM item_moves")) or 0)
        if had >= moves:  # filled by an earlier run on this database
            return had // 2, int(conn.scalar(text("SELECT count(*) FROM totes")) or 0)
    dresses = moves // 2
    totes = -(-dresses // PER_TOTE)
    with engine.connect() as conn:
        where = conn.scalar(text("SELECT id FROM locations WHERE code = 'R-A-01'"))
        user = conn.scalar(text("SELECT id FROM users WHERE username = 'ines'"))
        station = conn.scalar(text("SELECT min(id) FROM stations"))
        items = [r[0] for r in conn.execute(text(
            "SELECT i.id FROM return_items i JOIN decisions d ON d.return_item_id = i.id "
            "WHERE i.decision_status = 'completed' AND d.disposition = 'restock' "
            "AND NOT d.superseded ORDER BY i.id LIMIT :n"), {"n": dresses})]
        first = int(conn.scalar(text("SELECT coalesce(max(id), 0) FROM totes")) or 0) + 1
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        with cur.copy("COPY totes (id, code, disposition, brand, status, capacity, "  # type: ignore[attr-defined]
                      "location_id, created_at, closed_at, version) FROM STDIN") as copy:
            for n in range(totes):
                copy.write_row([first + n, tote_code(first + n), "restock", "kissprom",
                                "closed", PER_TOTE, where, "2026-11-01 10:00+00",
                                "2026-11-01 11:00+00", 1])
        buf = io.StringIO()
        move_id = 0
        with cur.copy("COPY item_moves (id, return_item_id, at, user_id, station_id, "  # type: ignore[attr-defined]
                      "from_tote_id, to_tote_id, from_location_id, to_location_id) "
                      "FROM STDIN") as copy:
            for k, item in enumerate(items):
                tote = first + k // PER_TOTE
                move_id += 1
                copy.write_row([move_id, item, "2026-11-01 10:30+00", user, station, None,
                                tote, None, None])
                move_id += 1
                copy.write_row([move_id, item, "2026-11-01 12:00+00", user, station, tote,
                                tote, None, where])
                buf.write(f"{item}\t{tote}\n")
        cur.execute("CREATE TEMP TABLE placed (item integer, tote integer)")
        with cur.copy("COPY placed (item, tote) FROM STDIN") as copy:  # type: ignore[attr-defined]
            copy.write(buf.getvalue())
        cur.execute("UPDATE return_items r SET tote_id = p.tote, location_id = %s, "
                    "restocked_at = '2026-11-01 12:00+00' FROM placed p WHERE r.id = p.item",
                    (where,))
        for table in ("totes", "item_moves"):
            cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                        f"(SELECT max(id) FROM {table}))")
        raw.commit()
        cur.execute("ANALYZE")
        raw.commit()
    finally:
        raw.close()
    return len(items), totes


def run(services: Services, engine: Engine, runs: int) -> None:
    user = services.auth.sign_in("ines", "1111")
    session = services.session_for(services.clock)
    session.use(user)
    with engine.connect() as conn:  # fresh decided dresses, never in a tote
        fresh = [tuple(r) for r in conn.execute(text(
            "SELECT a.number, i.unit_no FROM return_items i JOIN return_authorizations a "
            "ON a.id = i.rma_id JOIN decisions d ON d.return_item_id = i.id WHERE "
            "i.decision_status = 'completed' AND d.disposition = 'restock' AND "
            "i.tote_id IS NULL ORDER BY i.id DESC LIMIT :n"), {"n": runs * PER_TOTE + 12})]
        busy_tote = conn.scalar(text("SELECT code FROM totes WHERE location_id IS NOT NULL "
                                     "ORDER BY id LIMIT 1"))
        plate_row = conn.execute(text(
            "SELECT a.id, i.unit_no FROM return_items i JOIN return_authorizations a ON "
            "a.id = i.rma_id WHERE i.tote_id IS NOT NULL ORDER BY i.id LIMIT 1")).one()
    plate = item_plate(plate_row[0], plate_row[1])
    naming: list[float] = []
    scans: list[float] = []
    closing: list[float] = []
    filled: list[str] = []
    totes = services.putaway.make_totes(runs + 2, user)
    it = iter(fresh)
    for tote in totes[:runs]:
        for _ in range(PER_TOTE):  # twelve dresses decided, each named and scanned
            rma, unit = next(it)
            timed(naming, lambda rma=rma, unit=unit: session._add_totes_due(rma, [unit]))
            took: list[float] = []
            shown = timed(took, lambda tote=tote: session.tote_scan(tote))
            assert "placed" in shown.data, shown.message  # type: ignore[attr-defined]
            # The twelfth dress fills the tote: it closes and its manifest prints.
            (closing if shown.data["closed"] else scans).extend(took)  # type: ignore[attr-defined]
        filled.append(tote)
    picks: list[float] = []
    shelves: list[float] = []
    for n, tote in enumerate(filled):
        picked = timed(picks, lambda tote=tote: session.putaway_scan(tote))
        assert picked.data.get("carrying") == tote, picked.message  # type: ignore[attr-defined]
        shelf = "R-A-01" if n % 2 else "R-B-01"
        moved = timed(shelves, lambda shelf=shelf: session.putaway_scan(shelf))
        assert "moved" in moved.data, moved.message  # type: ignore[attr-defined]
    where: dict[str, list[float]] = {"item": [], "tote": [], "location R-A-01": []}
    for _ in range(runs):
        timed(where["item"], lambda: services.putaway.where(plate))
        timed(where["tote"], lambda: services.putaway.where(str(busy_tote)))
        timed(where["location R-A-01"], lambda: services.putaway.where("R-A-01"))
    bare: list[float] = []
    for tote in filled:
        def sql(tote: str = tote) -> object:
            with engine.connect() as conn:
                tid = conn.scalar(text("SELECT id FROM totes WHERE code = :c"), {"c": tote})
                return conn.scalar(text("SELECT count(*) FROM return_items WHERE "
                                        "tote_id = :t"), {"t": tid})
        timed(bare, sql)
    print(f"  {'':<46}{'n':>6}{'p50 ms':>9}{'p95 ms':>9}")
    print(line("after Enter: naming the tote", naming, GOAL_MS))
    print(line("tote scan at the bench", scans, GOAL_MS, bare))
    print(line("  the scan that fills it (manifest prints)", closing))
    print(line("put-away: tote scanned (picked up)", picks, GOAL_MS))
    print(line("put-away: location scanned (12 dresses move)", shelves, GOAL_MS, bare))
    for kind, values in where.items():
        print(line(f"where {kind}", values))
    print(line("bare SQL: tote by code + its dress count", bare))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", help="a PostgreSQL database filled by gen_scale.py")
    parser.add_argument("--temp-server", action="store_true")
    parser.add_argument("--rmas", type=int, default=1_000_000)
    parser.add_argument("--moves", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=40, help="totes filled and put away")
    args = parser.parse_args()
    print(f"machine speed: fixed Python loop {machine_speed():.0f} ms")
    if args.db is None and not args.temp_server:
        parser.error("give --db URL (filled by gen_scale.py) or --temp-server")
    from gen_scale import scale_database

    url, server = scale_database(args.db, args.rmas, "totes")  # it prints the fill time
    services = bootstrap(load_settings(url, "BENCH-TOTES"))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "locations.toml"
        path.write_text(BIG_MAP)
        services.putaway = PutAwayService(services.session_factory, services.clock,
                                          "BENCH-TOTES", load_locations(path))
        try:
            t0 = time.perf_counter()
            dresses, totes = fill_moves(services.engine, services, args.moves)
            with services.engine.connect() as conn:
                counts = {t: conn.scalar(text(f"SELECT count(*) FROM {t}"))
                          for t in ("return_items", "item_moves", "totes")}
            print(f"put-away history: {dresses:,} dresses in {totes:,} totes at R-A-01 in "
                  f"{time.perf_counter() - t0:.0f} s; rows: "
                  + ", ".join(f"{k} {v:,}" for k, v in counts.items()))
            run(services, services.engine, args.runs)
        finally:
            services.dispose()
            if server is not None:
                server.destroy()


if __name__ == "__main__":
    main()
