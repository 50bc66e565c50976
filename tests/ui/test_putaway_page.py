"""The put-away place (F8) in the window, with scanner bursts (issue 18): a tote picked
up names its shelves, a shelf puts it there; on a 480x800 handheld window the places
list hides and the page still fits; a manager opens a lot with Ctrl+L and closing it is
refused in words while it has no totes."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from PySide6.QtCore import Qt

from app.bootstrap import Services
from app.services.uow import UnitOfWork
from models import Lot, ReturnAuthorization, ReturnItem, Tote
from tests.helpers.totes import decide_one
from tests.integration.conftest import user_named
from tests.ui.test_scan_router import _burst, _focus
from tests.ui.test_shell import _sign_in, _window

pytestmark = pytest.mark.scanner


def test_a_tote_put_away_with_scans_on_a_handheld_window(qtbot, services: Services,  # type: ignore[no-untyped-def]
                                                         tmp_path) -> None:
    sf = services.session_factory
    ines = user_named(sf, "ines")
    decide_one(sf, services, services.clock, ines, 0)  # type: ignore[arg-type]
    (tote,) = services.putaway.make_totes(1, ines)
    session = services.session_for(services.clock)
    session.use(ines)
    assert session.scan(tote).data.get("placed")
    window = _window(qtbot, services)
    _sign_in(qtbot, window, 3, "444444")  # Maria, manager
    shell = window.shell
    assert shell is not None
    window.resize(480, 800)
    qtbot.waitUntil(lambda: not shell.nav.isVisible(), timeout=2000)
    qtbot.keyClick(_focus(), Qt.Key.Key_F8)
    qtbot.waitUntil(lambda: shell.pages.currentWidget() is shell.putaway, timeout=2000)
    page = shell.putaway
    _burst(qtbot, tote, 5)
    qtbot.waitUntil(lambda: "Holding" in page.step.text(), timeout=3000)
    assert "R-A-01" in page.goes.text() and "R-B-01" in page.goes.text()
    assert page.width() <= 480 and page.scan.isVisible()
    _burst(qtbot, "R-B-01", 5)
    qtbot.waitUntil(lambda: "put away at R-B-01" in page.banner.text(), timeout=3000)
    with UnitOfWork(sf) as uow:
        assert uow.session.scalars(select(ReturnItem.location_id).where(
            ReturnItem.tote_id.is_not(None))).one() is not None
    # A manager opens a lot; closing it with no totes is refused in words.
    qtbot.keyClick(_focus(), Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: "Loading lot LOT-" in page.step.text(), timeout=2000)
    page.party.setText("Rack Room Resale")
    page.price.setText("100")
    qtbot.keyClick(_focus(), Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier
                   | Qt.KeyboardModifier.ShiftModifier)
    qtbot.waitUntil(lambda: "no totes" in page.banner.text(), timeout=2000)
    with UnitOfWork(sf) as uow:
        assert uow.session.scalars(select(Lot.status)).one() == "open"


def _a_dress_and_its_tote(qtbot, services: Services):  # type: ignore[no-untyped-def]
    """Maria (every page) signed in; a dress decided at this bench, waiting for its tote;
    one empty tote plate: (window, shell, the dress's RMA, the tote's code)."""
    sf = services.session_factory
    window = _window(qtbot, services)
    _sign_in(qtbot, window, 3, "444444")
    shell = window.shell
    assert shell is not None
    maria = user_named(sf, "maria")
    number = decide_one(sf, services, services.clock, maria, 0,  # type: ignore[arg-type]
                        session=shell.session)
    (tote,) = services.putaway.make_totes(1, maria)
    return window, shell, number, tote


@pytest.mark.parametrize("page", ["Receive", "Inspect", "Claims", "Approvals", "Reports",
                                  "Settings"])
def test_a_tote_scanned_on_any_page_takes_the_waiting_dress(qtbot, services: Services,  # type: ignore[no-untyped-def]
                                                            page: str) -> None:
    """After Enter the inspector may be on any page when the tote's plate is scanned: the
    burst is a tote scan there too (the dress goes in, the page in front says so), never
    the page's hotkeys and never a parcel search."""
    from tests.ui.test_scan_router import PAGES

    keys = {**PAGES, "Reports": Qt.Key.Key_F5}
    sf = services.session_factory
    _window_kept, shell, number, tote = _a_dress_and_its_tote(qtbot, services)
    qtbot.keyClick(_focus(), keys[page])
    qtbot.waitUntil(lambda: shell.place_name() == page, timeout=2000)
    _burst(qtbot, tote, 5)
    qtbot.waitUntil(lambda: not shell.session.tote_due, timeout=3000)
    with UnitOfWork(sf) as uow:
        assert uow.session.scalars(select(Tote.code).join(
            ReturnItem, ReturnItem.tote_id == Tote.id).join(
            ReturnAuthorization, ReturnAuthorization.id == ReturnItem.rma_id).where(
            ReturnAuthorization.number == number)).one() == tote
    shown = shell.pages.currentWidget()
    banner = getattr(shown, "banner", None) or shell.notice
    assert f"{number}: Item 1 into tote {tote}" in banner.text()


def test_a_tote_plate_typed_on_receive_is_green_like_a_scan(qtbot, services: Services) -> None:  # type: ignore[no-untyped-def]
    """Issue 29: a tote scan that worked was shown red with the bad sound when the plate
    was typed (or a burst came too slowly to be one): the colour and the sound come from
    the result, not from how the code came in."""
    from ui.banner import Level
    from ui.sounds import SilentSounds

    window, shell, number, tote = _a_dress_and_its_tote(qtbot, services)
    qtbot.keyClick(_focus(), Qt.Key.Key_F1)
    qtbot.waitUntil(shell.receive.scan.hasFocus, timeout=2000)
    sounds = window.sounds
    assert isinstance(sounds, SilentSounds)
    played = len(sounds.played)
    shell.receive.scan.setText(tote)  # typed by hand: no burst
    shell.receive.submit()
    qtbot.waitUntil(lambda: not shell.session.tote_due, timeout=3000)
    assert f"{number}: Item 1 into tote {tote}" in shell.receive.banner.text()
    assert shell.receive.banner.level is Level.OK
    assert sounds.played[played:] == ["good"]
