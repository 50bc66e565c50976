"""The window driven like a user: keys into the real widgets, checks what they show."""

from __future__ import annotations

from sqlalchemy import select

from PySide6.QtCore import Qt

from app.bootstrap import Services
from app.services.uow import UnitOfWork
from models import ReturnAuthorization
from ui.sounds import SilentSounds
from ui.window import MainWindow


def _window(qtbot, services: Services) -> MainWindow:  # type: ignore[no-untyped-def]
    window = MainWindow(services, sounds=SilentSounds())
    qtbot.addWidget(window)
    window.show()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=3000)
    return window


def _sign_in(qtbot, window: MainWindow, down: int, pin: str) -> None:  # type: ignore[no-untyped-def]
    page = window.sign_in
    # The demo users' first letters are unique: a letter picks the name (the list puts
    # this station's recent users first, so positions move).
    qtbot.keyClicks(page.pin, "acims"[down])
    qtbot.keyClicks(page.pin, pin)
    with qtbot.waitSignal(page.tried, timeout=10_000):  # the PIN is checked off the UI thread
        qtbot.keyClick(page.pin, Qt.Key.Key_Return)


def _an_rma(services: Services) -> tuple[str, str]:
    with UnitOfWork(services.session_factory) as uow:
        rma = uow.session.scalars(select(ReturnAuthorization).limit(1)).one()
        return rma.number, rma.order.customer.name


def test_sign_in_with_keyboard_opens_the_shell(qtbot, services: Services) -> None:  # type: ignore[no-untyped-def]
    window = _window(qtbot, services)
    assert window.demo_banner.isVisible() and "DEMO DATA" in window.demo_banner.text()
    assert "1111" not in window.demo_banner.text()  # the README is the one place for PINs
    assert window.station_label.text() == "Station: TEST-BENCH"
    assert "SQLite" in window.db_label.text()
    # Adam, Carl, Ines...: two downs select Ines.
    with qtbot.waitSignal(window.sign_in.signed_in, timeout=5000):
        _sign_in(qtbot, window, 2, "1111")
    assert window.shell is not None and window.stack.currentWidget() is window.shell
    assert window.user_label.text() == "User: Ines Moreno (inspector)"
    qtbot.waitUntil(window.shell.receive.scan.hasFocus, timeout=2000)


def test_wrong_pin_says_so_and_keeps_the_sign_in(qtbot, services: Services) -> None:  # type: ignore[no-untyped-def]
    window = _window(qtbot, services)
    _sign_in(qtbot, window, 2, "9999")
    assert window.shell is None
    assert "Wrong PIN: 4 tries left" in window.sign_in.banner.text()
    assert window.sign_in.pin.text() == ""
    qtbot.waitUntil(window.sign_in.pin.hasFocus, timeout=2000)


def test_scan_finds_the_return_and_unknown_says_why(qtbot, services: Services) -> None:  # type: ignore[no-untyped-def]
    window = _window(qtbot, services)
    _sign_in(qtbot, window, 2, "1111")
    assert window.shell is not None
    receive = window.shell.receive
    number, customer = _an_rma(services)
    with qtbot.waitSignal(receive.found, timeout=2000):
        qtbot.keyClicks(receive.scan, number)
        qtbot.keyClick(receive.scan, Qt.Key.Key_Return)
    assert receive.card.isVisible()
    assert number in receive.card.headline.text() and customer in receive.card.headline.text()
    assert receive.card.table.rowCount() >= 1
    assert receive.scan.property("flash") == "good"
    qtbot.waitUntil(receive.scan.hasFocus, timeout=2000)
    assert receive.scan.selectedText() == number

    with qtbot.waitSignal(receive.not_found, timeout=2000) as blocker:
        qtbot.keyClicks(receive.scan, "KP-99999999")
        qtbot.keyClick(receive.scan, Qt.Key.Key_Return)
    assert "No return found for order KP-99999999" in blocker.args[0]
    assert "No return found" in receive.banner.text()
    assert receive.scan.property("flash") == "bad"
    qtbot.keyClick(receive.scan, Qt.Key.Key_Escape)
    assert receive.banner.text() == ""


def test_function_keys_move_between_places_and_sign_out(qtbot, services: Services) -> None:  # type: ignore[no-untyped-def]
    window = _window(qtbot, services)
    _sign_in(qtbot, window, 3, "444444")  # Maria, manager
    shell = window.shell
    assert shell is not None
    qtbot.waitUntil(lambda: shell.nav.currentRow() == 3, timeout=2000)  # lands on Approvals
    qtbot.keyClick(shell.receive.scan, Qt.Key.Key_F4)
    assert shell.pages.currentIndex() == 3 and shell.pages.currentWidget() is shell.approvals
    qtbot.keyClick(shell, Qt.Key.Key_F5)
    assert shell.pages.currentIndex() == 4 and shell.pages.currentWidget() is shell.reports
    qtbot.keyClick(shell, Qt.Key.Key_F1)
    assert shell.pages.currentIndex() == 0
    qtbot.waitUntil(shell.receive.scan.hasFocus, timeout=2000)
    qtbot.keyClick(shell.receive.scan, Qt.Key.Key_Q, Qt.KeyboardModifier.ControlModifier)
    assert window.shell is None and window.stack.currentWidget() is window.sign_in
    assert window.user_label.text() == "User: (signed out)"


def test_an_idle_station_locks_itself(qtbot, services: Services) -> None:  # type: ignore[no-untyped-def]
    window = MainWindow(services, sounds=SilentSounds(), idle_lock_seconds=0.4)
    qtbot.addWidget(window)
    window.show()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=3000)
    _sign_in(qtbot, window, 2, "1111")
    assert window.shell is not None
    qtbot.waitUntil(lambda: window.shell is None, timeout=3000)
    assert window.stack.currentWidget() is window.sign_in
    assert "Locked after" in window.sign_in.banner.text()
    assert window.user_label.text() == "User: (signed out)"


def test_esc_dismisses_the_notice_then_the_pages_banner(qtbot, services: Services) -> None:  # type: ignore[no-untyped-def]
    from ui.banner import Level
    window = _window(qtbot, services)
    _sign_in(qtbot, window, 2, "1111")
    shell = window.shell
    assert shell is not None
    qtbot.waitUntil(shell.receive.scan.hasFocus, timeout=2000)
    shell.notice.show_message(Level.OK, "Request #2 approved by Maria Chen.")
    shell.receive.banner.show_message(Level.WARN, "Parcel already received.")
    qtbot.keyClick(shell.receive.scan, Qt.Key.Key_Escape)  # Receive: everything in view
    assert not shell.notice.isVisible() and not shell.receive.banner.isVisible()
    qtbot.keyClick(shell.receive.scan, Qt.Key.Key_F3)  # Claims: its Esc is not used
    shell.notice.show_message(Level.OK, "Request #3 denied by Sam Whitfield.")
    qtbot.keyClick(shell.pages.currentWidget(), Qt.Key.Key_Escape)
    assert not shell.notice.isVisible()
