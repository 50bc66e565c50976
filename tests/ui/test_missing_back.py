"""Issue 29 (3), its last bit: a unit marked missing, found in the box after all and marked
received on Receive while its parcel is open on Inspect, is gradeable on Inspect at once
(the list, the keys and Enter), without opening the parcel again."""

from __future__ import annotations

from sqlalchemy import select

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from app.bootstrap import Services
from app.domain.enums import DecisionStatus, ReceptionStatus
from app.services.uow import UnitOfWork
from models import ReturnAuthorization
from tests.ui.test_inspect import _two_unit_rma
from tests.ui.test_shell import _sign_in, _window


def test_a_missing_unit_found_after_all_is_graded_on_inspect_at_once(  # type: ignore[no-untyped-def]
        qtbot, services: Services) -> None:
    number = _two_unit_rma(services)
    window = _window(qtbot, services)
    _sign_in(qtbot, window, 2, "1111")
    shell = window.shell
    assert shell is not None
    receive, inspect = shell.receive, shell.inspect
    qtbot.waitUntil(receive.scan.hasFocus, timeout=2000)
    qtbot.keyClicks(receive.scan, number)
    qtbot.keyClick(receive.scan, Qt.Key.Key_Return)
    receive.card.table.selectRow(1)
    qtbot.keyClick(receive.scan, Qt.Key.Key_M, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(receive.scan, Qt.Key.Key_F2)
    qtbot.waitUntil(inspect.hasFocus, timeout=2000)
    assert "[MISSING]" in inspect.units.item(1).text()
    qtbot.keyClick(inspect, Qt.Key.Key_1)  # item 1: grade A, kept as its draft
    qtbot.waitUntil(lambda: inspect.forms[1].grade is not None, timeout=2000)
    # Found in the box after all: back to Receive, item 2, Ctrl+R; then Inspect.
    qtbot.keyClick(inspect, Qt.Key.Key_F1)
    qtbot.waitUntil(receive.scan.hasFocus, timeout=2000)
    receive.card.table.selectRow(1)
    qtbot.keyClick(receive.scan, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)
    assert "Item 2 marked received" in receive.banner.text()
    assert receive.card.table.currentRow() == 1  # the highlight stays on its row
    qtbot.keyClick(receive.scan, Qt.Key.Key_F2)
    qtbot.waitUntil(inspect.hasFocus, timeout=2000)
    qtbot.waitUntil(lambda: "[MISSING]" not in inspect.units.item(1).text(), timeout=2000)
    assert "[to grade]" in inspect.units.item(1).text()
    assert inspect.forms[1].grade is not None  # item 1's grade is still there
    qtbot.keyClick(inspect, Qt.Key.Key_Tab)
    assert inspect.current_unit() == 2
    qtbot.keyClick(inspect, Qt.Key.Key_1)  # item 2 takes a grade now
    assert inspect.forms[2].grade is not None and "missing" not in inspect.banner.text()
    qtbot.waitUntil(inspect.panel.accept_button.isEnabled, timeout=2000)
    QApplication.processEvents()  # as at a bench: the event loop runs between two keys
    with qtbot.waitSignal(inspect.finished, timeout=3000):
        qtbot.keyClick(inspect, Qt.Key.Key_Return)  # both decided with one Enter
    with UnitOfWork(services.session_factory) as uow:
        rma = uow.session.scalars(select(ReturnAuthorization)
                                  .where(ReturnAuthorization.number == number)).one()
        states = {it.unit_no: (it.reception_status, it.decision_status) for it in rma.items}
    # Decided together (over $250 for the two, the RMA's refund waits for a manager).
    assert {reception for reception, _ in states.values()} == {ReceptionStatus.RECEIVED}
    assert states[1][1] is states[2][1] and states[1][1] is not DecisionStatus.PENDING
