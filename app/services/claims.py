"""The damage-claims desk: the queue by due time, photos with annotations, the carrier
claim with its packet, and closing a claim with its outcome."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import Row, Select, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from app import audit
from app.clock import Clock
from app.domain.enums import Carrier, CarrierClaimStatus, Resolution
from app.errors import BadInput, NotFound
from app.lifecycle import NotAllowed
from app.permissions import Action, require
from app.services.auth import SignedInUser, require_current
from app.services.inspection import InspectionService
from app.services.outcomes import unit_amounts
from app.services.uow import UnitOfWork, retrying
from app.views import ClaimView
from models import (
    CarrierClaim,
    Customer,
    Decision,
    Inspection,
    Order,
    OrderLine,
    Photo,
    ReturnAuthorization,
    ReturnItem,
)

SHAPES = {"box", "circle", "arrow", "label"}
PAGE = 100  # claims per page of the queue, the soonest due first


REUSE_ACK = "reuse_acknowledged"


class ClaimsService:
    def __init__(self, session_factory: sessionmaker[Session], clock: Clock, station: str,
                 inspection: InspectionService) -> None:
        self._sf = session_factory
        self._clock = clock
        self._station = station
        self._inspection = inspection

    def queue(self, user: SignedInUser, limit: int = PAGE, offset: int = 0
              ) -> list[ClaimView]:
        """Open claims (and claims waiting for photos), the soonest due first, a page at
        a time (the desk works from the top; `open_count` says how many there are)."""
        require(user.role, Action.REVIEW_CLAIMS)
        with UnitOfWork(self._sf) as uow:
            rows = uow.session.execute(self._select().where(*self._open())
                .order_by(Decision.claim_resolution_due_on.is_(None),
                          Decision.claim_resolution_due_on, Decision.id)
                .limit(limit).offset(offset)).all()
            return self._views(uow.session, rows)

    def open_count(self, user: SignedInUser) -> int:
        require(user.role, Action.REVIEW_CLAIMS)
        with UnitOfWork(self._sf) as uow:
            return int(uow.session.scalar(
                select(func.count()).select_from(Decision).join(
                    ReturnItem, Decision.return_item_id == ReturnItem.id)
                .where(*self._open())) or 0)

    @staticmethod
    def _open() -> tuple[Any, ...]:
        return (Decision.claim_open == True,  # noqa: E712 - an indexable "= true"
                Decision.superseded.is_(False))

    def get(self, decision_id: int) -> ClaimView:
        with UnitOfWork(self._sf) as uow:
            row = uow.session.execute(self._select().where(Decision.id == decision_id)).first()
            if row is None:
                raise NotFound(f"No claim decision #{decision_id}.")
            return self._views(uow.session, [row])[0]

    @retrying
    def annotate(self, photo_id: int, shapes: list[dict[str, Any]],
                 user: SignedInUser) -> None:
        """Arrows, circles, boxes and labels over a photo, kept as vector data in
        normalised coordinates (0..1); the photo file itself is never changed."""
        require(user.role, Action.REVIEW_CLAIMS)
        for shape in shapes:
            if shape.get("type") not in SHAPES:
                raise BadInput(f"Unknown annotation {shape.get('type')!r}.")
            coords = [shape.get(k, 0.0) for k in ("x1", "y1", "x2", "y2")]
            if not all(isinstance(v, float | int) and 0 <= v <= 1 for v in coords):
                raise BadInput("Annotation coordinates must lie on the photo.")
        with UnitOfWork(self._sf) as uow:
            require_current(uow.session, user, Action.REVIEW_CLAIMS)
            photo = uow.session.get(Photo, photo_id)
            if photo is None:
                raise NotFound(f"No photo #{photo_id}.")
            photo.annotations = list(shapes)
            audit.append(uow.session, at=self._clock.now(), action="photo.annotated",
                         actor=user.username, station=self._station, entity="photo",
                         entity_id=photo_id, payload={"shapes": len(shapes)})
            uow.commit()

    def annotations(self, photo_id: int) -> list[dict[str, Any]]:
        with UnitOfWork(self._sf) as uow:
            photo = uow.session.get(Photo, photo_id)
            if photo is None:
                raise NotFound(f"No photo #{photo_id}.")
            return list(photo.annotations or [])

    @retrying
    def acknowledge_reuse(self, decision_id: int, reason: str, user: SignedInUser) -> None:
        """A photo on this claim is also on another customer's claim: the desk says what
        it found before the claim goes to the carrier or closes (kept in the trace and
        the audit log)."""
        require(user.role, Action.REVIEW_CLAIMS)
        if len(reason.strip()) < 10:
            raise BadInput("Say in a few words why the matching photo is acceptable (or "
                           "what was done about it).")
        claim = self.get(decision_id)
        if not claim.reused:
            raise BadInput("No photo of this claim is flagged as reused.")
        now = self._clock.now()
        with UnitOfWork(self._sf) as uow:
            s = uow.session
            require_current(s, user, Action.REVIEW_CLAIMS)
            decision = s.get(Decision, decision_id)
            assert decision is not None
            decision.trace = [*decision.trace, {
                "rule": REUSE_ACK, "reason": f"Photo also on {', '.join(claim.reused)} "
                f"checked by {user.display_name}: {reason.strip()}"}]
            audit.append(s, at=now, action="claim.reuse_acknowledged", actor=user.username,
                         station=self._station, entity="decision", entity_id=decision_id,
                         payload={"reused_on": list(claim.reused), "reason": reason.strip()})
            uow.commit()

    def _require_reuse_checked(self, claim: ClaimView, doing: str) -> None:
        if claim.reused and not claim.reuse_acknowledged:
            raise NotAllowed(f"A photo of this claim is also on {', '.join(claim.reused)} "
                             f"(another customer): acknowledge it with a reason (K) before "
                             f"{doing}.")

    @retrying
    def open_carrier_claim(self, decision_id: int, user: SignedInUser) -> int:
        """The carrier claim for this claim's damaged unit, opened once: desks opening it
        at the same moment all get the first one's claim (the unit's row is locked, and
        the database holds one carrier claim per unit)."""
        require(user.role, Action.REVIEW_CLAIMS)
        claim = self.get(decision_id)
        if claim.carrier_claim_id is not None:
            return claim.carrier_claim_id
        self._require_reuse_checked(claim, "opening the carrier claim")
        if not claim.carrier or not claim.tracking:
            raise BadInput(f"{claim.rma_number} has no carrier tracking number: a carrier "
                           "claim needs one.")
        if len(claim.photos) < 2:
            raise BadInput("A carrier claim needs the photos first (at least 2).")
        try:
            return self._open_carrier_claim(decision_id, claim, user)
        except IntegrityError:
            # Another desk's claim for the unit went in between this one's look and its
            # insert (SQLite locks no rows): the unique key refused this one; theirs holds.
            with UnitOfWork(self._sf) as uow:
                found = uow.session.scalar(select(CarrierClaim.id).join(
                    Decision, Decision.return_item_id == CarrierClaim.return_item_id)
                    .where(Decision.id == decision_id))
            if found is None:
                raise
            return int(found)

    def _open_carrier_claim(self, decision_id: int, claim: ClaimView,
                            user: SignedInUser) -> int:
        assert claim.carrier and claim.tracking  # checked by open_carrier_claim
        now = self._clock.now()
        with UnitOfWork(self._sf) as uow:
            s = uow.session
            require_current(s, user, Action.REVIEW_CLAIMS)
            decision = s.get(Decision, decision_id)
            assert decision is not None
            # The unit's row, locked: a second desk waits here, then finds the claim.
            item = s.scalars(select(ReturnItem).where(
                ReturnItem.id == decision.return_item_id).with_for_update()).one()
            opened = s.scalar(select(CarrierClaim.id).where(
                CarrierClaim.return_item_id == item.id))
            if opened is not None:
                return int(opened)
            if not decision.carrier_claim:
                # The policy decided who is liable: a carrier pays for damage in shipping,
                # not for a defect, wear or what the customer did.
                raise NotAllowed(
                    f"The policy does not hold the carrier liable for {claim.rma_number} "
                    f"item {claim.unit_no}: the damage's cause is "
                    f"{(claim.cause or 'not recorded').replace('_', ' ')}. A carrier claim is "
                    "for damage in shipping; close this claim with its outcome (C) instead.")
            if item.order_line is None:
                raise NotAllowed(f"{claim.rma_number} item {claim.unit_no} is an extra item the "
                                 "customer sent (not sold on this order): a carrier claim has "
                                 "no value to declare for it.")
            declared = _declared_value(item)
            row = CarrierClaim(rma_id=item.rma_id, return_item_id=item.id,
                               carrier=Carrier(claim.carrier),
                               tracking_number=claim.tracking, declared_value=declared,
                               status=CarrierClaimStatus.OPEN, opened_by_id=user.id,
                               opened_at=now)
            s.add(row)
            s.flush()
            audit.append(s, at=now, action="carrier_claim.opened", actor=user.username,
                         station=self._station, entity="carrier_claim", entity_id=row.id,
                         payload={"rma": claim.rma_number, "carrier": claim.carrier,
                                  "tracking": claim.tracking,
                                  "declared_value": str(declared)})
            uow.commit()
            return row.id

    def packet_pdf(self, decision_id: int) -> bytes:
        from app.printing.claim_packet import render_claim_packet

        claim = self.get(decision_id)
        photos = [(p, self.annotations(p.id)) for p in claim.photos]
        with UnitOfWork(self._sf) as uow:
            s = uow.session
            decision = s.get(Decision, decision_id)
            assert decision is not None  # self.get found it
            # The value the carrier claim was opened with, else what it would declare.
            declared = s.scalar(select(CarrierClaim.declared_value).where(
                CarrierClaim.return_item_id == decision.return_item_id))
            if declared is None:
                item = s.get(ReturnItem, decision.return_item_id)
                assert item is not None
                declared = _declared_value(item)
        return render_claim_packet(claim, photos, self._clock.now(), declared)

    @retrying
    def resolve(self, decision_id: int, note: str, user: SignedInUser) -> None:
        """Close a claim with its outcome in the staff member's words."""
        require(user.role, Action.REVIEW_CLAIMS)
        if len(note.strip()) < 5:
            raise BadInput("Write the claim's outcome (what was done) before closing it.")
        self._require_reuse_checked(self.get(decision_id), "closing the claim")
        with UnitOfWork(self._sf) as uow:
            s = uow.session
            require_current(s, user, Action.REVIEW_CLAIMS)
            decision = s.get(Decision, decision_id)
            if decision is None:
                raise NotFound(f"No claim decision #{decision_id}.")
            if decision.resolution is Resolution.PHOTOS_REQUIRED:
                raise BadInput("This claim still waits for its photos at the bench.")
            # Closing the claim closes the desk's work, not the money: the unit's
            # decision stays where the lifecycle has it (settled by the export).
            decision.claim_open = False
            audit.append(s, at=self._clock.now(), action="claim.resolved",
                         actor=user.username, station=self._station, entity="decision",
                         entity_id=decision_id, payload={"note": note.strip()})
            uow.commit()

    # --- helpers -----------------------------------------------------------------
    @staticmethod
    def _select() -> Select[*tuple[Any, ...]]:
        """Only the columns a claim view shows (plain rows, not whole ORM objects: the
        queue lists hundreds of claims)."""
        return (select(Decision.id.label("decision_id"), Decision.resolution,
                       Decision.refund, Decision.credit, Decision.claim_resolution_due_on,
                       ReturnItem.id.label("item_id"), ReturnItem.unit_no, ReturnItem.reason,
                       ReturnItem.decision_status, ReturnAuthorization.id.label("rma_id"),
                       ReturnAuthorization.number.label("rma_number"),
                       ReturnAuthorization.carrier, ReturnAuthorization.tracking_number,
                       Customer.name.label("customer"), OrderLine.sku,
                       Inspection.damage_severity, Inspection.damage_cause, Decision.trace)
                .join(ReturnItem, Decision.return_item_id == ReturnItem.id)
                .join(ReturnAuthorization, ReturnItem.rma_id == ReturnAuthorization.id)
                .join(Order, ReturnAuthorization.order_id == Order.id)
                .join(Customer, Order.customer_id == Customer.id)
                .outerjoin(OrderLine, ReturnItem.order_line_id == OrderLine.id)
                .outerjoin(Inspection, Decision.inspection_id == Inspection.id))

    def _views(self, s: Session, rows: Sequence[Row[Any]]) -> list[ClaimView]:
        """Views for many claims with a fixed number of queries (not one per claim)."""
        now = self._clock.now()
        photos = self._inspection.photo_views_for_items(s, [r.item_id for r in rows])
        rma_ids = list({r.rma_id for r in rows})
        # Each unit's own carrier claim; one opened before claims named their unit
        # (schema 0014) stands for its whole RMA.
        by_unit: dict[int, int] = {}
        by_rma: dict[int, int] = {}
        opened = s.execute(
            select(CarrierClaim.rma_id, CarrierClaim.return_item_id, CarrierClaim.id)
            .where(CarrierClaim.rma_id.in_(rma_ids)).order_by(CarrierClaim.id.desc())
            ).all() if rma_ids else []
        for rma_id, item_id, claim_id in opened:
            if item_id is not None:
                by_unit[item_id] = claim_id
            else:
                by_rma[rma_id] = claim_id
        views = []
        for r in rows:
            hours_left = None
            if r.claim_resolution_due_on is not None:
                due = dt.datetime.combine(r.claim_resolution_due_on, dt.time(23, 59),
                                          tzinfo=dt.UTC)
                hours_left = (due - now).total_seconds() / 3600
            views.append(ClaimView(
                decision_id=r.decision_id, rma_number=r.rma_number, unit_no=r.unit_no,
                customer=r.customer, sku=r.sku or "(extra item)", reason=r.reason.value,
                severity=r.damage_severity.value if r.damage_severity else "unknown",
                cause=r.damage_cause.value if r.damage_cause else None,
                resolution=r.resolution, amount=r.refund + r.credit,
                due_on=r.claim_resolution_due_on, hours_left=hours_left,
                carrier=r.carrier.value if r.carrier else None,
                tracking=r.tracking_number,
                carrier_claim_id=by_unit.get(r.item_id, by_rma.get(r.rma_id)),
                status=r.decision_status, photos=tuple(photos[r.item_id]),
                reuse_acknowledged=any(isinstance(t, dict) and t.get("rule") == REUSE_ACK
                                       for t in r.trace or [])))
        return views


def _declared_value(item: ReturnItem) -> Decimal:
    """What a carrier claim declares for a unit: the price paid for it (its share of its
    order line, by the unit of the line its decision took); an extra item declares
    nothing (it was never sold to this customer)."""
    if item.order_line is None:
        return Decimal("0.00")
    price, _tax = unit_amounts(item.order_line, item.line_unit)
    return price
