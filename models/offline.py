"""The offline bench: what a bench did while its server was away and the server would
not take when it came back (another bench decided the unit, the RMA changed, the policy
moved). Kept with both versions for a supervisor to settle; never forced."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base
from models.checks import OFFLINE_SETTLEMENTS, one_of
from models.types import UTCDateTime, intpk, str40, utc_ts


class OfflineConflict(Base):
    """One journal entry the server refused at replay: the bench's version (what the
    inspector did, when, and what the bench showed) and the server's (what is on file
    now), why, and how a supervisor settled it."""

    __tablename__ = "offline_conflicts"
    __table_args__ = (one_of("settlement", OFFLINE_SETTLEMENTS),)

    id: Mapped[intpk]
    entry_key: Mapped[str] = mapped_column(String(80), unique=True)
    station: Mapped[str40]
    username: Mapped[str40]
    kind: Mapped[str] = mapped_column(String(20))
    rma_number: Mapped[str | None] = mapped_column(String(40), index=True)
    happened_at: Mapped[utc_ts]    # at the bench, offline
    found_at: Mapped[utc_ts]       # when the replay met the conflict
    reason: Mapped[str] = mapped_column(Text)
    bench_version: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    server_version: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    settled_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, index=True)
    settled_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    settlement: Mapped[str | None] = mapped_column(String(20))  # server, bench
    note: Mapped[str | None] = mapped_column(Text)
