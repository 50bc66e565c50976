"""Builds the engine and the services from settings: called by the composition root only."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from app import inflight
from app.bench import BenchSession
from app.clock import Clock, SystemClock
from app.config import Settings
from app.database import open_database
from app.notify import Handler, Listener, supports_notify
from app.offline import BenchAuth, OfflineBench
from app.services.auth import AuthService
from app.services.demo_data import database_is_empty, is_demo_database
from app.services.printing import SendLater
from app.services.unsaved import UnsavedWork
from app.services.uow import UnitOfWork
from app.warmup import warm_up
from app.wiring import StationServices, wire
from models import Station
from models.db import check_connection, describe, make_session_factory, upgrade

if TYPE_CHECKING:  # the demo history (and its photos' OpenCV) loads when asked for
    from app.demo_history import HistoryPlaces

log = logging.getLogger(__name__)

FIRST_START_DEMO_ORDERS = 2000
FIRST_START_DEMO_SEED = 7


@dataclass
class Services(StationServices):
    """This station's services, with the settings, database and clock they run on."""

    settings: Settings
    engine: Engine
    session_factory: sessionmaker[Session]
    clock: Clock
    # Built when the server did not answer at start but the bench has a local copy.
    started_offline: bool = False
    _offline_bench: OfflineBench | None = None

    @property
    def database_label(self) -> str:
        return describe(self.engine)

    def is_demo(self) -> bool:
        if self.started_offline:  # the local copy says what the server is
            return self.offline_bench.copy.is_demo()
        return is_demo_database(self.session_factory)

    def ping(self) -> None:
        """Raise DatabaseUnavailable if the database does not answer now."""
        check_connection(self.engine)

    @property
    def unsaved(self) -> UnsavedWork:
        return UnsavedWork(self.settings.data_dir / "unsaved")

    def listen(self, handler: Handler) -> Listener | None:
        """Start a listener for other benches' changes; None on SQLite (poll instead)."""
        if not supports_notify(self.engine):
            return None
        listener = Listener(self.engine, handler)
        listener.start()
        return listener

    def print_in_background(self, send_later: SendLater) -> None:
        """Labels go to the printer through `send_later` (the window's background
        runner), on the server's services and on the offline copy's."""
        self.printing.send_later = send_later
        self.offline_bench.print_in_background(send_later)

    def start_station(self) -> None:
        """The app's start: record that this station is in use."""
        register_station(self.session_factory, self.settings.station, self.clock)

    @property
    def offline_bench(self) -> OfflineBench:
        """This bench's offline mode: its journal and local copy in the data folder."""
        if self._offline_bench is None:
            s = self.settings
            self._offline_bench = OfflineBench(
                self.session_factory, self.clock, s.station, s.data_dir / "offline",
                s.photo_root, s.default_printer, server=self)
            self._offline_bench.offline = self.started_offline
        return self._offline_bench

    def bench_session(self) -> BenchSession:
        """A bench's session on these services (one per signed-in bench), going on
        offline on the bench's local copy when the server is unreachable."""
        session = self.session_for(self.clock, self.unsaved, self.offline_bench)
        if self.offline_bench.offline:
            session.start_offline()
        return session

    def back_online(self) -> None:
        """The server answers after a start without it: upgrade its schema as a start
        would, and record that this station is in use."""
        if not self.started_offline:
            return
        upgrade(self.engine)
        self.started_offline = False
        self.start_station()

    @property
    def bench_auth(self) -> AuthService:
        """Sign-in at the bench: the server's, the local copy's while it is away."""
        return BenchAuth(self.session_factory, self.clock, self.settings.station,
                         self.offline_bench)

    def warm_up(self) -> None:
        """The bench's first statements compiled (app/warmup.py): the window runs it off
        its thread at start, the UI tests' services first."""
        if not self.started_offline:
            warm_up(self.session_factory, self.lookup, self.inspection, self.approvals)

    def dispose(self) -> None:
        inflight.drain()  # work off the main thread finishes on an open engine
        if self._offline_bench is not None:
            self._offline_bench.close()
        self.engine.dispose()


def bootstrap(settings: Settings, clock: Clock | None = None,
              allow_offline: bool = False) -> Services:
    """Open (and upgrade) the database and build the services on it. `allow_offline`
    (the bench app): the server away at start, a bench with a local copy starts offline."""
    engine, offline = open_database(settings, allow_offline)
    session_factory = make_session_factory(engine)
    clock = clock or SystemClock()
    station = wire(session_factory, clock, settings.station, settings.photo_root,
                   settings.default_printer)
    return Services(settings=settings, engine=engine, session_factory=session_factory,
                    clock=clock, started_offline=offline, **station.as_fields())


def register_station(session_factory: sessionmaker[Session], name: str, clock: Clock) -> None:
    """Record that this station is in use (the app does this on start; the CLI does not,
    so headless runs leave no trace beyond what they are asked to write)."""
    with UnitOfWork(session_factory) as uow:
        station = uow.session.scalars(select(Station).where(Station.name == name)).one_or_none()
        if station is None:
            station = Station(name=name)
            uow.session.add(station)
        station.last_seen_at = clock.now()
        uow.commit()


def needs_first_start(services: Services) -> bool:
    """An empty database: its first start asks whether to explore with demo data or to
    set up this warehouse. Nothing loads demo data without being asked."""
    if services.started_offline:
        return False
    return database_is_empty(services.session_factory)


def demo_places(settings: Settings) -> HistoryPlaces:
    """Where the demo history's photos, labels and export batches go: this station's
    photo folder, and folders in its data folder (never a real printer). This station is
    the history's first bench."""
    from app.demo_history import HistoryPlaces

    return HistoryPlaces(photos=settings.photo_root, labels=settings.data_dir / "labels",
                         outbox=settings.data_dir / "outbox", station=settings.station)


def warehouse_today(services: Services) -> dt.date:
    """Today in the warehouse's time zone (the demo history ends at its start)."""
    return services.clock.now().astimezone(services.reports.tz).date()


def load_first_start_demo(services: Services,
                          progress: Callable[[int, int], None] | None = None) -> None:
    """The first-start screen's "explore with demo data" (refused unless empty): the
    orders and returns, and 60 days of the bench's work up to this morning."""
    from app.demo_history import load_demo

    log.info("empty database: loading demo data, as asked at first start")
    load_demo(services.session_factory, orders=FIRST_START_DEMO_ORDERS,
              seed=FIRST_START_DEMO_SEED, today=warehouse_today(services),
              places=demo_places(services.settings), progress=progress)
