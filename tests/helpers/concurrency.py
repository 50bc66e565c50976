"""Several benches at the same instant: each worker starts behind one barrier."""

from __future__ import annotations

import threading
from collections.abc import Callable


def at_once(n: int, work: Callable[[int], object]) -> list[object]:
    """Run work(0..n-1) on n threads released together; each result, or the exception
    it raised (for the caller to inspect)."""
    barrier = threading.Barrier(n)
    results: list[object] = [None] * n

    def run(i: int) -> None:
        barrier.wait()
        try:
            results[i] = work(i)
        except Exception as exc:  # noqa: BLE001 - inspected by the caller
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return results
