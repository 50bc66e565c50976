"""The audit chain: intact logs verify; edits, deletions, reordering and truncation do not."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, select, text, update
from sqlalchemy.orm import Session, sessionmaker

from app import audit
from app.clock import FixedClock
from models import AuditEvent


@pytest.fixture
def chain(session_factory: sessionmaker[Session], clock: FixedClock) -> sessionmaker[Session]:
    with session_factory() as s:
        for i in range(5):
            audit.append(s, at=clock.now(), action="test.event", actor="ines",
                         station="TEST-BENCH", entity="rma", entity_id=i,
                         payload={"amount": "204.12", "i": i})
        s.commit()
    return session_factory


def test_intact_chain_verifies(chain: sessionmaker[Session]) -> None:
    with chain() as s:
        result = audit.verify(s)
    assert result.ok and result.entries == 5


def test_edited_entry_is_named(chain: sessionmaker[Session]) -> None:
    with chain() as s:
        s.execute(update(AuditEvent).where(AuditEvent.seq == 3).values(actor="mallory"))
        result = audit.verify(s)
    assert not result.ok and result.first_bad_seq == 3 and "changed" in result.message


def test_deleted_entry_is_named(chain: sessionmaker[Session]) -> None:
    with chain() as s:
        s.execute(delete(AuditEvent).where(AuditEvent.seq == 2))
        result = audit.verify(s)
    assert not result.ok and result.first_bad_seq == 2


def test_reordered_entries_are_caught(chain: sessionmaker[Session]) -> None:
    with chain() as s:
        ids = s.scalars(select(AuditEvent.id).order_by(AuditEvent.seq)).all()
        # Swap the contents of entries 2 and 3 (seq is unique, so go through a spare value).
        s.execute(text("UPDATE audit_events SET seq = -1 WHERE id = :i"), {"i": ids[1]})
        s.execute(text("UPDATE audit_events SET seq = 2 WHERE id = :i"), {"i": ids[2]})
        s.execute(text("UPDATE audit_events SET seq = 3 WHERE id = :i"), {"i": ids[1]})
        result = audit.verify(s)
    assert not result.ok and result.first_bad_seq == 2


def test_truncated_log_is_caught(chain: sessionmaker[Session]) -> None:
    with chain() as s:
        s.execute(delete(AuditEvent).where(AuditEvent.seq == 5))
        result = audit.verify(s)
    assert not result.ok and "cut short" in result.message
