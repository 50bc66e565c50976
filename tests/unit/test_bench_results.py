"""A bench screen carries what the input did as a typed result; its JSON (replay's) is
that result's `as_data`; one function turns an exception into a screen's level and
sentence."""

from __future__ import annotations

from decimal import Decimal

from app.bench.results import (
    Accepted,
    ExceptionAsked,
    NotSaved,
    ParcelScanned,
    Previewed,
    TagScanned,
    ToteScanned,
)
from app.bench.screen import ERROR, OK, WARN, Screen, refusal
from app.errors import Conflict, NotFound


def test_an_accepted_screen_is_read_by_its_fields_and_said_as_json() -> None:
    accepted = Accepted(decisions=(7,), totes_due=("item 1 (restock, KP) into tote TO-1",),
                        approvals=(), units={1: "refund"}, waiting=(), qa=(), all_done=True)
    shown = Screen(OK, "Accepted.", "good", result=accepted)
    assert isinstance(shown.result, Accepted) and shown.result.units == {1: "refund"}
    assert shown.as_json() == {
        "level": "ok", "message": "Accepted.", "sound": "good", "saved": True,
        "decisions": [7], "totes_due": ["item 1 (restock, KP) into tote TO-1"],
        "approvals": [], "units": {1: "refund"}, "waiting": [], "qa": [], "all_done": True}


def test_each_result_says_only_what_it_knows() -> None:
    assert Screen(WARN, "").data == {}
    assert NotSaved().as_data() == {"saved": False}
    assert NotSaved(missing=("item 1: grade",)).as_data() == {
        "saved": False, "missing": ["item 1: grade"]}
    assert NotSaved(needs_server=True).as_data() == {"saved": False, "needs_server": True}
    assert ParcelScanned(found=False).as_data() == {"found": False}
    assert ParcelScanned(found=True, received=False).as_data() == {
        "found": True, "received": False}
    assert ToteScanned("TO-1").as_data() == {"tote": "TO-1"}
    assert ToteScanned("TO-1", wrong=True).as_data() == {"tote": "TO-1", "wrong": True}
    assert ToteScanned("TO-1", ("RMA-1", 1), False).as_data() == {
        "tote": "TO-1", "placed": ["RMA-1", 1], "closed": False}
    assert ExceptionAsked(12, Decimal("129.90"), False).as_data() == {
        "approval": 12, "amount": "129.90", "all_done": False}


def test_a_tag_scan_keeps_the_preview_it_gave() -> None:
    tag = TagScanned(1, True, Previewed({1: "refund"}))
    assert tag.as_data() == {"preview": {1: "refund"}, "tag": 1, "matches": True}


def test_one_function_turns_an_exception_into_what_the_screen_shows() -> None:
    assert refusal(Conflict("Item 1 is held at BENCH-B.")) == (
        WARN, "Item 1 is held at BENCH-B.")
    assert refusal(NotFound("No return RMA-9.")) == (ERROR, "No return RMA-9.")
    level, sentence = refusal(ValueError("boom"))
    assert level == ERROR and sentence.startswith("Unexpected error (ValueError): boom.")
