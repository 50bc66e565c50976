"""`make bench`: every benchmark of the user's paths, one after the other (each as its own
process, as a user's command would be), then one table of what they measured: the path,
the database and its size, p50/p95, the bare baseline's p95 from the same run and the
ratio, the budget and whether it was met. The table is printed and written to
benchmarks/RESULTS.md with the machine it came from (the README quotes it).

The scale databases (10k/100k/1M returns) are filled once by gen_scale.py and kept in
$TMPDIR/returnbench-scale; PostgreSQL ones on a server whose files are kept there too.

Usage: python benchmarks/run_all.py [--quick] [--only NAME ...]
  --quick: 10k and 100k returns only (the 1M databases take 4-10 minutes to fill, once)
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))

from stats import RESULTS_ENV, machine_speed  # noqa: E402

SCALE = Path(tempfile.gettempdir()) / "returnbench-scale"


def benchmarks(sizes: str) -> list[tuple[str, list[str]]]:
    """(name, argv) of each benchmark, in the order they run."""
    big = sizes.split(",")[-1]
    one_m = f"sqlite:///{SCALE / f'scan-{big}.db'}"
    return [
        ("startup", ["benchmarks/bench_startup.py"]),
        ("cli", ["benchmarks/bench_cli.py", "--sizes", sizes]),
        ("demo-data", ["benchmarks/bench_demo_data.py"]),
        ("scan", ["benchmarks/bench_scan_window.py", "--sizes", sizes]),
        ("pages", ["benchmarks/bench_pages.py", "--sizes", sizes]),
        ("grade-key", ["benchmarks/bench_grade_key.py"]),
        ("grade-key-pg", ["benchmarks/bench_grade_key.py", "--database", "postgresql"]),
        ("queues", ["benchmarks/bench_queues.py", "--db", one_m]),
        ("decide", ["benchmarks/bench_decide.py"]),
        ("labels", ["benchmarks/bench_labels.py"]),
        ("camera", ["benchmarks/bench_camera.py"]),
    ]


def table(rows: list[dict[str, Any]]) -> str:
    out = ["| path | database | returns | p50 ms | p95 ms | bare p95 ms | x bare | budget ms "
           "| met |", "|---|---|---:|---:|---:|---:|---:|---:|---|"]
    for r in rows:
        p95, bare, budget = float(r["p95"]), r.get("bare_p95"), r.get("budget_ms")
        cells = [r["path"] + (f" ({r['note']})" if r.get("note") else ""), r["database"],
                 f"{int(r['returns']):,}" if r.get("returns") else "",
                 f"{float(r['p50']):.1f}", f"{p95:.1f}",
                 f"{float(bare):.2f}" if bare else "",
                 f"{p95 / max(float(bare), 1e-6):.0f}" if bare else "",
                 f"{float(budget):.0f}" if budget is not None else "",
                 "" if budget is None else ("met" if p95 < float(budget) else "**MISSED**")]
        out.append("| " + " | ".join(cells) + " |")
    return "\n".join(out)


def machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in
                Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor() or "unknown CPU")
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT,
                            capture_output=True, text=True).stdout.strip()
    return (f"{dt.datetime.now().astimezone():%Y-%m-%d %H:%M %Z}, commit {commit}: "
            f"{os.cpu_count()} cores ({cpu}), {platform.system()} {platform.release()}, "
            f"Python {platform.python_version()}, load {os.getloadavg()[0]:.2f}, "
            f"machine speed {machine_speed():.0f} ms (a fixed Python loop; ~400 fast, "
            f"~750 slow)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="10k and 100k returns only")
    parser.add_argument("--only", nargs="*", help="run only these benchmarks (by name)")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "RESULTS.md")
    args = parser.parse_args()
    sizes = "10000,100000" if args.quick else "10000,100000,1000000"
    where = machine()
    results = Path(tempfile.mkdtemp(prefix="rb-bench-")) / "results.jsonl"
    env = {**os.environ, RESULTS_ENV: str(results), "PYTHONPATH": str(ROOT)}
    failed = []
    for name, argv in benchmarks(sizes):
        if args.only and name not in args.only:
            continue
        print(f"\n=== {name}: {' '.join(argv)}", flush=True)
        t0 = time.perf_counter()
        code = subprocess.run([sys.executable, *argv], cwd=ROOT, env=env).returncode
        print(f"=== {name}: {time.perf_counter() - t0:.0f} s, exit {code}", flush=True)
        if code:
            failed.append(f"{name} (exit {code})")
    rows = [json.loads(line) for line in results.read_text().splitlines()] \
        if results.exists() else []
    text = (f"# Latest `make bench`\n\n{where}\n\n{table(rows)}\n"
            + (f"\nBenchmarks that failed: {', '.join(failed)}\n" if failed else ""))
    print("\n" + text)
    if not args.only:
        args.out.write_text(text, encoding="utf-8")
        print(f"written to {args.out.relative_to(ROOT)}")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
