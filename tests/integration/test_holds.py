"""One item, one bench: holds, takeover after a lapse, and two benches racing for the
same item on a real PostgreSQL server (separate connections, threads behind a barrier)."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from functools import partial
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from app.camera.photostore import PhotoStore
from app.clock import FixedClock
from app.domain.enums import DecisionStatus, Grade, RequestedResolution, ReturnReason
from app.errors import BadInput, ItemHeld
from app.services.auth import SignedInUser
from app.services.decisions import DecisionService, InspectionInput
from app.services.demo_data import DemoSummary
from app.services.holds import HOLD_SECONDS, HoldService
from app.services.inspection import InspectionService
from models import Decision, ItemHold, ReturnItem
from models.db import make_engine, make_session_factory
from tests.conftest import NOW
from tests.helpers.rmas import WORN, rma_where, set_price
from tests.integration.conftest import user_named

GRADE_A = InspectionInput(grade=Grade.A)


@pytest.fixture
def rma(demo: DemoSummary, session_factory: sessionmaker[Session]) -> str:
    number, _ = rma_where(session_factory, reason=ReturnReason.SIZING,
                          requested=RequestedResolution.REFUND)
    set_price(session_factory, number, "120.00", "9.90")
    return number


def test_second_bench_is_told_who_has_the_item(
        rma: str, session_factory: sessionmaker[Session], clock: FixedClock,
        tmp_path: Any) -> None:
    ines, sam = user_named(session_factory, "ines"), user_named(session_factory, "sam")
    bench_a = HoldService(session_factory, clock, "BENCH-A")
    bench_b = HoldService(session_factory, clock, "BENCH-B")
    assert bench_a.acquire(rma, ines).held == (1,)
    result = bench_b.acquire(rma, sam)
    assert result.held == ()
    [holder] = result.blocked
    assert (holder.unit_no, holder.user, holder.station) == (1, "Ines Moreno", "BENCH-A")
    assert "BENCH-A" in holder.sentence(rma) and "Ines Moreno" in holder.sentence(rma)
    # The services refuse bench B's changes, whatever its screen shows.
    decisions_b = DecisionService(session_factory, clock, "BENCH-B")
    inspection_b = InspectionService(session_factory, clock, "BENCH-B",
                                     PhotoStore(tmp_path / "photos"))
    with pytest.raises(ItemHeld, match="Ines Moreno at BENCH-A"):
        decisions_b.accept(rma, {1: GRADE_A}, sam)
    with pytest.raises(ItemHeld):
        inspection_b.save_draft(rma, 1, GRADE_A, sam)
    with pytest.raises(ItemHeld):
        decisions_b.request_exception(rma, 1, "customer is a long-time VIP", "refund",
                                      sam, inspection=WORN)
    # Bench A decides: the hold goes with the decision.
    DecisionService(session_factory, clock, "BENCH-A").accept(rma, {1: GRADE_A}, ines)
    with session_factory() as s:
        assert s.scalar(select(func.count()).select_from(ItemHold)) == 0


def test_a_hold_lapses_when_the_bench_stops_renewing(
        rma: str, session_factory: sessionmaker[Session], clock: FixedClock) -> None:
    ines, sam = user_named(session_factory, "ines"), user_named(session_factory, "sam")
    bench_a = HoldService(session_factory, clock, "BENCH-A")
    bench_b = HoldService(session_factory, clock, "BENCH-B")
    bench_a.acquire(rma, ines)
    clock.advance(dt.timedelta(seconds=HOLD_SECONDS - 60))
    assert bench_a.renew(rma, ines).held == (1,)  # working: renewed
    clock.advance(dt.timedelta(seconds=HOLD_SECONDS - 1))
    assert bench_b.acquire(rma, sam).blocked  # still A's: renewed 299 s ago
    clock.advance(dt.timedelta(seconds=2))  # A crashed or sat idle: lapsed
    assert bench_b.acquire(rma, sam).held == (1,)
    lost = bench_a.renew(rma, ines)  # A comes back: told it lost the item
    assert lost.held == () and lost.blocked[0].station == "BENCH-B"
    with pytest.raises(ItemHeld, match="BENCH-B"):
        DecisionService(session_factory, clock, "BENCH-A").accept(rma, {1: GRADE_A}, ines)


def test_release_frees_the_bench_holds(rma: str, session_factory: sessionmaker[Session],
                                       clock: FixedClock) -> None:
    ines, sam = user_named(session_factory, "ines"), user_named(session_factory, "sam")
    bench_a = HoldService(session_factory, clock, "BENCH-A")
    bench_a.acquire(rma, ines)
    assert [h.station for h in bench_a.holders(rma)] == ["BENCH-A"]
    assert bench_a.release() == 1  # signing out lets go of everything
    assert HoldService(session_factory, clock, "BENCH-B").acquire(rma, sam).held == (1,)


# --- real concurrency on PostgreSQL ---------------------------------------------------

def _race(workers: list[Callable[[], object]]) -> list[object]:
    """Run the workers at the same instant in threads; their results or exceptions."""
    barrier = threading.Barrier(len(workers))
    results: list[object] = [None] * len(workers)

    def run(i: int) -> None:
        barrier.wait()
        try:
            results[i] = workers[i]()
        except Exception as exc:  # noqa: BLE001 - the test inspects it
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(workers))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return results


def _bench(url: str, station: str) -> tuple[sessionmaker[Session], FixedClock, Any]:
    engine = make_engine(url)
    return make_session_factory(engine), FixedClock(NOW), engine


def _users(sf: sessionmaker[Session]) -> list[SignedInUser]:
    return [user_named(sf, n) for n in ("ines", "sam", "maria", "carl")]


@pytest.mark.postgres
def test_benches_racing_for_one_item_on_postgresql(pg_demo_url: str) -> None:
    benches = [_bench(pg_demo_url, f"BENCH-{i}") for i in range(4)]
    sf0 = benches[0][0]
    number, _ = rma_where(sf0, reason=ReturnReason.SIZING, requested=RequestedResolution.REFUND)
    set_price(sf0, number, "120.00", "9.90")
    users = _users(sf0)
    try:
        holds = [HoldService(sf, clk, f"BENCH-{i}") for i, (sf, clk, _e) in enumerate(benches)]
        results = _race([partial(h.acquire, number, u)
                         for h, u in zip(holds, users, strict=True)])
        winners = [r for r in results if getattr(r, "held", ()) == (1,)]
        assert len(winners) == 1, results
        assert all(not isinstance(r, Exception) for r in results), results
        # Now all four press Enter on the same item at once: one decision, three refusals.
        decisions = [DecisionService(sf, clk, f"BENCH-{i}")
                     for i, (sf, clk, _e) in enumerate(benches)]
        results = _race([partial(d.accept, number, {1: GRADE_A}, u)
                         for d, u in zip(decisions, users, strict=True)])
        accepted = [r for r in results if not isinstance(r, Exception)]
        refused = [r for r in results if isinstance(r, Exception)]
        assert len(accepted) == 1
        assert all(isinstance(r, ItemHeld | BadInput) for r in refused), refused
        with sf0() as s:
            item = s.scalars(select(ReturnItem).join(Decision)).first()
            assert item is not None
            assert s.scalar(select(func.count()).select_from(Decision)) == 1
            assert item.decision_status is DecisionStatus.DECIDED
    finally:
        for _sf, _clk, engine in benches:
            engine.dispose()


@pytest.mark.postgres
def test_free_item_raced_by_accepts_is_decided_once(pg_demo_url: str) -> None:
    """Nobody held it first: the row lock and the hold check inside accept still let
    only one bench decide it."""
    benches = [_bench(pg_demo_url, f"BENCH-{i}") for i in range(4)]
    sf0 = benches[0][0]
    number, _ = rma_where(sf0, reason=ReturnReason.SIZING, requested=RequestedResolution.REFUND)
    set_price(sf0, number, "120.00", "9.90")
    users = _users(sf0)
    try:
        decisions = [DecisionService(sf, clk, f"BENCH-{i}")
                     for i, (sf, clk, _e) in enumerate(benches)]
        results = _race([partial(d.accept, number, {1: GRADE_A}, u)
                         for d, u in zip(decisions, users, strict=True)])
        assert sum(not isinstance(r, Exception) for r in results) == 1, results
        assert all(isinstance(r, ItemHeld | BadInput) for r in results
                   if isinstance(r, Exception)), results
        with sf0() as s:
            assert s.scalar(select(func.count()).select_from(Decision)) == 1
    finally:
        for _sf, _clk, engine in benches:
            engine.dispose()
