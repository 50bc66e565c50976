"""An unexpected return in the window, by keys: Ines scans a parcel no return matches,
finds the customer (Ctrl+F), receives it (Ctrl+U, the dress's SKU tag scanned, grade,
Enter); Sam links it to the order on Needs a look (F10, L, Enter) or sends one back
(R, Enter)."""

from __future__ import annotations

from sqlalchemy import select

from PySide6.QtCore import Qt

from app.bootstrap import Services
from app.domain.enums import UnexpectedStatus
from app.services.uow import UnitOfWork
from models import UnexpectedReturn
from tests.integration.test_unexpected import order_without_return
from tests.ui.test_shell import _sign_in, _window

LABEL = "1Z999AA10123456784"  # a UPS label no return carries


def test_received_at_the_bench_and_linked_by_a_supervisor(qtbot, services: Services) -> None:  # type: ignore[no-untyped-def]
    order, sku = order_without_return(services.session_factory)
    window = _window(qtbot, services)
    _sign_in(qtbot, window, 2, "1111")  # Ines, inspector
    shell = window.shell
    assert shell is not None
    page = shell.receive
    qtbot.waitUntil(page.scan.hasFocus, timeout=2000)
    qtbot.keyClicks(page.scan, LABEL, delay=0)
    qtbot.keyClick(page.scan, Qt.Key.Key_Return)
    qtbot.waitUntil(page.no_match.isVisible, timeout=2000)
    qtbot.keyClick(page.scan, Qt.Key.Key_U, Qt.KeyboardModifier.ControlModifier)
    form = page.unexpected
    qtbot.waitUntil(form.what.hasFocus, timeout=2000)
    assert "no customer found" in form.title.text()
    qtbot.keyClick(form.what, Qt.Key.Key_Escape)  # Esc cancels: nothing kept
    assert not form.isVisible()
    qtbot.keyClick(page.scan, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(page.search.hasFocus, timeout=2000)
    qtbot.keyClicks(page.search, order)
    qtbot.keyClick(page.search, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: page.results.count() > 0, timeout=2000)
    qtbot.keyClick(page.results, Qt.Key.Key_U, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(form.what.hasFocus, timeout=2000)
    assert f"order {order}" in form.title.text()
    shell.handle_scan(sku)  # the dress's SKU tag, scanned: it goes to the form
    assert form.what.text() == sku and form.grade.hasFocus()
    qtbot.keyClick(form.grade, Qt.Key.Key_Return)  # no grade yet: it asks, keeps the rest
    assert "Grade it" in page.banner.text() and form.isVisible()
    qtbot.keyClicks(form.grade, "b")
    qtbot.keyClick(form.grade, Qt.Key.Key_Tab)
    qtbot.keyClicks(form.notes, "no slip in the box")
    qtbot.keyClick(form.notes, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not form.isVisible(), timeout=3000)
    assert "received as an unexpected return" in page.banner.text()
    assert page.scan.hasFocus()
    with UnitOfWork(services.session_factory) as uow:
        row = uow.session.scalars(select(UnexpectedReturn)).one()
        assert row.status is UnexpectedStatus.HELD and row.grade.value == "B"
        assert row.order is not None and row.order.number == order
        number = f"U-{row.id:06d}"
    assert page.banner.text().startswith(f"{number}: ")

    # Sam, supervisor: Needs a look lists it; L, the order is typed for him; Enter.
    qtbot.keyClick(page.scan, Qt.Key.Key_Q, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: window.shell is None, timeout=5000)
    _sign_in(qtbot, window, 4, "333333")
    shell = window.shell
    assert shell is not None
    qtbot.keyClick(shell.pages.currentWidget(), Qt.Key.Key_F10)
    look = shell.needs_look
    qtbot.waitUntil(lambda: len(look.views) == 1, timeout=3000)
    cell = look.table.item(0, 0)
    assert cell is not None and cell.text() == number
    assert "graded B: no slip in the box" in look.bench_side.text()
    assert look.link_button.isVisible() and not look.server_button.isVisible()
    qtbot.keyClick(look, Qt.Key.Key_L)
    qtbot.waitUntil(look.note.hasFocus, timeout=2000)
    assert look.note.text() == order
    qtbot.keyClick(look.note, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not look.views, timeout=3000)
    assert f"{number} linked to order {order}" in look.banner.text()
    with UnitOfWork(services.session_factory) as uow:
        row = uow.session.scalars(select(UnexpectedReturn)).one()
        assert row.status is UnexpectedStatus.LINKED and row.rma is not None
        assert row.rma.number in look.banner.text()
