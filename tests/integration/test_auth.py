from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app import audit
from app.clock import FixedClock
from app.domain.enums import Role
from app.errors import AuthenticationFailed
from app.services.auth import MAX_TRIES, AuthService
from app.services.demo_data import DemoSummary
from models import AuditEvent


@pytest.fixture
def auth(demo: DemoSummary, session_factory: sessionmaker[Session],
         clock: FixedClock) -> AuthService:
    return AuthService(session_factory, clock, "TEST-BENCH")


def test_sign_in_with_the_demo_pin(auth: AuthService,
                                   session_factory: sessionmaker[Session]) -> None:
    user = auth.sign_in("ines", "1111")
    assert user.role is Role.INSPECTOR and user.display_name == "Ines Moreno"
    with session_factory() as s:
        actions = s.scalars(select(AuditEvent.action)).all()
        assert "user.signed_in" in actions
        assert audit.verify(s).ok


def test_users_lists_everyone_active(auth: AuthService) -> None:
    assert [u.username for u in auth.users()] == ["adam", "carl", "ines", "maria", "sam"]


def test_wrong_pin_counts_down_then_locks_for_five_minutes(auth: AuthService,
                                                           clock: FixedClock) -> None:
    for left in range(MAX_TRIES - 1, 0, -1):
        with pytest.raises(AuthenticationFailed, match=f"{left} tr"):
            auth.sign_in("ines", "0000")
    with pytest.raises(AuthenticationFailed, match="locked for 5 minutes"):
        auth.sign_in("ines", "0000")
    with pytest.raises(AuthenticationFailed, match="locked"):
        auth.sign_in("ines", "1111")  # right PIN, still locked
    clock.advance(dt.timedelta(minutes=4, seconds=59))
    with pytest.raises(AuthenticationFailed, match="locked"):
        auth.sign_in("ines", "1111")
    clock.advance(dt.timedelta(seconds=2))
    assert auth.sign_in("ines", "1111").username == "ines"


def test_unknown_user(auth: AuthService) -> None:
    with pytest.raises(AuthenticationFailed, match="Unknown user"):
        auth.sign_in("nobody", "1111")
