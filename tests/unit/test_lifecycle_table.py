"""The lifecycle table itself, exhaustively: every operation from every reception and
decision state is allowed exactly where the table says, and every refusal is a sentence
that says why and what to do."""

from __future__ import annotations

import itertools

import pytest

from app.domain.enums import DecisionStatus, ReceptionStatus
from app.lifecycle import DECISION_STATES, TABLE, NotAllowed, Op, check, markdown_table, refusal

STATES = list(itertools.product(ReceptionStatus, DECISION_STATES))


@pytest.mark.parametrize("op", list(Op))
def test_every_state_is_allowed_or_refused_as_the_table_says(op: Op) -> None:
    rule = TABLE[op]
    for reception, decision in STATES:
        allowed = reception in rule.reception_from and decision in rule.decision_from
        sentence = refusal(op, reception, decision)
        assert (sentence is None) == allowed, (op, reception, decision)
        if allowed:
            check(op, reception, decision)
        else:
            assert sentence is not None and sentence.startswith("Cannot ")
            with pytest.raises(NotAllowed, match="Item 2 of RMA-1: Cannot"):
                check(op, reception, decision, "Item 2 of RMA-1")


def test_money_cannot_move_while_waiting_or_twice() -> None:
    waiting = (ReceptionStatus.RECEIVED, DecisionStatus.AWAITING_APPROVAL)
    settled = (ReceptionStatus.RECEIVED, DecisionStatus.COMPLETED)
    assert refusal(Op.SETTLE, *waiting) is not None
    assert refusal(Op.SETTLE, *settled) is not None
    assert refusal(Op.ACCEPT, *settled) is not None
    assert refusal(Op.ACCEPT, ReceptionStatus.MISSING, DecisionStatus.PENDING) is not None
    assert "Approvals (F4)" in (refusal(Op.ACCEPT, *waiting) or "")
    # Only an approved exception changes a settled unit (and sends a reversal).
    assert refusal(Op.REQUEST_EXCEPTION, *settled) is None
    assert DecisionStatus.DECIDED in TABLE[Op.APPROVE].decision_to


def test_every_operation_is_in_the_table_and_the_readme() -> None:
    assert set(TABLE) == set(Op)
    table = markdown_table()
    for op in Op:
        assert f"| {op.value} |" in table


def test_the_readme_shows_the_table_as_the_code_has_it() -> None:
    from pathlib import Path
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    assert markdown_table() in readme
