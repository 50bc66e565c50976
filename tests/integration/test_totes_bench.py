"""Totes at the bench, through the bench session (issue 18): after Enter the screen names
the tote for each decided dress; scanning it puts the dress in (a good beep), a wrong
tote buzzes and names the right one; Ctrl+T closes the tote and its manifest prints, and
the printed manifest and tote plates decode back (Code128 and DataMatrix, PDF and ZPL)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy import select

from app.domain.enums import Grade, LabelKind, PrintJobStatus, ReturnReason
from app.printing.labels import tote_plate
from app.printing.render import render_zpl
from app.services.decisions import InspectionInput, with_grade
from app.services.uow import UnitOfWork
from models import PrintJob, ReturnItem, Tote
from tests.helpers.readback import decode_pdf, decode_zpl, pdf_words
from tests.helpers.totes import bench, decide_one, ready_return, signed_in
from tests.integration.conftest import user_named


def test_a_bench_day_of_totes(session_factory, demo, clock, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    sf = session_factory
    services = bench(sf, clock, tmp_path)
    ines = user_named(sf, "ines")
    session = signed_in(services, clock, ines)
    kiss, other = services.putaway.make_totes(2, ines)

    first = decide_one(sf, services, clock, ines, 0, session=session)
    accepted_words = session.tote_due[0].words()
    assert "any EMPTY tote" in accepted_words  # no tote is open for it yet
    # The next parcel is scanned before the tote: the bench reminds, nothing is lost.
    second = decide_one(sf, services, clock, ines, 1, session=session)
    assert [d.rma for d in session.tote_due] == [first, second]

    placed = session.scan(kiss)
    assert placed.level == "ok" and placed.sound == "good", placed.message
    assert placed.data["placed"] == [first, 1] and "1/12" in placed.message
    assert session.tote_due[0].rma == second and session.last_tote == kiss

    # A Stacees dress: the Kiss Prom tote is wrong; the bench buzzes and says so.
    third = decide_one(sf, services, clock, ines, 0, brand="stacees", session=session)
    assert session.scan(kiss).level == "ok"  # the second Kiss Prom dress goes in first
    wrong = session.scan(kiss)
    assert wrong.level == "error" and wrong.sound == "bad"
    assert "Wrong tote" in wrong.message and "empty tote" in wrong.message
    assert session.tote_due[0].rma == third  # still waiting
    assert session.scan(other).data["placed"] == [third, 1]

    # A misread plate buzzes without touching anything.
    misread = session.scan("TO-000001-0")
    assert misread.level == "error" and "not a tote plate" in misread.message

    # Ctrl+T closes the tote last used (the Stacees one); its manifest prints.
    session.scan(kiss)  # nothing waits: the scan picks the tote to close
    closed = session.close_tote()
    assert closed.level == "ok", closed.message
    assert "Manifest printed" in closed.message and "2 dresses" in closed.message
    with UnitOfWork(sf) as uow:
        tote = uow.session.scalars(select(Tote).where(Tote.code == kiss)).one()
        assert tote.status == "closed"
        held = uow.session.scalars(select(ReturnItem).where(ReturnItem.tote_id == tote.id))
        assert len(list(held)) == 2
        job = uow.session.scalars(select(PrintJob).where(
            PrintJob.kind == LabelKind.MANIFEST)).one()
        assert job.status is PrintJobStatus.SENT
        manifest = job.payload
    # The manifest read back: the tote's code decodes (Code128 and DataMatrix), and it
    # lists both dresses by their plates.
    assert decode_pdf(manifest, 203, tmp_path) == [kiss, kiss]
    words = pdf_words(manifest, tmp_path)
    assert "TOTE MANIFEST" in words and "RESTOCK" in words
    for line in services.putaway.manifest(kiss, "ines").lines:
        assert line.plate in words and line.sku in words
    # A closed tote takes no more dresses.
    decide_one(sf, services, clock, ines, 2, session=session)
    refused = session.scan(kiss)
    assert refused.level == "error" and "closed" in refused.message


def test_a_full_tote_closes_itself_and_prints(session_factory, demo, clock,  # type: ignore[no-untyped-def]
                                              tmp_path: Path) -> None:
    sf = session_factory
    services = bench(sf, clock, tmp_path)
    ines = user_named(sf, "ines")
    session = signed_in(services, clock, ines)
    services.putaway._map = services.putaway.map.__class__(
        services.putaway.map.locations, 2, "two-per-tote")  # a tote of two dresses
    (tote,) = services.putaway.make_totes(1, ines)
    for skip in (0, 1):
        decide_one(sf, services, clock, ines, skip, session=session, grade=Grade.A)
        shown = session.scan(tote)
    assert shown.data["closed"] is True and "full now" in shown.message
    assert "Manifest printed" in shown.message and session.last_tote is None


def test_tote_plates_decode_back(tmp_path: Path) -> None:
    """A tote plate, as PDF at 203 and 300 dpi and as ZPL: Code128 and DataMatrix both
    read back as the tote's code."""
    from app.printing.render import render_pdf
    from app.scanning.codes import tote_code

    code = tote_code(123)
    for dpi in (203, 300):
        layout = tote_plate(code, dpi)
        assert decode_pdf(render_pdf(layout), dpi, tmp_path) == [code, code]
        assert decode_zpl(render_zpl(layout), dpi, 4 * dpi, 6 * dpi) == [code, code]


def test_a_dress_answered_later_gets_its_tote(session_factory, demo, clock,  # type: ignore[no-untyped-def]
                                               tmp_path: Path) -> None:
    """A refund over $250 waits on the hold shelf with no tote; once the manager's answer
    reaches the bench, the dress is named for its tote like any other."""
    sf = session_factory
    services = bench(sf, clock, tmp_path)
    ines, maria = user_named(sf, "ines"), user_named(sf, "maria")
    session = signed_in(services, clock, ines)
    assert session.check_answers() is None  # answers from now on
    number = decide_one(sf, services, clock, ines, 0, session=session)
    (tote,) = services.putaway.make_totes(1, ines)
    assert session.scan(tote).data.get("placed") == [number, 1]
    # A second dress, priced over the $250 a manager approves: it waits instead.
    big = ready_return(sf, 1, ReturnReason.SIZING, price="400.00", tax="33.00")
    assert session.scan(big).level != "error"
    session.open_inspection()
    session.forms[1] = with_grade(InspectionInput(), Grade.A)
    waiting = session.accept()
    assert waiting.data["approvals"] and not session.tote_due
    clock.advance(dt.timedelta(minutes=5))
    services.approvals.answer(int(waiting.data["approvals"][0]), maria, True, "ok")
    told = session.check_answers()
    assert told is not None and "approved" in told.message
    assert [(d.rma, d.unit) for d in session.tote_due] == [(big, 1)]


def test_a_restarted_bench_still_knows_which_dresses_need_a_tote(  # type: ignore[no-untyped-def]
        session_factory, demo, clock, tmp_path: Path) -> None:
    """Decided, then the bench dies before the tote is scanned (kill -9, power): the new
    session, and the next inspector signing in, are told again; scanning the tote then
    places it."""
    sf = session_factory
    services = bench(sf, clock, tmp_path)
    ines, carl = user_named(sf, "ines"), user_named(sf, "carl")
    session = signed_in(services, clock, ines)
    number = decide_one(sf, services, clock, ines, 0, session=session)
    del session  # gone without a word
    restarted = services.session_for(clock)
    restarted.use(carl)
    assert [(d.rma, d.unit) for d in restarted.tote_due] == [(number, 1)]
    (tote,) = services.putaway.make_totes(1, carl)
    assert restarted.scan(tote).data["placed"] == [number, 1]
    again = services.session_for(clock)
    again.use(ines)
    assert again.tote_due == []  # in its tote now: nothing to tell
    # Another station's decisions are not this bench's to tote.
    other = bench(sf, clock, tmp_path, station="OTHER-BENCH").session_for(clock)
    other.use(ines)
    assert other.tote_due == []
