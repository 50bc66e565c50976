"""SQL shapes that let the reports read a month of a million returns through indexes:
a count per key of an enum (index range counts, no grouping), first and last per day
(index seeks), and the milliseconds between two timestamps (spelt per database)."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Float, cast, column, func, literal_column, select, text, values
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.types import NullType

from models.types import UTCDateTime


def _dialect(s: Session) -> str:
    return s.get_bind().dialect.name


def analytic(s: Session) -> None:
    """A report's transaction on PostgreSQL: no JIT compiling (it spends 0.2 s compiling
    a query that then runs in less), and index reads costed as what they are for tables
    in memory or on an SSD (the default 4.0 is a spinning disk's: the planner then reads
    a million order lines whole to join a day's orders)."""
    if _dialect(s) == "postgresql":
        s.execute(text("SET LOCAL jit = off"))
        s.execute(text("SET LOCAL random_page_cost = 1.1"))


def count_each(s: Session, keys: Sequence[ColumnElement[bool]],
               *where: ColumnElement[bool]) -> list[int]:
    """How many rows match each key (and `where`), in one statement: a count per key,
    each an index range (an index that leads with the key's columns and ends with the
    range's makes each a seek and a count, with no grouping)."""
    counts = [select(func.count()).where(key, *where).scalar_subquery() for key in keys]
    row = s.execute(select(*counts)).one()
    return [int(n or 0) for n in row]


def first_and_last(s: Session, who: ColumnElement[bool], at: Any,
                   bounds: Sequence[dt.datetime]) -> tuple[int, list[tuple[Any, Any]]]:
    """Rows of `who` with `at` in [bounds[0], bounds[-1]), and per period between two
    bounds that has any, its first and last `at` (two index seeks per period)."""
    total = int(s.scalar(select(func.count()).where(
        who, at >= bounds[0], at < bounds[-1])) or 0)
    if not total:
        return 0, []
    periods = values(column("lo", UTCDateTime()), column("hi", UTCDateTime()),
                     name="periods").data(list(itertools.pairwise(bounds))).cte("periods")
    first = select(func.min(at)).where(who, at >= periods.c.lo, at < periods.c.hi)
    last = select(func.max(at)).where(who, at >= periods.c.lo, at < periods.c.hi)
    rows = s.execute(select(first.scalar_subquery(), last.scalar_subquery())
                     .select_from(periods)).all()
    return total, [(a, b) for a, b in rows if a is not None]


def rare(s: Session, condition: ColumnElement[bool]) -> ColumnElement[bool]:
    """A condition few rows meet (units still decided among a million completed): said
    to SQLite's planner, which has no histograms and would otherwise scan the other side
    of the join. PostgreSQL's statistics know it already."""
    if _dialect(s) == "sqlite":
        # Untyped, so it is the WHERE term itself (not "likelihood(...) = 1"), and the
        # probability a literal, as SQLite requires.
        return func.likelihood(condition, literal_column("0.001"), type_=NullType())
    return condition


def milliseconds_between(s: Session, start: Any, end: Any) -> ColumnElement[float]:
    """To the millisecond (SQLite's julianday holds about that much)."""
    if _dialect(s) == "sqlite":
        return (func.julianday(end, type_=Float) - func.julianday(start, type_=Float)) \
            * 86_400_000.0
    return cast(func.extract("epoch", end - start), Float) * 1000.0
