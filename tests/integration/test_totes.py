"""Totes and put-away (issue 18): the tote rules at the bench (wrong tote names the right
one, a full tote closes, a closed one refuses), moves in one transaction with their audit
entry, stock that comes back only at a restock location, `where` for each kind of code,
and the location map's refusals. On SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.errors import BadInput, NotFound
from app.locations import load_locations
from app.scanning.codes import item_plate
from app.services.putaway import PutAwayService
from app.services.uow import UnitOfWork
from models import AuditEvent, ItemMove, OrderLine, Product, ReturnAuthorization, ReturnItem
from tests.helpers.rmas import rma_where
from tests.helpers.totes import bench as _bench
from tests.helpers.totes import decide_one as _decide
from tests.integration.conftest import user_named


def test_dresses_go_into_their_totes(session_factory, demo, clock, tmp_path) -> None:  # type: ignore[no-untyped-def]
    sf = session_factory
    services = _bench(sf, clock, tmp_path)
    ines = user_named(sf, "ines")
    put = services.putaway
    a = _decide(sf, services, clock, ines, 0)
    b = _decide(sf, services, clock, ines, 0, brand="stacees")
    first, second = put.make_totes(2, ines)
    assert first.startswith("TO-") and put.tote_for(a, 1) is None  # no open tote yet
    placed = put.into_tote(a, 1, first, ines)
    assert placed.tote.disposition == "restock" and placed.tote.brand == "kissprom"
    assert put.tote_for(a, 1) is not None and put.tote_for(a, 1).code == first  # type: ignore[union-attr]
    assert "already" in put.into_tote(a, 1, first, ines).message  # a second scan: no-op
    # Another brand's dress: the Kiss Prom tote is the wrong one, and it says so.
    with pytest.raises(BadInput, match=r"Wrong tote.*scan an empty tote"):
        put.into_tote(b, 1, first, ines)
    put.into_tote(b, 1, second, ines)
    # A misread plate and an unknown tote are refused in words.
    with pytest.raises(BadInput, match="not a tote plate"):
        put.into_tote(a, 1, "TO-000001-0", ines)
    with UnitOfWork(sf) as uow:
        moves = uow.session.scalar(select(func.count()).select_from(ItemMove)) or 0
        audited = uow.session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "item.into_tote")) or 0
    assert moves == audited == 2


def test_an_undecided_dress_has_no_tote(session_factory, demo, clock, tmp_path) -> None:  # type: ignore[no-untyped-def]
    sf = session_factory
    services = _bench(sf, clock, tmp_path)
    ines = user_named(sf, "ines")
    number, _item = rma_where(sf, skip=3)
    (tote,) = services.putaway.make_totes(1, ines)
    with pytest.raises(BadInput, match="no decision yet"):
        services.putaway.into_tote(number, 1, tote, ines)


def test_a_full_tote_closes_and_a_closed_tote_refuses(session_factory, demo, clock,  # type: ignore[no-untyped-def]
                                                      tmp_path) -> None:
    sf = session_factory
    services = _bench(sf, clock, tmp_path)
    ines = user_named(sf, "ines")
    small = PutAwayService(sf, clock, "TEST-BENCH", load_locations().__class__(
        load_locations().locations, 2, "test"))
    numbers = [_decide(sf, services, clock, ines, skip) for skip in (0, 1, 2)]
    (tote,) = small.make_totes(1, ines)
    small.into_tote(numbers[0], 1, tote, ines)
    last = small.into_tote(numbers[1], 1, tote, ines)
    assert last.closed_now and last.tote.status == "closed" and "full" in last.message
    with pytest.raises(BadInput, match="closed"):
        small.into_tote(numbers[2], 1, tote, ines)


def test_put_away_moves_the_tote_and_restocks_once(session_factory, demo, clock,  # type: ignore[no-untyped-def]
                                                   tmp_path) -> None:
    sf = session_factory
    services = _bench(sf, clock, tmp_path)
    ines = user_named(sf, "ines")
    put = services.putaway
    number = _decide(sf, services, clock, ines, 0)
    (tote,) = put.make_totes(1, ines)
    put.into_tote(number, 1, tote, ines)

    def stock() -> int:
        with UnitOfWork(sf) as uow:
            s = uow.session
            rma = s.scalars(select(ReturnAuthorization).where(
                ReturnAuthorization.number == number)).one()
            line = s.get(OrderLine, rma.items[0].order_line_id)
            product = s.get(Product, line.product_id)  # type: ignore[union-attr]
            return product.stock  # type: ignore[union-attr]

    before = stock()
    with pytest.raises(BadInput, match="does not take restock"):
        put.put_away(tote, "LIQ-P-01", ines)  # a liquidation pallet: refused
    assert stock() == before
    with pytest.raises(BadInput, match="does not take restock"):
        put.put_away(tote, "STEAM-1", ines)  # steaming takes prep-and-restock only
    moved = put.put_away(tote, "r-a-01", ines)
    assert (moved.items, moved.restocked, stock()) == (1, 1, before + 1)
    assert "already" in put.put_away(tote, "R-A-01", ines).message and stock() == before + 1
    with UnitOfWork(sf) as uow:
        rma_id = uow.session.scalars(select(ReturnAuthorization.id).where(
            ReturnAuthorization.number == number)).one()
    plate = item_plate(rma_id, 1)
    again = put.move_item(plate, "R-B-01", ines)  # to another restock aisle: counted once
    assert again.restocked == 0 and stock() == before + 1
    item = put.where(plate)
    assert item.kind == "item" and item.now == "at R-B-01" and len(item.moves) == 3
    assert [m.to_place for m in item.moves][-1] == "at R-B-01"
    box = put.where(tote)
    assert box.kind == "tote" and box.now == "R-A-01" and box.details["items"] == 0
    shelf = put.where("R-A-01")
    assert shelf.kind == "location" and tote in shelf.details["totes"]
    with pytest.raises(NotFound, match="No location"):
        put.where("NOWHERE-9")
    with UnitOfWork(sf) as uow:
        actions = [a for (a,) in uow.session.execute(select(AuditEvent.action).where(
            AuditEvent.action.in_(("tote.put_away", "item.moved"))))]
    assert sorted(actions) == ["item.moved", "tote.put_away"]


def test_a_bad_location_map_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "locations.toml"
    bad.write_text('[[location]]\ncode = "R-A-01"\nname = "Aisle"\nkind = "shelf"\n'
                   'takes = ["restock"]\ncapacity = 10\n')
    with pytest.raises(BadInput, match="location 1 \\(R-A-01\\): kind: one of"):
        load_locations(bad)
    bad.write_text('[totes]\ncapacity = 500\n')
    with pytest.raises(BadInput, match="capacity: a whole number of dresses, 1 to 50"):
        load_locations(bad)


@pytest.mark.postgres
def test_two_benches_put_the_same_tote_away_at_once(pg_demo_url: str, clock,  # type: ignore[no-untyped-def]
                                                    tmp_path: Path) -> None:
    from models.db import make_engine, make_session_factory

    engines = [make_engine(pg_demo_url) for _ in range(2)]
    try:
        sfs = [make_session_factory(e) for e in engines]
        a = _bench(sfs[0], clock, tmp_path, "BENCH-A")
        ines = user_named(sfs[0], "ines")
        number = _decide(sfs[0], a, clock, ines, 0)
        (tote,) = a.putaway.make_totes(1, ines)
        a.putaway.into_tote(number, 1, tote, ines)
        benches = [PutAwayService(sf, clock, name) for sf, name
                   in zip(sfs, ("BENCH-A", "BENCH-B"), strict=True)]
        results: list[object] = []
        start = threading.Barrier(2)

        def go(service: PutAwayService) -> None:
            start.wait()
            try:
                results.append(service.put_away(tote, "R-A-01", ines))
            except Exception as exc:  # noqa: BLE001 - collected: the test says which
                results.append(exc)

        threads = [threading.Thread(target=go, args=(b,)) for b in benches]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        assert len(results) == 2 and not any(isinstance(r, Exception) for r in results)
        with UnitOfWork(sfs[0]) as uow:
            s = uow.session
            moves = s.scalar(select(func.count()).select_from(ItemMove).where(
                ItemMove.to_location_id.is_not(None))) or 0
            restocked = s.scalar(select(func.count()).select_from(ReturnItem).where(
                ReturnItem.restocked_at.is_not(None))) or 0
        assert (moves, restocked) == (1, 1)  # once, whoever came second found it there
    finally:
        for e in engines:
            e.dispose()


def test_where_on_the_command_line(tmp_path: Path) -> None:
    """`where` for a location (0), a tote nobody made (3) and a misread plate (2)."""
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[2]
    url = f"sqlite:///{tmp_path / 'd.db'}"

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "main.py", *args, "--db", url], cwd=root,
                              capture_output=True, text=True, timeout=120)

    assert run("demo-data", "--orders", "20", "--plain").returncode == 0
    shelf = run("where", "r-a-01")
    assert shelf.returncode == 0, shelf.stderr
    assert '"kind": "location"' in shelf.stdout and '"now": "0 of 600 dresses"' in shelf.stdout
    missing = run("where", "TO-000001-8")
    assert missing.returncode == 3 and "No tote TO-000001-8" in missing.stderr
    misread = run("where", "IT-123")
    assert misread.returncode == 2 and "not an item plate" in misread.stderr
    assert "Traceback" not in misread.stderr + missing.stderr
