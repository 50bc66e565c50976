"""Every role against every protected action, through the services (not the UI).

The expected table is written out here by hand from the issue and POLICY.md rule 8; it is
not derived from app.permissions, so a wrong permission table fails this test."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.clock import FixedClock
from app.domain.enums import Grade, Role
from app.errors import PermissionDenied
from app.security import hash_pin
from app.services.approvals import ApprovalService
from app.services.auth import AuthService, SignedInUser
from app.services.decisions import DecisionService, InspectionInput
from app.services.demo_data import DemoSummary
from app.services.exports import ExportService
from app.services.imports import ImportService
from app.services.lookup import LookupService
from app.services.printing import PrintService
from app.services.receiving import ReceivingService
from app.services.reports import ReportService
from app.services.users import UserService
from models import ReturnAuthorization, User
from tests.helpers.rmas import ask_exception

INS, CLM, SUP, MGR, ADM = (Role.INSPECTOR, Role.CLAIMS, Role.SUPERVISOR, Role.MANAGER,
                           Role.ADMIN)
EXPECTED: dict[str, set[Role]] = {
    "receive a parcel": {INS, CLM, SUP, MGR},
    "decide a return": {INS, CLM, SUP, MGR},
    "ask for an exception": {INS, CLM, SUP, MGR},
    "see the approvals queue": {SUP, MGR, ADM},
    "approve up to $250": {SUP, MGR},
    "approve over $250": {MGR},
    "manage users": {ADM},
    "print a label": {INS, CLM, SUP, MGR},
    "change the station's printer": {SUP, MGR, ADM},
    "import orders": {MGR, ADM},
    "export settlements to the shop": {MGR},
    "see the reports": {SUP, MGR, ADM},
}


@pytest.fixture
def world(demo: DemoSummary, session_factory: sessionmaker[Session], clock: FixedClock,  # type: ignore[no-untyped-def]
          tmp_path: Path):
    users: dict[Role, SignedInUser] = {}
    with session_factory() as s:
        for role in Role:
            u = User(username=f"t_{role.value}", display_name=f"Test {role.value}", role=role,
                     pin_hash=hash_pin("1357"), created_at=clock.now())
            s.add(u)
            s.flush()
            users[role] = SignedInUser(u.id, u.username, u.display_name, role)
        ines = s.scalars(select(User).where(User.username == "ines")).one()
        requester = SignedInUser(ines.id, ines.username, ines.display_name, ines.role)
        numbers = [r.number for r in s.scalars(
            select(ReturnAuthorization).order_by(ReturnAuthorization.id).limit(40))]
        s.commit()
    lookup = LookupService(session_factory, clock)
    return {
        "users": users, "requester": requester, "numbers": numbers,
        "session_factory": session_factory,
        "receiving": ReceivingService(session_factory, clock, "T", lookup),
        "decisions": DecisionService(session_factory, clock, "T"),
        "approvals": ApprovalService(session_factory, clock, "T",
                                     AuthService(session_factory, clock, "T")),
        "users_service": UserService(session_factory, clock, "T"),
        "printing": PrintService(session_factory, clock, "T", f"file:{tmp_path}"),
        "imports": ImportService(session_factory, clock, "T"),
        "exports": ExportService(session_factory, clock, "T"),
        "reports": ReportService(session_factory, clock),
        "tmp": tmp_path,
    }


def _actions(w) -> dict[str, Callable[[SignedInUser, int], object]]:  # type: ignore[no-untyped-def]
    numbers = w["numbers"]
    w = {**w, "numbers": [numbers[i % len(numbers)] for i in range(100)]}

    def request(amount: str, n: int) -> int:
        return ask_exception(w["session_factory"], w["decisions"], w["numbers"][n],
                             w["requester"], amount, reason="A reason written in full words")

    return {
        "receive a parcel": lambda u, n: w["receiving"].receive_parcel(
            w["numbers"][n], w["numbers"][n], u),
        "decide a return": lambda u, n: w["decisions"].accept(
            w["numbers"][n], {1: InspectionInput(grade=Grade.A)}, u),
        "ask for an exception": lambda u, n: ask_exception(
            w["session_factory"], w["decisions"], w["numbers"][n], u, "10.00",
            reason="A reason written in full words"),
        "see the approvals queue": lambda u, n: w["approvals"].queue(u),
        "approve up to $250": lambda u, n: w["approvals"].answer(request("100.00", n), u, True),
        "approve over $250": lambda u, n: w["approvals"].answer(request("900.00", n), u, True),
        "manage users": lambda u, n: w["users_service"].list_users(u),
        "print a label": lambda u, n: w["printing"].print_label(w["numbers"][n], 1, "item", u),
        "change the station's printer": lambda u, n: w["printing"].set_printer(
            f"file:{w['tmp']}", u),
        "import orders": lambda u, n: w["imports"].import_orders(
            b"Name,Email,Lineitem quantity,Lineitem price,Lineitem sku\n", "empty.csv", u),
        "export settlements to the shop": lambda u, n: w["exports"].export(
            w["tmp"] / "outbox", u),
        "see the reports": lambda u, n: w["reports"].kpis(
            dt.date(2026, 4, 1), dt.date(2026, 4, 15), u),
    }


def test_every_role_against_every_protected_action(world) -> None:  # type: ignore[no-untyped-def]
    actions = _actions(world)
    assert set(actions) == set(EXPECTED)
    outcome: dict[tuple[str, Role], bool] = {}
    n = 0
    for name, act in actions.items():
        for role in Role:
            try:
                act(world["users"][role], n)
                outcome[(name, role)] = True
            except PermissionDenied:
                outcome[(name, role)] = False
            n += 1
    wrong = [(name, role.value, got) for (name, role), got in outcome.items()
             if got != (role in EXPECTED[name])]
    assert wrong == []
