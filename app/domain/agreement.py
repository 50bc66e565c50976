"""How consistently inspectors grade (issue 19): the blind re-grade sample, and agreement
between a first grade and a supervisor's re-grade.

- Sampling is random but reproducible: a unit is sampled when the hash of its key (the
  RMA and unit) falls under the rate, so the same unit is always in or out at the same
  rate, on any bench, with no state to keep.
- Agreement: the share of pairs graded alike (with a Wilson 95% interval), and Cohen's
  kappa with quadratic weights over the ordered grades A-D (a B against an A counts
  less against the inspector than a D against an A), with a bootstrap 95% interval.
  Grade X (not our item) is not on the A-D scale: its pairs are counted apart.

Pure functions, no database: the services feed them pairs."""

from __future__ import annotations

import hashlib
import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

ORDERED = ("A", "B", "C", "D")
APART = "X"
Z95 = 1.959964


GRADES = (*ORDERED, APART)


def grade_letter(text: str) -> str:
    """A grade as typed or pressed (a, ' B '), or BadInput naming the five."""
    from app.errors import BadInput

    letter = text.strip().upper()
    if letter not in GRADES:
        raise BadInput(f"Grade {text!r}: one of {', '.join(GRADES)}.")
    return letter


def sampled(key: str, rate: float) -> bool:
    """Whether the unit with this key is in a sample of `rate` (0 to 1)."""
    if rate <= 0:
        return False
    digest = hashlib.sha256(f"qa-sample:{key}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64 < rate


def sample_rate(base: float, raised: float, new_inspector: bool, high_value: bool) -> float:
    """The share sampled: `raised` for an inspector in their first working days or for an
    item over the value limit, else `base`."""
    return raised if new_inspector or high_value else base


def wilson(successes: int, n: int) -> tuple[float, float] | None:
    """The Wilson score 95% interval of a proportion; None without pairs."""
    if n == 0:
        return None
    p = successes / n
    denom = 1 + Z95**2 / n
    centre = (p + Z95**2 / (2 * n)) / denom
    half = Z95 * math.sqrt(p * (1 - p) / n + Z95**2 / (4 * n * n)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)


def quadratic_kappa(pairs: Sequence[tuple[str, str]]) -> float | None:
    """Cohen's kappa with quadratic weights over A-D: 1 - sum(w*observed) /
    sum(w*expected), w = (i-j)^2/(k-1)^2. None when it is undefined (no pairs, or every
    grade in one category so chance agreement is total, or one side using a single
    grade: kappa would be 0 whatever the other said, which says nothing)."""
    scale = [(ORDERED.index(a), ORDERED.index(b)) for a, b in pairs
             if a in ORDERED and b in ORDERED]
    n = len(scale)
    if n == 0:
        return None
    k = len(ORDERED)
    rows, cols = Counter(i for i, _ in scale), Counter(j for _, j in scale)
    if len(rows) < 2 or len(cols) < 2:
        return None
    observed = Counter(scale)
    w = [[(i - j) ** 2 / (k - 1) ** 2 for j in range(k)] for i in range(k)]
    disagree = sum(w[i][j] * c for (i, j), c in observed.items()) / n
    chance = sum(w[i][j] * rows[i] * cols[j] for i in range(k) for j in range(k)) / n / n
    if chance == 0:
        return None
    return 1 - disagree / chance


def kappa_interval(pairs: Sequence[tuple[str, str]], draws: int = 1000,
                   seed: int = 19) -> tuple[float, float] | None:
    """A bootstrap 95% interval of the quadratic kappa (percentiles of `draws`
    resamples, reproducible for a seed); None when kappa is undefined or too few pairs.

    Resampling n pairs with replacement is drawing n from the 4x4 table of observed
    (first, second) frequencies: one multinomial draw per resample, so a year of
    re-grades takes as long as a week's."""
    import numpy as np  # the resamples as one array: 1,000 tables at once

    scale = [p for p in pairs if p[0] in ORDERED and p[1] in ORDERED]
    if len(scale) < 5 or quadratic_kappa(scale) is None:
        return None
    k, n = len(ORDERED), len(scale)
    observed = np.zeros(k * k)
    for (a, b), count in Counter(scale).items():
        observed[ORDERED.index(a) * k + ORDERED.index(b)] = count
    tables = np.random.default_rng(seed).multinomial(n, observed / n, size=draws) \
        .reshape(draws, k, k).astype(float)
    i, j = np.indices((k, k))
    w = (i - j) ** 2 / (k - 1) ** 2
    rows, cols = tables.sum(axis=2), tables.sum(axis=1)
    disagree = (tables * w).sum(axis=(1, 2)) / n
    chance = (rows[:, :, None] * cols[:, None, :] * w).sum(axis=(1, 2)) / n / n
    defined = ((rows > 0).sum(axis=1) >= 2) & ((cols > 0).sum(axis=1) >= 2) & (chance > 0)
    values = np.sort(1 - disagree[defined] / chance[defined])
    if len(values) < draws // 2:
        return None
    return (float(values[int(0.025 * len(values))]),
            float(values[min(len(values) - 1, int(0.975 * len(values)))]))


@dataclass(frozen=True)
class Agreement:
    pairs: int
    agreed: int
    rate: float | None
    rate_ci: tuple[float, float] | None
    kappa: float | None
    kappa_ci: tuple[float, float] | None
    x_pairs: int    # pairs where either grade is X (counted apart from the A-D scale)
    x_agreed: int
    confusion: dict[tuple[str, str], int]  # (first, second): count

    def words(self) -> str:
        if not self.pairs:
            return "no re-grades yet"
        rate = f"{self.rate:.0%}" if self.rate is not None else "-"
        ci = f" ({self.rate_ci[0]:.0%}-{self.rate_ci[1]:.0%})" if self.rate_ci else ""
        kappa = f"{self.kappa:.2f}" if self.kappa is not None else \
            "undefined (one grade on a side)"
        kci = f" ({self.kappa_ci[0]:.2f} to {self.kappa_ci[1]:.2f})" if self.kappa_ci else ""
        x = f"; X apart: {self.x_agreed} of {self.x_pairs}" if self.x_pairs else ""
        return f"{self.agreed} of {self.pairs} alike, {rate}{ci}; kappa {kappa}{kci}{x}"


def agreement(pairs: Sequence[tuple[str, str]], bootstrap: bool = True) -> Agreement:
    """Agreement of (first grade, re-grade) pairs."""
    n = len(pairs)
    agreed = sum(1 for a, b in pairs if a == b)
    x = [(a, b) for a, b in pairs if APART in (a, b)]
    return Agreement(
        n, agreed, agreed / n if n else None, wilson(agreed, n), quadratic_kappa(pairs),
        kappa_interval(pairs) if bootstrap else None, len(x),
        sum(1 for a, b in x if a == b), dict(Counter(pairs)))
