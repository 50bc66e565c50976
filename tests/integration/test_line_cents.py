"""Cents that add up (issue 27, item 4): three units of a line that paid $290.00 and
$10.01 tax are refunded $300.01 in all, however they are entered, because each unit is
its own share of the line's totals (largest remainder), priced as the unit of the line it
takes when decided."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.clock import FixedClock
from app.domain.enums import DecisionStatus, Grade
from app.errors import Contention
from app.scanning.codes import rma_number
from app.services.auth import SignedInUser
from app.services.decisions import DecisionService, InspectionInput
from app.services.demo_data import DemoSummary
from app.services.outcomes import case_line_unit, take_unit_bought, unit_amounts
from models import Decision, Order, OrderLine, ReturnAuthorization, ReturnItem
from tests.helpers.office import office_imports
from tests.helpers.shopify import export_csv, order_rows
from tests.integration.conftest import user_named

GRADE_A = InspectionInput(grade=Grade.A)
SKU = "KP-EVG-1069-LIL-8"


def _import_three_units(sf: sessionmaker[Session], clock: FixedClock, name: str = "#7001",
                        rma_seq: int = 97001, quantity: int = 3) -> str:
    """Order `name`: `quantity` units of one gown at $100.00 less a $10.00 line discount
    ($290.00 for three) and $10.01 tax, and one RMA returning them all, both imported."""
    orders = order_rows(name, {
        "Email": "cents@example.com", "Currency": "USD", "Subtotal": "290.00",
        "Taxes": "10.01", "Created at": "2026-04-01 10:00:00 -0400",
        "Billing Name": "Cora Cents", "Shipping Zip": "10001"}, [
        {"Lineitem quantity": str(quantity), "Lineitem name": "Camille gown",
         "Lineitem price": "100.00", "Lineitem discount": "10.00", "Lineitem sku": SKU,
         "Vendor": "KissProm"}])
    office = office_imports(sf, clock)
    report = office.import_orders(export_csv(orders), "cents.csv")
    assert report.ok, report.errors
    number = rma_number(2026, rma_seq)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["RMA", "Order", "SKU", "Quantity", "Reason", "Requested",
                     "Delivered on", "Shipped on"])
    writer.writerow([number, name, SKU, str(quantity), "sizing", "refund", "2026-04-05",
                     "2026-04-08"])
    report = office.import_rmas(out.getvalue().encode(), "cents_rmas.csv")
    assert report.ok, report.errors
    return number


def _refunds(sf: sessionmaker[Session], number: str
             ) -> dict[int, tuple[int | None, Decimal]]:
    """unit_no: (line unit, refund) of the RMA's live decisions."""
    with sf() as s:
        rows = s.execute(
            select(ReturnItem.unit_no, ReturnItem.line_unit, Decision.refund)
            .join(Decision, Decision.return_item_id == ReturnItem.id)
            .join(ReturnAuthorization, ReturnAuthorization.id == ReturnItem.rma_id)
            .where(ReturnAuthorization.number == number, Decision.superseded.is_(False))
        ).all()
    return {u: (k, refund) for u, k, refund in rows}


@pytest.fixture
def ines(demo: DemoSummary, session_factory: sessionmaker[Session]) -> SignedInUser:
    return user_named(session_factory, "ines")


@pytest.fixture
def service(demo: DemoSummary, session_factory: sessionmaker[Session],
            clock: FixedClock) -> DecisionService:
    return DecisionService(session_factory, clock, "TEST-BENCH")


def test_the_import_keeps_the_line_totals_exactly(
        demo: DemoSummary, session_factory: sessionmaker[Session], clock: FixedClock) -> None:
    _import_three_units(session_factory, clock)
    with session_factory() as s:
        line = s.scalars(select(OrderLine).join(Order)
                         .where(Order.number == "KP-07001")).one()
        assert (line.quantity, line.price_total, line.tax_total) == (
            3, Decimal("290.00"), Decimal("10.01"))
        # unit 1's share in the old columns (the old per-unit rounding gave 96.67 + 3.34
        # for every unit: $300.03 for three)
        assert (line.unit_price_paid, line.unit_tax) == (Decimal("96.67"), Decimal("3.34"))
        assert [unit_amounts(line, k) for k in (1, 2, 3)] == [
            (Decimal("96.67"), Decimal("3.34")), (Decimal("96.67"), Decimal("3.34")),
            (Decimal("96.66"), Decimal("3.33"))]


def test_three_units_in_one_enter_refund_what_the_line_paid(
        ines: SignedInUser, service: DecisionService,
        session_factory: sessionmaker[Session], clock: FixedClock) -> None:
    number = _import_three_units(session_factory, clock)
    forms = {1: GRADE_A, 2: GRADE_A, 3: GRADE_A}
    preview = service.preview(number, forms)
    accepted = service.accept(number, forms, ines)
    assert [u.refund for u in accepted.view.units] == [u.refund for u in preview.units]
    refunds = _refunds(session_factory, number)
    assert sum(r for _k, r in refunds.values()) == Decimal("300.01")
    assert refunds == {1: (1, Decimal("100.01")), 2: (2, Decimal("100.01")),
                       3: (3, Decimal("99.99"))}


def test_three_units_one_enter_each_in_any_order_refund_what_the_line_paid(
        ines: SignedInUser, service: DecisionService,
        session_factory: sessionmaker[Session], clock: FixedClock) -> None:
    number = _import_three_units(session_factory, clock)
    for unit_no in (3, 1, 2):
        preview = service.preview(number, {unit_no: GRADE_A})
        accepted = service.accept(number, {unit_no: GRADE_A}, ines)
        assert accepted.view.units[0].refund == preview.units[0].refund
    refunds = _refunds(session_factory, number)
    assert sum(r for _k, r in refunds.values()) == Decimal("300.01")
    assert {k for k, _r in refunds.values()} == {1, 2, 3}
    assert refunds[3] == (1, Decimal("100.01"))  # the first decided takes unit 1


def test_a_unit_sent_back_takes_no_share_and_the_rest_still_add_up(
        ines: SignedInUser, service: DecisionService,
        session_factory: sessionmaker[Session], clock: FixedClock) -> None:
    number = _import_three_units(session_factory, clock)
    worn = InspectionInput(grade=Grade.D, worn=True, matches_order=True)
    accepted = service.accept(number, {1: worn, 2: GRADE_A, 3: GRADE_A}, ines)
    refunds = _refunds(session_factory, number)
    assert refunds[1][1] == Decimal("0.00"), accepted.view
    # units 2 and 3 are the line's units 2 and 3 (as priced), the dress sent back none
    assert (refunds[2], refunds[3]) == ((2, Decimal("100.01")), (3, Decimal("99.99")))
    with session_factory() as s:
        statuses = {it.unit_no: it.decision_status for it in s.scalars(
            select(ReturnItem).join(ReturnAuthorization)
            .where(ReturnAuthorization.number == number))}
    assert statuses[1] is not DecisionStatus.PENDING


def test_a_unit_another_bench_took_after_it_was_priced_is_not_stored(
        ines: SignedInUser, service: DecisionService,
        session_factory: sessionmaker[Session], clock: FixedClock) -> None:
    number = _import_three_units(session_factory, clock, quantity=2)
    with session_factory() as s:
        rma = s.scalars(select(ReturnAuthorization)
                        .where(ReturnAuthorization.number == number)).one()
        second = next(it for it in rma.items if it.unit_no == 2)
        assert case_line_unit(s, second, [second]) == 1  # priced as unit 1 of the line
        service.accept(number, {1: GRADE_A}, ines)  # another bench takes unit 1
        with pytest.raises(Contention, match="took unit 1"):
            take_unit_bought(s, rma, second)
