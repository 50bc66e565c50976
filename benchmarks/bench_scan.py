"""Scan to screen at scale, on the path a scanner takes: the real window, the burst's key
events through the scan router, `Shell.handle_scan`, the bench session, the repaint
(benchmarks/scan_window.py; bench_scan_window.py makes the table at 10k, 100k and 1M
returns on SQLite and PostgreSQL). This script used to type into the Receive page's field
and press Enter, a path no scanner takes: the router, the shell and the unfinished list
read after every scan were never timed (it reported 9-15 ms while the window took 83 ms
p95 at 1M, issue 28). It now runs the real path.

Fill the database first: python benchmarks/gen_scale.py --db URL --rmas 1000000
Usage: python benchmarks/bench_scan.py --db URL [--scans 300] [--seed 3] [--explain]
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from scan_window import main

if __name__ == "__main__":
    main()
