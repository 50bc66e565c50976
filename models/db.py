"""Engine and session factory, and the schema upgrade that runs on every start."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, Engine, create_engine, event, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DatabaseError, OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from app.errors import BadInput, DatabaseUnavailable, EnvironmentFault, SchemaTooNew

if TYPE_CHECKING:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

log = logging.getLogger(__name__)
# The newest migration; a test keeps it equal to Alembic's head. Knowing it here lets a
# start on an up-to-date database skip importing Alembic (about 0.2 s of start-up).
HEAD_REVISION = "0023"

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def make_engine(url: str) -> Engine:
    """An engine for `url`; SQLite gets WAL, foreign keys and a busy timeout."""
    try:
        parsed = make_url(url)
        parsed.port  # noqa: B018 - a port that is not a number fails here, not at connect
    except (ArgumentError, ValueError) as exc:
        raise BadInput(f"Database URL {url[:200]!r} is not valid: {exc}") from exc
    if parsed.get_backend_name() == "postgresql" and parsed.get_driver_name() in (
        "",
        "psycopg2",
    ):
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.get_backend_name() == "sqlite":
        engine = create_engine(parsed, connect_args={"timeout": 15})
        event.listen(engine, "connect", _sqlite_on_connect)
        return engine
    if parsed.get_backend_name() == "postgresql":
        # A link that dies silently (Wi-Fi gone, no reset) is noticed in seconds, not
        # minutes: TCP keepalives on an idle connection, and a send nobody acknowledges
        # fails after 5 s; then the bench goes offline (app/offline.py).
        return create_engine(parsed, pool_pre_ping=True, connect_args={
            "connect_timeout": 5, "keepalives": 1, "keepalives_idle": 5,
            "keepalives_interval": 2, "keepalives_count": 2, "tcp_user_timeout": 5000})
    raise BadInput(
        f"Database URL {url!r}: only sqlite:///PATH and postgresql://... are supported."
    )


def _sqlite_on_connect(dbapi_conn, _record) -> None:  # type: ignore[no-untyped-def]
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


def describe(engine: Engine) -> str:
    """The database as shown in the status bar (no password)."""
    url = engine.url
    if url.get_backend_name() == "sqlite":
        return f"SQLite {url.database or ':memory:'}"
    host = url.host or url.query.get("host") or "localhost"
    port = url.port or url.query.get("port") or 5432
    return f"PostgreSQL {host}:{port}/{url.database}"


def alembic_config() -> Config:
    """Alembic's config; the app always hands migrations its own connection, so no URL."""
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    return cfg


def head_revision() -> str:
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def upgrade(engine: Engine) -> None:
    """Bring the schema to this app's head; refuse a schema from a newer app."""
    try:
        if _current_revision(engine) == HEAD_REVISION:
            return
        from alembic import command
        from alembic.runtime.migration import MigrationContext
        from alembic.script import ScriptDirectory

        cfg = alembic_config()
        script = ScriptDirectory.from_config(cfg)
        with engine.connect() as conn, _migrating(conn):
            current = MigrationContext.configure(conn).get_current_revision()
            if current is not None and _unknown_revision(script, current):
                raise SchemaTooNew(
                    f"This database ({describe(engine)}) was upgraded by a newer ReturnBench "
                    f"(schema {current}); install the newer version. Nothing was changed."
                )
            if current == script.get_current_head():
                return
            if current is None and inspect(conn).get_table_names():
                raise BadInput(
                    f"{describe(engine)} holds tables that are not a ReturnBench database; "
                    "choose another database. Nothing was changed."
                )
            cfg.attributes["connection"] = conn
            log.info("upgrading schema from %s to %s", current, script.get_current_head())
            command.upgrade(cfg, "head")
            if conn.dialect.name == "sqlite":
                broken = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                if broken:  # rolled back with the rest: the database stays as it was
                    raise EnvironmentFault(
                        f"Upgrading {describe(engine)} would leave {len(broken)} broken "
                        f"references (first: {tuple(broken[0])}); nothing was changed.")
    except OperationalError as exc:
        raise DatabaseUnavailable(_operational_message(engine, exc)) from exc


@contextmanager
def _migrating(conn: Connection) -> Iterator[None]:
    """One transaction for the whole upgrade, DDL included, so a failed one leaves the
    database as it was. On SQLite that takes two things the driver does not do by itself:
    a BEGIN it issues before CREATE and ALTER too (its own only covers INSERT, UPDATE and
    DELETE), and foreign keys off while Alembic's batch mode rebuilds a table (dropping
    the old one fails as soon as rows point at it; `foreign_key_check` runs before the
    commit instead). Both are put back whatever happened."""
    if conn.dialect.name != "sqlite":
        with conn.begin():
            yield
        return
    dbapi = conn.connection.dbapi_connection
    assert dbapi is not None
    conn.exec_driver_sql("PRAGMA foreign_keys=OFF")  # only works outside a transaction
    conn.commit()
    before = dbapi.isolation_level
    dbapi.isolation_level = None
    try:
        with conn.begin():
            if not dbapi.in_transaction:
                conn.exec_driver_sql("BEGIN")
            yield
    finally:
        dbapi.isolation_level = before
        conn.exec_driver_sql("PRAGMA foreign_keys=ON")
        conn.commit()


def _current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return None
        value = conn.scalar(text("SELECT version_num FROM alembic_version"))
        return None if value is None else str(value)


def _unknown_revision(script: ScriptDirectory, revision: str) -> bool:
    return all(rev.revision != revision for rev in script.walk_revisions())


def _operational_message(engine: Engine, exc: SQLAlchemyError) -> str:
    detail = str(getattr(exc, "orig", exc)).strip().splitlines()[0]
    if "readonly" in detail or "read-only" in detail:
        return (f"Cannot write to the database {describe(engine)}: {detail}. "
                "Check the folder's permissions.")
    return (f"Cannot open the database {describe(engine)}: {detail}. "
            "Check the address and that the server is running.")


def check_connection(engine: Engine) -> None:
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
            if engine.dialect.name == "sqlite":  # reads the file's header: is it SQLite?
                conn.execute(text("PRAGMA schema_version"))
    except OperationalError as exc:
        raise DatabaseUnavailable(_operational_message(engine, exc)) from exc
    except DatabaseError as exc:
        raise BadInput(f"{engine.url.database or engine.url}: not a ReturnBench database "
                       "(not an SQLite file); give another --db") from exc


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)
