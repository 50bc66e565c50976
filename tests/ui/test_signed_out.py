"""A bench whose user an admin deactivates, or gives another role, from another session
(issue 27, item 7): the next action is refused, and the window goes back to sign-in with
the sentence that says why, as the idle lock does. Through the bench session (a scan on
Receive) and through a page that calls its service itself (Settings, Printer)."""

from __future__ import annotations

from PySide6.QtCore import Qt

from app.bootstrap import Services
from app.domain.enums import Role
from tests.integration.conftest import user_named
from tests.ui.test_shell import _an_rma, _sign_in, _window


def _signed_out(qtbot, window) -> str:  # type: ignore[no-untyped-def]
    qtbot.waitUntil(lambda: window.shell is None, timeout=3000)
    assert window.stack.currentWidget() is window.sign_in
    assert window.user_label.text() == "User: (signed out)"
    return str(window.sign_in.banner.text())


def test_a_deactivated_inspector_is_sent_to_sign_in_at_her_next_scan(  # type: ignore[no-untyped-def]
        qtbot, services: Services) -> None:
    window = _window(qtbot, services)
    _sign_in(qtbot, window, 2, "1111")  # Ines, inspector
    shell = window.shell
    assert shell is not None
    number, _customer = _an_rma(services)
    receive = shell.receive
    with qtbot.waitSignal(receive.found, timeout=2000):
        qtbot.keyClicks(receive.scan, number)
        qtbot.keyClick(receive.scan, Qt.Key.Key_Return)

    # An admin, at another station, deactivates her while her bench is open.
    adam = user_named(services.session_factory, "adam")
    services.users.set_active(adam, "ines", False)
    receive.scan.clear()
    qtbot.keyClicks(receive.scan, number)
    qtbot.keyClick(receive.scan, Qt.Key.Key_Return)
    assert _signed_out(qtbot, window) == ("Ines Moreno was deactivated by an admin: sign "
                                          "in again.")
    names = [window.sign_in.users.item(i).data(Qt.ItemDataRole.UserRole)
             for i in range(window.sign_in.users.count())]
    assert "ines" not in names and "adam" in names


def test_a_demoted_supervisor_is_sent_to_sign_in_from_a_page_of_their_own(  # type: ignore[no-untyped-def]
        qtbot, services: Services, tmp_path) -> None:
    window = _window(qtbot, services)
    _sign_in(qtbot, window, 4, "333333")  # Sam, supervisor
    shell = window.shell
    assert shell is not None
    adam = user_named(services.session_factory, "adam")
    services.users.set_role(adam, "sam", Role.INSPECTOR)
    qtbot.keyClick(shell, Qt.Key.Key_F6)
    printer = shell.settings_page.printer
    printer.spec.setText(f"file:{tmp_path / 'labels'}")
    qtbot.mouseClick(printer.save, Qt.MouseButton.LeftButton)
    assert _signed_out(qtbot, window) == ("Sam Whitfield, your role changed to inspector: "
                                          "sign in again.")
    # Signed in again, Sam works as what they are now: an inspector.
    _sign_in(qtbot, window, 4, "333333")
    qtbot.waitUntil(lambda: window.shell is not None, timeout=3000)
    assert window.user_label.text() == "User: Sam Whitfield (inspector)"
