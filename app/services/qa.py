"""Grading QA (issue 19): a reproducible share of accepted decisions is set aside, inside
the accept's own transaction, for a blind re-grade by a supervisor; the re-grade is
recorded once, by someone other than the first inspector, and says whether the two agree
and whether the second grade would have changed the outcome and the money. Agreement
figures come from the re-graded pairs.

The queue a supervisor works from is blind: its records carry the dress (plate, SKU,
style, colour, size), what the customer said and when it is due, and nothing of the first
grade, checklist or decision."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased, sessionmaker

from app import audit
from app.clock import Clock
from app.domain.agreement import Agreement, agreement, grade_letter, sample_rate, sampled
from app.domain.enums import ApprovalKind, ApprovalLevel, DecisionStatus, Grade
from app.errors import Conflict, NotFound
from app.lifecycle import NotAllowed, Op, check
from app.permissions import Action, require
from app.policy.calendar import add_business_days, is_business_day, local_date
from app.policy.engine import ItemDecision
from app.policy.rules import Policy, load_policy, parse_policy
from app.scanning.codes import item_plate
from app.services.auth import SignedInUser, require_current
from app.services.common import StationId, load_rma
from app.services.decision_case import decide_case  # the one way a case is decided
from app.services.labels_plan import labels_for
from app.services.outcomes import (
    FREE,
    current_decision,
    next_line_unit,
    open_approval,
    supersede,
    take_unit_bought,
    unit_amounts,
    unit_name,
)
from app.services.unit_moves import move
from app.services.uow import UnitOfWork, retrying
from app.views import Disagreement, QaReview
from models import (
    Decision,
    OrderLine,
    PolicyVersion,
    Product,
    QaSample,
    ReturnAuthorization,
    ReturnItem,
    User,
)


@dataclass(frozen=True)
class BlindItem:
    """What a supervisor sees to re-grade: the dress and the customer's words only."""

    sample_id: int
    plate: str
    rma: str
    unit_no: int
    sku: str
    description: str
    size: str
    reason: str
    customer_comment: str | None
    due_on: dt.date


@dataclass(frozen=True)
class Regraded:
    sample_id: int
    first_grade: str
    second_grade: str
    agreed: bool
    outcome_before: str
    outcome_after: str
    money_delta: Decimal  # what the second grade gives minus what the first gave
    message: str
    effect: str = "none"  # none, superseded (at once) or approval (money goes up)
    rma: str = ""
    unit_no: int = 0
    labels: tuple[str, ...] = ()  # to print now: the dress's own labels replace "QA"


@dataclass(frozen=True)
class RegradeNews:
    """What the first inspector is told at sign-in about a re-grade of their work."""

    sample_id: int
    rma: str
    unit_no: int
    first_grade: str
    second_grade: str
    by: str
    outcome_after: str
    money_delta: Decimal
    waits_for_approval: bool

    @property
    def sentence(self) -> str:
        return (f"{self.rma} item {self.unit_no}: you graded {self.first_grade}, "
                f"{self.by} re-graded it {self.second_grade} blind: now "
                f"{self.outcome_after}"
                + (f" ({'+' if self.money_delta > 0 else '-'}${abs(self.money_delta)})"
                   if self.money_delta else "")
                + (" (waiting for an approval)" if self.waits_for_approval else "") + ".")


def redecide(s: Session, decision: Decision, grade: str
             ) -> tuple[ItemDecision, dict[str, Any], Policy]:
    """The stored case decided again under its archived policy with the unit's grade
    replaced: (the unit's outcome, the new case, that policy)."""
    archived = s.get(PolicyVersion, decision.policy_sha256)
    if archived is None:
        raise NotFound("The decision's policy version is not archived.")
    policy = parse_policy(archived.content.encode("utf-8"),
                          f"archived {archived.policy_id} v{archived.version}")
    case: dict[str, Any] = {**decision.case}
    unit = case.get("unit_no")
    # Priced as the unit of its order line it is (or would take) now, as stored.
    item, priced = decision.item, {}
    if item.order_line is not None:
        price, tax = unit_amounts(item.order_line, next_line_unit(s, item))
        priced = {"price_paid": str(price), "tax": str(tax)}
    case["items"] = [
        {**it, **priced, "inspection": {**it["inspection"], "grade": grade}}
        if it.get("unit_no") == unit else it for it in case["items"]]
    units = [it.get("unit_no") for it in case["items"]]
    return decide_case(case, policy).items[units.index(unit)], case, policy


def apply_regrade(s: Session, rma: ReturnAuthorization, item: ReturnItem, old: Decision,
                  sample: QaSample, policy: Policy, case: dict[str, Any],
                  outcome: ItemDecision, step: dict[str, Any], user_id: int,
                  station_id: int | None, now: dt.datetime) -> Decision:
    """The re-grade's decision in place of `old` (its case carries the second grade);
    the caller moves the unit to decided (a settled one is reversed and settled anew by
    the export): the re-grade itself, or the answer that approved it."""
    new = supersede(s, old, outcome.resolution,
                    (outcome.refund, outcome.restocking_fee, outcome.credit), step,
                    user_id, station_id, now, policy)
    new.case, new.disposition = case, outcome.disposition
    if outcome.resolution not in FREE:
        take_unit_bought(s, rma, item)
    sample.new_decision_id = new.id
    return new


def sample_for(policy: Policy, key: str, new_inspector: bool, price: Decimal
               ) -> tuple[str, int] | None:
    """(why, rate %) when the unit with `key` is sampled, else None."""
    high = price > policy.qa_high_value
    rate = sample_rate(policy.qa_share_percent, policy.qa_raised_percent, new_inspector,
                       high)
    if not sampled(key, rate / 100):
        return None
    why = "new_inspector" if new_inspector else "high_value" if high else "share"
    return why, int(rate)


class QaService:
    def __init__(self, session_factory: sessionmaker[Session], clock: Clock, station: str
                 ) -> None:
        self._sf = session_factory
        self._clock = clock
        self._station = station
        self._station_id = StationId(station)
        self._first_days: dict[int, dt.date] = {}  # inspector: first day they decided

    # --- at accept (inside its transaction) -------------------------------------------
    def _new_inspector(self, s: Session, user_id: int, policy: Policy,
                       today: dt.date) -> bool:
        """In their first `qa_new_inspector_days` working days (from their first
        decision; read once per inspector per bench)."""
        first = self._first_days.get(user_id)
        if first is None:
            earliest = s.scalar(select(func.min(Decision.decided_at)).where(
                Decision.decided_by_id == user_id))
            first = local_date(earliest, policy.timezone) if earliest else today
            self._first_days[user_id] = first
        worked, day = 0, first
        while day <= today and worked <= policy.qa_new_inspector_days:
            worked += is_business_day(day, policy.holidays)
            day += dt.timedelta(days=1)
        return worked <= policy.qa_new_inspector_days

    def maybe_sample(self, s: Session, rma: ReturnAuthorization, item: ReturnItem,
                     decision: Decision, grade: Grade | None, user: SignedInUser,
                     policy: Policy, now: dt.datetime) -> QaSample | None:
        """Set the unit aside for a blind re-grade if the sample takes it."""
        if grade is None or item.order_line is None:
            return None
        today = local_date(now, policy.timezone)
        taken = sample_for(policy, f"{rma.number}/{item.unit_no}",
                           self._new_inspector(s, user.id, policy, today),
                           unit_amounts(item.order_line, item.line_unit)[0])
        if taken is None:
            return None
        why, rate = taken
        row = QaSample(return_item_id=item.id, decision_id=decision.id,
                       inspector_id=user.id, first_grade=grade.value, why=why,
                       rate_percent=rate, sampled_at=now, status="waiting",
                       due_on=add_business_days(today, 1, policy.holidays))
        s.add(row)
        audit.append(s, at=now, action="qa.sampled", actor=user.username,
                     station=self._station, entity="rma", entity_id=rma.number,
                     payload={"unit": item.unit_no, "why": why, "rate": rate})
        return row

    # --- the supervisor's blind queue ---------------------------------------------------
    def queue(self, user: SignedInUser, limit: int = 200) -> list[BlindItem]:
        """Samples waiting for their re-grade, oldest due first (the first `limit`: a
        supervisor works from the top); never the user's own."""
        require(user.role, Action.REGRADE)
        with UnitOfWork(self._sf) as uow:
            rows = uow.session.execute(
                select(QaSample.id, QaSample.due_on, ReturnItem.unit_no, ReturnItem.reason,
                       ReturnItem.customer_comment, ReturnAuthorization.id,
                       ReturnAuthorization.number, OrderLine.sku, OrderLine.description,
                       Product.size)
                .join(ReturnItem, ReturnItem.id == QaSample.return_item_id)
                .join(ReturnAuthorization, ReturnAuthorization.id == ReturnItem.rma_id)
                .outerjoin(OrderLine, OrderLine.id == ReturnItem.order_line_id)
                .outerjoin(Product, Product.id == OrderLine.product_id)
                .where(QaSample.status == "waiting", QaSample.inspector_id != user.id)
                .order_by(QaSample.due_on, QaSample.id).limit(limit)).all()
            return [BlindItem(sid, item_plate(rma_id, unit), number, unit, sku or "",
                              description or "", size or "", reason.value, comment, due)
                    for sid, due, unit, reason, comment, rma_id, number, sku, description,
                    size in rows]

    def waiting(self, user: SignedInUser) -> tuple[int, int]:
        """(samples waiting for a re-grade by this user, of which overdue)."""
        require(user.role, Action.REGRADE)
        today = local_date(self._clock.now(), load_policy("kissprom").timezone)
        with UnitOfWork(self._sf) as uow:
            total, late = uow.session.execute(
                select(func.count(), func.count().filter(QaSample.due_on < today))
                .where(QaSample.status == "waiting",
                       QaSample.inspector_id != user.id)).one()
        return int(total), int(late)

    # --- the re-grade -------------------------------------------------------------------
    @retrying
    def regrade(self, sample_id: int, grade: str, user: SignedInUser,
                note: str = "") -> Regraded:
        """Record the blind second grade, once, by someone other than the first
        inspector, with what the policy decides with it and the money that moves.

        When the second grade changes the decision (its outcome, money or where the
        dress goes), the supervisor's decision supersedes the first through the
        lifecycle: at once when the money does not go up and the policy asks no
        approval for it; otherwise as a request (kind qa_regrade) that another
        supervisor, or a manager over the policy's limits, answers. The first inspector
        is told at their next sign-in (`news`)."""
        require(user.role, Action.REGRADE)
        second = grade_letter(grade)
        now = self._clock.now()
        with UnitOfWork(self._sf) as uow:
            s = uow.session
            require_current(s, user, Action.REGRADE)
            sample = s.get(QaSample, sample_id, with_for_update=True)
            if sample is None:
                raise NotFound(f"No QA sample #{sample_id}.")
            if sample.inspector_id == user.id:
                raise Conflict("A re-grade is by someone else than the first inspector.")
            if sample.status != "waiting":
                raise Conflict(f"QA sample #{sample_id} was re-graded already.")
            item = s.get(ReturnItem, sample.return_item_id)
            assert item is not None
            rma = load_rma(s, item.rma.number, for_update=True)
            name = unit_name(rma, item)
            if item.decision_status is DecisionStatus.AWAITING_APPROVAL:
                raise NotAllowed(f"{name} waits for a supervisor's or manager's answer: "
                                 "re-grade it once that is answered (Approvals, F4).")
            decision = current_decision(s, item)
            assert decision is not None
            outcome, case, policy = redecide(s, decision, second)
            # What the policy gave the first grade: an answer or an exception may have
            # changed the decision since, and only the grade is being checked here.
            baseline, _case, _policy = redecide(s, decision, sample.first_grade)
            before, after = decision.resolution.value, outcome.resolution.value
            delta = outcome.refund + outcome.credit - decision.refund - decision.credit
            sample.status, sample.second_grade = "regraded", second
            sample.regraded_by_id, sample.regraded_at = user.id, now
            sample.agreed = second == sample.first_grade
            sample.outcome_after, sample.money_delta = after, delta
            changed = second != sample.first_grade and (
                (outcome.resolution, outcome.refund, outcome.credit, outcome.disposition)
                != (baseline.resolution, baseline.refund, baseline.credit,
                    baseline.disposition))
            # A decision someone answered or excepted is not overwritten without a
            # person's say: the re-grade's outcome goes to them as a request.
            answered = (decision.resolution, decision.refund, decision.credit) != (
                baseline.resolution, baseline.refund, baseline.credit)
            effect = "none"
            if changed:
                check(Op.REGRADE, item.reception_status, item.decision_status, name)
                text = (f"Blind QA re-grade by {user.display_name}: grade {second} instead "
                        f"of {sample.first_grade}, so {after.replace('_', ' ')} "
                        f"({outcome.disposition.value.replace('_', ' ')})"
                        + (f" instead of {before.replace('_', ' ')}" if after != before
                           else "") + (f". {note.strip()}" if note.strip() else ""))
                station_id = self._station_id(s)
                if delta > 0 or outcome.approval is not None or answered:
                    total = outcome.refund + outcome.credit
                    level = (ApprovalLevel.MANAGER
                             if total > policy.refund_threshold
                             or delta > policy.supervisor_limit
                             or outcome.approval is ApprovalLevel.MANAGER
                             else ApprovalLevel.SUPERVISOR)
                    approval = open_approval(
                        s, rma, [decision], ApprovalKind.QA_REGRADE, level, total, text,
                        user.id, user.username, station_id, self._station, now, item=item,
                        requested_outcome=after)
                    move(s, Op.REGRADE, item, to=DecisionStatus.AWAITING_APPROVAL,
                         actor=user.username, station=self._station, at=now,
                         payload={"sample": sample.id, "approval": approval.id})
                    sample.approval_id, effect = approval.id, "approval"
                else:
                    new = apply_regrade(s, rma, item, decision, sample, policy, case,
                                        outcome, {"rule": "qa_regrade", "reason": text},
                                        user.id, station_id, now)
                    move(s, Op.REGRADE, item, to=DecisionStatus.DECIDED, actor=user.username,
                         station=self._station, at=now,
                         payload={"sample": sample.id, "decision": new.id})
                    sample.new_decision_id, effect = new.id, "superseded"
            standing = current_decision(s, item)
            assert standing is not None
            labels = tuple(labels_for(item.decision_status, standing.resolution,
                                      item.exchange_size))
            audit.append(s, at=now, action="qa.regraded", actor=user.username,
                         station=self._station, entity="qa_sample", entity_id=sample.id,
                         payload={"second_grade": second, "agreed": sample.agreed,
                                  "outcome_after": after, "money_delta": str(delta),
                                  "effect": effect})
            first = sample.first_grade
            uow.commit()
        goes = outcome.disposition.value.replace("_", " ")
        if first == second and not changed:
            words = "Same grade: agreed. The decision stands."
        elif not changed:
            words = (f"First grade {first}, yours {second}: same outcome, same money; the "
                     "decision stands.")
        else:
            words = (f"First grade {first}, yours {second}: "
                     + (f"{after.replace('_', ' ')} instead of {before.replace('_', ' ')}"
                        if after != before else f"still {after.replace('_', ' ')}")
                     + (f" ({'+' if delta > 0 else '-'}${abs(delta)})" if delta else "")
                     + f", dress to {goes}. "
                     + ("It waits for an approval (the money goes up, or the decision was "
                        "an answered request)." if effect == "approval"
                        else "Your decision replaces the first."))
        return Regraded(sample_id, first, second, first == second, before, after, delta,
                        words, effect, rma.number, item.unit_no, labels)

    # --- the first inspector is told ---------------------------------------------------
    def news(self, user: SignedInUser) -> list[RegradeNews]:
        """Re-grades of this inspector's work that changed the decision and that they
        have not been shown: each once (marked told in the same call)."""
        now = self._clock.now()
        with UnitOfWork(self._sf) as uow:
            s = uow.session
            rows = s.execute(
                select(QaSample, ReturnAuthorization.number, ReturnItem.unit_no,
                       User.display_name)
                .join(ReturnItem, ReturnItem.id == QaSample.return_item_id)
                .join(ReturnAuthorization, ReturnAuthorization.id == ReturnItem.rma_id)
                .join(User, User.id == QaSample.regraded_by_id)
                .where(QaSample.inspector_id == user.id, QaSample.status == "regraded",
                       QaSample.told_at.is_(None),
                       (QaSample.new_decision_id.is_not(None))
                       | (QaSample.approval_id.is_not(None)))
                .order_by(QaSample.regraded_at)).all()
            out = [RegradeNews(sample.id, number, unit, sample.first_grade,
                               sample.second_grade or "", by,
                               (sample.outcome_after or "").replace("_", " "),
                               sample.money_delta or Decimal("0.00"),
                               sample.approval_id is not None)
                   for sample, number, unit, by in rows]
            for sample, *_ in rows:
                sample.told_at = now
            uow.commit()
        return out

    # --- the weekly review -------------------------------------------------------------
    def review(self, start: dt.date, end: dt.date, user: SignedInUser,
               calibration: list[tuple[str, dt.datetime, Agreement]] | None = None
               ) -> QaReview:
        """Agreement of the re-grades made on days [start, end) in the warehouse's time
        zone: overall, per inspector, by week (Mondays), the disagreements and the money
        they moved; what waits now and how much of it is overdue."""
        require(user.role, Action.VIEW_REPORTS)
        tz = load_policy("kissprom").timezone
        lo = dt.datetime.combine(start, dt.time(0), tzinfo=tz)
        hi = dt.datetime.combine(end, dt.time(0), tzinfo=tz)
        first, second = aliased(User), aliased(User)
        with UnitOfWork(self._sf) as uow:
            s = uow.session
            rows = s.execute(  # plain columns: a month of re-grades is thousands of rows
                select(QaSample.first_grade, QaSample.second_grade, QaSample.regraded_at,
                       QaSample.money_delta, QaSample.agreed, QaSample.new_decision_id,
                       QaSample.approval_id, QaSample.outcome_after,
                       first.display_name, second.display_name,
                       ReturnAuthorization.number, ReturnItem.unit_no)
                .join(first, first.id == QaSample.inspector_id)
                .join(second, second.id == QaSample.regraded_by_id)
                .join(ReturnItem, ReturnItem.id == QaSample.return_item_id)
                .join(ReturnAuthorization, ReturnAuthorization.id == ReturnItem.rma_id)
                .where(QaSample.status == "regraded", QaSample.regraded_at >= lo,
                       QaSample.regraded_at < hi)
                .order_by(QaSample.regraded_at)).all()
            today = local_date(self._clock.now(), tz)
            waiting = s.execute(select(func.count(), func.count().filter(
                QaSample.due_on < today)).where(QaSample.status == "waiting")).one()
            pairs: dict[str, list[tuple[str, str]]] = defaultdict(list)
            weeks: dict[dt.date, list[tuple[str, str]]] = defaultdict(list)
            moved = Decimal("0.00")
            differ = []
            for (first_grade, second_grade, at, delta, agreed, new_decision, asked,
                 outcome, inspector, by, number, unit) in rows:
                pair = (first_grade, second_grade or "")
                pairs[inspector].append(pair)
                assert at is not None  # re-graded: when is on file
                day = local_date(at, tz)
                weeks[day - dt.timedelta(days=day.weekday())].append(pair)
                moved += abs(delta or Decimal("0.00"))
                if not agreed:
                    effect = ("superseded" if new_decision is not None
                              else "waiting for an approval" if asked is not None
                              else "same outcome")
                    differ.append(Disagreement(
                        number, unit, inspector, by, first_grade, second_grade or "",
                        outcome or "", delta or Decimal("0.00"), effect, at))
        everyone = [p for ps in pairs.values() for p in ps]
        return QaReview(start, end, agreement(everyone),
                        {n: agreement(p) for n, p in sorted(pairs.items())}, moved,
                        tuple((w, agreement(p, bootstrap=False))
                              for w, p in sorted(weeks.items())),
                        tuple(differ), int(waiting[0]), int(waiting[1]),
                        tuple(calibration or ()))

    # --- agreement ----------------------------------------------------------------------
    def agreement(self, start: dt.datetime, end: dt.datetime, user: SignedInUser
                  ) -> tuple[Agreement, dict[str, Agreement], Decimal]:
        """Overall and per inspector agreement of the re-grades made in [start, end), and
        the money the disagreements would have moved (sum of absolute differences)."""
        require(user.role, Action.VIEW_REPORTS)
        with UnitOfWork(self._sf) as uow:
            rows = uow.session.execute(
                select(User.display_name, QaSample.first_grade, QaSample.second_grade,
                       QaSample.money_delta)
                .join(User, User.id == QaSample.inspector_id)
                .where(QaSample.status == "regraded", QaSample.regraded_at >= start,
                       QaSample.regraded_at < end)).all()
        pairs: dict[str, list[tuple[str, str]]] = defaultdict(list)
        moved = Decimal("0.00")
        for name, first, second, delta in rows:
            pairs[name].append((first, second or ""))
            moved += abs(delta) if delta is not None else Decimal("0.00")
        everyone = [p for ps in pairs.values() for p in ps]
        return agreement(everyone), {n: agreement(p) for n, p in sorted(pairs.items())}, \
            moved

