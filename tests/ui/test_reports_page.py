"""Reports and back office on screen (F5): figures and charts for a range, a Shopify
import with its progress bar and its rejected rows, the settlement export, the PDF."""

from __future__ import annotations

import json

from PySide6.QtCore import Qt

from app.bootstrap import Services
from tests.helpers.shopify import export_csv
from tests.integration.test_import_orders import _good_rows
from tests.ui.test_shell import _sign_in, _window


def test_reports_import_and_export_from_the_keyboard(qtbot, services: Services,  # type: ignore[no-untyped-def]
                                                     tmp_path) -> None:
    window = _window(qtbot, services)
    _sign_in(qtbot, window, 3, "444444")  # Maria, manager
    shell = window.shell
    assert shell is not None
    qtbot.waitUntil(lambda: shell.nav.currentRow() == 3, timeout=2000)  # lands on Approvals
    with qtbot.waitSignal(shell.reports.refreshed, timeout=5000):
        qtbot.keyClick(shell.receive.scan, Qt.Key.Key_F5)
    page = shell.reports
    assert shell.pages.currentWidget() is page and page.kpis is not None
    assert "Units received:" in page.tiles.text()
    assert page.reason_chart.data and page.grade_chart.data

    good = tmp_path / "orders_export_1.csv"
    good.write_bytes(export_csv(_good_rows()))
    with qtbot.waitSignal(page.imported, timeout=10_000) as done:
        page.import_file("orders", str(good))  # a progress bar if it takes over 1 s
    assert done.args[0].ok and not page.progress.isVisible()
    assert "3 new orders" in page.banner.text()

    rows = _good_rows()
    rows[2]["Created at"] = "yesterday"
    bad = tmp_path / "bad.csv"
    bad.write_bytes(export_csv(rows))
    with qtbot.waitSignal(page.imported, timeout=10_000) as done:
        page.import_file("orders", str(bad))
    assert not done.args[0].ok and "nothing imported" in page.banner.text()
    assert page.rejected.isVisible()
    assert page.rejected.item(0).text().startswith("Line 5: order #1002: timestamp")

    # The export and the PDF run off the UI thread: the page says so when they are done.
    with qtbot.waitSignal(page.exported, timeout=10_000):
        qtbot.keyClick(page, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)
    assert "Outbox" in page.banner.text()
    for path in page.outbox.glob("decision-*.json"):
        assert json.loads(path.read_text())["idempotency_key"].startswith("returnbench-")
    with qtbot.waitSignal(page.saved, timeout=10_000):
        qtbot.keyClick(page, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)
    saved = list((services.settings.data_dir / "documents").glob("returns-report-*.pdf"))
    assert len(saved) == 1 and saved[0].read_bytes().startswith(b"%PDF")
    assert "Report saved" in page.banner.text()


def test_an_inspector_sees_no_reports(qtbot, services: Services) -> None:  # type: ignore[no-untyped-def]
    window = _window(qtbot, services)
    _sign_in(qtbot, window, 2, "1111")  # Ines
    shell = window.shell
    assert shell is not None
    qtbot.waitUntil(shell.receive.scan.hasFocus, timeout=2000)
    qtbot.keyClick(shell.receive.scan, Qt.Key.Key_F5)
    page = shell.reports
    assert page.kpis is None and "supervisors, managers and admins" in page.tiles.text()
    assert not page.import_button.isVisible() and not page.export_button.isVisible()
