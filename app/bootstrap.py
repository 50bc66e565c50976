"""Builds the engine and the services from settings: called by the composition root only."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from app.bench import BenchServices, BenchSession
from app.camera.photostore import PhotoStore
from app.clock import Clock, SystemClock
from app.config import Settings, ensure_data_dir
from app.notify import Handler, Listener, supports_notify
from app.services.approvals import ApprovalService
from app.services.auth import AuthService
from app.services.authlog import AuthorizationLogService
from app.services.claims import ClaimsService
from app.services.decisions import DecisionService
from app.services.demo_data import database_is_empty, is_demo_database, load_demo_data
from app.services.exports import ExportService
from app.services.holds import HoldService
from app.services.imports import ImportService
from app.services.inspection import InspectionService
from app.services.lookup import LookupService
from app.services.printing import PrintService
from app.services.receiving import ReceivingService
from app.services.reports import ReportService
from app.services.unsaved import UnsavedWork
from app.services.uow import UnitOfWork
from app.services.users import UserService
from models import Station
from models.db import check_connection, describe, make_engine, make_session_factory, upgrade

log = logging.getLogger(__name__)

FIRST_START_DEMO_ORDERS = 2000
FIRST_START_DEMO_SEED = 7


@dataclass
class Services:
    settings: Settings
    engine: Engine
    session_factory: sessionmaker[Session]
    clock: Clock
    auth: AuthService
    lookup: LookupService
    decisions: DecisionService
    receiving: ReceivingService
    approvals: ApprovalService
    users: UserService
    printing: PrintService
    inspection: InspectionService
    claims: ClaimsService
    holds: HoldService
    imports: ImportService
    exports: ExportService
    reports: ReportService
    authlog: AuthorizationLogService

    @property
    def database_label(self) -> str:
        return describe(self.engine)

    def is_demo(self) -> bool:
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

    def start_station(self) -> None:
        """The app's start: record that this station is in use."""
        register_station(self.session_factory, self.settings.station, self.clock)

    def bench_session(self) -> BenchSession:
        """A bench's session on these services (one per signed-in bench)."""
        return BenchSession(BenchServices(self.auth, self.receiving, self.decisions,
                                          self.approvals, self.inspection, self.printing,
                                          self.unsaved, self.holds, self.clock))

    def dispose(self) -> None:
        self.engine.dispose()


def bootstrap(settings: Settings, clock: Clock | None = None) -> Services:
    """Open (and upgrade) the database and build the services on it."""
    if settings.uses_default_db:
        ensure_data_dir(settings)
    engine = make_engine(settings.db_url)
    check_connection(engine)
    upgrade(engine)
    session_factory = make_session_factory(engine)
    clock = clock or SystemClock()
    lookup = LookupService(session_factory, clock)
    auth = AuthService(session_factory, clock, settings.station)
    inspection = InspectionService(session_factory, clock, settings.station,
                                   PhotoStore(settings.photo_root))
    printing = PrintService(session_factory, clock, settings.station,
                            settings.default_printer)
    approvals = ApprovalService(session_factory, clock, settings.station, auth,
                                printing=printing)
    return Services(
        settings=settings,
        engine=engine,
        session_factory=session_factory,
        clock=clock,
        auth=auth,
        lookup=lookup,
        decisions=DecisionService(session_factory, clock, settings.station),
        receiving=ReceivingService(session_factory, clock, settings.station, lookup),
        approvals=approvals,
        users=UserService(session_factory, clock, settings.station),
        printing=printing,
        inspection=inspection,
        claims=ClaimsService(session_factory, clock, settings.station, inspection),
        holds=HoldService(session_factory, clock, settings.station),
        imports=ImportService(session_factory, clock, settings.station),
        exports=ExportService(session_factory, clock, settings.station),
        reports=ReportService(session_factory, clock),
        authlog=AuthorizationLogService(session_factory, clock, approvals, inspection.store),
    )


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
    return database_is_empty(services.session_factory)


def load_first_start_demo(services: Services) -> None:
    """The first-start screen's "explore with demo data" (refused unless empty)."""
    log.info("empty database: loading demo data, as asked at first start")
    load_demo_data(services.session_factory, orders=FIRST_START_DEMO_ORDERS,
                   seed=FIRST_START_DEMO_SEED, today=services.clock.now().date())
