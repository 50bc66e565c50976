"""The top-level window: sign-in, then the shell; the status bar shows where we are."""

from __future__ import annotations

import datetime as dt
import importlib
import logging
import os
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QEvent, QObject, Qt, QThread, QTimer
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import (
    QApplication,
    QLabel,
    QMainWindow,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from app.bench.desks import SignInDesk, UsersDesk
from app.bench.types import OfflineStatus, ReplayReport, SignedInUser
from app.bootstrap import Services, load_first_start_demo, needs_first_start
from app.errors import ReturnBenchError, user_message
from ui.banner import Level, SignedOutEvent
from ui.feed import ChangeFeed
from ui.first_start import FirstStartPage
from ui.ops import BackgroundOp
from ui.sign_in import SignInPage
from ui.sounds import Sounds, SystemSounds

if TYPE_CHECKING:  # the shell's pages are imported at the first sign-in, not at start
    from ui.main_window import Shell

IDLE_LOCK_ENV = "RETURNBENCH_IDLE_LOCK_SECONDS"
DEFAULT_IDLE_LOCK_SECONDS = 600.0
DB_CHECK_MS = 5000  # while the database answers
DB_RETRY_MS = 2000  # while it is away
# The offline copy, remade while the server answers: every N minutes (0: never, for
# tests of other things).
COPY_MINUTES_ENV = "RETURNBENCH_OFFLINE_COPY_MINUTES"
_INPUT_EVENTS = {QEvent.Type.KeyPress, QEvent.Type.MouseButtonPress, QEvent.Type.Wheel,
                 QEvent.Type.TouchBegin}


_NONE = OfflineStatus(False, 0, None, 0, None)


log = logging.getLogger(__name__)
DB_LABEL_PX = 270  # the status bar's database, at most (1366 px: everything else fits)
SHELL_IMPORTED = threading.Event()  # set once the thread below is done


def _import_shell() -> None:
    try:
        importlib.import_module("ui.main_window")  # and through it, every page's module
    except Exception:  # imported again at sign-in, where it fails for real
        log.exception("importing the shell ahead of sign-in failed")
    finally:
        SHELL_IMPORTED.set()


class MainWindow(QMainWindow):
    def __init__(self, services: Services, sounds: Sounds | None = None,
                 idle_lock_seconds: float | None = None) -> None:
        super().__init__()
        self.services = services
        self.idle_lock_seconds = idle_lock_seconds or float(
            os.environ.get(IDLE_LOCK_ENV, DEFAULT_IDLE_LOCK_SECONDS))
        self._last_input = time.monotonic()
        QApplication.instance().installEventFilter(self)  # type: ignore[union-attr]
        self._idle_timer = QTimer(self)
        self._idle_timer.setInterval(int(min(15.0, self.idle_lock_seconds / 4) * 1000))
        self._idle_timer.timeout.connect(self._check_idle)
        self._idle_timer.start()
        self.sounds = sounds or SystemSounds(services.settings.data_dir / "sounds")
        self.setWindowTitle("ReturnBench")
        central = QWidget()
        column = QVBoxLayout(central)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        self.demo = services.is_demo()
        self.demo_banner = QLabel(
            "DEMO DATA: not real customers or orders. The demo users and their PINs are "
            "in the README.")
        self.demo_banner.setObjectName("demoBanner")
        self.demo_banner.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.demo_banner.setWordWrap(True)  # a handheld's narrow window reads it all
        self.demo_banner.setVisible(self.demo)
        self.stack = QStackedWidget()
        column.addWidget(self.demo_banner)
        column.addWidget(self.stack, 1)
        self.setCentralWidget(central)
        self.sign_in = SignInPage(SignInDesk(services.bench_auth), services.settings.station)
        self.sign_in.signed_in.connect(self._open_shell)
        self.first_start: FirstStartPage | None = None
        if needs_first_start(services):
            self.first_start = FirstStartPage(
                lambda progress: load_first_start_demo(services, progress),
                                              UsersDesk(services.users, None))
            self.first_start.done.connect(self._first_start_done)
            self.stack.addWidget(self.first_start)
        self.stack.addWidget(self.sign_in)
        self.shell: Shell | None = None
        self.feed = ChangeFeed(services.listen, self)
        bar = self.statusBar()
        self.station_label = QLabel(f"Station: {services.settings.station}")
        self.user_label = QLabel("User: (signed out)")
        self.db_label = QLabel()
        self._show_database(f"Database: {services.database_label}")
        self.offline_label = QLabel("")  # the offline journal and the local copy's age
        self.printer_label = QLabel("Printer: …")
        self.camera_label = QLabel("Camera: none" if not services.settings.camera
                                   else "Camera: off (F7)")
        for label in (self.station_label, self.user_label, self.printer_label,
                      self.camera_label, self.offline_label, self.db_label):
            label.setObjectName("statusItem")
            bar.addPermanentWidget(label)
        # A station without a camera has nothing to say about one (and 1366 px to share).
        self.camera_label.setVisible(bool(services.settings.camera))
        # Is the database there? Checked off the UI thread; faster while it is away.
        self.database_down_since: dt.datetime | None = None
        self._db_check: BackgroundOp[None] | None = None
        self.db_timer = QTimer(self)
        self.db_timer.setInterval(DB_CHECK_MS)
        self.db_timer.timeout.connect(self.check_database)
        self.db_timer.start()
        # The local copy a bench works on when the server is away, made while it answers.
        self._copy_op: BackgroundOp[object] | None = None
        self._sync_op: BackgroundOp[Any] | None = None
        self.copy_minutes = float(os.environ.get(COPY_MINUTES_ENV, "10") or 0)
        self.copy_timer = QTimer(self)
        self.copy_timer.setInterval(int(max(self.copy_minutes, 0.1) * 60_000))
        self.copy_timer.timeout.connect(self.refresh_copy)
        if self.copy_minutes > 0:
            self.copy_timer.start()
        if services.started_offline:
            self.database_down_since = dt.datetime.now().astimezone()
            self.db_timer.setInterval(DB_RETRY_MS)
            self._database_is(ConnectionError("the server did not answer at start"))
        else:
            QTimer.singleShot(3000, self.refresh_copy)
        self._show_offline()
        # While the bench works offline, what waits to sync is read every second (the
        # journal on this disk; nothing asks the server).
        self.offline_timer = QTimer(self)
        self.offline_timer.setInterval(1000)
        self.offline_timer.timeout.connect(self._tick_offline)
        self.offline_timer.start()
        self.stack.currentChanged.connect(self._show_title)
        self._show_title()
        # The shell's modules are imported on a thread of their own while sign-in waits
        # for a PIN (imported when the PIN was right, they held the window ~200 ms on X;
        # one per event-loop turn, a cold module still took 140 ms on a loaded machine).
        threading.Thread(target=_import_shell, name="import-shell", daemon=True).start()
        # The bench's first statements compiled while sign-in waits for a PIN (a cold
        # return's load took 300-450 ms on this thread); a failure here is said later by
        # whatever needs the database.
        BackgroundOp(services.warm_up, lambda _none: None,
                     lambda exc: log.info("warm-up skipped: %s", exc), parent=self).start()
        # Labels go to the printer off the UI thread, one at a time and in order: the
        # bench scans the next parcel while one prints (or waits for a printer that
        # is off); what went wrong is said when it is known.
        services.print_in_background(self._print_later)

    # --- labels ---------------------------------------------------------------------
    def _print_later(self, send: Callable[[], object]) -> None:
        if QThread.currentThread() is not self.thread():
            send()  # printed by work already off the UI thread (a sync): it waits there
            return
        BackgroundOp(send, self._printed, self._print_failed, parent=self,
                     lane="printer").start()

    def _printed(self, outcome: object) -> None:
        """A label sent (or the waiting ones: how many): said only when it did not go
        out, in the notice at the top, with the bad sound."""
        if isinstance(outcome, int):  # PrintService.retry_queued: how many went out
            if outcome:
                self.statusBar().showMessage(
                    f"✔ {outcome} waiting label{'s' if outcome != 1 else ''} printed", 10_000)
        elif not getattr(outcome, "went_out", True):  # a PrintOutcome: the printer said no
            self._print_failed(str(getattr(outcome, "message", "")))
            return
        self._show_devices()

    def _print_failed(self, problem: BaseException | str) -> None:
        message = problem if isinstance(problem, str) else user_message(problem)
        if self.shell is not None:
            self.shell.notice.show_message(Level.WARN, message)
        self.statusBar().showMessage(f"⚠ {message}", 30_000)
        self.sounds.bad()
        self._show_devices()

    def _first_start_done(self, outcome: str) -> None:
        """Demo data loaded, or the first admin made: on to sign-in."""
        self.demo = self.services.is_demo()
        self.demo_banner.setVisible(self.demo)
        self.sign_in.reload()
        if outcome != "demo":
            self.sign_in.select_user(outcome)
            self.sign_in.banner.show_message(
                Level.OK, "This warehouse is set up. Sign in with the admin's PIN, then add "
                "the team in Settings, Users.")
        self.stack.setCurrentWidget(self.sign_in)  # the first-start page stays behind, done
        self.sign_in.pin.setFocus()

    def _show_database(self, text: str) -> None:
        """The database in the status bar, its long path shortened in the middle (the
        whole of it on the tooltip): at 1366x768 it was cut at the screen's edge."""
        self.db_label.setToolTip(text)
        self.db_label.setText(QFontMetrics(self.db_label.font()).elidedText(
            text, Qt.TextElideMode.ElideMiddle, DB_LABEL_PX))

    def _show_title(self) -> None:
        """The title says where the window is and who works in it ("ReturnBench - Inspect
        - Ines Ortega"): for the taskbar, a remote screen, and the real-window tests,
        which wait for it (it changes once the place is shown with its data)."""
        parts = ["ReturnBench (DEMO DATA)" if self.demo else "ReturnBench"]
        current = self.stack.currentWidget()
        if self.shell is not None and current is self.shell and self.shell.landed:
            parts += [self.shell.place_name(), self.shell.user.display_name]
        elif self.first_start is not None and current is self.first_start:
            parts.append("First start")
        else:
            parts.append("Sign in")
        self.setWindowTitle(" - ".join(parts))

    # --- the database coming and going -------------------------------------------
    def check_database(self) -> None:
        if self._db_check is not None:
            return  # the last check is still waiting (a slow network times out in 5 s)
        self._db_check = BackgroundOp(self.services.ping, lambda _r: self._database_is(None),
                                      self._database_is, parent=self)
        self._db_check.start()

    def _show_devices(self) -> None:
        """Printer (ready, queued N, offline) and camera state in the status bar; amber
        only while it is true."""
        try:
            state = self.services.printing.state()
        except ReturnBenchError:
            state = None
        if state is not None:
            self.printer_label.setText(state.words())
            self.printer_label.setProperty("level", "warn" if state.offline else "")
            self.printer_label.setToolTip(state.problem or state.printer)
            self.printer_label.style().unpolish(self.printer_label)
            self.printer_label.style().polish(self.printer_label)
        if self.services.settings.camera:
            on = self.shell is not None and self.shell.receive.camera_worker is not None
            self.camera_label.setText("Camera: on" if on else "Camera: off (F7)")

    # --- offline: the local copy and the journal ---------------------------------------
    def refresh_copy(self) -> None:
        """A new local copy, off the UI thread (not while offline or while the journal
        holds work the server has not taken: the copy holds it too)."""
        if self._copy_op is not None or self._sync_op is not None \
                or self.database_down_since is not None \
                or self.copy_minutes <= 0:
            return
        offline = self.services.offline_bench

        def done(_report: object) -> None:
            self._copy_op = None
            self._show_offline()

        def failed(exc: BaseException) -> None:
            self._copy_op = None
            self.offline_label.setText("Local copy: not made (" + user_message(exc)[:60]
                                       + ")")

        self._copy_op = BackgroundOp(offline.refresh, done, failed, parent=self)
        self._copy_op.start()

    def _tick_offline(self) -> None:
        if self.shell is None or not self.shell.session.is_offline or self._sync_op is not None:
            return
        if self.database_down_since is None:  # a call found the server away: check now
            self.check_database()
        self._show_offline()

    def _offline_status(self) -> OfflineStatus | None:
        session = self.shell.session if self.shell is not None else None
        try:
            return session.offline_status() if session is not None \
                else self.services.offline_bench.status()
        except ReturnBenchError:
            return None

    def _show_offline(self) -> None:
        self._paint_offline(self._offline_status())

    def _paint_offline(self, status: OfflineStatus | None) -> None:
        """OFFLINE, what waits to sync and since when, the local copy's age."""
        session = self.shell.session if self.shell is not None else None
        if status is None:
            self.offline_label.setText("")
            return
        offline = status.offline or (session is not None and session.is_offline)
        text = status.words(dt.datetime.now(dt.UTC))
        self.offline_label.setText(("⚠ " if offline else "") + text)
        self.offline_label.setProperty("level", "error" if offline else
                                       "warn" if status.waiting or status.conflicts else "")
        self.offline_label.style().unpolish(self.offline_label)
        self.offline_label.style().polish(self.offline_label)

    def _database_is(self, problem: BaseException | None) -> None:
        self._db_check = None
        status = self._offline_status()  # read once per check
        synced = False
        if problem is None:
            self._show_devices()
        label = f"Database: {self.services.database_label}"
        if problem is not None:
            if self.database_down_since is None:
                self.database_down_since = dt.datetime.now().astimezone()
                self.db_timer.setInterval(DB_RETRY_MS)
            since = self.database_down_since.strftime("%H:%M:%S")
            offline = self.services.offline_bench.offline or (
                self.shell is not None and self.shell.session.is_offline)
            self.db_label.setText(
                f"⚠ OFFLINE since {since}" if offline else
                f"⚠ DATABASE UNREACHABLE since {since}: reconnecting. "
                "Work is kept on this bench.")
            self.db_label.setProperty("level", "error")
        elif self.database_down_since is not None:
            try:
                self.services.back_online()
            except ReturnBenchError as exc:
                self.statusBar().showMessage(user_message(exc), 15_000)
            away = dt.datetime.now().astimezone() - self.database_down_since
            self.database_down_since = None
            self.db_timer.setInterval(DB_CHECK_MS)
            self._show_database(label)
            self.db_label.setProperty("level", "")
            self.statusBar().showMessage(
                f"✔ Database back (away {int(away.total_seconds())} s)",
                15_000)
            self._back_online((status or _NONE).waiting)
            synced = True
        elif self._sync_op is None and self.shell is not None and (
                self.shell.session.is_offline or (status or _NONE).waiting):
            # Offline after a failed call the checks never saw: the server answers now.
            self._back_online((status or _NONE).waiting)
            synced = True
        if self._sync_op is None:
            self._paint_offline(self._offline_status() if synced else status)
        self.db_label.style().unpolish(self.db_label)
        self.db_label.style().polish(self.db_label)

    def _back_online(self, waiting: int) -> None:
        """The server answers: the offline journal replays off the UI thread (the bench
        goes on working offline meanwhile; a thousand entries take about 20 s), then the
        session finishes on the UI thread (what came in meanwhile, the labels, the
        totes) and goes back to the server."""
        if self._sync_op is not None:
            return
        offline = self.services.offline_bench
        if not waiting:
            self._finish_back_online()
            return
        self.offline_label.setText(f"⟳ syncing {waiting} kept on this bench…")

        def done(_report: object) -> None:
            self._sync_op = None
            self._finish_back_online()
            self._show_offline()

        def failed(exc: BaseException) -> None:
            self._sync_op = None
            self.statusBar().showMessage(f"Sync stopped: {user_message(exc)}", 15_000)
            self._show_offline()

        self._sync_op = BackgroundOp(offline.reconcile, done, failed, parent=self)
        self._sync_op.start()

    def _finish_back_online(self) -> None:
        if self.shell is not None:
            self.shell.database_back()
        else:
            self._sync_signed_out()

    def _sync_signed_out(self) -> None:
        """Back online with nobody signed in: replay what this bench kept (off the UI
        thread, as with someone signed in)."""
        offline = self.services.offline_bench
        if self._sync_op is not None or (not offline.offline
                                         and not offline.status().waiting):
            return

        def done(report: ReplayReport) -> None:
            self._sync_op = None
            self.sign_in.banner.show_message(
                Level.WARN if report.conflicts or report.left else Level.OK,
                f"Back online: {report.words()}.")
            self.sign_in.reload()

        def failed(exc: BaseException) -> None:
            self._sync_op = None
            self.sign_in.banner.show_problem(exc)

        self._sync_op = BackgroundOp(offline.reconcile, done, failed, parent=self)
        self._sync_op.start()

    def _open_shell(self, user: SignedInUser) -> None:
        app = QApplication.instance()
        assert app is not None
        # No app-wide Python filter for the thousands of events of building and showing
        # the pages (each would be a Python call): they listen once the shell is up.
        app.removeEventFilter(self)
        try:
            from ui.main_window import Shell  # its nine pages: not before they are needed

            self.shell = Shell(self.services, user, self.sounds, self.feed)
            self.shell.sign_out_requested.connect(self._sign_out)
            self.shell.place_changed.connect(self._show_title)
            self.stack.addWidget(self.shell)
            self.stack.setCurrentWidget(self.shell)
            self.user_label.setText(f"User: {user.display_name} ({user.role.value})")
            self.shell.land()
            self._show_title()
        finally:
            app.installEventFilter(self)
        self.shell.listen()
        if self.database_down_since is None:  # the copy learns who signed in here
            self.refresh_copy()
        if self.services.settings.camera:
            self.shell.receive.start_camera()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in _INPUT_EVENTS:
            self._last_input = time.monotonic()
        return False

    def _check_idle(self) -> None:
        """A bench left alone locks itself: back to sign-in after the idle limit."""
        if self.shell is None:
            return
        idle = time.monotonic() - self._last_input
        if idle >= self.idle_lock_seconds:
            minutes = max(1, round(self.idle_lock_seconds / 60))
            self._to_sign_in(
                Level.WARN, f"Locked after {minutes} idle minute{'s' if minutes != 1 else ''}:"
                " sign in again to go on. Nothing was lost.")

    def event(self, event: QEvent) -> bool:
        if isinstance(event, SignedOutEvent):
            # The user was deactivated or given another role (see app/bench/core.py `_say`).
            if self.shell is not None:
                self._to_sign_in(Level.ERROR, event.reason)
            return True
        return super().event(event)

    def _to_sign_in(self, level: Level, why: str) -> None:
        """Back to sign-in (the idle lock, or the server signing the user out), with the
        sentence that says why."""
        self._sign_out()
        self.sign_in.banner.show_message(level, why)

    def closeEvent(self, event) -> None:  # type: ignore[no-untyped-def]
        if self.shell is not None:
            self.shell.close_down()
            self.shell.receive.stop_camera()
            self.shell.inspect.release_holds()
        self.feed.stop()
        super().closeEvent(event)

    def _sign_out(self) -> None:
        if self.shell is not None:
            self.shell.close_down()
            self.shell.receive.stop_camera()
            self.shell.inspect.release_holds()
            self.stack.removeWidget(self.shell)
            self.shell.deleteLater()
            self.shell = None
        self.user_label.setText("User: (signed out)")
        self.stack.setCurrentWidget(self.sign_in)
        self.sign_in.reload()
