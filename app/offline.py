"""The offline bench (issue 20): when its server is unreachable, a bench goes on working on
its local copy (app/services/local_copy.py) with the same services, and keeps each action
in its journal (app/services/journal.py) with a request key; when the server answers, the
journal replays in order through the same services, at the time each action happened and
as the user was then (deactivated or given another role since: what they did before still
goes through, what they did after does not), and what the server now refuses goes to the
"needs a look" list (app/services/offline_sync.py).

Offline the bench receives parcels, marks items, grades, takes photos and accepts
decisions that need no approval; its labels say PROVISIONAL. What needs the server says
so and waits: approvals and exceptions (refused by the offline decision service), another
bench's hold (not checked), totes and put-away, QA samples (drawn at replay, on the
server), exports and reports."""

from __future__ import annotations

import datetime as dt
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy.orm import Session, sessionmaker

from app.bench import BenchServices
from app.camera.photostore import PhotoStore
from app.clock import Clock
from app.domain.enums import PhotoSlot, ReceptionStatus
from app.errors import BadInput, Conflict, DatabaseUnavailable, ReturnBenchError
from app.policy.rules import Policy, load_policy
from app.services.approvals import ApprovalService
from app.services.auth import AuthService, SignedInUser, UserChoice, UserOnFile
from app.services.decisions import (
    AcceptedDecision,
    DecisionService,
    InspectionInput,
    outcome_of,
)
from app.services.inspection import InspectionService, form_from, form_json
from app.services.journal import Entry, Journal, OfflineStatus, ReplayReport, replay
from app.services.local_copy import CopyReport, LocalCopy
from app.services.lookup import LookupService, ReturnView
from app.services.offline_sync import OfflineSyncService
from app.services.printing import PrintService, SendLater
from app.services.receiving import ReceivingService, ScanOutcome
from app.services.uow import UnitOfWork
from app.views import PhotoView
from app.warmup import warm_up
from app.wiring import StationServices, wire
from models import Photo

T = TypeVar("T")
Keep = Callable[[str, dict[str, Any], SignedInUser, str | None], Entry]


class PinnedClock:
    """The replay's clock: the time the action happened at the bench, while it is
    applied (decided_at, the receipt, the audit entry say when it was done)."""

    def __init__(self, fallback: Clock) -> None:
        self._fallback = fallback
        self.at: dt.datetime | None = None

    def now(self) -> dt.datetime:
        return self.at or self._fallback.now()


# --- the local services: the same services on the copy, each action journaled --------
class _Receiving(ReceivingService):
    def __init__(self, keep: Keep, sf: sessionmaker[Session], clock: Clock, station: str,
                 lookup: LookupService, policy_loader: Callable[[str], Policy]) -> None:
        super().__init__(sf, clock, station, lookup, policy_loader)
        self._keep = keep

    def scan(self, code: str, user: SignedInUser) -> ScanOutcome:
        out = super().scan(code, user)
        if out.view is not None and out.view.rma_number and not out.no_return:
            # Every scan that found a return (not only the first): a receipt the
            # server does not have yet is recorded there once, whichever scan brings it.
            self._keep("receive", {"code": code.strip(), "rma": out.view.rma_number},
                       user, None)
        return out

    def set_reception(self, rma_number: str, unit_no: int, status: ReceptionStatus,
                      user: SignedInUser) -> ReturnView:
        view = super().set_reception(rma_number, unit_no, status, user)
        self._keep("mark", {"rma": rma_number, "unit": unit_no, "status": status.value},
                   user, None)
        return view


class _Inspection(InspectionService):
    def __init__(self, keep: Keep, sf: sessionmaker[Session], clock: Clock, station: str,
                 store: PhotoStore) -> None:
        super().__init__(sf, clock, station, store)
        self._keep = keep
        self._local_sf = sf

    def save_draft(self, rma_number: str, unit_no: int, form: InspectionInput,
                   user: SignedInUser) -> None:
        super().save_draft(rma_number, unit_no, form, user)
        self._keep("draft", {"rma": rma_number, "unit": unit_no, "form": form_json(form)},
                   user, None)

    def add_photo(self, rma_number: str, unit_no: int, image: Any, user: SignedInUser,
                  slot: PhotoSlot = PhotoSlot.OTHER, override: bool = False) -> PhotoView:
        view = super().add_photo(rma_number, unit_no, image, user, slot, override)
        with UnitOfWork(self._local_sf) as uow:
            row = uow.session.get(Photo, view.id)
            assert row is not None
            meta = {"sha256": row.sha256, "slot": row.slot.value, "byte_size": row.byte_size,
                    "width": row.width, "height": row.height,
                    "perceptual_hash": row.perceptual_hash, "focus_score": row.focus_score,
                    "exposure_score": row.exposure_score,
                    "quality_override": row.quality_override}
        self._keep("photo", {"rma": rma_number, "unit": unit_no, "photo": meta}, user, None)
        return view


class _Decisions(DecisionService):
    def __init__(self, keep: Keep, sf: sessionmaker[Session], clock: Clock, station: str,
                 policy_loader: Callable[[str], Policy]) -> None:
        super().__init__(sf, clock, station, policy_loader, qa=None, offline=True)
        self._keep = keep

    def accept(self, rma_number: str, inspections: Mapping[int, InspectionInput],
               user: SignedInUser, request_key: str | None = None,
               expect: Mapping[str, Any] | None = None) -> AcceptedDecision:
        accepted = super().accept(rma_number, inspections, user, request_key, expect)
        units = [u.unit_no for u in accepted.view.units]
        self._keep("accept", {"rma": rma_number,
                              "forms": {str(u): form_json(inspections[u]) for u in units},
                              "expect": outcome_of(accepted.view)},
                   user, request_key)
        return accepted


class _Auth(AuthService):
    def __init__(self, keep: Keep, sf: sessionmaker[Session], clock: Clock,
                 station: str) -> None:
        super().__init__(sf, clock, station)
        self._keep = keep

    def sign_in(self, username: str, pin: str) -> SignedInUser:
        user = super().sign_in(username, pin)
        self._keep("sign_in", {}, user, None)
        return user


class BenchAuth(AuthService):
    """Sign-in at a bench: on the server; on the local copy while the server is away
    (then only those who signed in at this bench online in the last 12 hours)."""

    def __init__(self, server_sf: sessionmaker[Session], clock: Clock, station: str,
                 offline: OfflineBench) -> None:
        super().__init__(server_sf, clock, station)
        self._server = AuthService(server_sf, clock, station)
        self._offline = offline

    def _either(self, call: Callable[[AuthService], T]) -> T:
        """`call` on the server's sign-in; on the local copy's once the server is known
        to be away, or when it turns out to be (without a copy, the server's refusal)."""
        if not self._offline.offline:
            try:
                return call(self._server)
            except DatabaseUnavailable as exc:
                try:
                    self._offline.auth()
                except ReturnBenchError:
                    raise exc from None  # no local copy: the server is needed
                self._offline.offline = True
        return call(self._offline.auth())

    def users(self) -> list[UserChoice]:
        return self._either(lambda auth: auth.users())

    def badge_user(self, code: str) -> UserChoice:
        return self._either(lambda auth: auth.badge_user(code))

    def sign_in(self, username: str, pin: str) -> SignedInUser:
        return self._either(lambda auth: auth.sign_in(username, pin))


class OfflineBench:
    """One bench's offline mode: the journal, the local copy, the services on the copy,
    and the replay through the server's services."""

    def __init__(self, server_sf: sessionmaker[Session], clock: Clock, station: str,
                 folder: Path, photo_root: Path, printer: str,
                 policy_loader: Callable[[str], Policy] = load_policy,
                 server: StationServices | None = None) -> None:
        self._server_sf = server_sf
        self._clock = clock
        self.station = station
        self.folder = folder
        self._photo_root = photo_root
        self._printer = printer
        self._policy_loader = policy_loader
        self.journal = Journal(folder / "journal.db")
        self.copy = LocalCopy(server_sf, clock, station, folder / "copy.db")
        self._local: BenchServices | None = None
        self._local_sf: sessionmaker[Session] | None = None
        self._local_lookup: LookupService | None = None
        self._pinned = PinnedClock(clock)
        # The replay's services: the server's, on the pinned clock.
        self._replay = wire(server_sf, self._pinned, station, photo_root, printer,
                            policy_loader)
        self.sync = OfflineSyncService(server_sf, clock, (server or self._replay).inspection)
        self._lock = threading.RLock()  # one replay, refresh or opening at a time
        self.offline = False
        # Dresses decided offline that the server set aside for a blind QA re-grade at
        # replay (rma, unit): their labels print again, saying QA.
        self.set_aside: list[tuple[str, int]] = []
        # This bench's refused entries still unsettled, as the server last said.
        self._still_open = 0
        self._users: dict[str, UserOnFile] = {}
        self.last_replay_seconds = 0.0
        self._send_later: SendLater | None = None

    def print_in_background(self, send_later: SendLater) -> None:
        """The labels printed on the local copy go out as the server's do (the window's
        background runner, PrintService.send_later)."""
        self._send_later = send_later
        if self._local is not None:
            self._local.printing.send_later = send_later

    # --- journal ----------------------------------------------------------------------
    def keep(self, kind: str, payload: dict[str, Any], user: SignedInUser,
             key: str | None = None) -> Entry:
        return self.journal.append(kind, key or uuid.uuid4().hex, payload, self.station,
                                   user.username, self._clock.now())

    # --- the local side ---------------------------------------------------------------
    def local(self) -> BenchServices:
        """The bench's services on its local copy, each action journaled (built once;
        EnvironmentFault when the bench has no copy yet)."""
        with self._lock:
            return self._open_local()

    def _open_local(self) -> BenchServices:
        if self._local is None:
            sf = self.copy.session_factory()
            keep: Keep = self.keep
            store = PhotoStore(self._photo_root)
            lookup = LookupService(sf, self._clock)
            printing = PrintService(sf, self._clock, self.station, self._printer,
                                    policy_loader=self._policy_loader)
            printing.provisional = True
            printing.send_later = self._send_later
            auth = _Auth(keep, sf, self._clock, self.station)
            self._local = BenchServices(
                auth=auth,
                receiving=_Receiving(keep, sf, self._clock, self.station, lookup,
                                     self._policy_loader),
                decisions=_Decisions(keep, sf, self._clock, self.station,
                                     self._policy_loader),
                approvals=ApprovalService(sf, self._clock, self.station, auth,
                                          printing=printing),
                inspection=_Inspection(keep, sf, self._clock, self.station, store),
                printing=printing, unsaved=None, holds=None, clock=self._clock,
                putaway=None, lots=None, qa=None)
            self._local_sf = sf
            self._local_lookup = lookup
        return self._local

    def drop_local(self) -> None:
        """Forget the services on the copy (before the copy is replaced)."""
        if self._local_sf is not None:
            bind = self._local_sf.kw.get("bind")
            if bind is not None:
                bind.dispose()
        self._local, self._local_sf = None, None

    def auth(self) -> AuthService:
        """Sign-in on the local copy (only users who signed in here in the last 12 h)."""
        return self.local().auth

    def status(self) -> OfflineStatus:
        """What waits to sync, and of this bench's refused entries those still to be
        settled (all of them while the server is away)."""
        waiting, oldest = self.journal.status()
        refused = self.journal.conflict_keys()
        if refused and not self.offline:
            try:
                self._still_open = len(self.sync.still_open(refused))
            except ReturnBenchError:
                pass  # the last count the server gave
        return OfflineStatus(self.offline, waiting, oldest,
                             min(self._still_open, len(refused)) if refused else 0,
                             self.copy.refreshed_at())

    # --- while online -----------------------------------------------------------------
    def refresh(self) -> CopyReport | None:
        """A new local copy from the server; not while the journal holds work the server
        has not taken (the copy holds it too), nor while offline."""
        with self._lock:
            if self.offline or self.journal.status()[0]:
                return None
            self.drop_local()
            report = self.copy.refresh()
            # The copy's first statements compiled now, off the window's thread, not at
            # the first scan after the server went away.
            try:
                local = self._open_local()
                if self._local_sf is not None and self._local_lookup is not None \
                        and local.inspection is not None:
                    warm_up(self._local_sf, self._local_lookup, local.inspection,
                            local.approvals)
            except ReturnBenchError:
                pass  # no copy after all: the first offline action says so
            return report

    def reconcile(self) -> ReplayReport:
        """Replay the journal through the server's services, in order, each action at the
        time it happened; a refusal goes to the "needs a look" list. Stops (to resume
        there) if the server goes away again."""
        with self._lock:
            started = time.perf_counter()
            pending = self.journal.pending()
            later = _superseded_drafts(pending)
            self._users = {}
            report = replay(self.journal, lambda e: self._apply(e, later), self._clock.now,
                            self._conflict)
            self._still_open += report.conflicts
            self.last_replay_seconds = time.perf_counter() - started
            if not report.left:
                self.offline = False
            return report

    def _apply(self, entry: Entry, later: Mapping[int, int]) -> dict[str, Any]:
        if entry.seq in later:  # a draft a later draft or decision of the unit replaces
            return {"skipped": f"replaced by entry {later[entry.seq]}"}
        p = entry.payload
        on_file = self._users.get(entry.username)
        if on_file is None:  # once per replay: who they are on file, and since when
            on_file = self._users[entry.username] = self.sync.user_on_file(entry.username)
        user = on_file.at(entry.at)  # as they were when the bench did it
        svc = self._replay
        self._pinned.at = entry.at
        try:
            result: dict[str, Any]
            if entry.kind == "sign_in":
                result = {}
            elif entry.kind == "receive":
                out = svc.receiving.scan(p["code"], user)
                if out.view is None or out.view.rma_number != p["rma"] or out.no_return:
                    raise Conflict(f"The server does not find return {p['rma']} for the "
                                   f"scan {p['code']}: {out.message}")
                result = {"received": out.newly_received}
            elif entry.kind == "mark":
                svc.receiving.set_reception(p["rma"], int(p["unit"]),
                                            ReceptionStatus(p["status"]), user)
                result = {}
            elif entry.kind == "draft":
                svc.inspection.save_draft(p["rma"], int(p["unit"]), form_from(p["form"]),
                                          user)
                result = {}
            elif entry.kind == "photo":
                photo = svc.inspection.attach_stored(p["rma"], int(p["unit"]), user,
                                                     p["photo"], entry.key)
                result = {"photo": photo.id}
            elif entry.kind == "accept":
                forms = {int(u): form_from(f) for u, f in p["forms"].items()}
                accepted = svc.decisions.accept(p["rma"], forms, user,
                                                request_key=entry.key, expect=p["expect"])
                result = {"decisions": list(accepted.decision_ids),
                          "qa": list(accepted.qa_units)}
                self.set_aside += [(p["rma"], int(u)) for u in accepted.qa_units]
            else:
                raise BadInput(f"Unknown journal entry kind {entry.kind!r}.")
        finally:
            self._pinned.at = None
        self.sync.synced(entry.key, entry.kind, entry.station, entry.username, entry.at,
                         p.get("rma"), result)
        return result

    def _conflict(self, entry: Entry, why: str) -> dict[str, Any]:
        view = self.sync.record_conflict(entry.key, entry.kind, entry.station,
                                         entry.username, entry.at, why, entry.payload)
        return {"conflict_id": view.id, "server": view.server}

    def close(self) -> None:
        self.drop_local()
        self.journal.close()


def _superseded_drafts(pending: list[Entry]) -> dict[int, int]:
    """Drafts that a later draft or accept of the same unit makes moot: seq -> the
    later entry's seq (only the last word on a unit is sent)."""
    last: dict[tuple[str, int], int] = {}
    out: dict[int, int] = {}
    for entry in reversed(pending):
        p = entry.payload
        units: list[int] = []
        if entry.kind == "draft":
            units = [int(p["unit"])]
        elif entry.kind == "accept":
            units = [int(u) for u in p["forms"]]
        for unit in units:
            key = (str(p["rma"]), unit)
            if entry.kind == "draft" and key in last:
                out[entry.seq] = last[key]
            else:
                last.setdefault(key, entry.seq)
    return out

