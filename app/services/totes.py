"""Totes at the bench: the locations' rows, tote plates made, the tote a decided dress goes
into (by its disposition and brand), a dress into its tote, a tote closed with its
manifest; and the views of totes, moves and whereabouts that put-away shares."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from app import audit
from app.clock import Clock
from app.domain.enums import DecisionStatus
from app.errors import BadInput
from app.lifecycle import Op, check
from app.locations import LocationMap, load_locations
from app.permissions import Action, require
from app.policy.calendar import add_business_days, local_date
from app.policy.rules import load_policy
from app.printing.labels import ManifestLine, ToteManifestData
from app.scanning.codes import item_plate, tote_check_ok, tote_code
from app.services.auth import SignedInUser, require_current
from app.services.common import StationId, by_code, load_rma, rma_unit
from app.services.outcomes import current_decision, qa_waiting, unit_name
from app.services.unit_moves import move
from app.services.uow import UnitOfWork, retrying
from app.views import ItemLine
from models import (
    Decision,
    Inspection,
    ItemMove,
    Location,
    Lot,
    Order,
    OrderLine,
    Product,
    ReturnAuthorization,
    ReturnItem,
    Tote,
)

MAX_TOTES_AT_ONCE = 200


QA = "qa"  # the tote and rack a dress waits in for its blind re-grade
PREP_KINDS = ("steam", "refurbish")


def expected_back(line: ItemLine) -> dt.date | None:
    """When a dress in steaming or refurbishment is expected back on a shelf: the day it
    arrived there plus the brand policy's prep days (business days); None elsewhere."""
    if line.location_kind not in PREP_KINDS or line.moved_at is None:
        return None
    policy = load_policy(line.brand)
    days = policy.steam_days if line.location_kind == "steam" else policy.refurbish_days
    return add_business_days(local_date(line.moved_at, policy.timezone), days,
                             policy.holidays)


def item_lines(s: Session, condition: Any) -> list[ItemLine]:
    """The decided dresses matching `condition` (on ReturnItem, Tote or Location), in one
    query: their last inspection's grade, current decision, tote, place and last move.
    Each of those is looked up per dress through its index (correlated), so a tote's
    twelve dresses cost twelve index probes, not a pass over every inspection."""
    graded = (select(Inspection.id).where(Inspection.return_item_id == ReturnItem.id,
                                          Inspection.is_draft.is_(False))
              .order_by(Inspection.id.desc()).limit(1).correlate(ReturnItem)
              .scalar_subquery())
    decided = (select(Decision.id).where(Decision.return_item_id == ReturnItem.id,
                                         Decision.superseded.is_(False))
               .order_by(Decision.id.desc()).limit(1).correlate(ReturnItem)
               .scalar_subquery())
    moved_at = (select(func.max(ItemMove.at)).where(ItemMove.return_item_id == ReturnItem.id)
                .correlate(ReturnItem).scalar_subquery())
    rows = s.execute(
        select(ReturnItem, ReturnAuthorization.id, ReturnAuthorization.number, Order.brand,
               OrderLine.sku, OrderLine.description, OrderLine.msrp, Product.size,
               Product.cost, Inspection.grade, Decision.disposition, Decision.refund,
               Decision.credit, Tote.code, Location.code, Location.kind, moved_at)
        .join(ReturnAuthorization, ReturnAuthorization.id == ReturnItem.rma_id)
        .join(Order, Order.id == ReturnAuthorization.order_id)
        .join(Decision, Decision.id == decided)
        .outerjoin(OrderLine, OrderLine.id == ReturnItem.order_line_id)
        .outerjoin(Product, Product.id == OrderLine.product_id)
        .outerjoin(Inspection, Inspection.id == graded)
        .outerjoin(Tote, Tote.id == ReturnItem.tote_id)
        .outerjoin(Location, Location.id == ReturnItem.location_id)
        .where(condition).order_by(ReturnItem.id)).all()
    return [ItemLine(item.id, item_plate(rma_id, item.unit_no), number, item.unit_no, tote,
                     where, kind, sku or "", description or "extra item", size or "",
                     grade.value if grade else "-", disposition.value, brand.value,
                     msrp or Decimal("0.00"), cost, refund + credit, item.restocked_at,
                     moved_at)
            for (item, rma_id, number, brand, sku, description, msrp, size, cost, grade,
                 disposition, refund, credit, tote, where, kind, moved_at) in rows]


FINAL = (DecisionStatus.DECIDED, DecisionStatus.COMPLETED)


@dataclass(frozen=True)
class ToteView:
    code: str
    status: str
    disposition: str | None
    brand: str | None
    items: int
    capacity: int
    location: str | None
    lot: str | None = None

    @property
    def full(self) -> bool:
        return self.items >= self.capacity


@dataclass(frozen=True)
class Destination:
    disposition: str
    brand: str
    tote: ToteView | None  # the open tote for it; None: any empty tote


@dataclass(frozen=True)
class Placed:
    """A dress into a tote: the tote now, and whether it just filled (and closed)."""

    tote: ToteView
    closed_now: bool
    message: str


@dataclass(frozen=True)
class Moved:
    code: str  # the tote or item moved
    location: str
    items: int
    restocked: int  # dresses whose size is sellable again
    message: str


@dataclass(frozen=True)
class MoveView:
    at: dt.datetime
    item: str
    from_place: str
    to_place: str
    by: str


@dataclass(frozen=True)
class Whereabouts:
    kind: str  # item, tote or location
    code: str
    now: str  # where it is (or for a location: what it holds)
    details: dict[str, Any]
    moves: tuple[MoveView, ...]


class ToteService:
    """Totes at the bench (the put-away service adds the moves to the shelves)."""

    def __init__(self, session_factory: sessionmaker[Session], clock: Clock, station: str,
                 locations: LocationMap | None = None) -> None:
        self._sf = session_factory
        self._clock = clock
        self._station = station
        self._station_id = StationId(station)
        self._map = locations
        self._synced: str | None = None  # the map's digest once its rows are in the table

    @property
    def map(self) -> LocationMap:
        if self._map is None:
            self._map = load_locations()
        return self._map

    # --- locations and totes ---------------------------------------------------------
    def _sync_locations(self, s: Session) -> None:
        """The map's locations as rows (added or updated from the file; a location taken
        off the map is kept, inactive, for its history)."""
        rows = {loc.code: loc for loc in s.scalars(select(Location))}
        listed = set()
        for spec in self.map.locations:
            listed.add(spec.code)
            row = rows.get(spec.code)
            if row is None:
                row = Location(code=spec.code, name=spec.name, kind=spec.kind,
                               takes=list(spec.takes), capacity=spec.capacity, active=True)
                s.add(row)
                rows[spec.code] = row
            elif (row.name, row.kind, list(row.takes), row.capacity, row.active) != \
                    (spec.name, spec.kind, list(spec.takes), spec.capacity, True):
                row.name, row.kind, row.takes = spec.name, spec.kind, list(spec.takes)
                row.capacity, row.active = spec.capacity, True
        for code, row in rows.items():
            if code not in listed and row.active:
                row.active = False
        s.flush()

    @retrying
    def make_totes(self, count: int, user: SignedInUser) -> list[str]:
        """New totes (their plates print in a batch)."""
        require(user.role, Action.PRINT_LABELS)
        if not 1 <= count <= MAX_TOTES_AT_ONCE:
            raise BadInput(f"Totes are made 1 to {MAX_TOTES_AT_ONCE} at a time.")
        now = self._clock.now()
        with UnitOfWork(self._sf) as uow:
            s = uow.session
            require_current(s, user, Action.PRINT_LABELS)
            first = int(s.scalar(select(func.count()).select_from(Tote)) or 0) + 1
            codes = [tote_code(first + i) for i in range(count)]
            s.add_all(Tote(code=c, status="open", capacity=self.map.tote_capacity,
                           created_at=now) for c in codes)
            audit.append(s, at=now, action="tote.made", actor=user.username,
                         station=self._station, entity="tote", entity_id=codes[0],
                         payload={"codes": codes})
            uow.commit()
            return codes

    def _tote(self, s: Session, code: str, lock: bool = False) -> Tote:
        tote: Tote = by_code(s, Tote, code, tote_check_ok,
                             "{code!r} is not a tote plate (TO-000123-4): scan the tote's "
                             "label again.",
                             "No tote {code} in this warehouse: make its plate first.", lock)
        return tote

    @staticmethod
    def _count(s: Session, tote: Tote) -> int:
        return int(s.scalar(select(func.count()).select_from(ReturnItem).where(
            ReturnItem.tote_id == tote.id)) or 0)

    def _view(self, s: Session, tote: Tote) -> ToteView:
        where = s.get(Location, tote.location_id) if tote.location_id else None
        lot = s.get(Lot, tote.lot_id) if tote.lot_id else None
        return ToteView(tote.code, tote.status, tote.disposition, tote.brand,
                        self._count(s, tote), tote.capacity, where.code if where else None,
                        lot.code if lot else None)

    def totes(self, status: str, placed: bool | None = None,
              on_lot: bool | None = None) -> list[ToteView]:
        """The totes in one state (open, closed, shipped) that hold dresses, oldest
        first; `placed`: only those put away (True) or not yet (False); `on_lot`: only
        those on an outbound lot (True) or not (False)."""
        stmt = select(Tote).where(Tote.status == status, Tote.id.in_(
            select(ReturnItem.tote_id).where(ReturnItem.tote_id.is_not(None))))
        if placed is not None:
            stmt = stmt.where(Tote.location_id.is_not(None) if placed
                              else Tote.location_id.is_(None))
        if on_lot is not None:
            stmt = stmt.where(Tote.lot_id.is_not(None) if on_lot else Tote.lot_id.is_(None))
        with UnitOfWork(self._sf) as uow:
            s = uow.session
            return [self._view(s, tote) for tote in s.scalars(stmt.order_by(Tote.id))]


    def tote(self, code: str) -> ToteView:
        with UnitOfWork(self._sf) as uow:
            return self._view(uow.session, self._tote(uow.session, code))

    def waiting_for_totes(self, since: dt.datetime) -> list[tuple[str, int]]:
        """Dresses decided at this station since `since` that are in no tote and on no
        shelf: (rma, unit), oldest first. A bench that restarts (or a power cut) picks
        them up again, so no dress is left without its tote."""
        with UnitOfWork(self._sf) as uow:
            s = uow.session
            station_id = self._station_id(s)
            return [(number, unit) for number, unit in s.execute(
                select(ReturnAuthorization.number, ReturnItem.unit_no)
                .join(ReturnItem, ReturnItem.rma_id == ReturnAuthorization.id)
                .join(Decision, Decision.return_item_id == ReturnItem.id)
                .where(Decision.superseded.is_(False), Decision.station_id == station_id,
                       Decision.decided_at >= since, ReturnItem.tote_id.is_(None),
                       ReturnItem.location_id.is_(None), ReturnItem.order_line_id.is_not(None),
                       ReturnItem.decision_status.in_(FINAL))
                .order_by(Decision.decided_at, ReturnItem.id))]

    def tote_for(self, rma_number: str, unit_no: int) -> ToteView | None:
        """The open tote a decided dress goes into (its disposition and brand, room left),
        or None: any empty tote then."""
        return self.destination(rma_number, unit_no).tote

    def destination(self, rma_number: str, unit_no: int) -> Destination:
        """Where a decided dress goes: its disposition, brand and open tote (or None)."""
        with UnitOfWork(self._sf) as uow:
            s = uow.session
            disposition, brand, _item = self._destination(s, load_rma(s, rma_number),
                                                          unit_no)
            return Destination(disposition, brand, self._open_tote(s, disposition, brand))

    def _open_tote(self, s: Session, disposition: str, brand: str) -> ToteView | None:
        """The oldest open tote of this disposition and brand with room left (one query:
        the open totes with their dress counts)."""
        held = (select(func.count()).where(ReturnItem.tote_id == Tote.id)
                .correlate(Tote).scalar_subquery())
        row = s.execute(select(Tote, held).where(
            Tote.status == "open", Tote.disposition == disposition, Tote.brand == brand,
            held < Tote.capacity).order_by(Tote.id).limit(1)).first()
        if row is None:
            return None
        tote, items = row
        return ToteView(tote.code, tote.status, tote.disposition, tote.brand, int(items),
                        tote.capacity, None)

    @staticmethod
    def _destination(s: Session, rma: ReturnAuthorization, unit_no: int
                     ) -> tuple[str, str, ReturnItem]:
        """A decided unit's disposition, brand and row (the RMA loaded by the caller)."""
        item = rma_unit(rma, unit_no)
        check(Op.PUT_AWAY, item.reception_status, item.decision_status, unit_name(rma, item))
        decision = current_decision(s, item)
        if decision is None:
            raise BadInput(f"{unit_name(rma, item)} has no decision: decide it first.")
        if qa_waiting(s, item.id):  # set aside for a blind re-grade: the QA rack first
            return QA, rma.order.brand.value, item
        return decision.disposition.value, rma.order.brand.value, item

    # --- at the bench: a dress into its tote ---------------------------------------
    @retrying
    def into_tote(self, rma_number: str, unit_no: int, code: str,
                  user: SignedInUser) -> Placed:
        require(user.role, Action.DECIDE)
        now = self._clock.now()
        with UnitOfWork(self._sf) as uow:
            s = uow.session
            require_current(s, user, Action.DECIDE)
            tote = self._tote(s, code, lock=True)
            rma = load_rma(s, rma_number, for_update=True)
            disposition, brand, item = self._destination(s, rma, unit_no)
            if item.tote_id == tote.id:
                return Placed(self._view(s, tote), False,
                              f"Item {unit_no} is in tote {tote.code} already.")
            if tote.status != "open":
                raise BadInput(f"Tote {tote.code} is closed: use another tote.")
            words = disposition.replace("_", " ")
            if tote.disposition is not None and (tote.disposition, tote.brand) != \
                    (disposition, brand):
                right = self._open_tote(s, disposition, brand)
                raise BadInput(
                    f"Wrong tote: {tote.code} holds {tote.disposition.replace('_', ' ')} "
                    f"({tote.brand}); this dress is {words} ({brand}): "
                    + (f"put it in {right.code}." if right else "scan an empty tote."))
            count = self._count(s, tote)
            if count >= tote.capacity:
                raise BadInput(f"Tote {tote.code} is full ({count} dresses): close it "
                               "(Ctrl+T) and scan an empty tote.")
            tote.disposition, tote.brand = disposition, brand
            s.add(ItemMove(return_item_id=item.id, at=now, user_id=user.id,
                           station_id=self._station_id(s), from_tote_id=item.tote_id,
                           to_tote_id=tote.id, from_location_id=item.location_id,
                           to_location_id=None))
            item.tote_id, item.location_id = tote.id, None
            closed_now = count + 1 >= tote.capacity
            if closed_now:
                tote.status, tote.closed_at = "closed", now
            move(s, Op.PUT_AWAY, item, actor=user.username, station=self._station, at=now,
                 action="item.into_tote", entity="tote", entity_id=tote.code,
                 payload={"rma": rma.number, "unit": unit_no, "disposition": disposition,
                          "brand": brand, "closed": closed_now})
            view = self._view(s, tote)
            uow.commit()
        full = " It is full now: closed; its manifest prints." if closed_now else ""
        return Placed(view, closed_now, f"Item {unit_no} into tote {view.code} "
                      f"({words}, {view.items}/{view.capacity}).{full}")

    @retrying
    def close_tote(self, code: str, user: SignedInUser) -> ToteView:
        require(user.role, Action.DECIDE)
        now = self._clock.now()
        with UnitOfWork(self._sf) as uow:
            s = uow.session
            require_current(s, user, Action.DECIDE)
            tote = self._tote(s, code, lock=True)
            if tote.status == "closed":
                return self._view(s, tote)
            held = self._count(s, tote)
            if held == 0:
                raise BadInput(f"Tote {tote.code} is empty: nothing to close.")
            tote.status, tote.closed_at = "closed", now
            audit.append(s, at=now, action="tote.closed", actor=user.username,
                         station=self._station, entity="tote", entity_id=tote.code,
                         payload={"items": held})
            view = self._view(s, tote)
            uow.commit()
            return view

    def manifest(self, code: str, by: str) -> ToteManifestData:
        """What a tote holds, for its manifest (printed when it closes)."""
        with UnitOfWork(self._sf) as uow:
            s = uow.session
            tote = self._tote(s, code)
            lines = item_lines(s, ReturnItem.tote_id == tote.id)
            if not lines:
                raise BadInput(f"Tote {tote.code} is empty: no manifest to print.")
            goes = [loc.code for loc in self.map.locations
                    if (tote.disposition or "") in loc.takes]
            return ToteManifestData(
                tote.code, tote.disposition or "", tote.brand or "",
                tuple(ManifestLine(it.plate, it.sku, it.size, it.grade) for it in lines),
                " or ".join(goes[:3]) or "see the location map",
                (tote.closed_at or self._clock.now()).date().isoformat(), by)

