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
from sqlalchemy.orm import Session, sessionmaker

from app import audit
from app.clock import Clock
from app.domain.agreement import Agreement, agreement, sample_rate, sampled
from app.domain.enums import Grade
from app.errors import BadInput, Conflict, NotFound
from app.permissions import Action, require
from app.policy.calendar import add_business_days, is_business_day, local_date
from app.policy.rules import Policy, parse_policy
from app.scanning.codes import item_plate
from app.services.auth import SignedInUser
from app.services.uow import UnitOfWork, retrying
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

GRADES = tuple(g.value for g in Grade)


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
                           item.order_line.unit_price_paid)
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
    def queue(self, user: SignedInUser) -> list[BlindItem]:
        """Samples waiting for their re-grade, oldest due first; never the user's own."""
        require(user.role, Action.REGRADE)
        with UnitOfWork(self._sf) as uow:
            rows = uow.session.execute(
                select(QaSample.id, QaSample.due_on, ReturnItem, ReturnAuthorization.id,
                       ReturnAuthorization.number, OrderLine.sku, OrderLine.description,
                       Product.size)
                .join(ReturnItem, ReturnItem.id == QaSample.return_item_id)
                .join(ReturnAuthorization, ReturnAuthorization.id == ReturnItem.rma_id)
                .outerjoin(OrderLine, OrderLine.id == ReturnItem.order_line_id)
                .outerjoin(Product, Product.id == OrderLine.product_id)
                .where(QaSample.status == "waiting", QaSample.inspector_id != user.id)
                .order_by(QaSample.due_on, QaSample.id)).all()
            return [BlindItem(sid, item_plate(rma_id, item.unit_no), number, item.unit_no,
                              sku or "", description or "", size or "", item.reason.value,
                              item.customer_comment, due)
                    for sid, due, item, rma_id, number, sku, description, size in rows]

    # --- the re-grade -------------------------------------------------------------------
    @retrying
    def regrade(self, sample_id: int, grade: str, user: SignedInUser) -> Regraded:
        """Record the blind second grade, once, by someone other than the first
        inspector; what the policy would have decided with it, and the money it moves."""
        require(user.role, Action.REGRADE)
        second = grade.strip().upper()
        if second not in GRADES:
            raise BadInput(f"Grade {grade!r}: one of {', '.join(GRADES)}.")
        now = self._clock.now()
        with UnitOfWork(self._sf) as uow:
            s = uow.session
            sample = s.get(QaSample, sample_id, with_for_update=True)
            if sample is None:
                raise NotFound(f"No QA sample #{sample_id}.")
            if sample.inspector_id == user.id:
                raise Conflict("A re-grade is by someone else than the first inspector.")
            if sample.status != "waiting":
                raise Conflict(f"QA sample #{sample_id} was re-graded already.")
            decision = s.get(Decision, sample.decision_id)
            assert decision is not None
            before, after, delta = self._outcomes(s, decision, second)
            sample.status, sample.second_grade = "regraded", second
            sample.regraded_by_id, sample.regraded_at = user.id, now
            sample.agreed = second == sample.first_grade
            sample.outcome_after, sample.money_delta = after, delta
            audit.append(s, at=now, action="qa.regraded", actor=user.username,
                         station=self._station, entity="qa_sample", entity_id=sample.id,
                         payload={"second_grade": second, "agreed": sample.agreed,
                                  "outcome_after": after, "money_delta": str(delta)})
            first = sample.first_grade
            uow.commit()
        words = ("Same grade: agreed." if first == second else
                 f"First grade {first}, yours {second}: "
                 + (f"the outcome would be {after.replace('_', ' ')} instead of "
                    f"{before.replace('_', ' ')} ({'+' if delta >= 0 else ''}{delta})."
                    if after != before or delta else "same outcome, same money."))
        return Regraded(sample_id, first, second, first == second, before, after, delta,
                        words)

    @staticmethod
    def _outcomes(s: Session, decision: Decision, grade: str) -> tuple[str, str, Decimal]:
        """(outcome as decided, outcome with `grade`, money difference): the stored case
        decided again under the policy it was decided by, with the grade replaced."""
        from app.services.decisions import _decide  # the one way a case is decided

        archived = s.get(PolicyVersion, decision.policy_sha256)
        if archived is None:
            raise NotFound("The decision's policy version is not archived.")
        policy = parse_policy(archived.content.encode("utf-8"),
                              f"archived {archived.policy_id} v{archived.version}")
        case: dict[str, Any] = {**decision.case}
        unit = case.get("unit_no")
        case["items"] = [
            {**it, "inspection": {**it["inspection"], "grade": grade}}
            if it.get("unit_no") == unit else it for it in case["items"]]
        units = [it.get("unit_no") for it in case["items"]]
        outcome = _decide(case, policy).items[units.index(unit)]
        first_money = decision.refund + decision.credit
        return (decision.resolution.value, outcome.resolution.value,
                outcome.refund + outcome.credit - first_money)

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

