"""Signing in with a user name and PIN; five wrong tries lock the user for five minutes."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from app import audit
from app.clock import Clock
from app.domain.enums import Role
from app.errors import AuthenticationFailed
from app.security import verify_pin
from app.services.uow import UnitOfWork
from models import AuditEvent, User

MAX_TRIES = 5
LOCKOUT = dt.timedelta(minutes=5)
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
        now = self._clock.now()
        with UnitOfWork(self._sf) as uow:
            user = uow.session.scalars(
                select(User).where(User.username == username.strip().lower())
            ).one_or_none()
            if user is None or not user.active:
                raise AuthenticationFailed("Unknown user: pick your name from the list.")
            if user.locked_until is not None and user.locked_until > now:
                minutes = max(1, int((user.locked_until - now).total_seconds() // 60) + 1)
                raise AuthenticationFailed(
                    f"{user.display_name} is locked after {MAX_TRIES} wrong PINs; "
                    f"try again in {minutes} min or ask a supervisor."
                )
            if not verify_pin(user.pin_hash, pin):
                user.failed_attempts += 1
                left = MAX_TRIES - user.failed_attempts
                if left <= 0:
                    user.failed_attempts = 0
                    user.locked_until = now + LOCKOUT
                    message = (
                        f"Wrong PIN. {user.display_name} is now locked for "
                        f"{int(LOCKOUT.total_seconds() // 60)} minutes."
                    )
                    audit.append(uow.session, at=now, action="user.locked",
                                 actor=user.username, station=self._station,
                                 entity="user", entity_id=user.id)
                else:
                    message = f"Wrong PIN: {left} {'try' if left == 1 else 'tries'} left."
                uow.commit()
                raise AuthenticationFailed(message)
            user.failed_attempts = 0
            user.locked_until = None
            audit.append(uow.session, at=now, action="user.signed_in", actor=user.username,
                         station=self._station, entity="user", entity_id=user.id)
            uow.commit()
            return SignedInUser(user.id, user.username, user.display_name, user.role)
