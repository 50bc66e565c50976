"""Label rendering and printing: render time of the 4x6 item label as PDF and as ZPL
(goals: under 25 ms and under 2 ms), beside building the layout alone; and, when a CUPS
queue is given, the time from "print" to the job accepted in the CUPS queue and to the
cups-pdf file written.

Usage: python benchmarks/bench_labels.py [--runs 200] [--cups QUEUE]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import time

from stats import pct

from app.printing.labels import LabelData, build
from app.printing.printers import CupsPrinter
from app.printing.render import render_pdf, render_zpl
from tests.helpers.cups import wait_for_output

DATA = LabelData("IT-0000004201-7", "RMA-2026-000060-7", "KP-10005", "Evelyn Smith",
                 "KP-TRP-1039-CHM-2", "Vivienne Trumpet gown", "Champagne", "2", "A",
                 "restock", "refund", "sizing", "4", "KP-TRP-1039-CHM-4", "2026-11-24",
                 "2026-11-22")



def timed(fn, runs: int) -> list[float]:  # type: ignore[no-untyped-def]
    fn()
    out = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t0) * 1000)
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--cups", metavar="QUEUE")
    args = parser.parse_args()
    for dpi in (203, 300):
        layout = build("item", DATA, dpi)
        rows = (("layout only", timed(lambda dpi=dpi: build("item", DATA, dpi), args.runs)),
                ("PDF", timed(lambda layout=layout: render_pdf(layout), args.runs)),
                ("ZPL", timed(lambda layout=layout: render_zpl(layout), args.runs)))
        for name, t in rows:
            print(f"{dpi} dpi {name:12s} p50 {statistics.median(t):6.2f} ms  "
                  f"p95 {pct(t, 95):6.2f} ms")
    if args.cups:
        printer = CupsPrinter(args.cups)
        pdf = render_pdf(build("item", DATA, 203))
        queued, written = [], []
        for i in range(10):
            title = f"bench-{int(time.time())}-{i}"
            t0 = time.perf_counter()
            printer.send(pdf, title)  # returns once CUPS accepted the job into its queue
            queued.append((time.perf_counter() - t0) * 1000)
            out = wait_for_output(title)
            written.append((time.perf_counter() - t0) * 1000)
            out.unlink()
        print(f"CUPS {args.cups}: print -> job in queue p50 {statistics.median(queued):.1f} ms"
              f" p95 {pct(queued, 95):.1f} ms; -> PDF written by cups-pdf p50 "
              f"{statistics.median(written):.0f} ms")
        subprocess.run(["lpstat", "-o"], check=False)


if __name__ == "__main__":
    main()
