"""A first start's demo database shows work in every place (issue 17): the window opened
on a copy of it, signed in as the manager (who sees every place), by its function keys."""

from __future__ import annotations

from pathlib import Path

import pytest

from PySide6.QtCore import Qt

from tests.helpers.history import copy_history, open_history
from tests.ui.test_shell import _sign_in, _window


def test_every_place_has_rows_on_a_fresh_demo(qtbot, tmp_path_factory: pytest.TempPathFactory,  # type: ignore[no-untyped-def]
                                              tmp_path: Path) -> None:
    services = open_history(copy_history(tmp_path_factory, tmp_path / "demo"))
    try:
        window = _window(qtbot, services)
        assert window.demo_banner.isVisible() and window.first_start is None
        _sign_in(qtbot, window, 3, "444444")  # Maria, manager
        qtbot.waitUntil(lambda: window.shell is not None, timeout=5000)
        shell = window.shell
        assert shell is not None

        # F4 Approvals (her home): the requests waiting this morning, some past due.
        qtbot.waitUntil(lambda: shell.approvals.table.rowCount() >= 5, timeout=5000)
        assert shell.approvals.views and any(v.overdue for v in shell.approvals.views)

        # F1 Receive: this bench's parcels left half inspected last night.
        qtbot.keyClick(shell.receive.scan, Qt.Key.Key_F1)
        assert shell.receive.unfinished.isVisible()
        assert "RMA-" in shell.receive.unfinished.text()

        # Ctrl+1 picks the first up: Inspect shows its items with the grades kept.
        qtbot.keyClick(shell.receive.scan, Qt.Key.Key_1, Qt.KeyboardModifier.ControlModifier)
        qtbot.waitUntil(lambda: shell.pages.currentWidget() is shell.inspect, timeout=5000)
        assert shell.inspect.units.count() >= 1

        # F3 Claims: open claims with their photos.
        qtbot.keyClick(shell.receive.scan, Qt.Key.Key_F3)
        qtbot.waitUntil(lambda: shell.claims.table.rowCount() >= 3, timeout=5000)
        assert any(v.photos for v in shell.claims.views)

        # F5 Reports: every chart has data.
        with qtbot.waitSignal(shell.reports.refreshed, timeout=10_000):
            qtbot.keyClick(shell.receive.scan, Qt.Key.Key_F5)
        page = shell.reports
        assert page.kpis is not None and page.kpis.inspected > 100
        assert page.reason_chart.data and page.grade_chart.data

        # F6 Settings, Printer: this station's print history.
        qtbot.keyClick(shell.receive.scan, Qt.Key.Key_F6)
        printer = shell.settings_page.printer
        qtbot.waitUntil(lambda: printer.table.rowCount() > 10, timeout=5000)
        assert all(j.status.value == "sent" for j in printer.jobs)
    finally:
        services.dispose()
