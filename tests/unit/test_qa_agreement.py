"""Grading agreement (issue 19), checked against values worked out by hand: the blind
sample's rate and reproducibility, the Wilson interval, and Cohen's kappa with quadratic
weights over A-D (X apart)."""

from __future__ import annotations

from fractions import Fraction

import pytest

from app.domain.agreement import (
    agreement,
    kappa_interval,
    quadratic_kappa,
    sample_rate,
    sampled,
    wilson,
)


def test_the_sample_is_the_rate_and_the_same_every_time() -> None:
    keys = [f"RMA-2026-{n:06d}-1/1" for n in range(20_000)]
    five = [k for k in keys if sampled(k, 0.05)]
    assert 0.045 < len(five) / len(keys) < 0.055
    assert five == [k for k in keys if sampled(k, 0.05)]  # reproducible
    twenty = {k for k in keys if sampled(k, 0.20)}
    assert set(five) <= twenty  # a higher rate keeps every unit the lower one took
    assert 0.19 < len(twenty) / len(keys) < 0.21
    assert not any(sampled(k, 0.0) for k in keys[:100])
    assert sample_rate(0.05, 0.20, new_inspector=True, high_value=False) == 0.20
    assert sample_rate(0.05, 0.20, new_inspector=False, high_value=True) == 0.20
    assert sample_rate(0.05, 0.20, new_inspector=False, high_value=False) == 0.05


def test_quadratic_kappa_by_hand() -> None:
    """Eight pairs over A-D, worked with fractions: w = (i-j)^2/9."""
    pairs = [("A", "A")] * 3 + [("A", "B"), ("B", "B"), ("B", "B"), ("C", "B"),
                                ("D", "D")]
    # First grades: A 4, B 2, C 1, D 1; re-grades: A 3, B 4, C 0, D 1; n = 8.
    # Observed weighted disagreement: (A,B) w=1/9 and (C,B) w=1/9 -> (2/9)/8 = 1/36.
    observed = Fraction(2, 9) / 8
    rows = {0: 4, 1: 2, 2: 1, 3: 1}
    cols = {0: 3, 1: 4, 2: 0, 3: 1}
    chance = sum(Fraction((i - j) ** 2, 9) * rows[i] * cols[j]
                 for i in range(4) for j in range(4)) / 64
    # chance = (A row: 4*(0*3 + 1/9*4 + 0 + 1*1) + B: 2*(1/9*3 + 0 + 0 + 4/9*1)
    #          + C: 1*(4/9*3 + 1/9*4 + 0 + 1/9*1) + D: 1*(1*3 + 4/9*4 + 0 + 0)) / 64
    assert chance == Fraction(4 * 13 + 2 * 7 + 17 + 43, 9 * 64)
    expected = 1 - observed / chance
    assert quadratic_kappa(pairs) == pytest.approx(float(expected))
    assert float(expected) == pytest.approx(0.875, abs=0.01)


def test_kappa_edges_and_x_apart() -> None:
    assert quadratic_kappa([("A", "A"), ("B", "B"), ("C", "C"), ("D", "D")]) == 1.0
    assert quadratic_kappa([("A", "A")] * 5) is None  # one category: chance is total
    assert quadratic_kappa([]) is None
    # One side used a single grade: kappa would be 0 whatever the other said.
    assert quadratic_kappa([("C", "C"), ("C", "B"), ("C", "D")]) is None
    # Opposite ends every time: as far from agreement as the scale goes.
    assert quadratic_kappa([("A", "D"), ("D", "A")]) == pytest.approx(-1.0)
    # X is not on the scale: it does not move kappa, and is counted apart.
    base = [("A", "A"), ("A", "B"), ("B", "B"), ("C", "C"), ("D", "C")]
    with_x = [*base, ("X", "X"), ("A", "X")]
    assert quadratic_kappa(with_x) == quadratic_kappa(base)
    found = agreement(with_x, bootstrap=False)
    assert (found.pairs, found.agreed, found.x_pairs, found.x_agreed) == (7, 4, 2, 1)
    assert found.confusion[("A", "X")] == 1 and found.rate == pytest.approx(4 / 7)


def test_intervals() -> None:
    low, high = wilson(45, 50)  # type: ignore[misc]
    assert low == pytest.approx(0.7864, abs=1e-3) and high == pytest.approx(0.9565, abs=1e-3)
    assert wilson(0, 0) is None
    pairs = [("A", "A")] * 30 + [("B", "B")] * 20 + [("A", "B")] * 5 + [("C", "C")] * 10 \
        + [("D", "C")] * 3 + [("D", "D")] * 4
    interval = kappa_interval(pairs)
    kappa = quadratic_kappa(pairs)
    assert interval is not None and kappa is not None
    assert interval[0] < kappa < interval[1] and interval == kappa_interval(pairs)
