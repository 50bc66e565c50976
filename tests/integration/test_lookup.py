from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.clock import FixedClock
from app.errors import NotFound
from app.services.demo_data import DemoSummary
from app.services.lookup import LookupService
from models import Order, ReturnAuthorization


@pytest.fixture
def lookup(demo: DemoSummary, session_factory: sessionmaker[Session],
           clock: FixedClock) -> LookupService:
    return LookupService(session_factory, clock)


@pytest.fixture
def an_rma(lookup: LookupService, session_factory: sessionmaker[Session]) -> tuple[str, str, str]:
    with session_factory() as s:
        rma = s.scalars(select(ReturnAuthorization).order_by(ReturnAuthorization.id)).first()
        assert rma is not None and rma.tracking_number
        return rma.number, rma.tracking_number, rma.order.number


def test_find_by_rma_number(lookup: LookupService, an_rma: tuple[str, str, str]) -> None:
    number, _, order = an_rma
    view = lookup.find_return(number)
    assert view.matched_by == "rma" and view.rma_number == number
    assert view.order_number == order and view.items
    assert all(it.line is not None for it in view.items)


def test_find_by_tracking_number_with_scanner_noise(lookup: LookupService,
                                                    an_rma: tuple[str, str, str]) -> None:
    number, tracking, _ = an_rma
    view = lookup.find_return(f"]C1{tracking[:4]} {tracking[4:]}\n")
    assert view.matched_by in ("ups", "fedex", "usps", "dhl") and view.rma_number == number


def test_find_by_order_number_shows_its_return(lookup: LookupService,
                                               an_rma: tuple[str, str, str]) -> None:
    number, _, order = an_rma
    view = lookup.find_return(order.lower())
    assert view.matched_by == "order" and view.rma_number == number


def test_order_without_return_shows_the_order(lookup: LookupService,
                                              session_factory: sessionmaker[Session]) -> None:
    with session_factory() as s:
        with_rma = select(ReturnAuthorization.order_id)
        order = s.scalars(select(Order).where(Order.id.not_in(with_rma))).first()
        assert order is not None
        number, n_lines = order.number, len(order.lines)
    view = lookup.find_return(number)
    assert view.rma_number is None and len(view.lines) == n_lines


def test_misread_rma_check_digit(lookup: LookupService, an_rma: tuple[str, str, str]) -> None:
    number = an_rma[0]
    bad = number[:-1] + str((int(number[-1]) + 1) % 10)
    with pytest.raises(NotFound, match="check digit wrong"):
        lookup.find_return(bad)


@pytest.mark.parametrize("code,message", [("1Z999AA10123456784", "No return found for UPS"),
                                          ("1Z999AA10123456785", "check digit wrong"),
                                          ("   ", "Nothing was scanned")])
def test_unknown_and_empty(lookup: LookupService, code: str, message: str) -> None:
    with pytest.raises(NotFound, match=message):
        lookup.find_return(code)
