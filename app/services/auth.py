"""Signing in with a user name and PIN; five wrong tries lock the user for five minutes."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, sessionmaker

from app import audit
from app.clock import Clock
from app.domain.enums import Role
from app.errors import AuthenticationFailed, BadInput, PermissionDenied
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


def require_current(s: Session, user: SignedInUser, action: Action) -> User:
    """A privileged action checks the user as on file now, not as signed in: a
    deactivated or demoted user's old session does nothing."""
    on_file = s.get(User, user.id)
    if on_file is None or not on_file.active:
        raise PermissionDenied(f"{user.display_name}'s account is no longer active: sign "
                               "in as someone who may do this.")
    require(on_file.role, action)
    return on_file
