"""The bench's local copy (issue 20, first part): what a bench needs to go on working when
its server is unreachable, in a SQLite file of the app's own schema on the bench's disk,
so the same services (lookup, sign-in) read it unchanged.

What it holds: the catalogue (styles, products), the returns still to be received or
decided that were issued in the last `days` days (120: a return window and
more) and are not closed or cancelled with their orders, lines and customers,
the stations, the location map and the archived policies; every user's name and role,
but the PIN hash only of those who signed in at this bench online in the last 12 hours
(an offline sign-in cannot be used to guess anyone else's PIN). It is written to a new
file and moved into place in one rename: a bench that dies mid-refresh keeps the last
whole copy. Its age is what the status bar shows."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Table, delete, insert, select
from sqlalchemy.orm import Session, sessionmaker

from app.clock import Clock
from app.domain.enums import DecisionStatus, RmaStatus
from app.errors import EnvironmentFault
from app.services.auth import LOCAL_COPY, OFFLINE_NO_PIN
from app.services.demo_data import DEMO_META_KEY
from app.services.uow import UnitOfWork
from models import (
    AppMeta,
    AuditEvent,
    Customer,
    Location,
    Order,
    OrderLine,
    PolicyVersion,
    Product,
    ReturnAuthorization,
    ReturnItem,
    Station,
    Style,
    User,
)
from models.db import make_engine, make_session_factory, upgrade

REFRESHED = "local_copy.refreshed_at"
PIN_HOURS = 12
NO_PIN = OFFLINE_NO_PIN + ": signed in at this bench online in the last 12 hours only"
# Parents before children: the order rows are written in (and deleted in reverse).
TABLES: tuple[Table, ...] = tuple(m.__table__ for m in (  # type: ignore[misc]
    Station, User, Style, Product, Customer, Order, OrderLine, ReturnAuthorization,
    ReturnItem, Location, PolicyVersion))


@dataclass(frozen=True)
class CopyReport:
    refreshed_at: dt.datetime
    rmas: int
    users_with_pin: tuple[str, ...]
    path: Path

    def words(self) -> str:
        return (f"Local copy of {self.rmas} returns, {len(self.users_with_pin)} PIN"
                f"{'s' if len(self.users_with_pin) != 1 else ''} (made "
                f"{self.refreshed_at:%H:%M} UTC)")


class LocalCopy:
    def __init__(self, session_factory: sessionmaker[Session], clock: Clock, station: str,
                 path: Path, days: int = 120) -> None:
        self._sf = session_factory
        self._clock = clock
        self._station = station
        self.path = path
        self._days = days
        self._read: tuple[int, dt.datetime | None] | None = None  # (file mtime, made at)

    def refresh(self) -> CopyReport:
        """Read what the bench needs from the server and replace the local copy with it
        (a whole new file, renamed over the old one)."""
        now = self._clock.now()
        with UnitOfWork(self._sf) as uow:
            s = uow.session
            rma_ids = select(ReturnItem.rma_id).where(
                ReturnItem.decision_status == DecisionStatus.PENDING).join(
                ReturnAuthorization, ReturnAuthorization.id == ReturnItem.rma_id).where(
                ReturnAuthorization.created_at >= now - dt.timedelta(days=self._days),
                ReturnAuthorization.status.not_in((RmaStatus.CLOSED, RmaStatus.CANCELLED)))
            rmas = s.execute(select(ReturnAuthorization.__table__).where(
                ReturnAuthorization.id.in_(rma_ids))).mappings().all()
            order_ids = {r["order_id"] for r in rmas}
            orders = s.execute(select(Order.__table__).where(
                Order.id.in_(order_ids))).mappings().all() if order_ids else []
            customer_ids = {o["customer_id"] for o in orders}
            rows: dict[str, Sequence[Any]] = {
                "styles": s.execute(select(Style.__table__)).mappings().all(),
                "products": s.execute(select(Product.__table__)).mappings().all(),
                "customers": s.execute(select(Customer.__table__).where(
                    Customer.id.in_(customer_ids))).mappings().all() if customer_ids else [],
                "orders": orders,
                "order_lines": s.execute(select(OrderLine.__table__).where(
                    OrderLine.order_id.in_(order_ids))).mappings().all() if order_ids else [],
                "return_authorizations": rmas,
                "return_items": s.execute(select(ReturnItem.__table__).where(
                    ReturnItem.rma_id.in_([r["id"] for r in rmas]))).mappings().all()
                if rmas else [],
                "stations": s.execute(select(Station.__table__)).mappings().all(),
                "locations": s.execute(select(Location.__table__)).mappings().all(),
                "policy_versions": s.execute(select(PolicyVersion.__table__))
                .mappings().all(),
            }
            recent = set(s.scalars(select(AuditEvent.actor).where(
                AuditEvent.action == "user.signed_in", AuditEvent.station == self._station,
                AuditEvent.at >= now - dt.timedelta(hours=PIN_HOURS))))
            users = [dict(u) for u in s.execute(select(User.__table__)).mappings().all()]
            # A demo server's copy says so (the window's DEMO banner, offline too).
            meta = [dict(m) for m in s.execute(select(AppMeta.__table__).where(
                AppMeta.key == DEMO_META_KEY)).mappings().all()]
        for u in users:  # names and roles for everyone; a PIN only for who was here
            if u["username"] not in recent:
                u["pin_hash"] = NO_PIN
        rows["users"] = users
        self._write(rows, now, meta)
        return CopyReport(now, len(rmas),
                          tuple(sorted(u["username"] for u in users
                                       if u["pin_hash"] != NO_PIN)), self.path)

    def _write(self, rows: dict[str, Sequence[Any]], now: dt.datetime,
               meta: Sequence[dict[str, Any]] = ()) -> None:
        fresh = self.path.with_suffix(".new")
        fresh.unlink(missing_ok=True)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        engine = make_engine(f"sqlite:///{fresh}")
        try:
            upgrade(engine)
            with engine.begin() as conn:
                for table in reversed(TABLES):
                    conn.execute(delete(table))
                for table in TABLES:
                    data = [dict(r) for r in rows[table.name]]
                    if data:
                        conn.execute(table.insert(), data)
                conn.execute(delete(AppMeta).where(AppMeta.key.in_(
                    [REFRESHED, *(m["key"] for m in meta)])))
                conn.execute(insert(AppMeta), [{"key": REFRESHED, "value": now.isoformat()},
                                               *meta])
        finally:
            engine.dispose()
        os.replace(fresh, self.path)  # the old copy or the new one, never half

    def refreshed_at(self) -> dt.datetime | None:
        """When the copy on disk was made (None: there is none)."""
        try:
            stamp = self.path.stat().st_mtime_ns
        except FileNotFoundError:
            return None
        if self._read is not None and self._read[0] == stamp:
            return self._read[1]  # the status bar asks every second: read once per file
        value = self._meta(REFRESHED)
        made = dt.datetime.fromisoformat(value) if value else None
        self._read = (stamp, made)
        return made

    def is_demo(self) -> bool:
        """The copy was made from a demo database (the window's DEMO banner offline)."""
        return self.path.exists() and self._meta(DEMO_META_KEY) is not None

    def _meta(self, key: str) -> str | None:
        engine = make_engine(f"sqlite:///{self.path}")
        try:
            with engine.connect() as conn:
                return conn.scalar(select(AppMeta.value).where(AppMeta.key == key))
        finally:
            engine.dispose()

    def session_factory(self) -> sessionmaker[Session]:
        """The copy, for the services to read when the server is unreachable."""
        if not self.path.exists():
            raise EnvironmentFault("This bench has no local copy yet: it is made while the "
                                   "server answers.")
        factory = make_session_factory(make_engine(f"sqlite:///{self.path}"))
        # The users here are as they were when the copy was made (see require_current).
        factory.configure(info={LOCAL_COPY: True})
        return factory
