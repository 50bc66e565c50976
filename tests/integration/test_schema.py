"""The schema: migrations match the models, upgrade is safe, column types are exact."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, inspect, select, text
from sqlalchemy.exc import IntegrityError, StatementError
from sqlalchemy.orm import Session, sessionmaker

from app.domain.enums import Brand, PriceTier
from app.errors import BadInput, SchemaTooNew
from models import AppMeta, Base, Style
from models.db import HEAD_REVISION, head_revision, make_engine, upgrade
from tests.helpers.postgres import PostgresServer


def test_migrations_build_exactly_the_models(engine: Engine) -> None:
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []


def test_fast_path_head_matches_alembic() -> None:
    assert HEAD_REVISION == head_revision()


def test_upgrade_is_idempotent_and_at_head(engine: Engine) -> None:
    upgrade(engine)
    with engine.connect() as conn:
        assert MigrationContext.configure(conn).get_current_revision() == head_revision()


def _fresh_engines(tmp_path, pg_server: PostgresServer | None, name: str) -> Engine:  # type: ignore[no-untyped-def]
    if pg_server is None:
        return make_engine(f"sqlite:///{tmp_path / (name + '.db')}")
    return make_engine(pg_server.create_database(name))


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def fresh_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    server = request.getfixturevalue("pg_server") if request.param == "postgresql" else None
    engine = _fresh_engines(tmp_path, server, f"fresh_{request.node.name[-12:-1]}".lower()
                            .replace("-", "_").replace("[", "_"))
    yield engine
    engine.dispose()


def test_schema_from_a_newer_app_is_refused_and_untouched(fresh_engine: Engine) -> None:
    upgrade(fresh_engine)
    with fresh_engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = 'future9999'"))
    with pytest.raises(SchemaTooNew, match="newer ReturnBench"):
        upgrade(fresh_engine)
    with fresh_engine.connect() as conn:
        assert conn.scalar(text("SELECT version_num FROM alembic_version")) == "future9999"


def test_a_database_of_something_else_is_refused(fresh_engine: Engine) -> None:
    with fresh_engine.begin() as conn:
        conn.execute(text("CREATE TABLE invoices (id INTEGER PRIMARY KEY)"))
    with pytest.raises(BadInput, match="not a ReturnBench database"):
        upgrade(fresh_engine)
    with fresh_engine.connect() as conn:
        assert conn.scalar(text("SELECT count(*) FROM invoices")) == 0


def test_money_and_time_round_trip_exactly(session_factory: sessionmaker[Session]) -> None:
    with session_factory() as s:
        s.add(Style(code="T-1", brand=Brand.KISSPROM, name="Test gown", silhouette="A-line",
                    msrp=Decimal("229.99"), price_tier=PriceTier.MID, clearance=False))
        s.commit()
        style = s.scalars(select(Style).where(Style.code == "T-1")).one()
        s.expire_all()
        assert style.msrp == Decimal("229.99") and isinstance(style.msrp, Decimal)


def test_money_must_be_decimal(session_factory: sessionmaker[Session]) -> None:
    with session_factory() as s:
        s.add(Style(code="T-2", brand=Brand.KISSPROM, name="x", silhouette="x",
                    msrp=229.99, price_tier=PriceTier.MID))
        with pytest.raises(StatementError, match="Decimal"):
            s.flush()


def test_enum_columns_reject_unknown_values(session_factory: sessionmaker[Session]) -> None:
    with session_factory() as s:
        s.add(Style(code="T-3", brand=Brand.KISSPROM, name="x", silhouette="x",
                    msrp=Decimal("1.00"), price_tier=PriceTier.MID))
        s.flush()
        with pytest.raises(IntegrityError):
            with s.begin_nested():
                s.execute(text("UPDATE styles SET price_tier = 'bogus' WHERE code = 'T-3'"))


def test_timestamps_come_back_aware_utc(session_factory: sessionmaker[Session]) -> None:
    from app.domain.enums import Role
    from models import User

    local = dt.datetime(2026, 4, 15, 10, 30, tzinfo=dt.timezone(dt.timedelta(hours=-7)))
    with session_factory() as s:
        s.add(User(username="t", display_name="T", role=Role.INSPECTOR, pin_hash="x",
                   created_at=local))
        s.commit()
        s.expire_all()
        user = s.scalars(select(User).where(User.username == "t")).one()
        assert user.created_at == local and user.created_at.tzinfo is not None
        assert user.created_at.utcoffset() == dt.timedelta(0)
        s.add(User(username="n", display_name="N", role=Role.INSPECTOR, pin_hash="x",
                   created_at=dt.datetime(2026, 1, 1)))
        with pytest.raises(StatementError, match="naive"):
            s.flush()


def test_app_meta_key_value(session_factory: sessionmaker[Session]) -> None:
    with session_factory() as s:
        s.add(AppMeta(key="k", value="v"))
        s.commit()
        assert s.get(AppMeta, "k").value == "v"  # type: ignore[union-attr]


def _downgrade(engine: Engine, revision: str) -> None:
    """Back to an older schema, as an older app left the database (SQLite rebuilds tables
    to drop columns: its foreign keys are off meanwhile, as for any batch migration)."""
    from alembic import command

    from models.db import alembic_config

    sqlite = engine.dialect.name == "sqlite"
    with engine.connect() as conn:
        if sqlite:
            conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
            conn.commit()
        with conn.begin():
            cfg = alembic_config()
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, revision)
        if sqlite:
            conn.exec_driver_sql("PRAGMA foreign_keys=ON")
            conn.commit()


def test_a_database_in_use_upgrades_with_its_rows(fresh_engine: Engine, tmp_path: Path) -> None:
    """A bench's database from the release before (schema 0008, returns decided and
    labelled in it) upgrades on start, every row kept and every reference still valid: on
    SQLite the migration that rebuilds `return_items` must not trip over the decisions,
    inspections and print jobs that point at it."""
    from sqlalchemy import func

    from app.clock import FixedClock
    from app.domain.enums import Grade
    from app.services.decisions import InspectionInput, with_grade
    from app.services.demo_data import load_demo_data
    from app.wiring import wire
    from models import Decision, ReturnItem
    from models.db import make_session_factory
    from tests.helpers.rmas import refundable
    from tests.integration.conftest import user_named

    upgrade(fresh_engine)
    sf = make_session_factory(fresh_engine)
    load_demo_data(sf, orders=40, seed=3, today=dt.date(2026, 11, 22))
    clock = FixedClock(dt.datetime(2026, 11, 23, 17, 0, tzinfo=dt.UTC))
    bench = wire(sf, clock, "TEST-BENCH", tmp_path / "photos", f"file:{tmp_path / 'labels'}")
    session = bench.session_for(clock)
    session.use(user_named(sf, "ines"))
    session.scan(refundable(sf))
    session.open_inspection()
    session.forms[1] = with_grade(InspectionInput(), Grade.A)
    assert session.accept().data.get("saved")
    with fresh_engine.connect() as conn:
        counts = {t: conn.scalar(text(f"SELECT count(*) FROM {t}")) for t in
                  ("return_items", "decisions", "inspections", "print_jobs", "audit_events")}
    assert counts["decisions"] == 1 and counts["print_jobs"] >= 1
    _downgrade(fresh_engine, "0008")
    upgrade(fresh_engine)
    with fresh_engine.connect() as conn:
        assert {t: conn.scalar(text(f"SELECT count(*) FROM {t}")) for t in counts} == counts
        assert MigrationContext.configure(conn).get_current_revision() == HEAD_REVISION
        if fresh_engine.dialect.name == "sqlite":
            assert conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall() == []
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    with sf() as s:  # the models read the upgraded rows
        assert s.scalar(select(func.count()).select_from(ReturnItem)) == counts["return_items"]
        assert s.scalar(select(func.count()).select_from(Decision)) == 1


def test_a_failed_upgrade_leaves_the_sqlite_database_as_it_was(tmp_path: Path) -> None:
    """The whole upgrade is one transaction, DDL included: when its reference check finds
    a broken row (one an old bug left), nothing of the new schema stays behind and the
    app can start again once the row is mended."""
    from app.errors import EnvironmentFault

    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    try:
        upgrade(engine)
        _downgrade(engine, "0008")
        with engine.connect() as conn:  # a hold on an item that does not exist
            conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
            conn.commit()
            conn.exec_driver_sql(
                "INSERT INTO item_holds (return_item_id, user_id, station_id, acquired_at, "
                "expires_at) VALUES (999, 999, 999, '2026-11-22', '2026-11-22')")
            conn.commit()
            conn.exec_driver_sql("PRAGMA foreign_keys=ON")
            conn.commit()
        with pytest.raises(EnvironmentFault, match=r"broken references.*nothing was changed"):
            upgrade(engine)
        with engine.connect() as conn:
            names = set(inspect(conn).get_table_names())
            assert "locations" not in names and not any("alembic_tmp" in n for n in names)
            assert conn.scalar(text("SELECT version_num FROM alembic_version")) == "0008"
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            conn.exec_driver_sql("DELETE FROM item_holds")
            conn.commit()
        upgrade(engine)
        with engine.connect() as conn:
            assert conn.scalar(text("SELECT version_num FROM alembic_version")) == HEAD_REVISION
    finally:
        engine.dispose()
