"""The history's state and clock: its settings, the records it walks with, and the
core every part of the day builds on (the time, the people and benches, a screen
that must not fail)."""

from __future__ import annotations

import datetime as dt
import heapq
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.bench import ERROR, BenchSession, Screen
from app.clock import FixedClock
from app.demo_photos import Mark
from app.domain.enums import Grade, ReturnReason
from app.policy.calendar import is_business_day
from app.policy.rules import load_policy
from app.services.auth import SignedInUser
from app.services.uow import UnitOfWork
from app.wiring import StationServices, wire
from models import User

HISTORY_DAYS = 60
BENCHES = ("BENCH-01", "BENCH-02", "BENCH-03")
DESK = "MANAGER-01"
CLAIMS_DESK = "CLAIMS-01"
OPEN, CLOSE = dt.time(8, 0), dt.time(17, 0)
EXPORT_WEEKDAYS = (1, 4)  # Tuesday and Friday mornings
EXPORT_AT = dt.time(10, 30)
STOCKER = "HANDHELD-01"  # the put-away handheld
PUT_AWAY_AT = dt.time(16, 15)  # the day's put-away round; on Fridays it closes the totes
LOTS_AT = dt.time(14, 0)  # Thursdays: the week's liquidate totes onto a lot
LOT_KINDS = ("rtv", "liquidation", "donation")
# Where each disposition's totes go first (a location kind on the map); a steamed or
# refurbished dress moves on when its prep days are over.
FIRST_STOP = {"restock": "restock", "prep_and_restock": "steam", "refurbish": "refurbish",
              "liquidate": "liquidation", "return_to_customer": "outbound",
              "hold": "quarantine", "qa": "qa"}
QA_AT = dt.time(11, 0)  # the supervisor's daily round of blind re-grades at the QA rack
AFTER_PREP = {"steam": "restock", "refurbish": "outlet"}
CLAIM_REASONS = (ReturnReason.QUALITY_DEFECT, ReturnReason.SHIPPING_DAMAGE)

EXCEPTION_REASONS = (
    "Customer was told on the phone the dress could come back for a refund",
    "Dress arrived after the prom date; goodwill refund agreed by customer service",
    "Long-standing customer, first return in three years: store credit offered",
    "Customer's tailor altered the hem before she saw the seam was open",
    "Carrier delay pushed the return past the window by two days",
)
ANSWER_NOTES = {
    True: ("Agreed, as customer service promised.", "Fine: goodwill for a loyal customer.",
           "Checked the order history: approved.", "Approved."),
    False: ("Worn to the event: the policy stands.", "Not covered: the window was clear.",
            "No: the customer was told the policy in writing."),
}
CLAIM_NOTES = ("Customer refunded; carrier claim filed with photos.",
               "Replacement shipped; seam defect reported to the supplier.",
               "Repair credit issued; photos sent to the factory QA team.",
               "Claim settled with the customer; dress to refurbishment.")
GRADES_ORDINARY = ((Grade.A, 58), (Grade.B, 30), (Grade.C, 8), (Grade.D, 2), (Grade.X, 2))
GRADES_NO_DAMAGE_FOUND = ((Grade.A, 45), (Grade.B, 43), (Grade.C, 12))
# The share of dresses found really damaged (the other claims: no damage found), kept
# under 3% of inspections; they are spread over the weeks and over what the customers
# asked for, so every claim outcome (refund, replacement, repair credit) shows.
DAMAGE_SHARE = 0.024
MARKS = ("makeup", "deodorant", "odour", "loose beads", "pulled thread")


class HistoryFailed(RuntimeError):
    """A step of the history did not go as the bench would: a bug, never bad input."""


@dataclass(frozen=True)
class HistoryPlaces:
    """Where the history's files go (photos, printed labels: the file printer, and the
    export batches), and the station that made it: it is the first of the three benches,
    so its own print history, half-done parcels and answers are there when it opens."""

    photos: Path
    labels: Path
    outbox: Path
    station: str = BENCHES[0]


@dataclass
class HistorySummary:
    received: int = 0
    decided: int = 0
    photos: int = 0
    labels: int = 0
    approvals_answered: int = 0
    exceptions: int = 0
    carrier_claims: int = 0
    claims_closed: int = 0
    exports: int = 0
    drafts_left: int = 0
    totes: int = 0
    into_totes: int = 0
    put_away: int = 0
    prep_done: int = 0
    lots: int = 0
    regraded: int = 0
    calibration_rounds: int = 0


@dataclass(frozen=True)
class _Unit:
    unit_no: int
    reason: ReturnReason
    colour: str
    requested: str = ""


@dataclass(frozen=True)
class _Parcel:
    number: str
    tracking: str | None
    order: str
    arrives: dt.date
    units: tuple[_Unit, ...]


@dataclass
class _Bench:
    name: str
    services: StationServices
    session: BenchSession
    user: SignedInUser | None = None


@dataclass(order=True)
class _Event:
    at: dt.datetime
    seq: int
    run: Callable[[], None] = field(compare=False)


class _Core:
    """What the whole history shares: the clock and its events, the random streams,
    the desks and benches wired to the services, and what it remembers on the way."""

    def __init__(self, session_factory: sessionmaker[Session], seed: int, today: dt.date,
                 places: HistoryPlaces, progress: Callable[[int, int], None] | None) -> None:
        self.sf = session_factory
        self.rng = random.Random(f"demo-history:{seed}")
        # Grading QA draws from its own stream, so the rest of the history is the same
        # with or without it.
        self.qa_rng = random.Random(f"demo-qa:{seed}")
        policy = load_policy("kissprom")
        self.tz = policy.timezone
        self.holidays = set(policy.holidays)
        self.today = today
        self.first = today - dt.timedelta(days=HISTORY_DAYS)
        self.end = self._at(today, dt.time(0))
        self.clock = FixedClock(self._at(self.first, OPEN))
        self.places = places
        self.progress = progress
        self.summary = HistorySummary()
        self._quarantined = False
        self.events: list[_Event] = []
        self.seq = 0
        printer = f"file:{places.labels}"
        self.users = self._users()
        names = [places.station, *[b for b in BENCHES if b != places.station][:2]]
        self.home = places.station
        self.benches = {name: self._bench(name, printer) for name in names}
        self.desk = wire(session_factory, self.clock, DESK, places.photos, printer)
        self.claims = wire(session_factory, self.clock, CLAIMS_DESK, places.photos, printer)
        self.stocker = wire(session_factory, self.clock, STOCKER, places.photos, printer)
        self.stock = self.stocker.session_for(self.clock)
        self.free_totes: list[str] = []
        self.lot_kinds = 0
        self.marks: dict[tuple[str, int], Mark] = {}
        self.keys = 0
        self.damaged: set[tuple[str, int]] = set()
        self.shelf: list[_Parcel] = []
        self.hashes: list[str] = []

    # --- time ----------------------------------------------------------------------
    def _at(self, day: dt.date, time: dt.time) -> dt.datetime:
        return dt.datetime.combine(day, time, tzinfo=self.tz).astimezone(dt.UTC)

    def _open_day(self, day: dt.date) -> dt.date:
        while not is_business_day(day, self.holidays):
            day += dt.timedelta(days=1)
        return day

    def _work_time(self, day: dt.date, lo: float = 8.25, hi: float = 16.5) -> dt.datetime:
        """A moment of the working day `day` (or the next one the warehouse is open)."""
        hours = self.rng.uniform(lo, hi)
        return self._at(self._open_day(day), OPEN) + dt.timedelta(hours=hours - 8)

    def _later(self, at: dt.datetime, minutes: float) -> dt.datetime:
        """`minutes` of working time after `at`: past closing, the rest of it runs on
        from the next working morning."""
        out = at + dt.timedelta(minutes=minutes)
        local = out.astimezone(self.tz)
        closing = self._at(local.date(), CLOSE)
        if out <= closing and is_business_day(local.date(), self.holidays):
            return out
        spill = max(out - closing, dt.timedelta(minutes=5)) \
            if is_business_day(local.date(), self.holidays) else dt.timedelta(minutes=20)
        day = self._open_day(local.date() + dt.timedelta(days=1))
        return self._at(day, OPEN) + min(spill, dt.timedelta(hours=8))

    def _business_days_before_end(self, at: dt.datetime) -> int:
        day, n = at.astimezone(self.tz).date(), 0
        while day < self.today:
            day += dt.timedelta(days=1)
            n += is_business_day(day, self.holidays) and day < self.today
        return n

    def _schedule(self, at: dt.datetime, run: Callable[[], None]) -> None:
        self.seq += 1
        heapq.heappush(self.events, _Event(at, self.seq, run))

    # --- who and where -------------------------------------------------------------
    def _users(self) -> dict[str, SignedInUser]:
        with UnitOfWork(self.sf) as uow:
            return {u.username: SignedInUser(u.id, u.username, u.display_name, u.role)
                    for u in uow.session.scalars(select(User))}

    def _bench(self, name: str, printer: str) -> _Bench:
        services = wire(self.sf, self.clock, name, self.places.photos, printer)
        return _Bench(name, services, services.session_for(self.clock))

    def _staff_day(self) -> None:
        """Who works which bench: Ines at the first, Carl at the second when the claims
        desk is quiet, Sam (the supervisor) at the third between answers. Maria, the only
        manager, keeps off the bench: nobody could answer her own requests over $250."""
        for bench, who in zip(self.benches.values(), ("ines", "carl", "sam"), strict=True):
            bench.user = self.users[who]
            bench.session.use(bench.user)

    def _bench_for(self) -> _Bench:
        return self.rng.choices(list(self.benches.values()), weights=(55, 30, 15))[0]

    def _expect(self, screen: Screen, doing: str) -> Screen:
        if screen.level == ERROR:
            raise HistoryFailed(f"{doing} at {self.clock.now():%Y-%m-%d %H:%M}: "
                                f"{screen.message}")
        return screen
