"""Shared fixtures: isolated data dir, real databases (SQLite and PostgreSQL), a fixed clock."""

from __future__ import annotations

import datetime as dt
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, event
from sqlalchemy.orm import Session, sessionmaker

from app.bootstrap import Services, bootstrap
from app.clock import FixedClock
from app.config import load_settings
from app.services.demo_data import load_demo_data
from models.db import make_engine, make_session_factory, upgrade
from tests.helpers.logfail import fail_on_logged_warnings  # noqa: F401 - autouse fixture
from tests.helpers.postgres import PostgresServer, PostgresUnavailable, start_server

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
NOW = dt.datetime(2026, 4, 15, 17, 30, tzinfo=dt.UTC)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "allow_log_warnings: the test expects logged warnings")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # Under CI a skipped test is a failure: nothing is allowed to quietly not run.
    if IN_CI:
        config.pluginmanager.register(_NoSkipInCI(), "no-skip-in-ci")


class _NoSkipInCI:
    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(self, item, call):  # type: ignore[no-untyped-def]
        outcome = yield
        report = outcome.get_result()
        if report.skipped and not hasattr(report, "wasxfail"):
            report.outcome = "failed"
            report.longrepr = f"skipped under CI=true (skips count as failures): {report.longrepr}"


@pytest.fixture(autouse=True)
def _isolated_data_dir(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """Tests never read or write the user's real data dir or settings."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "config"))
    monkeypatch.setenv("RETURNBENCH_DATA_DIR", str(home / "returnbench"))
    monkeypatch.delenv("RETURNBENCH_DB", raising=False)
    monkeypatch.setenv("RETURNBENCH_STATION", "TEST-BENCH")
    yield home / "returnbench"


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


def _serve() -> Iterator[PostgresServer]:
    try:
        server = start_server()
    except PostgresUnavailable as exc:
        if IN_CI:
            pytest.fail(f"PostgreSQL is required under CI=true: {exc}", pytrace=False)
        pytest.skip(f"PostgreSQL not available: {exc}")
    try:
        yield server
    finally:
        server.destroy()


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PostgresServer]:
    yield from _serve()


def _transactional_sqlite(engine: Engine) -> None:
    # pysqlite's own transaction handling breaks SAVEPOINT; let SQLAlchemy emit BEGIN.
    @event.listens_for(engine, "connect")
    def _connect(dbapi_conn, _rec):  # type: ignore[no-untyped-def]
        dbapi_conn.isolation_level = None

    @event.listens_for(engine, "begin")
    def _begin(conn):  # type: ignore[no-untyped-def]
        conn.exec_driver_sql("BEGIN")


@pytest.fixture(scope="session")
def sqlite_engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    path = tmp_path_factory.mktemp("sqlite") / "test.db"
    engine = make_engine(f"sqlite:///{path}")
    _transactional_sqlite(engine)
    upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def pg_engine(pg_server: PostgresServer) -> Iterator[Engine]:
    engine = make_engine(pg_server.create_database("returnbench_test"))
    upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def engine(request: pytest.FixtureRequest) -> Engine:
    name = "sqlite_engine" if request.param == "sqlite" else "pg_engine"
    return request.getfixturevalue(name)  # type: ignore[no-any-return]


@pytest.fixture
def session_factory(engine: Engine) -> Iterator[sessionmaker[Session]]:
    """Sessions inside one outer transaction that is rolled back after the test; services'
    commits become savepoint releases (schema built once per run)."""
    connection = engine.connect()
    outer = connection.begin()
    factory = sessionmaker(bind=connection, expire_on_commit=False,
                           join_transaction_mode="create_savepoint")
    try:
        yield factory
    finally:
        outer.rollback()
        connection.close()


@pytest.fixture
def fresh_sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'fresh.db'}"


@pytest.fixture
def pg_demo_url(pg_server: PostgresServer) -> Iterator[str]:
    """A PostgreSQL database of its own with committed demo data, for tests where several
    benches (engines, threads) must see each other's commits."""
    name = f"rb_{uuid.uuid4().hex[:12]}"
    url = pg_server.create_database(name)
    engine = make_engine(url)
    upgrade(engine)
    load_demo_data(make_session_factory(engine), orders=60, seed=11, today=NOW.date())
    engine.dispose()
    yield url
    pg_server.psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="module")
def own_server() -> Iterator[PostgresServer]:
    """Not the session's shared server: this one is stopped and started mid-test."""
    yield from _serve()


@pytest.fixture
def restartable_services(own_server: PostgresServer) -> Iterator[Services]:
    """A bench's services on `own_server` (which the test may stop and start), with a
    little demo data."""
    url = own_server.create_database(f"rb_{uuid.uuid4().hex[:12]}")
    services = bootstrap(load_settings(url, "BENCH-A"), FixedClock(NOW))
    load_demo_data(services.session_factory, orders=30, seed=3, today=NOW.date())
    yield services
    services.dispose()
