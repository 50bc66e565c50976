"""Signing in with a user name and PIN; five wrong tries lock the user for five minutes."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, sessionmaker

from app import audit
from app.clock import Clock
from app.domain.enums import Role
from app.errors import AuthenticationFailed, BadInput, PermissionDenied, SignedOut
from app.permissions import Action, require
from app.security import verify_pin
from app.services.uow import UnitOfWork
from models import AuditEvent, User

MAX_TRIES = 5
# Each lockout in a row lasts longer, until a right PIN or an admin resets it.
LOCKOUTS = (dt.timedelta(minutes=5), dt.timedelta(minutes=15), dt.timedelta(minutes=60))
PIN_RE = re.compile(r"[0-9]{4,12}")
PRIVILEGED = frozenset({Role.SUPERVISOR, Role.MANAGER, Role.ADMIN})
BADGE = re.compile(r"USER-(\d{6})")


def badge_code(user_id: int) -> str:
    """What a user's badge carries as Code128: the user's id, `USER-000003`. It only
    picks the name at sign-in; the PIN is still typed."""
    return f"USER-{user_id:06d}"


def badge_user_id(code: str) -> int | None:
    """The user id a scanned badge names, or None when the code is no badge."""
    found = BADGE.fullmatch(code.strip().upper())
    return int(found.group(1)) if found else None


@dataclass(frozen=True)
class SignedInUser:
    id: int
    username: str
    display_name: str
    role: Role
    # An offline bench's action replayed at sync: the user is judged as on file when
    # the bench did it (it could not know of a later change), not as now.
    as_of: dt.datetime | None = None


@dataclass(frozen=True)
class UserChoice:
    username: str
    display_name: str
    role: Role


# A local copy's PIN hash for a user who has not signed in at this bench lately (see
# app/services/local_copy.py): no PIN opens it.
OFFLINE_NO_PIN = "!offline"


class AuthService:
    def __init__(self, session_factory: sessionmaker[Session], clock: Clock, station: str) -> None:
        self._sf = session_factory
        self._clock = clock
        self._station = station

    def users(self) -> list[UserChoice]:
        """Active users for the sign-in list: the ones who signed in at this station
        most recently first, then the others in name order."""
        with UnitOfWork(self._sf) as uow:
            s = uow.session
            rows = s.scalars(
                select(User).where(User.active.is_(True)).order_by(User.display_name)
            ).all()
            recent = s.execute(
                select(AuditEvent.actor, func.max(AuditEvent.seq))
                .where(AuditEvent.action == "user.signed_in",
                       AuditEvent.station == self._station)
                .group_by(AuditEvent.actor)).all()
            last = {actor: seq for actor, seq in recent if actor}
            ordered = sorted(rows, key=lambda u: (-last.get(u.username, 0), u.display_name))
            return [UserChoice(u.username, u.display_name, u.role) for u in ordered]

    def badge_user(self, code: str) -> UserChoice:
        """The active user a scanned badge names (sign-in picks that name)."""
        user_id = badge_user_id(code)
        if user_id is None:
            raise AuthenticationFailed(f"{code.strip()[:40]} is not a badge: scan your "
                                       "badge, or pick your name (↑ ↓).")
        with UnitOfWork(self._sf) as uow:
            user = uow.session.get(User, user_id)
            if user is None or not user.active:
                raise AuthenticationFailed(f"Badge {badge_code(user_id)} is no active user "
                                           "here: pick your name, or ask an admin.")
            return UserChoice(user.username, user.display_name, user.role)

    def badge_for(self, username: str) -> tuple[UserChoice, str]:
        """An active user and their badge code, to print the badge."""
        with UnitOfWork(self._sf) as uow:
            user = uow.session.scalars(
                select(User).where(User.username == username.strip().lower())).one_or_none()
            if user is None or not user.active:
                raise AuthenticationFailed(f"No active user {username.strip()[:40]!r}.")
            return UserChoice(user.username, user.display_name, user.role), \
                badge_code(user.id)

    def sign_in(self, username: str, pin: str) -> SignedInUser:
        """Wrong tries are counted by one UPDATE each (atomic on SQLite and PostgreSQL,
        however many benches guess at once); the fifth locks the user for 5, then 15,
        then 60 minutes, until a right PIN or an admin resets it. A right PIN is taken
        only while the user is not locked, decided in the same statement."""
        now = self._clock.now()
        name = username.strip().lower()
        with UnitOfWork(self._sf) as uow:
            user = uow.session.scalars(select(User).where(User.username == name)
                                       ).one_or_none()
            if user is None or not user.active:
                raise AuthenticationFailed("Unknown user: pick your name from the list.")
            user_id, display, pin_hash, role = user.id, user.display_name, user.pin_hash, \
                user.role
            if user.locked_until is not None and user.locked_until > now:
                raise AuthenticationFailed(_locked_words(display, user.locked_until, now))
        if pin_hash.startswith(OFFLINE_NO_PIN):
            raise AuthenticationFailed(
                f"The server is away: this bench signs in offline only those who signed "
                f"in here online in the last 12 hours, and {display} did not. Use a bench "
                "that is online, or wait for the server.")
        # The hash is checked outside any transaction: it takes a while, on purpose.
        right = pin_format_ok(pin) and verify_pin(pin_hash, pin)
        with UnitOfWork(self._sf) as uow:
            s = uow.session
            open_now = (User.id == user_id) & User.active.is_(True) & (
                User.locked_until.is_(None) | (User.locked_until <= now))
            if right:
                done = s.execute(update(User).where(open_now).values(
                    failed_attempts=0, lockouts=0, locked_until=None)
                    .returning(User.id)).first()
                if done is None:  # locked (or deactivated) while the PIN was checked
                    uow.commit()
                    raise AuthenticationFailed(self._refusal(s, user_id, display, now))
                audit.append(s, at=now, action="user.signed_in", actor=name,
                             station=self._station, entity="user", entity_id=user_id)
                uow.commit()
                return SignedInUser(user_id, name, display, role)
            counted = s.execute(update(User).where(open_now).values(
                failed_attempts=User.failed_attempts + 1)
                .returning(User.failed_attempts, User.lockouts)).first()
            if counted is None:
                uow.commit()
                raise AuthenticationFailed(self._refusal(s, user_id, display, now))
            tries, lockouts = counted
            if tries < MAX_TRIES:
                uow.commit()
                left = MAX_TRIES - tries
                raise AuthenticationFailed(
                    f"Wrong PIN: {left} {'try' if left == 1 else 'tries'} left.")
            length = LOCKOUTS[min(lockouts, len(LOCKOUTS) - 1)]
            s.execute(update(User).where(User.id == user_id).values(
                failed_attempts=0, lockouts=User.lockouts + 1, locked_until=now + length))
            audit.append(s, at=now, action="user.locked", actor=name, station=self._station,
                         entity="user", entity_id=user_id,
                         payload={"minutes": int(length.total_seconds() // 60),
                                  "lockout": lockouts + 1})
            uow.commit()
            raise AuthenticationFailed(
                f"Wrong PIN. {display} is now locked for "
                f"{int(length.total_seconds() // 60)} minutes.")

    @staticmethod
    def _refusal(s: Session, user_id: int, display: str, now: dt.datetime) -> str:
        row = s.get(User, user_id, populate_existing=True)
        if row is None or not row.active:
            return "Unknown user: pick your name from the list."
        return _locked_words(display, row.locked_until or now, now)


def _locked_words(display: str, until: dt.datetime, now: dt.datetime) -> str:
    minutes = max(1, int((until - now).total_seconds() // 60) + 1)
    return (f"{display} is locked after {MAX_TRIES} wrong PINs; try again in {minutes} min "
            "or ask an admin to unlock.")


def pin_format_ok(pin: str, role: Role | None = None) -> bool:
    """4 to 12 ASCII digits (6 or more for supervisors, managers and admins); nothing
    else, not a trailing newline, not other scripts' digits."""
    shortest = 6 if role in PRIVILEGED else 4
    return PIN_RE.fullmatch(pin) is not None and len(pin) >= shortest


def check_pin_rule(pin: str, role: Role) -> None:
    if not pin_format_ok(pin, role):
        shortest = 6 if role in PRIVILEGED else 4
        raise BadInput(f"A PIN is {shortest} to 12 digits (0-9) for the {role.value} role.")


# Set in the `info` of a bench's local copy's sessions (app/services/local_copy.py).
LOCAL_COPY = "returnbench.local_copy"
# An admin's changes to a user, in the audit log (app/services/users.py).
USER_CHANGES = ("user.created", "user.activated", "user.deactivated", "user.role_changed")
Change = tuple[dt.datetime, str, dict[str, Any]]


def require_current(s: Session, user: SignedInUser, action: Action) -> User:
    """The one check every use case that writes makes first, in its own transaction: the
    user as on file now, not as signed in. Deactivated by an admin, or given another
    role since signing in: `SignedOut`, whose sentence says why, and the station goes
    back to sign-in. The row is read FOR SHARE, so an admin's change made before is
    seen, and one made meanwhile waits for this transaction to end.

    On a bench's local copy (offline), the user as the copy knows them, which may be
    older than the sign-in: refused when the copy says inactive, the role as signed in.
    A replayed offline action (`user.as_of`) is judged as the user was at that time:
    refused (a conflict for a supervisor) only when they were inactive then or their
    role then may not do it."""
    on_file = s.get(User, user.id, populate_existing=True, with_for_update={"read": True})
    if on_file is None:
        raise SignedOut(f"{user.display_name} is no longer a user here: sign in again.")
    if user.as_of is not None:
        active, role = as_it_was(on_file.active, on_file.role,
                                 user_changes(s, on_file.username, after=user.as_of),
                                 user.as_of)
        if not active:
            raise PermissionDenied(
                f"{user.display_name} was not an active user on "
                f"{user.as_of.astimezone(dt.UTC):%b %d %H:%M} UTC, when this was done "
                "offline: a supervisor settles it.")
        require(role, action)
        return on_file
    if not on_file.active:
        raise SignedOut(f"{user.display_name} was deactivated by an admin: sign in again.")
    if s.info.get(LOCAL_COPY):
        require(user.role, action)
        return on_file
    if on_file.role is not user.role:
        raise SignedOut(f"{user.display_name}, your role changed to {on_file.role.value}: "
                        "sign in again.")
    require(on_file.role, action)
    return on_file


def user_changes(s: Session, username: str, after: dt.datetime | None = None
                 ) -> list[Change]:
    """An admin's changes to a user (created, activated, deactivated, role), oldest
    first; only those after `after` when given."""
    stmt = select(AuditEvent.at, AuditEvent.action, AuditEvent.payload).where(
        AuditEvent.action.in_(USER_CHANGES), AuditEvent.entity == "user",
        AuditEvent.entity_id == username)
    if after is not None:
        stmt = stmt.where(AuditEvent.at > after)
    return [(at, action, payload or {})
            for at, action, payload in s.execute(stmt.order_by(AuditEvent.seq))]


@dataclass(frozen=True)
class UserOnFile:
    """A user as on file now, with an admin's changes to them: to replay what they did
    on an offline bench as the user they were when they did it."""

    user: SignedInUser
    active: bool
    changes: tuple[Change, ...]

    def at(self, when: dt.datetime) -> SignedInUser:
        """The user acting at `when`, with their role then; whether they were active then
        is checked by the service, in its transaction (`require_current`)."""
        _active, role = as_it_was(self.active, self.user.role, self.changes, when)
        return replace(self.user, role=role, as_of=when)


def as_it_was(active: bool, role: Role, changes: Iterable[Change], at: dt.datetime
              ) -> tuple[bool, Role]:
    """A user's (active, role) at `at`, from their state now and the changes (oldest
    first): the first change after `at` of each kind says what it was before."""
    active_known = role_known = False
    for when, action, payload in changes:
        if when <= at:
            continue
        if action == "user.role_changed" and not role_known:
            role, role_known = Role(payload.get("from", role)), True
        elif action != "user.role_changed" and not active_known:
            # Before a deactivation the user was active; before a creation or a
            # reactivation, not.
            active, active_known = action == "user.deactivated", True
    return active, role
