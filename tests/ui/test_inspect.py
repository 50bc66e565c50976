"""Inspect and decide from the keyboard: scan, F2, grade key, Enter; exceptions with E."""

from __future__ import annotations

from typing import cast

import pytest
from sqlalchemy import select

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QTextBrowser

from app.bootstrap import Services
from app.domain.enums import (
    ApprovalKind,
    DecisionStatus,
    ReceptionStatus,
    RequestedResolution,
    Resolution,
    ReturnReason,
)
from app.services.uow import UnitOfWork
from models import Approval, Decision, Order, OrderLine, ReturnAuthorization
from tests.helpers.panel import previewed
from tests.ui.test_shell import _sign_in, _window
from ui.window import MainWindow


def _simple_refund_rma(services: Services) -> str:
    """One-unit sizing refund, shipped inside the window, not clearance."""
    with UnitOfWork(services.session_factory) as uow:
        rma = uow.session.scalars(
            select(ReturnAuthorization).join(Order).where(Order.brand == "kissprom")
            .order_by(ReturnAuthorization.id)).first()
        assert rma is not None
        for extra in rma.items[1:]:
            uow.session.delete(extra)
        item = rma.items[0]
        item.reason, item.requested = ReturnReason.SIZING, RequestedResolution.REFUND
        rma.shipped_by_customer_on = rma.order.delivered_on
        line = uow.session.get(OrderLine, item.order_line_id)
        assert line is not None
        line.clearance = False
        uow.commit()
        return rma.number


def _to_inspect(qtbot, window: MainWindow, number: str) -> None:  # type: ignore[no-untyped-def]
    _sign_in(qtbot, window, 2, "1111")
    shell = window.shell
    assert shell is not None
    qtbot.waitUntil(shell.receive.scan.hasFocus, timeout=2000)
    qtbot.keyClicks(shell.receive.scan, number)
    qtbot.keyClick(shell.receive.scan, Qt.Key.Key_Return)
    qtbot.keyClick(shell.receive.scan, Qt.Key.Key_F2)
    assert shell.pages.currentWidget() is shell.inspect
    qtbot.waitUntil(shell.inspect.hasFocus, timeout=2000)


def test_grade_a_return_in_three_keys_after_the_scan(qtbot, services: Services) -> None:  # type: ignore[no-untyped-def]
    number = _simple_refund_rma(services)
    window = _window(qtbot, services)
    _to_inspect(qtbot, window, number)  # scan + Enter, then F2
    inspect = window.shell.inspect  # type: ignore[union-attr]
    qtbot.keyClick(inspect, Qt.Key.Key_1)
    previewed(qtbot, inspect)
    assert inspect.panel.outcome.text().startswith("REFUND  $")
    assert inspect.panel.destination.text() == \
        "Dress goes to: restock at full price — bin R\u2011A\u201103"  # never split
    previewed(qtbot, inspect)
    assert "days after delivery (limit 14)" in inspect.panel.trace.text()
    with qtbot.waitSignal(inspect.finished, timeout=3000) as done:
        qtbot.keyClick(inspect, Qt.Key.Key_Return)
    assert "refund" in done.args[0]
    shell = window.shell
    assert shell is not None and shell.pages.currentWidget() is shell.receive
    assert "refund" in shell.receive.banner.text()
    assert "1 label printed" in shell.receive.banner.text()
    # The label goes to the printer (here a folder) off the UI thread: wait for it.
    folder = services.settings.data_dir / "labels"
    qtbot.waitUntil(lambda: any(folder.glob("item-*.pdf")), timeout=10_000)
    labels = list(folder.glob("item-*.pdf"))
    assert [p.name for p in labels] == [f"item-{number}-1.pdf"]
    assert labels[0].read_bytes().startswith(b"%PDF")
    qtbot.waitUntil(shell.receive.scan.hasFocus, timeout=2000)
    with UnitOfWork(services.session_factory) as uow:
        rma = uow.session.scalars(select(ReturnAuthorization)
                                  .where(ReturnAuthorization.number == number)).one()
        item = rma.items[0]
        assert item.decision_status is DecisionStatus.DECIDED
        assert item.reception_status is ReceptionStatus.RECEIVED
        decision = uow.session.scalars(select(Decision)
                                       .where(Decision.return_item_id == item.id)).one()
        assert decision.resolution is Resolution.REFUND and decision.policy_id == "kissprom"


def test_toggles_change_the_decision_live(qtbot, services: Services) -> None:  # type: ignore[no-untyped-def]
    number = _simple_refund_rma(services)
    window = _window(qtbot, services)
    _to_inspect(qtbot, window, number)
    inspect = window.shell.inspect  # type: ignore[union-attr]
    # Safe defaults: nothing is ticked; grade B leaves "matches the order" to answer.
    assert not inspect.toggle_buttons["tags_attached"].isChecked()
    assert inspect.toggle_buttons["matches_order"].text().endswith(": ?")
    qtbot.keyClick(inspect, Qt.Key.Key_2)
    previewed(qtbot, inspect)
    assert inspect.panel.outcome.text() == \
        "Still to answer: whether it matches the order (M, or scan its tag)."
    previewed(qtbot, inspect)
    assert not inspect.panel.accept_button.isEnabled()
    qtbot.keyClick(inspect, Qt.Key.Key_M)  # yes
    previewed(qtbot, inspect)
    assert inspect.panel.outcome.text().startswith("REFUND")
    assert inspect.panel.accept_button.text().startswith("Enter: refund $")
    assert inspect.grade_buttons[next(iter(inspect.grade_buttons))].isChecked() is False
    qtbot.keyClick(inspect, Qt.Key.Key_W)
    previewed(qtbot, inspect)
    assert inspect.panel.outcome.text() == "BACK TO CUSTOMER"
    assert inspect.toggle_buttons["worn"].isChecked()
    qtbot.keyClick(inspect, Qt.Key.Key_W)
    qtbot.keyClick(inspect, Qt.Key.Key_5)
    previewed(qtbot, inspect)
    assert inspect.panel.outcome.text() == "HOLD"
    assert "supervisor" in inspect.panel.approval.text()


def test_exception_with_a_written_reason_goes_to_approval(qtbot, services: Services) -> None:  # type: ignore[no-untyped-def]
    number = _simple_refund_rma(services)
    window = _window(qtbot, services)
    _to_inspect(qtbot, window, number)
    inspect = window.shell.inspect  # type: ignore[union-attr]
    qtbot.keyClick(inspect, Qt.Key.Key_4)
    qtbot.keyClick(inspect, Qt.Key.Key_M)  # matches the order: yes
    previewed(qtbot, inspect)
    assert inspect.panel.outcome.text() == "BACK TO CUSTOMER"
    qtbot.keyClick(inspect, Qt.Key.Key_E)
    assert inspect.panel.exception_open()
    qtbot.waitUntil(inspect.panel.exception_reason.hasFocus, timeout=2000)
    qtbot.keyClicks(inspect.panel.exception_reason, "short")
    qtbot.keyClick(inspect.panel.exception_reason, Qt.Key.Key_Return)
    assert "reason" in inspect.banner.text() and inspect.panel.exception_open()
    inspect.panel.exception_reason.clear()
    qtbot.keyClicks(inspect.panel.exception_reason, "Stain was on it when we shipped it")
    qtbot.keyClick(inspect.panel.exception_reason, Qt.Key.Key_Return)
    assert not inspect.panel.exception_open()
    assert "Exception request" in inspect.banner.text()
    assert inspect.current_unit() == 1  # focus did not jump to another item
    with UnitOfWork(services.session_factory) as uow:
        approval = uow.session.scalars(select(Approval)).one()
        assert approval.kind is ApprovalKind.POLICY_EXCEPTION
        assert approval.reason == "Stain was on it when we shipped it"
        assert approval.requested_outcome == "refund"


def test_settings_shows_both_policies_with_assumed_values(qtbot, services: Services) -> None:  # type: ignore[no-untyped-def]
    window = _window(qtbot, services)
    _sign_in(qtbot, window, 2, "1111")
    shell = window.shell
    assert shell is not None
    qtbot.waitUntil(shell.receive.scan.hasFocus, timeout=2000)
    qtbot.keyClick(shell.receive.scan, Qt.Key.Key_F6)
    assert shell.pages.currentWidget() is shell.settings_page
    assert shell.settings_page.users is None  # users are for admins
    tabs = shell.settings_page.policy.tabs
    assert [tabs.tabText(i) for i in range(tabs.count())] == ["kissprom", "stacees"]
    kp = cast(QTextBrowser, tabs.widget(0)).toPlainText()
    st = cast(QTextBrowser, tabs.widget(1)).toPlainText()
    assert "within 14 days of delivery" in kp and "$25.00" in kp and "ASSUMED" in kp
    assert "within 30 days of delivery" in st and "store credit" in st


def test_a_draft_and_its_photos_come_back_after_a_restart(qtbot, services: Services) -> None:  # type: ignore[no-untyped-def]
    from tests.helpers.photos import scene

    number = _simple_refund_rma(services)
    ines = services.auth.sign_in("ines", "1111")
    from app.domain.enums import DamageCause, DamageSeverity, Grade
    from app.services.decisions import InspectionInput

    form = InspectionInput(matches_order=True, grade=Grade.C, damage_severity=DamageSeverity.MINOR,
                           damage_cause=DamageCause.MANUFACTURING)
    services.inspection.save_draft(number, 1, form, ines)
    services.inspection.add_photo(number, 1, scene(31), ines)
    window = _window(qtbot, services)  # a fresh window: as after a crash and restart
    _to_inspect(qtbot, window, number)
    inspect = window.shell.inspect  # type: ignore[union-attr]
    assert "Picked up where the bench left off" in inspect.banner.text()
    assert inspect.forms[1].grade is Grade.C and inspect.forms[1].photos == 1
    assert inspect.grade_buttons[Grade.C].isChecked()
    assert "Photos: 1" in inspect.photos.text() and "Claim photos" in inspect.photos.text()
    assert inspect.thumb_labels[0].pixmap() is not None
    assert not inspect.thumb_labels[0].pixmap().isNull()
    previewed(qtbot, inspect)
    assert inspect.panel.outcome.text() == "PHOTOS NEEDED"  # 1 of 2 required photos


def test_space_takes_photos_with_the_quality_gate(qtbot, services: Services,  # type: ignore[no-untyped-def]
                                                  tmp_path) -> None:
    import cv2

    from tests.helpers.photos import blurred, scene

    camera = tmp_path / "camera"
    camera.mkdir()
    cv2.imwrite(str(camera / "000.png"), scene(61))
    cv2.imwrite(str(camera / "001.png"), blurred(scene(62)))
    number = _simple_refund_rma(services)
    window = _window(qtbot, services)
    _to_inspect(qtbot, window, number)
    inspect = window.shell.inspect  # type: ignore[union-attr]
    inspect.camera_spec = str(camera)
    for key in (Qt.Key.Key_3, Qt.Key.Key_S, Qt.Key.Key_S, Qt.Key.Key_C,
                Qt.Key.Key_N):  # C, severity unset -> none -> minor, cause, stains
        qtbot.keyClick(inspect, key)
    assert inspect.mark_buttons["stains"].isChecked()
    qtbot.keyClick(inspect, Qt.Key.Key_Space)
    assert "Photo kept: whole item" in inspect.banner.text()
    qtbot.keyClick(inspect, Qt.Key.Key_Space)  # the blurred frame
    assert "blurred" in inspect.banner.text() and "Ctrl+K" in inspect.banner.text()
    assert inspect.forms[1].photos == 1
    qtbot.keyClick(inspect, Qt.Key.Key_K, Qt.KeyboardModifier.ControlModifier)
    assert "kept despite the quality check" in inspect.banner.text()
    assert inspect.forms[1].photos == 2
    drafts = services.inspection.drafts(number)
    assert drafts[1].form.marks == frozenset({"stains"}) and len(drafts[1].photos) == 2
    assert [p.slot.value for p in drafts[1].photos] == ["whole_item", "damage_closeup"]


@pytest.mark.ui_stall_ok("builds a second bench's Inspect page and loads the parcel by direct "
                        "calls, no event loop between them: opening an inspection reads on "
                        "the UI thread (a known stall of issue 28), 200-400 ms here under load")
def test_second_bench_sees_who_has_the_item_and_cannot_grade_it(  # type: ignore[no-untyped-def]
        qtbot, services: Services, clock) -> None:
    """Two benches on one database: bench A is inspecting; bench B opens the same return
    and is told who has the item and where, and its keys change nothing."""
    from app.bootstrap import bootstrap
    from app.config import load_settings
    from app.services.holds import HOLD_SECONDS
    from models import Inspection
    from ui.inspect_page import InspectPage

    number = _simple_refund_rma(services)
    window = _window(qtbot, services)
    _to_inspect(qtbot, window, number)  # bench A (TEST-BENCH), Ines: holds item 1
    inspect_a = window.shell.inspect  # type: ignore[union-attr]
    qtbot.keyClick(inspect_a, Qt.Key.Key_2)  # a draft on A
    bench_b = bootstrap(load_settings(str(services.engine.url), "BENCH-B"), clock)
    try:
        sam = bench_b.auth.sign_in("sam", "333333")
        page_b = InspectPage(bench_b.bench_session())
        qtbot.addWidget(page_b)
        page_b.show()
        view = bench_b.lookup.lookup(number).view
        assert view is not None
        page_b.load(view, sam)
        told = page_b.banner.text()
        assert "Ines Moreno at TEST-BENCH" in told and "Put it aside" in told
        assert page_b.forms == {}
        qtbot.keyClick(page_b, Qt.Key.Key_1)
        assert "Ines Moreno at TEST-BENCH" in page_b.banner.text()
        with UnitOfWork(services.session_factory) as uow:
            drafts = uow.session.scalars(select(Inspection)).all()
            assert [d.grade.value if d.grade else None for d in drafts] == ["B"]
        # Bench A signs out: the item is free, and bench B gets it on its next look.
        window._sign_out()
        page_b.load(view, sam)
        assert 1 in page_b.forms
        assert "Picked up where the bench left off" in page_b.banner.text()
        assert HOLD_SECONDS >= 60
    finally:
        bench_b.dispose()


def _two_unit_rma(services: Services) -> str:
    """Two sizing refunds on one RMA, shipped inside the window."""
    with UnitOfWork(services.session_factory) as uow:
        rma = next(r for r in uow.session.scalars(select(ReturnAuthorization)
                                                  .order_by(ReturnAuthorization.id))
                   if len(r.items) >= 2)
        for extra in rma.items[2:]:
            uow.session.delete(extra)
        for item in rma.items[:2]:
            item.reason, item.requested = ReturnReason.SIZING, RequestedResolution.REFUND
        rma.shipped_by_customer_on = rma.order.delivered_on
        uow.commit()
        return rma.number


def test_a_missing_item_takes_no_grade_and_does_not_block_the_parcel(  # type: ignore[no-untyped-def]
        qtbot, services: Services) -> None:
    """Issue 29 (3): item 2 marked missing on Receive; on Inspect the list says MISSING,
    a grade key on it keeps nothing and says why and how to bring it back; Enter decides
    item 1."""
    number = _two_unit_rma(services)
    window = _window(qtbot, services)
    _sign_in(qtbot, window, 2, "1111")
    shell = window.shell
    assert shell is not None
    receive = shell.receive
    qtbot.waitUntil(receive.scan.hasFocus, timeout=2000)
    qtbot.keyClicks(receive.scan, number)
    qtbot.keyClick(receive.scan, Qt.Key.Key_Return)
    receive.card.table.selectRow(0)
    qtbot.keyClick(receive.scan, Qt.Key.Key_Down)
    assert receive._selected_unit() == 2
    qtbot.keyClick(receive.scan, Qt.Key.Key_M, Qt.KeyboardModifier.ControlModifier)
    assert "Item 2 marked missing" in receive.banner.text()
    qtbot.keyClick(receive.scan, Qt.Key.Key_F2)
    inspect = shell.inspect
    assert shell.pages.currentWidget() is inspect
    qtbot.waitUntil(inspect.hasFocus, timeout=2000)
    assert "[MISSING]" in inspect.units.item(1).text()
    assert "[to grade]" in inspect.units.item(0).text()
    assert inspect.current_unit() == 1
    qtbot.keyClick(inspect, Qt.Key.Key_Tab)
    assert inspect.current_unit() == 2
    previewed(qtbot, inspect)
    assert "marked missing" in inspect.panel.outcome.text()
    for key in (Qt.Key.Key_1, Qt.Key.Key_W, Qt.Key.Key_N):  # a grade, a toggle, a mark
        qtbot.keyClick(inspect, key)
        assert inspect.banner.text() == (
            "Item 2 is marked missing: nothing to grade. If it is in the box after all, "
            "mark it received on Receive (F1, pick it with ↑↓, Ctrl+R).")
    inspect.grade_buttons[next(iter(inspect.grade_buttons))].click()  # the mouse too
    assert not any(b.isChecked() for b in inspect.grade_buttons.values())
    assert not inspect.toggle_buttons["worn"].isChecked()
    assert not inspect.mark_buttons["stains"].isChecked()
    previewed(qtbot, inspect)
    assert 2 not in inspect.forms and not inspect.panel.accept_button.isEnabled()
    assert not inspect.panel.accept_button.text().startswith("Enter: send")
    assert 2 not in services.inspection.drafts(number)
    qtbot.keyClick(inspect, Qt.Key.Key_Tab)  # back to item 1: grade A, Enter decides it
    assert inspect.current_unit() == 1
    qtbot.keyClick(inspect, Qt.Key.Key_1)
    previewed(qtbot, inspect)
    assert inspect.panel.accept_button.text().startswith("Enter: refund $")
    with qtbot.waitSignal(inspect.finished, timeout=3000) as done:
        qtbot.keyClick(inspect, Qt.Key.Key_Return)
    assert "refund" in done.args[0] and "Item 2 marked missing" in done.args[0]
    with UnitOfWork(services.session_factory) as uow:
        rma = uow.session.scalars(select(ReturnAuthorization)
                                  .where(ReturnAuthorization.number == number)).one()
        states = {it.unit_no: (it.reception_status, it.decision_status) for it in rma.items}
    assert states == {1: (ReceptionStatus.RECEIVED, DecisionStatus.DECIDED),
                      2: (ReceptionStatus.MISSING, DecisionStatus.PENDING)}
