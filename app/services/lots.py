"""Outbound lots: liquidation, donation and return-to-vendor pallets that collect closed
totes. Closing a lot names its buyer (or charity, or vendor) and, for a liquidation, the
price paid; its manifest (PDF) and CSV list every dress with SKU, grade, MSRP and cost,
and a donation's lists each dress's fair-value estimate (the outlet price). The rules are
here, not in a screen: which totes a lot takes, once; who closes it, once."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from app import audit
from app.clock import Clock
from app.domain.money import money
from app.errors import BadInput, EnvironmentFault, NotFound
from app.locations import LocationMap, load_locations
from app.permissions import Action, require
from app.policy.rules import load_policy
from app.scanning.codes import lot_check_ok, lot_code
from app.services.auth import SignedInUser, require_current
from app.services.common import StationId, by_code
from app.services.putaway import item_lines
from app.services.uow import UnitOfWork, retrying
from app.views import KIND_WORDS, PARTY_WORDS, ItemLine, LotLine, LotManifest, LotView
from models import ItemMove, Lot, ReturnItem, Tote, User

# Which tote dispositions each kind of lot takes.
LOT_TAKES = {"liquidation": ("liquidate",), "donation": ("liquidate",),
             "rtv": ("liquidate", "refurbish")}
CENT = Decimal("0.01")


def fair_value(line: ItemLine) -> Decimal:
    """A dress's fair-value estimate: its outlet price (MSRP x the outlet percent in its
    brand's policy)."""
    percent = load_policy(line.brand).outlet_percent
    return (line.msrp * percent / 100).quantize(CENT, rounding=ROUND_HALF_UP)


class LotService:
    def __init__(self, session_factory: sessionmaker[Session], clock: Clock, station: str,
                 locations: LocationMap | None = None) -> None:
        self._sf = session_factory
        self._clock = clock
        self._station = station
        self._map = locations
        self._station_id = StationId(station)

    @property
    def donor(self) -> str:
        """The donor on donation manifests: the warehouse named in the location map."""
        if self._map is None:
            self._map = load_locations()
        return self._map.warehouse

    def _lot(self, s: Session, code: str, lock: bool = False) -> Lot:
        lot: Lot = by_code(s, Lot, code, lot_check_ok,
                           "{code!r} is not a lot code (LOT-000012-3): scan the pallet's "
                           "label again.", "No lot {code}: open one first.", lock)
        return lot

    def _view(self, s: Session, lot: Lot) -> LotView:
        totes = tuple(s.scalars(select(Tote.code).where(Tote.lot_id == lot.id)
                                .order_by(Tote.id)))
        items = int(s.scalar(select(func.count()).select_from(ReturnItem).join(
            Tote, Tote.id == ReturnItem.tote_id).where(Tote.lot_id == lot.id)) or 0)
        closer = s.get(User, lot.closed_by_id) if lot.closed_by_id else None
        return LotView(lot.code, lot.kind, lot.status, lot.party, lot.price, totes, items,
                       lot.created_at, lot.closed_at, closer.username if closer else None)

    def lot(self, code: str) -> LotView:
        with UnitOfWork(self._sf) as uow:
            return self._view(uow.session, self._lot(uow.session, code))

    def lots(self, status: str | None = None) -> list[LotView]:
        with UnitOfWork(self._sf) as uow:
            s = uow.session
            stmt = select(Lot).order_by(Lot.id.desc())
            if status is not None:
                stmt = stmt.where(Lot.status == status)
            return [self._view(s, lot) for lot in s.scalars(stmt)]

    @retrying
    def open_lot(self, kind: str, user: SignedInUser) -> LotView:
        require(user.role, Action.DECIDE)
        if kind not in LOT_TAKES:
            raise BadInput(f"A lot is one of: {', '.join(LOT_TAKES)} (not {kind!r}).")
        now = self._clock.now()
        with UnitOfWork(self._sf) as uow:
            s = uow.session
            require_current(s, user, Action.DECIDE)
            seq = int(s.scalar(select(func.count()).select_from(Lot)) or 0) + 1
            lot = Lot(code=lot_code(seq), kind=kind, status="open", created_at=now,
                      created_by_id=user.id)
            s.add(lot)
            s.flush()
            audit.append(s, at=now, action="lot.opened", actor=user.username,
                         station=self._station, entity="lot", entity_id=lot.code,
                         payload={"kind": kind})
            view = self._view(s, lot)
            uow.commit()
            return view

    @retrying
    def add_tote(self, code: str, tote_code: str, user: SignedInUser) -> LotView:
        """A closed tote onto an open lot that takes its disposition (an open tote is
        closed as it goes on); a tote is on one lot at most."""
        require(user.role, Action.DECIDE)
        now = self._clock.now()
        with UnitOfWork(self._sf) as uow:
            s = uow.session
            require_current(s, user, Action.DECIDE)
            lot = self._lot(s, code, lock=True)
            tote = s.scalars(select(Tote).where(Tote.code == tote_code.strip().upper())
                             .with_for_update()).one_or_none()
            if tote is None:
                raise NotFound(f"No tote {tote_code.strip().upper()} in this warehouse.")
            if tote.lot_id == lot.id:
                return self._view(s, lot)
            if lot.status != "open":
                raise BadInput(f"Lot {lot.code} is closed: open a new lot.")
            if tote.lot_id is not None:
                other = s.get(Lot, tote.lot_id)
                raise BadInput(f"Tote {tote.code} is on lot {other.code if other else '?'} "
                               "already.")
            held = int(s.scalar(select(func.count()).select_from(ReturnItem).where(
                ReturnItem.tote_id == tote.id)) or 0)
            if not held:
                raise BadInput(f"Tote {tote.code} is empty: nothing to put on the lot.")
            if tote.disposition not in LOT_TAKES[lot.kind]:
                raise BadInput(
                    f"Tote {tote.code} holds {(tote.disposition or '').replace('_', ' ')}: "
                    f"a {KIND_WORDS[lot.kind]} lot takes "
                    f"{' or '.join(d.replace('_', ' ') for d in LOT_TAKES[lot.kind])} only.")
            if tote.status == "open":
                tote.status, tote.closed_at = "closed", now
            tote.lot_id = lot.id
            audit.append(s, at=now, action="lot.tote_added", actor=user.username,
                         station=self._station, entity="lot", entity_id=lot.code,
                         payload={"tote": tote.code, "items": held})
            view = self._view(s, lot)
            uow.commit()
            return view

    @retrying
    def close_lot(self, code: str, party: str, price: str | Decimal | None,
                  user: SignedInUser) -> LotManifest:
        """Close a lot once: its buyer, charity or vendor, and for a liquidation the price
        the buyer pays (a donation has none; a vendor's credit is optional). A manager's
        act: it sets what the goods bring back."""
        require(user.role, Action.CLOSE_LOTS)
        who = party.strip()
        try:
            amount = money(str(price).replace("$", "").replace(",", "")) \
                if price not in (None, "") else None
        except ValueError as exc:
            raise BadInput(f"Price {price!r} is not an amount such as 1200.00.") from exc
        now = self._clock.now()
        with UnitOfWork(self._sf) as uow:
            s = uow.session
            require_current(s, user, Action.CLOSE_LOTS)
            lot = self._lot(s, code, lock=True)
            if lot.status != "open":
                raise BadInput(f"Lot {lot.code} was closed on "
                               f"{lot.closed_at.date().isoformat() if lot.closed_at else '?'}"
                               ": a lot closes once.")
            role = PARTY_WORDS[lot.kind]
            if not who or len(who) > 120:
                raise BadInput(f"Name the {role} (1-120 characters) to close the lot.")
            if lot.kind == "liquidation" and amount is None:
                raise BadInput("A liquidation lot closes with the price the buyer pays.")
            if lot.kind == "donation" and amount not in (None, Decimal("0.00")):
                raise BadInput("A donation has no price: leave it empty.")
            if amount is not None and amount < 0:
                raise BadInput("The price cannot be negative.")
            if not s.scalar(select(func.count()).select_from(Tote).where(
                    Tote.lot_id == lot.id)):
                raise BadInput(f"Lot {lot.code} has no totes: add totes before closing it.")
            lot.status, lot.party, lot.price = "closed", who, amount
            lot.closed_at, lot.closed_by_id = now, user.id
            manifest = self._manifest(s, lot)
            # The pallet leaves: its totes are shipped, its dresses leave their location
            # (one move each, so `where` tells it), and the shelf space is free again.
            station_id = self._station_id(s)
            for tote in s.scalars(select(Tote).where(Tote.lot_id == lot.id)):
                for item in s.scalars(select(ReturnItem).where(ReturnItem.tote_id == tote.id)):
                    s.add(ItemMove(return_item_id=item.id, at=now, user_id=user.id,
                                   station_id=station_id, from_tote_id=tote.id,
                                   to_tote_id=tote.id, from_location_id=item.location_id,
                                   to_location_id=None))
                    item.location_id = None
                tote.status, tote.location_id = "shipped", None
            audit.append(s, at=now, action="lot.closed", actor=user.username,
                         station=self._station, entity="lot", entity_id=lot.code,
                         payload={"kind": lot.kind, "party": who,
                                  "price": str(amount) if amount is not None else None,
                                  "items": len(manifest.lines),
                                  "msrp": str(manifest.msrp_total),
                                  "cost": str(manifest.cost_total)})
            uow.commit()
            return manifest

    def write_documents(self, manifest: LotManifest, folder: Path) -> tuple[Path, Path]:
        """The lot's manifest PDF and its CSV (for the buyer, charity or vendor) in
        `folder`, each written whole or not at all."""
        from app.printing.lot_manifest import lot_csv, render_lot_manifest

        code = manifest.lot.code
        pdf = folder / f"lot-{code}-manifest.pdf"
        csv_path = folder / f"lot-{code}.csv"
        try:
            folder.mkdir(parents=True, exist_ok=True)
            for path, data in ((pdf, render_lot_manifest(manifest, self._clock.now())),
                               (csv_path, lot_csv(manifest))):
                tmp = path.with_suffix(path.suffix + ".tmp")
                tmp.write_bytes(data)
                tmp.replace(path)
        except OSError as exc:
            raise EnvironmentFault(f"Cannot write the manifest of lot {code} in {folder} "
                                   f"({exc.strerror}); the lot is closed: write it again "
                                   f"with `main.py lot show {code} --out DIR`.") from exc
        return pdf, csv_path

    @retrying
    def print_manifest(self, code: str, folder: Path, user: SignedInUser
                       ) -> tuple[LotManifest, Path, Path]:
        """A closed lot's manifest PDF and CSV written again (they carry MSRP and cost):
        by a manager, and the audit log says who, which lot and which files. The files
        are written inside the transaction: a write refused records nothing."""
        require(user.role, Action.CLOSE_LOTS)
        now = self._clock.now()
        with UnitOfWork(self._sf) as uow:
            s = uow.session
            require_current(s, user, Action.CLOSE_LOTS)
            lot = self._lot(s, code)
            if lot.status != "closed":
                raise BadInput(f"Lot {lot.code} is {lot.status}: its manifest is written "
                               "when it closes.")
            manifest = self._manifest(s, lot)
            pdf, csv_path = self.write_documents(manifest, folder)
            audit.append(s, at=now, action="lot.manifest_printed", actor=user.username,
                         station=self._station, entity="lot", entity_id=lot.code,
                         payload={"manifest": str(pdf), "csv": str(csv_path),
                                  "items": len(manifest.lines)})
            uow.commit()
            return manifest, pdf, csv_path

    def manifest(self, code: str) -> LotManifest:
        with UnitOfWork(self._sf) as uow:
            return self._manifest(uow.session, self._lot(uow.session, code))

    def _manifest(self, s: Session, lot: Lot) -> LotManifest:
        s.flush()
        lines = tuple(LotLine(line, fair_value(line))
                      for line in item_lines(s, Tote.lot_id == lot.id))
        zero = Decimal("0.00")
        return LotManifest(
            self._view(s, lot), lines, self.donor,
            sum((ln.item.msrp for ln in lines), zero),
            sum((ln.item.cost for ln in lines if ln.item.cost is not None), zero),
            sum(1 for ln in lines if ln.item.cost is not None),
            sum((ln.fair_value for ln in lines), zero),
            sum((ln.item.refunded for ln in lines), zero))
