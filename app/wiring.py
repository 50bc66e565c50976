"""One station's services on a database: built by the composition root for the station
this app runs at, and by the demo history for each bench it plays."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from app.bench import BenchServices, BenchSession, OfflinePort, QaDesk
from app.camera.photostore import PhotoStore
from app.clock import Clock
from app.policy.rules import Policy, load_policy
from app.services.approvals import ApprovalService
from app.services.auth import AuthService, SignedInUser
from app.services.authlog import AuthorizationLogService
from app.services.calibration import CalibrationService
from app.services.claims import ClaimsService
from app.services.decisions import DecisionService
from app.services.exports import ExportService
from app.services.holds import HoldService
from app.services.imports import ImportService
from app.services.inspection import InspectionService
from app.services.lookup import LookupService
from app.services.lots import LotService
from app.services.printing import PrintService
from app.services.putaway import PutAwayService
from app.services.qa import QaService
from app.services.receiving import ReceivingService
from app.services.reports import ReportService
from app.services.unexpected import UnexpectedService
from app.services.unsaved import UnsavedWork
from app.services.users import UserService


@dataclass
class StationServices:
    auth: AuthService
    lookup: LookupService
    decisions: DecisionService
    receiving: ReceivingService
    approvals: ApprovalService
    users: UserService
    printing: PrintService
    inspection: InspectionService
    claims: ClaimsService
    holds: HoldService
    imports: ImportService
    exports: ExportService
    reports: ReportService
    authlog: AuthorizationLogService
    putaway: PutAwayService
    lots: LotService
    qa: QaService
    calibration: CalibrationService
    unexpected: UnexpectedService

    def as_fields(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    def session_for(self, clock: Clock, unsaved: UnsavedWork | None = None,
                    offline: OfflinePort | None = None) -> BenchSession:
        """A bench's session on these services (one per signed-in bench); with an
        offline mode, it goes on working on the bench's local copy when the server is
        unreachable."""
        return BenchSession(BenchServices(self.auth, self.receiving, self.decisions,
                                          self.approvals, self.inspection, self.printing,
                                          unsaved, self.holds, clock, self.putaway,
                                          self.lots, self.qa, self.unexpected), offline)

    def qa_desk(self, user: SignedInUser) -> QaDesk:
        """The QA screen's workflow for `user` (re-grades, calibration rounds)."""
        return QaDesk(self.qa, self.calibration, self.printing, user)


def wire(session_factory: sessionmaker[Session], clock: Clock, station: str,
         photo_root: Path, printer: str,
         policy_loader: Callable[[str], Policy] = load_policy) -> StationServices:
    """The services of one station (its name is in every audit entry and print job)."""
    lookup = LookupService(session_factory, clock)
    auth = AuthService(session_factory, clock, station)
    inspection = InspectionService(session_factory, clock, station, PhotoStore(photo_root))
    printing = PrintService(session_factory, clock, station, printer)
    approvals = ApprovalService(session_factory, clock, station, auth, printing=printing)
    qa = QaService(session_factory, clock, station)
    return StationServices(
        auth=auth,
        lookup=lookup,
        decisions=DecisionService(session_factory, clock, station, policy_loader, qa=qa),
        receiving=ReceivingService(session_factory, clock, station, lookup),
        approvals=approvals,
        users=UserService(session_factory, clock, station),
        printing=printing,
        inspection=inspection,
        claims=ClaimsService(session_factory, clock, station, inspection),
        holds=HoldService(session_factory, clock, station),
        imports=ImportService(session_factory, clock, station),
        exports=ExportService(session_factory, clock, station),
        reports=ReportService(session_factory, clock),
        authlog=AuthorizationLogService(session_factory, clock, approvals, inspection.store),
        putaway=PutAwayService(session_factory, clock, station),
        lots=LotService(session_factory, clock, station),
        qa=qa,
        calibration=CalibrationService(session_factory, clock, station, inspection),
        unexpected=UnexpectedService(session_factory, clock, station, policy_loader),
    )
