"""Recovery in sight (issue 15): after a sign-in (a crash, the idle lock, another user),
the inspections this bench began and did not finish are listed on Receive, one key each."""

from __future__ import annotations

from PySide6.QtCore import Qt

from app.bootstrap import Services
from app.domain.enums import Grade
from tests.ui.test_inspect import _simple_refund_rma, _to_inspect
from tests.ui.test_shell import _sign_in, _window


def test_an_unfinished_inspection_is_one_key_away_after_sign_in(qtbot, services: Services) -> None:  # type: ignore[no-untyped-def]
    number = _simple_refund_rma(services)
    window = _window(qtbot, services)
    _to_inspect(qtbot, window, number)
    shell = window.shell
    assert shell is not None
    qtbot.keyClick(shell.inspect, Qt.Key.Key_2)  # grade B, not accepted
    qtbot.keyClick(shell, Qt.Key.Key_Q, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: window.shell is None, timeout=2000)
    _sign_in(qtbot, window, 2, "1111")
    qtbot.waitUntil(lambda: window.shell is not None, timeout=2000)
    shell = window.shell
    assert shell is not None
    qtbot.waitUntil(shell.receive.unfinished.isVisible, timeout=2000)
    assert f"Ctrl+1</b> {number} item 1 (grade B)" in shell.receive.unfinished.text()
    qtbot.keyClick(shell.receive.scan, Qt.Key.Key_1, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: shell.pages.currentWidget() is shell.inspect, timeout=2000)
    assert shell.inspect.view is not None and shell.inspect.view.rma_number == number
    assert shell.inspect.forms[1].grade is Grade.B
