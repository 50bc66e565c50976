"""The calibration set (issue 19): managers keep a few reference dresses, each a unit on
file with its photos and the grade the team agreed; a calibration round shows them to one
person in an order drawn for them, blind (the agreed grade shows only once the round is
done), and scores the answers as the QA re-grades are scored (agreement, kappa), so a new
inspector can be checked before their first day at the bench."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from app import audit
from app.clock import Clock
from app.domain.agreement import Agreement, agreement, grade_letter
from app.errors import BadInput, Conflict, NotFound, PermissionDenied
from app.permissions import Action, require
from app.scanning.codes import plate_ids
from app.services.auth import SignedInUser, require_current
from app.services.common import load_rma, rma_unit
from app.services.inspection import InspectionService
from app.services.uow import UnitOfWork, retrying
from app.views import PhotoView
from models import (
    CalibrationAnswer,
    CalibrationItem,
    CalibrationRound,
    OrderLine,
    Product,
    ReturnAuthorization,
    ReturnItem,
    User,
)

MIN_ITEMS = 3  # fewer says nothing about how someone grades


@dataclass(frozen=True)
class ReferenceItem:
    """A reference dress as managers see it (with its agreed grade)."""

    id: int
    rma: str
    unit_no: int
    sku: str
    description: str
    agreed_grade: str
    note: str | None
    photos: int
    active: bool


@dataclass(frozen=True)
class CalibrationCard:
    """One reference dress as the person in a round sees it: no agreed grade."""

    round_id: int
    item_id: int
    position: int  # 1-based, of `total`
    total: int
    sku: str
    description: str
    size: str
    reason: str
    customer_comment: str | None
    photos: tuple[PhotoView, ...]


@dataclass(frozen=True)
class RoundScore:
    round_id: int
    who: str
    finished: bool
    answered: int
    total: int
    agreement: Agreement
    # (description, agreed grade, their grade) per dress, once the round is done
    answers: tuple[tuple[str, str, str], ...]
    finished_at: dt.datetime | None = None

    def words(self) -> str:
        return (f"{self.who}: {self.answered} of {self.total} graded; "
                + (self.agreement.words() if self.finished else "round not finished"))


class CalibrationService:
    def __init__(self, session_factory: sessionmaker[Session], clock: Clock, station: str,
                 inspection: InspectionService) -> None:
        self._sf = session_factory
        self._clock = clock
        self._station = station
        self._inspection = inspection

    # --- the set (managers) -----------------------------------------------------------
    @retrying
    def add(self, rma_number: str, unit_no: int, grade: str, user: SignedInUser,
            note: str = "") -> ReferenceItem:
        """A unit on file (with its photos) into the set, with the agreed grade."""
        require(user.role, Action.MANAGE_CALIBRATION)
        agreed = grade_letter(grade)
        with UnitOfWork(self._sf) as uow:
            s = uow.session
            require_current(s, user, Action.MANAGE_CALIBRATION)
            item = rma_unit(load_rma(s, rma_number), unit_no)
            photos = self._inspection.photo_views_for_items(s, [item.id])[item.id]
            if not photos:
                raise BadInput(f"Item {unit_no} of {rma_number} has no photos: a reference "
                               "dress is graded from its photos; take them first.")
            row = s.scalars(select(CalibrationItem).where(
                CalibrationItem.return_item_id == item.id)).one_or_none()
            if row is None:
                row = CalibrationItem(return_item_id=item.id, added_by_id=user.id,
                                      added_at=self._clock.now())
                s.add(row)
            row.agreed_grade, row.note, row.active = agreed, note.strip() or None, True
            s.flush()
            audit.append(s, at=self._clock.now(), action="calibration.item_set",
                         actor=user.username, station=self._station,
                         entity="calibration_item", entity_id=row.id,
                         payload={"rma": rma_number, "unit": unit_no, "grade": agreed})
            uow.commit()
            item_id = row.id
        return next(i for i in self.items(user) if i.id == item_id)

    def add_plate(self, plate: str, grade: str, user: SignedInUser, note: str = ""
                  ) -> ReferenceItem:
        """The dress whose plate was scanned into the set (see `add`)."""
        ids = plate_ids(plate.strip().upper())
        if ids is None:
            raise BadInput(f"{plate.strip()!r} is not a dress's plate (IT-...): scan the "
                           "dress's label.")
        with UnitOfWork(self._sf) as uow:
            number = uow.session.scalar(select(ReturnAuthorization.number).where(
                ReturnAuthorization.id == ids[0]))
        if number is None:
            raise NotFound(f"No dress {plate.strip().upper()} here.")
        return self.add(number, ids[1], grade, user, note)

    @retrying
    def retire(self, item_id: int, user: SignedInUser) -> None:
        require(user.role, Action.MANAGE_CALIBRATION)
        with UnitOfWork(self._sf) as uow:
            require_current(uow.session, user, Action.MANAGE_CALIBRATION)
            row = uow.session.get(CalibrationItem, item_id)
            if row is None:
                raise NotFound(f"No reference dress #{item_id}.")
            row.active = False
            audit.append(uow.session, at=self._clock.now(), action="calibration.item_retired",
                         actor=user.username, station=self._station,
                         entity="calibration_item", entity_id=item_id, payload={})
            uow.commit()

    def items(self, user: SignedInUser) -> list[ReferenceItem]:
        require(user.role, Action.MANAGE_CALIBRATION)
        with UnitOfWork(self._sf) as uow:
            s = uow.session
            rows = s.execute(
                select(CalibrationItem, ReturnAuthorization.number, ReturnItem.unit_no,
                       OrderLine.sku, OrderLine.description)
                .join(ReturnItem, ReturnItem.id == CalibrationItem.return_item_id)
                .join(ReturnAuthorization, ReturnAuthorization.id == ReturnItem.rma_id)
                .outerjoin(OrderLine, OrderLine.id == ReturnItem.order_line_id)
                .order_by(CalibrationItem.id)).all()
            photos = self._inspection.photo_views_for_items(
                s, [r[0].return_item_id for r in rows])
            return [ReferenceItem(c.id, number, unit, sku or "", description or "",
                                  c.agreed_grade, c.note, len(photos[c.return_item_id]),
                                  c.active)
                    for c, number, unit, sku, description in rows]

    # --- a round (anyone who grades) --------------------------------------------------
    @retrying
    def start_round(self, user: SignedInUser) -> int:
        """A new round for `user` over the active set, in an order drawn for it."""
        require(user.role, Action.DECIDE)
        with UnitOfWork(self._sf) as uow:
            s = uow.session
            require_current(s, user, Action.DECIDE)
            ids = list(s.scalars(select(CalibrationItem.id).where(
                CalibrationItem.active.is_(True)).order_by(CalibrationItem.id)))
            if len(ids) < MIN_ITEMS:
                raise BadInput(f"The calibration set has {len(ids)} reference dresses; a "
                               f"round needs at least {MIN_ITEMS}: ask a manager to add "
                               "some (Ctrl+Shift+K on the QA screen or `qa calibration "
                               "add`).")
            row = CalibrationRound(user_id=user.id, started_at=self._clock.now(), order=[])
            s.add(row)
            s.flush()
            random.Random(f"calibration-round-{row.id}").shuffle(ids)
            row.order = ids
            audit.append(s, at=self._clock.now(), action="calibration.round_started",
                         actor=user.username, station=self._station,
                         entity="calibration_round", entity_id=row.id,
                         payload={"items": len(ids)})
            uow.commit()
            return row.id

    def open_round(self, user: SignedInUser) -> int | None:
        """The user's unfinished round, if any (a round survives a restart)."""
        with UnitOfWork(self._sf) as uow:
            return uow.session.scalar(
                select(CalibrationRound.id).where(CalibrationRound.user_id == user.id,
                                                  CalibrationRound.finished_at.is_(None))
                .order_by(CalibrationRound.id.desc()).limit(1))

    def card(self, round_id: int, user: SignedInUser) -> CalibrationCard | None:
        """The next reference dress to grade in the round, or None when all are."""
        with UnitOfWork(self._sf) as uow:
            s = uow.session
            row = self._round(s, round_id, user)
            done = set(s.scalars(select(CalibrationAnswer.item_id).where(
                CalibrationAnswer.round_id == round_id)))
            order = [int(i) for i in row.order]
            waiting = [i for i in order if i not in done]
            if not waiting:
                return None
            item_id = waiting[0]
            ref = s.get(CalibrationItem, item_id)
            assert ref is not None
            item = s.get(ReturnItem, ref.return_item_id)
            assert item is not None
            line = item.order_line
            size = s.scalar(select(Product.size).where(
                Product.id == line.product_id)) if line and line.product_id else None
            photos = self._inspection.photo_views_for_items(s, [item.id])[item.id]
            return CalibrationCard(round_id, item_id, len(done) + 1, len(order),
                                   line.sku if line else "", line.description if line else "",
                                   size or "", item.reason.value, item.customer_comment,
                                   tuple(photos))

    @retrying
    def answer(self, round_id: int, item_id: int, grade: str, user: SignedInUser
               ) -> RoundScore:
        """One grade in the round, once per dress; the round finishes with the last."""
        given = grade_letter(grade)
        now = self._clock.now()
        with UnitOfWork(self._sf) as uow:
            s = uow.session
            require_current(s, user, Action.DECIDE)
            row = self._round(s, round_id, user, lock=True)
            if row.finished_at is not None:
                raise Conflict(f"Calibration round #{round_id} is finished.")
            if item_id not in [int(i) for i in row.order]:
                raise NotFound(f"Reference dress #{item_id} is not in round #{round_id}.")
            if s.scalar(select(CalibrationAnswer.id).where(
                    CalibrationAnswer.round_id == round_id,
                    CalibrationAnswer.item_id == item_id)) is not None:
                raise Conflict("That dress is graded already in this round.")
            s.add(CalibrationAnswer(round_id=round_id, item_id=item_id, grade=given,
                                    answered_at=now))
            s.flush()
            count = int(s.scalar(select(func.count()).select_from(CalibrationAnswer).where(
                CalibrationAnswer.round_id == round_id)) or 0)
            if count >= len(row.order):
                row.finished_at = now
                audit.append(s, at=now, action="calibration.round_finished",
                             actor=user.username, station=self._station,
                             entity="calibration_round", entity_id=round_id, payload={})
            uow.commit()
        return self.score(round_id, user)

    def score(self, round_id: int, user: SignedInUser) -> RoundScore:
        """A round's score: its own person any time, a manager or supervisor any round.
        The agreed grades show only for a finished round."""
        with UnitOfWork(self._sf) as uow:
            s = uow.session
            row = s.get(CalibrationRound, round_id)
            if row is None:
                raise NotFound(f"No calibration round #{round_id}.")
            if row.user_id != user.id:
                require(user.role, Action.VIEW_REPORTS)
            who = s.scalar(select(User.display_name).where(User.id == row.user_id)) or ""
            rows = s.execute(
                select(CalibrationAnswer.grade, CalibrationItem.agreed_grade,
                       OrderLine.description)
                .join(CalibrationItem, CalibrationItem.id == CalibrationAnswer.item_id)
                .join(ReturnItem, ReturnItem.id == CalibrationItem.return_item_id)
                .outerjoin(OrderLine, OrderLine.id == ReturnItem.order_line_id)
                .where(CalibrationAnswer.round_id == round_id)
                .order_by(CalibrationAnswer.id)).all()
            finished = row.finished_at is not None
            pairs = [(agreed, given) for given, agreed, _d in rows]
            return RoundScore(round_id, who, finished, len(rows), len(row.order),
                              agreement(pairs) if finished else agreement([]),
                              tuple((d or "", agreed, given) for given, agreed, d in rows)
                              if finished else (), row.finished_at)

    def rounds(self, user: SignedInUser) -> list[RoundScore]:
        """Every finished round, newest first (for managers and supervisors)."""
        require(user.role, Action.VIEW_REPORTS)
        with UnitOfWork(self._sf) as uow:
            ids = list(uow.session.scalars(select(CalibrationRound.id).where(
                CalibrationRound.finished_at.is_not(None))
                .order_by(CalibrationRound.finished_at.desc()).limit(50)))
        return [self.score(i, user) for i in ids]

    @staticmethod
    def _round(s: Session, round_id: int, user: SignedInUser,
               lock: bool = False) -> CalibrationRound:
        row = s.get(CalibrationRound, round_id, with_for_update=lock)
        if row is None:
            raise NotFound(f"No calibration round #{round_id}.")
        if row.user_id != user.id:
            raise PermissionDenied("A calibration round is graded by the person it is for.")
        return row
