"""The bench's first statements compiled before anyone waits for them. SQLAlchemy compiles
each statement once per engine; a return's eager loads took 300-450 ms, which on the
window's thread was the first parcel's pause (a scan, opening Inspect, the override).
Read-only: the oldest return is found as a scan finds it (by its number and its tracking
number, locked as a scan locks it, for no time: rolled back), loaded as an accept loads
it, and its drafts and requests read."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.services.approvals import ApprovalService
from app.services.common import load_rma
from app.services.inspection import InspectionService
from app.services.lookup import LookupService
from app.services.uow import UnitOfWork
from models import ReturnAuthorization


def warm_up(sf: sessionmaker[Session], lookup: LookupService, inspection: InspectionService,
            approvals: ApprovalService) -> None:
    with UnitOfWork(sf) as uow:
        s = uow.session
        row = s.execute(select(ReturnAuthorization.number, ReturnAuthorization.tracking_number)
                        .order_by(ReturnAuthorization.id).limit(1)).first()
        if row is None:
            return
        number, tracking = row
        for code in (number, tracking):
            if code:
                _scan, rma, view, _problem = lookup.find_in(s, code, lock=True)
                if rma is not None and view is not None:
                    lookup.box_mates(s, rma, view.matched_by)
        load_rma(s, number, for_update=True)
        load_rma(s, number)
    inspection.drafts(number)
    approvals.pending_for_rma(number)
