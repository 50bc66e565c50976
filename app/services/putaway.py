"""After the bench: totes and put-away, so every dress is found again.

At the bench, after Enter, the screen names the tote for the dress's disposition and brand
and the inspector scans it (`into_tote`): a wrong tote is refused with the right one named;
an empty tote takes the first dress's disposition and brand. A full tote closes (Ctrl+T
or by itself at capacity). At put-away a stocker scans a tote, then a location: the tote's
dresses move with it (`put_away`); an item's own plate moves only it (`move_item`). Every
move is one transaction with its audit entry; a restock dress counts as sellable stock of
its size again the first time it reaches a restock location. `where` tells the story of an
item, a tote or a location."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app import audit
from app.errors import BadInput, NotFound
from app.permissions import Action, require
from app.scanning.codes import plate_ids
from app.services.auth import SignedInUser, require_current
from app.services.totes import (
    MAX_TOTES_AT_ONCE,
    PREP_KINDS,
    QA,
    Destination,
    Moved,
    MoveView,
    Placed,
    ToteService,
    ToteView,
    Whereabouts,
    expected_back,
    item_lines,
)
from app.services.uow import UnitOfWork, retrying
from app.views import ItemLine
from models import (
    ItemMove,
    Location,
    Lot,
    OrderLine,
    Product,
    ReturnAuthorization,
    ReturnItem,
    Tote,
    User,
)

__all__ = ["MAX_TOTES_AT_ONCE", "PREP_KINDS", "QA", "Destination", "MoveView", "Moved",
           "Placed", "PutAwayService", "ToteView", "Whereabouts", "expected_back",
           "item_lines"]


class PutAwayService(ToteService):
    """Totes at the bench (ToteService), then their moves to the shelves and where
    anything is."""

    def held_at(self, location_code: str) -> list[ItemLine]:
        """The dresses at a location now, with when each arrived."""
        self._ensure_locations()
        with UnitOfWork(self._sf) as uow:
            where = self._location(uow.session, location_code)
            return item_lines(uow.session, ReturnItem.location_id == where.id)

    # --- put-away ------------------------------------------------------------------
    def _ensure_locations(self) -> None:
        """The map's rows in the table, written once per map content (in their own
        transaction, so a refused scan does not undo them); not on every scan."""
        if self._synced == self.map.sha256:
            return
        for attempt in (1, 2):
            try:
                with UnitOfWork(self._sf) as uow:
                    self._sync_locations(uow.session)
                    uow.commit()
                break
            except IntegrityError:  # another bench added them at the same moment
                if attempt == 2:
                    raise
        self._synced = self.map.sha256

    def _location(self, s: Session, code: str) -> Location:
        text = code.strip().upper()
        row = s.scalars(select(Location).where(Location.code == text)).one_or_none()
        if row is None or not row.active:
            raise NotFound(f"No location {text} on the location map: scan the shelf's "
                           "label again.")
        return row

    def _arrive(self, s: Session, items: list[ReturnItem], where: Location,
                now: dt.datetime) -> int:
        """Dresses reaching `where`: a restock location makes each restock dress's size
        sellable again, once."""
        if where.kind != "restock":
            return 0
        due = [item for item in items
               if item.restocked_at is None and item.order_line_id is not None]
        if not due:
            return 0
        # Each dress's product, in one query, locked (two benches restocking one size at
        # once both count); products in id order, so two benches never wait on each other.
        products = {line_id: product for line_id, product in s.execute(
            select(OrderLine.id, Product).join(Product, Product.id == OrderLine.product_id)
            .where(OrderLine.id.in_({item.order_line_id for item in due}))
            .order_by(Product.id)
            .with_for_update(of=Product))}
        restocked = 0
        for item in due:  # two units of one order line: its size twice
            product = products.get(item.order_line_id or 0)
            if product is None:
                continue
            product.stock += 1
            item.restocked_at = now
            restocked += 1
        return restocked

    def _fits(self, s: Session, where: Location, disposition: str, adding: int) -> None:
        """Refuse a location that does not take the disposition, or has no room."""
        if disposition not in where.takes:
            raise BadInput(f"{where.code} ({where.name}) does not take "
                           f"{disposition.replace('_', ' ')}: it takes "
                           f"{', '.join(t.replace('_', ' ') for t in where.takes)}.")
        there = int(s.scalar(select(func.count()).select_from(ReturnItem).where(
            ReturnItem.location_id == where.id)) or 0)
        if there + adding > where.capacity:
            raise BadInput(f"{where.code} ({where.name}) is full: {there} of "
                           f"{where.capacity} dresses. Use another location.")

    def goes_to(self, code: str) -> tuple[str, ...]:
        """The locations a tote or a dress (by its plate) may go to now: those taking its
        disposition with room for it, the emptiest first."""
        self._ensure_locations()
        with UnitOfWork(self._sf) as uow:
            s = uow.session
            text = code.strip().upper()
            if text.startswith("TO-"):
                tote = self._tote(s, text)
                disposition, adding = tote.disposition or "", self._count(s, tote)
                here = tote.location_id
            else:
                item = self._item(s, text)
                rma = s.get(ReturnAuthorization, item.rma_id)
                assert rma is not None
                disposition, _brand, _item = self._destination(s, rma, item.unit_no)
                adding, here = 1, item.location_id if item.tote_id is None else None
            takes = [loc for loc in s.scalars(select(Location).where(
                Location.active.is_(True))) if disposition in loc.takes and loc.id != here]
            held = dict(s.execute(
                select(ReturnItem.location_id, func.count())
                .where(ReturnItem.location_id.in_([loc.id for loc in takes]))
                .group_by(ReturnItem.location_id)).all()) if takes else {}
            room = [(held.get(loc.id, 0) / max(loc.capacity, 1), loc.code) for loc in takes
                    if held.get(loc.id, 0) + adding <= loc.capacity]
            return tuple(code for _fill, code in sorted(room))

    @retrying
    def put_away(self, tote_code: str, location_code: str, user: SignedInUser) -> Moved:
        """A tote to a location: its dresses move with it, in one transaction."""
        require(user.role, Action.DECIDE)
        self._ensure_locations()
        now = self._clock.now()
        with UnitOfWork(self._sf) as uow:
            s = uow.session
            require_current(s, user, Action.DECIDE)
            tote = self._tote(s, tote_code, lock=True)
            where = self._location(s, location_code)
            items = list(s.scalars(select(ReturnItem).where(ReturnItem.tote_id == tote.id)
                                   .order_by(ReturnItem.id).with_for_update()))
            if not items:
                raise BadInput(f"Tote {tote.code} is empty: nothing to put away.")
            if tote.location_id == where.id:
                return Moved(tote.code, where.code, len(items), 0,
                             f"Tote {tote.code} is at {where.code} already.")
            self._fits(s, where, tote.disposition or "", len(items))
            station_id = self._station_id(s)
            for item in items:
                s.add(ItemMove(return_item_id=item.id, at=now, user_id=user.id,
                               station_id=station_id, from_tote_id=tote.id,
                               to_tote_id=tote.id, from_location_id=tote.location_id,
                               to_location_id=where.id))
                item.location_id = where.id
            if tote.status == "open":
                tote.status, tote.closed_at = "closed", now  # it left the bench
            tote.location_id = where.id
            restocked = self._arrive(s, items, where, now)
            audit.append(s, at=now, action="tote.put_away", actor=user.username,
                         station=self._station, entity="tote", entity_id=tote.code,
                         payload={"location": where.code, "items": len(items),
                                  "restocked": restocked})
            uow.commit()
        sellable = f"; {restocked} size(s) sellable again" if restocked else ""
        return Moved(tote.code, where.code, len(items), restocked,
                     f"Tote {tote.code} put away at {where.code}: {len(items)} "
                     f"dress{'es' if len(items) != 1 else ''}{sellable}.")

    @retrying
    def move_item(self, plate: str, location_code: str, user: SignedInUser) -> Moved:
        """One dress, by its item plate, to a location (out of its tote)."""
        require(user.role, Action.DECIDE)
        self._ensure_locations()
        now = self._clock.now()
        with UnitOfWork(self._sf) as uow:
            s = uow.session
            require_current(s, user, Action.DECIDE)
            item = self._item(s, plate, lock=True)
            rma = s.get(ReturnAuthorization, item.rma_id)
            assert rma is not None
            disposition, _brand, item = self._destination(s, rma, item.unit_no)
            where = self._location(s, location_code)
            if item.location_id == where.id and item.tote_id is None:
                return Moved(plate, where.code, 1, 0, f"{plate} is at {where.code} already.")
            self._fits(s, where, disposition, 1)
            s.add(ItemMove(return_item_id=item.id, at=now, user_id=user.id,
                           station_id=self._station_id(s), from_tote_id=item.tote_id,
                           to_tote_id=None, from_location_id=item.location_id,
                           to_location_id=where.id))
            item.tote_id, item.location_id = None, where.id
            restocked = self._arrive(s, [item], where, now)
            audit.append(s, at=now, action="item.moved", actor=user.username,
                         station=self._station, entity="rma", entity_id=rma.number,
                         payload={"unit": item.unit_no, "location": where.code,
                                  "restocked": restocked})
            uow.commit()
        return Moved(plate, where.code, 1, restocked,
                     f"{plate} put away at {where.code}"
                     + ("; its size is sellable again." if restocked else "."))

    def _item(self, s: Session, plate: str, lock: bool = False) -> ReturnItem:
        ids = plate_ids(plate.strip().upper())
        if ids is None:
            raise BadInput(f"{plate.strip()!r} is not an item plate (IT-…): scan the "
                           "dress's label again.")
        stmt = select(ReturnItem).where(ReturnItem.rma_id == ids[0],
                                        ReturnItem.unit_no == ids[1])
        if lock:
            stmt = stmt.with_for_update()
        item = s.scalars(stmt).one_or_none()
        if item is None:
            raise NotFound(f"No dress {plate.strip().upper()} here.")
        return item

    # --- where is it ---------------------------------------------------------------
    def where(self, code: str) -> Whereabouts:
        text = code.strip().upper()
        self._ensure_locations()
        with UnitOfWork(self._sf) as uow:
            s = uow.session
            if text.startswith("IT-"):
                item = self._item(s, text)
                moves = self._moves(s, ItemMove.return_item_id == item.id)
                # Only a dress at a location can be in steaming or refurbishment.
                lines = item_lines(s, ReturnItem.id == item.id) if item.location_id else []
                back = expected_back(lines[0]) if lines else None
                now = self._place(s, item.tote_id, item.location_id)
                tote = s.get(Tote, item.tote_id) if item.tote_id else None
                if tote is not None and tote.status == "shipped":
                    lot = s.get(Lot, tote.lot_id) if tote.lot_id else None
                    now = f"shipped in tote {tote.code} on lot {lot.code if lot else '?'}"
                return Whereabouts("item", text, now,
                                   {"restocked_at": item.restocked_at,
                                    "expected_back": back}, moves)
            if text.startswith("TO-"):
                tote = self._tote(s, text)
                view = self._view(s, tote)
                moves = self._moves(s, (ItemMove.to_tote_id == tote.id)
                                    | (ItemMove.from_tote_id == tote.id))
                now = view.location or "at the bench"
                if tote.status == "shipped":
                    lot = s.get(Lot, tote.lot_id) if tote.lot_id else None
                    now = f"shipped on lot {lot.code if lot else '?'}"
                return Whereabouts("tote", text, now,
                                   {"status": view.status, "disposition": view.disposition,
                                    "brand": view.brand, "items": view.items,
                                    "capacity": view.capacity}, moves)
            where = self._location(s, text)
            held = int(s.scalar(select(func.count()).select_from(ReturnItem).where(
                ReturnItem.location_id == where.id)) or 0)
            # The newest 50 totes there (a busy aisle holds thousands), and how many.
            totes = list(s.scalars(select(Tote.code).where(Tote.location_id == where.id)
                                   .order_by(Tote.id.desc()).limit(50)))
            tote_count = int(s.scalar(select(func.count()).select_from(Tote).where(
                Tote.location_id == where.id)) or 0)
            moves = self._moves(s, ItemMove.to_location_id == where.id, limit=50)
            return Whereabouts("location", where.code, f"{held} of {where.capacity} dresses",
                               {"name": where.name, "location_kind": where.kind,
                                "takes": list(where.takes), "totes": totes,
                                "tote_count": tote_count}, moves)

    def _place(self, s: Session, tote_id: int | None, location_id: int | None,
               names: dict[tuple[str, int], str] | None = None) -> str:
        tote = self._name(s, Tote, tote_id, names)
        where = self._name(s, Location, location_id, names)
        if tote and where:
            return f"in tote {tote} at {where}"
        if tote:
            return f"in tote {tote} (not put away yet)"
        if where:
            return f"at {where}"
        return "at the bench (in no tote yet)"

    @staticmethod
    def _name(s: Session, model: type[Tote] | type[Location], row_id: int | None,
              names: dict[tuple[str, int], str] | None) -> str | None:
        if row_id is None:
            return None
        key = (model.__tablename__, row_id)
        if names is not None and key in names:
            return names[key]
        code = s.scalar(select(model.code).where(model.id == row_id)) or "?"
        if names is not None:
            names[key] = code
        return code

    def _moves(self, s: Session, condition: Any, limit: int = 200) -> tuple[MoveView, ...]:
        """The newest `limit` moves matching `condition`, oldest first: one query for the
        moves with their RMA, unit and user; tote and location codes read once each."""
        rows = s.execute(
            select(ItemMove, ReturnAuthorization.number, ReturnItem.unit_no, User.username)
            .join(ReturnItem, ReturnItem.id == ItemMove.return_item_id)
            .join(ReturnAuthorization, ReturnAuthorization.id == ReturnItem.rma_id)
            .join(User, User.id == ItemMove.user_id)
            .where(condition).order_by(ItemMove.id.desc()).limit(limit)).all()
        names: dict[tuple[str, int], str] = {}
        return tuple(
            MoveView(m.at, f"{number}/{unit_no}",
                     self._place(s, m.from_tote_id, m.from_location_id, names),
                     self._place(s, m.to_tote_id, m.to_location_id, names), username)
            for m, number, unit_no, username in reversed(rows))

