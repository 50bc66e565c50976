"""Camera scanning with a folder-of-images camera: each label in view is received once,
however many frames show it; a camera that stops says so and keyboard scanning goes on."""

from __future__ import annotations

import time
from pathlib import Path

import cv2
from sqlalchemy import select

from app.bootstrap import Services
from app.services.uow import UnitOfWork
from models import Receipt, ReturnAuthorization
from tests.helpers.labels import label, photo
from tests.ui.test_receive import _receive


def test_folder_camera_receives_each_label_once(qtbot, services: Services,  # type: ignore[no-untyped-def]
                                               tmp_path: Path) -> None:
    with UnitOfWork(services.session_factory) as uow:
        rmas = [(r.number, r.tracking_number or "") for r in uow.session.scalars(
            select(ReturnAuthorization).order_by(ReturnAuthorization.id).limit(2))]
    folder = tmp_path / "camera"
    folder.mkdir()
    frame = 0
    for number, tracking in rmas:  # each label stays in view for 6 frames
        for _ in range(6):
            cv2.imwrite(str(folder / f"{frame:03d}.png"), photo(label(number, tracking), frame))
            frame += 1
    bench = _receive(qtbot, services)
    page = bench.page
    page.camera_spec = str(folder)
    seen: list[str] = []
    page.found.connect(lambda view: seen.append(view.rma_number))
    page.start_camera()
    try:
        qtbot.waitUntil(lambda: len(seen) >= 2, timeout=15000)
        started = time.monotonic()
        qtbot.waitUntil(lambda: time.monotonic() - started > 0.8, timeout=3000)
        assert page.preview.pixmap() is not None and not page.preview.pixmap().isNull()
    finally:
        page.stop_camera()
    assert seen == [n for n, _ in rmas]
    with UnitOfWork(services.session_factory) as uow:
        assert len(uow.session.scalars(select(Receipt)).all()) == 2


def test_camera_that_stops_says_so(qtbot, services: Services, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    bench = _receive(qtbot, services)
    page = bench.page
    page.camera_spec = str(tmp_path / "unplugged.avi")
    (tmp_path / "unplugged.avi").write_bytes(b"")
    page.start_camera()
    qtbot.waitUntil(lambda: "Scanning by keyboard still works" in page.banner.text(),
                    timeout=10000)
    assert page.camera_worker is None
    assert "Camera stopped" in page.camera_status.text()
