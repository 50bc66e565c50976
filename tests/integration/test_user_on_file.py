"""The user as on file (issue 27, item 7): every service that writes checks, in its own
transaction, that the signed-in user is still active and still holds the role they signed
in with. Per service family, an admin changes the user while their session is open: given
another role, then deactivated, the next action is refused with a sentence that says why,
and nothing is written (every table and every file as before). An offline bench's
journal is replayed as the user was when the bench did each action."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.clock import FixedClock
from app.domain.enums import Grade, Role
from app.errors import PermissionDenied, SignedOut
from app.offline import OfflineBench
from app.services.auth import Change, SignedInUser, as_it_was
from app.services.decisions import InspectionInput
from app.services.journal import APPLIED, CONFLICT
from app.services.users import UserService
from app.wiring import StationServices, wire
from models import Base, Receipt, ReturnAuthorization
from tests.conftest import NOW
from tests.helpers.photos import scene
from tests.helpers.rmas import ask_exception, refundable
from tests.integration.conftest import DEMO_DAY, user_named

GRADE_A = InspectionInput(grade=Grade.A, matches_order=True)
Act = Callable[[SignedInUser], object]


@dataclass
class World:
    sf: sessionmaker[Session]
    svc: StationServices
    tmp: Path
    clock: FixedClock

    def user(self, name: str) -> SignedInUser:
        return user_named(self.sf, name)

    def admin(self) -> tuple[UserService, SignedInUser]:
        return self.svc.users, self.user("adam")


@pytest.fixture
def world(session_factory: sessionmaker[Session], clock: FixedClock,
          tmp_path: Path) -> World:
    from app.services.demo_data import load_demo_data

    load_demo_data(session_factory, orders=40, seed=11, today=DEMO_DAY)
    svc = wire(session_factory, clock, "BENCH-01", tmp_path / "photos",
               f"file:{tmp_path / 'labels'}")
    svc.printing.printer_spec()  # the station's row, made on first use, is there
    return World(session_factory, svc, tmp_path, clock)


def _everything(w: World) -> tuple[str, tuple[str, ...]]:
    """A digest of every row of every table, and the files the services wrote."""
    digest = hashlib.sha256()
    with w.sf() as s:
        for table in Base.metadata.sorted_tables:
            for row in s.execute(select(table).order_by(*table.primary_key.columns)):
                digest.update(repr(tuple(row)).encode())
    files = tuple(sorted(str(p.relative_to(w.tmp)) for p in w.tmp.rglob("*") if p.is_file()))
    return digest.hexdigest(), files


# --- one action per family: (who does it, the role they are given, the action) -------
def _receive(w: World) -> Act:
    number = refundable(w.sf)
    return lambda u: w.svc.receiving.scan(number, u)


def _draft(w: World) -> Act:
    number = refundable(w.sf)
    w.svc.receiving.scan(number, w.user("ines"))
    return lambda u: w.svc.inspection.save_draft(number, 1, GRADE_A, u)


def _photo(w: World) -> Act:
    number = refundable(w.sf)
    w.svc.receiving.scan(number, w.user("ines"))
    return lambda u: w.svc.inspection.add_photo(number, 1, scene(3), u)


def _accept(w: World) -> Act:
    number = refundable(w.sf)
    w.svc.receiving.scan(number, w.user("ines"))
    return lambda u: w.svc.decisions.accept(number, {1: GRADE_A}, u)


def _exception(w: World) -> Act:
    number = refundable(w.sf)
    w.svc.receiving.scan(number, w.user("ines"))
    return lambda u: w.svc.decisions.request_exception(
        number, 1, "Customer was promised a refund on the phone", "refund", u,
        inspection=GRADE_A)


def _hold(w: World) -> Act:
    number = refundable(w.sf)
    return lambda u: w.svc.holds.acquire(number, u)


def _answer(w: World) -> Act:
    number = refundable(w.sf)
    w.svc.receiving.scan(number, w.user("ines"))
    approval = ask_exception(w.sf, w.svc.decisions, number, w.user("ines"), "100.00")
    return lambda u: w.svc.approvals.answer(approval, u, True, "ok, photo seen")


def _claim(w: World) -> Act:
    number = refundable(w.sf)
    ines = w.user("ines")
    w.svc.receiving.scan(number, ines)
    photo = w.svc.inspection.add_photo(number, 1, scene(4), ines)
    return lambda u: w.svc.claims.annotate(
        photo.id, [{"type": "arrow", "x1": 0.1, "y1": 0.1, "x2": 0.5, "y2": 0.5}], u)


def _print(w: World) -> Act:
    number = refundable(w.sf)
    return lambda u: w.svc.printing.print_label(number, 1, "item", u)


def _settings(w: World) -> Act:
    return lambda u: w.svc.printing.set_printer(f"file:{w.tmp / 'other'}", u)


def _totes(w: World) -> Act:
    return lambda u: w.svc.putaway.make_totes(2, u)


def _lot(w: World) -> Act:
    return lambda u: w.svc.lots.open_lot("donation", u)


def _calibration(w: World) -> Act:
    return lambda u: w.svc.calibration.start_round(u)


def _regrade(w: World) -> Act:
    return lambda u: w.svc.qa.regrade(1, "B", u)


def _export(w: World) -> Act:
    return lambda u: w.svc.exports.export(w.tmp / "outbox", u)


def _import(w: World) -> Act:
    csv = (b"Name,Email,Financial Status,Paid at,Lineitem quantity,Lineitem name,"
           b"Lineitem price,Lineitem sku\n#KP-1,a@b.c,paid,2026-04-01 10:00:00 -0400,1,"
           b"Dress,100.00,KP-1\n")
    return lambda u: w.svc.imports.import_orders(csv, "orders.csv", u)


def _users(w: World) -> Act:
    return lambda u: w.svc.users.create_user(u, "pat", "Pat Doe", Role.INSPECTOR, "2468")


FAMILIES: dict[str, tuple[str, Role, Callable[[World], Act]]] = {
    "receiving": ("ines", Role.CLAIMS, _receive),  # a role that may still receive
    "inspection draft": ("ines", Role.CLAIMS, _draft),
    "inspection photo": ("ines", Role.ADMIN, _photo),
    "decision accept": ("ines", Role.CLAIMS, _accept),
    "exception request": ("ines", Role.CLAIMS, _exception),
    "holds": ("ines", Role.CLAIMS, _hold),
    "approval answer": ("sam", Role.INSPECTOR, _answer),
    "claims desk": ("carl", Role.INSPECTOR, _claim),
    "printing": ("ines", Role.CLAIMS, _print),
    "station settings": ("sam", Role.INSPECTOR, _settings),
    "totes": ("ines", Role.CLAIMS, _totes),
    "outbound lots": ("ines", Role.CLAIMS, _lot),
    "calibration": ("ines", Role.CLAIMS, _calibration),
    "qa re-grade": ("sam", Role.INSPECTOR, _regrade),
    "export": ("maria", Role.SUPERVISOR, _export),
    "import": ("maria", Role.SUPERVISOR, _import),
    "users": ("zoe", Role.INSPECTOR, _users),
}


@pytest.mark.parametrize("family", list(FAMILIES))
def test_a_demoted_then_deactivated_user_is_refused_and_nothing_is_written(
        family: str, world: World) -> None:
    name, new_role, build = FAMILIES[family]
    users, adam = world.admin()
    if name == "zoe":  # a second admin, so that one can be changed
        users.create_user(adam, "zoe", "Zoe Admin", Role.ADMIN, "246810")
    who = world.user(name)  # signed in now, with their role of now
    act = build(world)

    # From another session, while signed in (a raise to admin comes with a longer PIN).
    users.set_role(adam, name, new_role, pin="135791" if new_role is Role.ADMIN else None)
    before = _everything(world)
    with pytest.raises(SignedOut) as refused:
        act(who)
    assert str(refused.value) == (f"{who.display_name}, your role changed to "
                                  f"{new_role.value}: sign in again.")
    assert _everything(world) == before

    users.set_active(adam, name, False)
    before = _everything(world)
    with pytest.raises(SignedOut) as refused:
        act(who)
    assert str(refused.value) == (f"{who.display_name} was deactivated by an admin: sign "
                                  "in again.")
    assert _everything(world) == before


def test_the_same_session_works_while_the_user_is_unchanged(world: World) -> None:
    """The check refuses only a change: an unchanged session (or one signed in again
    after the change) goes on; a change made and undone is no change."""
    ines = world.user("ines")
    users, adam = world.admin()
    number = refundable(world.sf)
    assert world.svc.receiving.scan(number, ines).newly_received
    users.set_role(adam, "ines", Role.CLAIMS)
    again = world.user("ines")  # signed in again: the new role
    assert again.role is Role.CLAIMS
    world.svc.inspection.save_draft(number, 1, GRADE_A, again)
    users.set_role(adam, "ines", Role.INSPECTOR)
    world.svc.decisions.accept(number, {1: GRADE_A}, ines)  # her role as signed in again


def test_a_user_as_they_were_at_a_time() -> None:
    t = [NOW + dt.timedelta(hours=h) for h in range(4)]
    changes: list[Change] = [(t[1], "user.role_changed", {"from": "supervisor", "to": "inspector"}),
               (t[2], "user.deactivated", {"active": False}),
               (t[3], "user.role_changed", {"from": "inspector", "to": "claims"})]
    assert as_it_was(False, Role.CLAIMS, changes, t[0]) == (True, Role.SUPERVISOR)
    assert as_it_was(False, Role.CLAIMS, changes, t[1]) == (True, Role.INSPECTOR)
    assert as_it_was(False, Role.CLAIMS, changes, t[2]) == (False, Role.INSPECTOR)
    assert as_it_was(False, Role.CLAIMS, changes, t[3]) == (False, Role.CLAIMS)
    created = [(t[1], "user.created", {"role": "inspector"})]
    assert as_it_was(True, Role.INSPECTOR, created, t[0]) == (False, Role.INSPECTOR)


# --- the offline bench: its journal replayed as the user was at the time -------------
def _offline(world: World) -> OfflineBench:
    return OfflineBench(world.sf, world.clock, "BENCH-01", world.tmp / "offline",
                        world.tmp / "photos", f"file:{world.tmp / 'labels'}",
                        server=world.svc)


def _received(world: World, number: str) -> bool:
    with world.sf() as s:
        return s.scalars(select(Receipt).join(ReturnAuthorization).where(
            ReturnAuthorization.number == number)).first() is not None


@pytest.mark.parametrize("change", ["deactivated", "made admin"])
def test_the_offline_journal_is_replayed_as_the_user_was_then(
        change: str, world: World) -> None:
    """Ines received two parcels offline, one before an admin changed her on the server
    and one after (the bench could not know): at sync the first goes through, the second
    is refused with the reason and waits for a supervisor's look."""
    ines = world.user("ines")
    before, after = refundable(world.sf), refundable(world.sf, skip=1)
    bench = _offline(world)
    try:
        for number, minutes in ((before, -30), (after, 30)):
            bench.journal.append("receive", f"k-{number}", {"code": number, "rma": number},
                                 "BENCH-01", "ines", NOW + dt.timedelta(minutes=minutes))
        users, adam = world.admin()
        if change == "deactivated":
            users.set_active(adam, "ines", False)  # at NOW
        else:
            users.set_role(adam, "ines", Role.ADMIN, pin="135791")
        report = bench.reconcile()
        assert (report.applied, report.conflicts) == (1, 1)
        states = {e.key: e for e in bench.journal._entries("ORDER BY seq")}
        assert states[f"k-{before}"].state == APPLIED and _received(world, before)
        refused = states[f"k-{after}"]
        assert refused.state == CONFLICT and not _received(world, after)
        why = (refused.problem or {})["why"]
        if change == "deactivated":
            assert why == ("Ines Moreno was not an active user on Apr 15 18:00 UTC, when "
                           "this was done offline: a supervisor settles it.")
        else:
            assert why.startswith("An admin may not receive parcels")
    finally:
        bench.close()
    assert ines.role is Role.INSPECTOR


def test_offline_the_copy_knows_who_was_deactivated(world: World) -> None:
    """On the bench's local copy, a user the copy knows as deactivated is refused too;
    a role the copy knows differently is not held against the one signed in (the copy
    may be older than the sign-in)."""
    ines = world.user("ines")
    users, adam = world.admin()
    number = refundable(world.sf)
    bench = _offline(world)
    try:
        users.set_role(adam, "ines", Role.CLAIMS)
        bench.copy.refresh()
        local = bench.local()
        assert local.receiving is not None
        assert local.receiving.scan(number, ines).view is not None  # role: as signed in
        users.set_active(adam, "ines", False)
        bench.drop_local()
        bench.copy.refresh()
        local = bench.local()
        assert local.receiving is not None
        with pytest.raises(SignedOut, match="Ines Moreno was deactivated by an admin"):
            local.inspection.save_draft(number, 1, GRADE_A, ines)
    finally:
        bench.close()


def test_a_replayed_action_is_judged_by_the_role_then(
        world: World) -> None:
    """Promoted to admin after working offline: her earlier work is an inspector's."""
    users, adam = world.admin()
    users.set_role(adam, "ines", Role.ADMIN, pin="135791")
    from app.services.offline_sync import OfflineSyncService

    sync = OfflineSyncService(world.sf, world.clock, world.svc.inspection)
    on_file = sync.user_on_file("ines")
    assert on_file.user.role is Role.ADMIN
    then = on_file.at(NOW - dt.timedelta(minutes=5))
    assert then.role is Role.INSPECTOR and then.as_of is not None
    number = refundable(world.sf)
    assert world.svc.receiving.scan(number, then).newly_received
    with pytest.raises(PermissionDenied, match="An admin may not receive"):
        world.svc.receiving.scan(number, on_file.at(NOW + dt.timedelta(minutes=5)))



def test_the_bench_session_signs_out_and_says_why(world: World) -> None:
    """The bench session (the window's and `main.py replay`'s) on a refusal of that kind:
    signed out at once, the parcel and forms put down, the window told the sentence."""
    session = world.svc.session_for(world.clock)
    told: list[str] = []
    session.on_signed_out = told.append
    session.use(world.user("ines"))
    number = refundable(world.sf)
    assert session.scan(number).level == "ok"
    assert session.open_inspection().level != "error" and 1 in session.forms
    users, adam = world.admin()
    users.set_role(adam, "ines", Role.CLAIMS)
    reason = "Ines Moreno, your role changed to claims: sign in again."
    screen = session.edit(1, grade=Grade.A)  # saved as a draft at once: refused
    assert screen.level == "error" and reason in screen.message
    assert told == [reason] and session.signed_out == reason
    assert session.user is None and session.parcel is None and not session.forms
    assert session.scan(number).message == "Sign in first."
    session.use(world.user("ines"))  # signed in again, as what she is now
    assert session.signed_out is None and session.scan(number).level != "error"
