"""Append-only, hash-chained audit log: each entry hashes its content and the previous hash.

`verify` walks the chain and names the first entry that was edited, deleted, reordered,
or where the log was cut short (the app records the last sequence number in app_meta).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import event, select
from sqlalchemy.orm import Session

from models import AppMeta, AuditEvent

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
_installed = False


def _install() -> None:
    """Hook the chain's writer into commits, on the first event ever appended (not at
    import: importing this module changes nothing)."""
    global _installed
    if not _installed:
        event.listen(Session, "before_commit", _write_pending)
        event.listen(Session, "after_soft_rollback", _drop_pending)
        _installed = True


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
    _install()
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
    pending = session.info.pop(_PENDING, None)
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


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    entries: int
    message: str
    first_bad_seq: int | None = None


def verify(session: Session) -> VerifyResult:
    events = session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
    prev = GENESIS
    expected_seq = 1
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
        prev = ev.hash
        expected_seq += 1
    head = session.get(AppMeta, LAST_SEQ_KEY)
    recorded = int(head.value) if head else 0
    if recorded != len(events):
        return VerifyResult(
            False, len(events),
            f"the log was cut short: {recorded} entries recorded, {len(events)} present",
            len(events) + 1,
        )
    return VerifyResult(True, len(events), f"audit log intact: {len(events)} entries")


def head(session: Session) -> tuple[int, str]:
    """The chain's last sequence number and hash (printed on documents to match them)."""
    seq = session.get(AppMeta, LAST_SEQ_KEY)
    last = session.get(AppMeta, LAST_HASH_KEY)
    return (int(seq.value) if seq else 0, last.value if last else GENESIS)


def entries_for(session: Session, entity: str, entity_id: str | int) -> list[AuditEvent]:
    return list(session.scalars(select(AuditEvent).where(
        AuditEvent.entity == entity, AuditEvent.entity_id == str(entity_id))
        .order_by(AuditEvent.seq)))
