"""The demo database a first start makes (issue 17): 60 days of the bench's work played
through its services. Checked against counts taken straight from the tables: every
outcome with its paperwork, this morning's open work, the audit chain, and KPIs that
agree with the rows and are plausible for the seeds."""

from __future__ import annotations

import datetime as dt
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import cv2
import pytest
from sqlalchemy import func, select

from app import audit
from app.bootstrap import Services, demo_places
from app.camera.quality import assess
from app.demo_history import load_demo
from app.domain.enums import (
    ApprovalKind,
    ApprovalStatus,
    DamageSeverity,
    DecisionStatus,
    PrintJobStatus,
    ReceptionStatus,
    Resolution,
    RmaStatus,
)
from app.policy.calendar import is_business_day
from app.policy.rules import load_policy
from app.services.reports import REASON_GROUP
from app.services.uow import UnitOfWork
from models import (
    Approval,
    AuditEvent,
    CarrierClaim,
    Decision,
    ExportBatch,
    ExportedDecision,
    Inspection,
    ItemMove,
    Lot,
    Photo,
    PrintJob,
    Receipt,
    ReturnAuthorization,
    ReturnItem,
    Station,
    User,
)
from tests.helpers.history import HISTORY_DAY, open_history, shared_history
from tests.integration.conftest import user_named


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Services]:
    services = open_history(shared_history(tmp_path_factory))
    yield services
    services.dispose()


def test_every_outcome_with_its_paperwork(history: Services) -> None:
    with UnitOfWork(history.session_factory) as uow:
        s = uow.session
        outcomes = Counter(s.scalars(select(Decision.resolution).where(
            Decision.superseded.is_(False))))
        assert {Resolution.REFUND, Resolution.EXCHANGE, Resolution.REPLACEMENT,
                Resolution.REPAIR_CREDIT, Resolution.STORE_CREDIT,
                Resolution.ALTERATION_CREDIT, Resolution.RETURN_TO_CUSTOMER,
                Resolution.HOLD} <= set(outcomes)
        answers = Counter((k, st) for k, st in s.execute(select(Approval.kind, Approval.status)))
        for kind in (ApprovalKind.REFUND_OVER_THRESHOLD, ApprovalKind.POLICY_EXCEPTION):
            assert answers[(kind, ApprovalStatus.APPROVED)] > 0
            assert answers[(kind, ApprovalStatus.DENIED)] > 0
        assert answers[(ApprovalKind.HOLD, ApprovalStatus.DENIED)] > 0
        # Received at three benches, by three of the demo users.
        at = Counter(s.execute(select(Station.name, User.username).join(
            Receipt, Receipt.station_id == Station.id).join(User, Receipt.user_id == User.id)
        ).all())
        assert len({station for station, _u in at}) == 3
        assert {user for _s, user in at} == {"ines", "carl", "sam"}
        # Every label went to the file printer, and its file is there.
        jobs = s.scalars(select(PrintJob)).all()
        assert len(jobs) > 300 and all(j.status is PrintJobStatus.SENT for j in jobs)
        sent = [e.payload["reference"] for e in s.scalars(select(AuditEvent).where(
            AuditEvent.action == "print.sent"))]
        assert len(sent) >= len(jobs) and all(Path(p).is_file() for p in sent)
        assert all(Path(p).read_bytes().startswith(b"%PDF") for p in sent[:20])
        # Export batches, twice a week, with their files in the outbox.
        batches = s.scalar(select(func.count()).select_from(ExportBatch)) or 0
        assert batches >= 2
        assert len(list((history.settings.data_dir / "outbox").glob("batch-*.json"))) \
            == batches
        # Claims: photos on file, sharp enough for the gate, none looking reused.
        photos = s.scalars(select(Photo)).all()
        assert len(photos) >= 10
        assert not any(p.quality_override or p.reused_on for p in photos)
        for p in photos[:6]:
            image = cv2.imread(str(history.inspection.store.path_for(p.sha256)))
            assert image is not None and assess(image).ok
        damaged = s.scalars(select(Inspection.id).where(
            Inspection.is_draft.is_(False),
            Inspection.damage_severity != DamageSeverity.NONE)).all()
        per = Counter(s.scalars(select(Photo.inspection_id)))
        assert damaged and all(per[i] >= 2 for i in damaged)
        assert (s.scalar(select(func.count()).select_from(CarrierClaim)) or 0) >= 1
        assert any(p.annotations for p in photos)


def test_this_morning_has_work_waiting(history: Services) -> None:
    maria, carl = (user_named(history.session_factory, n) for n in ("maria", "carl"))
    waiting = history.approvals.queue(maria)
    assert 5 <= len(waiting) <= 20
    assert any(a.overdue for a in waiting)  # past the 2-hour escalation
    claims = history.claims.queue(carl)
    assert claims and history.claims.open_count(carl) == len(claims)
    assert any(c.hours_left is not None and c.hours_left < 0 for c in claims)
    with UnitOfWork(history.session_factory) as uow:
        s = uow.session
        on_the_way = s.scalar(select(func.count()).select_from(ReturnAuthorization).where(
            ReturnAuthorization.status == RmaStatus.IN_TRANSIT)) or 0
        assert on_the_way >= 10  # parcels still to receive (some on the dock today)
        pending = s.scalars(select(ReturnItem.inspection_due_on).where(
            ReturnItem.reception_status == ReceptionStatus.RECEIVED,
            ReturnItem.decision_status == DecisionStatus.PENDING)).all()
        assert len(pending) >= 3
        assert any(due is not None and due < HISTORY_DAY for due in pending)  # past SLA
        drafts = s.scalar(select(func.count()).select_from(Inspection).where(
            Inspection.is_draft.is_(True))) or 0
        assert drafts >= 1  # items half inspected
    # Those half-done parcels are this station's: its Receive page offers them.
    assert history.bench_session().unfinished()


def test_the_audit_chain_verifies(history: Services) -> None:
    with UnitOfWork(history.session_factory) as uow:
        result = audit.verify(uow.session)
        assert result.ok, result.message
        actions = Counter(uow.session.scalars(select(AuditEvent.action)))
    assert result.entries > 2000
    for action in ("parcel.received", "decision.accepted", "photo.added", "print.sent",
                   "approval.approved", "approval.denied", "exception.requested",
                   "carrier_claim.opened", "claim.resolved", "photo.annotated",
                   "export.claimed", "export.written", "tote.made", "item.into_tote",
                   "tote.closed", "tote.put_away", "item.moved", "lot.closed"):
        assert actions[action] > 0, action


def test_dresses_went_on_after_the_bench(history: Services) -> None:
    """Totes, shelves, prep and lots: every dress decided at a bench (no answer waited)
    went into a tote; totes were put away at locations that take them; steamed and
    refurbished dresses moved on after their prep days; lots closed with manifests. The
    after-the-bench report agrees with the tables."""
    sf = history.session_factory
    maria = user_named(sf, "maria")
    with UnitOfWork(sf) as uow:
        s = uow.session
        in_totes = s.scalar(select(func.count()).select_from(ReturnItem).where(
            ReturnItem.tote_id.is_not(None))) or 0
        placed = s.scalar(select(func.count()).select_from(ReturnItem).where(
            ReturnItem.location_id.is_not(None))) or 0
        restocked = s.scalar(select(func.count()).select_from(ReturnItem).where(
            ReturnItem.restocked_at.is_not(None))) or 0
        moves = s.scalar(select(func.count()).select_from(ItemMove)) or 0
        after = s.scalar(select(func.count()).select_from(ReturnItem).where(
            ReturnItem.tote_id.is_not(None) | ReturnItem.location_id.is_not(None))) or 0
        lots = [(lot.code, lot.status, lot.party) for lot in s.scalars(select(Lot))]
    assert in_totes > 150 and placed > 100 and restocked > 80 and moves > 2 * placed
    assert lots and all(status == "closed" and party for _code, status, party in lots)
    for code, _status, _party in lots:  # its manifest and CSV are in the outbox
        assert (history.settings.data_dir / "outbox" / f"lot-{code}.csv").exists()
    report = history.reports.after_bench(maria)
    assert sum(d.dresses for d in report.dwell) == placed
    assert {d.code for d in report.dwell} >= {"R-A-01", "R-B-01", "OUT-01"}
    rows = {r.disposition: r for r in report.recovery}
    assert rows["restock"].recovered > 0 and rows["restock"].refunded > 0
    assert sum(r.dresses for r in report.recovery) == after


def test_kpis_agree_with_the_tables_and_are_plausible(history: Services) -> None:
    maria = user_named(history.session_factory, "maria")
    start, end = HISTORY_DAY - dt.timedelta(days=30), HISTORY_DAY
    k = history.reports.kpis(start, end, maria, today=HISTORY_DAY)
    tz = history.reports.tz
    lo = dt.datetime.combine(start, dt.time(0), tzinfo=tz)
    hi = dt.datetime.combine(end, dt.time(0), tzinfo=tz)
    with UnitOfWork(history.session_factory) as uow:
        s = uow.session
        done = s.execute(select(Inspection.grade, Inspection.damage_severity).where(
            Inspection.is_draft.is_(False), Inspection.completed_at >= lo,
            Inspection.completed_at < hi)).all()
        reasons = Counter(REASON_GROUP[r] for r in s.scalars(select(ReturnItem.reason).where(
            ReturnItem.received_at >= lo, ReturnItem.received_at < hi)))
        all_done = s.scalars(select(Inspection.damage_severity).where(
            Inspection.is_draft.is_(False))).all()
        requests = s.scalar(select(func.count()).select_from(Approval).where(
            Approval.requested_at >= lo, Approval.requested_at < hi)) or 0
        exported = s.execute(select(Decision.decided_at, ExportBatch.created_at).join(
            ExportedDecision, ExportedDecision.decision_id == Decision.id).join(
            ExportBatch, ExportBatch.id == ExportedDecision.batch_id).where(
            Decision.resolution == Resolution.REFUND)).all()
    # The figures are the tables' own.
    assert k.inspected == len(done) > 100
    assert k.damaged == sum(1 for _g, sev in done if sev is not DamageSeverity.NONE)
    assert sum(k.grades.values()) == k.inspected
    assert k.by_reason == {g: reasons.get(g, 0) for g in k.by_reason}
    assert sum(k.requests.values()) == requests > 0
    # Plausible for the seeds: sizing leads, damage under 3%, most refunds out within 5
    # business days of the decision.
    assert max(k.by_reason, key=lambda g: k.by_reason[g]) == "sizing"
    assert k.damaged / k.inspected < 0.03
    overall = sum(1 for sev in all_done if sev is not DamageSeverity.NONE) / len(all_done)
    assert 0 < overall < 0.03
    holidays = set(load_policy("kissprom").holidays)

    def business_days(a: dt.datetime, b: dt.datetime) -> int:
        day, n = a.astimezone(tz).date(), 0
        while day < b.astimezone(tz).date():
            day += dt.timedelta(days=1)
            n += is_business_day(day, holidays)
        return n

    quick = sum(1 for decided, batch in exported if business_days(decided, batch) <= 5)
    assert len(exported) > 100 and quick / len(exported) > 0.9
    # Every chart of the Reports page has something to draw.
    assert k.styles and k.throughput and k.turnaround_minutes
    assert sum(k.backlog.values()) > 0 and sum(k.exceptions.values()) > 0



@pytest.mark.postgres
def test_the_history_plays_on_postgresql_too(pg_server, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """The same walk on a real PostgreSQL server (several benches' database): the same
    services, row locks and audit chain; a smaller shop, so it stays quick."""
    name = f"rb_{uuid.uuid4().hex[:12]}"
    services = open_history(tmp_path, url=pg_server.create_database(name))
    try:
        summary = load_demo(services.session_factory, orders=250, seed=7,
                            today=HISTORY_DAY, places=demo_places(services.settings))
        played = summary.history
        assert played is not None and played["decided"] > 20
        assert played["approvals_answered"] > 0 and played["exports"] >= 2
        with UnitOfWork(services.session_factory) as uow:
            result = audit.verify(uow.session)
            assert result.ok, result.message
            assert (uow.session.scalar(select(func.count()).select_from(Decision)) or 0) \
                >= played["decided"]
    finally:
        services.dispose()
        pg_server.psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
