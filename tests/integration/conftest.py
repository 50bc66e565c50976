from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.services.auth import SignedInUser
from app.services.demo_data import DemoSummary, load_demo_data
from models import User
from models.db import make_engine, make_session_factory, upgrade
from tests.conftest import NOW

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



@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def committed_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database of its own with committed demo data, which every engine sees (and
    whose planner statistics are those of committed rows, as at a warehouse)."""
    if request.param == "postgresql":
        yield request.getfixturevalue("pg_demo_url")
        return
    url = f"sqlite:///{tmp_path / 'committed.db'}"
    engine = make_engine(url)
    upgrade(engine)
    load_demo_data(make_session_factory(engine), orders=60, seed=11, today=NOW.date())
    engine.dispose()
    yield url


@pytest.fixture
def committed_sf(committed_url: str) -> Iterator[sessionmaker[Session]]:
    """Sessions on `committed_url`: what the services write is committed for real."""
    engine = make_engine(committed_url)
    try:
        yield make_session_factory(engine)
    finally:
        engine.dispose()
