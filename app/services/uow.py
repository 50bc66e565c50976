"""The unit of work: one transaction per use case, rolled back unless committed; and
`retrying`, which runs a whole use case again when the database undid it because another
bench wrote the same rows at the same moment."""

from __future__ import annotations

import functools
import logging
import random
import time
from collections.abc import Callable
from types import TracebackType
from typing import ParamSpec, Self, TypeVar

from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from app import audit
from app.errors import Contention, DatabaseUnavailable

log = logging.getLogger(__name__)
P = ParamSpec("P")
T = TypeVar("T")

# PostgreSQL: serialization_failure, deadlock_detected, lock_not_available.
_RETRYABLE_SQLSTATES = {"40001", "40P01", "55P03"}
ATTEMPTS = 6


def is_contention(exc: BaseException) -> bool:
    """A write undone because of another transaction, not because the database is gone."""
    if isinstance(exc, StaleDataError):
        return True
    if isinstance(exc, DBAPIError):
        if getattr(exc.orig, "sqlstate", None) in _RETRYABLE_SQLSTATES:
            return True
        return "database is locked" in str(exc.orig)
    return False


class UnitOfWork:
    def __init__(self, session_factory: sessionmaker[Session]) -> None:
        self._session_factory = session_factory
        self._session: Session | None = None

    @property
    def session(self) -> Session:
        if self._session is None:
            raise RuntimeError("unit of work used outside `with`")
        return self._session

    def __enter__(self) -> Self:
        audit.install()  # the chain and the row seals ride on every commit
        self._session = self._session_factory()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        session = self.session
        try:
            session.rollback()
        except DBAPIError:  # the connection is gone already: nothing left to undo
            log.debug("rollback on a dead connection", exc_info=True)
        finally:
            session.close()
            self._session = None
        if exc is not None and is_contention(exc):
            raise Contention(
                "Another bench changed this at the same moment, so it was not saved. "
                "Try again."
            ) from exc
        if isinstance(exc, OperationalError):
            raise DatabaseUnavailable(
                "The database stopped answering; your last action was not saved. "
                "Check the connection and try again."
            ) from exc

    def commit(self) -> None:
        self.session.commit()


def retrying(fn: Callable[P, T]) -> Callable[P, T]:
    """Run a use case again (a few times, with a short random pause) when the database
    undid it for contention. Only for use cases whose every effect is in their own
    transaction, so a second run starts clean. A user sees Contention only if every
    attempt lost, which under real bench load does not happen."""

    @functools.wraps(fn)
    def run(*args: P.args, **kwargs: P.kwargs) -> T:
        for attempt in range(1, ATTEMPTS + 1):
            try:
                return fn(*args, **kwargs)
            except Contention:
                if attempt == ATTEMPTS:
                    raise
                log.info("%s: contention, attempt %d of %d", fn.__qualname__, attempt,
                         ATTEMPTS)
                time.sleep(random.uniform(0.005, 0.03) * attempt)
        raise AssertionError("unreachable")

    return run
