"""The window's one op runner (ui/ops.py) and the UI watchdog (ui/watchdog.py): callbacks
on the UI thread, failures handed over (a bug logged), a lane's ops in order, progress
shown only past a second, a page gone meanwhile never painted; a stall in the app's code
counted, one in the test's own code or waiting for a CPU not."""

from __future__ import annotations

import threading
import time

import pytest

from PySide6.QtWidgets import QWidget

from app.errors import EnvironmentFault
from ui.ops import BackgroundOp, Progress, ProgressBar
from ui.watchdog import LIMIT_MS, UiWatchdog


def test_callbacks_run_on_the_ui_thread(qtbot) -> None:  # type: ignore[no-untyped-def]
    seen: list[tuple[str, object, bool]] = []
    ui = threading.current_thread()

    def work() -> str:
        assert threading.current_thread() is not ui  # the worker
        return "done"

    BackgroundOp(work, lambda r: seen.append(("ok", r, threading.current_thread() is ui)),
                 lambda e: seen.append(("error", e, False))).start()

    def fail() -> None:
        raise EnvironmentFault("the printer is off")

    BackgroundOp(fail, lambda r: seen.append(("ok", r, False)),
                 lambda e: seen.append(("error", str(e), threading.current_thread() is ui))
                 ).start()
    qtbot.waitUntil(lambda: len(seen) == 2 and BackgroundOp.idle(), timeout=5000)
    assert sorted(seen) == [("error", "the printer is off", True), ("ok", "done", True)]


@pytest.mark.allow_log_warnings
def test_a_bug_in_the_work_is_logged_and_handed_over(qtbot, caplog) -> None:  # type: ignore[no-untyped-def]
    got: list[BaseException] = []
    BackgroundOp(lambda: 1 / 0, lambda _r: None, got.append).start()
    qtbot.waitUntil(lambda: bool(got), timeout=5000)
    assert isinstance(got[0], ZeroDivisionError)
    assert "background work failed" in caplog.text


def test_a_lane_runs_its_ops_one_at_a_time_in_order(qtbot) -> None:  # type: ignore[no-untyped-def]
    done: list[int] = []
    running = []

    def job(n: int) -> int:
        running.append(n)
        assert len(running) == 1  # alone in its lane
        time.sleep(0.01)
        running.remove(n)
        return n

    def each(n: int) -> BackgroundOp[int]:
        return BackgroundOp(lambda: job(n), done.append, lambda e: pytest.fail(str(e)),
                            lane="test-lane")

    for n in range(6):
        each(n).start()
    qtbot.waitUntil(lambda: len(done) == 6, timeout=5000)
    assert done == list(range(6))


def test_progress_shows_past_a_second_and_goes_when_done(qtbot) -> None:  # type: ignore[no-untyped-def]
    bar = ProgressBar()
    qtbot.addWidget(bar)
    progress = Progress()
    release = threading.Event()

    def work() -> None:
        progress.report(3, 10)
        release.wait(10)

    finished: list[object] = []
    BackgroundOp(work, finished.append, lambda e: pytest.fail(str(e)), progress=progress,
                 shows=bar, label="Importing").start()
    qtbot.wait(300)
    assert not bar.isVisible()  # quick work shows nothing
    qtbot.waitUntil(bar.isVisible, timeout=3000)
    assert (bar.value(), bar.maximum()) == (3, 10) and "Importing" in bar.format()
    release.set()
    qtbot.waitUntil(lambda: bool(finished), timeout=5000)
    assert not bar.isVisible()


def test_a_page_gone_meanwhile_is_not_painted(qtbot) -> None:  # type: ignore[no-untyped-def]
    page = QWidget()
    release = threading.Event()
    painted: list[object] = []
    BackgroundOp(lambda: release.wait(5), painted.append, painted.append,
                 parent=page).start()
    page.deleteLater()
    qtbot.waitUntil(lambda: not _alive(page), timeout=2000)
    release.set()
    qtbot.waitUntil(BackgroundOp.idle, timeout=5000)
    assert painted == []


def _alive(widget: QWidget) -> bool:
    import shiboken6

    return bool(shiboken6.isValid(widget))


@pytest.mark.ui_stall_ok("this test makes the stalls it measures")
def test_the_watchdog_counts_the_apps_stalls_only(qtbot) -> None:  # type: ignore[no-untyped-def]
    dog = UiWatchdog().start()
    try:
        time.sleep(0.3)  # the test's own code: no ui/ frame, not the app's
        qtbot.wait(100)
        # The 300 ms sleep is not counted; at most the beat's few ms, when it came back
        # from reading its statistics and waited for the GIL (seen once: 5.6 ms).
        assert dog.longest is None or dog.longest.counted_ms < 30, dog.longest.words()
        # A callback of the app (ui/ops.py) that holds the UI thread 250 ms, sleeping
        # as a socket's connect would: counted.
        BackgroundOp(lambda: None, lambda _r: time.sleep(0.25), lambda e: None).start()
        qtbot.waitUntil(BackgroundOp.idle, timeout=5000)
        qtbot.wait(100)
    finally:
        longest = dog.stop()
    assert longest is not None and longest.counted_ms > LIMIT_MS
    assert "ui/ops.py" in longest.where() and "_done" in longest.where()
