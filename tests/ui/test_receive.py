"""The Receive screen driven by key events: scanner bursts at 0 ms per key with Enter or
Tab suffix, misreads, the no-match flow, marks and extra items."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from PySide6.QtCore import Qt

from app.bootstrap import Services
from app.domain.enums import ReceptionStatus
from app.services.uow import UnitOfWork
from models import Receipt, ReturnAuthorization
from tests.ui.test_shell import _sign_in, _window
from ui.receive_page import ReceivePage
from ui.sounds import SilentSounds
from ui.window import MainWindow


def _rmas(services: Services, n: int) -> list[tuple[str, str]]:
    with UnitOfWork(services.session_factory) as uow:
        rows = uow.session.scalars(select(ReturnAuthorization)
                                   .order_by(ReturnAuthorization.id).limit(n)).all()
        return [(r.number, r.tracking_number or "") for r in rows]


@dataclass
class Bench:
    window: MainWindow  # held here: the window must outlive the test's use of its pages
    page: ReceivePage
    sounds: SilentSounds


def _receive(qtbot, services: Services) -> Bench:  # type: ignore[no-untyped-def]
    window = _window(qtbot, services)
    _sign_in(qtbot, window, 2, "1111")
    assert window.shell is not None
    page = window.shell.receive
    qtbot.waitUntil(page.scan.hasFocus, timeout=2000)
    assert isinstance(window.sounds, SilentSounds)
    return Bench(window, page, window.sounds)


def test_scanner_bursts_at_zero_ms_per_key_lose_nothing(qtbot, services: Services) -> None:  # type: ignore[no-untyped-def]
    bench = _receive(qtbot, services)
    page, sounds = bench.page, bench.sounds
    rmas = _rmas(services, 6)
    seen: list[str] = []
    page.found.connect(lambda view: seen.append(view.rma_number))
    for i, (number, tracking) in enumerate(rmas):
        code = tracking if i % 2 else number
        suffix = Qt.Key.Key_Tab if i % 3 == 0 else Qt.Key.Key_Return
        qtbot.keyClicks(page.scan, code, delay=0)  # replaces the selected previous scan
        qtbot.keyClick(page.scan, suffix)
    assert seen == [n for n, _ in rmas]
    assert sounds.played == ["good"] * len(rmas)
    with UnitOfWork(services.session_factory) as uow:
        receipts = uow.session.scalars(select(Receipt)).all()
        assert len(receipts) == len(rmas)
        assert all(r.station_id is not None for r in receipts)


def test_misread_buzzes_and_says_scan_again(qtbot, services: Services) -> None:  # type: ignore[no-untyped-def]
    bench = _receive(qtbot, services)
    page, sounds = bench.page, bench.sounds
    number, _ = _rmas(services, 1)[0]
    misread = number[:-1] + str((int(number[-1]) + 1) % 10)
    qtbot.keyClicks(page.scan, misread)
    qtbot.keyClick(page.scan, Qt.Key.Key_Return)
    assert "check digit wrong" in page.banner.text() and "scan again" in page.banner.text()
    assert sounds.played == ["bad"] and page.scan.property("flash") == "bad"
    assert not page.card.isVisible()


def test_second_scan_says_already_received(qtbot, services: Services) -> None:  # type: ignore[no-untyped-def]
    bench = _receive(qtbot, services)
    page = bench.page
    number, tracking = _rmas(services, 1)[0]
    for code in (number, tracking):
        qtbot.keyClicks(page.scan, code)
        qtbot.keyClick(page.scan, Qt.Key.Key_Return)
    assert "already received" in page.banner.text() and "Ines Moreno" in page.banner.text()


def test_typing_with_focus_on_the_table_still_goes_to_the_scan_field(  # type: ignore[no-untyped-def]
        qtbot, services: Services) -> None:
    bench = _receive(qtbot, services)
    page = bench.page
    (first, _), (second, _) = _rmas(services, 2)
    qtbot.keyClicks(page.scan, first)
    qtbot.keyClick(page.scan, Qt.Key.Key_Return)
    page.card.table.setFocus()
    qtbot.keyClicks(page.card.table, second)
    assert page.scan.text() == second
    qtbot.keyClick(page.scan, Qt.Key.Key_Return)
    assert page.card.view is not None and page.card.view.rma_number == second


def test_mark_missing_and_add_an_extra_item(qtbot, services: Services) -> None:  # type: ignore[no-untyped-def]
    bench = _receive(qtbot, services)
    page = bench.page
    number, _ = _rmas(services, 1)[0]
    qtbot.keyClicks(page.scan, number)
    qtbot.keyClick(page.scan, Qt.Key.Key_Return)
    qtbot.keyClick(page.scan, Qt.Key.Key_M, Qt.KeyboardModifier.ControlModifier)
    assert page.card.view is not None
    assert page.card.view.items[0].reception_status is ReceptionStatus.MISSING
    status = page.card.table.item(0, 6)
    assert status is not None
    assert status.text() == "missing"
    qtbot.keyClick(page.scan, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(page.extra.hasFocus, timeout=2000)
    qtbot.keyClicks(page.extra, "Red satin gown size 10, not on the return")
    qtbot.keyClick(page.extra, Qt.Key.Key_Return)
    extra = page.card.view.items[-1]
    assert extra.reception_status is ReceptionStatus.EXTRA
    description = page.card.table.item(page.card.table.rowCount() - 1, 1)
    assert description is not None
    assert description.text() == "(extra item)"


def test_unknown_parcel_search_then_hold(qtbot, services: Services) -> None:  # type: ignore[no-untyped-def]
    bench = _receive(qtbot, services)
    page, sounds = bench.page, bench.sounds
    qtbot.keyClicks(page.scan, "1Z999AA10123456784")
    qtbot.keyClick(page.scan, Qt.Key.Key_Return)
    assert "No return found for UPS 1Z999AA10123456784" in page.banner.text()
    assert page.no_match.isVisible() and sounds.played == ["bad"]
    with UnitOfWork(services.session_factory) as uow:
        rma = uow.session.scalars(select(ReturnAuthorization).limit(1)).one()
        surname, number = rma.order.customer.name.split()[-1], rma.number
    qtbot.keyClick(page.scan, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(page.search.hasFocus, timeout=2000)
    qtbot.keyClicks(page.search, surname)
    qtbot.keyClick(page.search, Qt.Key.Key_Return)
    assert page.results.count() >= 1
    qtbot.keyClick(page.search, Qt.Key.Key_H, Qt.KeyboardModifier.ControlModifier)
    assert "held for investigation" in page.banner.text()
    with UnitOfWork(services.session_factory) as uow:
        held = uow.session.scalars(select(Receipt).where(Receipt.rma_id.is_(None))).one()
        assert held.scanned_code == "1Z999AA10123456784" and surname in (held.note or "")
    assert number  # the customer's own return stays untouched


def test_one_box_two_returns_ctrl_n_and_ctrl_a(qtbot, services: Services) -> None:  # type: ignore[no-untyped-def]
    """Issue 29 item 11 in the window: a label two returns share receives both and the
    banner names the other; Ctrl+N shows it; Ctrl+A then a scanner's burst adds a third
    return found in the box (the burst goes to the box, not to a new parcel)."""
    from tests.integration.test_one_box import same_label, split_order

    sf = services.session_factory
    first, second, tracking = same_label(sf)
    third, fourth, _order = split_order(sf)
    bench = _receive(qtbot, services)
    page = bench.page
    qtbot.keyClicks(page.scan, tracking, delay=0)
    qtbot.keyClick(page.scan, Qt.Key.Key_Return)
    assert page.card.view is not None
    shown = page.card.view.rma_number
    other = next(n for n in (first, second) if n != shown)
    assert f"One box, 2 returns: {other} received too (Ctrl+N shows the next)" in \
        page.banner.text()
    qtbot.keyClick(page.scan, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    assert page.card.view.rma_number == other
    assert f"{other}: return 2 of 2 in this box" in page.banner.text()
    # The third return's own label, then its order-mate found in the same box.
    qtbot.keyClicks(page.scan, third, delay=0)
    qtbot.keyClick(page.scan, Qt.Key.Key_Return)
    assert page.card.view.rma_number == third
    qtbot.keyClick(page.scan, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(page.box_field.hasFocus, timeout=2000)
    qtbot.keyClicks(page.box_field, fourth, delay=0)  # a scanner's burst
    qtbot.keyClick(page.box_field, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: page.card.view is not None
                    and page.card.view.rma_number == fourth, timeout=2000)
    assert not page.box_field.isVisible()
    assert page.banner.text().startswith(f"{fourth} added to this box and received.")
    assert f"This box: {third}, {fourth}." in page.banner.text()
    with UnitOfWork(sf) as uow:
        codes = uow.session.scalars(select(Receipt.scanned_code).join(
            ReturnAuthorization, ReturnAuthorization.id == Receipt.rma_id)
            .where(ReturnAuthorization.number == fourth)).all()
    assert codes == [third]  # received as part of the third's box
    assert bench.sounds.played == ["good"] * 4
