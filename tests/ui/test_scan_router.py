"""A scan is always a scan (issue 14): a scanner's burst (0, 5 or 20 ms per key, ending
in Enter or Tab) on any page opens and receives that parcel, never reaching the page's
hotkeys; the same characters typed at a person's 120 ms per key stay hotkeys."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import func, select

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication, QLineEdit, QWidget

from app.bootstrap import Services
from app.domain.enums import Grade
from app.scanning.codes import rma_number
from app.services.uow import UnitOfWork
from models import Decision, Inspection, Receipt, ReturnAuthorization
from tests.helpers.panel import previewed
from tests.ui.test_inspect import _simple_refund_rma
from tests.ui.test_shell import _sign_in, _window
from ui.scan_router import ScanRouter

pytestmark = pytest.mark.scanner
PAGES = {"Receive": Qt.Key.Key_F1, "Inspect": Qt.Key.Key_F2, "Claims": Qt.Key.Key_F3,
         "Approvals": Qt.Key.Key_F4, "Settings": Qt.Key.Key_F6}


def _numbers(services: Services, n: int) -> list[str]:
    with UnitOfWork(services.session_factory) as uow:
        return list(uow.session.scalars(select(ReturnAuthorization.number)
                                        .order_by(ReturnAuthorization.id.desc()).limit(n)))


def _receipts(services: Services) -> set[str]:
    with UnitOfWork(services.session_factory) as uow:
        return set(uow.session.scalars(select(ReturnAuthorization.number).join(
            Receipt, Receipt.rma_id == ReturnAuthorization.id)))


def _focus() -> QWidget:
    widget = QApplication.focusWidget()
    assert widget is not None
    return widget


def _burst(qtbot, text: str, delay_ms: int, end: Qt.Key = Qt.Key.Key_Return) -> None:  # type: ignore[no-untyped-def]
    """A keyboard-wedge scanner: the code at `delay_ms` per key, then its suffix key, each
    press stamped with its time as the X server stamps a real key (the router measures
    gaps between stamps). The keys are delivered one event-loop turn apart; how late the
    window reads them does not change their times, so a loaded machine does not turn a
    20 ms burst into a person's typing (it did, with QTest's real waits, about 1 run in
    40 under load)."""
    start = int(time.monotonic() * 1000)
    for i, ch in enumerate(text):
        key = Qt.Key(ord(ch.upper())) if ch.isalnum() else Qt.Key(ord(ch))
        mods = Qt.KeyboardModifier.ShiftModifier if ch.isupper() else \
            Qt.KeyboardModifier.NoModifier
        event = QKeyEvent(QEvent.Type.KeyPress, key, mods, ch)
        event.setTimestamp(start + i * delay_ms)
        QApplication.sendEvent(_focus(), event)
        qtbot.wait(0)
    event = QKeyEvent(QEvent.Type.KeyPress, end, Qt.KeyboardModifier.NoModifier,
                      "\t" if end == Qt.Key.Key_Tab else "\r")
    event.setTimestamp(start + len(text) * delay_ms)
    QApplication.sendEvent(_focus(), event)


def _inspecting(qtbot, services: Services, number: str):  # type: ignore[no-untyped-def]
    """Ines signed in, the parcel scanned as a scanner sends it, Inspect open (F2). The
    window and its shell: the caller keeps the window (the shell dies with it)."""
    window = _window(qtbot, services)
    _sign_in(qtbot, window, 2, "1111")  # Ines
    shell = window.shell
    assert shell is not None
    qtbot.waitUntil(shell.receive.scan.hasFocus, timeout=2000)
    _burst(qtbot, number, 5)
    qtbot.waitUntil(lambda: number in _receipts(services), timeout=3000)
    qtbot.keyClick(_focus(), Qt.Key.Key_F2)
    qtbot.waitUntil(shell.inspect.hasFocus, timeout=2000)
    return window, shell


@pytest.mark.parametrize("delay_ms", [0, 5, 20])
@pytest.mark.parametrize("page", list(PAGES))
def test_a_burst_on_any_page_receives_the_parcel(qtbot, services: Services, page: str,  # type: ignore[no-untyped-def]
                                                 delay_ms: int) -> None:
    number = _numbers(services, 1)[0]
    window = _window(qtbot, services)
    _sign_in(qtbot, window, 3, "444444")  # Maria, manager: sees every page
    shell = window.shell
    assert shell is not None
    qtbot.waitUntil(lambda: shell.nav.currentRow() == 3, timeout=2000)  # lands on Approvals
    qtbot.keyClick(_focus(), PAGES[page])
    qtbot.wait(50)
    assert shell.nav.currentRow() == list(PAGES.values()).index(PAGES[page]) + (
        1 if page == "Settings" else 0)
    _burst(qtbot, number, delay_ms, Qt.Key.Key_Tab if delay_ms == 5 else Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: number in _receipts(services), timeout=3000)
    assert shell.pages.currentWidget() is shell.receive
    assert number in shell.receive.banner.text()


def test_a_scan_on_inspect_with_a_half_done_form_keeps_it_and_receives_the_next(  # type: ignore[no-untyped-def]
        qtbot, services: Services) -> None:
    first = _simple_refund_rma(services)
    nxt = next(n for n in _numbers(services, 3) if n != first)
    _window_kept, shell = _inspecting(qtbot, services, first)
    # A person grades B (a key, then a pause): a hotkey.
    qtbot.keyClick(shell.inspect, Qt.Key.Key_2)
    qtbot.wait(120)
    assert shell.inspect.forms[1].grade is Grade.B
    # The next parcel's label, scanned without pressing F1 first: R, M, 5 and Enter are
    # not hotkeys here.
    _burst(qtbot, nxt, 5)
    qtbot.waitUntil(lambda: nxt in _receipts(services), timeout=3000)
    assert shell.pages.currentWidget() is shell.receive
    assert "kept as a draft" in shell.receive.banner.text()
    with UnitOfWork(services.session_factory) as uow:
        s = uow.session
        assert s.scalar(select(func.count()).select_from(Decision)) == 0
        draft = s.scalars(select(Inspection).where(Inspection.is_draft.is_(True))).one()
        assert draft.grade is Grade.B  # the half-done form, kept
    # Scanning the first parcel again brings its form back.
    _burst(qtbot, first, 5)
    qtbot.keyClick(_focus(), Qt.Key.Key_F2)
    qtbot.waitUntil(lambda: shell.inspect.view is not None
                    and shell.inspect.view.rma_number == first, timeout=2000)
    assert shell.inspect.forms[1].grade is Grade.B


def test_the_same_keys_at_a_persons_speed_are_hotkeys(qtbot, services: Services) -> None:  # type: ignore[no-untyped-def]
    number = _simple_refund_rma(services)
    window = _window(qtbot, services)
    _sign_in(qtbot, window, 2, "1111")
    shell = window.shell
    assert shell is not None
    qtbot.waitUntil(shell.receive.scan.hasFocus, timeout=2000)
    _burst(qtbot, number, 0)
    qtbot.waitUntil(lambda: number in _receipts(services), timeout=3000)
    qtbot.keyClick(_focus(), Qt.Key.Key_F2)
    qtbot.waitUntil(shell.inspect.hasFocus, timeout=2000)
    before = _receipts(services)
    # "5" then "1" at 120 ms per key: grade X, then grade A; never a scan.
    qtbot.keyClicks(shell.inspect, "51", delay=60)  # 60 before press + 60 before release
    qtbot.wait(60)
    assert shell.inspect.forms[1].grade is Grade.A
    assert shell.pages.currentWidget() is shell.inspect
    assert _receipts(services) == before


def test_the_dress_tag_scanned_on_inspect_answers_matches_the_order(  # type: ignore[no-untyped-def]
        qtbot, services: Services) -> None:
    number = _simple_refund_rma(services)
    with UnitOfWork(services.session_factory) as uow:
        rma = uow.session.scalars(select(ReturnAuthorization)
                                  .where(ReturnAuthorization.number == number)).one()
        line = rma.items[0].order_line
        assert line is not None
        sku = line.sku
    _window_kept, shell = _inspecting(qtbot, services, number)
    qtbot.keyClick(shell.inspect, Qt.Key.Key_2)  # grade B: M is still to answer
    qtbot.wait(120)
    assert shell.inspect.forms[1].matches_order is None
    previewed(qtbot, shell.inspect)
    assert not shell.inspect.panel.accept_button.isEnabled()
    _burst(qtbot, sku, 5)  # the SKU tag on the dress, read by the scanner
    qtbot.waitUntil(lambda: shell.inspect.forms[1].matches_order is True, timeout=3000)
    assert shell.pages.currentWidget() is shell.inspect  # it stays on the dress
    assert shell.inspect.toggle_buttons["matches_order"].text().endswith(": yes")
    assert "matches the order" in shell.inspect.banner.text()
    previewed(qtbot, shell.inspect)
    assert shell.inspect.panel.accept_button.text().startswith("Enter: refund $")


# --- key events with their own timestamps (issue 28, 4) ---------------------------------
@pytest.fixture
def field(qtbot):  # type: ignore[no-untyped-def]
    """A text field under a scan router at 30 ms; what it scanned, found unreadable, and
    how often Enter reached the field."""
    edit = QLineEdit()
    qtbot.addWidget(edit)
    edit.show()
    router = ScanRouter(30.0, parent=edit)
    seen: dict[str, list[str]] = {"scans": [], "unreadable": [], "enter": []}
    router.scanned.connect(seen["scans"].append)
    router.unreadable.connect(seen["unreadable"].append)
    edit.returnPressed.connect(lambda: seen["enter"].append(edit.text()))
    router.install()
    yield edit, seen
    router.remove()


def _press(widget: QWidget, ch: str, stamp: int) -> None:
    """A key press as the X server sends it: `stamp` is its time in ms."""
    key = Qt.Key.Key_Return if ch == "\n" else Qt.Key(ord(ch.upper()))
    event = QKeyEvent(QEvent.Type.KeyPress, key, Qt.KeyboardModifier.NoModifier,
                      "\r" if ch == "\n" else ch)
    event.setTimestamp(stamp)
    QApplication.sendEvent(widget, event)


def _stamps(text: str, start: int, gaps: dict[int, int] | None = None,
            every: int = 5) -> list[tuple[str, int]]:
    out, t = [], start
    for i, ch in enumerate(text):
        out.append((ch, t))
        t += (gaps or {}).get(i, every)
    return out


def _now_ms() -> int:
    return int(time.monotonic() * 1000)


def test_a_burst_read_late_is_a_scan_by_its_own_timestamps(qtbot, field) -> None:  # type: ignore[no-untyped-def]
    """The keys were pressed 5 ms apart half a second ago; the window reads five of them,
    then is away 150 ms (its hold timer runs meanwhile), then reads the rest: one burst."""
    edit, seen = field
    code = rma_number(2026, 512)
    keys = _stamps(code + "\n", _now_ms() - 500)
    for ch, stamp in keys[:5]:
        _press(edit, ch, stamp)
    qtbot.wait(150)  # the window busy elsewhere: time passes, no key is read
    assert edit.text() == ""  # still held: by the keys' own times the burst goes on
    for ch, stamp in keys[5:]:
        _press(edit, ch, stamp)
    assert seen == {"scans": [code], "unreadable": [], "enter": []}
    assert edit.text() == ""


def test_our_code_with_a_stretched_gap_is_a_scan_a_misread_is_unreadable(  # type: ignore[no-untyped-def]
        qtbot, field) -> None:
    edit, seen = field
    code = rma_number(2026, 512)
    for ch, stamp in _stamps(code + "\n", _now_ms(), {6: 90, 11: 60}):
        _press(edit, ch, stamp)
    assert seen["scans"] == [code] and edit.text() == ""
    bad = code[:-1] + str((int(code[-1]) + 1) % 10)
    for ch, stamp in _stamps(bad + "\n", _now_ms() + 1000, {6: 90}):
        _press(edit, ch, stamp)
    # Its keys reach the field as typed; its Enter does not.
    assert seen == {"scans": [code], "unreadable": [bad], "enter": []}
    assert edit.text() == bad


def test_the_enter_of_a_burst_that_is_not_ours_never_reaches_the_page(  # type: ignore[no-untyped-def]
        qtbot, field) -> None:
    """A burst whose gap stretched and that cannot be one of our codes: its keys are
    handed over as typed (the field shows them) and its Enter is dropped, read or not."""
    edit, seen = field
    for ch, stamp in _stamps("SKU-RED-10\n", _now_ms(), {4: 90}):
        _press(edit, ch, stamp)
    qtbot.waitUntil(lambda: edit.text() == "SKU-RED-10", timeout=2000)
    assert seen["enter"] == [] and seen["scans"] == []
    assert seen["unreadable"] == ["SKU-RED-10"]


def test_a_person_typing_reaches_the_field_in_order_and_enter_works(  # type: ignore[no-untyped-def]
        qtbot, field) -> None:
    """Real key times at a person's pace: each key reaches the field on its own (after the
    30 ms hold), in order; Enter after the word is the field's."""
    edit, seen = field
    word = "RMA-25 ok"
    for i, ch in enumerate(word):
        _press(edit, ch, _now_ms())
        qtbot.waitUntil(lambda n=i + 1: edit.text() == word[:n], timeout=2000)
        qtbot.wait(80)  # a person's pace between keys
    _press(edit, "\n", _now_ms())
    assert seen == {"scans": [], "unreadable": [], "enter": [word]}


def test_a_misread_whose_keys_came_apart_never_accepts_on_inspect(qtbot, services: Services  # type: ignore[no-untyped-def]
                                                                  ) -> None:
    """A dress graded and answered on Inspect (Enter would refund it); a scanner's burst of
    a misread RMA number, one gap stretched (a loaded machine), then its Enter: the Enter
    is dropped and the bench says the scan was unreadable; no decision."""
    number = _simple_refund_rma(services)
    _window_kept, shell = _inspecting(qtbot, services, number)
    qtbot.keyClick(shell.inspect, Qt.Key.Key_2)
    qtbot.wait(120)
    qtbot.keyClick(shell.inspect, Qt.Key.Key_M)
    qtbot.waitUntil(lambda: shell.inspect.panel.accept_button.isEnabled(), timeout=2000)
    other = next(n for n in _numbers(services, 3) if n != number)
    bad = other[:-1] + str((int(other[-1]) + 1) % 10)
    for ch, stamp in _stamps(bad + "\n", _now_ms(), {8: 90}):
        _press(_focus(), ch, stamp)
    qtbot.waitUntil(lambda: "Unreadable scan" in shell.notice.text(), timeout=3000)
    with UnitOfWork(services.session_factory) as uow:
        assert uow.session.scalar(select(func.count()).select_from(Decision)) == 0
    assert bad.rsplit("-", 1)[0] not in {n.rsplit("-", 1)[0] for n in _receipts(services)}
