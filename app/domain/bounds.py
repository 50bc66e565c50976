"""The range of dates the app accepts anywhere a person or a file gives one: a return
bench deals with this century; year 1 or 9999 is a typo (and would overflow the date
arithmetic of due dates)."""

from __future__ import annotations

import datetime as dt

FIRST_DAY = dt.date(1990, 1, 1)
LAST_DAY = dt.date(2100, 12, 31)


def date_in_range(day: dt.date) -> str | None:
    """None when the date is usable, else why not."""
    if not FIRST_DAY <= day <= LAST_DAY:
        return f"{day.isoformat()} is outside {FIRST_DAY.year}-{LAST_DAY.year}: a typo?"
    return None
