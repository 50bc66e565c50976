"""Starting the desktop app: settings, services, theme, the window; errors shown, not thrown."""

from __future__ import annotations

import logging
import os
import sys
import time
from pathlib import Path
from types import TracebackType

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMainWindow, QMessageBox

from app.bootstrap import Services, bootstrap
from app.cli import build_parser
from app.config import load_settings
from app.errors import exit_code, user_message

log = logging.getLogger(__name__)
STYLES = Path(__file__).resolve().parent.parent / "resources" / "styles"
# Set by the start-up benchmark: print the ms to a usable window, then quit.
EXIT_WHEN_READY_ENV = "RETURNBENCH_EXIT_WHEN_READY"
MIN_WIDTH, MIN_HEIGHT = 1024, 640  # the smallest window the pages are laid out for


def load_theme(app: QApplication, name: str = "light") -> None:
    app.setStyleSheet((STYLES / f"{name}.qss").read_text(encoding="utf-8"))


def start_services(argv: list[str]) -> Services:
    args = build_parser().parse_args(argv)
    services = bootstrap(load_settings(args.db, args.station, args.camera, args.printer),
                         allow_offline=True)
    if not services.started_offline:
        services.start_station()
    return services


def fit_to_screen(window: QMainWindow) -> None:
    """A bench app fills its screen (1366x768 laptops, 1920x1080 monitors): the whole
    available area, never more, whatever the pages would like."""
    window.setMinimumSize(MIN_WIDTH, MIN_HEIGHT)
    screen = window.screen() or QApplication.primaryScreen()
    if screen is None:
        window.resize(1280, 720)
        return
    window.setGeometry(screen.availableGeometry())


def _report_bugs_in(window: QMainWindow) -> None:
    """A bug in a button's handler must not vanish into a terminal: log its traceback and
    say so in the status bar; the app keeps running and nothing saved is lost."""
    def hook(kind: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
        log.error("unexpected error in the app", exc_info=(kind, exc, tb))
        window.statusBar().showMessage(f"✖ {user_message(exc)}", 60_000)

    sys.excepthook = hook


def run_app(argv: list[str]) -> int:
    started = time.perf_counter()
    app = QApplication.instance() or QApplication([sys.argv[0]])
    assert isinstance(app, QApplication)
    app.setApplicationName("ReturnBench")
    try:
        services = start_services(argv)
    except Exception as exc:
        if not hasattr(exc, "message"):
            log.exception("start-up failed")
        message = user_message(exc)
        print(f"error: {message}", file=sys.stderr)
        if os.environ.get("QT_QPA_PLATFORM") != "offscreen":
            QMessageBox.critical(None, "ReturnBench cannot start", message)
        return exit_code(exc)

    from ui.watchdog import start_if_asked
    from ui.window import MainWindow

    watchdog = start_if_asked()  # noqa: F841 - runs (and reports) while the app runs
    load_theme(app, os.environ.get("RETURNBENCH_THEME", "light"))
    window = MainWindow(services)
    fit_to_screen(window)
    window.show()
    _report_bugs_in(window)
    if os.environ.get(EXIT_WHEN_READY_ENV):
        def report() -> None:
            print(f"ready_ms={(time.perf_counter() - started) * 1000:.1f}", flush=True)
            app.quit()

        QTimer.singleShot(0, report)
    try:
        return app.exec()
    finally:
        services.dispose()
