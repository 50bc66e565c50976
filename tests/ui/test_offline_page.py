"""Needs a look (F10) in the window: a bench's offline decision the server refused (another
bench decided the dress first) is listed with both versions side by side; a supervisor
settles it with S, a note and Enter; an inspector sees no list."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import Qt

from app.bootstrap import Services
from app.services.inspection import form_json
from tests.helpers.totes import decide_one
from tests.ui.test_shell import _sign_in, _window


def _refused(services: Services) -> str:
    """Carl decided a dress at bench BENCH-02; bench WALK-9 had decided it offline."""
    carl = services.auth.sign_in("carl", "2222")
    number = decide_one(services.session_factory, services, services.clock, carl, 2)  # type: ignore[arg-type]
    from app.domain.enums import Grade
    from app.services.decisions import InspectionInput, with_grade

    form = with_grade(InspectionInput(), Grade.B)
    services.offline_bench.sync.record_conflict(
        "k-walk-9-1", "accept", "WALK-9", "ines",
        services.clock.now() - dt.timedelta(hours=2),
        f"Item 1 of {number}: Cannot decide it: it is already decided.",
        {"rma": number, "forms": {"1": form_json(form)},
         "expect": {"policy": "kissprom 2", "units": {"1": {
             "resolution": "refund", "refund": "99.00", "credit": "0.00"}}}})
    return number


def test_a_supervisor_settles_with_s_a_note_and_enter(qtbot, services: Services) -> None:  # type: ignore[no-untyped-def]
    number = _refused(services)
    window = _window(qtbot, services)
    _sign_in(qtbot, window, 4, "333333")  # Sam, supervisor
    shell = window.shell
    assert shell is not None
    qtbot.keyClick(shell.pages.currentWidget(), Qt.Key.Key_F10)
    page = shell.needs_look
    qtbot.waitUntil(lambda: len(page.views) == 1, timeout=3000)
    cell = page.table.item(0, 4)
    assert cell is not None and cell.text() == number
    bench, server = page.bench_side.text(), page.server_side.text()
    assert "At the bench (offline)" in bench and "grade B" in bench and "WALK-9" in bench
    assert "On the server now" in server and "by carl" in server and "already decided" in server
    qtbot.keyClick(page, Qt.Key.Key_B)  # back to the bench: refused, the dress is decided
    qtbot.waitUntil(page.note.hasFocus, timeout=2000)
    qtbot.keyClick(page.note, Qt.Key.Key_Return)
    assert "decided on the server" in page.banner.text()
    qtbot.keyClick(page.note, Qt.Key.Key_Escape)
    qtbot.keyClick(page, Qt.Key.Key_S)
    qtbot.waitUntil(page.note.hasFocus, timeout=2000)
    qtbot.keyClicks(page.note, "Carl decided it first")
    qtbot.keyClick(page.note, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not page.views, timeout=3000)
    assert "server's version stands" in page.banner.text()
    (settled,) = services.offline_bench.sync.conflicts(open_only=False)
    assert settled.settled_by == "sam" and settled.note == "Carl decided it first"


def test_an_inspector_sees_no_list(qtbot, services: Services) -> None:  # type: ignore[no-untyped-def]
    _refused(services)
    window = _window(qtbot, services)
    _sign_in(qtbot, window, 2, "1111")  # Ines, inspector
    shell = window.shell
    assert shell is not None
    qtbot.keyClick(shell.receive.scan, Qt.Key.Key_F10)
    page = shell.needs_look
    qtbot.waitUntil(page.isVisible, timeout=2000)
    assert not page.table.isVisible() and not page.views
    assert "supervisor" in page.bench_side.text()
