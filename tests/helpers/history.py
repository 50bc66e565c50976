"""The demo database with its 60 days of history, as a first start makes it (2,000
orders, seed 7), built once per test session: the first worker to ask builds it, the
others wait for it. Tests that only read it open it in place; tests that change it
work on a copy of it and its data folder (photos, labels, outbox)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import fcntl
import os
import shutil
from pathlib import Path

import pytest

from app.bootstrap import (
    FIRST_START_DEMO_ORDERS,
    FIRST_START_DEMO_SEED,
    Services,
    bootstrap,
    demo_places,
)
from app.clock import Clock, FixedClock
from app.config import Settings, load_settings
from app.demo_history import load_demo

HISTORY_DAY = dt.date(2026, 12, 2)  # a Wednesday: the walk ends as Tuesday closes
# The next morning at the warehouse (07:30 in Los Angeles): what a first start sees.
MORNING = dt.datetime(2026, 12, 2, 15, 30, tzinfo=dt.UTC)
DB_NAME = "returnbench.db"


def _settings(data_dir: Path, station: str = "TEST-BENCH", url: str | None = None) -> Settings:
    base = load_settings(url or f"sqlite:///{data_dir / DB_NAME}", station)
    return dataclasses.replace(base, data_dir=data_dir, photo_root=data_dir / "photos")


def shared_history(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The data folder of the session's history database (built on first use)."""
    base = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        base = base.parent  # shared by the workers of this run
    data = base / "demo-history"
    with open(base / "demo-history.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (data / "built").exists():
            shutil.rmtree(data, ignore_errors=True)
            data.mkdir(parents=True)
            settings = _settings(data)
            services = bootstrap(settings, FixedClock(MORNING))
            try:
                load_demo(services.session_factory, orders=FIRST_START_DEMO_ORDERS,
                          seed=FIRST_START_DEMO_SEED, today=HISTORY_DAY,
                          places=demo_places(settings))
            finally:
                services.dispose()
            (data / "built").touch()
    return data


def open_history(data: Path, clock: Clock | None = None, station: str = "TEST-BENCH",
                 url: str | None = None) -> Services:
    """Services on the history in `data` (or on the database at `url`, with `data` as its
    data folder)."""
    return bootstrap(_settings(data, station, url), clock or FixedClock(MORNING))


def copy_history(tmp_path_factory: pytest.TempPathFactory, into: Path) -> Path:
    """A copy of the history's data folder (database, photos, labels, outbox) to change."""
    shared = shared_history(tmp_path_factory)
    shutil.copytree(shared, into, ignore=shutil.ignore_patterns("*.lock"))
    return into
