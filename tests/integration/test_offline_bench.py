"""The offline bench on a real PostgreSQL server (issue 20): bench A reaches the server
through a TCP proxy the test cuts; it works through 50 parcels offline on its local copy
while bench B, online, decides some of the same returns; after the link is back, every
action of A is applied once or listed as a conflict with both versions. A long partition
is an injected clock moved on, not a wait."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import uuid
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from app import audit
from app.bench import BenchSession
from app.clock import FixedClock
from app.domain.enums import DecisionStatus, Grade
from app.errors import AuthenticationFailed, DatabaseUnavailable
from app.offline import OfflineBench
from app.services.auth import SignedInUser
from app.services.decisions import InspectionInput, with_grade
from app.services.demo_data import load_demo_data
from app.services.exports import SETTLED
from app.services.journal import APPLIED, CONFLICT
from app.wiring import wire
from models import (
    AuditEvent,
    CompletedRequest,
    Decision,
    OfflineConflict,
    QaSample,
    Receipt,
    ReturnAuthorization,
    Station,
)
from models.db import make_engine, make_session_factory, upgrade
from tests.conftest import NOW
from tests.helpers.ledger import assert_ledger_clean
from tests.helpers.postgres import PostgresServer
from tests.helpers.proxy import Proxy
from tests.helpers.rmas import refundable

pytestmark = pytest.mark.postgres
GRADE_A = with_grade(InspectionInput(), Grade.A)


class Site:
    """Two benches on one server: A behind the proxy (with its offline mode), B direct."""

    def __init__(self, server: PostgresServer, tmp: Path) -> None:
        self.name = f"rb_{uuid.uuid4().hex[:12]}"
        direct = server.create_database(self.name)
        self.engine_b = make_engine(direct)
        upgrade(self.engine_b)
        self.sf_b = make_session_factory(self.engine_b)
        self.clock = FixedClock(NOW)
        load_demo_data(self.sf_b, orders=500, seed=5, today=NOW.date())
        self.proxy = Proxy(server.socket_dir / f".s.PGSQL.{server.port}")
        self.engine_a = make_engine(self.proxy.url(self.name))
        self.sf_a = make_session_factory(self.engine_a)
        printer = f"file:{tmp / 'labels'}"
        self.a = wire(self.sf_a, self.clock, "BENCH-A", tmp / "photos", printer)
        self.b = wire(self.sf_b, self.clock, "BENCH-B", tmp / "photos", printer)
        self.offline = OfflineBench(self.sf_a, self.clock, "BENCH-A", tmp / "offline",
                                    tmp / "photos", printer, server=self.a)

    def session_a(self, user: SignedInUser) -> BenchSession:
        session = self.a.session_for(self.clock, None, self.offline)
        session.use(user)
        return session

    def close(self) -> None:
        self.offline.close()
        self.proxy.cut()
        self.engine_a.dispose()
        self.engine_b.dispose()


@pytest.fixture
def site(pg_server: PostgresServer, tmp_path: Path) -> Iterator[Site]:
    made = Site(pg_server, tmp_path)
    yield made
    made.close()
    pg_server.psql(f'DROP DATABASE IF EXISTS "{made.name}" WITH (FORCE)')


BRANDS = ("kissprom", "stacees")


def _parcels(sf: sessionmaker[Session], count: int) -> list[str]:
    """`count` one-dress refund returns, from both brands."""
    return [refundable(sf, skip=i // 2, brand=BRANDS[i % 2]) for i in range(count)]


def _decide(session: BenchSession, number: str) -> dict[str, object]:
    scanned = session.scan(number)
    assert scanned.level != "error", scanned.message
    session.open_inspection()
    session.edit(1, **{k: getattr(GRADE_A, k) for k in
                       ("grade", "tags_attached", "matches_order", "damage_severity")})
    done = session.accept()
    return {"message": done.message, **done.data}


def _count(sf: sessionmaker[Session], query: object) -> int:
    with sf() as s:
        return int(s.scalar(query) or 0)  # type: ignore[call-overload]


def test_fifty_parcels_offline_while_bench_b_works_online(site: Site, tmp_path: Path) -> None:
    numbers = _parcels(site.sf_b, 50)
    dear = numbers[:2]  # over $250: a manager's approval, which needs the server
    for brand in BRANDS:  # the first two parcels, one of each brand
        refundable(site.sf_b, skip=0, brand=brand, price="320.00", tax="26.40")
    ines = site.a.auth.sign_in("ines", "1111")  # online at bench A: her PIN is copied
    copy = site.offline.refresh()
    assert copy is not None and "ines" in copy.users_with_pin and copy.rmas >= 50
    session = site.session_a(ines)

    site.proxy.cut()
    with pytest.raises(DatabaseUnavailable):
        site.a.lookup.find_return(numbers[0])
    # Offline sign-in: Ines (here online today) yes; Carl never signed in here: no.
    assert site.offline.auth().sign_in("ines", "1111").username == "ines"
    with pytest.raises(AuthenticationFailed, match="last 12 hours"):
        site.offline.auth().sign_in("carl", "2222")

    # Bench B, online, decides five of the same returns first.
    carl = site.b.auth.sign_in("carl", "2222")
    session_b = site.b.session_for(site.clock)
    session_b.use(carl)
    taken_by_b = numbers[10:15]
    for number in taken_by_b:
        assert _decide(session_b, number)["saved"]

    started = site.clock.now()
    results = {}
    for number in numbers:
        site.clock.advance(dt.timedelta(minutes=7))  # a long partition: hours of work
        results[number] = _decide(session, number)
        assert session.is_offline
    assert site.clock.now() - started > dt.timedelta(hours=5)
    for number in dear:  # refused offline, kept as a draft
        assert results[number].get("needs_server") and not results[number]["saved"]
    decided_offline = [n for n in numbers if n not in dear]
    for number in decided_offline:
        assert results[number]["saved"] and results[number]["offline"], results[number]
        assert "PROVISIONAL" in str(results[number]["message"])
    status = session.offline_status()
    assert status is not None and status.offline and status.waiting >= 3 * 48
    assert status.oldest is not None and status.oldest <= started + dt.timedelta(minutes=7)
    # What needs the server says so: totes.
    tote = session.scan("TO-0001")
    assert tote.data.get("needs_server") and "OFFLINE" in tote.message

    # The link is back: the journal replays, in order, once.
    site.proxy.restore()
    site.clock.advance(dt.timedelta(minutes=30))
    synced_at = site.clock.now()
    back = session.go_online()
    assert back is not None and not session.is_offline, back
    assert back.data["conflicts"] >= len(taken_by_b)
    with site.sf_b() as s:
        for number in numbers:
            rma = s.scalars(select(ReturnAuthorization).where(
                ReturnAuthorization.number == number)).one()
            item = rma.items[0]
            live = s.scalars(select(Decision).where(Decision.return_item_id == item.id,
                                                    Decision.superseded.is_(False))).all()
            receipts = s.scalars(select(Receipt).where(Receipt.rma_id == rma.id)).all()
            assert len(receipts) == 1, number
            if number in dear:  # not decided: the draft waits for Enter online
                assert live == [] and item.decision_status is DecisionStatus.PENDING
                continue
            assert len(live) == 1, number  # exactly once
            station = s.get(Station, live[0].station_id)
            assert station is not None
            if number in taken_by_b:  # B's decision stands; A's is on the list
                assert station.name == "BENCH-B"
                row = s.scalars(select(OfflineConflict).where(
                    OfflineConflict.rma_number == number,
                    OfflineConflict.kind == "accept")).one()
                assert row.bench_version["forms"]["1"]["grade"] == "A"
                assert row.server_version["units"]["1"]["station"] == "BENCH-B"
                assert row.server_version["units"]["1"]["decided_by"] == "carl"
                assert row.happened_at < row.found_at
            else:  # A's, at the time it was decided offline (not the sync time)
                assert station.name == "BENCH-A"
                assert started < live[0].decided_at < synced_at
        # Every accept of A went through its request key, once.
        keys = s.scalars(select(CompletedRequest.key).where(
            CompletedRequest.kind == "decision.accept")).all()
        assert len(keys) == len(set(keys))
        # The audit chain holds, and says when each action happened and synced.
        assert audit.verify(s).ok
        synced = s.scalars(select(AuditEvent).where(
            AuditEvent.action == "offline.synced")).all()
        assert synced and all(
            dt.datetime.fromisoformat(e.payload["happened_at"]) < e.at for e in synced)
    # The export after: every refund decided, offline at A or online at B, goes out once
    # (a dress waiting for its QA re-grade waits), with the time it was decided at.
    maria = site.b.auth.sign_in("maria", "444444")
    outbox = tmp_path / "outbox"
    outbox.mkdir()
    report = site.b.exports.export(outbox, maria)
    records = [json.loads(p.read_text()) for p in report.files
               if p.name.startswith("decision-")]
    with site.sf_b() as s:
        waiting = set(s.scalars(select(QaSample.decision_id).where(
            QaSample.status == "waiting")))
        on_file = {d.id: d for d in s.scalars(select(Decision).where(
            Decision.superseded.is_(False)))}
    expected = {i for i, d in on_file.items() if i not in waiting and d.resolution in SETTLED}
    assert {r["decision_id"] for r in records} == expected
    assert len(records) == len(expected) >= len(decided_offline) - len(waiting)
    for record in records:
        assert record["decided_at"] == on_file[record["decision_id"]].decided_at.isoformat()
    assert site.b.exports.export(outbox, maria).decisions == 0  # once
    journal = site.offline.journal
    states = [e.state for e in journal._entries("ORDER BY seq")]
    assert set(states) <= {APPLIED, CONFLICT} and states.count(CONFLICT) >= len(taken_by_b)
    assert journal.status() == (0, None)

    # A replay after a crash between "applied on the server" and "marked in the journal"
    # applies nothing twice: every entry pending again, replayed again.
    before = (_count(site.sf_b, select(func.count()).select_from(Decision)),
              _count(site.sf_b, select(func.count()).select_from(Receipt)),
              _count(site.sf_b, select(func.count()).select_from(OfflineConflict)),
              _count(site.sf_b, select(func.count()).select_from(AuditEvent)))
    with sqlite3.connect(journal.path) as conn:
        conn.execute("UPDATE entries SET state = 'pending', synced_at = NULL")
    site.offline.offline = True
    again = site.offline.reconcile()
    assert again.left == 0
    after = (_count(site.sf_b, select(func.count()).select_from(Decision)),
             _count(site.sf_b, select(func.count()).select_from(Receipt)),
             _count(site.sf_b, select(func.count()).select_from(OfflineConflict)))
    assert after == before[:3]
    # The conflicts are settled by a supervisor: B's decision stands.
    sam = site.b.auth.sign_in("sam", "333333")
    from app.services.offline_sync import OfflineSyncService

    sync = OfflineSyncService(site.sf_b, site.clock, site.b.inspection)
    first = sync.conflicts()[0]
    settled = sync.settle(first.id, sam, "server", "B decided it first")
    assert settled.settlement == "server" and settled.settled_by == "sam"
    assert first.id not in [c.id for c in sync.conflicts()]
    assert_ledger_clean(site.sf_b)


def test_dear_dress_settled_back_to_the_bench_as_a_draft(site: Site) -> None:
    """A conflict whose unit is still to decide (the policy moved under the bench) goes
    back to the bench as a draft when a supervisor settles it so."""
    number = refundable(site.sf_b, skip=3)
    ines = site.a.auth.sign_in("ines", "1111")
    site.offline.refresh()
    session = site.session_a(ines)
    site.proxy.cut()
    done = _decide(session, number)
    assert done["saved"] and done["offline"]
    entry = next(e for e in site.offline.journal.pending() if e.kind == "accept")
    # The server would now decide otherwise (the entry says the bench saw another policy).
    with sqlite3.connect(site.offline.journal.path) as conn:
        payload = dict(entry.payload)
        payload["expect"] = {**payload["expect"], "policy": "kissprom 0.9-old"}
        conn.execute("UPDATE entries SET payload = ? WHERE seq = ?",
                     (json.dumps(payload), entry.seq))
    site.proxy.restore()
    back = session.go_online()
    assert back is not None and back.data["conflicts"] == 1, back
    from app.services.offline_sync import OfflineSyncService

    sync = OfflineSyncService(site.sf_b, site.clock, site.b.inspection)
    (conflict,) = sync.conflicts()
    assert "policy moved" in conflict.reason
    assert conflict.server["units"]["1"]["decision"] == "pending"
    sam = site.b.auth.sign_in("sam", "333333")
    sync.settle(conflict.id, sam, "bench")
    drafts = site.b.inspection.drafts(number)
    assert drafts[1].form.grade is Grade.A
    assert _count(site.sf_b, select(func.count()).select_from(Decision)) == 0
    with pytest.raises(Exception, match="settled already"):
        sync.settle(conflict.id, sam, "server")


def test_the_server_stopped_mid_replay_resumes_where_it_stopped(
        own_server: PostgresServer, tmp_path: Path) -> None:
    """The whole server stops (not only the link) while the bench works, and again in
    the middle of the replay: replay stops there, and the next one finishes the rest."""
    site = Site(own_server, tmp_path)
    try:
        numbers = _parcels(site.sf_b, 8)
        ines = site.a.auth.sign_in("ines", "1111")
        site.offline.refresh()
        session = site.session_a(ines)
        own_server.stop("fast")
        for number in numbers:
            site.clock.advance(dt.timedelta(minutes=3))
            assert _decide(session, number)["offline"]
        own_server.start()
        calls = {"n": 0}
        apply = site.offline._apply

        def flaky(entry, later):  # type: ignore[no-untyped-def]
            calls["n"] += 1
            if calls["n"] == 10:
                own_server.stop("fast")
            return apply(entry, later)

        site.offline._apply = flaky  # type: ignore[method-assign]
        first = site.offline.reconcile()
        assert first.left > 0 and first.stopped
        own_server.start()
        site.offline._apply = apply  # type: ignore[method-assign]
        back = session.go_online()
        assert back is not None and not session.is_offline, back
        with site.sf_b() as s:
            for number in numbers:
                rma = s.scalars(select(ReturnAuthorization).where(
                    ReturnAuthorization.number == number)).one()
                live = s.scalars(select(Decision).where(
                    Decision.return_item_id == rma.items[0].id,
                    Decision.superseded.is_(False))).all()
                assert len(live) == 1
        assert_ledger_clean(site.sf_b)
    finally:
        site.close()
        own_server.psql(f'DROP DATABASE IF EXISTS "{site.name}" WITH (FORCE)')


def test_no_copy_no_offline_the_old_way_keeps_the_forms(site: Site) -> None:
    """A bench that never had its copy made cannot go offline: the forms are kept in
    memory as before and Enter waits for the server."""
    number = refundable(site.sf_b, skip=4)
    ines = site.a.auth.sign_in("ines", "1111")
    session = site.session_a(ines)
    assert session.scan(number).level != "error"
    session.open_inspection()
    site.proxy.cut()
    session.forms[1] = replace(GRADE_A)
    done = session.accept()
    assert not done.data["saved"] and not session.is_offline
    assert "NOT saved" in done.message


def test_a_provisional_label_says_so_and_scans_back(site: Site, tmp_path: Path) -> None:
    """The labels an offline bench prints say PROVISIONAL and still decode: the item
    label's DataMatrix and Code128 (PDF at 203 dpi, and ZPL), the tag's DataMatrix."""
    from tests.helpers.readback import decode_pdf, decode_zpl, pdf_words

    number = refundable(site.sf_b, skip=6)
    ines = site.a.auth.sign_in("ines", "1111")
    site.offline.refresh()
    session = site.session_a(ines)
    site.proxy.cut()
    assert _decide(session, number)["offline"]
    printing = site.offline.local().printing
    pdf = printing.render(number, 1, "item", "pdf")
    assert "PROVISIONAL" in pdf_words(pdf, tmp_path)
    plate = printing.label_data(number, 1).plate
    assert decode_pdf(pdf, 203, tmp_path) == [plate, plate]  # DataMatrix and Code128
    assert plate in decode_zpl(printing.render(number, 1, "item", "zpl"), 203, 4, 6)
    tag = printing.render(number, 1, "tag", "pdf")
    assert "PROVISIONAL" in pdf_words(tag, tmp_path)
    assert decode_pdf(tag, 203, tmp_path) == [plate]
    site.proxy.restore()  # and online again, the same dress's label is no longer provisional
    assert session.go_online() is not None
    assert "PROVISIONAL" not in pdf_words(site.a.printing.render(number, 1, "item", "pdf"),
                                          tmp_path)
