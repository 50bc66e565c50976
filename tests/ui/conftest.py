from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest

from app.bootstrap import Services, bootstrap
from app.clock import FixedClock
from app.config import load_settings
from app.services.demo_data import load_demo_data

DEMO_DAY = dt.date(2026, 4, 15)


@pytest.fixture(autouse=True)
def _scanner_gap(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Page tests type with qtbot at 0 ms per key, which is a scanner's speed: they run with
    burst detection off. The scan router's own tests (marked `scanner`) and the real-window
    tests run it at its default 30 ms."""
    if request.node.get_closest_marker("scanner") is None:
        monkeypatch.setenv("RETURNBENCH_SCAN_GAP_MS", "0")
    # The window's background copy for the offline bench is made only where a test
    # asks for it (tests/ui/test_offline_e2e_xvfb.py).
    monkeypatch.setenv("RETURNBENCH_OFFLINE_COPY_MINUTES", "0")


@pytest.fixture
def services(tmp_path: Path, clock: FixedClock) -> Iterator[Services]:
    """Real services on a real SQLite file with a little demo data."""
    built = bootstrap(load_settings(f"sqlite:///{tmp_path / 'ui.db'}", "TEST-BENCH"), clock)
    load_demo_data(built.session_factory, orders=60, seed=5, today=DEMO_DAY)
    yield built
    built.dispose()
