"""Sixty days of the warehouse's work, played through the bench's own services.

A clock walks the last 60 days; on each business day parcels arrive and are scanned in at
three benches by the demo users, graded, photographed when damaged and decided through
the bench session (the same one the window drives), so every row, label, approval and
audit entry is one the app itself wrote. Managers answer requests, claims staff open
carrier claims and close claims, and the settlements leave in export batches twice a
week. The walk stops at the start of `today` in the warehouse's time zone, leaving the
work a bench finds in the morning: parcels to receive, items half inspected, requests
and claims waiting, a few past their due times.

Everything comes from the seed and the day: the same seed on the same day gives the
same database, photos and labels."""

from __future__ import annotations

import datetime as dt
import heapq
import random
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from functools import partial
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload, sessionmaker

from app.bench import ERROR, BenchSession, Screen
from app.camera.photostore import dhash, hamming, image_from_array
from app.clock import FixedClock
from app.demo_photos import Mark, claim_photo
from app.domain.enums import (
    ApprovalKind,
    ApprovalLevel,
    ApprovalStatus,
    DamageCause,
    DamageSeverity,
    Grade,
    PhotoSlot,
    Resolution,
    ReturnReason,
)
from app.policy.calendar import is_business_day
from app.policy.rules import load_policy
from app.services.auth import SignedInUser
from app.services.demo_data import DemoSummary, load_demo_data, record_history
from app.services.inspection import REUSE_BITS, required_slots
from app.services.putaway import expected_back
from app.services.uow import UnitOfWork
from app.wiring import StationServices, wire
from models import (
    CalibrationItem,
    Inspection,
    Photo,
    QaSample,
    ReturnAuthorization,
    ReturnItem,
    User,
)

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


def load_demo(session_factory: sessionmaker[Session], *, orders: int, seed: int,
              today: dt.date, places: HistoryPlaces | None,
              progress: Callable[[int, int], None] | None = None) -> DemoSummary:
    """Demo data into a new, empty database, and (with `places`) its 60 days of history
    up to the start of `today`, a local date of the warehouse."""
    summary = load_demo_data(session_factory, orders=orders, seed=seed, today=today)
    if places is None:
        return summary
    played = asdict(build_history(session_factory, seed=seed, today=today, places=places,
                                  progress=progress))
    record_history(session_factory, played)
    return replace(summary, history=played)


def build_history(session_factory: sessionmaker[Session], *, seed: int, today: dt.date,
                  places: HistoryPlaces,
                  progress: Callable[[int, int], None] | None = None) -> HistorySummary:
    """Play the last `HISTORY_DAYS` days before `today` (a local date of the warehouse)
    through the services. The database holds the plain demo data already."""
    return _History(session_factory, seed, today, places, progress).run()


class _History:
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

    # --- the walk ------------------------------------------------------------------
    def run(self) -> HistorySummary:
        parcels = self._parcels()
        for parcel in parcels:
            if parcel.arrives < self.today:
                self._schedule(self._work_time(max(parcel.arrives, self.first), 8.25, 15.0),
                               partial(self._receive, parcel))
        day, last = self.first, self.first
        while day < self.today:
            if is_business_day(day, self.holidays):
                self._schedule(self._at(day, dt.time(7, 55)), self._staff_day)
                if day.weekday() in EXPORT_WEEKDAYS:
                    self._schedule(self._at(day, EXPORT_AT), self._export)
                self._schedule(self._at(day, PUT_AWAY_AT),
                               partial(self._put_away, day.weekday() == 4))
                if day.weekday() == 3:
                    self._schedule(self._at(day, LOTS_AT), self._lot)
                self._schedule(self._at(day, QA_AT), self._qa_round)
                last = day
            day += dt.timedelta(days=1)
        # The last afternoon, this station starts on two parcels from the shelf and
        # leaves them half inspected: the morning's "pick up where you left off".
        self._schedule(self._at(last, dt.time(16, 40)), self._end_of_day)
        self._schedule(self._at(last, dt.time(15, 30)), self._calibration)
        start, told = self.clock.now(), -1
        total = (self.end - start).total_seconds() or 1.0
        while self.events and self.events[0].at < self.end:
            event = heapq.heappop(self.events)
            if event.at > self.clock.now():
                self.clock.advance(event.at - self.clock.now())
            event.run()
            done = int((self.clock.now() - start).total_seconds() * 100 / total)
            if self.progress is not None and done != told:  # each percent once
                self.progress(done, 100)
                told = done
        for bench in self.benches.values():
            bench.services.holds.release()
        return self.summary

    def _parcels(self) -> list[_Parcel]:
        """The returns on their way, with the day each reaches the dock."""
        with UnitOfWork(self.sf) as uow:
            rmas = uow.session.scalars(
                select(ReturnAuthorization).where(
                    ReturnAuthorization.shipped_by_customer_on.is_not(None))
                .options(selectinload(ReturnAuthorization.items)
                         .selectinload(ReturnItem.order_line),
                         selectinload(ReturnAuthorization.order))
                .order_by(ReturnAuthorization.id)).all()
            out = []
            for rma in rmas:
                assert rma.shipped_by_customer_on is not None
                arrives = rma.shipped_by_customer_on + dt.timedelta(
                    days=self.rng.randint(2, 5))
                units = tuple(_Unit(it.unit_no, it.reason,
                                    it.order_line.description.split(", ")[1]
                                    if it.order_line is not None else "",
                                    it.requested.value)
                              for it in sorted(rma.items, key=lambda i: i.unit_no))
                out.append(_Parcel(rma.number, rma.tracking_number, rma.order.number,
                                   arrives, units))
            self.damaged = self._damaged([p for p in out if p.arrives < self.today])
            return out

    def _damaged(self, arriving: list[_Parcel]) -> set[tuple[str, int]]:
        """Which claimed dresses really are damaged: DAMAGE_SHARE of the units arriving,
        taken in turn from each (reason, request) kind, each kind's in arrival order
        spread over the weeks."""
        kinds: dict[tuple[ReturnReason, str], list[tuple[str, int]]] = {}
        for parcel in sorted(arriving, key=lambda p: (p.arrives, p.number)):
            for unit in parcel.units:
                if unit.reason in CLAIM_REASONS:
                    kinds.setdefault((unit.reason, unit.requested), []).append(
                        (parcel.number, unit.unit_no))
        want = max(3, int(DAMAGE_SHARE * sum(len(p.units) for p in arriving)))
        queues = [v[self.rng.randrange(len(v))::3] or v for _k, v in sorted(kinds.items())]
        out: set[tuple[str, int]] = set()
        while len(out) < want and any(queues):
            for queue in queues:
                if queue and len(out) < want:
                    out.add(queue.pop(0))
        return out

    # --- the bench -----------------------------------------------------------------
    def _expect(self, screen: Screen, doing: str) -> Screen:
        if screen.level == ERROR:
            raise HistoryFailed(f"{doing} at {self.clock.now():%Y-%m-%d %H:%M}: "
                                f"{screen.message}")
        return screen

    def _receive(self, parcel: _Parcel) -> None:
        bench = self._bench_for()
        roll = self.rng.random()
        code = (parcel.tracking if roll < 0.7 and parcel.tracking else
                parcel.number if roll < 0.95 else parcel.order)
        self._expect(bench.session.scan(code), f"Receiving {parcel.number}")
        self.summary.received += 1
        now = self.clock.now()
        left = self._business_days_before_end(now)
        if 4 <= left <= 7 and self.rng.random() < 0.07:
            return  # forgotten on the shelf: past its inspection due date this morning
        if left == 0 and now.astimezone(self.tz).hour >= 13:
            self.shelf.append(parcel)  # the afternoon's parcels wait for the morning
            return
        if self.rng.random() < 0.7:
            self._inspect(parcel, bench)
        else:  # later that day, or the next morning
            self._schedule(self._later(now, self.rng.uniform(30, 420)),
                           partial(self._inspect, parcel, bench))

    def _inspect(self, parcel: _Parcel, bench: _Bench, half_done: bool = False) -> None:
        """Open the parcel, grade each item (photos for the damaged), Enter; or, at the
        end of the last day (`half_done`), grade and leave it for the morning."""
        session = bench.session
        view = session.parcel if session.parcel is not None \
            and session.parcel.rma_number == parcel.number \
            else bench.services.receiving.current_view(parcel.number)  # just scanned: as is
        self._expect(session.open_inspection(view), f"Opening {parcel.number}")
        todo = [u for u in parcel.units if u.unit_no in session.forms]
        if not todo:
            return
        for unit in todo:
            form = self._form(unit, (parcel.number, unit.unit_no) in self.damaged)
            if half_done:
                form = {k: v for k, v in form.items() if k in ("grade", "tags_attached")}
            # The form as the inspector leaves it, saved as its draft (the window's
            # preview after each key is for the eyes: nobody reads it here).
            session.forms[unit.unit_no] = replace(session.forms[unit.unit_no], **form)
            self._expect(session.save_draft(unit.unit_no), f"Grading {parcel.number}")
            if not half_done:
                self._photos(parcel, unit, bench)
            self.clock.advance(dt.timedelta(seconds=self.rng.randint(40, 150)))
        if half_done:
            self.summary.drafts_left += len(todo)
            return
        self.keys += 1
        screen = self._expect(session.accept(request_key=f"demo-{self.keys:06d}"),
                              f"Deciding {parcel.number}")
        if not screen.data.get("saved"):
            raise HistoryFailed(f"Deciding {parcel.number}: {screen.message}")
        self.summary.decided += len(screen.data["units"])
        self._into_totes(bench)
        self.summary.labels += sum(1 for line in screen.printed if "printed" in line)
        for approval in screen.data["approvals"]:
            self._plan_answer(int(approval))
        for unit_no, resolution in screen.data["units"].items():
            if int(unit_no) in screen.data["waiting"]:
                continue  # this dress waits for its answer first
            if resolution == Resolution.RETURN_TO_CUSTOMER.value and self.rng.random() < 0.5:
                self._ask_exception(parcel, bench, int(unit_no),
                                    self.rng.choice((Resolution.REFUND,
                                                     Resolution.STORE_CREDIT)),
                                    self.rng.choice(EXCEPTION_REASONS))
            elif resolution == Resolution.EXCHANGE.value and self.rng.random() < 0.12:
                self._ask_exception(parcel, bench, int(unit_no), Resolution.ALTERATION_CREDIT,
                                    "Customer prefers to have it tailored: alteration "
                                    "credit instead of the exchange")
        self._plan_claims(parcel, screen)

    def _end_of_day(self) -> None:
        home = self.benches[self.home]
        for parcel in self.shelf[:2]:
            self._inspect(parcel, home, half_done=True)

    def _form(self, unit: _Unit, damaged: bool) -> dict[str, Any]:
        rng = self.rng
        claimed = unit.reason in CLAIM_REASONS
        if damaged:
            severity = rng.choices((DamageSeverity.MINOR, DamageSeverity.MODERATE,
                                    DamageSeverity.SEVERE), weights=(45, 40, 15))[0]
            cause = (DamageCause.SHIPPING if unit.reason is ReturnReason.SHIPPING_DAMAGE
                     else DamageCause.MANUFACTURING)
            grade = Grade.D if severity is DamageSeverity.SEVERE else Grade.C
            return {"grade": grade, "matches_order": True, "tags_attached": rng.random() < 0.6,
                    "damage_severity": severity, "damage_cause": cause,
                    "notes": "Stain on the skirt" if rng.random() < 0.5
                    else "Tear along the side seam"}
        table = GRADES_NO_DAMAGE_FOUND if claimed else GRADES_ORDINARY
        grade = rng.choices([g for g, _ in table], weights=[w for _, w in table])[0]
        form: dict[str, Any] = {"grade": grade}
        if grade is Grade.A:
            form.update(tags_attached=True, matches_order=True,
                        damage_severity=DamageSeverity.NONE)
        elif grade is Grade.B:
            form.update(tags_attached=rng.random() < 0.5, matches_order=True,
                        damage_severity=DamageSeverity.NONE)
        elif grade in (Grade.C, Grade.D):
            form.update(worn=True, matches_order=True, damage_severity=DamageSeverity.NONE,
                        altered=grade is Grade.D and rng.random() < 0.5,
                        marks=frozenset(rng.sample(MARKS, rng.randint(1, 2))))
        else:
            form.update(matches_order=False, notes="Not the dress on the order")
        return form

    def _photos(self, parcel: _Parcel, unit: _Unit, bench: _Bench) -> None:
        form = bench.session.forms.get(unit.unit_no)
        if form is None:
            return
        kind = "stain" if (form.notes or "").startswith("Stain") else "tear"
        for slot in required_slots(unit.reason, form):
            image, mark = self._distinct_photo(slot, unit.colour, kind, parcel.number)
            screen = self._expect(bench.session.add_photo(unit.unit_no, image, slot),
                                  f"Photo of {parcel.number}")
            if screen.data.get("rejected"):
                raise HistoryFailed(f"Photo of {parcel.number} refused: {screen.message}")
            self.summary.photos += 1
            if mark is not None and slot is PhotoSlot.DAMAGE_CLOSEUP:
                self.marks[(parcel.number, unit.unit_no)] = mark

    def _distinct_photo(self, slot: PhotoSlot, colour: str, kind: str, rma_number: str
                        ) -> tuple[Any, Mark | None]:
        """A picture unlike every other one taken so far: different dresses and boxes
        never look alike to the claims desk's reuse check."""
        for _ in range(50):
            image, mark = claim_photo(self.rng, slot, colour, kind, rma_number)
            digest = dhash(image_from_array(image))
            if all(hamming(digest, seen) > 2 * REUSE_BITS for seen in self.hashes):
                self.hashes.append(digest)
                return image, mark
        raise HistoryFailed("Could not draw a photo unlike the others.")

    def _ask_exception(self, parcel: _Parcel, bench: _Bench, unit_no: int,
                       outcome: Resolution, reason: str) -> None:
        screen = self._expect(bench.session.request_exception(unit_no, reason, outcome.value),
                              f"Exception on {parcel.number}")
        self.summary.exceptions += 1
        self._plan_answer(int(screen.data["approval"]))

    # --- the managers' desk --------------------------------------------------------
    def _plan_answer(self, approval_id: int) -> None:
        now = self.clock.now()
        left = self._business_days_before_end(now)
        if left <= 1 and self.rng.random() < 0.9:
            return  # still in the queue this morning
        minutes = self.rng.uniform(15, 100) if self.rng.random() < 0.8 \
            else self.rng.uniform(130, 600)  # a busy afternoon: past its 2 hours
        self._schedule(self._later(now, minutes), partial(self._answer, approval_id))

    def _answer(self, approval_id: int) -> None:
        view = self.desk.approvals.get(approval_id)
        if view.status is not ApprovalStatus.PENDING:
            return
        sam, maria = self.users["sam"], self.users["maria"]
        if view.level is ApprovalLevel.MANAGER and view.requested_by == maria.display_name:
            return  # Maria's own re-grade over the limit: it waits for a second manager
        approver = maria if view.level is ApprovalLevel.MANAGER \
            or view.requested_by == sam.display_name else sam  # never one's own
        kind = view.kind
        approve_odds = {ApprovalKind.REFUND_OVER_THRESHOLD: 0.9,
                        ApprovalKind.POLICY_EXCEPTION: 0.6, ApprovalKind.HOLD: 0.3,
                        ApprovalKind.QA_REGRADE: 0.7}[kind]
        approve = self.rng.random() < approve_odds
        alternative = None
        if not approve and kind is ApprovalKind.REFUND_OVER_THRESHOLD:
            alternative = "store_credit"
        elif not approve and kind is ApprovalKind.HOLD:
            alternative = self.rng.choice(("return_to_customer", "quarantine"))
            if not self._quarantined:  # the history shows each way a hold ends
                alternative, self._quarantined = "quarantine", True
        note = self.rng.choice(ANSWER_NOTES[approve]) if kind is not ApprovalKind.HOLD \
            else ("Checked against the order photos: it is ours." if approve
                  else "Not a dress we sold: back to the sender.")
        answered = self.desk.approvals.answer(approval_id, approver, approve, note,
                                              alternative)
        self.summary.approvals_answered += 1
        # The answer queued the final labels for the bench that asked; its next look
        # for answers sends them (the window does it every few seconds).
        if answered.station in self.benches:
            self.benches[answered.station].services.printing.retry_queued()
        if approve and kind is ApprovalKind.HOLD and view.unit_no is not None:
            parcel = self._parcel_of(view.rma_number)
            bench = self.benches.get(answered.station) or self.benches[self.home]
            self._schedule(self._later(self.clock.now(), self.rng.uniform(10, 90)),
                           partial(self._inspect, parcel, bench))

    def _parcel_of(self, rma_number: str) -> _Parcel:
        with UnitOfWork(self.sf) as uow:
            rma = uow.session.scalars(select(ReturnAuthorization).where(
                ReturnAuthorization.number == rma_number)).one()
            return _Parcel(rma.number, rma.tracking_number, rma.order.number,
                           self.today, tuple(
                               _Unit(it.unit_no, it.reason, "") for it in rma.items))

    # --- the claims desk -----------------------------------------------------------
    def _plan_claims(self, parcel: _Parcel, screen: Screen) -> None:
        claims = {u.unit_no for u in parcel.units
                  if u.reason in (*CLAIM_REASONS, ReturnReason.WRONG_ITEM_SENT)}
        if not claims.intersection(int(u) for u in screen.data.get("units", {})):
            return
        for decision_id in screen.data.get("decisions", []):
            claim = self.claims.claims.get(int(decision_id))
            if claim.due_on is None:
                continue
            now = self.clock.now()
            self._schedule(self._later(now, self.rng.uniform(40, 200)),
                           partial(self._review_claim, claim.decision_id))

    def _review_claim(self, decision_id: int) -> None:
        carl = self.users["carl"]
        claim = self.claims.claims.get(decision_id)
        mark = self.marks.get((claim.rma_number, claim.unit_no))
        closeup = next((p for p in claim.photos if p.slot is PhotoSlot.DAMAGE_CLOSEUP), None)
        if mark is not None and closeup is not None:
            self.claims.claims.annotate(closeup.id, [
                {"type": "circle", "x1": max(0.0, mark.x - mark.r),
                 "y1": max(0.0, mark.y - mark.r * 4 / 3), "x2": min(1.0, mark.x + mark.r),
                 "y2": min(1.0, mark.y + mark.r * 4 / 3)},
                {"type": "label", "x1": min(0.95, mark.x + mark.r), "y1": mark.y,
                 "x2": min(1.0, mark.x + mark.r + 0.05), "y2": mark.y,
                 "text": mark.kind}], carl)
        if claim.cause == DamageCause.SHIPPING.value:
            self.claims.claims.open_carrier_claim(decision_id, carl)
            self.summary.carrier_claims += 1
        if self._business_days_before_end(self.clock.now()) <= 3:
            return  # still open on the desk
        self._schedule(self._later(self.clock.now(), self.rng.uniform(300, 1100)),
                       lambda: self._close_claim(decision_id))

    def _close_claim(self, decision_id: int) -> None:
        self.claims.claims.resolve(decision_id, self.rng.choice(CLAIM_NOTES),
                                   self.users["carl"])
        self.summary.claims_closed += 1

    # --- after the bench: totes, put-away, prep, lots ---------------------------------
    def _free_tote(self, bench: _Bench) -> str:
        if not self.free_totes:
            screen = self._expect(bench.session.print_totes(24), "Printing tote plates")
            self.free_totes = list(screen.data["totes"])
            self.summary.totes += len(self.free_totes)
        return self.free_totes.pop(0)

    def _into_totes(self, bench: _Bench) -> None:
        """Each decided dress into its tote, scanned at the bench right after Enter."""
        session = bench.session
        while session.tote_due:
            due = session.tote_due[0]
            screen = session.tote_scan(due.tote or self._free_tote(bench))
            if "placed" not in screen.data:  # the tote named at Enter filled meanwhile
                open_tote = bench.services.putaway.tote_for(due.rma, due.unit)
                code = open_tote.code if open_tote is not None else self._free_tote(bench)
                screen = self._expect(session.tote_scan(code), f"Tote for {due.rma}")
            if "placed" not in screen.data:
                raise HistoryFailed(f"Tote for {due.rma}: {screen.message}")
            self.summary.into_totes += 1

    def _put_away(self, closing: bool) -> None:
        """The day's put-away round on the handheld: closed totes (full ones; on Fridays
        the benches' open totes are closed first) to their first stop, and dresses whose
        steaming or refurbishment is done on to the shelf or the outlet rail."""
        carl = self.users["carl"]
        self.stock.use(carl)
        putaway = self.stocker.putaway
        if closing:
            for tote in putaway.totes("open"):
                self.stock.last_tote = tote.code
                self._expect(self.stock.close_tote(), f"Closing tote {tote.code}")
        kinds = {loc.code: loc.kind for loc in putaway.map.locations}
        for tote in putaway.totes("closed", placed=False, on_lot=False):
            self._move(tote.code, FIRST_STOP.get(tote.disposition or "", ""), kinds)
        for code in (c for c, k in kinds.items() if k == "qa"):  # re-graded: onward
            for line in putaway.held_at(code):
                if line.disposition in FIRST_STOP and line.disposition != "qa":
                    self._move(line.plate, FIRST_STOP[line.disposition], kinds)
        today = self.clock.now().astimezone(self.tz).date()
        for prep, onward in AFTER_PREP.items():
            for code in (c for c, k in kinds.items() if k == prep):
                for line in putaway.held_at(code):
                    back = expected_back(line)
                    if back is not None and back <= today:
                        self._move(line.plate, onward, kinds)
                        self.summary.prep_done += 1

    # --- grading QA ------------------------------------------------------------------
    def _qa_round(self) -> None:
        """Late morning: Sam re-grades blind what is waiting at the QA rack (Maria takes
        Sam's own); most agree, some are a grade apart, as real re-grades are. A
        re-grade that pays more waits for an answer like any request. The re-graded
        dresses leave the rack with the afternoon's put-away round."""
        sam, maria = self.users["sam"], self.users["maria"]
        desks = {who.id: self.desk.qa_desk(who) for who in (sam, maria)}
        with UnitOfWork(self.sf) as uow:  # the true grade, which the demo knows
            firsts = dict(uow.session.execute(select(QaSample.id, QaSample.first_grade)
                                              .where(QaSample.status == "waiting")).all())
        for desk in desks.values():
            for item in desk.queue():
                first = firsts.get(item.sample_id)
                if first is None:
                    continue
                second = first
                if first != "X" and self.qa_rng.random() < 0.22:  # a grade apart
                    step = self.qa_rng.choice((-1, 1))
                    second = "ABCD"[min(3, max(0, "ABCD".index(first) + step))]
                desk.pick(item)
                desk.press({"A": "1", "B": "2", "C": "3", "D": "4", "X": "5"}[second])
                screen = desk.enter()
                if "regraded" not in screen.data:
                    if "waits for" in screen.message:
                        continue  # waiting for an answer first: a later round takes it
                    raise HistoryFailed(f"Re-grade of {item.rma}: {screen.message}")
                self.summary.regraded += 1
                firsts.pop(item.sample_id, None)
                if screen.data.get("effect") == "approval":
                    request = self.desk.approvals.pending_for_rma(item.rma)
                    for view in request:
                        self._plan_answer(view.id)

    def _calibration(self) -> None:
        """The calibration set: Maria keeps six reference dresses (claims with their
        photos, at the grade the team agreed); Ines and Carl each took a round."""
        maria = self.users["maria"]
        with UnitOfWork(self.sf) as uow:
            rows = uow.session.execute(
                select(ReturnAuthorization.number, ReturnItem.unit_no, Inspection.grade)
                .join(ReturnItem, ReturnItem.rma_id == ReturnAuthorization.id)
                .join(Inspection, Inspection.return_item_id == ReturnItem.id)
                .join(Photo, Photo.inspection_id == Inspection.id)
                .where(Inspection.is_draft.is_(False), Inspection.grade.is_not(None))
                .group_by(ReturnAuthorization.number, ReturnItem.unit_no, Inspection.grade)
                .order_by(ReturnAuthorization.number).limit(40)).all()
        by_grade: dict[str, list[tuple[str, int]]] = {}
        for number, unit, graded in rows:
            if graded is not None:
                by_grade.setdefault(graded.value, []).append((number, unit))
        chosen: list[tuple[tuple[str, int], str]] = []
        for depth in range(6):  # each grade in turn, so the set spans what there is
            chosen += [(refs[depth], g) for g, refs in sorted(by_grade.items())
                       if depth < len(refs)]
        chosen = chosen[:6]
        if len(chosen) < 3:
            return
        calibration = self.desk.calibration
        for (number, unit), agreed_grade in chosen:
            calibration.add(number, unit, agreed_grade, maria, "Agreed at the Monday huddle")
        for who, skill in (("ines", 0.8), ("carl", 0.65)):
            user = self.users[who]
            round_id = calibration.start_round(user)
            while (card := calibration.card(round_id, user)) is not None:
                agreed = next(g for (n, u), g in chosen
                              if (n, u) == self._reference(card.item_id))
                given = agreed if self.qa_rng.random() < skill or agreed == "X" else \
                    "ABCD"[min(3, max(0, "ABCD".index(agreed) + self.qa_rng.choice((-1, 1))))]
                calibration.answer(round_id, card.item_id, given, user)
            self.summary.calibration_rounds += 1

    def _reference(self, item_id: int) -> tuple[str, int]:
        with UnitOfWork(self.sf) as uow:
            row = uow.session.execute(
                select(ReturnAuthorization.number, ReturnItem.unit_no)
                .join(ReturnItem, ReturnItem.rma_id == ReturnAuthorization.id)
                .join(CalibrationItem, CalibrationItem.return_item_id == ReturnItem.id)
                .where(CalibrationItem.id == item_id)).one()
            return row[0], row[1]

    def _move(self, code: str, kind: str, kinds: dict[str, str]) -> None:
        picked = self._expect(self.stock.putaway_scan(code), f"Picking up {code}")
        shelf = next((c for c in picked.data.get("goes_to", []) if kinds.get(c) == kind),
                     None)
        if shelf is None:
            self.stock.drop()
            return  # no room there today: it waits for the next round
        moved = self._expect(self.stock.putaway_scan(shelf), f"Putting {code} at {shelf}")
        if "moved" not in moved.data:
            raise HistoryFailed(f"Putting {code} at {shelf}: {moved.message}")
        self.summary.put_away += 1

    def _lot(self) -> None:
        """Thursdays: the week's liquidate totes onto a lot (liquidation, donation and
        return to vendor in turn; the vendor takes the refurbish totes too), closed by
        Maria with its buyer and price."""
        kind = LOT_KINDS[self.lot_kinds % len(LOT_KINDS)]
        self.lot_kinds += 1  # one kind a week, in turn
        takes = ("liquidate", "refurbish") if kind == "rtv" else ("liquidate",)
        totes = [t for t in self.stocker.putaway.totes("closed", placed=True, on_lot=False)
                 if t.disposition in takes]
        if not totes:
            return
        carl, maria = self.users["carl"], self.users["maria"]
        self.stock.use(carl)
        opened = self._expect(self.stock.open_lot(kind), "Opening a lot")
        for tote in totes:
            self._expect(self.stock.putaway_scan(tote.code), f"Lot tote {tote.code}")
        dresses = opened.data["lot"].items + sum(t.items for t in totes)
        party, price = {"liquidation": ("Rack Room Resale", f"{15 * dresses}.00"),
                        "donation": ("Dress for Success", None),
                        "rtv": ("Kiss Prom supplier QA", f"{40 * dresses}.00")}[kind]
        self.stock.use(maria)
        self._expect(self.stock.close_lot(party, price, self.places.outbox), "Closing a lot")
        self.stock.use(carl)
        self.summary.lots += 1

    # --- the office ----------------------------------------------------------------
    def _export(self) -> None:
        report = self.desk.exports.export(self.places.outbox, self.users["maria"])
        self.summary.exports += len(report.batches)

