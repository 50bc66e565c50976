"""Unexpected returns (issue 29 item 11): a parcel with no return authorization is
received anyway (what is in it, the bench's grade, the customer found by name, email,
order number or the dress's SKU), held for a supervisor, who links it to an order (it
becomes a return, received when the parcel was, its grade the draft: one Enter decides
it) or sends it back. Reports count them. On SQLite and PostgreSQL, through the
service, the bench session and `main.py replay`."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from app.bench.results import UnexpectedAnswered, UnexpectedReceived
from app.bootstrap import bootstrap
from app.clock import FixedClock
from app.config import load_settings
from app.domain.enums import DecisionStatus, Grade, ReceptionStatus, UnexpectedStatus
from app.errors import BadInput, Conflict, PermissionDenied
from app.services.approvals import ApprovalService
from app.services.auth import AuthService
from app.services.authlog import AuthorizationLogService
from app.services.demo_data import DemoSummary
from app.services.lookup import LookupService
from app.services.reports import ReportService
from app.services.unexpected import UnexpectedService
from models import (
    AuditEvent,
    Inspection,
    Order,
    OrderLine,
    Receipt,
    ReturnAuthorization,
    ReturnItem,
    UnexpectedReturn,
)
from tests.helpers.readback import pdf_words
from tests.integration.conftest import user_named
from tests.integration.test_bench_session import _session
from tests.integration.test_replay import _replay
from tests.integration.test_replay import db as db


@pytest.fixture
def unexpected(demo: DemoSummary, session_factory: sessionmaker[Session],
               clock: FixedClock) -> UnexpectedService:
    return UnexpectedService(session_factory, clock, "TEST-BENCH")


def order_without_return(sf: sessionmaker[Session], lines: int = 1) -> tuple[str, str]:
    """An order nobody returned anything of, with `lines` lines: (number, a line's SKU)."""
    with sf() as s:
        returned = select(ReturnAuthorization.order_id)
        order = s.scalars(select(Order).join(OrderLine).where(Order.id.not_in(returned))
                          .group_by(Order.id).having(func.count(OrderLine.id) == lines)
                          .order_by(Order.id)).first()
        assert order is not None, f"the demo has no order of {lines} lines without a return"
        return order.number, sorted(order.lines, key=lambda ln: ln.line_no)[-1].sku


def test_received_held_and_linked_by_its_sku_becomes_a_return_graded_as_its_draft(
        unexpected: UnexpectedService, session_factory: sessionmaker[Session]) -> None:
    sf = session_factory
    order, sku = order_without_return(sf, lines=2)
    ines, sam = user_named(sf, "ines"), user_named(sf, "sam")
    view = unexpected.receive("1Z999AA10123456784", None, sku.lower(), Grade.B,
                              "no slip in the box", ines)
    assert view.status is UnexpectedStatus.HELD and view.sku == sku
    assert view.description != sku.lower() and "size" in view.description  # the product
    assert view.number == f"U-{view.id:06d}" and view.customer == ""
    assert [v.id for v in unexpected.held(sam)] == [view.id]
    with pytest.raises(PermissionDenied):
        unexpected.held(ines)  # an inspector receives; a supervisor answers
    with pytest.raises(PermissionDenied):
        unexpected.link(view.id, order, ines)

    linked = unexpected.link(view.id, order, sam, "customer called")
    assert linked.status is UnexpectedStatus.LINKED and linked.rma_number
    assert linked.order_number == order and linked.answered_by == sam.display_name
    assert unexpected.held(sam) == []
    with sf() as s:
        rma = s.scalars(select(ReturnAuthorization).where(
            ReturnAuthorization.number == linked.rma_number)).one()
        assert rma.order.number == order and rma.tracking_number == "1Z999AA10123456784"
        (item,) = rma.items
        assert item.order_line is not None and item.order_line.sku == sku  # by the SKU
        assert item.reception_status is ReceptionStatus.RECEIVED
        assert item.decision_status is DecisionStatus.PENDING
        receipt = s.scalars(select(Receipt).where(Receipt.rma_id == rma.id)).one()
        assert receipt.user_id == ines.id  # the parcel's own receipt: who, when
        draft = s.scalars(select(Inspection).where(Inspection.return_item_id == item.id,
                                                   Inspection.is_draft.is_(True))).one()
        assert draft.grade is Grade.B and draft.inspector_id == ines.id
        assert draft.checklist["form"]["notes"] == "no slip in the box"
        assert draft.checklist["form"]["matches_order"] is True  # its tag is the line's
        actions = list(s.scalars(select(AuditEvent.action).where(
            AuditEvent.entity == "unexpected_return", AuditEvent.entity_id == str(view.id))
            .order_by(AuditEvent.seq)))
        assert actions == ["parcel.unexpected", "unexpected.linked"]
    with pytest.raises(Conflict, match=r"linked to RMA-.* already"):
        unexpected.send_back(view.id, sam)


def test_an_order_of_several_lines_asks_which_and_a_unit_comes_back_once(
        unexpected: UnexpectedService, session_factory: sessionmaker[Session],
        clock: FixedClock, tmp_path: Path) -> None:
    sf = session_factory
    order, _sku = order_without_return(sf, lines=2)
    ines, sam = user_named(sf, "ines"), user_named(sf, "sam")
    first = unexpected.receive("", order, "Navy gown, size 8", Grade.A, "", ines)
    assert first.order_number == order and first.customer  # the customer it found
    assert len(first.order_lines) == 2
    with pytest.raises(BadInput, match=f"Order {order} has 2 lines .*: type the line"):
        unexpected.link(first.id, order, sam)
    with pytest.raises(BadInput, match="no line 7"):
        unexpected.link(first.id, f"{order} 7", sam)
    with pytest.raises(BadInput, match="Type the order number"):
        unexpected.link(first.id, "", sam)
    linked = unexpected.link(first.id, f"{order} 1", sam)
    with sf() as s:
        line = s.scalars(select(OrderLine).join(ReturnItem).join(ReturnAuthorization)
                         .where(ReturnAuthorization.number == linked.rma_number)).one()
        bought = line.quantity
    for _ in range(bought - 1):  # the line's other units may come back too
        more = unexpected.receive("", None, "Another gown", Grade.C, "", ines)
        unexpected.link(more.id, f"{order} 1", sam)
    extra = unexpected.receive("", None, "Yet another gown", Grade.C, "", ines)
    with pytest.raises(Conflict, match="already return"):
        unexpected.link(extra.id, f"{order} 1", sam)  # each unit bought comes back once
    back = unexpected.send_back(extra.id, sam, "not ours")
    assert back.status is UnexpectedStatus.SENT_BACK and back.note == "not ours"
    counts = unexpected.counts(dt.datetime(2000, 1, 1, tzinfo=dt.UTC),
                               dt.datetime(2100, 1, 1, tzinfo=dt.UTC))
    assert (counts.received, counts.held, counts.linked, counts.sent_back) == (
        bought + 1, 0, bought, 1)
    today = clock.now().date()
    kpis = ReportService(session_factory, clock).kpis(today - dt.timedelta(days=1),
                                                      today + dt.timedelta(days=2))
    assert kpis.unexpected == {"held": 0, "linked": bought, "sent_back": 1}
    # The authorization log carries each answer: who, when, before (the parcel) and after
    auth = AuthService(session_factory, clock, "TEST-BENCH")
    words = " ".join(pdf_words(AuthorizationLogService(
        session_factory, clock, ApprovalService(session_factory, clock, "TEST-BENCH", auth)
    ).render_for(sam, today, today), tmp_path).split())
    assert f"Parcels with no return, answered by a supervisor: {bought + 1}" in words
    assert f"{extra.number}, received" in words and "Sent back to the customer by" in words
    assert f"Linked to {order} as {linked.rma_number} by {sam.display_name}" in words


def test_bad_input_is_refused_and_nothing_is_kept(
        unexpected: UnexpectedService, session_factory: sessionmaker[Session]) -> None:
    ines = user_named(session_factory, "ines")
    with pytest.raises(BadInput, match="Say what is in the box"):
        unexpected.receive("1Z", None, " x ", Grade.B, "", ines)
    with pytest.raises(Exception, match="No order KP-99999"):
        unexpected.receive("1Z", "KP-99999", "Red gown", Grade.B, "", ines)
    with session_factory() as s:
        assert s.scalar(select(func.count()).select_from(UnexpectedReturn)) == 0
        assert s.scalar(select(func.count()).select_from(Receipt).where(
            Receipt.scanned_code == "1Z")) == 0


def test_the_customer_is_found_by_the_dresss_sku(
        demo: DemoSummary, session_factory: sessionmaker[Session],
        clock: FixedClock) -> None:
    order, sku = order_without_return(session_factory)
    hits = LookupService(session_factory, clock).search(sku.lower())
    assert order in [h.order_number for h in hits]


def test_the_bench_session_receives_and_a_supervisor_links_then_one_enter_decides(
        demo: DemoSummary, session_factory: sessionmaker[Session], clock: FixedClock,
        tmp_path: Path) -> None:
    sf = session_factory
    order, sku = order_without_return(sf)
    bench = _session(sf, clock, tmp_path)
    bench._online.unexpected = UnexpectedService(sf, clock, "BENCH-S")
    screen = bench.receive_unexpected("1Z999AA10123456784", order, sku, Grade.A)
    assert screen.level == "ok" and isinstance(screen.result, UnexpectedReceived)
    number = screen.result.number
    assert screen.message.startswith(f"{number}: ") and "hold shelf" in screen.message
    refused = bench.link_unexpected(screen.result.id, order)  # ines is an inspector
    assert refused.level == "error" and "may not" in refused.message
    boss = _session(sf, clock, tmp_path, "BENCH-T")
    boss._online.unexpected = bench._online.unexpected
    boss.use(user_named(sf, "sam"))
    answer = boss.link_unexpected(screen.result.id, order)
    assert answer.level == "ok" and isinstance(answer.result, UnexpectedAnswered)
    rma = answer.result.rma
    assert rma is not None and f"it is {rma} now" in answer.message
    again = boss.link_unexpected(screen.result.id, order)
    assert again.level == "warn" and "already" in again.message
    scanned = bench.scan(rma)  # received already: it opens, graded A as its draft
    assert scanned.view is not None and scanned.view.rma_number == rma
    opened = bench.open_inspection()
    assert opened.level != "error", opened.message
    assert bench.forms[1].grade is Grade.A
    decided = bench.accept()
    assert decided.level in ("ok", "warn"), decided.message
    with sf() as s:
        item = s.scalars(select(ReturnItem).join(ReturnAuthorization).where(
            ReturnAuthorization.number == rma)).one()
        assert item.decision_status is not DecisionStatus.PENDING


def test_replay_receives_links_and_sends_back(db: str, tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    services = bootstrap(load_settings(db, "SETUP"))
    try:
        order, sku = order_without_return(services.session_factory)
    finally:
        services.dispose()
    code, out = _replay(db, tmp_path, [
        {"sign_in": "ines"},
        {"unexpected": "1Z999AA10123456784", "what": sku, "grade": "B", "order": order,
         "notes": "no slip"},
        {"unexpected": "", "what": "Red gown, size 10", "grade": "C"},
        {"unexpected": "", "what": "x", "grade": "C", "expect": "error"},
        {"sign_out": True},
        {"sign_in": "sam"},
        {"send_back_unexpected": "last", "note": "not ours"},
        {"link_unexpected": 10**6, "order": order, "expect": "error"},
        {"sign_out": True},
    ], capsys)
    assert code == 0, [(o["input"], o["message"]) for o in out if not o["as_expected"]]
    first = out[1]["unexpected"]
    assert out[1]["found_order"] == order and out[2]["unexpected"] != first
    assert out[6]["status"] == "sent_back" and out[6]["unexpected"] == out[2]["unexpected"]
    code, out = _replay(db, tmp_path, [
        {"sign_in": "sam"},
        {"link_unexpected": int(first[2:]), "order": order},
        {"sign_out": True},
        {"sign_in": "ines"},
        {"scan": "1Z999AA10123456784"},  # the parcel's label finds the return it became
        {"accept": True},
    ], capsys)
    assert code == 0, [(o["input"], o["message"]) for o in out if not o["as_expected"]]
    rma = out[1]["rma"]
    assert out[1]["status"] == "linked" and out[4]["rma"] == rma
    assert out[5]["level"] == "ok" and out[5]["decisions"] == [1], out[5]


def test_the_supervisor_is_told_when_the_dress_is_not_on_the_order_found(
        unexpected: UnexpectedService, session_factory: sessionmaker[Session]) -> None:
    """The inspector picked the wrong customer's order: the dress's SKU says so."""
    order, _sku = order_without_return(session_factory, lines=1)
    _other, sku = order_without_return(session_factory, lines=2)
    view = unexpected.receive("", order, sku, Grade.B, "", user_named(session_factory, "ines"))
    assert f"The dress ({sku}) is not on {order}" in "\n".join(view.lines())
    right = unexpected.receive("", _other, sku, Grade.B, "",
                               user_named(session_factory, "ines"))
    assert "is not on" not in "\n".join(right.lines())


def test_two_supervisors_answering_at_the_same_moment_keep_one_answer(
        unexpected: UnexpectedService, session_factory: sessionmaker[Session],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """On SQLite the held row is read unlocked: another supervisor's answer may land
    between the read and the write. The write is conditional: the later answer keeps
    nothing (no second return for the parcel)."""
    sf = session_factory
    order, _sku = order_without_return(sf)
    ines, sam, maria = (user_named(sf, n) for n in ("ines", "sam", "maria"))
    parcel = unexpected.receive("", order, "Red gown, size 10", Grade.B, "", ines)
    unexpected.send_back(parcel.id, maria, "not ours")  # Maria's answer lands first
    monkeypatch.setattr(UnexpectedService, "_held",  # Sam's read came before it
                        staticmethod(lambda s, i: s.get(UnexpectedReturn, i)))
    with sf() as s:
        before = s.scalar(select(func.count()).select_from(ReturnAuthorization))
    with pytest.raises(Conflict, match="answered by another supervisor at the same moment"):
        unexpected.link(parcel.id, order, sam)
    with sf() as s:
        assert s.scalar(select(func.count()).select_from(ReturnAuthorization)) == before
        row = s.get(UnexpectedReturn, parcel.id)
        assert row is not None and row.status is UnexpectedStatus.SENT_BACK
        assert row.rma_id is None and row.note == "not ours"


def test_an_rma_number_taken_at_the_same_moment_is_tried_again(
        unexpected: UnexpectedService, session_factory: sessionmaker[Session],
        monkeypatch: pytest.MonkeyPatch) -> None:
    sf = session_factory
    order, _sku = order_without_return(sf)
    with sf() as s:
        taken = s.scalars(select(ReturnAuthorization.number)).first()
    assert taken is not None
    parcel = unexpected.receive("", order, "Red gown, size 10", Grade.B, "",
                                user_named(sf, "ines"))
    real = UnexpectedService._next_rma_number
    calls: list[str] = []

    def racing(s: Session, now: dt.datetime) -> str:  # another link took it first
        calls.append("x")
        return taken if len(calls) == 1 else real(s, now)

    monkeypatch.setattr(UnexpectedService, "_next_rma_number", staticmethod(racing))
    linked = unexpected.link(parcel.id, order, user_named(sf, "sam"))
    assert len(calls) == 2 and linked.rma_number not in (None, taken)
