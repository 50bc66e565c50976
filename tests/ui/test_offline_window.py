"""The offline bench in the window (issue 20), PostgreSQL stopped by the test: a scanner's
burst on every page receives its parcel on the bench's copy (OFFLINE in the banner and
the status bar, the journal growing), a dress is graded and decided with Enter; when the
server is back the window syncs off the UI thread and says so on every page."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from PySide6.QtCore import Qt

from app.bootstrap import Services
from app.domain.enums import ReceptionStatus
from app.services.uow import UnitOfWork
from models import Decision, Receipt, ReturnAuthorization, ReturnItem, Station
from tests.helpers.postgres import PostgresServer
from tests.ui.test_scan_router import _burst, _focus
from tests.ui.test_shell import _sign_in, _window

pytestmark = [pytest.mark.postgres, pytest.mark.scanner]
# A parcel's scan receives it from these pages; Put-away (F8) and QA (F9) read scans as
# their own (a shelf, a dress from the QA rack): offline they say what waits.
PAGES = (Qt.Key.Key_F1, Qt.Key.Key_F2, Qt.Key.Key_F3, Qt.Key.Key_F4, Qt.Key.Key_F6,
         Qt.Key.Key_F10)


def _awaiting(services: Services, n: int) -> list[str]:
    with UnitOfWork(services.session_factory) as uow:
        return list(uow.session.scalars(
            select(ReturnAuthorization.number).join(ReturnItem)
            .where(ReturnItem.reception_status == ReceptionStatus.AWAITING)
            .group_by(ReturnAuthorization.number).order_by(ReturnAuthorization.number)
            .limit(n)))


def test_bursts_on_every_page_offline_then_synced(  # type: ignore[no-untyped-def]
        qtbot, own_server: PostgresServer, restartable_services: Services) -> None:
    services = restartable_services
    numbers = _awaiting(services, len(PAGES))
    assert len(numbers) == len(PAGES)
    window = _window(qtbot, services)
    _sign_in(qtbot, window, 3, "444444")  # Maria, manager: sees every page
    shell = window.shell
    assert shell is not None
    assert services.offline_bench.refresh() is not None  # her PIN in the bench's copy

    own_server.stop("fast")
    for key, number in zip(PAGES, numbers, strict=True):
        qtbot.keyClick(_focus(), key)
        qtbot.wait(50)
        _burst(qtbot, number, 5)
        qtbot.waitUntil(lambda n=number: n in shell.receive.banner.text(), timeout=8000)
        assert "OFFLINE" in shell.receive.banner.text()
        assert shell.pages.currentWidget() is shell.receive
    assert shell.session.is_offline
    qtbot.keyClick(_focus(), Qt.Key.Key_F8)  # put-away: a move needs the server
    qtbot.wait(50)
    _burst(qtbot, numbers[0], 5)
    qtbot.waitUntil(lambda: "need the server" in shell.putaway.banner.text(), timeout=3000)
    qtbot.keyClick(_focus(), Qt.Key.Key_F9)  # QA: re-grades live on the server
    qtbot.wait(50)
    _burst(qtbot, numbers[0], 5)
    qtbot.wait(1500)
    assert "need the server" in shell.qa.banner.text(), shell.qa.banner.text()
    status = services.offline_bench.status()
    assert status.offline and status.waiting >= len(PAGES)
    qtbot.waitUntil(lambda: "OFFLINE" in window.db_label.text(), timeout=8000)
    qtbot.waitUntil(lambda: "to sync" in window.offline_label.text(), timeout=3000)
    # The last parcel on Inspect: grade A, Enter, decided offline.
    qtbot.keyClick(_focus(), Qt.Key.Key_F2)
    inspect = shell.inspect
    qtbot.waitUntil(lambda: inspect.view is not None, timeout=3000)
    qtbot.keyClick(inspect, Qt.Key.Key_1)
    with qtbot.waitSignal(inspect.finished, timeout=5000) as done:
        qtbot.keyClick(inspect, Qt.Key.Key_Return)
    assert "OFFLINE" in done.args[0] and "PROVISIONAL" in done.args[0]
    with pytest.raises(Exception):  # noqa: B017 - the server is really away
        services.ping()

    own_server.start()
    window.check_database()
    qtbot.waitUntil(lambda: "Back online" in shell.notice.text(), timeout=20_000)
    assert not shell.session.is_offline and services.offline_bench.status().waiting == 0
    with UnitOfWork(services.session_factory) as uow:
        s = uow.session
        received = set(s.scalars(select(ReturnAuthorization.number).join(
            Receipt, Receipt.rma_id == ReturnAuthorization.id)
            .where(ReturnAuthorization.number.in_(numbers))))
        assert received == set(numbers)
        assert s.scalar(select(func.count()).select_from(Receipt).where(
            Receipt.rma_id.in_(select(ReturnAuthorization.id).where(
                ReturnAuthorization.number.in_(numbers))))) == len(numbers)
        decided = s.scalars(select(Decision).join(ReturnItem).join(ReturnAuthorization)
                            .where(ReturnAuthorization.number == numbers[-1])).all()
        assert len(decided) >= 1
        station = s.get(Station, decided[0].station_id)
        assert station is not None and station.name == services.settings.station
    window.close()
