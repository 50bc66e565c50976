"""Business days (Monday to Friday, minus the policy's holidays) in the warehouse's zone."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from zoneinfo import ZoneInfo


def local_date(moment: dt.datetime, tz: ZoneInfo) -> dt.date:
    return moment.astimezone(tz).date()


def is_business_day(day: dt.date, holidays: Collection[dt.date]) -> bool:
    return day.weekday() < 5 and day not in holidays


def add_business_days(start: dt.date, days: int, holidays: Collection[dt.date]) -> dt.date:
    """The date `days` business days after `start` (start itself is day 0)."""
    current = start
    remaining = days
    while remaining > 0:
        current += dt.timedelta(days=1)
        if is_business_day(current, holidays):
            remaining -= 1
    return current


def hours_later_local_date(moment: dt.datetime, hours: int, tz: ZoneInfo) -> dt.date:
    """The local date `hours` clock hours after `moment` (no rolling past weekends)."""
    return (moment + dt.timedelta(hours=hours)).astimezone(tz).date()
