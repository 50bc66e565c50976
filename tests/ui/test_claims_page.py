"""The claims desk on screen: the queue, photos side by side, a box drawn with the mouse
saved as an annotation, the carrier claim and packet, and closing the claim."""

from __future__ import annotations

from sqlalchemy import select

from PySide6.QtCore import QPoint, Qt

from app.bootstrap import Services
from app.domain.enums import (
    DamageCause,
    DamageSeverity,
    Grade,
    PhotoSlot,
    RequestedResolution,
)
from app.services.decisions import InspectionInput
from app.services.uow import UnitOfWork
from models import ReturnAuthorization
from tests.helpers.photos import scene
from tests.ui.test_shell import _sign_in, _window


def _claim(services: Services) -> str:
    with UnitOfWork(services.session_factory) as uow:
        rma = uow.session.scalars(select(ReturnAuthorization)
                                  .order_by(ReturnAuthorization.id)).first()
        assert rma is not None
        rma.shipped_by_customer_on = rma.order.delivered_on
        rma.items[0].requested = RequestedResolution.REFUND
        number = rma.number
        uow.commit()
    ines = services.auth.sign_in("ines", "1111")
    form = InspectionInput(matches_order=True, grade=Grade.C, damage_severity=DamageSeverity.SEVERE,
                           damage_cause=DamageCause.SHIPPING)
    services.inspection.save_draft(number, 1, form, ines)
    services.inspection.add_photo(number, 1, scene(51), ines, PhotoSlot.WHOLE_ITEM)
    services.inspection.add_photo(number, 1, scene(52), ines, PhotoSlot.DAMAGE_CLOSEUP)
    services.decisions.accept(number, {1: form}, ines)
    return number


def test_claims_desk_end_to_end(qtbot, services: Services) -> None:  # type: ignore[no-untyped-def]
    number = _claim(services)
    window = _window(qtbot, services)
    _sign_in(qtbot, window, 1, "2222")  # Carl, claims
    shell = window.shell
    assert shell is not None
    qtbot.waitUntil(lambda: shell.nav.currentRow() == 2, timeout=2000)  # lands on Claims
    qtbot.keyClick(shell.receive.scan, Qt.Key.Key_F3)
    page = shell.claims
    qtbot.waitUntil(lambda: len(page.views) == 1, timeout=3000)
    rma_cell, deadline_cell = page.table.item(0, 1), page.table.item(0, 0)
    assert rma_cell is not None and deadline_cell is not None
    assert rma_cell.text() == number
    assert deadline_cell.text().endswith("h left")
    assert page.left.property("photo_id") is not None
    assert page.right.property("photo_id") is not None

    qtbot.keyClick(page, Qt.Key.Key_B)
    viewport = page.left.viewport()
    qtbot.mousePress(viewport, Qt.MouseButton.LeftButton, pos=QPoint(40, 40))
    qtbot.mouseRelease(viewport, Qt.MouseButton.LeftButton, pos=QPoint(160, 120))
    photo_id = int(page.left.property("photo_id"))
    shapes = services.claims.annotations(photo_id)
    assert len(shapes) == 1 and shapes[0]["type"] == "box"
    assert "Mark saved" in page.banner.text()

    qtbot.keyClick(page, Qt.Key.Key_Escape)
    with qtbot.waitSignal(page.packet_saved, timeout=10_000):  # written off the UI thread
        qtbot.keyClick(page, Qt.Key.Key_C)
    assert "Carrier claim #" in page.banner.text() and "packet saved" in page.banner.text()
    packets = list((services.settings.data_dir / "documents").glob("carrier-claim-*.pdf"))
    assert len(packets) == 1 and packets[0].read_bytes().startswith(b"%PDF")
    status = page.table.item(0, 6)
    assert status is not None
    assert status.text() == "open"

    qtbot.keyClick(page, Qt.Key.Key_Return)
    qtbot.waitUntil(page.note.hasFocus, timeout=2000)
    qtbot.keyClicks(page.note, "Refunded in full; DHL claim filed with photos")
    qtbot.keyClick(page.note, Qt.Key.Key_Return)
    assert "claim closed" in page.banner.text()
    assert page.table.rowCount() == 0


def test_inspectors_do_not_see_the_claims_desk(qtbot, services: Services) -> None:  # type: ignore[no-untyped-def]
    window = _window(qtbot, services)
    _sign_in(qtbot, window, 2, "1111")
    shell = window.shell
    assert shell is not None
    qtbot.waitUntil(shell.receive.scan.hasFocus, timeout=2000)
    qtbot.keyClick(shell.receive.scan, Qt.Key.Key_F3)
    assert not shell.claims.table.isVisible()
    assert "claims staff" in shell.claims.detail.text()


def test_label_annotation_with_text(qtbot, services: Services) -> None:  # type: ignore[no-untyped-def]
    _claim(services)
    window = _window(qtbot, services)
    _sign_in(qtbot, window, 1, "2222")
    shell = window.shell
    assert shell is not None
    qtbot.waitUntil(lambda: shell.nav.currentRow() == 2, timeout=2000)  # lands on Claims
    qtbot.keyClick(shell.receive.scan, Qt.Key.Key_F3)
    page = shell.claims
    qtbot.waitUntil(lambda: len(page.views) == 1, timeout=3000)
    qtbot.keyClick(page, Qt.Key.Key_T)
    qtbot.waitUntil(page.note.hasFocus, timeout=2000)
    qtbot.keyClicks(page.note, "torn hem")
    qtbot.keyClick(page.note, Qt.Key.Key_Return)
    viewport = page.right.viewport()
    qtbot.mousePress(viewport, Qt.MouseButton.LeftButton, pos=QPoint(60, 60))
    qtbot.mouseRelease(viewport, Qt.MouseButton.LeftButton, pos=QPoint(60, 60))
    shapes = services.claims.annotations(int(page.right.property("photo_id")))
    assert [(s["type"], s["text"]) for s in shapes] == [("label", "torn hem")]
