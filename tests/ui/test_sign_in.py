"""Sign-in rules (issue 15): nobody is picked until a name is chosen, so a PIN typed first
tries nobody's PIN; a letter picks a name; this station's recent users come first; each
role lands on its own place."""

from __future__ import annotations

from sqlalchemy import select

from PySide6.QtCore import Qt

from app.bootstrap import Services
from app.services.uow import UnitOfWork
from models import User
from tests.ui.test_shell import _window


def _failed(services: Services, username: str) -> int:
    with UnitOfWork(services.session_factory) as uow:
        return uow.session.scalars(select(User.failed_attempts)
                                   .where(User.username == username)).one()


def test_a_pin_without_a_name_tries_nobody(qtbot, services: Services) -> None:  # type: ignore[no-untyped-def]
    window = _window(qtbot, services)
    page = window.sign_in
    assert page.users.currentRow() == -1 and not page.users.selectedItems()
    qtbot.keyClicks(page.pin, "1234")
    qtbot.keyClick(page.pin, Qt.Key.Key_Return)
    assert "Pick your name first" in page.banner.text() and window.shell is None
    assert page.pin.text() == ""
    assert all(_failed(services, u) == 0 for u in ("adam", "carl", "ines", "maria", "sam"))


def test_letters_pick_names_and_recent_users_come_first(qtbot, services: Services) -> None:  # type: ignore[no-untyped-def]
    window = _window(qtbot, services)
    page = window.sign_in
    qtbot.keyClicks(page.pin, "s")
    item = page.users.currentItem()
    assert item is not None and item.data(Qt.ItemDataRole.UserRole) == "sam"
    assert page.pin.text() == ""  # the letter picked a name; it is not part of the PIN
    qtbot.keyClicks(page.pin, "i3333")
    item = page.users.currentItem()
    assert item is not None and item.data(Qt.ItemDataRole.UserRole) == "ines"
    assert page.pin.text() == "3333"
    page.pin.clear()
    qtbot.keyClicks(page.pin, "1111")
    qtbot.keyClick(page.pin, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.shell is not None, timeout=2000)
    shell = window.shell
    assert shell is not None
    qtbot.keyClick(shell, Qt.Key.Key_Q, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: window.shell is None, timeout=2000)
    first = page.users.item(0)
    assert first is not None and first.data(Qt.ItemDataRole.UserRole) == "ines"
    assert page.users.currentRow() == -1


def test_each_role_lands_on_its_own_place(qtbot, services: Services) -> None:  # type: ignore[no-untyped-def]
    window = _window(qtbot, services)
    page = window.sign_in
    for letter, pin, row in (("c", "2222", 2), ("s", "3333", 3), ("i", "1111", 0)):
        qtbot.keyClicks(page.pin, letter + pin)
        qtbot.keyClick(page.pin, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: window.shell is not None, timeout=2000)
        shell = window.shell
        assert shell is not None
        qtbot.waitUntil(lambda s=shell, r=row: s.nav.currentRow() == r, timeout=2000)
        qtbot.keyClick(shell, Qt.Key.Key_Q, Qt.KeyboardModifier.ControlModifier)
        qtbot.waitUntil(lambda: window.shell is None, timeout=2000)
