"""Photos: capture to thumbnail stored for a 1920x1080 frame (quality gate, JPEG without
EXIF, sha256, fsync and rename, thumbnail, database row and audit entry; goal < 150 ms),
beside a bare cv2.imencode of the same frame; and the camera preview's frame rate with the
longest stall of the UI event loop while it runs (goal < 50 ms), offscreen.

Usage: python benchmarks/bench_photos.py [--photos 30] [--seconds 8]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from stats import pct


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--photos", type=int, default=30)
    parser.add_argument("--seconds", type=float, default=8.0)
    args = parser.parse_args()
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    import cv2
    from sqlalchemy import select

    from PySide6.QtWidgets import QApplication

    from app.bootstrap import bootstrap
    from app.config import load_settings
    from app.services.demo_data import load_demo_data
    from app.services.uow import UnitOfWork
    from models import ReturnAuthorization
    from tests.helpers.labels import label, photo
    from tests.helpers.photos import scene
    tmp = Path(tempfile.mkdtemp(prefix="rb-bench-photos-"))
    os.environ["RETURNBENCH_DATA_DIR"] = str(tmp / "data")
    services = bootstrap(load_settings(f"sqlite:///{tmp / 'b.db'}", "BENCH-PHOTO"))
    load_demo_data(services.session_factory, orders=40, seed=1, today=dt.date(2026, 11, 22))
    ines = services.auth.sign_in("ines", "1111")
    with UnitOfWork(services.session_factory) as uow:
        number = uow.session.scalars(select(ReturnAuthorization.number).limit(1)).one()
    frames = [scene(100 + i) for i in range(args.photos)]
    stored, encode = [], []
    for frame in frames:
        t0 = time.perf_counter()
        cv2.imencode(".jpg", frame)
        encode.append((time.perf_counter() - t0) * 1000)
        t0 = time.perf_counter()
        services.inspection.add_photo(number, 1, frame, ines)
        stored.append((time.perf_counter() - t0) * 1000)
    print(f"capture -> thumbnail stored (1920x1080): p50 {statistics.median(stored):.1f} ms, "
          f"p95 {pct(stored, 95):.1f} ms (goal < 150 ms)")
    print(f"baseline cv2.imencode JPEG of the frame: p50 {statistics.median(encode):.1f} ms; "
          f"ratio {statistics.median(stored) / statistics.median(encode):.1f}x")

    app = QApplication.instance() or QApplication([])
    # Two runs: frames with no code (preview and decoding alone), then our labels, where
    # each new label is also looked up and received on the UI thread.
    for name, make in (("preview only", lambda i: scene(300 + i)),
                       ("preview + labels received",
                        lambda i: photo(label(number, "1Z5R89390357567127"), i))):
        camera = tmp / name.replace(" ", "-")
        camera.mkdir()
        for i in range(12):
            cv2.imwrite(str(camera / f"{i:03d}.png"), make(i))
        _preview(app, services, ines, camera, args.seconds, name)
    services.dispose()
    sys.stdout.flush()
    os._exit(0)  # see bench_scan.py: PySide6 may crash while finalising offscreen widgets


def _preview(app, services, ines, camera: Path, seconds: float, name: str) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtCore import QTimer

    from ui.receive_page import ReceivePage
    from ui.sounds import SilentSounds

    session = services.bench_session()
    session.use(ines)
    page = ReceivePage(session, ines, SilentSounds(), str(camera))
    page.show()
    gaps: list[float] = []
    last = [time.perf_counter()]

    def tick() -> None:
        now = time.perf_counter()
        gaps.append((now - last[0]) * 1000)
        last[0] = now

    timer = QTimer()
    timer.setInterval(5)
    timer.timeout.connect(tick)
    timer.start()
    page.start_camera()
    worker = page.camera_worker
    assert worker is not None
    started = time.perf_counter()
    while time.perf_counter() - started < seconds:
        app.processEvents()
        time.sleep(0.001)
    frames_done = worker.frames
    page.stop_camera()
    elapsed = time.perf_counter() - started
    timer.stop()
    print(f"camera {name}: {frames_done / elapsed:.1f} frames/s decoded and shown; UI event "
          f"loop longest stall {max(gaps):.1f} ms, p99 {pct(gaps, 99):.1f} ms (goal < 50 ms)")
    page.deleteLater()


if __name__ == "__main__":
    main()
