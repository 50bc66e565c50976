"""Decided dresses for the tote and put-away tests: a one-dress return scanned, graded
and decided at a bench through its session, as an inspector would."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from app.bench import BenchSession
from app.clock import FixedClock
from app.domain.enums import Grade, ReturnReason
from app.policy.rules import Policy, load_policy
from app.services.auth import SignedInUser
from app.services.decisions import InspectionInput, with_grade
from app.wiring import StationServices, wire
from tests.helpers.rmas import refundable


def bench(sf: sessionmaker[Session], clock: FixedClock, tmp_path: Path,
          station: str = "TEST-BENCH", qa_percent: int | None = 0) -> StationServices:
    """A station's services. The QA sample's rates are set to `qa_percent` (none by
    default, so a test of something else sees no dress set aside for a re-grade; 100:
    every dress), or the policy's own with None."""
    def loader(brand: str) -> Policy:
        policy = load_policy(brand)
        return policy if qa_percent is None else replace(
            policy, qa_share_percent=qa_percent, qa_raised_percent=qa_percent)

    return wire(sf, clock, station, tmp_path / "photos", f"file:{tmp_path / 'labels'}",
                loader)


def ready_return(sf: sessionmaker[Session], skip: int, reason: ReturnReason,
                 brand: str = "kissprom", price: str = "120.00", tax: str = "9.90") -> str:
    """A one-dress demo return asking for a refund (no exchange size), at `price`,
    shipped back on its delivery day."""
    return refundable(sf, skip, price, tax, reason, brand=brand, exchange_size=None)


def signed_in(services: StationServices, clock: FixedClock,
              user: SignedInUser) -> BenchSession:
    session = services.session_for(clock)
    session.use(user)
    return session


def decide_one(sf: sessionmaker[Session], services: StationServices, clock: FixedClock,
               user: SignedInUser, skip: int, brand: str = "kissprom",
               grade: Grade = Grade.A, session: BenchSession | None = None) -> str:
    """A one-dress return scanned, graded and decided at the bench (refund; restock for
    grade A), through `session` (a fresh one by default)."""
    number = ready_return(sf, skip, ReturnReason.SIZING, brand)
    if session is None:
        session = signed_in(services, clock, user)
    assert session.scan(number).level != "error"
    session.open_inspection()
    form = with_grade(InspectionInput(), grade)
    if form.matches_order is None:  # a damaged dress: the inspector checked the tag too
        form = replace(form, matches_order=True)
    session.forms[1] = form
    done = session.accept()
    assert done.data.get("saved"), done.message
    return number


def decide_damaged(sf: sessionmaker[Session], services: StationServices, clock: FixedClock,
                   user: SignedInUser, skip: int) -> str:
    """A one-dress quality-defect claim, severely damaged (grade D), with its photos:
    refunded, and the dress goes to liquidation."""
    import random

    from app.demo_photos import claim_photo
    from app.domain.enums import DamageCause, DamageSeverity
    from app.services.inspection import required_slots

    number = ready_return(sf, skip, ReturnReason.QUALITY_DEFECT)
    session = signed_in(services, clock, user)
    assert session.scan(number).level != "error"
    session.open_inspection()
    form = replace(with_grade(InspectionInput(), Grade.D), matches_order=True,
                   damage_severity=DamageSeverity.SEVERE,
                   damage_cause=DamageCause.MANUFACTURING)
    session.forms[1] = form
    rng = random.Random(f"damaged-{skip}")
    for slot in required_slots(ReturnReason.QUALITY_DEFECT, form):
        image, _mark = claim_photo(rng, slot, "navy", "stain", number)
        kept = session.add_photo(1, image, slot)
        assert not kept.data.get("rejected"), kept.message
    done = session.accept()
    assert done.data.get("saved") and not done.data.get("approvals"), done.message
    return number
