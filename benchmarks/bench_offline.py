"""The offline bench (issue 20), on a real PostgreSQL server (fsync on) reached through a
TCP proxy that this benchmark cuts and restores, as Wi-Fi would.

1. Scan-to-screen: BenchSession.scan of a parcel's RMA (find the return, record its
   receipt, build the view), online through the proxy, then offline on the bench's local
   copy with the action journaled (fsynced). Goal: offline p95 no worse than online.
2. Replay after reconnect: a day of offline work (sign-in, then per parcel a receipt,
   the grading draft and the decision) replayed through the server's services; goal:
   1,000 journal entries in under 30 s. Baseline in the same run: the same decisions
   taken online, one Enter each.

A fixed pure-Python loop is timed first: this VM's speed varies about 2x.
Usage: python benchmarks/bench_offline.py [--parcels 340] [--orders 4000]
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from stats import line, machine_speed, pct

from app.bench import BenchSession
from app.clock import FixedClock
from app.domain.enums import Grade
from app.offline import OfflineBench
from app.services.decisions import InspectionInput, with_grade
from app.services.demo_data import load_demo_data
from app.wiring import wire
from models.db import make_engine, make_session_factory, upgrade
from tests.helpers.postgres import start_server
from tests.helpers.proxy import Proxy
from tests.helpers.rmas import refundable

GRADE_A = with_grade(InspectionInput(), Grade.A)
REPLAY_GOAL_S = 30.0


def decide(session: BenchSession, number: str) -> float:
    """Scan, grade A, Enter; returns the scan's time (ms)."""
    t0 = time.perf_counter()
    shown = session.scan(number)
    took = (time.perf_counter() - t0) * 1000
    assert shown.level != "error", shown.message
    session.open_inspection()
    session.edit(1, grade=GRADE_A.grade, tags_attached=True, matches_order=True,
                 damage_severity=GRADE_A.damage_severity)
    done = session.accept()
    assert done.data.get("saved"), done.message
    return took


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--parcels", type=int, default=340, help="decided offline")
    parser.add_argument("--online", type=int, default=100, help="decided online first")
    parser.add_argument("--orders", type=int, default=4000)
    args = parser.parse_args()
    print(f"machine speed: fixed Python loop {machine_speed():.0f} ms")
    server = start_server(durable=True)
    tmp = Path(tempfile.mkdtemp(prefix="rb-offline-"))
    try:
        name = f"rb_{uuid.uuid4().hex[:8]}"
        direct = make_engine(server.create_database(name))
        upgrade(direct)
        sf_direct = make_session_factory(direct)
        clock = FixedClock(dt.datetime(2026, 4, 15, 9, 0, tzinfo=dt.UTC))
        t0 = time.perf_counter()
        load_demo_data(sf_direct, orders=args.orders, seed=3, today=clock.now().date())
        need = args.online + args.parcels
        numbers = [refundable(sf_direct, skip=i // 2, brand=("kissprom", "stacees")[i % 2])
                   for i in range(need)]
        print(f"demo data {args.orders} orders, {need} parcels ready in "
              f"{time.perf_counter() - t0:.1f} s")
        proxy = Proxy(server.socket_dir / f".s.PGSQL.{server.port}")
        engine = make_engine(proxy.url(name))
        sf = make_session_factory(engine)
        printer = f"file:{tmp / 'labels'}"
        services = wire(sf, clock, "BENCH-OFF", tmp / "photos", printer)
        offline = OfflineBench(sf, clock, "BENCH-OFF", tmp / "offline", tmp / "photos",
                               printer, server=services)
        ines = services.auth.sign_in("ines", "1111")
        t0 = time.perf_counter()
        made = offline.refresh()
        assert made is not None
        print(f"local copy: {made.rmas} returns in {time.perf_counter() - t0:.2f} s")
        session = services.session_for(clock, None, offline)
        session.use(ines)

        online_scan, online_total = [], 0.0
        t_all = time.perf_counter()
        for number in numbers[:args.online]:
            clock.advance(dt.timedelta(seconds=40))
            online_scan.append(decide(session, number))
        online_total = time.perf_counter() - t_all

        proxy.cut()
        offline_scan = []
        for number in numbers[args.online:]:
            clock.advance(dt.timedelta(seconds=40))
            offline_scan.append(decide(session, number))
            assert session.is_offline
        waiting, _oldest = offline.journal.status()

        proxy.restore()
        t0 = time.perf_counter()
        back = session.go_online()
        replay_s = time.perf_counter() - t0
        assert back is not None and not session.is_offline, back
        total_s = replay_s
        print(f"\n{'':46}{'p50 ms':>9}{'p95 ms':>9}")
        print(line(f"scan-to-screen online (n={len(online_scan)})", online_scan))
        print(line(f"scan-to-screen offline (n={len(offline_scan)})", offline_scan))
        ratio = pct(offline_scan, 95) / pct(online_scan, 95)
        print(f"  offline / online p95: x{ratio:.2f}   "
              f"{'met' if ratio <= 1.0 else 'MISSED'} (goal: offline no worse)")
        replay_only = offline.last_replay_seconds
        per_entry = replay_only / max(waiting, 1) * 1000
        print(f"\nback online in {total_s:.1f} s, of which the replay {replay_only:.1f} s (the "
              "rest: QA labels printed again, the bench's lists read again)")
        print(f"replay: {waiting} journal entries ({len(offline_scan)} parcels) at "
              f"{per_entry:.1f} ms/entry; 1,000 entries: {per_entry:.1f} s  "
              f"{'met' if per_entry < REPLAY_GOAL_S * 1000 / 1000 else 'MISSED'} "
              f"(< {REPLAY_GOAL_S:.0f} s)\n  {back.message}")
        replay_s = replay_only
        per_parcel_online = online_total / args.online * 1000
        print(f"baseline, the same work online: {per_parcel_online:.0f} ms per parcel "
              f"(scan, grade, Enter, label) vs replay {replay_s / len(offline_scan) * 1000:.0f}"
              " ms per parcel")
        offline.close()
        engine.dispose()
        direct.dispose()
        proxy.cut()
    finally:
        server.destroy()


if __name__ == "__main__":
    main()
