"""The database goes away while an inspector works (PostgreSQL stopped by the test): the
window says so, keeps the work (a form change and a photo), and when the server is back
saves it and finishes the decision that was waiting, once."""

from __future__ import annotations

import cv2
import pytest
from sqlalchemy import func, select

from PySide6.QtCore import Qt

from app.bootstrap import Services
from app.services.uow import UnitOfWork
from models import Decision, Inspection, Photo
from tests.helpers.photos import scene
from tests.helpers.postgres import PostgresServer
from tests.ui.test_inspect import _simple_refund_rma, _to_inspect
from ui.sounds import SilentSounds
from ui.window import MainWindow

pytestmark = pytest.mark.postgres


@pytest.fixture
def pg_services(restartable_services: Services) -> Services:
    return restartable_services


def test_work_survives_a_database_restart(qtbot, own_server: PostgresServer,  # type: ignore[no-untyped-def]
                                          pg_services: Services, tmp_path) -> None:
    number = _simple_refund_rma(pg_services)
    window = MainWindow(pg_services, sounds=SilentSounds())
    qtbot.addWidget(window)
    window.show()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=3000)
    _to_inspect(qtbot, window, number)
    inspect = window.shell.inspect  # type: ignore[union-attr]
    qtbot.keyClick(inspect, Qt.Key.Key_1)  # grade A, saved as a draft

    own_server.stop("fast")
    qtbot.keyClick(inspect, Qt.Key.Key_N)  # stains: the draft cannot be saved now
    assert "kept on this bench" in inspect.banner.text()
    assert pg_services.unsaved.forms(number)[1].marks == frozenset({"stains"})
    picture = tmp_path / "stain.png"
    picture.write_bytes(cv2.imencode(".png", scene(31))[1].tobytes())
    inspect.import_photo(str(picture))  # a photo now: kept until the database is back
    assert "photo is kept on this bench" in inspect.banner.text()
    assert len(inspect.pending_photos) == 1
    qtbot.keyClick(inspect, Qt.Key.Key_Return)
    assert "NOT saved yet" in inspect.banner.text()
    assert inspect.pending_accept is not None
    window.check_database()
    qtbot.waitUntil(lambda: window.database_down_since is not None, timeout=8000)
    assert "UNREACHABLE" in window.db_label.text()
    qtbot.keyClick(inspect, Qt.Key.Key_Return)  # impatient: same request, still kept
    assert "NOT saved yet" in inspect.banner.text()

    own_server.start()
    with qtbot.waitSignal(inspect.finished, timeout=10_000) as done:
        window.check_database()
    assert "refund" in done.args[0]
    assert window.database_down_since is None and "UNREACHABLE" not in window.db_label.text()
    assert "Database back" in window.statusBar().currentMessage()
    assert pg_services.unsaved.all() == []
    with UnitOfWork(pg_services.session_factory) as uow:
        s = uow.session
        assert s.scalar(select(func.count()).select_from(Decision)) == 1
        ins = s.scalars(select(Inspection).where(Inspection.is_draft.is_(False))).one()
        assert ins.checklist["marks"] == ["stains"]
        assert len(s.scalars(select(Photo).where(Photo.inspection_id == ins.id)).all()) == 1
    assert inspect.pending_photos == []
    window.close()
