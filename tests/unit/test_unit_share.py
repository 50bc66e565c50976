"""Cents that add up: a line's total shared by its units, and an order's discount or tax
shared by its lines, by largest remainder; amounts read from a file never rounded."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.domain.money import exact_money, from_cents, share_by_weight, unit_share

CENTS = st.integers(min_value=0, max_value=999_999_999)


def test_three_units_of_290_and_a_tax_of_10_01() -> None:
    assert [unit_share(Decimal("290.00"), 3, k) for k in (1, 2, 3)] == [
        Decimal("96.67"), Decimal("96.67"), Decimal("96.66")]
    assert [unit_share(Decimal("10.01"), 3, k) for k in (1, 2, 3)] == [
        Decimal("3.34"), Decimal("3.34"), Decimal("3.33")]


@given(total=CENTS, quantity=st.integers(min_value=1, max_value=50))
def test_unit_shares_add_up_to_the_total_and_differ_by_a_cent_at_most(
        total: int, quantity: int) -> None:
    amount = from_cents(total)
    shares = [unit_share(amount, quantity, k) for k in range(1, quantity + 1)]
    assert sum(shares, Decimal("0.00")) == amount
    assert max(shares) - min(shares) <= Decimal("0.01")
    assert shares == sorted(shares, reverse=True)  # the first units take the extra cents
    assert all(s == s.quantize(Decimal("0.01")) for s in shares)


@pytest.mark.parametrize("k", [0, 4, -1])
def test_no_such_unit(k: int) -> None:
    with pytest.raises(ValueError, match="no such unit"):
        unit_share(Decimal("290.00"), 3, k)


@given(total=CENTS, weights=st.lists(st.integers(min_value=0, max_value=10_000_000),
                                     min_size=1, max_size=12))
def test_shares_by_weight_add_up_and_stay_within_a_cent_of_their_part(
        total: int, weights: list[int]) -> None:
    shares = share_by_weight(from_cents(total), [from_cents(w) for w in weights])
    assert sum(shares, Decimal("0.00")) == from_cents(total)
    whole = sum(weights) or len(weights)
    for share, weight in zip(shares, weights, strict=True):
        exact = Decimal(total) * (weight if sum(weights) else 1) / whole / 100
        assert abs(share - exact) < Decimal("0.01")
        if sum(weights) and weight == 0:
            assert share == 0


def test_an_order_tax_shared_by_amount() -> None:
    assert share_by_weight(Decimal("24.75"), [Decimal("140.00"), Decimal("180.00")]) == [
        Decimal("10.83"), Decimal("13.92")]
    assert share_by_weight(Decimal("0.02"), [Decimal("1.00")] * 3) == [
        Decimal("0.01"), Decimal("0.01"), Decimal("0.00")]


@pytest.mark.parametrize(("text", "value"), [
    ("120", "120.00"), ("$1,234.5", "1234.50"), ("120.500", "120.50"), (" 0.07 ", "0.07")])
def test_exact_money_reads_what_loses_nothing(text: str, value: str) -> None:
    assert exact_money(text, "Lineitem price") == Decimal(value)


@pytest.mark.parametrize("text", ["120.005", "0.001", "1e-3", "99.999"])
def test_exact_money_never_rounds(text: str) -> None:
    with pytest.raises(ValueError, match="more than two decimals"):
        exact_money(text, "Lineitem price")


def test_exact_money_names_what_is_not_an_amount() -> None:
    with pytest.raises(ValueError, match="Lineitem price 'ten' is not an amount"):
        exact_money("ten", "Lineitem price")
