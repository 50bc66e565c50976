"""The desks of a bench besides the session (sign-in, users, printer, claims, approvals,
reports, offline conflicts), each in the
signed-in person's name: what their pages do, as calls on the app, so that no widget holds
a service. The pages only show what these return and forward input."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from app.domain.enums import Role
from app.files import save_document
from app.services.approvals import ApprovalService
from app.services.auth import AuthService, SignedInUser, UserChoice
from app.services.authlog import AuthorizationLogService
from app.services.calibration import CalibrationService
from app.services.claims import PAGE, ClaimsService
from app.services.exports import ExportReport, ExportService
from app.services.imports import ImportReport, ImportService, Progress
from app.services.offline_sync import ConflictView, OfflineSyncService
from app.services.printing import JobView, PrintOutcome, PrintService
from app.services.qa import QaService
from app.services.reports import ReportService
from app.services.unexpected import UnexpectedService, UnexpectedView
from app.services.users import UserRow, UserService
from app.views import AfterBench, ApprovalView, ClaimView, Kpis, QaReview, StyleRate


class SignInDesk:
    """The sign-in screen: the people who may sign in here, a badge's person, and the
    PIN checked (on the server, or on the bench's copy while it is away)."""

    def __init__(self, auth: AuthService) -> None:
        self._auth = auth

    def users(self) -> list[UserChoice]:
        return self._auth.users()

    def badge_user(self, code: str) -> UserChoice:
        """The person a scanned badge names (KeyError: no such badge)."""
        return self._auth.badge_user(code)

    def sign_in(self, username: str, pin: str) -> SignedInUser:
        return self._auth.sign_in(username, pin)


class UsersDesk:
    """Who signs in at the benches: an admin's list and changes (Settings, Users), and
    the first admin of a new warehouse (`admin` None)."""

    def __init__(self, users: UserService, admin: SignedInUser | None) -> None:
        self._users, self.admin = users, admin

    def _admin(self) -> SignedInUser:
        if self.admin is None:
            raise RuntimeError("UsersDesk without an admin")  # a bug: first start only
        return self.admin

    def create_first_admin(self, username: str, display_name: str, pin: str) -> UserRow:
        return self._users.create_first_admin(username, display_name, pin)

    def list_users(self) -> list[UserRow]:
        return self._users.list_users(self._admin())

    def create_user(self, username: str, display_name: str, role: Role, pin: str) -> UserRow:
        return self._users.create_user(self._admin(), username, display_name, role, pin)

    def set_role(self, username: str, role: Role, pin: str | None = None) -> str:
        """The change as a sentence: from which role to which."""
        return self._users.set_role(self._admin(), username, role, pin)

    def reset_pin(self, username: str, pin: str) -> None:
        self._users.reset_pin(self._admin(), username, pin)

    def unlock(self, username: str) -> None:
        self._users.unlock(self._admin(), username)

    def set_active(self, username: str, active: bool) -> str:
        return self._users.set_active(self._admin(), username, active)


class PrinterDesk:
    """This station's label printer: its setting, its recent jobs, the queue retried and
    a label printed again."""

    def __init__(self, printing: PrintService, user: SignedInUser) -> None:
        self._printing, self.user = printing, user

    def state(self) -> tuple[str, list[JobView]]:
        """(the printer's setting, its recent jobs)."""
        return self._printing.printer_spec(), self._printing.history()

    def retry_queued(self) -> int:
        return self._printing.retry_queued()

    def set_printer(self, spec: str) -> str:
        return self._printing.set_printer(spec, self.user)

    def reprint(self, job_id: int) -> PrintOutcome:
        return self._printing.reprint(job_id, self.user)


class ClaimsDesk:
    """The claims desk: open damage claims, their photos' marks, and the carrier claim
    with its packet."""

    page = PAGE  # claims per page

    def __init__(self, claims: ClaimsService, user: SignedInUser) -> None:
        self._claims, self.user = claims, user

    def open_count(self) -> int:
        return self._claims.open_count(self.user)

    def queue(self, offset: int) -> list[ClaimView]:
        return self._claims.queue(self.user, PAGE, offset)

    def annotations(self, photo_id: int) -> list[dict[str, Any]]:
        return self._claims.annotations(photo_id)

    def annotate(self, photo_id: int, shapes: list[dict[str, Any]]) -> None:
        self._claims.annotate(photo_id, shapes, self.user)

    def acknowledge_reuse(self, decision_id: int, reason: str) -> None:
        self._claims.acknowledge_reuse(decision_id, reason, self.user)

    def resolve(self, decision_id: int, note: str) -> None:
        self._claims.resolve(decision_id, note, self.user)

    def carrier_claim(self, claim: ClaimView, folder: Path) -> tuple[int, Path]:
        """Open the carrier claim and write its packet (photos, PDF) into `folder`:
        (the claim's number, the packet's path). Slow: run it off the UI thread."""
        claim_id = self._claims.open_carrier_claim(claim.decision_id, self.user)
        return claim_id, save_document(folder, f"carrier-claim-{claim_id}-"
                                       f"{claim.rma_number}.pdf",
                                       self._claims.packet_pdf(claim.decision_id))


class ConflictsDesk:
    """Needs a look: parcels that came with no return (linked to an order or sent back)
    and what the offline benches' sync could not apply, settled by a supervisor."""

    def __init__(self, sync: OfflineSyncService, user: SignedInUser,
                 unexpected: UnexpectedService | None = None) -> None:
        self._sync, self.user, self._unexpected = sync, user, unexpected

    def conflicts(self) -> list[ConflictView]:
        return self._sync.conflicts()

    def unexpected(self) -> list[UnexpectedView]:
        """Unexpected returns on the hold shelf, oldest first."""
        return self._unexpected.held(self.user) if self._unexpected is not None else []

    def link(self, unexpected_id: int, order_text: str, note: str = "") -> UnexpectedView:
        """Link a held unexpected return to an order ("KP-01234", or "KP-01234 2")."""
        return self._service().link(unexpected_id, order_text, self.user, note)

    def send_back(self, unexpected_id: int, note: str = "") -> UnexpectedView:
        return self._service().send_back(unexpected_id, self.user, note)

    def _service(self) -> UnexpectedService:
        if self._unexpected is None:
            raise RuntimeError("ConflictsDesk without unexpected returns")  # a bug
        return self._unexpected

    def settle(self, conflict_id: int, settlement: str, note: str = "") -> ConflictView:
        return self._sync.settle(conflict_id, self.user, settlement, note)


class ApprovalsDesk:
    """The approvals queue a supervisor or manager answers from, and the authorization
    log they print."""

    def __init__(self, approvals: ApprovalService, authlog: AuthorizationLogService,
                 user: SignedInUser) -> None:
        self._approvals, self._authlog, self.user = approvals, authlog, user

    def queue(self) -> list[ApprovalView]:
        return self._approvals.queue(self.user)

    def answer(self, approval_id: int, approve: bool, note: str = "",
               alternative: str | None = None) -> ApprovalView:
        return self._approvals.answer(approval_id, self.user, approve, note, alternative)

    def authorization_log(self, start: dt.date, end: dt.date, folder: Path) -> Path:
        """The authorization log of [start, end] as a PDF in `folder`. Slow: run it off
        the UI thread."""
        return save_document(folder, f"authorization-log-{start}-to-{end}.pdf",
                             self._authlog.render_for(self.user, start, end))


class ReportsDesk:
    """The reports page's figures (the KPIs, after the bench, the grading review with the
    calibration rounds), and the imports and the settlement export it starts."""

    def __init__(self, reports: ReportService, imports: ImportService,
                 exports: ExportService, user: SignedInUser, qa: QaService | None = None,
                 calibration: CalibrationService | None = None) -> None:
        self._reports, self._imports, self._exports = reports, imports, exports
        self._qa, self._calibration, self.user = qa, calibration, user

    def figures(self, start: dt.date, end: dt.date, stale_days: int
                ) -> tuple[Kpis, AfterBench, QaReview | None]:
        """The range's KPIs (without the rate by style: `styles`), what waits after the
        bench, and the grading review with the finished calibration rounds."""
        kpis = self._reports.kpis(start, end, self.user, with_styles=False)
        after = self._reports.after_bench(self.user, stale_days)
        return kpis, after, self.qa_review(start, end)

    def qa_review(self, start: dt.date, end: dt.date) -> QaReview | None:
        if self._qa is None:
            return None
        rounds = self._calibration.rounds(self.user) if self._calibration is not None else []
        return self._qa.review(start, end, self.user, [(r.who, r.finished_at, r.agreement)
                                                       for r in rounds
                                                       if r.finished_at is not None])

    def kpi_pdf(self, kpis: Kpis) -> bytes:
        """The KPI report's PDF; ReportLab loads here, off the UI thread, when one is
        saved (not with the app: 0.1-0.3 s of its start)."""
        from app.printing.kpi_report import render_kpi_report

        return render_kpi_report(kpis, dt.datetime.now().astimezone())

    def qa_review_pdf(self, review: QaReview) -> bytes:
        """The grading review's PDF; ReportLab loads here, off the UI thread."""
        from app.printing.qa_review import render_qa_review

        return render_qa_review(review, dt.datetime.now().astimezone())

    def styles(self, start: dt.date, end: dt.date) -> tuple[StyleRate, ...]:
        return self._reports.styles(start, end, self.user)

    def import_file(self, kind: str, data: bytes, source: str,
                    progress: Progress | None = None) -> ImportReport:
        """Orders ("orders") or returns (anything else) from a CSV, all or nothing."""
        if kind == "orders":
            return self._imports.import_orders(data, source, self.user, progress=progress)
        return self._imports.import_rmas(data, source, self.user, progress=progress)

    def export_settlements(self, outbox: Path) -> ExportReport:
        return self._exports.export(outbox, self.user)
