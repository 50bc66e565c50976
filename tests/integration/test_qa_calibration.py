"""The calibration set and a calibration round (issue 19): a manager keeps reference
dresses (a unit on file with its photos, at the agreed grade); a round shows them to one
person in an order drawn for it, blind, one grade each, resumable; the score is the
agreement and kappa of their grades against the agreed ones, as the re-grades are."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from app.domain.agreement import agreement
from app.errors import BadInput, Conflict, PermissionDenied
from app.services.calibration import CalibrationCard
from tests.helpers.totes import bench, decide_damaged, decide_one
from tests.integration.conftest import user_named


def _reference_set(sf, services, clock, maria, ines) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """Four damaged dresses with photos, at agreed grades D, C, D, B."""
    numbers = [decide_damaged(sf, services, clock, ines, skip) for skip in range(4)]
    for number, grade in zip(numbers, "DCDB", strict=True):
        services.calibration.add(number, 1, grade, maria, "agreed at the huddle")
    return dict(zip(numbers, "DCDB", strict=True))


def test_a_calibration_round_is_blind_drawn_and_scored(  # type: ignore[no-untyped-def]
        session_factory, demo, clock, tmp_path: Path) -> None:
    sf = session_factory
    services = bench(sf, clock, tmp_path)
    maria, ines, carl = (user_named(sf, n) for n in ("maria", "ines", "carl"))
    # Only managers keep the set, and a reference dress needs photos.
    plain = decide_one(sf, services, clock, ines, 10)
    with pytest.raises(BadInput, match="no photos"):
        services.calibration.add(plain, 1, "A", maria)
    agreed = _reference_set(sf, services, clock, maria, ines)
    with pytest.raises(PermissionDenied):
        services.calibration.add(next(iter(agreed)), 1, "A", ines)
    refs = services.calibration.items(maria)
    assert [r.agreed_grade for r in refs] == list("DCDB") and all(r.photos for r in refs)

    # Carl's round: every dress once, in an order drawn for the round; the card holds
    # no agreed grade.
    round_id = services.calibration.start_round(carl)
    names = {f.name for f in dataclasses.fields(CalibrationCard)}
    assert not names & {"agreed_grade", "grade", "note", "rma"}
    seen: list[int] = []
    given: dict[int, str] = {}
    answers = iter("DCCA")  # two alike (D, C), then C for D and A for B
    while (card := services.calibration.card(round_id, carl)) is not None:
        assert card.photos and card.position == len(seen) + 1 and card.total == 4
        seen.append(card.item_id)
        grade = next(answers)
        given[card.item_id] = grade
        if len(seen) == 2:  # a restart halfway: the round resumes where it stopped
            assert services.calibration.open_round(carl) == round_id
            unfinished = services.calibration.score(round_id, carl)
            assert not unfinished.finished and unfinished.answers == ()
        score = services.calibration.answer(round_id, card.item_id, grade, carl)
    assert sorted(seen) == sorted(r.id for r in refs)
    with pytest.raises(Conflict, match="finished"):
        services.calibration.answer(round_id, seen[0], "A", carl)
    # Scored as the re-grades are: against the agreed grade.
    by_id = {r.id: r.agreed_grade for r in refs}
    pairs = [(by_id[i], given[i]) for i in seen]
    expected = agreement(pairs)
    assert score.finished and score.agreement.agreed == expected.agreed
    assert score.agreement.kappa == pytest.approx(expected.kappa)
    assert [a[1:] for a in score.answers] == pairs
    # Another inspector may not see or answer Carl's round; a manager sees the score.
    with pytest.raises(PermissionDenied):
        services.calibration.card(round_id, ines)
    with pytest.raises(PermissionDenied):
        services.calibration.score(round_id, ines)
    assert [s.round_id for s in services.calibration.rounds(maria)] == [round_id]


def test_a_round_needs_a_set(session_factory, demo, clock, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    services = bench(session_factory, clock, tmp_path)
    with pytest.raises(BadInput, match="at least 3"):
        services.calibration.start_round(user_named(session_factory, "ines"))
