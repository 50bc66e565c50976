"""Run under a real X server (Xvfb) at a given size: open the app's window as the app
does, sign in as each role, visit every place, and report (JSON on stdout) every named
control outside the screen, and every page that would scroll sideways. Used by
tests/ui/test_screen_fit.py; it prints [] when everything fits."""

from __future__ import annotations

import json
import os
import sys
import tempfile

from PySide6.QtCore import QPoint, QRect
from PySide6.QtWidgets import QAbstractButton, QApplication, QLabel, QLineEdit, QScrollArea

from app.bootstrap import bootstrap
from app.config import load_settings
from app.services.demo_data import load_demo_data
from tests.conftest import NOW
from ui.application import fit_to_screen, load_theme
from ui.sounds import SilentSounds
from ui.window import MainWindow


def main() -> int:
    app = QApplication(sys.argv[:1])
    load_theme(app)
    tmp = tempfile.mkdtemp()
    os.environ["RETURNBENCH_DATA_DIR"] = tmp
    services = bootstrap(load_settings(f"sqlite:///{tmp}/fit.db", "FIT"))
    load_demo_data(services.session_factory, orders=60, seed=4, today=NOW.date())
    window = MainWindow(services, sounds=SilentSounds())
    fit_to_screen(window)
    window.show()
    screen = window.screen().availableGeometry()
    problems: list[str] = []

    def settle() -> None:
        for _ in range(5):
            app.processEvents()

    def check(where: str) -> None:
        settle()
        frame = QRect(window.mapToGlobal(QPoint(0, 0)), window.size())
        if not screen.contains(frame):
            problems.append(f"{where}: the window {frame.getRect()} is bigger than the "
                            f"screen {screen.getRect()}")
        controls = [*window.findChildren(QAbstractButton), *window.findChildren(QLineEdit),
                    *window.findChildren(QLabel)]
        for widget in controls:
            if not widget.isVisible() or not (widget.objectName() or isinstance(
                    widget, QAbstractButton)):
                continue
            inside_scroll = any(isinstance(p, QScrollArea) for p in _parents(widget))
            rect = QRect(widget.mapToGlobal(QPoint(0, 0)), widget.size())
            if not inside_scroll and not screen.contains(rect):
                problems.append(f"{where}: {type(widget).__name__} "
                                f"{widget.objectName() or _text(widget)!r} at {rect.getRect()}")
        for area in window.findChildren(QScrollArea):
            if area.isVisible() and area.horizontalScrollBar().maximum() > 0:
                problems.append(f"{where}: a page scrolls sideways by "
                                f"{area.horizontalScrollBar().maximum()} px")

    check("sign-in")
    for username, pin in (("ines", "1111"), ("carl", "2222"), ("maria", "444444")):
        user = services.auth.sign_in(username, pin)
        window.sign_in.signed_in.emit(user)
        shell = window.shell
        assert shell is not None
        for row in range(shell.nav.count()):
            shell.nav.setCurrentRow(row)
            check(f"{username} {shell.nav.item(row).text().split()[0]}")
        shell.sign_out_requested.emit()
        settle()
    print(json.dumps(problems))
    services.dispose()
    sys.stdout.flush()
    os._exit(0)


def _parents(widget: object) -> list[object]:
    out = []
    parent = widget.parent()  # type: ignore[attr-defined]
    while parent is not None:
        out.append(parent)
        parent = parent.parent()
    return out


def _text(widget: object) -> str:
    text = getattr(widget, "text", None)
    return str(text())[:40] if callable(text) else ""


if __name__ == "__main__":
    sys.exit(main())
