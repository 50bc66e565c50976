"""The QA place (F9) in the window (issue 19): a supervisor scans a sampled dress with
the scanner and re-grades it with the grade key and Enter; nothing on the page shows
the first grade, checklist or decision; a re-grade that changes the decision supersedes
it, prints the dress's own labels, and the first inspector is told at her next sign-in."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import select

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLabel, QTableWidget

from app.bootstrap import Services
from app.domain.enums import Resolution
from app.scanning.codes import item_plate
from app.services.outcomes import current_decision
from app.services.uow import UnitOfWork
from models import QaSample, ReturnAuthorization, ReturnItem
from tests.helpers.totes import bench, decide_one, signed_in
from tests.integration.conftest import user_named
from tests.ui.test_scan_router import _burst, _focus
from tests.ui.test_shell import _sign_in, _window
from ui.qa_page import QaPage

pytestmark = pytest.mark.scanner


def _texts(page) -> str:  # type: ignore[no-untyped-def]
    """Every word the page shows: its labels and its tables' cells."""
    words = [w.text() for w in page.findChildren(QLabel) if w.isVisible()]
    for table in page.findChildren(QTableWidget):
        words += [table.item(r, c).text() for r in range(table.rowCount())
                  for c in range(table.columnCount()) if table.item(r, c)]
    return " ".join(words)


def _qa_page(qtbot, window, who: int, pin: str) -> QaPage:  # type: ignore[no-untyped-def]
    """`who` signed in (a letter of "acims"), the QA place open with F9."""
    _sign_in(qtbot, window, who, pin)
    qtbot.waitUntil(lambda: window.shell is not None, timeout=3000)
    shell = window.shell
    qtbot.waitUntil(lambda: QApplication.focusWidget() is not None, timeout=3000)
    qtbot.keyClick(_focus(), Qt.Key.Key_F9)
    qtbot.waitUntil(lambda: shell.pages.currentWidget() is shell.qa, timeout=2000)
    page: QaPage = shell.qa
    return page


def test_a_blind_regrade_in_the_window(qtbot, services: Services, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    sf = services.session_factory
    ines = user_named(sf, "ines")
    other = bench(sf, services.clock, tmp_path, "BENCH-02", qa_percent=100)  # type: ignore[arg-type]
    number = decide_one(sf, other, services.clock, ines, 0,  # type: ignore[arg-type]
                        session=signed_in(other, services.clock, ines))  # type: ignore[arg-type]
    with UnitOfWork(sf) as uow:
        rma = uow.session.scalars(select(ReturnAuthorization).where(
            ReturnAuthorization.number == number)).one()
        plate, rma_id = item_plate(rma.id, 1), rma.id
    window = _window(qtbot, services)
    page = _qa_page(qtbot, window, 4, "333333")  # Sam, supervisor
    shell = window.shell
    assert shell is not None
    qtbot.waitUntil(lambda: "Waiting for a re-grade: 1" in page.queue_title.text(),
                    timeout=2000)
    _burst(qtbot, plate, 5)
    qtbot.waitUntil(lambda: "picked up" in page.banner.text(), timeout=3000)
    # Blind: nothing of the first grade or decision anywhere on the page.
    shown = _texts(page).lower()
    assert number.lower() in shown
    for trace in (r"\bgrade:? a\b", "first grade", "refund", "restock", r"\$", "tags",
                  "ines"):
        assert not re.search(trace, shown), trace
    qtbot.keyClick(_focus(), Qt.Key.Key_3)  # C
    qtbot.waitUntil(lambda: "Grade C" in page.chosen.text(), timeout=2000)
    qtbot.keyClick(_focus(), Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "yours C" in page.banner.text(), timeout=3000)
    assert "replaces the first" in page.banner.text()
    assert "Item label printed" in page.banner.text()
    with UnitOfWork(sf) as uow:
        item = uow.session.scalars(select(ReturnItem).where(
            ReturnItem.rma_id == rma_id)).one()
        decision = current_decision(uow.session, item)
        sample = uow.session.scalars(select(QaSample)).one()
        assert decision is not None and decision.resolution is Resolution.RETURN_TO_CUSTOMER
        assert sample.status == "regraded" and sample.new_decision_id == decision.id
    qtbot.waitUntil(lambda: "Nothing waits" in page.queue_title.text(), timeout=2000)
    # Ines signs in next: she is told, once.
    qtbot.keyClick(_focus(), Qt.Key.Key_Q, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: window.shell is None, timeout=3000)
    _sign_in(qtbot, window, 2, "1111")
    qtbot.waitUntil(lambda: window.shell is not None, timeout=3000)
    assert window.shell is not None
    notice = window.shell.notice
    qtbot.waitUntil(lambda: "blind QA re-grade" in notice.text(), timeout=3000)
    assert number in notice.text() and "re-graded it C" in notice.text()


def test_an_inspector_takes_no_regrades_but_a_calibration_round(  # type: ignore[no-untyped-def]
        qtbot, services: Services) -> None:
    window = _window(qtbot, services)
    page = _qa_page(qtbot, window, 2, "1111")  # Ines, inspector
    shell = window.shell
    assert shell is not None
    assert not page.scan.isVisible() and not page.queue.isVisible()
    qtbot.keyClick(_focus(), Qt.Key.Key_K, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: "at least 3" in page.banner.text(), timeout=2000)


def test_a_manager_keeps_reference_dresses_and_an_inspector_takes_a_round(  # type: ignore[no-untyped-def]
        qtbot, services: Services, tmp_path: Path) -> None:
    """Maria scans three dresses with photos at the QA page and keeps each at its agreed
    grade (key, Enter); Ines then takes the calibration round with Ctrl+K, one grade key
    and Enter per reference dress, and sees her score and the agreed grades."""
    import dataclasses

    from app.policy.rules import Policy, load_policy
    from app.wiring import wire
    from models import CalibrationAnswer, CalibrationItem
    from tests.helpers.totes import decide_damaged

    sf = services.session_factory
    ines = user_named(sf, "ines")
    # Another bench on the same photo share (the photos are on the warehouse's share).
    def unsampled(brand: str) -> Policy:
        return dataclasses.replace(load_policy(brand), qa_share_percent=0,
                                   qa_raised_percent=0)

    other = wire(sf, services.clock, "BENCH-02", services.settings.photo_root,
                 f"file:{tmp_path / 'labels'}", unsampled)
    numbers = [decide_damaged(sf, other, services.clock, ines, skip)  # type: ignore[arg-type]
               for skip in range(3)]
    with UnitOfWork(sf) as uow:
        plates = [item_plate(uow.session.scalars(select(ReturnAuthorization.id).where(
            ReturnAuthorization.number == n)).one(), 1) for n in numbers]
    window = _window(qtbot, services)
    page = _qa_page(qtbot, window, 3, "444444")  # Maria, manager
    shell = window.shell
    assert shell is not None
    for plate, key in zip(plates, (Qt.Key.Key_4, Qt.Key.Key_3, Qt.Key.Key_4), strict=True):
        _burst(qtbot, plate, 5)
        qtbot.waitUntil(lambda: "calibration set as a reference" in page.banner.text(),
                        timeout=3000)
        qtbot.keyClick(_focus(), key)
        qtbot.keyClick(_focus(), Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: "is a reference dress now" in page.banner.text(),
                        timeout=3000)
    with UnitOfWork(sf) as uow:
        assert sorted(uow.session.scalars(select(CalibrationItem.agreed_grade))) == \
            ["C", "D", "D"]
    qtbot.keyClick(_focus(), Qt.Key.Key_Q, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: window.shell is None, timeout=3000)
    page = _qa_page(qtbot, window, 2, "1111")  # Ines
    qtbot.keyClick(_focus(), Qt.Key.Key_K, Qt.KeyboardModifier.ControlModifier)
    for n in (1, 2, 3):
        qtbot.waitUntil(lambda n=n: f"reference dress {n} of 3" in page.banner.text(),
                        timeout=3000)
        assert any(label.isVisible() for label in page.photo_labels)  # graded from photos
        assert "agreed" not in _texts(page).lower()  # blind until the round is done
        qtbot.keyClick(_focus(), Qt.Key.Key_4)
        qtbot.keyClick(_focus(), Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "Calibration round done" in page.banner.text(), timeout=3000)
    assert "2 of 3 alike" in page.banner.text() and page.score.isVisible()
    with UnitOfWork(sf) as uow:
        assert len(uow.session.scalars(select(CalibrationAnswer.id)).all()) == 3
