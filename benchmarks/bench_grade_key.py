"""A grade key on Inspect: how long the window's thread is held, and how long until the
decision panel shows the policy's answer (issue 28, 3: the UI thread only paints).

The real MainWindow (offscreen) on a demo database, Ines signed in, a two-unit return open
on Inspect. Each sample: a grade key (1-4, in turn, on the unit shown) delivered to the
page (the scan router off: its burst gap is not what is timed); timed are the key's
handler on the UI thread (the draft's save is still there), and
the key to the panel showing that key's decision (its preview runs on a lane of its own).
Baseline, same run, interleaved: the same preview made synchronously (what each key held
the UI thread for before it moved off it).

Usage: python benchmarks/bench_grade_key.py [--orders 300] [--rounds 60]
           [--database sqlite|postgresql]   (postgresql: a throwaway server, fsync on)
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from stats import machine_speed, pct, record


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--orders", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=60)
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    args = parser.parse_args(argv)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ["RETURNBENCH_OFFLINE_COPY_MINUTES"] = "0"
    # The key's own handler is timed: no scan router holding keys for a burst's gap.
    os.environ["RETURNBENCH_SCAN_GAP_MS"] = "0"
    data = Path(tempfile.mkdtemp(prefix="rb-grade-"))
    os.environ["RETURNBENCH_DATA_DIR"] = str(data)
    from sqlalchemy import func, select

    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    from app.bootstrap import bootstrap
    from app.config import load_settings
    from app.domain.enums import RmaStatus
    from app.services.demo_data import load_demo_data
    from models import ReturnAuthorization, ReturnItem
    from ui.sounds import SilentSounds
    from ui.window import MainWindow

    app = QApplication.instance() or QApplication(["bench-grade-key"])
    server = None
    url = f"sqlite:///{data / 'bench.db'}"
    if args.database == "postgresql":
        from tests.helpers.postgres import start_server

        server = start_server(durable=True)
        url = server.create_database("rb_grade_key")
    services = bootstrap(load_settings(url, "BENCH-G"))
    load_demo_data(services.session_factory, orders=args.orders, seed=4,
                   today=services.clock.now().date())
    services.start_station()
    with services.session_factory() as s:
        number = s.scalars(select(ReturnAuthorization.number).join(ReturnItem).where(
            ReturnAuthorization.status.in_((RmaStatus.AUTHORIZED, RmaStatus.IN_TRANSIT)))
            .group_by(ReturnAuthorization.id).having(func.count(ReturnItem.id) == 2)
            .order_by(ReturnAuthorization.id)).first()
    assert number, "no two-unit return waiting in the demo"
    window = MainWindow(services, sounds=SilentSounds())
    window.show()
    window.activateWindow()

    def until(done, seconds: float = 20.0) -> None:  # type: ignore[no-untyped-def]
        end = time.monotonic() + seconds
        while not done():
            if time.monotonic() > end:
                raise SystemExit("timed out")
            app.processEvents()

    until(window.isActiveWindow)
    page = window.sign_in
    QTest.keyClicks(page.pin, "i1111")
    QTest.keyClick(page.pin, Qt.Key.Key_Return)
    until(lambda: window.shell is not None and window.shell.landed)
    shell = window.shell
    assert shell is not None
    shell.handle_scan(number)
    shell.nav.setCurrentRow(1)
    inspect = shell.inspect
    until(lambda: inspect.view is not None and inspect.view.rma_number == number)
    inspect.setFocus()
    QTest.keyClick(inspect, Qt.Key.Key_1)
    if not inspect.forms or all(f.grade is None for f in inspect.forms.values()):
        raise SystemExit(f"the grade key did nothing: {inspect.banner.text()!r} "
                         f"{inspect.header.text()!r} {inspect.forms}")
    keys = (Qt.Key.Key_1, Qt.Key.Key_2, Qt.Key.Key_3, Qt.Key.Key_4)
    handler, to_panel, baseline = [], [], []
    for n in range(args.rounds):
        started = time.perf_counter()
        QTest.keyClick(inspect, keys[n % 4])
        handler.append((time.perf_counter() - started) * 1000)
        until(lambda: inspect._preview_shown == inspect._preview_seq)
        to_panel.append((time.perf_counter() - started) * 1000)
        ready = inspect.session.ready()
        started = time.perf_counter()
        if ready:
            inspect.session.decision_preview(ready)
        baseline.append((time.perf_counter() - started) * 1000)
    speed = machine_speed()
    window.close()
    out = {"database": args.database, "rounds": args.rounds, "machine_speed_ms": speed,
           "key_handler_on_ui_thread_ms": {"p50": pct(handler, 50), "p95": pct(handler, 95)},
           "key_to_panel_ms": {"p50": pct(to_panel, 50), "p95": pct(to_panel, 95)},
           "baseline_sync_preview_ms": {"p50": pct(baseline, 50), "p95": pct(baseline, 95)}}
    print(json.dumps(out, indent=1))
    with services.session_factory() as s:
        returns = s.scalar(select(func.count()).select_from(ReturnAuthorization))
    record("grade key: UI thread held (draft saved there)", args.database, returns,
           pct(handler, 50), pct(handler, 95), 100.0, pct(baseline, 95),
           "bare: the same preview, synchronous")
    record("grade key to its decision on the panel", args.database, returns,
           pct(to_panel, 50), pct(to_panel, 95), 100.0, pct(baseline, 95),
           "preview off the UI thread")
    services.dispose()
    if server is not None:
        server.stop("fast")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
