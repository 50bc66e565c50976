"""The database goes away mid-session: a PostgreSQL server of the test's own, stopped and
started by the test. The pending action fails clearly while it is away and is done
exactly once after it is back; the notification listener reconnects by itself."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from sqlalchemy import func, select

from app.bootstrap import Services
from app.domain.enums import Grade, RequestedResolution, ReturnReason
from app.errors import DatabaseUnavailable
from app.notify import RECONNECTED
from app.services.decisions import InspectionInput
from models import CompletedRequest, Decision, ItemMove, PrintJob
from tests.helpers.postgres import PostgresServer
from tests.helpers.rmas import ask_exception, rma_where, set_price
from tests.helpers.totes import decide_one, signed_in

GRADE_A = InspectionInput(grade=Grade.A)
pytestmark = pytest.mark.postgres


@pytest.fixture
def bench(restartable_services: Services) -> Services:
    return restartable_services


def _count(services: Services, model: Any) -> int:
    with services.session_factory() as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


def test_accept_while_the_server_is_down_then_back_is_done_once(
        own_server: PostgresServer, bench: Services) -> None:
    number, _ = rma_where(bench.session_factory, reason=ReturnReason.SIZING,
                          requested=RequestedResolution.REFUND)
    set_price(bench.session_factory, number, "120.00", "9.90")
    ines = bench.auth.sign_in("ines", "1111")
    bench.holds.acquire(number, ines)
    bench.inspection.save_draft(number, 1, GRADE_A, ines)
    bench.ping()

    own_server.stop("fast")
    with pytest.raises(DatabaseUnavailable, match="not saved"):
        bench.decisions.accept(number, {1: GRADE_A}, ines, request_key="enter-1")
    with pytest.raises(DatabaseUnavailable):
        bench.ping()
    with pytest.raises(DatabaseUnavailable):
        bench.inspection.save_draft(number, 1, GRADE_A, ines)

    own_server.start()
    bench.ping()  # the pool drops its dead connections and opens new ones
    first = bench.decisions.accept(number, {1: GRADE_A}, ines, request_key="enter-1")
    # The bench could not know whether its first try was committed; it tries again with
    # the same key and gets the same decision back, not a second one.
    again = bench.decisions.accept(number, {1: GRADE_A}, ines, request_key="enter-1")
    assert again.decision_ids == first.decision_ids and again.view == first.view
    assert _count(bench, Decision) == 1
    assert _count(bench, CompletedRequest) == 1
    one = bench.printing.print_label(number, 1, "item", ines, request_key="enter-1/1/item")
    two = bench.printing.print_label(number, 1, "item", ines, request_key="enter-1/1/item")
    assert one.job_id == two.job_id and _count(bench, PrintJob) == 1


def test_listener_reconnects_after_a_restart(own_server: PostgresServer,
                                             bench: Services) -> None:
    events: list[tuple[str, dict[str, Any]]] = []
    got = threading.Event()

    def handler(topic: str, payload: dict[str, Any]) -> None:
        events.append((topic, payload))
        got.set()

    listener = bench.listen(handler)
    assert listener is not None
    try:
        assert listener.connected.wait(5)
        own_server.stop("fast")
        own_server.start()
        assert got.wait(10), "no reconnect reported"
        assert events[0][0] == RECONNECTED
        got.clear()
        number, _ = rma_where(bench.session_factory, skip=1, reason=ReturnReason.SIZING,
                              requested=RequestedResolution.REFUND)
        ines = bench.auth.sign_in("ines", "1111")
        approval = ask_exception(bench.session_factory, bench.decisions, number, ines, "50.00")
        assert got.wait(2)
        assert events[-1] == ("approval.requested", {"id": approval, "station": "BENCH-A"})
    finally:
        listener.stop()


def test_put_away_while_the_server_is_down_keeps_the_tote_in_hand(
        own_server: PostgresServer, bench: Services) -> None:
    """A stocker holding a tote when the server stops: the shelf scan is refused in
    words, the tote stays in hand and nothing moved; once it is back the same scan puts
    it away, once."""
    sf = bench.session_factory
    ines = bench.auth.sign_in("ines", "1111")
    session = signed_in(bench, bench.clock, ines)  # type: ignore[arg-type]
    decide_one(sf, bench, bench.clock, ines, 0, grade=Grade.A, session=session)  # type: ignore[arg-type]
    (tote,) = bench.putaway.make_totes(1, ines)
    assert session.scan(tote).data.get("placed")
    assert session.putaway_scan(tote).data["carrying"] == tote
    own_server.stop("fast")
    refused = session.putaway_scan("R-A-01")
    assert refused.level == "error" and "not saved" in refused.message
    assert "Still holding" in refused.message
    assert session.carrying == tote
    own_server.start()
    bench.ping()
    moved = session.putaway_scan("R-A-01")
    assert moved.level == "ok", moved.message
    assert _count(bench, ItemMove) == 2  # into the tote, then to the shelf


def test_a_regrade_while_the_server_is_down_waits_in_hand(
        own_server: PostgresServer, bench: Services) -> None:
    """Sam has a sampled dress picked up and its grade pressed when the server stops:
    Enter is refused in words, the dress and the grade stay in hand and nothing is
    recorded; once it is back the same Enter records the re-grade, once."""
    from app.domain.agreement import sampled
    from app.scanning.codes import item_plate
    from models import AuditEvent, QaSample, ReturnAuthorization
    from tests.helpers.totes import ready_return

    sf = bench.session_factory
    ines = bench.auth.sign_in("ines", "1111")
    sam = bench.auth.sign_in("sam", "333333")
    # Ines is new: 20% are sampled; the first dress the sample takes.
    skip = next(k for k in range(60)
                if sampled(f"{ready_return(sf, k, ReturnReason.SIZING)}/1", 0.20))
    number = decide_one(sf, bench, bench.clock, ines, skip,  # type: ignore[arg-type]
                        session=signed_in(bench, bench.clock, ines))  # type: ignore[arg-type]
    with sf() as s:
        rma_id = s.scalars(select(ReturnAuthorization.id).where(
            ReturnAuthorization.number == number)).one()
    desk = bench.qa_desk(sam)
    assert "picked up" in desk.scan(item_plate(rma_id, 1)).message
    desk.press("3")
    own_server.stop("fast")
    refused = desk.enter()
    assert refused.level == "error" and "database" in refused.message.lower()
    assert desk.picked is not None and desk.chosen == "C"
    own_server.start()
    bench.ping()
    done = desk.enter()
    assert done.data.get("regraded"), done.message
    assert desk.enter().level == "error"  # nothing in hand any more: nothing twice
    with sf() as s:
        assert s.scalars(select(QaSample.status)).one() == "regraded"
        assert s.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "qa.regraded")) == 1
