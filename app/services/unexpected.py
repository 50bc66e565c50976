"""Unexpected returns: a parcel that came with no return authorization at all.

The bench receives it anyway (its receipt, what is in it, the bench's grading, and the
customer and order it found by name, email, order number or product) and puts it on the
hold shelf. A supervisor then links it to an order, where it becomes a return like any
other (received when the parcel was, the bench's grading its draft, decided at a bench
under the policy), or sends it back to the customer. Each step is one transaction with
its audit entry; the database refuses a row whose status and answer disagree."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, replace

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload, sessionmaker

from app import audit
from app.clock import Clock
from app.domain.enums import (
    Carrier,
    DamageSeverity,
    DecisionStatus,
    Grade,
    ReceptionStatus,
    RequestedResolution,
    ReturnReason,
    RmaStatus,
    UnexpectedStatus,
)
from app.errors import BadInput, Conflict, Contention, NotFound
from app.lifecycle import Op
from app.permissions import Action, require
from app.policy.calendar import add_business_days, local_date
from app.policy.rules import Policy, load_policy
from app.scanning.classify import classify
from app.scanning.codes import rma_number
from app.services.auth import SignedInUser, require_current
from app.services.common import StationId, describe_product
from app.services.decision_forms import InspectionInput, with_grade
from app.services.inspection import form_from, form_json
from app.services.outcomes import live_units_elsewhere
from app.services.unit_moves import move
from app.services.uow import UnitOfWork, retrying
from models import (
    Customer,
    Inspection,
    Order,
    OrderLine,
    Product,
    Receipt,
    ReturnAuthorization,
    ReturnItem,
    Station,
    UnexpectedReturn,
    User,
)

CARRIERS = {c.value for c in Carrier}


def unexpected_number(row_id: int) -> str:
    """How the bench and the hold shelf name one: "U-000042"."""
    return f"U-{row_id:06d}"


@dataclass(frozen=True)
class UnexpectedView:
    id: int
    number: str
    received_at: dt.datetime
    station: str
    received_by: str
    scanned_code: str
    customer: str  # "Name <email>", or "" when the bench found nobody
    order_number: str | None  # the order the bench found (a hint for the supervisor)
    description: str
    sku: str | None
    grade: Grade
    notes: str
    status: UnexpectedStatus
    answered_by: str | None = None
    answered_at: dt.datetime | None = None
    note: str | None = None
    rma_number: str | None = None
    order_lines: tuple[str, ...] = ()  # the hinted order's lines, "1 SKU (style, size)"

    def lines(self) -> list[str]:
        """What the supervisor reads before answering."""
        out = [f"{self.number}, received {self.received_at.astimezone():%b %d %H:%M} by "
               f"{self.received_by} at {self.station} (label "
               f"{self.scanned_code or 'none'})",
               f"In the box: {self.description}" + (f" ({self.sku})" if self.sku else "")
               + f", graded {self.grade.value}" + (f": {self.notes}" if self.notes else ""),
               f"Customer: {self.customer or 'not found at the bench'}"]
        if self.order_number:
            out.append(f"Order found at the bench: {self.order_number}, "
                       + "; ".join(f"line {line}" for line in self.order_lines))
            if self.sku and self.order_lines and not any(
                    f": {self.sku} " in line for line in self.order_lines):
                out.append(f"The dress ({self.sku}) is not on {self.order_number}: search "
                           "its SKU at Receive (Ctrl+F) for the order that bought it.")
        if self.status is UnexpectedStatus.LINKED:
            out.append(f"Linked by {self.answered_by}: {self.rma_number}")
        elif self.status is UnexpectedStatus.SENT_BACK:
            out.append(f"Sent back by {self.answered_by}" + (f": {self.note}" if self.note
                                                               else ""))
        return out


def unexpected_answer(view: UnexpectedView) -> str:
    """The sentence a supervisor reads after answering (the page and replay alike)."""
    if view.status is UnexpectedStatus.LINKED:
        return (f"{view.number} linked to order {view.order_number}: it is "
                f"{view.rma_number} now, received {view.received_at.astimezone():%b %d} by "
                f"{view.received_by}, its grade {view.grade.value} kept as the draft. Take "
                f"it off the hold shelf, scan {view.rma_number} at a bench and press Enter "
                "to decide it.")
    return (f"{view.number} goes back to the customer as it came: take it off the hold "
            "shelf to shipping.")


@dataclass(frozen=True)
class UnexpectedCounts:
    """Reports: unexpected returns received in a period, and where they stand now."""

    received: int
    held: int
    linked: int
    sent_back: int


def counts_by_status(s: Session, since: dt.datetime, until: dt.datetime) -> dict[str, int]:
    """Unexpected returns received in [since, until), by where each stands now: every
    status named, 0 included (the service's counts and the Reports KPIs)."""
    found = dict(s.execute(select(UnexpectedReturn.status, func.count())
                           .where(UnexpectedReturn.received_at >= since,
                                  UnexpectedReturn.received_at < until)
                           .group_by(UnexpectedReturn.status)).all())
    return {st.value: int(found.get(st, 0)) for st in UnexpectedStatus}


class UnexpectedService:
    def __init__(self, session_factory: sessionmaker[Session], clock: Clock, station: str,
                 policy_loader: Callable[[str], Policy] = load_policy) -> None:
        self._sf = session_factory
        self._clock = clock
        self._station = station
        self._station_id = StationId(station)
        self._load_policy = policy_loader

    # --- at the bench --------------------------------------------------------------
    @retrying
    def receive(self, scanned_code: str, found_order: str | None, what: str,
                grade: Grade, notes: str, user: SignedInUser) -> UnexpectedView:
        """A parcel with no return, received as an unexpected return: `what` is a SKU
        tag read from the dress or words (style, colour, size); `found_order` the order
        the bench found the customer by (name, email, order number or product), if any.
        Held for a supervisor."""
        require(user.role, Action.RECEIVE)
        code, words = scanned_code.strip()[:80], " ".join(what.split())
        now = self._clock.now()
        with UnitOfWork(self._sf) as uow:
            s = uow.session
            require_current(s, user, Action.RECEIVE)
            product = s.scalars(select(Product).where(Product.sku == words.upper()[:40])
                                ).first() if words else None
            description = describe_product(product) if product is not None else words
            if len(description) < 3:
                raise BadInput("Say what is in the box: scan the dress's SKU tag or type "
                               "its style, colour and size.")
            order = None
            if found_order:
                order = s.scalars(select(Order).where(
                    Order.number == found_order.strip().upper())).one_or_none()
                if order is None:
                    raise NotFound(f"No order {found_order.strip()}: search again, or "
                                   "receive it without an order.")
            form = with_grade(InspectionInput(notes=notes.strip() or None), grade)
            receipt = Receipt(rma_id=None, scanned_code=code, received_at=now,
                              user_id=user.id, station_id=self._station_id(s),
                              note="unexpected return, held for a supervisor")
            s.add(receipt)
            s.flush()
            row = UnexpectedReturn(
                receipt_id=receipt.id, received_at=now,
                customer_id=order.customer_id if order is not None else None,
                order_id=order.id if order is not None else None,
                product_id=product.id if product is not None else None,
                description=description[:500], grade=grade, form=form_json(form),
                status=UnexpectedStatus.HELD)
            s.add(row)
            s.flush()
            audit.append(s, at=now, action="parcel.unexpected", actor=user.username,
                         station=self._station, entity="unexpected_return",
                         entity_id=row.id,
                         payload={"scanned": code, "order": order.number if order else None,
                                  "what": description, "grade": grade.value,
                                  "sku": product.sku if product else None})
            view = self.view_of(s, row)
            uow.commit()
            return view

    # --- the supervisor's answers ----------------------------------------------------
    def held(self, user: SignedInUser, limit: int = 200) -> list[UnexpectedView]:
        """The hold shelf's unexpected returns, oldest first."""
        require(user.role, Action.SETTLE_UNEXPECTED)
        with UnitOfWork(self._sf) as uow:
            s = uow.session
            rows = s.scalars(select(UnexpectedReturn)
                             .where(UnexpectedReturn.status == UnexpectedStatus.HELD)
                             .order_by(UnexpectedReturn.received_at, UnexpectedReturn.id)
                             .limit(limit)).all()
            return [self.view_of(s, row) for row in rows]

    @retrying
    def link(self, unexpected_id: int, order_text: str, user: SignedInUser,
             note: str = "") -> UnexpectedView:
        """Link it to an order: "KP-01234" (the line found by the dress's SKU, or the
        order's only line) or "KP-01234 2" (its second line). It becomes a return of
        that order, received when the parcel was, its unit the bench's grading as a
        draft: scanned at a bench, one Enter decides it under the policy."""
        require(user.role, Action.SETTLE_UNEXPECTED)
        words = order_text.split()
        if not words or len(words) > 2 or (len(words) == 2 and not words[1].isdigit()):
            raise BadInput("Type the order number, and its line if it has several "
                           "(KP-01234 2).")
        now = self._clock.now()
        with UnitOfWork(self._sf) as uow:
            s = uow.session
            require_current(s, user, Action.SETTLE_UNEXPECTED)
            row = self._held(s, unexpected_id)
            order = s.scalars(select(Order).where(Order.number == words[0].upper())
                              .options(joinedload(Order.lines))).unique().one_or_none()
            if order is None:
                raise NotFound(f"No order {words[0]}: type it as on the packing slip "
                               "(KP-01234 or ST-01234).")
            line = self._line(s, order, row, int(words[1]) if len(words) == 2 else None)
            taken = live_units_elsewhere(s, line.id, None)
            if len(taken) >= line.quantity:
                raise Conflict(f"Order {order.number} bought {line.quantity} of {line.sku} "
                               f"and {', '.join(sorted(set(taken)))} already return"
                               f"{'s' if len(taken) == 1 else ''} "
                               f"{'it' if line.quantity == 1 else 'them'}: pick another "
                               "line, or send the parcel back (R).")
            receipt = s.get(Receipt, row.receipt_id)
            assert receipt is not None
            rma = ReturnAuthorization(
                number=self._next_rma_number(s, now), order=order, carrier=None,
                tracking_number=_tracking(receipt.scanned_code), created_at=now,
                status=RmaStatus.RECEIVED)
            s.add(rma)
            try:
                s.flush()  # the year's next number: another link may take it first
            except IntegrityError as exc:
                raise Contention("Another return took that RMA number at the same "
                                 "moment; try again.") from exc
            item = ReturnItem(
                rma=rma, unit_no=1, order_line=line, reason=ReturnReason.OTHER,
                customer_comment=f"Unexpected return {unexpected_number(row.id)}: "
                                 f"{row.description}",
                requested=RequestedResolution.REFUND,
                reception_status=ReceptionStatus.AWAITING,
                decision_status=DecisionStatus.PENDING)
            s.add(item)
            s.flush()
            receiver = s.get(User, receipt.user_id)
            assert receiver is not None
            move(s, Op.RECEIVE, item, actor=receiver.username, station=self._station,
                 at=now)
            item.received_at = receipt.received_at
            policy = self._load_policy(order.brand.value)
            item.inspection_due_on = add_business_days(
                local_date(now, policy.timezone), policy.inspection_business_days,
                policy.holidays)
            receipt.rma_id = rma.id  # the parcel's receipt is the return's: who, when
            form = form_from(row.form)
            product = s.get(Product, row.product_id) if row.product_id else None
            if product is not None and product.sku == line.sku:
                form = replace(form, matches_order=True)  # its tag, read at the bench
            s.add(Inspection(  # the bench's grading, as the unit's draft at that bench
                item=item, grade=form.grade,
                checklist={"form": form_json(form), "marks": sorted(form.marks)},
                worn=form.worn, altered=form.altered, tags_attached=form.tags_attached,
                matches_order=form.matches_order is not False,
                damage_severity=form.damage_severity or DamageSeverity.NONE,
                damage_cause=form.damage_cause,
                inspector_id=receipt.user_id, station_id=receipt.station_id,
                started_at=now, is_draft=True))
            s.flush()
            move(s, Op.INSPECT, item, actor=receiver.username, station=self._station,
                 at=now, payload={"grade": form.grade})
            row.order, row.customer_id = order, order.customer_id  # the hint, settled
            self._answer(s, row, user, now, UnexpectedStatus.LINKED, note, rma)
            audit.append(s, at=now, action="unexpected.linked", actor=user.username,
                         station=self._station, entity="unexpected_return",
                         entity_id=row.id,
                         payload={"order": order.number, "line": line.id, "sku": line.sku,
                                  "rma": rma.number, "note": note.strip()[:500]})
            view = self.view_of(s, row)
            uow.commit()
            return view

    @retrying
    def send_back(self, unexpected_id: int, user: SignedInUser,
                  note: str = "") -> UnexpectedView:
        """No order takes it: it goes back to the customer as it came."""
        require(user.role, Action.SETTLE_UNEXPECTED)
        now = self._clock.now()
        with UnitOfWork(self._sf) as uow:
            s = uow.session
            require_current(s, user, Action.SETTLE_UNEXPECTED)
            row = self._held(s, unexpected_id)
            self._answer(s, row, user, now, UnexpectedStatus.SENT_BACK, note, None)
            audit.append(s, at=now, action="unexpected.sent_back", actor=user.username,
                         station=self._station, entity="unexpected_return",
                         entity_id=row.id, payload={"note": note.strip()[:500]})
            view = self.view_of(s, row)
            uow.commit()
            return view

    def counts(self, since: dt.datetime, until: dt.datetime) -> UnexpectedCounts:
        """Received in [since, until), by where each stands now (Reports)."""
        with UnitOfWork(self._sf) as uow:
            rows = counts_by_status(uow.session, since, until)
        return UnexpectedCounts(sum(rows.values()), rows[UnexpectedStatus.HELD.value],
                                rows[UnexpectedStatus.LINKED.value],
                                rows[UnexpectedStatus.SENT_BACK.value])

    # --- helpers ---------------------------------------------------------------------
    @staticmethod
    def _held(s: Session, unexpected_id: int) -> UnexpectedReturn:
        row = s.get(UnexpectedReturn, unexpected_id, with_for_update=True)
        if row is None:
            raise NotFound(f"No unexpected return {unexpected_number(unexpected_id)}.")
        if row.status is not UnexpectedStatus.HELD:
            who = s.get(User, row.answered_by_id)
            done = (f"linked to {row.rma.number}" if row.rma is not None
                    else "sent back")
            raise Conflict(f"{unexpected_number(row.id)} was {done} already by "
                           f"{who.display_name if who else '?'}.")
        return row

    @staticmethod
    def _line(s: Session, order: Order, row: UnexpectedReturn,
              line_no: int | None) -> OrderLine:
        lines = sorted(order.lines, key=lambda ln: ln.line_no)
        if line_no is not None:
            chosen = [ln for ln in lines if ln.line_no == line_no]
            if not chosen:
                raise BadInput(f"Order {order.number} has no line {line_no} (its lines: "
                               f"{', '.join(str(ln.line_no) for ln in lines)}).")
            return chosen[0]
        if row.product_id is not None:
            product = s.get(Product, row.product_id)
            same = [ln for ln in lines if product is not None and ln.sku == product.sku]
            if same:
                return same[0]
        if len(lines) == 1:
            return lines[0]
        listed = "; ".join(f"{ln.line_no} {ln.sku}" for ln in lines)
        raise BadInput(f"Order {order.number} has {len(lines)} lines ({listed}): type the "
                       f"line after the number ({order.number} {lines[-1].line_no}).")

    @staticmethod
    def _next_rma_number(s: Session, now: dt.datetime) -> str:
        """The year's next RMA number (the unique index refuses a number taken twice;
        the retry takes the next)."""
        prefix = f"RMA-{now.year:04d}-"
        last = s.scalar(select(func.max(ReturnAuthorization.number))
                        .where(ReturnAuthorization.number.like(f"{prefix}%")))
        seq = int(last[len(prefix):len(prefix) + 6]) + 1 if last else 1
        return rma_number(now.year, seq)

    @staticmethod
    def _answer(s: Session, row: UnexpectedReturn, user: SignedInUser, now: dt.datetime,
                status: UnexpectedStatus, note: str,
                rma: ReturnAuthorization | None) -> None:
        """The answer, written only while the row is still held: on SQLite the row is
        not locked when it is read (FOR UPDATE is PostgreSQL's), so another supervisor
        may have answered it in between; then nothing of this answer is kept."""
        done = s.execute(
            update(UnexpectedReturn)
            .where(UnexpectedReturn.id == row.id,
                   UnexpectedReturn.status == UnexpectedStatus.HELD)
            .values(status=status, answered_by_id=user.id, answered_at=now,
                    note=note.strip()[:500] or None,
                    rma_id=rma.id if rma is not None else None)
            .execution_options(synchronize_session=False))
        if getattr(done, "rowcount", 0) != 1:
            raise Conflict(f"{unexpected_number(row.id)} was answered by another "
                           "supervisor at the same moment: nothing of this answer is kept.")
        s.refresh(row)

    @staticmethod
    def view_of(s: Session, row: UnexpectedReturn) -> UnexpectedView:
        receipt = s.get(Receipt, row.receipt_id)
        assert receipt is not None
        station = s.get(Station, receipt.station_id)
        receiver = s.get(User, receipt.user_id)
        answered = s.get(User, row.answered_by_id) if row.answered_by_id else None
        customer = s.get(Customer, row.customer_id) if row.customer_id else None
        order = row.order
        product = s.get(Product, row.product_id) if row.product_id else None
        lines: tuple[str, ...] = ()
        if order is not None:
            lines = tuple(f"{ln.line_no}: {ln.sku} (bought {ln.quantity})"
                          for ln in sorted(order.lines, key=lambda ln: ln.line_no))
        return UnexpectedView(
            row.id, unexpected_number(row.id), row.received_at,
            station.name if station else "?", receiver.display_name if receiver else "?",
            receipt.scanned_code,
            f"{customer.name} <{customer.email}>" if customer else "",
            order.number if order else None, row.description,
            product.sku if product else None, row.grade,
            form_from(row.form).notes or "", row.status,
            answered.display_name if answered else None, row.answered_at, row.note,
            row.rma.number if row.rma is not None else None, lines)


def _tracking(code: str) -> str | None:
    """The carrier's tracking number a scanned label carried (the return's, so that a
    scan of the same label finds it), else None."""
    found = [c.value for c in classify(code).valid if c.kind in CARRIERS]
    return found[0][:40] if found else None

