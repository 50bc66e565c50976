"""Grading QA (issue 19), through the services: the blind sample is taken inside accept
at the policy's rate (raised for a new inspector) and is the same every time; the
supervisor's queue holds nothing of the first grade, checklist or decision; a re-grade is
recorded once, never by the first inspector, with the outcome and money the second grade
would give; agreement comes from the re-graded pairs."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select

from app.domain.agreement import sampled
from app.errors import Conflict
from app.policy.calendar import add_business_days, local_date
from app.policy.rules import load_policy
from app.services.qa import BlindItem
from app.services.uow import UnitOfWork
from models import AuditEvent, QaSample
from tests.helpers.totes import bench, decide_one, signed_in
from tests.integration.conftest import user_named


def test_the_sample_is_taken_at_accept_at_the_rate(session_factory, demo, clock,  # type: ignore[no-untyped-def]
                                                   tmp_path: Path) -> None:
    """Ines decides 15 dresses on her first day: a new inspector, sampled at the raised
    rate (20%); exactly the units whose keys the hash puts under it."""
    sf = session_factory
    services = bench(sf, clock, tmp_path, qa_percent=None)  # the policy's own rates
    ines = user_named(sf, "ines")
    session = signed_in(services, clock, ines)
    decided = [decide_one(sf, services, clock, ines, skip, session=session)
               for skip in range(15)]
    policy = load_policy("kissprom")
    expected = {n for n in decided if sampled(f"{n}/1", policy.qa_raised_percent / 100)}
    with UnitOfWork(sf) as uow:
        rows = uow.session.execute(select(QaSample.why, QaSample.rate_percent,
                                          QaSample.first_grade, QaSample.due_on)).all()
        audited = len(uow.session.scalars(select(AuditEvent.id).where(
            AuditEvent.action == "qa.sampled")).all())
    assert expected and len(rows) == len(expected) == audited
    assert all(r.why == "new_inspector" and r.rate_percent == 20 and r.first_grade == "A"
               for r in rows)
    # Due the next business day in the warehouse.
    today = local_date(clock.now(), policy.timezone)
    assert {r.due_on for r in rows} <= {add_business_days(today, 1, policy.holidays)}


def test_the_queue_is_blind_and_a_regrade_counts_once(session_factory, demo, clock,  # type: ignore[no-untyped-def]
                                                      tmp_path: Path) -> None:
    sf = session_factory
    services = bench(sf, clock, tmp_path, qa_percent=100)  # every dress sampled
    ines, sam, maria = (user_named(sf, n) for n in ("ines", "sam", "maria"))
    session = signed_in(services, clock, ines)
    number = decide_one(sf, services, clock, ines, 0, session=session)
    other = decide_one(sf, services, clock, ines, 1, session=session)
    queue = services.qa.queue(sam)
    assert [q.rma for q in queue] == [number, other]
    # Blind: the record has no field for the first grade, checklist or decision, and
    # nothing in it reads as one.
    names = {f.name for f in dataclasses.fields(BlindItem)}
    assert not names & {"grade", "first_grade", "checklist", "decision", "resolution",
                        "disposition", "refund", "marks", "worn"}
    assert "grade" not in repr(queue[0]).lower() and "restock" not in repr(queue[0])
    # A supervisor never re-grades their own inspection (nor sees it in the queue).
    own = decide_one(sf, services, clock, sam, 2, session=signed_in(services, clock, sam))
    assert own not in {q.rma for q in services.qa.queue(sam)}
    with UnitOfWork(sf) as uow:
        own_id = uow.session.scalars(select(QaSample.id).where(
            QaSample.inspector_id == sam.id)).one()
    with pytest.raises(Conflict, match="someone else"):
        services.qa.regrade(own_id, "A", sam)
    clock.advance(dt.timedelta(hours=2))
    same = services.qa.regrade(queue[0].sample_id, "a", sam)
    assert same.agreed and same.money_delta == 0 and same.outcome_after == "refund"
    with pytest.raises(Conflict, match="already"):
        services.qa.regrade(queue[0].sample_id, "C", maria)
    # A grade C instead of A: not eligible for an ordinary return, so the dress would go
    # back to the customer and the refund would not be paid.
    differ = services.qa.regrade(queue[1].sample_id, "C", maria)
    assert not differ.agreed and differ.outcome_after == "return_to_customer"
    assert differ.money_delta < 0 and "instead of refund" in differ.message
    with UnitOfWork(sf) as uow:
        refund = uow.session.scalars(select(QaSample.money_delta).where(
            QaSample.id == queue[1].sample_id)).one()
    assert refund == differ.money_delta
    overall, by_inspector, moved = services.qa.agreement(
        clock.now() - dt.timedelta(days=1), clock.now() + dt.timedelta(days=1), maria)
    assert (overall.pairs, overall.agreed) == (2, 1)  # Sam's own sample waits
    assert list(by_inspector) == ["Ines Moreno"] and moved == -differ.money_delta
    assert moved > Decimal("0")


def test_qa_from_the_command_line(tmp_path: Path) -> None:
    from tests.integration.test_cli import MARIA, _one_line_error, run

    db = ["--db", f"sqlite:///{tmp_path / 'qa.db'}"]
    data = {"RETURNBENCH_DATA_DIR": str(tmp_path / "data")}
    assert run("demo-data", "--orders", "30", "--plain", *db, env=data).returncode == 0
    queue = run("qa", "queue", *db, env={**data, **MARIA})
    assert queue.returncode == 0 and json.loads(queue.stdout)["queue"] == []
    missing = run("qa", "regrade", "99", "B", *db, env={**data, **MARIA})
    assert missing.returncode != 0 and "No QA sample #99" in _one_line_error(missing)
    bad = run("qa", "regrade", "x", *db, env={**data, **MARIA})
    assert bad.returncode == 2 and "qa regrade SAMPLE_ID GRADE" in _one_line_error(bad)
    figures = run("qa", "agreement", *db, env={**data, **MARIA})
    assert figures.returncode == 0 and "no re-grades yet" in figures.stderr
    assert json.loads(figures.stdout)["pairs"] == 0
    # The calibration set: a dress with no photos is refused in one line; an unknown
    # reference cannot be retired.
    import sqlite3

    with sqlite3.connect(tmp_path / "qa.db") as conn:
        (first,) = conn.execute("SELECT number FROM return_authorizations ORDER BY id "
                                "LIMIT 1").fetchone()
    no_photos = run("qa", "reference", first, "1", "B", *db, env={**data, **MARIA})
    assert no_photos.returncode != 0 and "no photos" in _one_line_error(no_photos)
    unknown = run("qa", "retire", "42", *db, env={**data, **MARIA})
    assert unknown.returncode != 0 and "No reference dress #42" in _one_line_error(unknown)
    listed = run("qa", "references", *db, env={**data, **MARIA})
    assert listed.returncode == 0 and json.loads(listed.stdout)["references"] == []
