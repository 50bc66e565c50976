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
    """... and the window's title says where it is and who works in it (the real-window
    tests wait for it)."""
    window = _window(qtbot, services)
    page = window.sign_in
    assert window.windowTitle() == "ReturnBench (DEMO DATA) - Sign in"
    for letter, pin, row, place, name in (("c", "2222", 2, "Claims", "Carl"),
                                          ("s", "333333", 3, "Approvals", "Sam"),
                                          ("i", "1111", 0, "Receive", "Ines Moreno")):
        qtbot.keyClicks(page.pin, letter + pin)
        qtbot.keyClick(page.pin, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: window.shell is not None, timeout=2000)
        shell = window.shell
        assert shell is not None
        qtbot.waitUntil(lambda s=shell, r=row: s.nav.currentRow() == r, timeout=2000)
        title = window.windowTitle()
        assert title.startswith(f"ReturnBench (DEMO DATA) - {place} - {name}"), title
        qtbot.keyClick(shell, Qt.Key.Key_F2)
        assert window.windowTitle().startswith("ReturnBench (DEMO DATA) - Inspect - ")
        qtbot.keyClick(shell, Qt.Key.Key_Q, Qt.KeyboardModifier.ControlModifier)
        qtbot.waitUntil(lambda: window.shell is None, timeout=2000)
        assert window.windowTitle() == "ReturnBench (DEMO DATA) - Sign in"


def test_a_badge_scan_picks_the_name_and_tries_nobody(qtbot, services: Services,  # type: ignore[no-untyped-def]
                                                     tmp_path, monkeypatch) -> None:
    from app.cli import run
    from tests.unit.test_label_fit import OURS

    window = _window(qtbot, services)
    page = window.sign_in
    with UnitOfWork(services.session_factory) as uow:
        ines = uow.session.scalars(select(User).where(User.username == "ines")).one()
        code = f"USER-{ines.id:06d}"
    # The badge prints as Code128 and reads back as the same code.
    out = tmp_path / "badge.pdf"
    monkeypatch.setenv("RETURNBENCH_USER", "adam")  # an admin prints the badge
    monkeypatch.setenv("RETURNBENCH_PIN", "555555")
    assert run(["badge", "ines", "-o", str(out), "--db", services.settings.db_url]) == 0
    import subprocess

    import zxingcpp
    from PIL import Image
    subprocess.run(["pdftoppm", "-png", "-r", "203", "-singlefile", str(out),
                    str(tmp_path / "badge")], check=True)
    read = zxingcpp.read_barcodes(Image.open(tmp_path / "badge.png"), formats=OURS)
    assert [(r.text, r.format.name) for r in read] == [(code, "Code128")]
    # Stray keys first (a letter picked Sam, two digits typed), then the badge scanned:
    # its letters and digits never reach the PIN, and its Enter tries nobody.
    qtbot.keyClicks(page.pin, "s12")
    qtbot.keyClicks(page.pin, code)
    qtbot.keyClick(page.pin, Qt.Key.Key_Return)
    item = page.users.currentItem()
    assert item is not None and item.data(Qt.ItemDataRole.UserRole) == "ines"
    assert page.pin.text() == "" and "Badge: Ines" in page.banner.text()
    assert window.shell is None
    assert all(_failed(services, u) == 0 for u in ("adam", "carl", "ines", "maria", "sam"))
    qtbot.keyClicks(page.pin, "1111")
    qtbot.keyClick(page.pin, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.shell is not None, timeout=2000)
    assert window.user_label.text() == "User: Ines Moreno (inspector)"


def test_an_unknown_badge_picks_nobody(qtbot, services: Services) -> None:  # type: ignore[no-untyped-def]
    window = _window(qtbot, services)
    page = window.sign_in
    qtbot.keyClicks(page.pin, "i")
    qtbot.keyClicks(page.pin, "USER-999999")
    qtbot.keyClick(page.pin, Qt.Key.Key_Return)
    assert page.users.currentRow() == -1 and "no active user" in page.banner.text()
    qtbot.keyClicks(page.pin, "1111")
    qtbot.keyClick(page.pin, Qt.Key.Key_Return)
    assert "Pick your name first" in page.banner.text() and window.shell is None
