from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.services.auth import SignedInUser
from app.services.demo_data import DemoSummary, load_demo_data
from models import User

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

