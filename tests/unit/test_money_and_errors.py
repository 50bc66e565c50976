from __future__ import annotations

from decimal import Decimal

import pytest

from app.domain.money import format_money, from_cents, money, to_cents
from app.errors import BadInput, DatabaseUnavailable, NotFound, exit_code, user_message


def test_money_is_exact_and_rounds_half_up() -> None:
    assert money("189.005") == Decimal("189.01")
    assert money("0.1") + money("0.2") == Decimal("0.30")
    assert to_cents(Decimal("204.12")) == 20412
    assert from_cents(20412) == Decimal("204.12")
    assert format_money(Decimal("1234.5")) == "$1,234.50"
    assert format_money(Decimal("-5")) == "-$5.00"


@pytest.mark.parametrize("bad", ["abc", "", "NaN", "inf"])
def test_money_refuses_garbage(bad: str) -> None:
    with pytest.raises(ValueError):
        money(bad)


def test_money_refuses_float() -> None:
    with pytest.raises(TypeError):
        money(1.5)  # type: ignore[arg-type]


def test_exit_codes_follow_the_cli_contract() -> None:
    assert exit_code(BadInput("x")) == 2
    assert exit_code(NotFound("x")) == 3
    assert exit_code(DatabaseUnavailable("x")) == 1
    assert exit_code(RuntimeError("x")) == 1


def test_user_message_for_bugs_says_what_to_do() -> None:
    assert user_message(NotFound("No return found")) == "No return found"
    msg = user_message(KeyError("k"))
    assert "KeyError" in msg and "supervisor" in msg
