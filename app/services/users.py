"""Users and their roles, managed by admins: create, change role, reset PIN (which also
unlocks), deactivate. Every change goes to the audit log."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from app import audit
from app.clock import Clock
from app.domain.enums import Role
from app.errors import BadInput, NotFound
from app.permissions import Action, require
from app.security import hash_pin
from app.services.auth import PRIVILEGED, SignedInUser, check_pin_rule, require_current
from app.services.demo_data import DEMO_META_KEY
from app.services.uow import UnitOfWork
from models import AppMeta, User

SETUP_KEY = "warehouse_set_up"  # app_meta: when and where the first admin was made
USERNAME_RE = re.compile(r"^[a-z][a-z0-9._-]{1,39}$")


@dataclass(frozen=True)
class UserRow:
    username: str
    display_name: str
    role: Role
    active: bool
    locked_until: dt.datetime | None


class UserService:
    def __init__(self, session_factory: sessionmaker[Session], clock: Clock,
                 station: str) -> None:
        self._sf = session_factory
        self._clock = clock
        self._station = station

    def list_users(self, admin: SignedInUser) -> list[UserRow]:
        require(admin.role, Action.MANAGE_USERS)
        with UnitOfWork(self._sf) as uow:
            require_current(uow.session, admin, Action.MANAGE_USERS)
            return [UserRow(u.username, u.display_name, u.role, u.active, u.locked_until)
                    for u in uow.session.scalars(select(User).order_by(User.username))]

    def create_user(self, admin: SignedInUser, username: str, display_name: str, role: Role,
                    pin: str) -> UserRow:
        require(admin.role, Action.MANAGE_USERS)
        role = Role(role)
        username = _checked(username, display_name, pin, role)
        now = self._clock.now()
        with UnitOfWork(self._sf) as uow:
            s = uow.session
            require_current(s, admin, Action.MANAGE_USERS)
            if s.scalar(select(func.count()).select_from(User)
                        .where(User.username == username)):
                raise BadInput(f"There is already a user {username}.")
            user = User(username=username, display_name=display_name.strip(), role=role,
                        pin_hash=hash_pin(pin), active=True, failed_attempts=0,
                        created_at=now)
            s.add(user)
            s.flush()
            self._audit(s, admin, "user.created", user, {"role": role.value})
            uow.commit()
            return UserRow(user.username, user.display_name, user.role, True, None)

    def create_first_admin(self, username: str, display_name: str, pin: str) -> UserRow:
        """Set up this warehouse: the first admin of a database with nobody in it (no demo
        data either). Once; after that an admin adds users."""
        username = _checked(username, display_name, pin, Role.ADMIN)
        now = self._clock.now()
        with UnitOfWork(self._sf) as uow:
            s = uow.session
            if s.get(AppMeta, DEMO_META_KEY) is not None:
                raise BadInput("This database holds demo data: set up the warehouse in a "
                               "new, empty database.")
            # The marker row is the lock: two first starts at once set up one admin.
            if s.get(AppMeta, SETUP_KEY) is not None or s.scalar(
                    select(func.count()).select_from(User)):
                raise BadInput("This database has users already: an admin signs in and adds "
                               "users (Settings, Users).")
            s.add(AppMeta(key=SETUP_KEY, value=f"{now.isoformat()} at {self._station}"))
            try:
                s.flush()
            except IntegrityError as exc:
                raise BadInput("Another station set this warehouse up just now: sign in "
                               "with the admin it made.") from exc
            user = User(username=username, display_name=display_name.strip(),
                        role=Role.ADMIN, pin_hash=hash_pin(pin), active=True,
                        failed_attempts=0, created_at=now)
            s.add(user)
            s.flush()
            audit.append(s, at=now, action="user.created", actor=username,
                         station=self._station, entity="user", entity_id=username,
                         payload={"role": Role.ADMIN.value, "first_admin": True})
            uow.commit()
            return UserRow(user.username, user.display_name, user.role, True, None)

    def set_role(self, admin: SignedInUser, username: str, role: Role,
                 pin: str | None = None) -> str:
        """A new role. Raised to supervisor, manager or admin, the user needs a PIN of
        six digits or more: the new PIN comes with the change (the old one may be
        shorter; its hash cannot tell)."""
        role = Role(role)

        def change(s: Session, user: User) -> dict[str, object]:
            if user.role is Role.ADMIN and role is not Role.ADMIN:
                self._keep_an_admin(s, user)
            raised = role in PRIVILEGED and user.role not in PRIVILEGED
            if raised and not pin:
                raise BadInput(f"A {role.value} signs in with a PIN of 6 to 12 digits: give "
                               f"{user.username} a new PIN with the change.")
            if pin:
                check_pin_rule(pin, role)
                user.pin_hash = hash_pin(pin)
            before, user.role = user.role, role
            return {"from": before.value, "to": role.value, "new_pin": bool(pin)}
        done = self._change(admin, username, "user.role_changed", change)
        if done["from"] == done["to"]:
            return f"{username} is already {_a(role.value)}: nothing changed."
        return (f"{username}: role changed from {done['from']} to {done['to']}"
                + (", with a new PIN." if pin else "."))

    def reset_pin(self, admin: SignedInUser, username: str, pin: str) -> None:
        """A new PIN; it also unlocks (and forgets the lockouts in a row)."""
        def change(_s: Session, user: User) -> dict[str, object]:
            check_pin_rule(pin, user.role)
            user.pin_hash = hash_pin(pin)
            user.failed_attempts, user.lockouts, user.locked_until = 0, 0, None
            return {}
        self._change(admin, username, "user.pin_reset", change)

    def unlock(self, admin: SignedInUser, username: str) -> None:
        """Unlock a locked user now; the next lockout is 5 minutes again."""
        def change(_s: Session, user: User) -> dict[str, object]:
            was = user.locked_until
            user.failed_attempts, user.lockouts, user.locked_until = 0, 0, None
            return {"was_locked_until": was.isoformat() if was else None}
        self._change(admin, username, "user.unlocked", change)

    def set_active(self, admin: SignedInUser, username: str, active: bool) -> str:
        def change(s: Session, user: User) -> dict[str, object]:
            if not active and user.id == admin.id:
                raise BadInput("You cannot deactivate yourself.")
            if not active and user.role is Role.ADMIN:
                self._keep_an_admin(s, user)
            user.active = active
            return {"active": active}
        self._change(admin, username, "user.activated" if active else "user.deactivated",
                     change)
        return (f"{username}: activated: can sign in again." if active else
                f"{username}: deactivated: can no longer sign in (signed out at every "
                "bench at their next step).")

    # --- helpers -----------------------------------------------------------------
    def _change(self, admin: SignedInUser, username: str, action: str,
                change: Callable[[Session, User], dict[str, object]]) -> dict[str, object]:
        require(admin.role, Action.MANAGE_USERS)
        with UnitOfWork(self._sf) as uow:
            s = uow.session
            require_current(s, admin, Action.MANAGE_USERS)
            user = s.scalars(select(User).where(User.username == username)).one_or_none()
            if user is None:
                raise NotFound(f"No user {username}.")
            payload = change(s, user)
            self._audit(s, admin, action, user, payload)
            uow.commit()
            return payload

    @staticmethod
    def _keep_an_admin(s: Session, user: User) -> None:
        admins = s.scalar(select(func.count()).select_from(User).where(
            User.role == Role.ADMIN, User.active.is_(True), User.id != user.id))
        if not admins:
            raise BadInput("This is the last active admin; make another admin first.")

    def _audit(self, s: Session, admin: SignedInUser, action: str, user: User,
               payload: dict[str, object]) -> None:
        audit.append(s, at=self._clock.now(), action=action, actor=admin.username,
                     station=self._station, entity="user", entity_id=user.username,
                     payload=payload)


def _checked(username: str, display_name: str, pin: str, role: Role) -> str:
    """A new user's name, screen name and PIN checked; the user name as stored."""
    username = username.strip().lower()
    if not USERNAME_RE.match(username):
        raise BadInput("User name: 2-40 lower-case letters, digits, dot, dash or "
                       "underscore, starting with a letter.")
    if len(display_name.strip()) < 2:
        raise BadInput("Give the person's name as it should appear on screen.")
    check_pin_rule(pin, role)
    return username


def _a(word: str) -> str:
    return f"an {word}" if word[:1] in "aeiou" else f"a {word}"
