"""Append-only, hash-chained audit log: each entry hashes its content and the previous hash.

`verify` walks the chain and names the first entry that was edited, deleted, reordered,
or where the log was cut short (the app records the last sequence number in app_meta).

Business rows are covered too (app/seals.py): every decision, approval, user, order line,
settlement and exported decision written through the app gets a "row.sealed" entry in
the same transaction holding the hash of its content, so a row edited in the database
(`decisions.refund` x10, a line's price, a rewritten approval) no longer matches what the
app recorded for it, however many seals are appended after; a deleted one is missing.
And the chain is anchored outside the database: each export batch and each authorization
log carries the head at that moment, and `verify` checks the chain against any head given
(`--expect-head`, `--anchors DIR`): rewriting or cutting the chain cannot match a head
someone else holds.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import event, select
from sqlalchemy.orm import Session

from app import seals
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
SHOWN = 5  # row problems named in verify's one-line message


def install() -> None:
    """Hook the chain's writer and the row seals into commits (once; the unit of work
    calls it). Importing this module changes nothing."""
    global _installed
    if not _installed:
        event.listen(Session, "before_commit", _write_pending)
        event.listen(Session, "after_soft_rollback", _drop_pending)
        event.listen(Session, "after_flush", seals.collect)
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
    sealed = seals.pending(session)
    if not pending and not sealed:
        return
    # Both head rows in one locked read.
    rows = {m.key: m for m in session.execute(
        select(AppMeta).where(AppMeta.key.in_((LAST_SEQ_KEY, LAST_HASH_KEY)))
        .with_for_update()).scalars()}
    head, last_hash = rows.get(LAST_SEQ_KEY), rows.get(LAST_HASH_KEY)
    seq = int(head.value) if head else 0
    prev = last_hash.value if last_hash else GENESIS
    # A seal names who wrote the row (the transaction's own actor, when it has one) and
    # the transaction's first entry, where the action that changed the row is.
    at = pending[-1]["at"] if pending else dt.datetime.now(dt.UTC)
    actor = next((ev["actor"] for ev in pending if ev["actor"]), None)
    station = next((ev["station"] for ev in pending if ev["station"]), None)
    pending += [{"at": at, "action": seals.SEAL_ACTION, "actor": actor, "station": station,
                 **entry} for entry in seals.entries(sealed, tx=seq + 1)]
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
    seals.drop(session)


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    entries: int
    message: str
    first_bad_seq: int | None = None
    rows: tuple[str, ...] = ()  # every business row that differs from what was recorded


def verify(session: Session, expect: Iterable[tuple[str, int, str]] = ()) -> VerifyResult:
    """The chain, then every business row against its seal, then the chain against each
    head recorded elsewhere (`expect`: where it came from, sequence number, hash)."""
    events = session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
    prev = GENESIS
    expected_seq = 1
    index = seals.SealIndex()
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
        index.add(ev.seq, ev.action, ev.entity, ev.entity_id, ev.payload or {})
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
    problems = index.check(session)
    if problems:
        more = len(problems) - SHOWN
        return VerifyResult(False, len(events), "; ".join(problems[:SHOWN])
                            + (f"; and {more} more" if more > 0 else ""),
                            rows=tuple(problems))
    return VerifyResult(True, len(events), f"audit log intact: {len(events)} entries, every "
                        "decision, approval, user, order line, settlement and exported "
                        "decision matching what the app recorded")


def head(session: Session) -> tuple[int, str]:
    """The chain's last sequence number and hash (printed on documents to match them)."""
    seq = session.get(AppMeta, LAST_SEQ_KEY)
    last = session.get(AppMeta, LAST_HASH_KEY)
    return (int(seq.value) if seq else 0, last.value if last else GENESIS)


def entries_for(session: Session, entity: str, entity_id: str | int) -> list[AuditEvent]:
    return list(session.scalars(select(AuditEvent).where(
        AuditEvent.entity == entity, AuditEvent.entity_id == str(entity_id))
        .order_by(AuditEvent.seq)))
