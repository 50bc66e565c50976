"""Every path of a returned unit ends in one final decision, its labels and its export,
through the services, on SQLite and PostgreSQL (issue 13): a refund over $250 approved
or denied, a policy exception approved or denied (before and after export), a grade X
hold resolved, two RMAs for one unit, impossible dates at the bench."""

from __future__ import annotations

import json
import subprocess
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from app.clock import FixedClock
from app.domain.enums import (
    ApprovalKind,
    ApprovalLevel,
    DecisionStatus,
    Grade,
    PrintJobStatus,
    Resolution,
)
from app.errors import BadInput
from app.lifecycle import NotAllowed
from app.services.approvals import ApprovalService
from app.services.auth import AuthService
from app.services.decisions import AcceptedDecision, DecisionService, InspectionInput
from app.services.demo_data import DemoSummary
from app.services.exports import ExportService
from app.services.printing import PrintService
from models import (
    Approval,
    AuditEvent,
    Decision,
    PrintJob,
    ReturnAuthorization,
    ReturnItem,
    Settlement,
)
from tests.conftest import NOW
from tests.helpers.rmas import WORN, refundable, twin_rma
from tests.integration.conftest import user_named

GRADE_A = InspectionInput(grade=Grade.A)


class Bench:
    """The services of one warehouse: a bench (BENCH-01) and a manager desk."""

    def __init__(self, sf: sessionmaker[Session], clock: FixedClock, tmp: Path) -> None:
        self.sf, self.tmp = sf, tmp
        self.ines, self.sam = user_named(sf, "ines"), user_named(sf, "sam")
        self.maria = user_named(sf, "maria")
        self.decisions = DecisionService(sf, clock, "BENCH-01")
        self.printing = PrintService(sf, clock, "BENCH-01", f"file:{tmp / 'labels'}")
        desk_printing = PrintService(sf, clock, "DESK-01", f"file:{tmp / 'desk'}")
        self.approvals = ApprovalService(sf, clock, "DESK-01", AuthService(sf, clock, "DESK-01"),
                                         printing=desk_printing)
        self.exports = ExportService(sf, clock, "OFFICE-1")
        self.outbox = tmp / "outbox"

    def refund_rma(self, price: str, tax: str = "0.00", skip: int = 0) -> str:
        return refundable(self.sf, skip, price, tax)

    def accept(self, number: str, form: InspectionInput = GRADE_A) -> AcceptedDecision:
        accepted = self.decisions.accept(number, {1: form}, self.ines)
        for unit, kind in accepted.labels:
            self.printing.print_label(number, unit, kind, self.ines)
        return accepted

    def unit(self, number: str) -> tuple[ReturnItem, Decision | None]:
        with self.sf() as s:
            item = s.scalars(select(ReturnItem).join(ReturnAuthorization).where(
                ReturnAuthorization.number == number, ReturnItem.unit_no == 1)).one()
            d = s.scalars(select(Decision).where(Decision.return_item_id == item.id,
                                                 Decision.superseded.is_(False))
                          .order_by(Decision.id.desc())).first()
            s.expunge_all()
            return item, d

    def approval(self, approval_id: int) -> Approval:
        with self.sf() as s:
            found = s.get(Approval, approval_id)
            assert found is not None
            s.expunge(found)
            return found

    def export(self) -> list[dict[str, Any]]:
        report = self.exports.export(self.outbox, self.maria)
        return [json.loads(p.read_text()) for p in report.files
                if p.name.startswith("decision-")]  # not the batch manifest

    def jobs(self, station: str | None = None) -> list[tuple[str, PrintJobStatus]]:
        with self.sf() as s:
            rows = s.execute(select(PrintJob.id, PrintJob.status).order_by(PrintJob.id)).all()
            titles = {e.entity_id: e.payload["title"] for e in s.scalars(
                select(AuditEvent).where(AuditEvent.action == "print.queued"))}
            return [(titles.get(str(i), "?"), st) for i, st in rows]


@pytest.fixture
def bench(demo: DemoSummary, session_factory: sessionmaker[Session], clock: FixedClock,
          tmp_path: Path) -> Bench:
    return Bench(session_factory, clock, tmp_path)


def _counts(sf: sessionmaker[Session]) -> tuple[int, ...]:
    with sf() as s:
        return tuple(int(s.scalar(select(func.count()).select_from(t)) or 0)
                     for t in (Decision, Approval, AuditEvent, PrintJob, Settlement))


def test_refund_over_threshold_waits_then_is_approved_labelled_and_exported(
        bench: Bench) -> None:
    number = bench.refund_rma("280.00", "20.00")
    accepted = bench.accept(number)
    assert accepted.view.approval is ApprovalLevel.MANAGER
    assert accepted.labels == ((1, "hold"),)  # the hold-shelf tag, not "restock"
    item, d = bench.unit(number)
    assert item.decision_status is DecisionStatus.AWAITING_APPROVAL
    assert d is not None and d.approval_id == accepted.approval_ids[0]
    assert bench.export() == []  # nothing leaves while a manager has not said yes
    bench.approvals.answer(accepted.approval_ids[0], bench.maria, True, "checked")
    item, d = bench.unit(number)
    assert item.decision_status is DecisionStatus.DECIDED and d is not None
    assert d.resolution is Resolution.REFUND and d.refund == Decimal("300.00")
    assert "approved by Maria Chen" in d.trace[-1]["reason"]
    # The final label is queued for the bench that asked, which sends it.
    queued = [t for t, st in bench.jobs() if st is PrintJobStatus.QUEUED]
    assert queued == [f"item-{number}-1"]
    assert bench.printing.retry_queued() == 1
    out = bench.export()
    assert [(r["rma"], r["refund"], r["kind"]) for r in out] == [(number, "300.00",
                                                                   "settlement")]
    assert bench.unit(number)[0].decision_status is DecisionStatus.COMPLETED
    assert bench.export() == []


def test_refund_over_threshold_denied_becomes_the_managers_alternative(
        bench: Bench) -> None:
    number = bench.refund_rma("280.00", "20.00")
    approval_id = bench.accept(number).approval_ids[0]
    before = _counts(bench.sf)
    with pytest.raises(BadInput, match="instead"):
        bench.approvals.answer(approval_id, bench.maria, False, "too much")
    assert _counts(bench.sf) == before  # a refused answer writes nothing
    bench.approvals.answer(approval_id, bench.maria, False, "offer credit",
                           alternative="store_credit")
    item, d = bench.unit(number)
    assert item.decision_status is DecisionStatus.DECIDED and d is not None
    assert d.resolution is Resolution.STORE_CREDIT and d.credit == Decimal("300.00")
    assert d.refund == Decimal("0.00")
    out = bench.export()
    assert [(r["resolution"], r["credit"], r["refund"]) for r in out] == [
        ("store_credit", "300.00", "0.00")]


def test_exception_approved_is_a_refund_computed_by_the_service(bench: Bench) -> None:
    number = bench.refund_rma("189.00", "15.12")
    approval_id = bench.decisions.request_exception(
        number, 1, "Bride's dress arrived after the wedding", "refund", bench.ines,
        inspection=WORN)
    a = bench.approval(approval_id)
    assert a.amount == Decimal("204.12")
    assert a.level is ApprovalLevel.SUPERVISOR and a.kind is ApprovalKind.POLICY_EXCEPTION
    item, standing = bench.unit(number)
    assert item.decision_status is DecisionStatus.AWAITING_APPROVAL
    assert standing is not None and standing.resolution is Resolution.RETURN_TO_CUSTOMER
    assert bench.export() == []
    bench.approvals.answer(approval_id, bench.sam, True, "photo of the delivery seen")
    item, d = bench.unit(number)
    assert item.decision_status is DecisionStatus.DECIDED and d is not None
    assert d.resolution is Resolution.REFUND and d.refund == Decimal("204.12")
    assert "overrides rule" in d.trace[-1]["reason"] and "Sam Whitfield" in d.trace[-1][
        "reason"]
    assert [t for t, _ in bench.jobs()] == [f"item-{number}-1"]
    # The request (and so the authorization log) shows the decision its answer made.
    view = bench.approvals.get(approval_id)
    assert view.policy is not None and view.policy.startswith("kissprom")
    assert [r for r, _ in view.trace][-1] == "exception"
    out = bench.export()
    assert [(r["resolution"], r["refund"]) for r in out] == [("refund", "204.12")]


def test_exception_denied_leaves_the_policy_decision_standing(bench: Bench) -> None:
    number = bench.refund_rma("189.00", "15.12")
    approval_id = bench.decisions.request_exception(
        number, 1, "Customer insists she never wore it", "refund", bench.ines,
        inspection=WORN)
    bench.approvals.answer(approval_id, bench.sam, False, "makeup on the collar")
    item, d = bench.unit(number)
    assert item.decision_status is DecisionStatus.DECIDED and d is not None
    assert d.resolution is Resolution.RETURN_TO_CUSTOMER
    # Its final labels: the item plate and the slip for the way back.
    assert sorted(t for t, _ in bench.jobs()) == [f"item-{number}-1", f"return-{number}-1"]
    assert bench.export() == []  # no money


def test_denied_exception_on_a_decided_refund_still_exports_the_refund(bench: Bench) -> None:
    number = bench.refund_rma("120.00", "9.90")
    bench.accept(number)
    approval_id = bench.decisions.request_exception(
        number, 1, "Customer would rather have store credit", "store_credit", bench.ines)
    assert bench.export() == []  # held while the exception is open
    bench.approvals.answer(approval_id, bench.sam, False, "refund is fine")
    out = bench.export()
    assert [(r["resolution"], r["refund"]) for r in out] == [("refund", "129.90")]


def test_exception_after_export_sends_a_reversal_and_a_new_settlement(bench: Bench) -> None:
    number = bench.refund_rma("120.00", "9.90")
    bench.accept(number)
    first = bench.export()
    assert len(first) == 1
    key = first[0]["idempotency_key"]
    assert key.endswith("-r1")
    approval_id = bench.decisions.request_exception(
        number, 1, "Customer asked for store credit instead", "store_credit", bench.ines)
    assert bench.unit(number)[0].decision_status is DecisionStatus.AWAITING_APPROVAL
    bench.approvals.answer(approval_id, bench.sam, True, "ok")
    out = sorted(bench.export(), key=lambda r: r["kind"])
    assert [(r["kind"], r["idempotency_key"], r["refund"], r["credit"]) for r in out] == [
        ("reversal", f"{key}-reversal", "-129.90", "0.00"),
        ("settlement", key.replace("-r1", "-r2"), "0.00", "129.90")]
    assert bench.export() == []



def test_a_reversal_goes_out_while_the_unit_waits_for_another_answer(bench: Bench) -> None:
    """A settled refund changed by an approved exception, then another exception asked
    before the export runs: the first settlement's reversal goes out all the same (the
    table reverses a unit awaiting an answer, and leaves it waiting); the new decision
    goes out once the answer is given. Each move is one audit event of its unit."""
    number = bench.refund_rma("120.00", "9.90")
    bench.accept(number)
    key = bench.export()[0]["idempotency_key"]
    credit = bench.decisions.request_exception(
        number, 1, "Customer asked for store credit instead", "store_credit", bench.ines)
    bench.approvals.answer(credit, bench.sam, True, "ok")
    refund = bench.decisions.request_exception(
        number, 1, "Customer would now rather have the refund", "refund", bench.ines)
    assert [(r["kind"], r["idempotency_key"]) for r in bench.export()] == [
        ("reversal", f"{key}-reversal")]
    assert bench.unit(number)[0].decision_status is DecisionStatus.AWAITING_APPROVAL
    bench.approvals.answer(refund, bench.sam, False, "credit it is")
    assert [(r["kind"], r["credit"]) for r in bench.export()] == [("settlement", "129.90")]
    item = bench.unit(number)[0]
    with bench.sf() as s:
        moves = [(e.action, e.payload["lifecycle"]["decision"]) for e in s.scalars(
            select(AuditEvent).where(AuditEvent.entity == "return_item",
                                     AuditEvent.entity_id == str(item.id))
            .order_by(AuditEvent.seq))]
    assert moves == [  # the parcel was never scanned: deciding the dress received it
        ("unit.receive", ["pending", "pending"]),
        ("unit.accept", ["pending", "decided"]), ("unit.settle", ["decided", "completed"]),
        ("unit.request_exception", ["completed", "awaiting_approval"]),
        ("unit.approve", ["awaiting_approval", "decided"]),
        ("unit.request_exception", ["decided", "awaiting_approval"]),
        ("unit.reverse", ["awaiting_approval", "awaiting_approval"]),
        ("unit.deny", ["awaiting_approval", "decided"]),
        ("unit.settle", ["decided", "completed"])]


def test_grade_x_hold_is_resolved_by_a_supervisor(bench: Bench) -> None:
    ours = bench.refund_rma("120.00", "9.90")
    accepted = bench.accept(ours, InspectionInput(grade=Grade.X))
    assert accepted.labels == ((1, "hold"),)
    with pytest.raises(BadInput, match="return to sender"):
        bench.approvals.answer(accepted.approval_ids[0], bench.sam, False, "hmm")
    bench.approvals.answer(accepted.approval_ids[0], bench.sam, True, "it is ours")
    assert bench.unit(ours)[0].decision_status is DecisionStatus.PENDING
    bench.accept(ours)  # decided as usual
    assert bench.unit(ours)[1].resolution is Resolution.REFUND  # type: ignore[union-attr]

    not_ours = bench.refund_rma("120.00", "9.90", skip=1)
    hold = bench.accept(not_ours, InspectionInput(grade=Grade.X)).approval_ids[0]
    bench.approvals.answer(hold, bench.sam, False, "someone else's dress",
                           alternative="quarantine")
    item, d = bench.unit(not_ours)
    assert item.decision_status is DecisionStatus.DECIDED and d is not None
    assert d.resolution is Resolution.HOLD and "quarantined" in d.trace[-1]["reason"]
    label = bench.printing.label_data(not_ours, 1)
    assert label.bin == "QUARANTINE" and label.place == "Q-A-01"
    # The printed label carries the place in large type.
    pdf = bench.printing.render(not_ours, 1, "item", "pdf")
    text = subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True,
                          check=True).stdout.decode()
    assert "Q-A-01" in text and "QUARANTINE" in text


def test_one_unit_bought_is_refunded_once_across_rmas(bench: Bench) -> None:
    number = bench.refund_rma("120.00", "9.90")
    twin_number = number[:-2] + "99-0"
    twin_rma(bench.sf, number, twin_number, NOW)
    bench.accept(number)
    before = _counts(bench.sf)
    with pytest.raises(NotAllowed, match=number):
        bench.decisions.accept(twin_number, {1: GRADE_A}, bench.ines)
    assert _counts(bench.sf) == before
    # Going back to the customer does not use the unit: the twin can still be decided so.
    bench.decisions.accept(twin_number, {1: WORN}, bench.ines)
    assert len(bench.export()) == 1


def test_impossible_dates_hold_the_unit_for_a_supervisor(bench: Bench) -> None:
    number = bench.refund_rma("120.00", "9.90")
    with bench.sf() as s:
        rma = s.scalars(select(ReturnAuthorization).where(
            ReturnAuthorization.number == number)).one()
        rma.order.delivered_on = NOW.date().replace(year=NOW.year + 1)
        rma.shipped_by_customer_on = None
        s.commit()
    accepted = bench.accept(number)
    item, d = bench.unit(number)
    assert d is not None and d.resolution is Resolution.HOLD
    assert "delivery date on file" in d.trace[0]["reason"]
    assert item.decision_status is DecisionStatus.AWAITING_APPROVAL
    assert accepted.labels == ((1, "hold"),)
    a = bench.approval(accepted.approval_ids[0])
    assert a.level is ApprovalLevel.SUPERVISOR
    assert "delivery date on file" in a.reason
    # Re-explaining the stored decision gives the same hold, not a crash.
    assert bench.decisions.explain(d.id).units[0].resolution is Resolution.HOLD


def test_exception_amount_and_level_come_from_the_service(bench: Bench) -> None:
    number = bench.refund_rma("880.00", "20.00")
    approval_id = bench.decisions.request_exception(
        number, 1, "VIP bride, the dress arrived after the wedding", "refund", bench.ines,
        inspection=WORN)
    a = bench.approval(approval_id)
    assert a.amount == Decimal("900.00")
    assert a.level is ApprovalLevel.MANAGER
    with pytest.raises(Exception, match="approve"):
        bench.approvals.answer(approval_id, bench.sam, True, "ok")  # a supervisor may not
