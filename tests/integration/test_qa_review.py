"""The weekly grading review (issue 19): the re-grades of a period, per inspector and
overall, by week, with the disagreements and the money they moved; the same figures in
its PDF, read back from the page."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select

from app.domain.agreement import agreement
from app.domain.enums import Grade
from app.printing.qa_review import render_qa_review
from app.services.uow import UnitOfWork
from models import QaSample
from tests.helpers.readback import pdf_words
from tests.helpers.totes import bench, decide_one, signed_in
from tests.integration.conftest import user_named


def test_the_review_counts_the_regrades_and_prints_them(  # type: ignore[no-untyped-def]
        session_factory, demo, clock, tmp_path: Path) -> None:
    sf = session_factory
    services = bench(sf, clock, tmp_path, qa_percent=100)
    ines, sam, maria = (user_named(sf, n) for n in ("ines", "sam", "maria"))
    session = signed_in(services, clock, ines)
    numbers = [decide_one(sf, services, clock, ines, skip, grade=grade, session=session)
               for skip, grade in enumerate((Grade.A, Grade.A, Grade.B, Grade.C))]
    with UnitOfWork(sf) as uow:
        ids = list(uow.session.scalars(select(QaSample.id).order_by(QaSample.id)))
    clock.advance(dt.timedelta(days=1))
    seconds = ("A", "C", "B", "C")  # the second: A -> C, a refund lost
    done = [services.qa.regrade(i, g, sam) for i, g in zip(ids, seconds, strict=True)]
    today = clock.now().date()
    review = services.qa.review(today - dt.timedelta(days=7), today + dt.timedelta(days=1),
                                maria)
    expected = agreement([("A", "A"), ("A", "C"), ("B", "B"), ("C", "C")])
    assert (review.overall.pairs, review.overall.agreed) == (4, 3)
    assert review.overall.kappa == expected.kappa
    assert list(review.inspectors) == ["Ines Moreno"]
    assert review.overall.confusion[("A", "C")] == 1
    assert review.money_moved == abs(done[1].money_delta) > Decimal("0")
    assert [(d.rma, d.first_grade, d.second_grade, d.effect)
            for d in review.disagreements] == [(numbers[1], "A", "C", "superseded")]
    assert sum(a.pairs for _w, a in review.weeks) == 4 and review.waiting == 0
    words = pdf_words(render_qa_review(review, clock.now()), tmp_path)
    assert "Grading QA: weekly review" in words and "Ines Moreno" in words
    assert numbers[1] in words and "75%" in words
