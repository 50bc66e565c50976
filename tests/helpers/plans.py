"""Which tables a statement reads whole, from the database's own plan: EXPLAIN QUERY PLAN
on SQLite, EXPLAIN (FORMAT JSON) on PostgreSQL. A read of a table that grows with the
returns (any table but staff, stations, the catalogue and settings) counts when it is a
plain scan, or a walk of a whole index, unless it is a partial index of a few rows (the
drafts, the waiting QA samples; not the live decisions, which are nearly all of them).

Used by the scan-path plan test and by benchmarks/scan_window.py."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, Engine, event

from models import Base

# What does not grow with the returns: people, places, the catalogue, settings.
SMALL = frozenset({"app_meta", "policy_versions", "stations", "styles", "products", "users",
                   "locations", "alembic_version"})


def growing_tables() -> frozenset[str]:
    return frozenset(t.name for t in Base.metadata.sorted_tables) - SMALL


# Partial indexes that hold nearly every row (the live decisions, the units bought that
# were returned, the live settlements): a walk of one is a walk of the table.
LARGE_PARTIAL = frozenset({"uq_decisions_live_return_item_id", "uq_return_items_unit_bought",
                           "uq_settlements_live_unit_key"})


def partial_indexes() -> frozenset[str]:
    """The partial indexes that hold a few rows only (the drafts, the waiting QA
    samples): walking one reads no table that grows."""
    return frozenset(
        str(i.name) for t in Base.metadata.sorted_tables for i in t.indexes
        if any(k.endswith("_where") and v is not None for k, v in i.dialect_kwargs.items())
    ) - LARGE_PARTIAL


def plan(conn: Connection, statement: str, params: Any, force_index: bool = False
         ) -> tuple[list[str], list[str]]:
    """(the plan's lines, the growing tables it reads whole) for one statement as the
    driver ran it. `force_index` (PostgreSQL): seq scans priced out, so a tiny test table
    still shows whether an index could serve the statement (a Seq Scan left means none
    can)."""
    if isinstance(params, list):  # executemany: one set of values shows the plan
        params = params[0]
    if conn.dialect.name == "postgresql":
        return _pg(conn, statement, params, force_index)
    rows = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, params).all()
    lines = [str(r[-1]) for r in rows]
    growing, partial = growing_tables(), partial_indexes()
    full = []
    for line in lines:
        m = re.match(r"\s*SCAN (\w+)(?: USING (?:COVERING )?INDEX (\w+))?", line)
        if m is None:
            continue
        table = _table(m.group(1), growing)
        if table is not None and m.group(2) not in partial:
            full.append(table)
    return lines, full


def _pg(conn: Connection, statement: str, params: Any, force_index: bool
        ) -> tuple[list[str], list[str]]:
    if force_index:
        conn.exec_driver_sql("SET LOCAL enable_seqscan = off")
    try:
        raw = conn.exec_driver_sql("EXPLAIN (FORMAT JSON) " + statement, params).scalar()
    finally:
        if force_index:
            conn.exec_driver_sql("SET LOCAL enable_seqscan = on")
    tree: Any = json.loads(raw) if isinstance(raw, str) else raw
    growing, partial = growing_tables(), partial_indexes()
    lines, full = [], []
    for depth, node in _walk(tree[0]["Plan"], 0):
        kind, table = node.get("Node Type", ""), node.get("Relation Name")
        index, cond = node.get("Index Name"), node.get("Index Cond")
        lines.append("  " * depth + " ".join(
            str(x) for x in (kind, f"on {table}" if table else "",
                             f"using {index}" if index else "",
                             f"({cond})" if cond else "") if x))
        whole = kind == "Seq Scan" or (kind in ("Index Scan", "Index Only Scan")
                                       and cond is None and index not in partial)
        if whole and table in growing:
            full.append(str(table))
    return lines, full


def _walk(node: dict[str, Any], depth: int) -> Iterator[tuple[int, dict[str, Any]]]:
    yield depth, node
    for child in node.get("Plans", []):
        yield from _walk(child, depth + 1)


def _table(name: str, growing: frozenset[str]) -> str | None:
    """A plan's table or its alias (SQLAlchemy's `orders_1`) as a growing table."""
    if name in growing:
        return name
    base = re.sub(r"_\d+$", "", name)
    return base if base in growing else None


@contextmanager
def reads_of(engine: Engine) -> Iterator[list[tuple[str, Any]]]:
    """The reads (SELECT, UPDATE, DELETE) the engine runs inside the block, with their
    parameters, in order: the list fills as they run."""
    seen: list[tuple[str, Any]] = []

    def _record(_conn: Any, _cursor: Any, statement: str, params: Any, _ctx: Any,
                _many: bool) -> None:
        if statement.lstrip().split(" ", 1)[0].upper() in ("SELECT", "UPDATE", "DELETE"):
            seen.append((statement, params))

    event.listen(engine, "before_cursor_execute", _record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", _record)


def whole_reads(conn: Connection, reads: list[tuple[str, Any]]
                ) -> list[tuple[list[str], str, list[str]]]:
    """(the growing tables read whole, the statement, its plan) for each read that reads
    one whole (PostgreSQL with seq scans priced out)."""
    out = []
    for sql, params in reads:
        lines, full = plan(conn, sql, params, force_index=True)
        if full:
            out.append((full, " ".join(sql.split())[:200], lines))
    return out
