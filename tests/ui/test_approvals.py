"""Approvals on screen: a manager answers with two key presses and Enter; an inspector's
exception is approved at the bench by a manager's PIN (the override dialog)."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from PySide6.QtCore import Qt

from app.bootstrap import Services
from app.domain.enums import ApprovalStatus
from app.services.uow import UnitOfWork
from models import Approval, OrderLine, ReturnAuthorization, ReturnItem
from tests.helpers.panel import previewed
from tests.helpers.rmas import ask_exception
from tests.ui.test_inspect import _simple_refund_rma, _to_inspect
from tests.ui.test_shell import _sign_in, _window


def _request(services: Services, amount: str) -> tuple[int, str]:
    with UnitOfWork(services.session_factory) as uow:
        number = uow.session.scalars(select(ReturnAuthorization.number)
                                     .order_by(ReturnAuthorization.id).limit(1)).one()
    ines = services.auth.sign_in("ines", "1111")
    approval_id = ask_exception(services.session_factory, services.decisions, number, ines,
                                amount)
    return approval_id, number


def test_manager_denies_with_a_note_in_two_keys(qtbot, services: Services) -> None:  # type: ignore[no-untyped-def]
    approval_id, number = _request(services, "480.00")
    window = _window(qtbot, services)
    _sign_in(qtbot, window, 3, "444444")  # Maria, manager
    shell = window.shell
    assert shell is not None
    qtbot.waitUntil(lambda: shell.nav.currentRow() == 3, timeout=2000)  # lands on Approvals
    qtbot.keyClick(shell.receive.scan, Qt.Key.Key_F4)
    page = shell.approvals
    qtbot.waitUntil(lambda: len(page.views) == 1, timeout=3000)
    id_cell, rma_cell = page.table.item(0, 0), page.table.item(0, 4)
    assert id_cell is not None and rma_cell is not None
    assert id_cell.text() == f"#{approval_id}"
    assert number in rma_cell.text()
    assert "promised a refund" in page.detail.text()
    qtbot.keyClick(page, Qt.Key.Key_D)
    qtbot.waitUntil(page.note.hasFocus, timeout=2000)
    qtbot.keyClick(page.note, Qt.Key.Key_Return)  # a denial needs a note
    qtbot.waitUntil(lambda: "Say why" in page.banner.text() and page.note.isEnabled(),
                    timeout=3000)
    qtbot.keyClicks(page.note, "No such promise in the call notes")
    with qtbot.waitSignal(page.answered, timeout=3000):
        qtbot.keyClick(page.note, Qt.Key.Key_Return)
    assert page.table.rowCount() == 0 and "denied" in page.banner.text()
    with UnitOfWork(services.session_factory) as uow:
        approval = uow.session.get(Approval, approval_id)
        assert approval is not None and approval.status is ApprovalStatus.DENIED
        assert approval.note == "No such promise in the call notes"


def test_inspector_sees_no_queue(qtbot, services: Services) -> None:  # type: ignore[no-untyped-def]
    _request(services, "50.00")
    window = _window(qtbot, services)
    _sign_in(qtbot, window, 2, "1111")
    shell = window.shell
    assert shell is not None
    qtbot.waitUntil(shell.receive.scan.hasFocus, timeout=2000)
    qtbot.keyClick(shell.receive.scan, Qt.Key.Key_F4)
    assert not shell.approvals.table.isVisible()
    assert "for supervisors and managers" in shell.approvals.detail.text()


def test_override_at_the_bench(qtbot, services: Services) -> None:  # type: ignore[no-untyped-def]
    number = _simple_refund_rma(services)
    window = _window(qtbot, services)
    _to_inspect(qtbot, window, number)
    inspect = window.shell.inspect  # type: ignore[union-attr]
    qtbot.keyClick(inspect, Qt.Key.Key_4)
    qtbot.keyClick(inspect, Qt.Key.Key_M)  # matches the order: yes
    qtbot.keyClick(inspect, Qt.Key.Key_E)
    qtbot.waitUntil(inspect.panel.exception_reason.hasFocus, timeout=2000)
    qtbot.keyClicks(inspect.panel.exception_reason, "Damage came from our own packing")
    qtbot.keyClick(inspect.panel.exception_reason, Qt.Key.Key_Return)
    assert "[awaiting approval]" in inspect.units.item(0).text()
    dialog = inspect.open_override()
    assert dialog is not None
    names = [dialog.who.itemText(i) for i in range(dialog.who.count())]
    assert names == ["Maria Chen · manager", "Sam Whitfield · supervisor"]
    dialog.who.setCurrentIndex(1)  # Sam: the request is within a supervisor's limit
    qtbot.keyClicks(dialog.pin, "0000")
    qtbot.mouseClick(dialog.approve, Qt.MouseButton.LeftButton)
    assert "Wrong PIN" in dialog.banner.text() and dialog.isVisible()
    qtbot.keyClicks(dialog.pin, "333333")
    qtbot.keyClicks(dialog.note, "Packing damage, approved")
    with qtbot.waitSignal(dialog.finished, timeout=3000):
        qtbot.mouseClick(dialog.approve, Qt.MouseButton.LeftButton)
    assert "approved by Sam Whitfield" in inspect.banner.text()
    assert window.user_label.text() == "User: Ines Moreno (inspector)"  # still signed in
    # The row says what the item is now, not "awaiting approval".
    assert "[decided]" in inspect.units.item(0).text(), inspect.units.item(0).text()
    previewed(qtbot, inspect)
    assert inspect.panel.outcome.text().startswith("#") and "approved by Sam Whitfield" in \
        inspect.panel.outcome.text() and inspect.panel.outcome.text().endswith("now decided.")


def _big_refund_rma(services: Services) -> str:
    """One dress refunded for $330 in all: over the $250 a manager approves."""
    number = _simple_refund_rma(services)
    with UnitOfWork(services.session_factory) as uow:
        line = uow.session.scalars(select(OrderLine).join(
            ReturnItem, ReturnItem.order_line_id == OrderLine.id).join(
            ReturnAuthorization, ReturnAuthorization.id == ReturnItem.rma_id).where(
            ReturnAuthorization.number == number)).one()
        line.set_totals(Decimal("300.00") * line.quantity, Decimal("30.00") * line.quantity)
        uow.commit()
    return number


def _graded_big_refund(qtbot, services: Services):  # type: ignore[no-untyped-def]
    """Ines on Inspect with a $330 refund graded A (over the $250 a manager approves):
    (window, shell, Inspect page, RMA)."""
    number = _big_refund_rma(services)
    window = _window(qtbot, services)
    _to_inspect(qtbot, window, number)
    shell = window.shell
    assert shell is not None
    qtbot.keyClick(shell.inspect, Qt.Key.Key_1)
    return window, shell, shell.inspect, number


def test_ctrl_o_before_enter_asks_and_a_manager_answers_here(qtbot, services: Services) -> None:  # type: ignore[no-untyped-def]
    """Issue 29: Ctrl+O worked only after Enter, and Enter left Inspect. With the manager
    at the bench, Ctrl+O before Enter makes Enter's request and opens its answer; the
    bench moves on once it is answered. A wrong PIN's line makes the dialog grow."""
    _win, shell, inspect, _number = _graded_big_refund(qtbot, services)
    previewed(qtbot, inspect)
    assert inspect.panel.view is not None and inspect.panel.view.approval is not None
    qtbot.keyClick(inspect, Qt.Key.Key_O, Qt.KeyboardModifier.ControlModifier)
    dialog = inspect._override_dialog
    assert dialog is not None and dialog.isVisible()
    assert shell.nav.currentRow() == 1  # still on Inspect: the answer is awaited
    assert [dialog.who.itemText(i) for i in range(dialog.who.count())] == [
        "Maria Chen · manager"]
    qtbot.keyClicks(dialog.pin, "0000")
    qtbot.mouseClick(dialog.approve, Qt.MouseButton.LeftButton)
    assert "Wrong PIN" in dialog.banner.text() and dialog.isVisible()
    qtbot.waitUntil(lambda: dialog.height() >= dialog.minimumSizeHint().height(),
                    timeout=2000)  # grown: the line is not drawn over the text
    qtbot.keyClicks(dialog.pin, "444444")
    with qtbot.waitSignal(inspect.finished, timeout=3000) as done:
        qtbot.mouseClick(dialog.approve, Qt.MouseButton.LeftButton)
    assert "approved by Maria Chen" in done.args[0] and done.args[1] is False
    qtbot.waitUntil(lambda: shell.nav.currentRow() == 0, timeout=2000)
    assert "approved by Maria Chen" in shell.receive.banner.text()
    with UnitOfWork(services.session_factory) as uow:
        assert [a.status for a in uow.session.scalars(select(Approval))] == [
            ApprovalStatus.APPROVED]


def test_ctrl_o_on_receive_after_enter_answers_the_parcel(qtbot, services: Services) -> None:  # type: ignore[no-untyped-def]
    """Enter took the bench back to Receive with the request waiting: Ctrl+O there opens
    the answer on Inspect."""
    _win, shell, inspect, number = _graded_big_refund(qtbot, services)
    with qtbot.waitSignal(inspect.finished, timeout=3000):
        qtbot.keyClick(inspect, Qt.Key.Key_Return)
    qtbot.waitUntil(shell.receive.scan.hasFocus, timeout=2000)
    qtbot.keyClick(shell.receive.scan, Qt.Key.Key_O, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: inspect._override_dialog is not None, timeout=2000)
    assert shell.nav.currentRow() == 1
    dialog = inspect._override_dialog
    assert dialog is not None and dialog.request.rma_number == number
    dialog.reject()


def test_admin_creates_a_user_in_settings(qtbot, services: Services) -> None:  # type: ignore[no-untyped-def]
    window = _window(qtbot, services)
    _sign_in(qtbot, window, 0, "555555")  # Adam, admin
    shell = window.shell
    assert shell is not None and shell.settings_page.users is not None
    users = shell.settings_page.users
    qtbot.waitUntil(shell.receive.scan.hasFocus, timeout=2000)
    qtbot.keyClick(shell.receive.scan, Qt.Key.Key_F6)
    shell.settings_page.tabs.setCurrentWidget(users)
    # The trap of issue 29: a user clicked first (adam, admin), then a new name typed:
    # the new user does not take adam's role; no role is picked until one is.
    adam_row = [u.username for u in users.rows].index("adam")
    users.table.selectRow(adam_row)
    assert users.role.currentText() == "admin"
    users.username.clear()
    qtbot.keyClicks(users.username, "nina")
    assert users.role.currentData() is None
    qtbot.keyClicks(users.display_name, "Nina Brooks")
    qtbot.keyClicks(users.pin, "8642")
    qtbot.mouseClick(users.create_button, Qt.MouseButton.LeftButton)
    assert "Pick a role" in users.banner.text()
    assert "nina" not in [u.username for u in users.rows]
    users.pin.clear()
    users.role.setCurrentIndex(users.role.findText("claims"))
    qtbot.keyClicks(users.pin, "12")
    qtbot.mouseClick(users.create_button, Qt.MouseButton.LeftButton)
    assert "4 to 12 digits" in users.banner.text()
    users.pin.clear()
    qtbot.keyClicks(users.pin, "8642")
    qtbot.mouseClick(users.create_button, Qt.MouseButton.LeftButton)
    assert "nina created" in users.banner.text()
    assert "nina" in [u.username for u in users.rows]
    assert services.auth.sign_in("nina", "8642").role.value == "claims"
    # A role change says from and to; deactivating says what it means.
    users.table.selectRow([u.username for u in users.rows].index("nina"))
    users.role.setCurrentIndex(users.role.findText("inspector"))
    qtbot.mouseClick(users.change_role, Qt.MouseButton.LeftButton)
    assert "nina: role changed from claims to inspector." in users.banner.text()
    users.table.selectRow([u.username for u in users.rows].index("nina"))
    qtbot.mouseClick(users.toggle_active, Qt.MouseButton.LeftButton)
    assert "nina: deactivated: can no longer sign in" in users.banner.text()


def test_bench_sees_the_answer_to_its_request_on_sqlite(qtbot, services: Services,  # type: ignore[no-untyped-def]
                                                        clock) -> None:
    """SQLite has no notifications: the bench polls every 2 s for answers to its own
    requests; a manager at another station answers and the bench shows it."""
    from app.bootstrap import bootstrap
    from app.config import load_settings
    from ui.feed import POLL_MS

    window = _window(qtbot, services)
    _sign_in(qtbot, window, 2, "1111")  # Ines at TEST-BENCH
    shell = window.shell
    assert shell is not None and not window.feed.live
    assert shell.answers_timer.interval() == POLL_MS
    approval_id, number = _request(services, "80.00")  # asked at TEST-BENCH
    office = bootstrap(load_settings(str(services.engine.url), "OFFICE-1"), clock)
    try:
        sam = office.auth.sign_in("sam", "333333")
        office.approvals.answer(approval_id, sam, approve=False, note="no proof of the call")
        qtbot.waitUntil(lambda: f"#{approval_id} denied by" in shell.notice.text(),
                        timeout=POLL_MS + 1000)
        assert "no proof of the call" in shell.notice.text() and number in shell.notice.text()
    finally:
        office.dispose()
