"""Each command a user runs from the command line, timed as a real process: exec to exit
(`subprocess.run` inside `time.perf_counter`), at 10k, 100k and 1M returns on SQLite (and
PostgreSQL with --databases). Beside them, in the same run and with the same interpreter,
the bare baselines: `python -c pass` (the interpreter alone) and `python -c "import
sqlalchemy.orm"` and `python -c "import models"` (what any command on a database imports
at the least: the ORM, then our 35 mapped tables).

Budget (issue 28): `lookup` and `decide` under 400 ms p95 as processes.

The commands run as an installed app runs: compiled bytecode cached (PYTHONPYCACHEPREFIX
in $TMPDIR, PYTHONDONTWRITEBYTECODE dropped), one warm-up run of each first; rounds go
over every command in turn, so a busy minute on this shared machine slows all alike.
`ledger check` and `audit verify` read the whole database (they grow with it, by design;
at 1M a run takes a minute or two): they run --heavy-runs times, without a warm-up.

Databases are gen_scale.py's, kept in --data ($TMPDIR/returnbench-scale) and shared with
the other scale benchmarks: any <name>-<n>.db there that holds n returns is reused (these
commands only read), else cli-<n>.db is filled (1M takes a few minutes). PostgreSQL: the
databases rb_scan_<n> on --pg, or on a throwaway server (filled each run).

Usage: python benchmarks/bench_cli.py [--sizes 10000,100000,1000000] [--runs 15]
           [--heavy-runs 2] [--databases sqlite[,postgresql]] [--pg URL] [--data DIR]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from gen_scale import generate
from sqlalchemy import create_engine, text
from stats import machine_speed, pct, record

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
BUDGET_MS = 400.0
BUDGETED = ("lookup", "decide")
CASE = ROOT / "tests" / "data" / "case_contract_example.json"
BASELINES: dict[str, list[str]] = {
    "python -c pass": ["-c", "pass"],
    "python -c 'import sqlalchemy.orm'": ["-c", "import sqlalchemy.orm"],
    "python -c 'import models'": ["-c", "import models"],
}


def _returns(url: str) -> int:
    """How many returns the database holds; -1 when there is none."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return int(conn.scalar(text("SELECT count(*) FROM return_authorizations")) or 0)
    except Exception:  # noqa: BLE001 - missing file or database
        return -1
    finally:
        engine.dispose()


def sqlite_database(data: Path, n: int) -> str:
    """Any gen_scale database of n returns kept in `data` (the scan and page benchmarks'
    ones too: these commands only read), else a new cli-<n>.db."""
    for path in sorted(data.glob(f"*-{n}.db")):
        url = f"sqlite:///{path}"
        if _returns(url) >= n:
            return url
    path = data / f"cli-{n}.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    print(f"  filling {path} with {n:,} returns...", flush=True)
    generate(f"sqlite:///{path}", n, seed=1, history=True)
    return f"sqlite:///{path}"


def codes(url: str) -> dict[str, str]:
    """A return in the middle of the table: its RMA, tracking and order numbers."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            row = conn.execute(text(
                "SELECT r.number, r.tracking_number, o.number FROM return_authorizations r "
                "JOIN orders o ON o.id = r.order_id WHERE r.tracking_number IS NOT NULL "
                "ORDER BY r.id LIMIT 1 OFFSET (SELECT count(*) / 2 FROM "
                "return_authorizations)")).one()
    finally:
        engine.dispose()
    return {"rma": row[0], "tracking": row[1], "order": row[2]}


def commands(url: str) -> dict[str, tuple[list[str], bool]]:
    """name -> (main.py's arguments, heavy: reads the whole database)."""
    c = codes(url)
    return {
        "--help": (["--help"], False),
        "lookup RMA": (["lookup", c["rma"], "--db", url], False),
        "lookup tracking": (["lookup", c["tracking"], "--db", url], False),
        "lookup order": (["lookup", c["order"], "--db", url], False),
        "lookup (not found)": (["lookup", "KP-99999999", "--db", url], False),
        "decide CASE.json": (["decide", str(CASE)], False),
        "ledger check": (["ledger", "check", "--db", url], True),
        "audit verify": (["audit", "verify", "--db", url], True),
    }


def child_env(data_dir: str) -> dict[str, str]:
    """As an installed app runs: bytecode compiled once and kept (outside the tree)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env.update(PYTHONPATH=str(ROOT), RETURNBENCH_DATA_DIR=data_dir,
               PYTHONPYCACHEPREFIX=str(Path(tempfile.gettempdir()) / "returnbench-pycache"))
    return env


def timed(argv: list[str], env: dict[str, str]) -> tuple[float, int]:
    """ms from exec to exit; a run that fails is no sample (the ledger check's exit 1 is
    its answer: gen_scale's money is not a shop's; 3 is "not recognised")."""
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, *argv], cwd=ROOT, env=env,
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=3600)
    ms = (time.perf_counter() - t0) * 1000
    ok = (0, 1, 3) if argv[1:3] == ["ledger", "check"] else (0, 3)
    if proc.returncode not in ok:
        raise SystemExit(f"{argv[:3]} exited {proc.returncode}: {proc.stderr[-1000:]!r}")
    return ms, proc.returncode


def measure(url: str, runs: int, heavy_runs: int) -> dict[str, Any]:
    env = child_env(tempfile.mkdtemp(prefix="rb-clibench-"))
    todo: dict[str, tuple[list[str], int, bool]] = {
        name: (argv, runs, False) for name, argv in BASELINES.items()}
    for name, (args, heavy) in commands(url).items():
        todo[name] = (["main.py", *args], heavy_runs if heavy else runs, heavy)
    samples: dict[str, list[float]] = {name: [] for name in todo}
    exits: dict[str, set[int]] = {name: set() for name in todo}
    for argv, _n, heavy in todo.values():  # warm-up: bytecode cached, pages in memory
        if not heavy:  # (not the whole-database reads: minutes at 1M)
            timed(argv, env)
    for round_no in range(max(runs, heavy_runs)):
        for name, (argv, n, _heavy) in todo.items():
            if round_no < n:
                ms, code = timed(argv, env)
                samples[name].append(ms)
                exits[name].add(code)
    return {"samples": samples, "exits": exits}


def table(results: list[tuple[str, int, dict[str, Any]]]) -> str:
    head = (f"  {'database':<11}{'returns':>10}  {'command':<36}{'runs':>5}{'p50 ms':>9}"
            f"{'p95 ms':>9}{'x orm':>7}  exit  budget")
    rows = [head, "  " + "-" * (len(head) - 2)]
    for kind, n, r in results:
        orm_samples = r["samples"]["python -c 'import sqlalchemy.orm'"]
        orm = pct(orm_samples, 50)
        for name, values in r["samples"].items():
            if name not in BASELINES:
                record(f"CLI `main.py {name}` as a process", kind, n, pct(values, 50),
                       pct(values, 95), BUDGET_MS if name.split()[0] in BUDGETED else None,
                       pct(orm_samples, 95), "bare: python -c 'import sqlalchemy.orm'")
            budget = ""
            if name.split()[0] in BUDGETED:
                budget = f"{'met' if pct(values, 95) < BUDGET_MS else 'MISSED'} " \
                         f"(< {BUDGET_MS:.0f})"
            rows.append(
                f"  {kind:<11}{n:>10,}  {name:<36}{len(values):>5}{pct(values, 50):>9.0f}"
                f"{pct(values, 95):>9.0f}{pct(values, 50) / max(orm, 1e-6):>7.2f}"
                f"  {','.join(map(str, sorted(r['exits'][name]))):<4}  {budget}")
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--databases", default="sqlite")
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--heavy-runs", type=int, default=2)
    parser.add_argument("--data", type=Path,
                        default=Path(tempfile.gettempdir()) / "returnbench-scale")
    parser.add_argument("--pg", help="a PostgreSQL server URL (else a throwaway server)")
    args = parser.parse_args()
    args.data.mkdir(parents=True, exist_ok=True)
    print(f"CLI commands as processes (exec to exit), {args.runs} runs each "
          f"({args.heavy_runs} for whole-database checks); load {os.getloadavg()[0]:.2f}, "
          f"machine speed {machine_speed():.0f} ms (a fixed Python loop: about 400 fast, "
          "750 slow)", flush=True)
    results: list[tuple[str, int, dict[str, Any]]] = []
    pg: Any = None
    try:
        for kind in args.databases.split(","):
            if kind == "postgresql":
                from bench_scan_window import Postgres

                try:
                    pg = Postgres(args.pg)
                except Exception as exc:  # noqa: BLE001 - no server here: say so, go on
                    print(f"  PostgreSQL skipped: {exc}")
                    continue
            for n in (int(s) for s in args.sizes.split(",")):
                url = pg.database(n, 0) if kind == "postgresql" else \
                    sqlite_database(args.data, n)
                t0 = time.perf_counter()
                results.append((kind, n, measure(url, args.runs, args.heavy_runs)))
                print(f"  {kind} {n:,}: measured ({time.perf_counter() - t0:.0f} s)",
                      flush=True)
    finally:
        if pg is not None:
            pg.close()
    print()
    print(table(results))
    print(f"  (x orm: p50 over the p50 of `python -c 'import sqlalchemy.orm'`; load after "
          f"{os.getloadavg()[0]:.2f}, machine speed {machine_speed():.0f} ms)")


if __name__ == "__main__":
    main()
