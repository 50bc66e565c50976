from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.services.auth import SignedInUser
from app.services.demo_data import DemoSummary, load_demo_data
from models import User
from models.db import make_engine, make_session_factory, upgrade
from tests.helpers.postgres import PostgresServer

DEMO_DAY = dt.date(2026, 4, 15)


@pytest.fixture
def demo(session_factory: sessionmaker[Session]) -> DemoSummary:
    """A small demo database inside the test's rolled-back transaction."""
    return load_demo_data(session_factory, orders=120, seed=11, today=DEMO_DAY)


def user_named(sf: sessionmaker[Session], username: str) -> SignedInUser:
    """A demo user as the services see a signed-in one (ids differ per backend)."""
    with sf() as s:
        u = s.scalars(select(User).where(User.username == username)).one()
        return SignedInUser(u.id, u.username, u.display_name, u.role)


@pytest.fixture
def pg_demo_url(pg_server: PostgresServer) -> Iterator[str]:
    """A PostgreSQL database of its own with committed demo data, for tests where several
    benches (engines, threads) must see each other's commits."""
    name = f"rb_{uuid.uuid4().hex[:12]}"
    url = pg_server.create_database(name)
    engine = make_engine(url)
    upgrade(engine)
    load_demo_data(make_session_factory(engine), orders=60, seed=11, today=DEMO_DAY)
    engine.dispose()
    yield url
    pg_server.psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
