"""The first start of an empty database (issue 16): one screen; Enter explores with demo
data, F2 sets up the warehouse with its first admin; nothing else loads demo data."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from PySide6.QtCore import Qt

from app.bootstrap import Services, bootstrap
from app.clock import FixedClock
from app.config import load_settings
from app.services.uow import UnitOfWork
from models import AppMeta, Approval, Decision, Order, User
from tests.ui.test_shell import _window


@pytest.fixture
def empty(tmp_path: Path, clock: FixedClock) -> Iterator[Services]:
    services = bootstrap(load_settings(f"sqlite:///{tmp_path / 'new.db'}", "NEW-BENCH"),
                         clock)
    yield services
    services.dispose()


def _count(services: Services, model: type) -> int:
    with UnitOfWork(services.session_factory) as uow:
        return int(uow.session.scalar(select(func.count()).select_from(model)) or 0)


def test_enter_explores_with_demo_data(qtbot, empty: Services, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    # The first start's own path (thread, progress, history), on fewer orders than the
    # real 2,000 so the test stays quick; the full size is the benchmark's.
    monkeypatch.setattr("app.bootstrap.FIRST_START_DEMO_ORDERS", 150)
    window = _window(qtbot, empty)
    page = window.first_start
    assert page is not None and window.stack.currentWidget() is page
    assert not window.demo_banner.isVisible()
    qtbot.keyClick(page, Qt.Key.Key_Return)  # asks for the word first
    assert page.demo_word.hasFocus() and not page.progress.isVisible()
    qtbot.keyClicks(page.demo_word, "yes")
    qtbot.keyClick(page.demo_word, Qt.Key.Key_Return)
    assert "Type DEMO" in page.banner.text() and _count(empty, User) == 0
    qtbot.keyClick(page.demo_word, Qt.Key.Key_Backspace)
    qtbot.keyClicks(page.demo_word, "DEMO")
    qtbot.keyClick(page.demo_word, Qt.Key.Key_Return)
    assert page.progress.isVisible() and "Loading demo data" in page.banner.text()
    assert not page.demo_button.isEnabled()
    qtbot.keyClick(page, Qt.Key.Key_Return)  # a second Enter while it loads: ignored
    qtbot.waitUntil(lambda: window.stack.currentWidget() is window.sign_in, timeout=60_000)
    assert window.demo_banner.isVisible()
    assert _count(empty, Order) == 150 and _count(empty, User) == 5
    assert _count(empty, Decision) > 0 and _count(empty, Approval) > 0  # its history
    assert window.sign_in.users.count() == 5


def test_setting_up_makes_one_admin_and_no_demo(qtbot, empty: Services) -> None:  # type: ignore[no-untyped-def]
    window = _window(qtbot, empty)
    page = window.first_start
    assert page is not None
    qtbot.keyClick(page, Qt.Key.Key_F2)
    assert page.username.hasFocus()
    qtbot.keyClicks(page.username, "jordan")
    qtbot.keyClicks(page.display_name, "Jordan Reyes")
    assert not page.demo_button.isEnabled()  # the demo is not one key away meanwhile
    qtbot.keyClicks(page.pin, "1234")  # too short for an admin
    qtbot.keyClicks(page.pin_again, "1234")
    qtbot.keyClick(page.pin_again, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "6 to 12 digits" in page.banner.text(), timeout=5000)
    assert _count(empty, User) == 0
    # The trap of issue 29: Esc dismisses the message only; the form stays, and Enter
    # in it never loads the demo.
    qtbot.keyClick(page.pin, Qt.Key.Key_Escape)
    assert page.banner.text() == "" and page.form.isVisible()
    qtbot.keyClick(page.pin, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: page.banner.text() != "" and page.form.isEnabled(), timeout=5000)
    assert not page.progress.isVisible() and _count(empty, Order) == 0
    page.pin.clear()
    page.pin_again.clear()
    qtbot.keyClicks(page.pin, "864213")
    qtbot.keyClicks(page.pin_again, "864212")
    qtbot.keyClick(page.pin_again, Qt.Key.Key_Return)
    assert "differ" in page.banner.text() and _count(empty, User) == 0
    qtbot.keyClicks(page.pin, "864213")
    qtbot.keyClicks(page.pin_again, "864213")
    qtbot.keyClick(page.pin_again, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.stack.currentWidget() is window.sign_in, timeout=5000)
    assert not window.demo_banner.isVisible()
    assert _count(empty, User) == 1 and _count(empty, Order) == 0
    with UnitOfWork(empty.session_factory) as uow:
        assert uow.session.get(AppMeta, "demo_data") is None
    item = window.sign_in.users.currentItem()
    assert item is not None and item.data(Qt.ItemDataRole.UserRole) == "jordan"
    qtbot.keyClicks(window.sign_in.pin, "864213")
    qtbot.keyClick(window.sign_in.pin, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.shell is not None, timeout=3000)


def test_f3_goes_back_and_the_demo_still_asks(qtbot, empty: Services) -> None:  # type: ignore[no-untyped-def]
    window = _window(qtbot, empty)
    page = window.first_start
    assert page is not None
    qtbot.keyClick(page, Qt.Key.Key_F2)
    qtbot.keyClicks(page.username, "jordan")
    qtbot.keyClick(page.username, Qt.Key.Key_F3)
    assert not page.form.isVisible() and page.demo_button.isEnabled()
    qtbot.keyClick(page, Qt.Key.Key_Return)  # the demo asks for its word, loads nothing
    assert page.confirm.isVisible() and page.demo_word.hasFocus()
    qtbot.keyClick(page.demo_word, Qt.Key.Key_F3)
    assert not page.confirm.isVisible() and _count(empty, User) == 0
