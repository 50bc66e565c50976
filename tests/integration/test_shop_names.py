"""The bench finds an order by the shop's own name as the packing slip prints it
("#10003", "10003") as well as by our number (KP-10003): in lookup, the scan field and
search. A name both shops use lists both and picks neither (issue 17)."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.clock import FixedClock
from app.domain.enums import Brand
from app.services.demo_data import DemoSummary
from app.services.lookup import LookupService
from app.services.receiving import ReceivingService
from models import Order, ReturnAuthorization
from tests.integration.conftest import user_named


def _kp_order_with_return(sf: sessionmaker[Session]) -> str:
    with sf() as s:
        number = s.scalars(select(Order.number).join(
            ReturnAuthorization, ReturnAuthorization.order_id == Order.id)
            .where(Order.brand == Brand.KISSPROM).order_by(Order.id)).first()
        assert number is not None
        return number


@pytest.mark.parametrize("written", ["#{n}", "{n}", " # {n} "])
def test_the_shop_name_finds_the_order(demo: DemoSummary, session_factory: sessionmaker[Session],
                                       clock: FixedClock, written: str) -> None:
    number = _kp_order_with_return(session_factory)
    name = written.format(n=int(number.split("-")[1]))
    lookup = LookupService(session_factory, clock)
    found = lookup.lookup(name)
    assert found.view is not None and found.view.order_number == number, found.problem
    hits = lookup.search(name.strip())
    assert number in [h.order_number for h in hits]
    receiving = ReceivingService(session_factory, clock, "BENCH", lookup)
    scanned = receiving.scan(name, user_named(session_factory, "ines"))
    assert scanned.view is not None and scanned.view.order_number == number


def test_a_name_both_shops_use_lists_both(demo: DemoSummary,
                                          session_factory: sessionmaker[Session],
                                          clock: FixedClock) -> None:
    number = _kp_order_with_return(session_factory)
    seq = int(number.split("-")[1])
    with session_factory() as s:
        other = s.scalars(select(Order).where(Order.brand == Brand.STACEES)
                          .order_by(Order.id)).first()
        assert other is not None
        other.number = f"ST-{seq:05d}"
        s.commit()
    result = LookupService(session_factory, clock).lookup(f"#{seq}")
    assert result.view is None and result.problem is not None
    assert number in result.problem and f"ST-{seq:05d}" in result.problem
    assert "names two orders" in result.problem
    hits = LookupService(session_factory, clock).search(f"#{seq}")
    assert {number, f"ST-{seq:05d}"} <= {h.order_number for h in hits}
