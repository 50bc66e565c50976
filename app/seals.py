"""Row seals: the hash of each money row's content, chained into the audit log in the
same transaction as the row, so a row changed in the database by hand (a refund x10, a
price rewritten, an exported decision deleted) no longer matches what the app recorded.

What the app recorded for a row is its FIRST seal, written with the row. A later seal
with other content counts only where a service changed the row on the record: an audited
action on that row (an approval's answer, a user's new role) in the same transaction as
the seal (each seal names the first entry of its transaction, `tx`); an order line only
through an audited correction of the shop's order ("order_line.*"). Decisions,
settlements and exported decisions never change what they seal once written, so their
first seal is final however many seals are appended after it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import InstrumentedAttribute, Session

from models import AppMeta, Approval, Decision, ExportedDecision, OrderLine, Settlement, User

SEAL_ACTION = "row.sealed"
SEAL_FROM_KEY = "audit_seal_from_{table}"  # app_meta: rows up to this value predate seals
GROUP = 500  # rows per seal entry when one transaction writes many (an import)
_ROWS = "audit_seal_rows"  # session.info: ORM rows this transaction wrote
_VALUES = "audit_seal_values"  # session.info: rows bulk-inserted, digested at once


@dataclass(frozen=True)
class Sealed:
    """What a table's seal covers, and who may change it after it is written."""

    columns: tuple[str, ...]
    key: str = "id"
    changed_by: str | None = None  # the audit entity of the actions that may change it
    names: tuple[str, ...] = ()  # other columns those actions name the row by
    since: str = "id"  # the column compared with the table's cutover (SEAL_FROM_KEY)


def _present(model: type, columns: tuple[str, ...]) -> tuple[str, ...]:
    table = model.__table__  # type: ignore[attr-defined]
    return tuple(c for c in columns if c in table.c)


# The content each seal covers: what money is computed from and what was paid, not the
# bookkeeping that changes without changing it (superseded, claim_open, approval_id,
# reversed_by_id, failed tries, locks).
SEALED: dict[type, Sealed] = {
    Decision: Sealed(("return_item_id", "resolution", "refund", "restocking_fee", "credit",
                      "disposition", "approval_level", "decided_at", "decided_by_id",
                      "policy_sha256")),
    Approval: Sealed(("rma_id", "return_item_id", "kind", "level", "amount", "reason",
                      "status", "requested_by_id", "requested_at", "answered_by_id",
                      "answered_at", "note", "requested_outcome"), changed_by="approval"),
    User: Sealed(("username", "display_name", "role", "pin_hash", "active"),
                 changed_by="user", names=("username",)),
    # Every refund is computed from the line's price, discount and tax.
    OrderLine: Sealed(_present(OrderLine, (
        "order_id", "line_no", "product_id", "sku", "quantity", "unit_price_paid", "msrp",
        "unit_tax", "price_total", "tax_total", "clearance")), changed_by="order_line"),
    Settlement: Sealed(("batch_id", "decision_id", "kind", "unit_key", "revision",
                        "idempotency_key")),
    ExportedDecision: Sealed(("decision_id", "batch_id"), key="decision_id",
                             since="batch_id"),
}
_CHANGERS = {spec.changed_by for spec in SEALED.values() if spec.changed_by}


def _plain(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat(timespec="microseconds")
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if hasattr(value, "value"):
        return value.value
    return value


def digest(model: type, values: Mapping[Any, Any]) -> str:
    """The hash of a row's sealed content (`values`: at least its sealed columns)."""
    body = json.dumps({c: _plain(values[c]) for c in SEALED[model].columns},
                      sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(body.encode()).hexdigest()


def row_digest(row: Any) -> str:
    """The hash of an ORM row's sealed content."""
    return digest(type(row), {c: getattr(row, c) for c in SEALED[type(row)].columns})


def stored_columns(model: type) -> list[InstrumentedAttribute[Any]]:
    """The key and sealed columns, for a bulk insert's RETURNING (see `seal_rows`)."""
    spec = SEALED[model]
    names = dict.fromkeys((spec.key, *spec.columns, spec.since))
    return [getattr(model, n) for n in names]


# --- writing ---------------------------------------------------------------------------
def collect(session: Session, _context: object) -> None:
    """After each flush: remember the business rows it wrote; sealed at commit."""
    rows = session.info.setdefault(_ROWS, {})
    new = session.new  # a new set at each read: read once, not once per row
    for row in list(new) + list(session.dirty):
        if type(row) in SEALED and (row in new or session.is_modified(row)):
            rows[(type(row), id(row))] = row


def seal_rows(session: Session, model: type, rows: Iterable[Mapping[Any, Any]]) -> None:
    """Seal rows a bulk insert wrote (no ORM objects): each a mapping of at least
    `stored_columns(model)`, as RETURNING gives them. Chained at commit."""
    key = SEALED[model].key
    session.info.setdefault(_VALUES, []).extend(
        (model, str(r[key]), digest(model, r)) for r in rows)


def pending(session: Session) -> list[tuple[type, str, str]]:
    """(model, key, digest) of every row this transaction wrote; forgets them."""
    rows = session.info.pop(_ROWS, None) or {}
    out: list[tuple[type, str, str]] = session.info.pop(_VALUES, None) or []
    for row in rows.values():
        key = getattr(row, SEALED[type(row)].key)
        if key is not None:
            out.append((type(row), str(key), row_digest(row)))
    return out


def drop(session: Session) -> None:
    session.info.pop(_ROWS, None)
    session.info.pop(_VALUES, None)


def entries(sealed: list[tuple[type, str, str]], tx: int) -> list[dict[str, Any]]:
    """The seal entries of one transaction whose first entry is `tx`: one per row, or
    per GROUP rows of a table when it wrote many."""
    by_table: dict[str, dict[str, str]] = {}
    for model, key, value in sealed:
        by_table.setdefault(model.__tablename__, {})[key] = value  # type: ignore[attr-defined]
    out: list[dict[str, Any]] = []
    for table, rows in by_table.items():
        if len(rows) == 1:
            [(key, value)] = rows.items()
            out.append({"entity": table, "entity_id": key,
                        "payload": {"sha256": value, "tx": tx}})
            continue
        items = list(rows.items())
        for i in range(0, len(items), GROUP):
            out.append({"entity": table, "entity_id": None,
                        "payload": {"rows": dict(items[i:i + GROUP]), "tx": tx}})
    return out


# --- checking --------------------------------------------------------------------------
@dataclass
class SealIndex:
    """The seals and the row-changing actions of a chain, read entry by entry."""

    seals: dict[str, dict[str, list[tuple[int, str, int | None]]]] = field(
        default_factory=dict)  # table -> key -> [(seq, digest, tx)]
    actions: dict[tuple[str, str], list[int]] = field(default_factory=dict)
    first_tx: int | None = None  # the first seal that names its transaction

    def add(self, seq: int, action: str, entity: str | None, entity_id: str | None,
            payload: Mapping[str, Any]) -> None:
        if action == SEAL_ACTION and entity:
            tx = payload.get("tx")
            tx = tx if isinstance(tx, int) else None
            if tx is not None and self.first_tx is None:
                self.first_tx = seq
            rows = payload.get("rows")
            items = list(rows.items()) if isinstance(rows, dict) else \
                [(entity_id, payload.get("sha256"))] if entity_id else []
            table = self.seals.setdefault(entity, {})
            for key, value in items:
                table.setdefault(str(key), []).append((seq, str(value), tx))
        elif entity in _CHANGERS and entity_id is not None:
            self.actions.setdefault((entity, entity_id), []).append(seq)

    def check(self, session: Session) -> list[str]:
        """Every sealed row against what the app recorded for it; rows with no seal
        written after seals began, and sealed rows that are gone."""
        problems: list[str] = []
        for model, spec in SEALED.items():
            table = model.__tablename__  # type: ignore[attr-defined]
            meta = session.get(AppMeta, SEAL_FROM_KEY.format(table=table))
            before = int(meta.value) if meta else 0
            sealed = self.seals.get(table, {})
            present: set[str] = set()
            rows = session.execute(select(*stored_columns(model))
                                   .order_by(getattr(model, spec.key))).mappings()
            for row in rows:
                key = str(row[spec.key])
                present.add(key)
                seals = sealed.get(key)
                if not seals:
                    if (row[spec.since] or 0) > before:
                        problems.append(f"{_label(table, spec, key)} has no seal: it was "
                                        "written outside the app")
                    continue
                problem = self._judge(model, spec, _label(table, spec, key), row, seals)
                if problem:
                    problems.append(problem)
            for key in sorted((k for k in sealed if k not in present), key=_number):
                problems.append(f"{_label(table, spec, key)} was deleted outside the app")
        return problems

    def _judge(self, model: type, spec: Sealed, label: str, row: Mapping[Any, Any],
               seals: list[tuple[int, str, int | None]]) -> str | None:
        accepted_seq, accepted, _tx = seals[0]
        forged: list[int] = []
        for seq, value, tx in seals[1:]:
            if value == accepted:
                continue
            if self._tied(spec, row, seq, tx, accepted_seq):
                accepted_seq, accepted = seq, value
            else:
                forged.append(seq)
        appended = f"entry {forged[0]} seals other content for it with no action of " \
            "the app behind it (appended by hand)" if forged else ""
        if digest(model, row) != accepted:
            return (f"{label} was changed outside the app: it no longer matches what the "
                    f"app recorded for it (entry {accepted_seq})"
                    + (f"; {appended}" if appended else ""))
        return f"{label}: {appended}" if appended else None

    def _tied(self, spec: Sealed, row: Mapping[Any, Any], seq: int, tx: int | None,
              accepted_seq: int) -> bool:
        """A later seal written by a service that changed the row on the record: an
        action on the row in the seal's own transaction (before seals named their
        transaction: since the seal it replaces)."""
        if spec.changed_by is None:
            return False
        if tx is None:
            if self.first_tx is not None and seq > self.first_tx:
                return False  # the old form, after the new one began: not the app's
            low = accepted_seq
        elif accepted_seq < tx <= seq:
            low = tx
        else:
            return False
        names = {str(row[spec.key]), *(str(row[n]) for n in spec.names)}
        return any(low <= at < seq for name in names
                   for at in self.actions.get((spec.changed_by, name), ()))


def _label(table: str, spec: Sealed, key: str) -> str:
    if spec.key == "id":
        return f"{table} #{key}"
    return f"{table} row of {spec.key.removesuffix('_id')} #{key}"


def _number(key: str) -> tuple[int, str]:
    return (int(key), key) if key.isdigit() else (0, key)
