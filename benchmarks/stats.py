"""The percentile every benchmark prints: the value at rank p% of the sorted samples
(nearest rank), NaN when there are none."""

from __future__ import annotations


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return float(ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))])
