"""The percentile every benchmark prints: the value at rank p% of the sorted samples
(nearest rank), NaN when there are none."""

from __future__ import annotations

import json
import os
import time

RESULTS_ENV = "RETURNBENCH_BENCH_RESULTS"  # a JSON-lines file: benchmarks/run_all.py's table


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return float(ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))])


def line(name: str, values: list[float], goal: float | None = None,
         base: list[float] | None = None, width: int = 44, count: bool = False) -> str:
    """One result row: p50 and p95 in ms, against a goal (met or MISSED) and as a ratio
    of a baseline's p95 measured in the same run."""
    text = f"  {name:<{width}}" + (f"{len(values):>6}" if count else "") \
        + f"{pct(values, 50):>9.2f}{pct(values, 95):>9.2f}"
    if goal is not None:
        text += f"   {'met' if pct(values, 95) < goal else 'MISSED'} (< {goal:.0f} ms)"
    if base is not None:
        text += f"   x{pct(values, 95) / max(pct(base, 95), 1e-6):.1f} of bare SQL"
    return text


def machine_speed() -> float:
    """A fixed pure-Python loop, ms: this shared machine's speed varies by nearly 2x from
    one minute to the next (about 400 ms fast, 750 ms slow), so it is printed with the
    times it explains."""
    t0 = time.perf_counter()
    sum(i * i for i in range(10**7))
    return (time.perf_counter() - t0) * 1000


def record(path: str, database: str, returns: int | None, p50: float, p95: float,
           budget_ms: float | None = None, bare_p95: float | None = None,
           note: str = "") -> None:
    """One row of `make bench`'s table (benchmarks/run_all.py): the user's path measured,
    on which database at how many returns, p50/p95 in ms, its budget, and the bare
    baseline's p95 measured in the same run. Written only when run_all asks for it."""
    out = os.environ.get(RESULTS_ENV)
    if not out:
        return
    with open(out, "a", encoding="utf-8") as f:
        f.write(json.dumps({"path": path, "database": database, "returns": returns,
                            "p50": p50, "p95": p95, "budget_ms": budget_ms,
                            "bare_p95": bare_p95, "note": note}) + "\n")
