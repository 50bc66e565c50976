"""Grading QA, when the two grades disagree (issue 19): a sampled dress prints a blind QA
label and goes to the QA tote, its money waits for the re-grade; a second grade that pays
less supersedes the first at once, one that pays more waits for an approval (another
supervisor, or a manager); the first inspector is told once, at their next sign-in; the
export sends each unit's money once, after the re-grade."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from sqlalchemy import select

from app.domain.enums import ApprovalKind, DecisionStatus, Grade, Resolution
from app.errors import PermissionDenied
from app.services.outcomes import current_decision
from app.services.uow import UnitOfWork
from models import Decision, QaSample, ReturnAuthorization, ReturnItem
from tests.helpers.office import office_user
from tests.helpers.readback import pdf_words
from tests.helpers.totes import bench, decide_one, signed_in
from tests.integration.conftest import user_named


def _unit(sf, number: str):  # type: ignore[no-untyped-def]
    with UnitOfWork(sf) as uow:
        s = uow.session
        item = s.scalars(select(ReturnItem).join(ReturnAuthorization).where(
            ReturnAuthorization.number == number)).one()
        decision = current_decision(s, item)
        sample = s.scalars(select(QaSample).where(
            QaSample.return_item_id == item.id)).one()
        s.expunge_all()
        return item, decision, sample


def _exported(outbox: Path) -> list[dict[str, str]]:
    rows: list[dict[str, str]] = []
    for path in sorted(outbox.glob("*.csv")):
        with path.open(newline="") as f:
            rows += list(csv.DictReader(f))
    return rows


def test_a_second_grade_that_pays_less_supersedes_at_once(  # type: ignore[no-untyped-def]
        session_factory, demo, clock, tmp_path: Path) -> None:
    sf = session_factory
    services = bench(sf, clock, tmp_path, qa_percent=100)
    ines, sam = user_named(sf, "ines"), user_named(sf, "sam")
    session = signed_in(services, clock, ines)
    number = decide_one(sf, services, clock, ines, 0, session=session)
    # The label is blind and says QA; the dress goes to the QA tote.
    label = pdf_words(services.printing.render(number, 1, "item", "pdf"), tmp_path)
    assert "QA" in label and "blind re-grade" in label and "refund" not in label.lower()
    assert services.putaway.destination(number, 1).disposition == "qa"
    # Its money waits for the re-grade.
    office = office_user(sf)
    outbox = tmp_path / "outbox"
    assert services.exports.export(outbox, office).decisions == 0
    item, first, sample = _unit(sf, number)
    assert first.resolution is Resolution.REFUND and sample.status == "waiting"

    done = services.qa.regrade(sample.id, "C", sam)
    assert done.effect == "superseded" and done.outcome_after == "return_to_customer"
    item, now, sample = _unit(sf, number)
    assert item.decision_status is DecisionStatus.DECIDED
    assert now.id == sample.new_decision_id != first.id
    assert now.resolution is Resolution.RETURN_TO_CUSTOMER and now.refund == 0
    assert now.trace[-1]["rule"] == "qa_regrade" and "Sam" in now.trace[-1]["reason"]
    unit = now.case["unit_no"]
    grades = [it["inspection"]["grade"] for it in now.case["items"] if it["unit_no"] == unit]
    assert grades == ["C"]
    with UnitOfWork(sf) as uow:
        old = uow.session.get(Decision, first.id)
        assert old is not None and old.superseded
    # Nothing is paid: the export has nothing, now or later.
    assert services.exports.export(outbox, office).decisions == 0
    # The dress now goes where the second grade sends it, with its ordinary labels.
    assert services.putaway.destination(number, 1).disposition == "return_to_customer"
    label = pdf_words(services.printing.render(number, 1, "item", "pdf"), tmp_path)
    assert "return to customer" in label.lower()
    # Ines is told once, at her next sign-in.
    news = services.qa.news(ines)
    assert [n.rma for n in news] == [number] and "re-graded it C" in news[0].sentence
    assert services.qa.news(ines) == []


def test_a_second_grade_that_pays_more_waits_for_an_approval(  # type: ignore[no-untyped-def]
        session_factory, demo, clock, tmp_path: Path) -> None:
    sf = session_factory
    services = bench(sf, clock, tmp_path, qa_percent=100)
    ines, sam, maria = (user_named(sf, n) for n in ("ines", "sam", "maria"))
    session = signed_in(services, clock, ines)
    # Graded C by Ines: back to the customer, nothing paid.
    number = decide_one(sf, services, clock, ines, 0, grade=Grade.C, session=session)
    denied = decide_one(sf, services, clock, ines, 1, grade=Grade.C, session=session)
    _item, first, sample = _unit(sf, number)
    assert first.resolution is Resolution.RETURN_TO_CUSTOMER
    done = services.qa.regrade(sample.id, "A", sam)
    assert done.effect == "approval" and done.money_delta > 0
    item, still, sample = _unit(sf, number)
    assert item.decision_status is DecisionStatus.AWAITING_APPROVAL
    assert still.id == first.id and sample.approval_id is not None
    request = services.approvals.get(sample.approval_id)
    assert request.kind is ApprovalKind.QA_REGRADE and request.requested_outcome == "refund"
    # Sam asked: he does not answer his own request.
    with pytest.raises(PermissionDenied, match="own request"):
        services.approvals.answer(sample.approval_id, sam, True)
    services.approvals.answer(sample.approval_id, maria, True, "Agree, tags on")
    item, now, sample = _unit(sf, number)
    assert item.decision_status is DecisionStatus.DECIDED
    assert now.resolution is Resolution.REFUND and now.refund > 0
    assert now.id == sample.new_decision_id and now.trace[-1]["rule"] == "qa_regrade"

    # The other: re-graded A too, but the manager denies it: the first stands.
    _item, first_b, sample_b = _unit(sf, denied)
    asked = services.qa.regrade(sample_b.id, "A", sam)
    assert asked.effect == "approval"
    _item, _d, sample_b = _unit(sf, denied)
    services.approvals.answer(sample_b.approval_id, maria, False, "Tags were cut")
    item_b, now_b, _ = _unit(sf, denied)
    assert item_b.decision_status is DecisionStatus.DECIDED and now_b.id == first_b.id
    assert now_b.trace[-1]["rule"] == "qa_regrade_denied"

    # The export pays the approved re-grade once, and nothing for the denied one.
    office = office_user(sf)
    outbox = tmp_path / "outbox"
    report = services.exports.export(outbox, office)
    assert report.decisions == 1
    assert services.exports.export(outbox, office).decisions == 0
    rows = _exported(outbox)
    assert [(r["rma"], r["kind"]) for r in rows] == [(number, "settlement")]
    # Ines hears of both: both changed (or asked to change) her decision.
    assert {n.rma for n in services.qa.news(ines)} == {number, denied}


def test_no_regrade_while_an_answer_is_awaited(  # type: ignore[no-untyped-def]
        session_factory, demo, clock, tmp_path: Path) -> None:
    from app.lifecycle import NotAllowed

    sf = session_factory
    services = bench(sf, clock, tmp_path, qa_percent=100)
    ines, sam = user_named(sf, "ines"), user_named(sf, "sam")
    session = signed_in(services, clock, ines)
    number = decide_one(sf, services, clock, ines, 0, session=session)
    services.decisions.request_exception(number, 1, "Customer is a bride, goodwill",
                                         "store_credit", ines)
    _item, _d, sample = _unit(sf, number)
    with pytest.raises(NotAllowed, match="waits for"):
        services.qa.regrade(sample.id, "B", sam)


def test_a_sampled_dress_waiting_for_a_manager_gets_its_qa_label_after_the_answer(  # type: ignore[no-untyped-def]
        session_factory, demo, clock, tmp_path: Path) -> None:
    """Over $250: the dress waits for Maria with its hold tag; her answer prints the blind
    QA label (not the exchange ticket or a label that shows the outcome), and the re-grade
    can only come after the answer."""
    from dataclasses import replace as dc_replace

    from app.domain.enums import ReturnReason
    from app.lifecycle import NotAllowed
    from app.services.decisions import InspectionInput, with_grade
    from tests.helpers.totes import ready_return

    sf = session_factory
    services = bench(sf, clock, tmp_path, qa_percent=100)
    ines, sam, maria = (user_named(sf, n) for n in ("ines", "sam", "maria"))
    number = ready_return(sf, 0, ReturnReason.SIZING, price="320.00", tax="26.40")
    session = signed_in(services, clock, ines)
    assert session.scan(number).level != "error"
    session.open_inspection()
    session.forms[1] = dc_replace(with_grade(InspectionInput(), Grade.A))
    done = session.accept()
    assert done.data.get("saved") and done.data["approvals"], done.message
    assert done.data["qa"] == [1] and "QA sample" in done.message
    _item, _d, sample = _unit(sf, number)
    with pytest.raises(NotAllowed, match="waits for"):
        services.qa.regrade(sample.id, "B", sam)
    services.approvals.answer(done.data["approvals"][0], maria, True)
    jobs = services.printing.queue_answer_labels(done.data["approvals"][0], "TEST-BENCH",
                                                 maria)
    assert [j.message.split()[0] for j in jobs] == ["item"]
    label = pdf_words(services.printing.render(number, 1, "item", "pdf"), tmp_path)
    assert "blind re-grade" in label and "refund" not in label.lower()
    assert services.qa.regrade(sample.id, "A", sam).agreed
