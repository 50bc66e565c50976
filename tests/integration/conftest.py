from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy.orm import Session, sessionmaker

from app.services.demo_data import DemoSummary, load_demo_data

DEMO_DAY = dt.date(2026, 4, 15)


@pytest.fixture
def demo(session_factory: sessionmaker[Session]) -> DemoSummary:
    """A small demo database inside the test's rolled-back transaction."""
    return load_demo_data(session_factory, orders=120, seed=11, today=DEMO_DAY)
