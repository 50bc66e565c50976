"""Receiving a parcel at the bench: record the receipt and start the inspection clock; mark
each expected item received, missing or wrong; add an extra item; hold an unknown parcel."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, replace

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app import audit
from app.clock import Clock
from app.domain.enums import (
    DecisionStatus,
    ReceptionStatus,
    RequestedResolution,
    ReturnReason,
    RmaStatus,
)
from app.errors import BadInput
from app.lifecycle import Op
from app.permissions import Action, require
from app.policy.calendar import add_business_days, local_date
from app.policy.rules import Policy, load_policy
from app.services.auth import SignedInUser, require_current
from app.services.common import StationId, describe_product, load_rma, rma_unit
from app.services.lookup import LookupService, ReceiptView, ReturnView, SearchHit
from app.services.unit_moves import move
from app.services.uow import UnitOfWork, retrying
from models import Product, Receipt, ReturnAuthorization, ReturnItem

MARKABLE = (ReceptionStatus.RECEIVED, ReceptionStatus.MISSING, ReceptionStatus.WRONG_ITEM)
MARK_OP = {ReceptionStatus.RECEIVED: Op.MARK_RECEIVED, ReceptionStatus.MISSING: Op.MARK_MISSING,
           ReceptionStatus.WRONG_ITEM: Op.MARK_WRONG}


@dataclass(frozen=True)
class ScanOutcome:
    """What one scan found and did: the view to show (None: nothing found, `problem`
    says why), whether the parcel was received now, and the sentence for the bench."""

    view: ReturnView | None
    newly_received: bool
    message: str
    problem: str | None = None
    no_return: bool = False  # an order without a return authorization
    # The other returns received with this scan: they came in the same box (the same
    # tracking number, or the order's other returns when the order number was scanned).
    also: tuple[str, ...] = ()


@dataclass(frozen=True)
class ReceiveOutcome:
    view: ReturnView
    newly_received: bool
    message: str


class ReceivingService:
    def __init__(self, session_factory: sessionmaker[Session], clock: Clock, station: str,
                 lookup: LookupService,
                 policy_loader: Callable[[str], Policy] = load_policy) -> None:
        self._sf = session_factory
        self._clock = clock
        self._station = station
        self._lookup = lookup
        self._load_policy = policy_loader
        self._station_id = StationId(station)

    @retrying
    def scan(self, code: str, user: SignedInUser) -> ScanOutcome:
        """One scan at the bench, in one transaction: classify the code, find its return,
        record the parcel's receipt (once) and build the screen's view."""
        require(user.role, Action.RECEIVE)
        now = self._clock.now()
        with UnitOfWork(self._sf) as uow:
            s = uow.session
            require_current(s, user, Action.RECEIVE)
            found = self._find(s, code, "receive it as an unexpected return (Ctrl+U) or "
                               "hold the parcel (Ctrl+H).")
            if isinstance(found, ScanOutcome):
                return found
            rma, view = found
            outcome = self._receive(s, rma, code, user, now, view)
            mates = self._lookup.box_mates(s, rma, view.matched_by) \
                if outcome.newly_received else []
            for mate in mates:  # one box, several returns: each is received by this scan
                self._receive(s, mate, code, user, now, None)
            uow.commit()
            if not mates:
                return outcome
            numbers = tuple(m.number for m in mates)
            return replace(outcome, also=numbers, message=(
                f"{outcome.message} One box, {len(mates) + 1} returns: "
                f"{', '.join(numbers)} received too (Ctrl+N shows the next)."))

    @retrying
    def add_to_box(self, box_code: str, code: str, user: SignedInUser) -> ScanOutcome:
        """Another return found in the open parcel's box (Ctrl+A): found by its RMA,
        order or tracking number and received as part of that box (its receipt carries
        the box's scanned code, its audit entry both)."""
        require(user.role, Action.RECEIVE)
        now = self._clock.now()
        with UnitOfWork(self._sf) as uow:
            s = uow.session
            require_current(s, user, Action.RECEIVE)
            found = self._find(s, code, "nothing to add to this box.")
            if isinstance(found, ScanOutcome):
                return found
            rma, view = found
            outcome = self._receive(s, rma, box_code, user, now, view)
            if outcome.newly_received:
                audit.append(s, at=now, action="parcel.box_added", actor=user.username,
                             station=self._station, entity="rma", entity_id=rma.number,
                             payload={"box": box_code, "found_by": code})
            uow.commit()
        if not outcome.newly_received:
            return outcome
        assert outcome.view is not None
        return replace(outcome, message=f"{rma.number} added to this box and received. "
                       + _expected(outcome.view))

    @retrying
    def receive_parcel(self, rma_number: str, scanned_code: str,
                       user: SignedInUser) -> ReceiveOutcome:
        """Record the parcel's receipt once; a second scan says when, by whom and where."""
        require(user.role, Action.RECEIVE)
        now = self._clock.now()
        with UnitOfWork(self._sf) as uow:
            s = uow.session
            require_current(s, user, Action.RECEIVE)
            rma = load_rma(s, rma_number, for_update=True)
            outcome = self._receive(s, rma, scanned_code, user, now, None)
            uow.commit()
        assert outcome.view is not None
        return ReceiveOutcome(outcome.view, outcome.newly_received, outcome.message)

    def _find(self, s: Session, code: str, no_return: str
              ) -> tuple[ReturnAuthorization, ReturnView] | ScanOutcome:
        """The return a code names, locked for the caller's transaction; or what to show
        when it names none (`no_return`: what to do with an order that has no return)."""
        _scan, rma, view, problem = self._lookup.find_in(s, code, lock=True)
        if view is None:
            return ScanOutcome(None, False, problem or "Not found.", problem=problem)
        if rma is None:
            return ScanOutcome(view, False, f"Order {view.order_number} has no return "
                               f"authorization: {no_return}", no_return=True)
        return rma, view

    def _receive(self, s: Session, rma: ReturnAuthorization, scanned_code: str,
                 user: SignedInUser, now: dt.datetime, view: ReturnView | None
                 ) -> ScanOutcome:
        """The receipt, inside the caller's transaction (the RMA row locked)."""
        if view is None:
            view = self._lookup.view_of(s, rma)
        first = view.first_receipt
        if first is None:
            policy = self._load_policy(rma.order.brand.value)
            due = add_business_days(local_date(now, policy.timezone),
                                    policy.inspection_business_days, policy.holidays)
            s.add(Receipt(rma_id=rma.id, scanned_code=scanned_code[:80], received_at=now,
                          user_id=user.id, station_id=self._station_id(s)))
            rma.status = RmaStatus.RECEIVED
            for item in rma.items:
                if item.reception_status is ReceptionStatus.AWAITING:
                    move(s, Op.RECEIVE, item, actor=user.username, station=self._station,
                         at=now)
                    item.received_at = now
                item.inspection_due_on = due
            audit.append(s, at=now, action="parcel.received", actor=user.username,
                         station=self._station, entity="rma", entity_id=rma.number,
                         payload={"scanned": scanned_code, "inspection_due": due})
            s.flush()
            # The view is built from the rows this transaction holds, not looked up again.
            view = self._lookup.view_of(s, rma, view.matched_by, ReceiptView(
                now, user.display_name, self._station))
            return ScanOutcome(view, True, f"Received {rma.number}: {_expected(view)}")
        when = first.received_at.astimezone().strftime("%b %d %H:%M")
        return ScanOutcome(view, False, f"{rma.number} was already received on {when} "
                           f"by {first.user} at {first.station}.")

    @retrying
    def set_reception(self, rma_number: str, unit_no: int, status: ReceptionStatus,
                      user: SignedInUser) -> ReturnView:
        if status not in MARKABLE:
            raise BadInput(f"An expected item can be marked "
                           f"{', '.join(m.value for m in MARKABLE)}, not {status.value}.")
        require(user.role, Action.RECEIVE)
        now = self._clock.now()
        with UnitOfWork(self._sf) as uow:
            s = uow.session
            require_current(s, user, Action.RECEIVE)
            rma = load_rma(s, rma_number, for_update=True)
            item = rma_unit(rma, unit_no)
            before = item.reception_status
            move(s, MARK_OP[status], item, actor=user.username, station=self._station,
                 at=now, action="item.reception", entity="rma", entity_id=rma.number,
                 payload={"unit_no": unit_no, "from": before.value, "to": status.value})
            item.received_at = now if status is not ReceptionStatus.MISSING else None
            s.flush()
            view = self._lookup.view_of(s, rma)  # no second lookup: these rows, this view
            uow.commit()
        return view

    @retrying
    def add_extra_item(self, rma_number: str, description: str,
                       user: SignedInUser) -> ReturnView:
        """An item in the parcel that the return did not list: recorded, held for review."""
        if len(description.strip()) < 3:
            raise BadInput("Describe the extra item (style, colour, size) in a few words.")
        require(user.role, Action.RECEIVE)
        now = self._clock.now()
        with UnitOfWork(self._sf) as uow:
            s = uow.session
            require_current(s, user, Action.RECEIVE)
            rma = load_rma(s, rma_number, for_update=True)
            next_unit = max((it.unit_no for it in rma.items), default=0) + 1
            s.add(ReturnItem(rma_id=rma.id, unit_no=next_unit, order_line_id=None,
                             reason=ReturnReason.OTHER, requested=RequestedResolution.REFUND,
                             customer_comment=description.strip(),
                             reception_status=ReceptionStatus.EXTRA,
                             decision_status=DecisionStatus.PENDING, received_at=now))
            audit.append(s, at=now, action="item.extra_added", actor=user.username,
                         station=self._station, entity="rma", entity_id=rma.number,
                         payload={"unit_no": next_unit, "description": description.strip()})
            uow.commit()
        return self._lookup.find_return(rma_number)

    @retrying
    def record_unmatched(self, scanned_code: str, note: str, user: SignedInUser) -> int:
        """A parcel no return matches: record it, held for investigation, so nothing is lost."""
        require(user.role, Action.RECEIVE)
        if not scanned_code.strip() and len(note.strip()) < 3:
            raise BadInput("Scan the label or describe the parcel before holding it.")
        now = self._clock.now()
        with UnitOfWork(self._sf) as uow:
            s = uow.session
            require_current(s, user, Action.RECEIVE)
            receipt = Receipt(rma_id=None, scanned_code=scanned_code.strip()[:80],
                              received_at=now, user_id=user.id,
                              station_id=self._station_id(s),
                              note=note.strip() or "unmatched parcel, held for investigation")
            s.add(receipt)
            s.flush()
            audit.append(s, at=now, action="parcel.unmatched", actor=user.username,
                         station=self._station, entity="receipt", entity_id=receipt.id,
                         payload={"scanned": scanned_code, "note": note})
            uow.commit()
            return receipt.id

    def unmatched_since(self, since: dt.datetime) -> list[tuple[int, str, dt.datetime, str]]:
        """Held parcels for the investigation shelf: id, code, when, note."""
        with UnitOfWork(self._sf) as uow:
            rows = uow.session.execute(
                select(Receipt.id, Receipt.scanned_code, Receipt.received_at, Receipt.note)
                .where(Receipt.rma_id.is_(None), Receipt.received_at >= since)
                .order_by(Receipt.received_at)).all()
            return [(r[0], r[1], r[2], r[3] or "") for r in rows]

    def product_words(self, sku: str) -> str | None:
        """A SKU tag read at the bench: the product it names ("Style, colour, size"), or
        None when the code is no SKU of ours."""
        code = sku.strip()
        if not code or len(code) > 40:
            return None
        with UnitOfWork(self._sf) as uow:
            product = uow.session.scalars(select(Product).where(Product.sku == code)).first()
            if product is None:
                return None
            return describe_product(product)

    def search(self, text: str) -> list[SearchHit]:
        """A parcel no code found: orders and their latest return by customer name,
        email or order number."""
        return self._lookup.search(text)

    def find_return(self, code: str) -> ReturnView:
        """The return (or order) a code names, not received; NotFound says why not."""
        return self._lookup.find_return(code)

    def current_view(self, rma_number: str) -> ReturnView:
        """The parcel as it stands now (after an answer given at this bench), read only."""
        return self._lookup.find_return(rma_number)


def _expected(view: ReturnView) -> str:
    """What the bench says a received parcel holds: "2 items expected. Inspect with F2." """
    expected = sum(1 for it in view.items if it.line is not None)
    return f"{expected} item{'s' if expected != 1 else ''} expected. Inspect with F2."
