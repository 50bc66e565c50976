"""The desks away from the bench: managers answering requests, the claims desk, grading QA
and calibration, and the office's exports."""

from __future__ import annotations

from functools import partial

from sqlalchemy import select

from app.bench import Screen
from app.demo_history.core import (
    ANSWER_NOTES,
    CLAIM_NOTES,
    CLAIM_REASONS,
    HistoryFailed,
    _Bench,
    _Core,
    _Parcel,
    _Unit,
)
from app.domain.enums import (
    ApprovalKind,
    ApprovalLevel,
    ApprovalStatus,
    DamageCause,
    PhotoSlot,
    ReturnReason,
)
from app.services.uow import UnitOfWork
from models import CalibrationItem, Inspection, Photo, QaSample, ReturnAuthorization, ReturnItem


class _Desks(_Core):
    """The managers', claims and QA desks, and the office."""

    # --- the managers' desk --------------------------------------------------------
    def _plan_answer(self, approval_id: int) -> None:
        now = self.clock.now()
        left = self._business_days_before_end(now)
        if left <= 1 and self.rng.random() < 0.9:
            return  # still in the queue this morning
        minutes = self.rng.uniform(15, 100) if self.rng.random() < 0.8 \
            else self.rng.uniform(130, 600)  # a busy afternoon: past its 2 hours
        self._schedule(self._later(now, minutes), partial(self._answer, approval_id))

    def _answer(self, approval_id: int) -> None:
        view = self.desk.approvals.get(approval_id)
        if view.status is not ApprovalStatus.PENDING:
            return
        sam, maria = self.users["sam"], self.users["maria"]
        if view.level is ApprovalLevel.MANAGER and view.requested_by == maria.display_name:
            return  # Maria's own re-grade over the limit: it waits for a second manager
        approver = maria if view.level is ApprovalLevel.MANAGER \
            or view.requested_by == sam.display_name else sam  # never one's own
        kind = view.kind
        approve_odds = {ApprovalKind.REFUND_OVER_THRESHOLD: 0.9,
                        ApprovalKind.POLICY_EXCEPTION: 0.6, ApprovalKind.HOLD: 0.3,
                        ApprovalKind.QA_REGRADE: 0.7}[kind]
        approve = self.rng.random() < approve_odds
        alternative = None
        if not approve and kind is ApprovalKind.REFUND_OVER_THRESHOLD:
            alternative = "store_credit"
        elif not approve and kind is ApprovalKind.HOLD:
            alternative = self.rng.choice(("return_to_customer", "quarantine"))
            if not self._quarantined:  # the history shows each way a hold ends
                alternative, self._quarantined = "quarantine", True
        note = self.rng.choice(ANSWER_NOTES[approve]) if kind is not ApprovalKind.HOLD \
            else ("Checked against the order photos: it is ours." if approve
                  else "Not a dress we sold: back to the sender.")
        answered = self.desk.approvals.answer(approval_id, approver, approve, note,
                                              alternative)
        self.summary.approvals_answered += 1
        # The answer queued the final labels for the bench that asked; its next look
        # for answers sends them (the window does it every few seconds).
        if answered.station in self.benches:
            self.benches[answered.station].services.printing.retry_queued()
        if approve and kind is ApprovalKind.HOLD and view.unit_no is not None:
            parcel = self._parcel_of(view.rma_number)
            bench = self.benches.get(answered.station) or self.benches[self.home]
            self._schedule(self._later(self.clock.now(), self.rng.uniform(10, 90)),
                           partial(self._inspect, parcel, bench))

    def _parcel_of(self, rma_number: str) -> _Parcel:
        with UnitOfWork(self.sf) as uow:
            rma = uow.session.scalars(select(ReturnAuthorization).where(
                ReturnAuthorization.number == rma_number)).one()
            return _Parcel(rma.number, rma.tracking_number, rma.order.number,
                           self.today, tuple(
                               _Unit(it.unit_no, it.reason, "") for it in rma.items))

    # --- the claims desk -----------------------------------------------------------
    def _plan_claims(self, parcel: _Parcel, screen: Screen) -> None:
        claims = {u.unit_no for u in parcel.units
                  if u.reason in (*CLAIM_REASONS, ReturnReason.WRONG_ITEM_SENT)}
        if not claims.intersection(int(u) for u in screen.data.get("units", {})):
            return
        for decision_id in screen.data.get("decisions", []):
            claim = self.claims.claims.get(int(decision_id))
            if claim.due_on is None:
                continue
            now = self.clock.now()
            self._schedule(self._later(now, self.rng.uniform(40, 200)),
                           partial(self._review_claim, claim.decision_id))

    def _review_claim(self, decision_id: int) -> None:
        carl = self.users["carl"]
        claim = self.claims.claims.get(decision_id)
        mark = self.marks.get((claim.rma_number, claim.unit_no))
        closeup = next((p for p in claim.photos if p.slot is PhotoSlot.DAMAGE_CLOSEUP), None)
        if mark is not None and closeup is not None:
            self.claims.claims.annotate(closeup.id, [
                {"type": "circle", "x1": max(0.0, mark.x - mark.r),
                 "y1": max(0.0, mark.y - mark.r * 4 / 3), "x2": min(1.0, mark.x + mark.r),
                 "y2": min(1.0, mark.y + mark.r * 4 / 3)},
                {"type": "label", "x1": min(0.95, mark.x + mark.r), "y1": mark.y,
                 "x2": min(1.0, mark.x + mark.r + 0.05), "y2": mark.y,
                 "text": mark.kind}], carl)
        if claim.cause == DamageCause.SHIPPING.value:
            self.claims.claims.open_carrier_claim(decision_id, carl)
            self.summary.carrier_claims += 1
        if self._business_days_before_end(self.clock.now()) <= 3:
            return  # still open on the desk
        self._schedule(self._later(self.clock.now(), self.rng.uniform(300, 1100)),
                       lambda: self._close_claim(decision_id))

    def _close_claim(self, decision_id: int) -> None:
        self.claims.claims.resolve(decision_id, self.rng.choice(CLAIM_NOTES),
                                   self.users["carl"])
        self.summary.claims_closed += 1

    def _inspect(self, parcel: _Parcel, bench: _Bench, half_done: bool = False) -> None:
        """The bench's (`_BenchWork._inspect`): a hold approved goes back to it."""
        raise NotImplementedError

    # --- grading QA ------------------------------------------------------------------
    def _qa_round(self) -> None:
        """Late morning: Sam re-grades blind what is waiting at the QA rack (Maria takes
        Sam's own); most agree, some are a grade apart, as real re-grades are. A
        re-grade that pays more waits for an answer like any request. The re-graded
        dresses leave the rack with the afternoon's put-away round."""
        sam, maria = self.users["sam"], self.users["maria"]
        desks = {who.id: self.desk.qa_desk(who) for who in (sam, maria)}
        with UnitOfWork(self.sf) as uow:  # the true grade, which the demo knows
            firsts = dict(uow.session.execute(select(QaSample.id, QaSample.first_grade)
                                              .where(QaSample.status == "waiting")).all())
        for desk in desks.values():
            for item in desk.queue():
                first = firsts.get(item.sample_id)
                if first is None:
                    continue
                second = first
                if first != "X" and self.qa_rng.random() < 0.22:  # a grade apart
                    step = self.qa_rng.choice((-1, 1))
                    second = "ABCD"[min(3, max(0, "ABCD".index(first) + step))]
                desk.pick(item)
                desk.press({"A": "1", "B": "2", "C": "3", "D": "4", "X": "5"}[second])
                screen = desk.enter()
                if "regraded" not in screen.data:
                    if "waits for" in screen.message:
                        continue  # waiting for an answer first: a later round takes it
                    raise HistoryFailed(f"Re-grade of {item.rma}: {screen.message}")
                self.summary.regraded += 1
                firsts.pop(item.sample_id, None)
                if screen.data.get("effect") == "approval":
                    request = self.desk.approvals.pending_for_rma(item.rma)
                    for view in request:
                        self._plan_answer(view.id)

    def _calibration(self) -> None:
        """The calibration set: Maria keeps six reference dresses (claims with their
        photos, at the grade the team agreed); Ines and Carl each took a round."""
        maria = self.users["maria"]
        with UnitOfWork(self.sf) as uow:
            rows = uow.session.execute(
                select(ReturnAuthorization.number, ReturnItem.unit_no, Inspection.grade)
                .join(ReturnItem, ReturnItem.rma_id == ReturnAuthorization.id)
                .join(Inspection, Inspection.return_item_id == ReturnItem.id)
                .join(Photo, Photo.inspection_id == Inspection.id)
                .where(Inspection.is_draft.is_(False), Inspection.grade.is_not(None))
                .group_by(ReturnAuthorization.number, ReturnItem.unit_no, Inspection.grade)
                .order_by(ReturnAuthorization.number).limit(40)).all()
        by_grade: dict[str, list[tuple[str, int]]] = {}
        for number, unit, graded in rows:
            if graded is not None:
                by_grade.setdefault(graded.value, []).append((number, unit))
        chosen: list[tuple[tuple[str, int], str]] = []
        for depth in range(6):  # each grade in turn, so the set spans what there is
            chosen += [(refs[depth], g) for g, refs in sorted(by_grade.items())
                       if depth < len(refs)]
        chosen = chosen[:6]
        if len(chosen) < 3:
            return
        calibration = self.desk.calibration
        for (number, unit), agreed_grade in chosen:
            calibration.add(number, unit, agreed_grade, maria, "Agreed at the Monday huddle")
        for who, skill in (("ines", 0.8), ("carl", 0.65)):
            user = self.users[who]
            round_id = calibration.start_round(user)
            while (card := calibration.card(round_id, user)) is not None:
                agreed = next(g for (n, u), g in chosen
                              if (n, u) == self._reference(card.item_id))
                given = agreed if self.qa_rng.random() < skill or agreed == "X" else \
                    "ABCD"[min(3, max(0, "ABCD".index(agreed) + self.qa_rng.choice((-1, 1))))]
                calibration.answer(round_id, card.item_id, given, user)
            self.summary.calibration_rounds += 1

    def _reference(self, item_id: int) -> tuple[str, int]:
        with UnitOfWork(self.sf) as uow:
            row = uow.session.execute(
                select(ReturnAuthorization.number, ReturnItem.unit_no)
                .join(ReturnItem, ReturnItem.rma_id == ReturnAuthorization.id)
                .join(CalibrationItem, CalibrationItem.return_item_id == ReturnItem.id)
                .where(CalibrationItem.id == item_id)).one()
            return row[0], row[1]

    # --- the office ----------------------------------------------------------------
    def _export(self) -> None:
        report = self.desk.exports.export(self.places.outbox, self.users["maria"])
        self.summary.exports += len(report.batches)
