"""Property (issue 27): Enters, exceptions and answers in any order and any grouping, by
whoever tries them, never break the RMA's money: per order line refunded cents at most
as paid, per order outbound shipping at most once, and an RMA whose final refunds and
store credit are over the limit has a manager's answer on file."""

from __future__ import annotations

import os
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.clock import FixedClock
from app.domain.enums import (
    ApprovalKind,
    ApprovalLevel,
    ApprovalStatus,
    Brand,
    CustomerTier,
    DecisionStatus,
)
from app.errors import ReturnBenchError
from app.policy.rules import load_policy
from app.services.rma_money import counted, shipping_in
from models import Approval, Decision, OrderLine, ReturnAuthorization, ReturnItem
from tests.conftest import NOW
from tests.helpers.ledger import assert_ledger_clean
from tests.helpers.rma_builder import build_rma
from tests.integration.test_rma_as_one import Desk
from tests.integration.test_rma_as_one_property import Unit, units

EXAMPLES = int(os.environ.get("RETURNBENCH_PROPERTY_EXAMPLES", "120")) // 2
OUTCOMES = ["refund", "store_credit", "exchange", "repair_credit", "return_to_customer"]
ALTERNATIVES = {ApprovalKind.HOLD: ["quarantine", "return_to_customer"],
                ApprovalKind.REFUND_OVER_THRESHOLD: ["return_to_customer", "exchange",
                                                     "store_credit"]}

actions = st.one_of(
    st.tuples(st.just("enter"), st.lists(st.integers(1, 4), min_size=1, max_size=4,
                                          unique=True)),
    st.tuples(st.just("exception"), st.integers(1, 4), st.sampled_from(OUTCOMES)),
    st.tuples(st.just("answer"), st.booleans(), st.booleans(), st.integers(0, 2)))


def _play(desk: Desk, number: str, rma_units: list[Unit],
          steps: list[tuple[object, ...]]) -> None:
    forms = {n: u.form for n, u in enumerate(rma_units, start=1)}
    for step in steps:
        try:
            if step[0] == "enter":
                chosen = [u for u in step[1] if u in forms]  # type: ignore[attr-defined]
                if chosen:
                    desk.decisions.accept(number, {u: forms[u] for u in chosen}, desk.ines)
            elif step[0] == "exception" and step[1] in forms:
                desk.decisions.request_exception(
                    number, int(step[1]), "The customer was promised it on the phone",
                    str(step[2]), desk.ines, inspection=forms[int(step[1])])
            elif step[0] == "answer":
                _answer(desk, number, bool(step[1]), bool(step[2]), int(step[3]))  # type: ignore[call-overload]
        except ReturnBenchError:
            continue  # refused with a reason: nothing written, which the checks see


def _answer(desk: Desk, number: str, approve: bool, by_manager: bool, alt: int) -> None:
    pending = [a for a in desk.approvals_of(number) if a.status is ApprovalStatus.PENDING]
    if not pending:
        return
    request = pending[0]
    choices = ALTERNATIVES.get(request.kind, [])
    desk.approvals.answer(request.id, desk.maria if by_manager else desk.sam, approve,
                          "checked", alternative=choices[alt % len(choices)]
                          if choices and not approve else None)


def _check(s: Session, number: str) -> None:
    rma = s.scalars(select(ReturnAuthorization).where(
        ReturnAuthorization.number == number)).one()
    shipped = Decimal(0)
    final = Decimal(0)
    for line in s.scalars(select(OrderLine).where(OrderLine.order_id == rma.order_id)):
        rows = s.execute(select(Decision, ReturnItem.decision_status).join(ReturnItem).where(
            ReturnItem.order_line_id == line.id, Decision.superseded.is_(False))).all()
        assert len(rows) <= line.quantity
        given = sum((counted(d.resolution, d.refund, d.credit) - shipping_in(d)
                     for d, _ in rows), Decimal(0))
        assert given <= line.price_total + line.tax_total, (line.sku, given)
        shipped += sum((shipping_in(d) for d, _ in rows), Decimal(0))
        final += sum((counted(d.resolution, d.refund, d.credit) for d, status in rows
                      if status in (DecisionStatus.DECIDED, DecisionStatus.COMPLETED)),
                     Decimal(0))
    assert shipped <= rma.order.shipping_paid
    if final > load_policy(rma.order.brand.value).refund_threshold:
        answered = s.scalars(select(Approval.id).where(
            Approval.rma_id == rma.id, Approval.level == ApprovalLevel.MANAGER,
            Approval.status != ApprovalStatus.PENDING)).first()
        assert answered is not None, (number, final)


@settings(max_examples=EXAMPLES, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture,
                                 HealthCheck.too_slow, HealthCheck.data_too_large])
@given(brand=st.sampled_from(list(Brand)),
       tier=st.sampled_from([CustomerTier.STANDARD, CustomerTier.PRIORITY]),
       shipping=st.sampled_from(["0.00", "14.95"]),
       rma_units=st.lists(units(), min_size=1, max_size=4),
       steps=st.lists(actions, min_size=1, max_size=10))
def test_no_order_of_enters_exceptions_and_answers_breaks_the_money(
        committed_sf: sessionmaker[Session], clock: FixedClock,
        brand: Brand, tier: CustomerTier, shipping: str, rma_units: list[Unit],
        steps: list[tuple[object, ...]]) -> None:
    desk = Desk(committed_sf, clock)
    number = build_rma(committed_sf, [u.spec for u in rma_units], at=NOW, brand=brand,
                       tier=tier, shipping=shipping)
    _play(desk, number, rma_units, steps)
    with committed_sf() as s:
        _check(s, number)
    assert_ledger_clean(committed_sf)  # `main.py ledger check` agrees, whole database
