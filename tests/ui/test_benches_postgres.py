"""Several benches on one PostgreSQL: a request made at a bench reaches a manager's queue
within 2 s, and the answer reaches the bench within 2 s, by LISTEN/NOTIFY (the screens'
own polling is slowed to 30 s here, so only a notification can make the deadline)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from PySide6.QtCore import Qt

from app.bench.desks import ApprovalsDesk
from app.bootstrap import bootstrap
from app.clock import FixedClock
from app.config import load_settings
from app.domain.enums import RequestedResolution, ReturnReason
from tests.helpers.rmas import ask_exception, rma_where, set_price
from tests.ui.test_shell import _sign_in
from ui.approvals_page import ApprovalsPage
from ui.feed import SAFETY_POLL_MS, ChangeFeed
from ui.sounds import SilentSounds
from ui.window import MainWindow


@pytest.mark.postgres
def test_request_and_answer_cross_benches_within_two_seconds(  # type: ignore[no-untyped-def]
        qtbot, pg_demo_url: str, clock: FixedClock, tmp_path: Path) -> None:
    bench = bootstrap(load_settings(pg_demo_url, "BENCH-A"), clock)
    office = bootstrap(load_settings(pg_demo_url, "OFFICE-1"), clock)
    office_feed = ChangeFeed(office.listen)
    window = MainWindow(bench, sounds=SilentSounds())
    try:
        qtbot.addWidget(window)
        window.show()
        _sign_in(qtbot, window, 2, "1111")  # Ines at the bench
        shell = window.shell
        assert shell is not None and window.feed.live
        assert shell.answers_timer.interval() == SAFETY_POLL_MS
        maria = office.auth.sign_in("maria", "444444")
        page = ApprovalsPage(ApprovalsDesk(office.approvals, office.authlog, maria),
                             maria, tmp_path, office_feed)
        qtbot.addWidget(page)
        page.show()
        assert page.timer.interval() == SAFETY_POLL_MS
        for feed in (office_feed, window.feed):
            assert feed._listener is not None and feed._listener.connected.wait(5)

        number, _ = rma_where(bench.session_factory, reason=ReturnReason.QUALITY_DEFECT,
                              requested=RequestedResolution.REFUND)
        set_price(bench.session_factory, number, "120.00", "9.90")
        ines = bench.auth.sign_in("ines", "1111")
        t0 = time.monotonic()
        approval_id = ask_exception(bench.session_factory, bench.decisions, number, ines,
                                    "129.90",
                                    reason="Zipper broke on first wear, customer has photos")
        qtbot.waitUntil(lambda: approval_id in [v.id for v in page.views], timeout=2000)
        seen_in = time.monotonic() - t0

        page.table.selectRow([v.id for v in page.views].index(approval_id))
        qtbot.keyClick(page, Qt.Key.Key_A)
        qtbot.keyClicks(page.note, "fine as a one-off")
        t1 = time.monotonic()
        qtbot.keyClick(page.note, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: f"#{approval_id} approved by Maria" in shell.notice.text(),
                        timeout=2000)
        answered_in = time.monotonic() - t1
        assert "fine as a one-off" in shell.notice.text()
        assert seen_in < 2 and answered_in < 2
    finally:
        window.close()
        office_feed.stop()
        bench.dispose()
        office.dispose()
