"""The server's side of an offline bench's replay (issue 20): who did it (by name, as on
file now), the audit record of each synced action (when it happened at the bench, when it
reached the server), and the "needs a look" list: journal entries the server refused,
with the bench's version and the server's side by side, for a supervisor to settle.

Settling never forces the bench's action over the server's: "server" leaves what is on
file; "bench" gives the inspector's forms back as the unit's draft, when the unit is
still to be decided, so it is decided again at a bench under today's rules."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app import audit
from app.clock import Clock
from app.domain.enums import DecisionStatus
from app.errors import BadInput, Conflict, NotFound
from app.permissions import Action
from app.services.auth import SignedInUser, UserOnFile, require_current, user_changes
from app.services.common import load_rma
from app.services.inspection import InspectionService, form_from
from app.services.uow import UnitOfWork, retrying
from models import (
    CompletedRequest,
    Decision,
    OfflineConflict,
    ReturnAuthorization,
    Station,
    User,
)

SETTLEMENTS = ("server", "bench")


@dataclass(frozen=True)
class ConflictView:
    id: int
    station: str
    username: str
    kind: str
    rma_number: str | None
    happened_at: dt.datetime
    found_at: dt.datetime
    reason: str
    bench: dict[str, Any]
    server: dict[str, Any]
    settled_at: dt.datetime | None
    settled_by: str | None
    settlement: str | None
    note: str | None

    def bench_lines(self) -> list[str]:
        """What the bench did, offline, line by line."""
        b = self.bench
        when = f"{self.happened_at.astimezone():%b %d %H:%M} by {self.username} at " \
            f"{self.station}"
        out = [f"{self.kind.replace('_', ' ')} {b.get('rma', '')}, {when}"]
        for unit, form in sorted(_forms(b).items()):
            out.append(f"item {unit}: grade {form.grade.value if form.grade else '-'}"
                       + (f", damage {form.damage_severity.value}" if form.damage_severity
                          else "") + (", worn" if form.worn else "")
                       + (", tags on" if form.tags_attached else ""))
        for unit, outcome in sorted(b.get("expect", {}).get("units", {}).items()):
            out.append(f"item {unit} decided: {outcome['resolution'].replace('_', ' ')}, "
                       f"refund {outcome['refund']}, credit {outcome['credit']}")
        if "policy" in b.get("expect", {}):
            out.append(f"policy {b['expect']['policy']}")
        if self.kind == "mark":
            out.append(f"item {b.get('unit')} marked {b.get('status')}")
        if self.kind == "photo":
            out.append(f"item {b.get('unit')} photo {b.get('photo', {}).get('slot')}")
        return out

    def server_lines(self) -> list[str]:
        """What the server has for the same return now."""
        sv = self.server
        if not sv:
            return ["nothing on the server for this entry"]
        if not sv.get("found", True):
            return [f"{sv.get('rma')}: no such return on the server"]
        out = [f"{sv.get('rma')}: {str(sv.get('status', '')).replace('_', ' ')}"]
        for unit, u in sorted(sv.get("units", {}).items()):
            line = f"item {unit}: {u['reception']}, {u['decision'].replace('_', ' ')}"
            if "resolution" in u:
                when = dt.datetime.fromisoformat(u["decided_at"]).astimezone()
                line += (f"; {u['resolution'].replace('_', ' ')}, refund {u['refund']}, "
                         f"credit {u['credit']}, by {u['decided_by']} at {u['station']} "
                         f"{when:%b %d %H:%M} ({u['policy']})")
            out.append(line)
        return out

    def words(self) -> str:
        what = self.kind.replace("_", " ")
        return (f"#{self.id} {self.rma_number or ''} {what} by {self.username} at "
                f"{self.station}, {self.happened_at.astimezone():%b %d %H:%M} offline: "
                f"{self.reason}")


class OfflineSyncService:
    def __init__(self, session_factory: sessionmaker[Session], clock: Clock,
                 inspection: InspectionService) -> None:
        self._sf = session_factory
        self._clock = clock
        self._inspection = inspection

    def user_named(self, username: str) -> SignedInUser:
        """The user an offline entry names, as on file now (a user deactivated since
        cannot have their offline work applied: it becomes a conflict)."""
        with UnitOfWork(self._sf) as uow:
            user = uow.session.scalars(select(User).where(User.username == username)
                                       ).one_or_none()
            if user is None or not user.active:
                raise Conflict(f"{username} is no longer an active user: their offline work "
                               "needs a supervisor's look.")
            return SignedInUser(user.id, user.username, user.display_name, user.role)

    def user_on_file(self, username: str) -> UserOnFile:
        """The user an offline entry names, with an admin's changes to them: the replay
        applies each entry as the user was when the bench did it (`UserOnFile.at`), so
        what they did before being deactivated or given another role goes through, and
        what they did after (the bench could not know) is refused for a look."""
        with UnitOfWork(self._sf) as uow:
            s = uow.session
            user = s.scalars(select(User).where(User.username == username)).one_or_none()
            if user is None:
                raise Conflict(f"{username} is not a user on the server: their offline work "
                               "needs a supervisor's look.")
            return UserOnFile(SignedInUser(user.id, user.username, user.display_name,
                                           user.role), user.active,
                              tuple(user_changes(s, user.username)))

    @retrying
    def synced(self, key: str, kind: str, station: str, username: str,
               happened_at: dt.datetime, rma: str | None, result: Mapping[str, Any]) -> None:
        """The audit record that an offline action reached the server: once per key,
        at the time it synced, saying when it happened."""
        now = self._clock.now()
        with UnitOfWork(self._sf) as uow:
            s = uow.session
            if s.get(CompletedRequest, f"sync/{key}") is not None:
                return
            action = "user.signed_in" if kind == "sign_in" else "offline.synced"
            audit.append(s, at=now, action=action, actor=username, station=station,
                         entity="rma" if rma else "journal", entity_id=rma or key[:40],
                         payload={"offline": True, "kind": kind, "key": key,
                                  "happened_at": happened_at.isoformat(),
                                  "synced_at": now.isoformat(), **dict(result)})
            s.add(CompletedRequest(key=f"sync/{key}", kind="offline.synced", at=now,
                                   result={}))
            uow.commit()

    @retrying
    def record_conflict(self, key: str, kind: str, station: str, username: str,
                        happened_at: dt.datetime, reason: str,
                        bench: Mapping[str, Any]) -> ConflictView:
        """An entry the server refused, on the list with what the server has now for the
        same return (once per key: a replay after a crash finds it there)."""
        now = self._clock.now()
        rma = bench.get("rma")
        with UnitOfWork(self._sf) as uow:
            s = uow.session
            row = s.scalars(select(OfflineConflict).where(OfflineConflict.entry_key == key)
                            ).one_or_none()
            if row is None:
                row = OfflineConflict(
                    entry_key=key, station=station, username=username, kind=kind,
                    rma_number=str(rma) if rma else None, happened_at=happened_at,
                    found_at=now, reason=reason[:2000], bench_version=dict(bench),
                    server_version=self._server_side(s, str(rma) if rma else None))
                s.add(row)
                s.flush()
                audit.append(s, at=now, action="offline.conflict", actor=username,
                             station=station, entity="offline_conflict", entity_id=row.id,
                             payload={"key": key, "kind": kind, "rma": rma, "reason": reason,
                                      "happened_at": happened_at.isoformat()})
            view = self._view(s, row)
            uow.commit()
            return view

    def _server_side(self, s: Session, rma_number: str | None) -> dict[str, Any]:
        """What the server has for the return now: each unit's state and the decision in
        force (outcome, money, who, where, when, under which policy)."""
        if rma_number is None:
            return {}
        rma = s.scalars(select(ReturnAuthorization).where(
            ReturnAuthorization.number == rma_number)).one_or_none()
        if rma is None:
            return {"rma": rma_number, "found": False}
        units: dict[str, Any] = {}
        for item in rma.items:
            row = s.scalars(select(Decision).where(
                Decision.return_item_id == item.id, Decision.superseded.is_(False))
                .order_by(Decision.id.desc()).limit(1)).first()
            unit: dict[str, Any] = {"reception": item.reception_status.value,
                                    "decision": item.decision_status.value}
            if row is not None:
                who = s.get(User, row.decided_by_id) if row.decided_by_id else None
                where = s.get(Station, row.station_id) if row.station_id else None
                unit.update(resolution=row.resolution.value, refund=str(row.refund),
                            credit=str(row.credit), decided_at=row.decided_at.isoformat(),
                            decided_by=who.username if who else None,
                            station=where.name if where else None,
                            policy=f"{row.policy_id} {row.policy_version}")
            units[str(item.unit_no)] = unit
        return {"rma": rma.number, "found": True, "status": rma.status.value,
                "units": units}

    @staticmethod
    def _view(s: Session, row: OfflineConflict) -> ConflictView:
        by = s.get(User, row.settled_by_id) if row.settled_by_id else None
        return ConflictView(row.id, row.station, row.username, row.kind, row.rma_number,
                            row.happened_at, row.found_at, row.reason,
                            dict(row.bench_version), dict(row.server_version),
                            row.settled_at, by.username if by else None, row.settlement,
                            row.note)

    def still_open(self, keys: list[str]) -> list[str]:
        """Of these journal entries' keys, those on the list and not settled yet."""
        with UnitOfWork(self._sf) as uow:
            return list(uow.session.scalars(select(OfflineConflict.entry_key).where(
                OfflineConflict.entry_key.in_(keys[-500:]),
                OfflineConflict.settled_at.is_(None))))

    def conflicts(self, open_only: bool = True, limit: int = 200) -> list[ConflictView]:
        """The "needs a look" list, oldest first (every bench's)."""
        with UnitOfWork(self._sf) as uow:
            s = uow.session
            query = select(OfflineConflict).order_by(OfflineConflict.id).limit(limit)
            if open_only:
                query = query.where(OfflineConflict.settled_at.is_(None))
            out = [self._view(s, row) for row in s.scalars(query)]
            uow.commit()
            return out

    def settle(self, conflict_id: int, user: SignedInUser, settlement: str,
               note: str = "") -> ConflictView:
        """A supervisor's answer to one conflict: "server" (what is on file stands) or
        "bench" (the inspector's forms become the unit's draft again, only while the
        unit is still to be decided: it is then decided at a bench, under today's rules
        and with any approval they need). Once."""
        if settlement not in SETTLEMENTS:
            raise BadInput(f"Settle with one of {', '.join(SETTLEMENTS)}, not {settlement!r}.")
        now = self._clock.now()
        with UnitOfWork(self._sf) as uow:
            s = uow.session
            require_current(s, user, Action.SETTLE_OFFLINE)
            row = s.get(OfflineConflict, conflict_id, with_for_update=True)
            if row is None:
                raise NotFound(f"No offline conflict #{conflict_id}.")
            if row.settled_at is not None:
                raise Conflict(f"Conflict #{conflict_id} was settled already "
                               f"({row.settlement}).")
            forms = _forms(row.bench_version) if settlement == "bench" else {}
            if settlement == "bench":
                if not forms or row.rma_number is None:
                    raise BadInput("This entry carries no inspection to give back to the "
                                   "bench: settle it with 'server'.")
                rma = load_rma(s, row.rma_number)
                done = [it.unit_no for it in rma.items if it.unit_no in forms
                        and it.decision_status is not DecisionStatus.PENDING]
                if done:
                    raise Conflict(f"{row.rma_number} item {done[0]} is decided on the "
                                   "server: what is on file stands (to change it, ask for "
                                   "an exception at the bench). Settle with 'server'.")
            row.settled_at, row.settled_by_id = now, user.id
            row.settlement, row.note = settlement, note.strip()[:500] or None
            audit.append(s, at=now, action="offline.conflict_settled", actor=user.username,
                         station=row.station, entity="offline_conflict", entity_id=row.id,
                         payload={"settlement": settlement, "note": note.strip()[:500],
                                  "rma": row.rma_number})
            view = self._view(s, row)
            inspector = row.username
            rma_number = row.rma_number
            uow.commit()
        if forms and rma_number is not None:
            owner = self.user_named(inspector)
            for unit, form in sorted(forms.items()):
                self._inspection.save_draft(rma_number, unit, form, owner)
        return view


def _forms(bench: Mapping[str, Any]) -> dict[int, Any]:
    """The inspection forms an entry carried (an accept's, or one unit's draft)."""
    if "forms" in bench:
        return {int(u): form_from(f) for u, f in bench["forms"].items()}
    if "form" in bench and "unit" in bench:
        return {int(bench["unit"]): form_from(bench["form"])}
    return {}
