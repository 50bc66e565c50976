"""Append-only, hash-chained audit log: each entry hashes its content and the previous hash.

`verify` walks the chain and names the first entry that was edited, deleted, reordered,
or where the log was cut short (the app records the last sequence number in app_meta).

Business rows are covered too: every decision, approval and user written through the app
gets a "row.sealed" entry holding the hash of its content, so a row edited in the
database (`decisions.refund` x10, a rewritten approval) no longer matches its seal. And
the chain is anchored outside the database: each export batch and each authorization log
carries the head at that moment, and `verify` checks the chain against any head given
(`--expect-head`, `--anchors DIR`): rewriting or cutting the chain cannot match a head
someone else holds.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import event, select
from sqlalchemy.orm import Session

from models import AppMeta, Approval, AuditEvent, Decision, User

GENESIS = "0" * 64
LAST_SEQ_KEY = "audit_last_seq"
LAST_HASH_KEY = "audit_last_hash"


def _entry_hash(
    prev_hash: str,
    seq: int,
    at: dt.datetime,
    actor: str | None,
    station: str | None,
    action: str,
    entity: str | None,
    entity_id: str | None,
    payload: dict[str, Any],
) -> str:
    body = json.dumps(
        {
            "prev": prev_hash,
            "seq": seq,
            "at": at.astimezone(dt.UTC).isoformat(timespec="microseconds"),
            "actor": actor,
            "station": station,
            "action": action,
            "entity": entity,
            "entity_id": entity_id,
            "payload": payload,
        },
        sort_keys=True,
        separators=(",", ":"),
        default=str,
    )
    return hashlib.sha256(body.encode()).hexdigest()


_PENDING = "audit_pending"
_SEALS = "audit_seals"
_installed = False

# The content of each business row that its seal covers (not its bookkeeping flags:
# superseded, claim_open, failed tries and locks change without changing what was decided).
SEALED: dict[type, tuple[str, ...]] = {
    Decision: ("return_item_id", "resolution", "refund", "restocking_fee", "credit",
               "disposition", "approval_level", "decided_at", "decided_by_id",
               "policy_sha256"),
    Approval: ("rma_id", "return_item_id", "kind", "level", "amount", "reason", "status",
               "requested_by_id", "requested_at", "answered_by_id", "answered_at", "note",
               "requested_outcome"),
    User: ("username", "display_name", "role", "pin_hash", "active"),
}
SEAL_FROM_KEY = "audit_seal_from_{table}"  # app_meta: rows up to this id predate seals


def _plain(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat(timespec="microseconds")
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if hasattr(value, "value"):
        return value.value
    return value


def row_digest(row: Any) -> str:
    """The hash of a business row's sealed content."""
    columns = SEALED[type(row)]
    body = json.dumps({c: _plain(getattr(row, c)) for c in columns}, sort_keys=True,
                      default=str, separators=(",", ":"))
    return hashlib.sha256(body.encode()).hexdigest()


def install() -> None:
    """Hook the chain's writer and the row seals into commits (once; the unit of work
    calls it). Importing this module changes nothing."""
    global _installed
    if not _installed:
        event.listen(Session, "before_commit", _write_pending)
        event.listen(Session, "after_soft_rollback", _drop_pending)
        event.listen(Session, "after_flush", _collect_seals)
        _installed = True


def _collect_seals(session: Session, _context: object) -> None:
    """Remember the business rows this flush wrote; they are sealed at commit."""
    seals = session.info.setdefault(_SEALS, {})
    for row in list(session.new) + list(session.dirty):
        if type(row) in SEALED and (row in session.new or session.is_modified(row)):
            seals[(type(row), id(row))] = row


def append(
    session: Session,
    *,
    at: dt.datetime,
    action: str,
    actor: str | None = None,
    station: str | None = None,
    entity: str | None = None,
    entity_id: str | int | None = None,
    payload: dict[str, Any] | None = None,
) -> None:
    """Add one event to the caller's transaction. It is chained and written just before
    the transaction commits (see `_write_pending`), and vanishes with a rollback."""
    install()
    session.info.setdefault(_PENDING, []).append({
        "at": at.astimezone(dt.UTC), "action": action, "actor": actor, "station": station,
        "entity": entity, "entity_id": None if entity_id is None else str(entity_id),
        "payload": json.loads(json.dumps(payload or {}, default=str)),
    })


def _write_pending(session: Session) -> None:
    """Chain the transaction's events onto the log. The head row is locked here, at the
    last moment, so benches committing at once queue on it only for the length of a
    commit, not of their whole transaction; two benches never extend the chain from the
    same entry."""
    if session.new or session.dirty or session.deleted:
        session.flush()  # ids for new rows; seals for what this transaction wrote
    pending = session.info.pop(_PENDING, None) or []
    sealed = session.info.pop(_SEALS, None) or {}
    now = dt.datetime.now(dt.UTC)
    # A seal names who wrote the row: the transaction's own actor, when it has one.
    actor = next((ev["actor"] for ev in pending if ev["actor"]), None)
    station = next((ev["station"] for ev in pending if ev["station"]), None)
    for row in sealed.values():
        if row.id is None:
            continue
        pending.append({"at": pending[-1]["at"] if pending else now, "action": "row.sealed",
                        "actor": actor, "station": station,
                        "entity": type(row).__tablename__,
                        "entity_id": str(row.id), "payload": {"sha256": row_digest(row)}})
    if not pending:
        return
    # Both head rows in one locked read.
    rows = {m.key: m for m in session.execute(
        select(AppMeta).where(AppMeta.key.in_((LAST_SEQ_KEY, LAST_HASH_KEY)))
        .with_for_update()).scalars()}
    head, last_hash = rows.get(LAST_SEQ_KEY), rows.get(LAST_HASH_KEY)
    seq = int(head.value) if head else 0
    prev = last_hash.value if last_hash else GENESIS
    for ev in pending:
        seq += 1
        digest = _entry_hash(prev, seq, ev["at"], ev["actor"], ev["station"], ev["action"],
                             ev["entity"], ev["entity_id"], ev["payload"])
        session.add(AuditEvent(seq=seq, prev_hash=prev, hash=digest, **ev))
        prev = digest
    if head is None:
        session.add(AppMeta(key=LAST_SEQ_KEY, value=str(seq)))
    else:
        head.value = str(seq)
    if last_hash is None:
        session.add(AppMeta(key=LAST_HASH_KEY, value=prev))
    else:
        last_hash.value = prev
    session.flush()


def _drop_pending(session: Session, _previous_transaction: object) -> None:
    session.info.pop(_PENDING, None)
    session.info.pop(_SEALS, None)


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    entries: int
    message: str
    first_bad_seq: int | None = None


def verify(session: Session, expect: Iterable[tuple[str, int, str]] = ()) -> VerifyResult:
    """The chain, then every business row against its seal, then the chain against each
    head recorded elsewhere (`expect`: where it came from, sequence number, hash)."""
    events = session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
    prev = GENESIS
    expected_seq = 1
    seals: dict[tuple[str, str], str] = {}
    for ev in events:
        if ev.seq != expected_seq:
            return VerifyResult(
                False, len(events), f"entry {expected_seq} is missing or out of order "
                f"(found entry {ev.seq} in its place)", expected_seq
            )
        if ev.prev_hash != prev:
            return VerifyResult(
                False, len(events), f"entry {ev.seq} does not follow the entry before it", ev.seq
            )
        digest = _entry_hash(
            ev.prev_hash, ev.seq, ev.at, ev.actor, ev.station, ev.action,
            ev.entity, ev.entity_id, ev.payload,
        )
        if digest != ev.hash:
            return VerifyResult(False, len(events), f"entry {ev.seq} was changed", ev.seq)
        if ev.action == "row.sealed" and ev.entity and ev.entity_id:
            seals[(ev.entity, ev.entity_id)] = str(ev.payload.get("sha256"))
        prev = ev.hash
        expected_seq += 1
    for source, seq, digest in expect:
        if seq > len(events):
            return VerifyResult(False, len(events), f"the log was cut short: {source} holds "
                                f"entry {seq}, the log ends at {len(events)}", len(events) + 1)
        if seq >= 1 and events[seq - 1].hash != digest:
            return VerifyResult(False, len(events), f"entry {seq} is not the one {source} "
                                "holds: the log was rewritten", seq)
    head = session.get(AppMeta, LAST_SEQ_KEY)
    recorded = int(head.value) if head else 0
    if recorded != len(events):
        return VerifyResult(
            False, len(events),
            f"the log was cut short: {recorded} entries recorded, {len(events)} present",
            len(events) + 1,
        )
    problem = _check_rows(session, seals)
    if problem:
        return VerifyResult(False, len(events), problem)
    return VerifyResult(True, len(events), f"audit log intact: {len(events)} entries, every "
                        "decision, approval and user matching its seal")


def _check_rows(session: Session, seals: dict[tuple[str, str], str]) -> str | None:
    for model in SEALED:
        table = model.__tablename__  # type: ignore[attr-defined]
        meta = session.get(AppMeta, SEAL_FROM_KEY.format(table=table))
        before = int(meta.value) if meta else 0  # rows that predate seals
        present: set[str] = set()
        rows: list[Any] = list(session.scalars(select(model).order_by(
            model.id)))  # type: ignore[attr-defined]
        for row in rows:
            key = (table, str(row.id))
            present.add(key[1])
            sealed = seals.get(key)
            if sealed is None:
                if row.id > before:
                    return f"{table} #{row.id} has no seal: it was written outside the app"
                continue
            if sealed != row_digest(row):
                return f"{table} #{row.id} was changed outside the app (it no longer " \
                       "matches its seal)"
        gone = sorted((int(i) for t, i in seals if t == table and i not in present))
        if gone:
            return f"{table} #{gone[0]} was deleted outside the app"
    return None


def head(session: Session) -> tuple[int, str]:
    """The chain's last sequence number and hash (printed on documents to match them)."""
    seq = session.get(AppMeta, LAST_SEQ_KEY)
    last = session.get(AppMeta, LAST_HASH_KEY)
    return (int(seq.value) if seq else 0, last.value if last else GENESIS)


def entries_for(session: Session, entity: str, entity_id: str | int) -> list[AuditEvent]:
    return list(session.scalars(select(AuditEvent).where(
        AuditEvent.entity == entity, AuditEvent.entity_id == str(entity_id))
        .order_by(AuditEvent.seq)))
