"""Printing the authorization log for a date range (the warehouse's days)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app import audit
from app.camera.photostore import PhotoStore
from app.clock import Clock
from app.domain.enums import UnexpectedStatus
from app.domain.money import format_money
from app.errors import BadInput
from app.permissions import Action, require
from app.policy.rules import Policy, load_policy
from app.services.approvals import ApprovalService
from app.services.auth import SignedInUser, require_current
from app.services.unexpected import UnexpectedService
from app.services.uow import UnitOfWork
from app.views import ApprovalView
from models import Inspection, Photo, ReturnAuthorization, ReturnItem, UnexpectedReturn

if TYPE_CHECKING:  # ReportLab loads when a log is printed
    from app.printing.authlog import ParcelAnswer


class AuthorizationLogService:
    def __init__(self, session_factory: sessionmaker[Session], clock: Clock,
                 approvals: ApprovalService, photos: PhotoStore | None = None,
                 policy_loader: Callable[[str], Policy] = load_policy) -> None:
        self._sf = session_factory
        self._clock = clock
        self._approvals = approvals
        self._photos = photos
        self._load_policy = policy_loader

    def render_for(self, user: SignedInUser, start: dt.date, end: dt.date) -> bytes:
        """The log, printed by `user` (allowed now, as on file) and recorded as printed."""
        require(user.role, Action.PRINT_AUTHORIZATION_LOG)
        with UnitOfWork(self._sf) as uow:
            require_current(uow.session, user, Action.PRINT_AUTHORIZATION_LOG)
            audit.append(uow.session, at=self._clock.now(), action="authlog.printed",
                         actor=user.username, entity="authlog",
                         entity_id=f"{start.isoformat()}..{end.isoformat()}")
            uow.commit()
        return self.render(start, end, user.display_name)

    def render(self, start: dt.date, end: dt.date, printed_by: str = "command line") -> bytes:
        """PDF bytes for requests made from `start` to `end` inclusive (warehouse days)."""
        from app.printing.authlog import AuthLogEntry, ChainHead, render_authorization_log

        if end < start:
            raise BadInput(f"--to {end} is before --from {start}.")
        tz = self._load_policy("kissprom").timezone
        lo = dt.datetime.combine(start, dt.time(0), tzinfo=tz)
        hi = dt.datetime.combine(end + dt.timedelta(days=1), dt.time(0), tzinfo=tz)
        views = self._approvals.in_range(lo, hi)
        with UnitOfWork(self._sf) as uow:
            entries = []
            for v in views:
                events = audit.entries_for(uow.session, "approval", v.id)
                last = events[-1] if events else None
                entries.append(AuthLogEntry(v, last.seq if last else None,
                                            last.hash if last else None,
                                            self._thumbnails(uow.session, v),
                                            changes(last.payload if last else None)))
            parcels = tuple(self._parcels(uow.session, lo, hi))
            seq, digest = audit.head(uow.session)
        return render_authorization_log(entries, start, end, ChainHead(seq, digest),
                                        self._clock.now(), printed_by, parcels)

    @staticmethod
    def _parcels(s: Session, lo: dt.datetime, hi: dt.datetime) -> Iterator[ParcelAnswer]:
        """Unexpected returns answered in [lo, hi): linked to an order, or sent back."""
        from app.printing.authlog import ParcelAnswer

        rows = s.scalars(select(UnexpectedReturn).where(
            UnexpectedReturn.answered_at >= lo, UnexpectedReturn.answered_at < hi)
            .order_by(UnexpectedReturn.answered_at, UnexpectedReturn.id))
        for row in rows:
            v = UnexpectedService.view_of(s, row)
            events = audit.entries_for(s, "unexpected_return", row.id)
            last = events[-1] if events else None
            when = v.answered_at.astimezone() if v.answered_at else None
            answer = (f"Linked to {v.order_number} as {v.rma_number}"
                      if v.status is UnexpectedStatus.LINKED else "Sent back to the customer")
            yield ParcelAnswer(
                v.number,
                f"{v.received_at.astimezone():%b %d %H:%M} by {v.received_by} at "
                f"{v.station}, label {v.scanned_code or '(none)'}",
                f"{v.description}" + (f" ({v.sku})" if v.sku else "")
                + f", graded {v.grade.value}" + (f": {v.notes}" if v.notes else ""),
                f"{answer} by {v.answered_by}" + (f", {when:%b %d %H:%M}" if when else "")
                + (f": {v.note}" if v.note else ""),
                last.seq if last else None, last.hash if last else None)

    def _thumbnails(self, s: Session, v: ApprovalView) -> tuple[Path, ...]:
        """The request's photos (its unit's, or the whole return's), as thumbnails."""
        if self._photos is None:
            return ()
        query = (select(Photo.sha256).join(Inspection, Photo.inspection_id == Inspection.id)
                 .join(ReturnItem, Inspection.return_item_id == ReturnItem.id)
                 .join(ReturnAuthorization, ReturnItem.rma_id == ReturnAuthorization.id)
                 .where(ReturnAuthorization.number == v.rma_number).order_by(Photo.id))
        if v.unit_no is not None:
            query = query.where(ReturnItem.unit_no == v.unit_no)
        paths = [self._photos.path_for(sha, thumbnail=True) for sha in s.scalars(query)]
        return tuple(p for p in paths if p.exists())[:6]


def changes(payload: dict[str, Any] | None) -> tuple[str, ...] | None:
    """What an answer changed, a line per unit ("item 2: on hold → return to customer,
    refund $0.00, credit $0.00, return to customer"), from its audit entry; None when
    the answer's entry does not say (answered before the log kept it, or still pending)."""
    if not payload or "before" not in payload or "after" not in payload:
        return None
    after = {a.get("unit"): a for a in payload["after"]}
    return tuple(f"item {b.get('unit')}: {_fate_words(b)} → "
                 f"{_fate_words(after.get(b.get('unit'), {}))}" for b in payload["before"])


def _fate_words(f: dict[str, Any]) -> str:
    status = str(f.get("status", "unknown")).replace("_", " ")
    if "resolution" not in f:
        return f"{status} (to be decided again at the bench)" if status != "unknown" \
            else "unknown"
    goes = {"quarantine": "to quarantine", "return_to_sender": "returned to sender"}.get(
        str(f.get("step")), str(f["disposition"]).replace("_", " "))
    return (f"{status}: {str(f['resolution']).replace('_', ' ')}, refund "
            f"{format_money(Decimal(f['refund']))}, credit {format_money(Decimal(f['credit']))}, "
            f"{goes}")
