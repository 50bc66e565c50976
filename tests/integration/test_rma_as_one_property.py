"""Property (issue 27): whatever the partition and order of Enters, and whatever the
supervisor answers each hold, an RMA's money, shipping, approval level and carrier
claims are those of one Enter for all its units; per order line refunded cents never
exceed what was paid; per order outbound shipping is refunded at most once.

Examples: `RETURNBENCH_PROPERTY_EXAMPLES` (default 120 per backend; CI runs the default,
a long profile sets it to thousands)."""

from __future__ import annotations

import os
from dataclasses import dataclass
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
    DamageCause,
    DamageSeverity,
    Grade,
    Resolution,
    ReturnReason,
)
from app.services.decisions import InspectionInput
from app.services.rma_money import counted, shipping_in
from models import Approval, Decision, OrderLine, ReturnAuthorization, ReturnItem
from tests.conftest import NOW
from tests.helpers.rma_builder import UnitSpec, build_rma
from tests.integration.test_rma_as_one import Desk

EXAMPLES = int(os.environ.get("RETURNBENCH_PROPERTY_EXAMPLES", "120"))
LEVEL = {None: 0, ApprovalLevel.SUPERVISOR: 1, ApprovalLevel.MANAGER: 2}


@dataclass(frozen=True)
class Unit:
    spec: UnitSpec
    form: InspectionInput
    not_ours: str  # how a supervisor settles it if it is held


@st.composite
def units(draw: st.DrawFn) -> Unit:
    price = Decimal(draw(st.integers(2_000, 30_000))) / 100
    tax = (price * Decimal("0.0825")).quantize(Decimal("0.01"))
    reason = draw(st.sampled_from([ReturnReason.SIZING, ReturnReason.CHANGED_MIND,
                                   ReturnReason.QUALITY_DEFECT,
                                   ReturnReason.SHIPPING_DAMAGE,
                                   ReturnReason.WRONG_ITEM_SENT]))
    grade = draw(st.sampled_from(list(Grade)))
    severity = draw(st.sampled_from(list(DamageSeverity)))
    cause = draw(st.sampled_from([None, *DamageCause]))
    form = InspectionInput(grade=grade, matches_order=draw(st.booleans()) or grade is Grade.A,
                           damage_severity=severity, damage_cause=cause)
    return Unit(UnitSpec(str(price), str(tax), reason, photos=draw(st.integers(0, 3))),
                form, draw(st.sampled_from(["quarantine", "return_to_customer"])))


@st.composite
def rmas(draw: st.DrawFn) -> tuple[Brand, CustomerTier, str, list[Unit], list[list[int]]]:
    brand = draw(st.sampled_from(list(Brand)))
    tier = draw(st.sampled_from([CustomerTier.STANDARD, CustomerTier.PRIORITY]))
    shipping = draw(st.sampled_from(["0.00", "6.95", "14.95"]))
    rma_units = draw(st.lists(units(), min_size=1, max_size=4))
    order = draw(st.permutations(list(range(1, len(rma_units) + 1))))
    cuts = draw(st.lists(st.booleans(), min_size=len(order) - 1, max_size=len(order) - 1))
    groups: list[list[int]] = [[order[0]]]
    for unit, cut in zip(order[1:], cuts, strict=True):
        if cut:
            groups.append([unit])
        else:
            groups[-1].append(unit)
    return brand, tier, shipping, rma_units, groups


def _settle(desk: Desk, number: str, rma_units: list[Unit], groups: list[list[int]]) -> None:
    """The Enters in their groups, then every request answered: holds settled as "not
    ours" (each unit's own way), refunds over the limit approved."""
    forms = {n: u.form for n, u in enumerate(rma_units, start=1)}
    for group in groups:
        desk.decisions.accept(number, {n: forms[n] for n in group}, desk.ines)
    for request in desk.approvals_of(number):
        if request.status is not ApprovalStatus.PENDING:
            continue
        if request.kind is ApprovalKind.HOLD:
            with desk.sf() as s:
                unit = s.get(ReturnItem, request.return_item_id)
                assert unit is not None
                how = rma_units[unit.unit_no - 1].not_ours
            desk.approvals.answer(request.id, desk.sam, False, "not ours", alternative=how)
        else:
            desk.approvals.answer(request.id, desk.maria, True, "ok")


@dataclass(frozen=True)
class Outcome:
    resolutions: tuple[Resolution, ...]
    counted: Decimal
    credit: Decimal
    shipping: Decimal
    level: int
    carrier_claims: int


def _outcome(desk: Desk, number: str) -> Outcome:
    with desk.sf() as s:
        rows = s.execute(select(Decision, ReturnItem.unit_no)
                         .join(ReturnItem, Decision.return_item_id == ReturnItem.id)
                         .join(ReturnAuthorization)
                         .where(ReturnAuthorization.number == number,
                                Decision.superseded.is_(False))
                         .order_by(ReturnItem.unit_no)).all()
        levels = s.scalars(select(Approval.level).join(
            ReturnAuthorization, Approval.rma_id == ReturnAuthorization.id)
            .where(ReturnAuthorization.number == number)).all()
        _money_holds(s, number)
    return Outcome(
        tuple(d.resolution for d, _ in rows),
        sum((counted(d.resolution, d.refund, d.credit) for d, _ in rows), Decimal(0)),
        sum((d.credit for d, _ in rows), Decimal(0)),
        sum((shipping_in(d) for d, _ in rows), Decimal(0)),
        max((LEVEL[level] for level in levels), default=0),
        sum(1 for d, _ in rows if d.carrier_claim))


def _money_holds(s: Session, number: str) -> None:
    """Per order line, refunded cents never exceed what was paid (shipping aside); per
    order, shipping is refunded at most once."""
    rma = s.scalars(select(ReturnAuthorization).where(
        ReturnAuthorization.number == number)).one()
    shipped = Decimal(0)
    for line in s.scalars(select(OrderLine).where(OrderLine.order_id == rma.order_id)):
        live = list(s.scalars(select(Decision).join(ReturnItem).where(
            ReturnItem.order_line_id == line.id, Decision.superseded.is_(False))))
        paid = line.price_total + line.tax_total
        given = sum((counted(d.resolution, d.refund, d.credit) - shipping_in(d)
                     for d in live), Decimal(0))
        assert given <= paid, (number, line.sku, given, paid)
        shipped += sum((shipping_in(d) for d in live), Decimal(0))
    assert shipped <= rma.order.shipping_paid


@settings(max_examples=EXAMPLES, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture,
                                 HealthCheck.too_slow, HealthCheck.data_too_large])
@given(case=rmas())
def test_an_rma_decides_as_one_whatever_the_enters(
        committed_sf: sessionmaker[Session], clock: FixedClock,
        case: tuple[Brand, CustomerTier, str, list[Unit], list[list[int]]]) -> None:
    brand, tier, shipping, rma_units, groups = case
    desk = Desk(committed_sf, clock)
    specs = [u.spec for u in rma_units]
    together = build_rma(committed_sf, specs, at=NOW, brand=brand, tier=tier,
                         shipping=shipping)
    apart = build_rma(committed_sf, specs, at=NOW, brand=brand, tier=tier,
                      shipping=shipping)
    _settle(desk, together, rma_units, [list(range(1, len(rma_units) + 1))])
    _settle(desk, apart, rma_units, groups)
    assert _outcome(desk, apart) == _outcome(desk, together), groups
