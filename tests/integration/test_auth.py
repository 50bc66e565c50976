from __future__ import annotations

import datetime as dt
from pathlib import Path

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


def _lock(auth: AuthService) -> str:
    for _ in range(MAX_TRIES - 1):
        with pytest.raises(AuthenticationFailed, match="left"):
            auth.sign_in("ines", "0000")
    with pytest.raises(AuthenticationFailed, match="locked for") as locked:
        auth.sign_in("ines", "0000")
    return str(locked.value)


def test_lockouts_lengthen_until_a_right_pin(auth: AuthService, clock: FixedClock) -> None:
    assert "5 minutes" in _lock(auth)
    clock.advance(dt.timedelta(minutes=5, seconds=1))
    assert "15 minutes" in _lock(auth)  # the count did not simply restart
    clock.advance(dt.timedelta(minutes=15, seconds=1))
    assert "60 minutes" in _lock(auth)
    clock.advance(dt.timedelta(minutes=60, seconds=1))
    assert "60 minutes" in _lock(auth)
    clock.advance(dt.timedelta(minutes=60, seconds=1))
    assert auth.sign_in("ines", "1111").username == "ines"  # a right PIN resets it
    assert "5 minutes" in _lock(auth)


def test_an_admin_unlock_resets_the_lockouts(auth: AuthService, clock: FixedClock,
                                             session_factory: sessionmaker[Session]) -> None:
    from app.services.users import UserService
    _lock(auth)
    users = UserService(session_factory, clock, "TEST-BENCH")
    users.unlock(auth.sign_in("adam", "555555"), "ines")
    assert auth.sign_in("ines", "1111").username == "ines"
    with session_factory() as s:
        assert "user.unlocked" in s.scalars(select(AuditEvent.action)).all()


@pytest.mark.parametrize("pin", ["1111\n", "١١١١", "１１１１", " 1111", "111", "1" * 13, ""])
def test_only_ascii_digits_are_a_pin(auth: AuthService, pin: str) -> None:
    with pytest.raises(AuthenticationFailed, match="Wrong PIN"):
        auth.sign_in("ines", pin)


def test_privileged_pins_are_at_least_six_digits(auth: AuthService, clock: FixedClock,
                                                 session_factory: sessionmaker[Session]) -> None:
    from app.errors import BadInput
    from app.services.users import UserService
    users = UserService(session_factory, clock, "TEST-BENCH")
    adam = auth.sign_in("adam", "555555")
    with pytest.raises(BadInput, match="6 to 12 digits"):
        users.create_user(adam, "nora", "Nora Lind", Role.MANAGER, "1234")
    users.create_user(adam, "nora", "Nora Lind", Role.MANAGER, "123456")
    users.create_user(adam, "otto", "Otto Berg", Role.INSPECTOR, "1234")
    with pytest.raises(BadInput, match="4 to 12 digits"):
        users.reset_pin(adam, "otto", "12")


def test_a_deactivated_or_demoted_session_does_nothing(
        auth: AuthService, clock: FixedClock, session_factory: sessionmaker[Session]) -> None:
    from app.errors import BadInput, SignedOut
    from app.services.users import UserService
    users = UserService(session_factory, clock, "TEST-BENCH")
    adam = auth.sign_in("adam", "555555")
    users.create_user(adam, "zoe", "Zoe Admin", Role.ADMIN, "246810")
    zoe = auth.sign_in("zoe", "246810")
    users.set_role(adam, "zoe", Role.INSPECTOR)  # demoted while signed in
    with pytest.raises(SignedOut, match="Zoe Admin, your role changed to inspector: sign "
                       "in again"):
        users.create_user(zoe, "pat", "Pat Doe", Role.INSPECTOR, "1234")
    with pytest.raises(BadInput, match="6 to 12 digits"):  # raised: a new, longer PIN
        users.set_role(adam, "zoe", Role.ADMIN)
    users.set_role(adam, "zoe", Role.ADMIN, pin="135791")
    users.set_active(adam, "zoe", False)  # deactivated while signed in
    with pytest.raises(SignedOut, match="Zoe Admin was deactivated by an admin: sign in "
                       "again"):
        users.set_active(zoe, "adam", False)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def shared_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A committed demo database that several connections share."""
    if request.param == "postgresql":
        return str(request.getfixturevalue("pg_demo_url"))
    from app.services.demo_data import load_demo_data
    from models.db import make_engine, make_session_factory, upgrade
    url = f"sqlite:///{tmp_path / 'shared.db'}"
    engine = make_engine(url)
    upgrade(engine)
    load_demo_data(make_session_factory(engine), orders=5, seed=1, today=dt.date(2026, 11, 2))
    engine.dispose()
    return url


def test_forty_parallel_wrong_pins_lock_the_user(shared_url: str, clock: FixedClock) -> None:
    """Forty benches guess at once (eight connections): every wrong try is counted, so the
    user is locked after five, and the guesses after that try no PIN at all."""
    from concurrent.futures import ThreadPoolExecutor

    from models import User
    from models.db import make_engine, make_session_factory

    engine = make_engine(shared_url)
    sf = make_session_factory(engine)
    auth = AuthService(sf, clock, "TEST-BENCH")

    def guess(n: int) -> str:
        try:
            auth.sign_in("maria", f"{100000 + n}")
        except AuthenticationFailed as exc:
            return str(exc)
        return "signed in"

    try:
        with ThreadPoolExecutor(max_workers=8) as pool:
            answers = list(pool.map(guess, range(40)))
        with sf() as s:
            maria = s.scalars(select(User).where(User.username == "maria")).one()
            assert maria.locked_until is not None and maria.lockouts == 1, answers
            assert maria.failed_attempts == 0
            assert len(s.scalars(select(AuditEvent.id).where(
                AuditEvent.action == "user.locked")).all()) == 1
        assert sum("locked for 5 minutes" in a for a in answers) == 1, answers
        assert sum("left" in a for a in answers) == MAX_TRIES - 1, answers
        assert sum("is locked after" in a for a in answers) == 40 - MAX_TRIES, answers
        with pytest.raises(AuthenticationFailed, match="locked"):
            auth.sign_in("maria", "444444")  # the right PIN, too late
    finally:
        engine.dispose()
