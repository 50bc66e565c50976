"""Sixty days of the warehouse's work, played through the bench's own services.

A clock walks the last 60 days; on each business day parcels arrive and are scanned in at
three benches by the demo users, graded, photographed when damaged and decided through
the bench session (the same one the window drives), so every row, label, approval and
audit entry is one the app itself wrote. Managers answer requests, claims staff open
carrier claims and close claims, and the settlements leave in export batches twice a
week. The walk stops at the start of `today` in the warehouse's time zone, leaving the
work a bench finds in the morning: parcels to receive, items half inspected, requests
and claims waiting, a few past their due times.

Everything comes from the seed and the day: the same seed on the same day gives the
same database, photos and labels."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import asdict, replace

from sqlalchemy.orm import Session, sessionmaker

from app.demo_history.core import (
    BENCHES,
    HISTORY_DAYS,
    HistoryFailed,
    HistoryPlaces,
    HistorySummary,
)
from app.demo_history.day import _History
from app.services.demo_data import DemoSummary, load_demo_data, record_history

__all__ = ["BENCHES", "HISTORY_DAYS", "HistoryFailed", "HistoryPlaces", "HistorySummary",
           "build_history", "load_demo"]


def load_demo(session_factory: sessionmaker[Session], *, orders: int, seed: int,
              today: dt.date, places: HistoryPlaces | None,
              progress: Callable[[int, int], None] | None = None) -> DemoSummary:
    """Demo data into a new, empty database, and (with `places`) its 60 days of history
    up to the start of `today`, a local date of the warehouse."""
    summary = load_demo_data(session_factory, orders=orders, seed=seed, today=today)
    if places is None:
        return summary
    played = asdict(build_history(session_factory, seed=seed, today=today, places=places,
                                  progress=progress))
    record_history(session_factory, played)
    return replace(summary, history=played)


def build_history(session_factory: sessionmaker[Session], *, seed: int, today: dt.date,
                  places: HistoryPlaces,
                  progress: Callable[[int, int], None] | None = None) -> HistorySummary:
    """Play the last `HISTORY_DAYS` days before `today` (a local date of the warehouse)
    through the services. The database holds the plain demo data already."""
    return _History(session_factory, seed, today, places, progress).run()
