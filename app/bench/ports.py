"""The services one bench session uses, and what it needs of an offline mode."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Protocol

from app.clock import Clock
from app.services.approvals import ApprovalService
from app.services.auth import AuthService
from app.services.decisions import DecisionService
from app.services.holds import HoldService
from app.services.inspection import InspectionService
from app.services.journal import OfflineStatus, ReplayReport
from app.services.lots import LotService
from app.services.printing import PrintService
from app.services.putaway import PutAwayService
from app.services.qa import QaService
from app.services.receiving import ReceivingService
from app.services.unexpected import UnexpectedService
from app.services.unsaved import UnsavedWork


@dataclass
class BenchServices:
    """The services one bench uses (built once, by the composition root)."""

    auth: AuthService
    receiving: ReceivingService | None
    decisions: DecisionService
    approvals: ApprovalService
    inspection: InspectionService
    printing: PrintService
    unsaved: UnsavedWork | None = None
    holds: HoldService | None = None
    clock: Clock | None = None
    putaway: PutAwayService | None = None
    lots: LotService | None = None
    qa: QaService | None = None
    unexpected: UnexpectedService | None = None

    def clock_now(self) -> dt.datetime:
        return self.clock.now() if self.clock is not None else dt.datetime.now(dt.UTC)


class OfflinePort(Protocol):
    """What the session needs of an offline mode (app/offline.py): the same services on
    the bench's local copy, each action journaled, and the replay when the server is
    back."""

    offline: bool
    set_aside: list[tuple[str, int]]

    def local(self) -> BenchServices: ...

    def reconcile(self) -> ReplayReport: ...

    def status(self) -> OfflineStatus: ...
