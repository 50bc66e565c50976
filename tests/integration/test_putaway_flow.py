"""Put-away through the bench session (issue 18), as a stocker scans: a tote picks up
(the screen names the shelves with room that take it), a wrong shelf is refused and the
tote stays in hand, the right one moves every dress; a dress's own plate moves only it;
a shelf scanned with nothing in hand tells what it holds; Esc puts down. Dresses in
steaming show when they are expected back (the policy's prep days)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from app.domain.enums import Grade
from app.policy.calendar import add_business_days
from app.policy.rules import load_policy
from app.scanning.codes import item_plate
from app.services.uow import UnitOfWork
from models import OrderLine, Product, ReturnAuthorization, ReturnItem
from tests.helpers.totes import bench, decide_one, signed_in
from tests.integration.conftest import user_named


def _stock(sf, number: str) -> int:  # type: ignore[no-untyped-def]
    with UnitOfWork(sf) as uow:
        s = uow.session
        rma = s.scalars(select(ReturnAuthorization).where(
            ReturnAuthorization.number == number)).one()
        line = s.get(OrderLine, rma.items[0].order_line_id)
        return s.get(Product, line.product_id).stock  # type: ignore[union-attr]


def _plate(sf, number: str) -> str:  # type: ignore[no-untyped-def]
    with UnitOfWork(sf) as uow:
        return item_plate(uow.session.scalars(select(ReturnAuthorization.id).where(
            ReturnAuthorization.number == number)).one(), 1)


def test_a_put_away_round(session_factory, demo, clock, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    sf = session_factory
    services = bench(sf, clock, tmp_path)
    ines = user_named(sf, "ines")
    session = signed_in(services, clock, ines)
    (restock, steam) = services.putaway.make_totes(2, ines)
    a = decide_one(sf, services, clock, ines, 0, session=session)
    b = decide_one(sf, services, clock, ines, 1, session=session)
    assert session.scan(restock).level == "ok" and session.scan(restock).level == "ok"
    c = decide_one(sf, services, clock, ines, 2, session=session, grade=Grade.B)
    assert session.scan(steam).data["placed"] == [c, 1]
    before = _stock(sf, a)

    picked = session.putaway_scan(restock)
    assert picked.level == "ok" and session.carrying == restock
    assert picked.data["goes_to"][:2] in (["R-A-01", "R-B-01"], ["R-B-01", "R-A-01"])
    wrong = session.putaway_scan("STEAM-1")
    assert wrong.level == "error" and "does not take restock" in wrong.message
    assert session.carrying == restock  # still in hand
    unknown = session.putaway_scan("R-Z-99")
    assert unknown.level == "error" and "No location R-Z-99" in unknown.message
    moved = session.putaway_scan("R-A-01")
    assert moved.level == "ok" and moved.sound == "good", moved.message
    assert "2 dresses" in moved.message and "2 size(s) sellable again" in moved.message
    assert session.carrying is None and _stock(sf, a) == before + 1
    with UnitOfWork(sf) as uow:
        placed = list(uow.session.scalars(select(ReturnItem).where(
            ReturnItem.location_id.is_not(None))))
        assert len(placed) == 2

    # One dress by its own plate, to the other aisle: only it moves.
    plate = _plate(sf, b)
    assert session.putaway_scan(plate).data["carrying"] == plate
    alone = session.putaway_scan("R-B-01")
    assert alone.level == "ok" and "R-B-01" in alone.message
    assert services.putaway.where(plate).now == "at R-B-01"
    shelf = session.putaway_scan("R-A-01")  # nothing in hand: what it holds
    assert shelf.level == "warn" and "1 of 600 dresses" in shelf.message

    # Steaming: the dress is expected back after the policy's steam days.
    session.putaway_scan(steam)
    assert session.drop().message.startswith(steam) and session.carrying is None
    session.putaway_scan(steam)
    assert session.putaway_scan("STEAM-1").level == "ok"
    found = services.putaway.where(_plate(sf, c))
    policy = load_policy("kissprom")
    local_today = clock.now().astimezone(policy.timezone).date()
    assert found.details["expected_back"] == add_business_days(
        local_today, policy.steam_days, policy.holidays)
    assert found.now.endswith("at STEAM-1")
