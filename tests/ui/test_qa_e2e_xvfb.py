"""Grading QA in a real window (issue 19), with real X key events: Ines decides a dress
the sample takes (its label says QA), Sam scans it at the QA rack and re-grades it blind;
a kill -9 between the grade key and Enter records nothing; after the restart the
re-grade supersedes the decision and Ines is told at her next sign-in."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
from pathlib import Path

import pytest

from app.domain.agreement import sampled
from app.scanning.codes import item_plate
from models.db import make_engine, make_session_factory
from tests.helpers.readback import pdf_words
from tests.helpers.rmas import refundable
from tests.helpers.xwindow import go, sign_out
from tests.helpers.xwindow import key as press
from tests.helpers.xwindow import scan as scan_code
from tests.helpers.xwindow import sign_in as sign_in_as
from tests.ui.test_e2e_xvfb import (  # noqa: F401 - display is the X server fixture
    _demo_db,
    _focus_window,
    _sign_in_as_ines,
    _start_bench,
    _stop,
    _wait,
    display,
)

pytestmark = pytest.mark.xvfb


def test_a_sampled_dress_regraded_blind_at_the_qa_rack(display: str, tmp_path: Path  # noqa: F811
                                                       ) -> None:
    db = tmp_path / "bench.db"
    url = f"sqlite:///{db}"
    _demo_db(url)
    engine = make_engine(url)
    sf = make_session_factory(engine)
    # A one-dress refund inside its window (grade A refunds it, C sends it back). Ines is
    # new (her first decision): the policy samples 20%; the first such dress it takes.
    for skip in range(40):
        number = refundable(sf, skip)
        if sampled(f"{number}/1", 0.20):
            break
    else:
        raise AssertionError("no dress of the demo is sampled")
    engine.dispose()
    with sqlite3.connect(db) as conn:
        (rma_id,) = conn.execute("SELECT id FROM return_authorizations WHERE number = ?",
                                 (number,)).fetchone()
    plate = item_plate(rma_id, 1)

    def one(sql: str) -> tuple[object, ...]:
        with sqlite3.connect(db) as conn:
            return conn.execute(sql).fetchone()  # type: ignore[no-any-return]

    def key(*keys: str) -> None:
        press(display, *keys)

    def scan(code: str) -> None:
        scan_code(display, code)

    def shot(name: str) -> None:
        subprocess.run(["import", "-window", "root", str(tmp_path / f"{name}.png")],
                       env={**os.environ, "DISPLAY": display}, check=False, timeout=30)

    def sign_in(letter_and_pin: str) -> None:
        sign_in_as(display, letter_and_pin, "Sam")

    app = _start_bench(display, tmp_path, url)
    try:
        _focus_window(display, app)
        _sign_in_as_ines(display)
        scan(number)
        _wait(lambda: one("SELECT count(*) FROM receipts")[0] == 1, 10, "the receipt")
        go(display, "F2", "Inspect")
        key("1", "Return")  # grade A, Enter
        _wait(lambda: one("SELECT count(*) FROM qa_samples")[0] == 1, 10, "the QA sample")
        # The label prints off the UI thread: read once its job says sent.
        _wait(lambda: one("SELECT count(*) FROM print_jobs WHERE status = 'sent'")[0] == 1, 10,
              "the label printed")
        labels = sorted((tmp_path / "labels").glob("*.pdf"), key=lambda p: p.stat().st_mtime)
        words = pdf_words(labels[-1].read_bytes(), tmp_path)
        assert "QA" in words and "blind re-grade" in words and "refund" not in words.lower()
        (first,) = one("SELECT resolution FROM decisions")
        assert first == "refund"
        sign_out(display)
        sign_in("s333333")  # Sam, supervisor
        go(display, "F9", "QA")
        scan(plate)
        key("3")  # grade C chosen, not recorded: then the bench dies
        # The keys are handled in order: once the title says Receive (F1, after the 3),
        # the grade key was handled too.
        go(display, "F1", "Receive")
        shot("qa-picked")
    finally:
        app.send_signal(signal.SIGKILL)
        app.communicate(timeout=10)  # reaped, its pipes closed
    assert one("SELECT status, second_grade FROM qa_samples") == ("waiting", None)

    app = _start_bench(display, tmp_path, url)
    try:
        _focus_window(display, app)
        sign_in("s333333")
        go(display, "F9", "QA")
        scan(plate)
        key("3", "Return")
        _wait(lambda: one("SELECT status FROM qa_samples")[0] == "regraded", 10,
              "the re-grade")
        shot("qa-regraded")
        (now, superseded) = one("SELECT resolution, (SELECT count(*) FROM decisions WHERE "
                                "superseded = 1) FROM decisions WHERE superseded = 0")
        assert superseded == 1 and now != first and now == "return_to_customer"
        assert one("SELECT new_decision_id IS NOT NULL FROM qa_samples")[0] == 1
        assert one("SELECT count(*) FROM audit_events WHERE action = 'qa.regraded'")[0] == 1
        sign_out(display)
        _sign_in_as_ines(display)
        _wait(lambda: one("SELECT told_at IS NOT NULL FROM qa_samples")[0] == 1, 10,
              "Ines told")
        shot("ines-told")
    finally:
        err = _stop(app)
    assert "Traceback" not in err
