"""One item, one bench: a bench holds the units it inspects, so a second bench is told
who has them instead of grading them again. A hold runs out HOLD_SECONDS after the
bench last renewed it (the Inspect page renews it while the inspector works), so a bench
that crashes, loses power or sits idle lets go by itself.

Every write that changes a unit (draft, photo, decision, exception) checks the hold in
the same transaction, with the RMA row locked: that check, not the screen, is what
keeps two benches apart."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.orm import Session, sessionmaker

from app.clock import Clock
from app.domain.enums import DecisionStatus
from app.errors import ItemHeld
from app.permissions import Action, require
from app.services.auth import SignedInUser, require_current
from app.services.common import StationId, load_rma
from app.services.uow import UnitOfWork, retrying
from models import ItemHold, ReturnItem, Station, User

HOLD_SECONDS = 300


@dataclass(frozen=True)
class Holder:
    """Who has a unit, where, since when, and when the hold runs out by itself."""

    unit_no: int
    user: str
    station: str
    since: dt.datetime
    expires_at: dt.datetime

    def sentence(self, rma_number: str) -> str:
        since = self.since.astimezone().strftime("%H:%M")
        until = self.expires_at.astimezone().strftime("%H:%M")
        return (f"Item {self.unit_no} of {rma_number} is being inspected by {self.user} at "
                f"{self.station} since {since}. Put it aside; it frees itself at {until} "
                "if that bench stops.")


@dataclass(frozen=True)
class HoldResult:
    held: tuple[int, ...]
    blocked: tuple[Holder, ...]


def _holder(s: Session, hold: ItemHold, unit_no: int) -> Holder:
    user = s.get(User, hold.user_id)
    station = s.get(Station, hold.station_id)
    return Holder(unit_no, user.display_name if user else "someone",
                  station.name if station else "another bench", hold.acquired_at,
                  hold.expires_at)


def claim(s: Session, item: ReturnItem, user_id: int, station_id: int, now: dt.datetime,
          ttl: int = HOLD_SECONDS) -> Holder | None:
    """Take or renew this bench's hold on `item` inside the caller's transaction (the
    caller holds the RMA row lock). Returns the other bench's holder if it is taken."""
    hold = s.scalars(select(ItemHold).where(ItemHold.return_item_id == item.id)
                     ).one_or_none()
    expires = now + dt.timedelta(seconds=ttl)
    if hold is None:
        s.add(ItemHold(return_item_id=item.id, user_id=user_id, station_id=station_id,
                       acquired_at=now, expires_at=expires))
        s.flush()
        return None
    if hold.station_id != station_id and hold.expires_at > now:
        return _holder(s, hold, item.unit_no)
    if hold.station_id != station_id or hold.user_id != user_id:
        hold.acquired_at = now  # taken over: a lapsed hold, or another user here
    hold.user_id, hold.station_id, hold.expires_at = user_id, station_id, expires
    return None


def require_hold(s: Session, rma_number: str, item: ReturnItem, user_id: int,
                 station_id: int, now: dt.datetime) -> None:
    """Refuse a change to a unit another bench holds; otherwise hold it for this bench."""
    other = claim(s, item, user_id, station_id, now)
    if other is not None:
        raise ItemHeld(other.sentence(rma_number))


def release_items(s: Session, item_ids: Iterable[int]) -> None:
    ids = list(item_ids)
    if ids:
        s.execute(delete(ItemHold).where(ItemHold.return_item_id.in_(ids)))


class HoldService:
    def __init__(self, session_factory: sessionmaker[Session], clock: Clock, station: str,
                 ttl: int = HOLD_SECONDS) -> None:
        self._sf = session_factory
        self._clock = clock
        self._station = station
        self._station_id = StationId(station)
        self.ttl = ttl

    @retrying
    def acquire(self, rma_number: str, user: SignedInUser,
                units: Iterable[int] | None = None) -> HoldResult:
        """Hold the units still to decide (or `units`) for this bench; the ones another
        bench holds come back as `blocked`, with who and where."""
        require(user.role, Action.DECIDE)
        now = self._clock.now()
        with UnitOfWork(self._sf) as uow:
            s = uow.session
            require_current(s, user, Action.DECIDE)
            rma = load_rma(s, rma_number, for_update=True)
            wanted = set(units) if units is not None else {
                it.unit_no for it in rma.items if it.decision_status is DecisionStatus.PENDING}
            station_id = self._station_id(s)
            held, blocked = [], []
            for item in rma.items:
                if item.unit_no not in wanted:
                    continue
                other = claim(s, item, user.id, station_id, now, self.ttl)
                if other is None:
                    held.append(item.unit_no)
                else:
                    blocked.append(other)
            uow.commit()
            return HoldResult(tuple(held), tuple(blocked))

    @retrying
    def renew(self, rma_number: str, user: SignedInUser) -> HoldResult:
        """Keep this bench's holds on the return alive; a unit lost meanwhile (the hold
        ran out and another bench took it) comes back as `blocked`."""
        now = self._clock.now()
        with UnitOfWork(self._sf) as uow:
            s = uow.session
            require_current(s, user, Action.DECIDE)
            rma = load_rma(s, rma_number, for_update=True)
            station_id = self._station_id(s)
            ids = {it.id: it.unit_no for it in rma.items}
            held, blocked = [], []
            for hold in s.scalars(select(ItemHold).where(
                    ItemHold.return_item_id.in_(ids))).all():
                if hold.station_id == station_id:
                    hold.expires_at = now + dt.timedelta(seconds=self.ttl)
                    hold.user_id = user.id
                    held.append(ids[hold.return_item_id])
                elif hold.expires_at > now:
                    blocked.append(_holder(s, hold, ids[hold.return_item_id]))
            uow.commit()
            return HoldResult(tuple(sorted(held)), tuple(blocked))

    @retrying
    def release(self, rma_number: str | None = None) -> int:
        """Let go of this bench's holds (on one return, or all): the bench moved on,
        signed out or locked."""
        with UnitOfWork(self._sf) as uow:
            s = uow.session
            station = s.scalars(select(Station).where(Station.name == self._station)
                                ).one_or_none()
            if station is None:
                return 0
            stmt = delete(ItemHold).where(ItemHold.station_id == station.id)
            if rma_number is not None:
                rma = load_rma(s, rma_number)
                stmt = stmt.where(ItemHold.return_item_id.in_([it.id for it in rma.items]))
            count = s.execute(stmt).rowcount  # type: ignore[attr-defined]
            uow.commit()
            return int(count or 0)

    def holders(self, rma_number: str) -> list[Holder]:
        """Live holds on a return, any bench (for the card and for supervisors)."""
        now = self._clock.now()
        with UnitOfWork(self._sf) as uow:
            s = uow.session
            rma = load_rma(s, rma_number)
            ids = {it.id: it.unit_no for it in rma.items}
            return [_holder(s, h, ids[h.return_item_id]) for h in s.scalars(
                select(ItemHold).where(ItemHold.return_item_id.in_(ids),
                                       ItemHold.expires_at > now)).all()]
