"""The bench session: one bench's state (who is signed in, the open parcel, the forms being
filled, the work kept while the database is away) and its inputs (a scan, a mark, an edit,
accept, an exception, an answer). Each input returns a `Screen`: what to show, which sound
and what was printed. The window renders it and forwards input; `main.py replay` and the
tests drive the same session without Qt."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Protocol, TypeVar

from app.clock import Clock
from app.domain.enums import (
    ApprovalStatus,
    DamageSeverity,
    DecisionStatus,
    LabelKind,
    PhotoSlot,
    ReceptionStatus,
    Resolution,
)
from app.domain.money import format_money
from app.errors import (
    DatabaseUnavailable,
    NeedsServer,
    ReturnBenchError,
    SignedOut,
    user_message,
)
from app.permissions import Action, allowed
from app.printing.labels import tote_manifest, tote_plate
from app.services.approvals import ApprovalService
from app.services.auth import AuthService, SignedInUser
from app.services.calibration import CalibrationCard, CalibrationService
from app.services.decisions import (
    AcceptedDecision,
    DecisionService,
    DecisionView,
    InspectionInput,
    missing,
)
from app.services.holds import Holder, HoldService
from app.services.inspection import InspectionService, PhotoRejected, required_slots
from app.services.journal import OfflineStatus, ReplayReport
from app.services.labels_plan import labels_for
from app.services.lookup import ReturnView
from app.services.lots import LotService
from app.services.printing import PrintService
from app.services.putaway import PutAwayService, ToteView
from app.services.qa import BlindItem, QaService, RegradeNews
from app.services.receiving import ReceivingService
from app.services.unsaved import UnsavedWork
from app.views import PhotoView

OK, WARN, ERROR = "ok", "warn", "error"


def slot_words(slot: PhotoSlot) -> str:
    return slot.value.replace("_", " ")


@dataclass(frozen=True)
class Screen:
    """What the screen shows after one input."""

    level: str                         # ok, warn or error: the banner's colour
    message: str                       # the sentence for the bench
    sound: str | None = None           # good, bad or None
    place: str | None = None           # receive or inspect: the page to show; None stays
    view: ReturnView | None = None     # the parcel to show
    printed: tuple[str, ...] = ()      # one line per label: sent, or why not
    data: dict[str, Any] = field(default_factory=dict)  # machine-readable extras

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"level": self.level, "message": self.message}
        if self.sound:
            out["sound"] = self.sound
        if self.place:
            out["place"] = self.place
        if self.view is not None:
            out["rma"] = self.view.rma_number
            out["order"] = self.view.order_number
            out["items"] = [{"unit": it.unit_no, "reception": it.reception_status.value,
                             "decision": it.decision_status.value} for it in self.view.items]
        if self.printed:
            out["printed"] = list(self.printed)
        out.update(self.data)
        return out


@dataclass(frozen=True)
class ToteDue:
    """A decided dress waiting to be scanned into its tote at this bench."""

    rma: str
    unit: int
    disposition: str
    brand: str
    tote: str | None  # the open tote it goes into; None: any empty tote

    def words(self) -> str:
        what = ("QA, blind re-grade" if self.disposition == "qa"
                else self.disposition.replace('_', ' ')) + f", {self.brand}"
        return f"item {self.unit} ({what}) into " + (
            f"tote {self.tote}" if self.tote else "any EMPTY tote")


@dataclass
class BenchServices:
    """The services one bench uses (built once, by the composition root)."""

    auth: AuthService
    receiving: ReceivingService | None
    decisions: DecisionService
    approvals: ApprovalService
    inspection: InspectionService
    printing: PrintService
    unsaved: UnsavedWork | None = None
    holds: HoldService | None = None
    clock: Clock | None = None
    putaway: PutAwayService | None = None
    lots: LotService | None = None
    qa: QaService | None = None

    def clock_now(self) -> dt.datetime:
        return self.clock.now() if self.clock is not None else dt.datetime.now(dt.UTC)


T = TypeVar("T")


class OfflinePort(Protocol):
    """What the session needs of an offline mode (app/offline.py): the same services on
    the bench's local copy, each action journaled, and the replay when the server is
    back."""

    offline: bool
    set_aside: list[tuple[str, int]]

    def local(self) -> BenchServices: ...

    def reconcile(self) -> ReplayReport: ...

    def status(self) -> OfflineStatus: ...


class BenchSession:
    def __init__(self, services: BenchServices, offline: OfflinePort | None = None) -> None:
        self._s = services
        self._online = services
        self.offline_port = offline
        self.user: SignedInUser | None = None
        self.parcel: ReturnView | None = None
        # The forms being filled, by unit, for the open parcel (saved as drafts as they go).
        self.forms: dict[int, InspectionInput] = {}
        # An Enter the database could not take: (request key, forms), done when it is back.
        self.pending_accept: tuple[str, dict[int, InspectionInput]] | None = None
        # Photos taken while the database was away: (rma, unit, image, slot, override).
        self.pending_photos: list[tuple[str, int, Any, PhotoSlot, bool]] = []
        self._answers_since: dt.datetime | None = None
        self._answers_seen: set[int] = set()
        # The open parcel's photos by unit, and the units another bench holds.
        self.photos: dict[int, list[PhotoView]] = {}
        self.blocked: dict[int, Holder] = {}
        # Decided dresses still to be scanned into their totes, and the tote last used.
        self.tote_due: list[ToteDue] = []
        self.last_tote: str | None = None
        # At put-away: the tote or dress picked up, waiting for its location's scan; the
        # outbound lot (pallet) being loaded, which the next totes scanned go onto.
        self.carrying: str | None = None
        self.loading_lot: str | None = None
        # Why the bench was signed out by the server (the user deactivated, or given
        # another role, since signing in), and who to tell: the window goes to sign-in.
        self.signed_out: str | None = None
        self.on_signed_out: Callable[[str], None] | None = None

    # --- offline: the server away, the local copy and the journal -------------------
    @property
    def is_offline(self) -> bool:
        return self._s is not self._online

    def _go_offline(self) -> bool:
        """Work on the local copy from now on (False: this bench has no offline mode or
        no copy yet, and keeps the old way: forms kept in `unsaved/`)."""
        port = self.offline_port
        if port is None:
            return False
        if self.is_offline:
            return True
        try:
            local = port.local()
        except ReturnBenchError:
            return False
        port.offline = True
        self._s = local
        return True

    def _try(self, call: Callable[[BenchServices], T]) -> T:
        """A service call; the server away, the same call on the local copy."""
        try:
            return call(self._s)
        except DatabaseUnavailable:
            if self.is_offline or not self._go_offline():
                raise
            return call(self._s)

    def start_offline(self) -> None:
        """The bench started without its server: on the local copy from the start."""
        self._go_offline()

    def offline_status(self) -> OfflineStatus | None:
        if self.offline_port is None:
            return None
        try:
            return self.offline_port.status()
        except ReturnBenchError:
            return None

    def go_online(self) -> Screen | None:
        """The server answers: replay the journal (in order, once each); back on the
        server's services when all of it went through. None: nothing to do."""
        port = self.offline_port
        if port is None or (not self.is_offline and not port.status().waiting):
            return None
        try:
            report = port.reconcile()
        except DatabaseUnavailable as exc:
            return Screen(WARN, f"Still offline: {self._say(exc)}")
        if report.left:
            return Screen(WARN, f"Syncing stopped, the server went away again: "
                          f"{report.words()}. It resumes by itself.")
        self._s = self._online
        port.offline = False
        self.refresh_parcel()
        self.restore_totes_due()  # the dresses decided offline go into their totes now
        words = f"Back online: {report.words()}."
        qa = self._relabel_set_aside(port)
        if qa:
            words += f" {qa}"
        if report.conflicts:
            return Screen(WARN, words + " A supervisor settles those under Needs a look "
                          "(F10).", "bad", data={"synced": report.applied,
                                                          "conflicts": report.conflicts})
        return Screen(OK, words, data={"synced": report.applied, "conflicts": 0})

    def _relabel_set_aside(self, port: OfflinePort) -> str:
        """Dresses decided offline that the server set aside for a blind re-grade at
        sync: their item labels again (they say QA now), once each."""
        aside, port.set_aside = list(port.set_aside), []
        if not aside or self.user is None:
            return ""
        for rma, unit in aside:
            self._print(rma, [(unit, "item")], f"qa-sync/{rma}")
        names = ", ".join(f"{rma} item {unit}" for rma, unit in aside[:3])
        more = f" and {len(aside) - 3} more" if len(aside) > 3 else ""
        return (f"{len(aside)} dress{'es' if len(aside) != 1 else ''} decided offline "
                f"{'were' if len(aside) != 1 else 'was'} set aside for a blind QA re-grade "
                f"({names}{more}): the new label says QA; put "
                f"{'them' if len(aside) != 1 else 'it'} in the QA tote.")

    def _needs_server(self, what: str) -> Screen | None:
        """Offline, what needs the server says so (None: the bench is online)."""
        if not self.is_offline:
            return None
        return Screen(WARN, f"OFFLINE: {what} need the server; they wait until the bench "
                      "is back online (the status bar says when). Keep the dresses by "
                      "the bench: their labels say PROVISIONAL.", "bad",
                      data={"needs_server": True})

    def _offline_words(self) -> str:
        return "OFFLINE, kept on this bench: " if self.is_offline else ""

    # --- who ---------------------------------------------------------------------
    def sign_in(self, username: str, pin: str) -> Screen:
        try:
            self.user = self._s.auth.sign_in(username, pin)
        except ReturnBenchError as exc:
            return Screen(ERROR, self._say(exc), "bad")
        self.signed_out = None
        self.restore_totes_due()
        return Screen(OK, f"Signed in: {self.user.display_name} ({self.user.role.value}).",
                      place="receive")

    def use(self, user: SignedInUser) -> None:
        """The window signed the user in already. A new user at this bench is told the
        dresses still in no tote (the same user again, as Inspect does on each parcel,
        needs no second look)."""
        changed = self.user is None or self.user.id != user.id
        self.user, self.signed_out = user, None
        if changed:
            self.restore_totes_due()

    def restore_totes_due(self) -> None:
        """The dresses this station decided today that are still in no tote (the bench
        restarted, or the last inspector signed out before scanning them)."""
        if self._s.putaway is None:
            return
        since = self._s.clock_now() - dt.timedelta(hours=16)
        try:
            waiting = self._s.putaway.waiting_for_totes(since)
        except ReturnBenchError:
            return  # the database is away: the list comes back when it does
        for rma, unit in waiting:
            self._add_totes_due(rma, [unit])

    def qa_news(self) -> list[RegradeNews]:
        """Blind re-grades that changed this inspector's decisions, not yet shown to
        them (each is shown once: at the sign-in after it)."""
        if self._s.qa is None or self.user is None:
            return []
        try:
            return self._s.qa.news(self.user)
        except ReturnBenchError:
            return []  # the database is away: the news waits for the next sign-in

    def sign_out(self) -> None:
        self.user, self.parcel, self.forms = None, None, {}
        self.tote_due, self.last_tote = [], None

    def _say(self, exc: BaseException) -> str:
        """The sentence for a refusal. `SignedOut` (the user was deactivated, or given
        another role, since signing in) also signs this bench out: nothing more is done
        in their name, and the window goes to sign-in with the sentence."""
        if isinstance(exc, SignedOut) and self.user is not None:
            self.sign_out()
            self.pending_accept, self.pending_photos = None, []
            self.signed_out = exc.message
            if self.on_signed_out is not None:
                self.on_signed_out(exc.message)
        return user_message(exc)

    def _who(self) -> SignedInUser:
        if self.user is None:
            raise ReturnBenchError("Sign in first.")
        return self.user

    # --- scanning ----------------------------------------------------------------
    def scan(self, code: str, unit: int | None = None) -> Screen:
        """A scanned (or typed) code, from any page. The dress's own SKU tag, while its
        parcel is open, answers "matches the order" for the item (`unit`: the one on
        screen). Anything else is a parcel code: one transaction finds the return and
        records its receipt; a half-done form stays a draft, and the screen says so."""
        try:
            user = self._who()
        except ReturnBenchError as exc:
            return Screen(ERROR, self._say(exc), "bad")
        if code.strip().upper().startswith("TO-"):
            return self.tote_scan(code)
        tag = self.tag_scan(code, unit)
        if tag is not None:
            return tag
        kept = self._kept_forms(code) + self._totes_waiting()
        if self._s.receiving is None:
            return Screen(ERROR, "This screen cannot receive parcels.", "bad")
        try:
            outcome = self._try(lambda s: s.receiving.scan(code.strip(), user)
                                if s.receiving is not None else None)
        except ReturnBenchError as exc:
            return Screen(ERROR, kept + self._say(exc), "bad", place="receive",
                          data={"found": False})
        if outcome is None:
            return Screen(ERROR, "This screen cannot receive parcels.", "bad")
        kept = self._offline_words() + kept
        if outcome.view is None:
            return Screen(ERROR, kept + outcome.message, "bad", place="receive",
                          data={"found": False})
        self.parcel = outcome.view
        self.forms = {}
        level = OK if outcome.newly_received else WARN
        if not outcome.newly_received and outcome.view.items:
            states = "; ".join(
                f"item {it.unit_no} {it.decision_status.value.replace('_', ' ')}"
                for it in outcome.view.items)
            outcome = replace(outcome, message=f"{outcome.message} Now: {states}.")
        if outcome.no_return:
            level = WARN
        return Screen(level, kept + outcome.message, "good", place="receive",
                      view=outcome.view,
                      data={"found": True, "received": outcome.newly_received})

    def tag_scan(self, code: str, unit: int | None = None) -> Screen | None:
        """The dress's SKU tag scanned while its parcel is open: the tag answers "matches
        the order" (M) for the item: yes when it is the SKU ordered, NO when it names
        another of our products. None: the code is no SKU tag (it is a parcel code)."""
        if self.parcel is None or not self.parcel.rma_number or not self.forms:
            return None
        text = code.strip().upper()
        ordered = {it.unit_no: it.line.sku for it in self.parcel.items
                   if it.line is not None and it.unit_no in self.forms}
        same = [u for u, sku in ordered.items() if sku.upper() == text]
        if same:
            if unit not in same:  # the first of them still unanswered, else the first
                unit = next((u for u in same if self.forms[u].matches_order is None), same[0])
            shown = self.edit(unit, matches_order=True)
            after = shown.message if shown.level == OK else ""  # another item's question
            return replace(shown, level=OK if shown.level == WARN else shown.level,
                           message=f"Tag {code.strip()} is item {unit}'s SKU: item {unit} "
                           f"matches the order. {after}".strip(), sound="good",
                           data={**shown.data, "tag": unit, "matches": True})
        if self._s.receiving is None or unit not in ordered:
            return None
        try:
            product = self._s.receiving.product_words(code)
        except ReturnBenchError:
            return None
        if product is None:
            return None
        shown = self.edit(unit, matches_order=False)
        return Screen(WARN, f"Tag {code.strip()} is {product}, but item {unit} was ordered as "
                      f"{ordered[unit]}: marked NOT matching the order (M to change). "
                      f"{shown.message}".strip(), "bad",
                      data={**shown.data, "tag": unit, "matches": False})

    def _kept_forms(self, code: str) -> str:
        if self.parcel is None or not self.parcel.rma_number:
            return ""
        half_done = sorted(u for u, f in self.forms.items() if f != InspectionInput())
        if not half_done or code.strip().upper() == self.parcel.rma_number:
            return ""
        units = ", ".join(str(u) for u in half_done)
        return (f"{self.parcel.rma_number} item{'s' if len(half_done) > 1 else ''} {units} "
                "kept as a draft (it comes back when you scan that parcel again). ")

    def refresh_parcel(self) -> ReturnView | None:
        """Read the open parcel again (its items' states moved: an answer given over
        the bench). The forms being filled stay."""
        if self.parcel is None or not self.parcel.rma_number or self._s.receiving is None:
            return self.parcel
        try:
            rma = self.parcel.rma_number
            self.parcel = self._try(lambda s: s.receiving.current_view(rma)
                                    if s.receiving is not None else self.parcel)
        except ReturnBenchError:
            pass  # the rows say what they said; the banner tells the answer
        return self.parcel

    def unfinished(self) -> list[tuple[str, str]]:
        """Inspections this station began and did not decide: (rma, words), newest first,
        one entry per parcel."""
        try:
            rows = self._s.inspection.unfinished()
        except ReturnBenchError:
            return []
        out: dict[str, str] = {}
        for row in rows:
            if row.rma_number not in out:
                out[row.rma_number] = row.words()
        return list(out.items())

    # --- receiving marks -----------------------------------------------------------
    def mark(self, unit: int, status: ReceptionStatus) -> Screen:
        if self.parcel is None or not self.parcel.rma_number or self._s.receiving is None:
            return Screen(WARN, "Scan a parcel first.")
        try:
            rma, who = self.parcel.rma_number, self._who()
            view = self._try(lambda s: s.receiving.set_reception(rma, unit, status, who)
                             if s.receiving is not None else None)
            assert view is not None
        except ReturnBenchError as exc:
            return Screen(ERROR, self._say(exc), "bad")
        self.parcel = view
        return Screen(OK, f"Item {unit} marked {status.value.replace('_', ' ')}.", view=view)

    # --- inspecting ----------------------------------------------------------------
    def open_inspection(self, view: ReturnView | None = None) -> Screen:
        """Open a parcel for inspection: hold its units for this bench (those another
        bench holds are left out, with who and where), and pick up the drafts and photos
        saved before, and the forms kept on this bench while the database was away."""
        view = view or self.parcel
        if view is None or not view.rma_number:
            return Screen(WARN, "Scan a parcel first (F1).")
        self.parcel = view
        self.forms = {it.unit_no: InspectionInput() for it in view.items
                      if it.decision_status is DecisionStatus.PENDING}
        self.photos, self.blocked = {}, {}
        problems: list[str] = []
        if self._s.holds is not None and self.forms and self.user is not None:
            try:
                result = self._s.holds.acquire(view.rma_number, self.user, set(self.forms))
            except DatabaseUnavailable:
                self._go_offline()  # another bench's hold is not checked offline
                result = None
            except ReturnBenchError as exc:
                problems.append("Could not check whether another bench has this return: "
                                f"{self._say(exc)}")
            else:
                for holder in result.blocked if result is not None else ():
                    self.forms.pop(holder.unit_no, None)
                    self.blocked[holder.unit_no] = holder
        restored = 0
        try:
            number = view.rma_number
            drafts = self._try(lambda s: s.inspection.drafts(number))
        except ReturnBenchError as exc:
            drafts = {}
            problems.append(self._say(exc))
        for unit, draft in drafts.items():
            if unit in self.forms:
                self.forms[unit] = draft.form
                self.photos[unit] = list(draft.photos)
                restored += 1
        kept = self._s.unsaved.forms(view.rma_number) if self._s.unsaved else {}
        for unit, form in kept.items():  # newer than the database's: made while it was away
            if unit in self.forms:
                self.forms[unit] = replace(form, photos=len(self.photos.get(unit, [])))
                restored += 1
        if self.blocked:
            first = next(iter(self.blocked.values()))
            return Screen(WARN, first.sentence(view.rma_number), place="inspect", view=view)
        if problems:
            return Screen(ERROR, problems[0], place="inspect", view=view)
        message = (f"Picked up where the bench left off: {restored} item(s) with their "
                   "photos." if restored else "")
        if self.is_offline:  # holds live on the server
            message = ("OFFLINE: whether another bench has this return is checked when "
                       f"this bench syncs. {message}").strip()
        return Screen(OK, message, place="inspect", view=view, data={"restored": restored})

    def edit(self, unit: int, **changes: Any) -> Screen:
        """Grade, toggle or set a field of one unit's form; saved as a draft at once."""
        if self.parcel is None or unit not in self.forms:
            return Screen(WARN, "This item is already decided." if self.parcel else
                          "Scan a parcel first.")
        form = replace(self.forms[unit], **changes)
        self.forms[unit] = form
        saved = self.save_draft(unit)
        if saved.level != OK:
            return saved
        return self.preview()

    def decision_preview(self, graded: dict[int, InspectionInput]) -> DecisionView:
        """The policy's decision for `graded` now, not stored (the decision panel)."""
        assert self.parcel is not None and self.parcel.rma_number
        rma = self.parcel.rma_number
        return self._try(lambda s: s.decisions.preview(rma, graded))

    def current_view(self, rma_number: str) -> ReturnView | None:
        """The return as on file now (the server's, or the local copy's offline)."""
        return self._try(lambda s: s.receiving.current_view(rma_number)
                         if s.receiving is not None else None)

    def preview(self) -> Screen:
        """The decision the policy would make now for the graded units (not stored)."""
        graded = self.graded()
        if self.parcel is None or not self.parcel.rma_number or not graded:
            return Screen(OK, "")
        try:
            rma = self.parcel.rma_number
            view = self._try(lambda s: s.decisions.preview(rma, graded))
        except ReturnBenchError as exc:
            return Screen(WARN, self._say(exc))
        units = "; ".join(
            f"item {u.unit_no}: {u.resolution.value.replace('_', ' ')}"
            + (f" {format_money(u.refund or u.credit)}" if (u.refund or u.credit) else "")
            for u in view.units)
        needs = f" (needs {view.approval.value} approval)" if view.approval else ""
        return Screen(OK, f"Would be: {units}{needs}.",
                      data={"preview": {u.unit_no: u.resolution.value for u in view.units}})

    def save_draft(self, unit: int) -> Screen:
        assert self.parcel is not None and self.parcel.rma_number
        rma, form = self.parcel.rma_number, self.forms[unit]
        try:
            who = self._who()
            self._try(lambda s: s.inspection.save_draft(rma, unit, form, who))
        except DatabaseUnavailable:
            if self._s.unsaved is not None:
                self._s.unsaved.keep(rma, unit, form)
                return Screen(WARN, "The database is unreachable. Your inspection is kept on "
                              "this bench and saved when it is back; go on working.")
            return Screen(ERROR, "Not saved: the database is unreachable.")
        except ReturnBenchError as exc:
            return Screen(ERROR, f"Not saved: {self._say(exc)}")
        if self._s.unsaved is not None:
            self._s.unsaved.forget(rma, unit)
        return Screen(OK, "")

    def graded(self) -> dict[int, InspectionInput]:
        return {u: f for u, f in self.forms.items() if f.grade is not None}

    def accept(self, request_key: str | None = None, after_outage: bool = False) -> Screen:
        """Enter: store the decision of every graded unit and print what the lifecycle
        says (the final label, or the hold-shelf tag while an answer is awaited)."""
        graded = self.graded()
        if self.parcel is not None and self.parcel.rma_number and not self.forms:
            return Screen(WARN, f"Nothing to decide on {self.parcel.rma_number}: every item "
                          "is decided or waits for an answer. To change a decision, ask for "
                          "an exception (E); scan the next parcel.")
        if self.parcel is None or not self.parcel.rma_number or not graded:
            return Screen(WARN, "Grade the item first (1–5), then Enter.")
        if not after_outage:
            not_yet = self._not_ready(graded)
            if not_yet is not None:
                return not_yet
        # Pressing Enter again on the same forms retries the same request: never twice.
        if request_key is None:
            request_key = self.pending_accept[0] if self.pending_accept is not None \
                and self.pending_accept[1] == graded else uuid.uuid4().hex
        rma = self.parcel.rma_number
        try:
            who, key = self._who(), request_key
            accepted = self._try(lambda s: s.decisions.accept(rma, graded, who,
                                                              request_key=key))
        except NeedsServer as exc:  # offline, and this decision needs a person's answer
            return Screen(WARN, self._say(exc), "bad", data={"saved": False,
                                                                "needs_server": True})
        except DatabaseUnavailable:
            self.pending_accept = (request_key, graded)
            if self._s.unsaved is not None:
                for unit, form in graded.items():
                    self._s.unsaved.keep(rma, unit, form)
            return Screen(ERROR, "The database is unreachable: the decision is NOT saved "
                          "yet. It is kept here and saved by itself when the database is "
                          "back (Enter tries now).", "bad", data={"saved": False})
        except ReturnBenchError as exc:
            self.pending_accept = None
            prefix = "The decision kept during the outage was not saved: " \
                if after_outage else ""
            return Screen(ERROR, prefix + self._say(exc), "bad", data={"saved": False})
        self.pending_accept = None
        if self._s.unsaved is not None:
            for unit in graded:
                self._s.unsaved.forget(rma, unit)
        for unit in graded:
            self.forms.pop(unit, None)
        self.refresh_parcel()  # the items' states moved
        jobs = self._print(rma, accepted.labels, request_key)
        # Units that wait for nobody go to their tote now; the others when answered.
        free = [u.unit_no for u in accepted.view.units if u.waits is None]
        if free:
            self._add_totes_due(rma, free)
        screen = self._accepted_screen(accepted, jobs, after_outage)
        if self.is_offline:
            return replace(screen, message=self._offline_words() + screen.message
                           + " The labels say PROVISIONAL until the bench syncs.",
                           data={**screen.data, "offline": True})
        return screen

    def _not_ready(self, graded: dict[int, InspectionInput]) -> Screen | None:
        """Enter acts only when nothing is missing: every answer the policy reads, and a
        claim's photos (a claim is not decided without them)."""
        assert self.parcel is not None and self.parcel.rma_number
        reasons = {it.unit_no: it.reason for it in self.parcel.items}
        todo = [f"item {u}: {', '.join(m)}" for u, f in sorted(graded.items())
                if (m := missing(f, reasons.get(u)))]
        if todo:
            return Screen(WARN, "Not decided yet. Answer " + "; ".join(todo) + ", then Enter.",
                          "bad", data={"saved": False, "missing": todo})
        if all(f.damage_severity in (None, DamageSeverity.NONE) for f in graded.values()):
            return None  # no damage, no claim: no photos to wait for (and no preview)
        try:
            rma = self.parcel.rma_number
            view = self._try(lambda s: s.decisions.preview(rma, graded))
        except DatabaseUnavailable:
            return None  # accept keeps the forms until the database is back
        except ReturnBenchError as exc:
            return Screen(ERROR, self._say(exc), "bad", data={"saved": False})
        waiting = []
        for unit in view.units:
            if unit.resolution is not Resolution.PHOTOS_REQUIRED:
                continue
            have = {p.slot for p in self.photos.get(unit.unit_no, [])}
            need = [slot_words(s) for s in required_slots(reasons[unit.unit_no],
                                                          graded[unit.unit_no])
                    if s not in have]
            waiting.append(f"item {unit.unit_no}" + (f" ({', '.join(need)})" if need else ""))
        if waiting:
            return Screen(WARN, "The damage claim needs its photos before it is decided: "
                          f"take them with Space: {'; '.join(waiting)}. Then Enter.", "bad",
                          data={"saved": False, "photos_needed": waiting})
        return None

    def _print(self, rma: str, plan: Iterable[tuple[int, str]], key: str
               ) -> list[tuple[int, str, str | None]]:
        """Print each (unit, label kind) once per request key: (unit, kind, None) when
        it went out, else the reason it did not (queued, printer off)."""
        out: list[tuple[int, str, str | None]] = []
        for unit_no, kind in plan:
            try:
                job = self._s.printing.print_label(rma, unit_no, kind, self._who(),
                                                   request_key=f"{key}/{unit_no}/{kind}")
            except ReturnBenchError as exc:
                out.append((unit_no, kind, self._say(exc)))
                continue
            out.append((unit_no, kind, None if job.went_out
                        else job.message))
        return out

    def _accepted_screen(self, accepted: AcceptedDecision,
                         jobs: list[tuple[int, str, str | None]], after_outage: bool
                         ) -> Screen:
        printed = tuple(problem or f"{kind} label for item {unit_no} printed"
                        for unit_no, kind, problem in jobs)
        view = accepted.view
        waiting = any(u.waits is not None for u in view.units)
        parts = []
        for u in view.units:
            money = u.refund or u.credit
            words = u.resolution.value.replace("_", " ")
            if u.waits is not None and u.resolution is not Resolution.HOLD:
                parts.append(f"item {u.unit_no}: {words} {format_money(money)} proposed, "
                             f"waiting for a {u.waits.value}; "
                             "dress to the hold shelf"
                             + ("; a QA sample: after the answer its label says QA"
                                if u.unit_no in accepted.qa_units else ""))
            elif u.unit_no in accepted.qa_units:  # set aside for a blind re-grade
                parts.append(f"item {u.unit_no}: {words}"
                             + (f" {format_money(money)}" if money else "")
                             + ", a QA sample: its label says QA, the dress goes to the "
                             "QA tote, the money waits for the re-grade")
            else:
                parts.append(f"item {u.unit_no}: {words}"
                             + (f" {format_money(money)}" if money else "")
                             + f", dress to {u.disposition.replace('_', ' ')}")
        failed = [problem for _u, _k, problem in jobs if problem]
        level = WARN if waiting or failed else OK
        saved = "Saved now that the database is back. " if after_outage else ""
        sent = sum(1 for _u, _k, problem in jobs if problem is None)
        tail = (f" {failed[0]}" if failed else
                f" {sent} label{'s' if sent != 1 else ''} printed." if printed else "")
        approval = (f" Waiting for {view.approval.value} approval (request"
                    f"{'s' if len(accepted.approval_ids) > 1 else ''} "
                    f"{', '.join(f'#{a}' for a in accepted.approval_ids)})."
                    if view.approval is not None and accepted.approval_ids else "")
        due = [d for d in self.tote_due if d.rma == view.rma_number]
        totes = f" Now scan its tote: {'; '.join(d.words() for d in due)}." if due else ""
        return Screen(level, f"{saved}Accepted: {'; '.join(parts)}.{approval}{tail}{totes}",
                      "good" if not failed else "bad", printed=printed,
                      data={"saved": True, "decisions": list(accepted.decision_ids),
                            "totes_due": [d.words() for d in due],
                            "approvals": list(accepted.approval_ids),
                            "units": {u.unit_no: u.resolution.value for u in view.units},
                            "waiting": [u.unit_no for u in view.units if u.waits],
                            "qa": list(accepted.qa_units),
                            "all_done": not self.forms})

    def request_exception(self, unit: int, reason: str, outcome: str) -> Screen:
        """E: ask for an exception; the service prices it; the dress gets its hold-shelf
        tag while it waits."""
        if self.parcel is None or not self.parcel.rma_number:
            return Screen(WARN, "Scan a parcel first.")
        rma = self.parcel.rma_number
        form = self.forms.get(unit)
        try:
            approval_id = self._s.decisions.request_exception(
                rma, unit, reason, outcome, self._who(),
                inspection=form if form is not None and form.grade is not None else None)
            amount = self._s.approvals.get(approval_id).amount
        except ReturnBenchError as exc:
            return Screen(ERROR, self._say(exc), "bad")
        self.forms.pop(unit, None)
        self.refresh_parcel()
        plan = [(unit, kind) for kind in labels_for(DecisionStatus.AWAITING_APPROVAL,
                                                    Resolution.HOLD, None)]
        printed = [problem or "Hold-shelf tag printed." for _u, _k, problem
                   in self._print(rma, plan, f"exception-{approval_id}")]
        return Screen(WARN, f"Exception request #{approval_id} sent for approval: "
                      f"{outcome.replace('_', ' ')} {format_money(amount)}. Put the dress on "
                      f"the hold shelf. {' '.join(printed)}".strip(), printed=tuple(printed),
                      data={"approval": approval_id, "amount": str(amount),
                            "all_done": not self.forms})

    # --- totes: after Enter, each decided dress into the tote for its place ---------
    def _add_totes_due(self, rma: str, units: list[int]) -> None:
        """The totes the dresses just decided go into (by disposition and brand)."""
        if self._s.putaway is None:
            return
        for unit in units:
            if any(d.rma == rma and d.unit == unit for d in self.tote_due):
                continue
            try:
                goes = self._s.putaway.destination(rma, unit)
            except ReturnBenchError:
                continue  # an extra item or no decision: nothing goes into a tote
            self.tote_due.append(ToteDue(rma, unit, goes.disposition, goes.brand,
                                         goes.tote.code if goes.tote else None))

    def _totes_after_answer(self, rma: str, unit_no: int | None) -> None:
        units = [unit_no] if unit_no is not None else []
        if unit_no is None and self._s.receiving is not None:
            try:
                units = [it.unit_no for it in self._s.receiving.current_view(rma).items]
            except ReturnBenchError:
                return
        self._add_totes_due(rma, units)

    def _totes_waiting(self) -> str:
        if not self.tote_due:
            return ""
        first = self.tote_due[0]
        more = f" (+{len(self.tote_due) - 1} more)" if len(self.tote_due) > 1 else ""
        return (f"{first.rma} {first.words()} was not scanned{more}: scan the tote when the "
                "dress is in it. ")

    def tote_scan(self, code: str) -> Screen:
        """A tote's plate scanned at the bench: the waiting dress that belongs in it goes
        in (a wrong tote buzzes and names the right one); with nothing waiting, the tote's
        state (and Ctrl+T closes it)."""
        ps = self._s.putaway
        if ps is None:
            return self._needs_server("Totes") or Screen(
                ERROR, "This bench does not put dresses into totes.", "bad")
        try:
            user = self._who()
            tote = ps.tote(code)
        except ReturnBenchError as exc:
            return Screen(ERROR, self._say(exc), "bad", data={"tote": code.strip()})
        if not self.tote_due:
            if tote.status == "open":
                self.last_tote = tote.code
            return Screen(WARN, f"{self._tote_words(tote)} No dress waits for a tote at "
                          "this bench" + (": Ctrl+T closes it." if tote.status == "open"
                                          else "."), data={"tote": tote.code})
        due = self._due_for(tote)
        try:
            placed = ps.into_tote(due.rma, due.unit, tote.code, user)
        except ReturnBenchError as exc:
            return Screen(ERROR, self._say(exc), "bad",
                          data={"tote": tote.code, "wrong": True})
        self.tote_due.remove(due)
        self.last_tote = None if placed.closed_now else placed.tote.code
        printed: tuple[str, ...] = ()
        if placed.closed_now:
            printed = (self._print_manifest(placed.tote.code),)
        nxt = f" Next: {self.tote_due[0].rma} {self.tote_due[0].words()}." \
            if self.tote_due else ""
        level = WARN if printed and "printed" not in printed[0] else OK
        return Screen(level, f"{due.rma}: {placed.message}{' ' + printed[0] if printed else ''}"
                      f"{nxt}", "good", printed=printed,
                      data={"tote": placed.tote.code, "placed": [due.rma, due.unit],
                            "closed": placed.closed_now})

    def _due_for(self, tote: ToteView) -> ToteDue:
        """The waiting dress a scanned tote is for: the one it was named for, else one of
        its disposition and brand, else (an empty tote) one waiting for any empty tote,
        else the first (the service then says which tote is right)."""
        for test in (lambda d: d.tote == tote.code,
                     lambda d: (d.disposition, d.brand) == (tote.disposition, tote.brand),
                     lambda d: tote.disposition is None and d.tote is None):
            found = next((d for d in self.tote_due if test(d)), None)
            if found is not None:
                return found
        return self.tote_due[0]

    @staticmethod
    def _tote_words(tote: ToteView) -> str:
        what = (f"{tote.disposition.replace('_', ' ')}, {tote.brand}" if tote.disposition
                else "empty")
        where = f", at {tote.location}" if tote.location else ""
        return f"Tote {tote.code}: {tote.status}, {what}, {tote.items}/{tote.capacity}{where}."

    def close_tote(self) -> Screen:
        """Ctrl+T: close the tote this bench is filling; its manifest prints."""
        ps = self._s.putaway
        if ps is None:
            return self._needs_server("Totes") or Screen(
                ERROR, "This bench does not put dresses into totes.", "bad")
        if self.last_tote is None:
            return Screen(WARN, "Scan the tote to close first (its plate), then Ctrl+T.",
                          "bad")
        try:
            tote = ps.close_tote(self.last_tote, self._who())
        except ReturnBenchError as exc:
            return Screen(ERROR, self._say(exc), "bad")
        self.last_tote = None
        printed = self._print_manifest(tote.code)
        return Screen(OK if "printed" in printed else WARN,
                      f"Tote {tote.code} closed: {tote.items} dress"
                      f"{'es' if tote.items != 1 else ''}. {printed} Put it on the "
                      "put-away cart.", "good", printed=(printed,),
                      data={"tote": tote.code, "closed": True})

    # --- put-away: a tote (or one dress), then the shelf -----------------------------
    def putaway_scan(self, code: str) -> Screen:
        """At put-away: a tote's plate or a dress's plate picks it up (the screen names
        where it may go); then a location's code puts it there. A location scanned with
        nothing picked up shows what it holds."""
        ps = self._s.putaway
        if ps is None:
            return self._needs_server("Put-away moves") or Screen(
                ERROR, "Put-away is not set up at this station.", "bad")
        text = code.strip().upper()
        if text.startswith("LOT-") or (self.loading_lot and text.startswith("TO-")):
            return self._load_lot(text)
        try:
            user = self._who()
            if text.startswith(("TO-", "IT-")):
                return self._pick_up(ps, text)
            if self.carrying is None:
                found = ps.where(text)
                return Screen(WARN, f"{found.code} ({found.details['name']}) holds "
                              f"{found.now}. Scan a tote or a dress first, then the shelf.",
                              data={"where": found})
            carrying = self.carrying
            moved = (ps.put_away(carrying, text, user) if carrying.startswith("TO-")
                     else ps.move_item(carrying, text, user))
        except ReturnBenchError as exc:
            held = f" Still holding {self.carrying}: scan its shelf." if self.carrying \
                else ""
            return Screen(ERROR, self._say(exc) + held, "bad",
                          data={"carrying": self.carrying})
        self.carrying = None
        try:
            now = ps.where(carrying)
        except ReturnBenchError:
            now = None
        return Screen(OK, moved.message, "good",
                      data={"moved": moved, "carrying": None, "where": now})

    def _pick_up(self, ps: PutAwayService, text: str) -> Screen:
        found = ps.where(text)
        goes = ps.goes_to(text)
        if found.kind == "tote" and not found.details["items"]:
            return Screen(ERROR, f"Tote {text} is empty: nothing to put away.", "bad",
                          data={"where": found})
        self.carrying = text
        where = (f"Scan the shelf: {', '.join(goes[:3])}." if goes else
                 "No location on the map has room for it: ask a supervisor.")
        if found.kind == "tote":
            d = found.details
            what = (f"Tote {text}: {d['items']} dress{'es' if d['items'] != 1 else ''}, "
                    f"{str(d['disposition']).replace('_', ' ')} ({d['brand']}), now "
                    f"{found.now}.")
        else:
            what = f"Dress {text}: {found.now}."
        return Screen(OK if goes else WARN, f"{what} {where}", "good" if goes else "bad",
                      data={"where": found, "goes_to": list(goes), "carrying": text})

    def print_totes(self, count: int) -> Screen:
        """New tote plates, printed as one batch (a page each)."""
        ps = self._s.putaway
        if ps is None:
            return Screen(ERROR, "Totes are not set up at this station.", "bad")
        try:
            user = self._who()
            codes = ps.make_totes(count, user)
            job = self._s.printing.print_layout(
                LabelKind.TOTE, lambda dpi: [tote_plate(c, dpi) for c in codes],
                f"totes-{codes[0]}-{codes[-1]}", user)
        except ReturnBenchError as exc:
            return Screen(ERROR, self._say(exc), "bad")
        sent = job.went_out
        span = codes[0] if len(codes) == 1 else f"{codes[0]} to {codes[-1]}"
        return Screen(OK if sent else WARN, f"{len(codes)} tote plate"
                      f"{'s' if len(codes) != 1 else ''} {span}: "
                      + ("printed." if sent else f"not printed yet: {job.message}"),
                      "good" if sent else "bad", data={"totes": codes})

    def drop(self) -> Screen:
        """Esc at put-away: put down what was picked up (nothing moves), or stop loading
        the lot."""
        held, self.carrying = self.carrying, None
        lot, self.loading_lot = self.loading_lot, None
        if lot and not held:
            return Screen(OK, f"Done loading lot {lot}. Scan a tote or a dress, then its "
                          "shelf.")
        return Screen(OK, f"{held} put down: nothing moved. Scan a tote or a dress."
                      if held else "Scan a tote or a dress, then its shelf.")

    # --- outbound lots: totes onto a pallet; a manager closes it ----------------------
    def _load_lot(self, code: str) -> Screen:
        """A lot's code starts loading it; each tote scanned next goes onto it."""
        if self._s.lots is None:
            return self._needs_server("Outbound lots") or Screen(
                ERROR, "Outbound lots are not set up at this station.", "bad")
        try:
            user = self._who()
            if code.startswith("LOT-"):
                view = self._s.lots.lot(code)
                if view.status != "open":
                    return Screen(ERROR, f"{view.words()} It is closed: open a new lot.",
                                  "bad", data={"lot": view})
                self.loading_lot, self.carrying = view.code, None
                return Screen(OK, f"{view.words()} Scan the totes to put on it; Esc when "
                              "done.", "good", data={"lot": view})
            assert self.loading_lot is not None
            view = self._s.lots.add_tote(self.loading_lot, code, user)
        except ReturnBenchError as exc:
            return Screen(ERROR, f"{self._say(exc)} Still loading lot {self.loading_lot}."
                          if self.loading_lot else self._say(exc), "bad")
        return Screen(OK, f"Tote {code} on lot {view.code}: {view.items} dresses in "
                      f"{len(view.totes)} totes.", "good", data={"lot": view})

    def open_lot(self, kind: str) -> Screen:
        if self._s.lots is None:
            return self._needs_server("Outbound lots") or Screen(
                ERROR, "Outbound lots are not set up at this station.", "bad")
        try:
            view = self._s.lots.open_lot(kind, self._who())
        except ReturnBenchError as exc:
            return Screen(ERROR, self._say(exc), "bad")
        self.loading_lot, self.carrying = view.code, None
        return Screen(OK, f"{view.words()} Write {view.code} on the pallet's sheet and "
                      "scan the totes to put on it.", "good", data={"lot": view})

    def close_lot(self, party: str, price: str | None, folder: Path) -> Screen:
        """A manager closes the lot being loaded: its buyer (charity, vendor) and price;
        the manifest PDF and CSV are written to `folder`."""
        if self._s.lots is None or self.loading_lot is None:
            return Screen(WARN, "Scan the lot's code first (LOT-...), then close it.", "bad")
        try:
            manifest = self._s.lots.close_lot(self.loading_lot, party, price, self._who())
        except ReturnBenchError as exc:
            return Screen(ERROR, self._say(exc), "bad")
        self.loading_lot = None
        try:
            pdf, csv_path = self._s.lots.write_documents(manifest, folder)
        except ReturnBenchError as exc:
            return Screen(WARN, f"{manifest.lot.words()} {self._say(exc)}", "bad",
                          data={"lot": manifest.lot})
        return Screen(OK, f"{manifest.lot.words()} Manifest {pdf.name} and {csv_path.name} "
                      f"are in {folder}.", "good",
                      data={"lot": manifest.lot, "manifest": pdf, "csv": csv_path})

    def _print_manifest(self, code: str) -> str:
        assert self._s.putaway is not None
        try:
            user = self._who()
            data = self._s.putaway.manifest(code, user.username)
            job = self._s.printing.print_layout(
                LabelKind.MANIFEST, lambda dpi: [tote_manifest(data, dpi)],
                f"manifest-{code}", user)
        except ReturnBenchError as exc:
            return f"Manifest not printed: {self._say(exc)}"
        return "Manifest printed." if job.went_out \
            else f"Manifest not printed yet: {job.message}"

    # --- photos and the database coming back -----------------------------------------
    def add_photo(self, unit: int, image: Any, slot: PhotoSlot, override: bool = False
                  ) -> Screen:
        """A photo for a unit: kept (and counted on its form), refused by the quality gate
        (`data["rejected"]`: Ctrl+K keeps it anyway), or kept on this bench while the
        database is away and saved when it is back."""
        if self.parcel is None or not self.parcel.rma_number:
            return Screen(WARN, "Scan a parcel first.")
        rma = self.parcel.rma_number
        try:
            who = self._who()
            photo = self._try(lambda s: s.inspection.add_photo(rma, unit, image, who, slot,
                                                               override))
        except PhotoRejected as exc:
            return Screen(WARN, exc.message, "bad", data={"rejected": True})
        except DatabaseUnavailable:
            self.pending_photos.append((rma, unit, image, slot, override))
            return Screen(WARN, "The database is unreachable: the photo is kept on this "
                          f"bench and saved when it is back ({len(self.pending_photos)} "
                          "waiting).", data={"pending": len(self.pending_photos)})
        except ReturnBenchError as exc:
            return Screen(ERROR, self._say(exc), "bad")
        return self._photo_kept(unit, photo)

    def _photo_kept(self, unit: int, photo: PhotoView) -> Screen:
        self.photos.setdefault(unit, []).append(photo)
        if unit in self.forms:
            self.forms[unit] = replace(self.forms[unit], photos=len(self.photos[unit]))
        kept = " (kept despite the quality check)" if photo.override else ""
        if photo.reused_on:
            return Screen(WARN, f"Photo kept{kept}, but it matches a photo on "
                          f"{', '.join(photo.reused_on)} (another customer): flagged for "
                          "claims review.", "bad", data={"photo": photo})
        return Screen(OK, f"Photo kept: {slot_words(photo.slot)}{kept}.", "good",
                      data={"photo": photo})

    def database_back(self) -> list[Screen]:
        """The database answers again: save the photos and forms kept on this bench, then
        the decision that waited (once: it carries its request key)."""
        out: list[Screen] = []
        synced = self.go_online()
        if synced is not None:
            out.append(synced)
            if self.is_offline:
                return out
        while self.pending_photos and self.user is not None:
            rma, unit, image, slot, override = self.pending_photos[0]
            try:
                photo = self._s.inspection.add_photo(rma, unit, image, self.user, slot,
                                                     override)
            except DatabaseUnavailable:
                return out  # away again; the next "back" tries again
            except ReturnBenchError as exc:
                out.append(Screen(ERROR, f"A photo kept on this bench for {rma} item {unit} "
                                  f"could not be saved: {self._say(exc)}"))
            else:
                if self.parcel is not None and self.parcel.rma_number == rma:
                    out.append(self._photo_kept(unit, photo))
            self.pending_photos.pop(0)
        if self._s.unsaved is not None and self.user is not None:
            for rma, unit, form in self._s.unsaved.all():
                if self.user is None:
                    break  # signed out by the server: kept for whoever signs in next
                try:
                    self._s.inspection.save_draft(rma, unit, form, self.user)
                except DatabaseUnavailable:
                    return out
                except ReturnBenchError as exc:
                    out.append(Screen(ERROR, f"Item {unit} of {rma} kept on this bench "
                                      f"could not be saved: {self._say(exc)}"))
                self._s.unsaved.forget(rma, unit)
        if self.pending_accept is not None:
            out.append(self.accept(self.pending_accept[0], after_outage=True))
        return out

    # --- answers to this bench's requests -------------------------------------------
    def check_answers(self) -> Screen | None:
        """Answers given (anywhere) to requests made at this bench since the last look:
        the newest in a sentence, and their final labels printed here now. None when
        there is nothing new (or the database is away: the status bar says so)."""
        if self._answers_since is None:
            self._answers_since = self._s.clock_now()
        try:
            answers = self._s.approvals.answered_for_station(self._answers_since)
        except ReturnBenchError:
            return None
        fresh = [a for a in answers if a.id not in self._answers_seen]
        if not fresh:
            return None
        # Next time read from the newest answer on (the seen ids cover answers given in
        # the same instant), not everything since sign-in again.
        self._answers_since = max(a.answered_at or self._answers_since for a in fresh)
        self._answers_seen = {a.id for a in answers if a.answered_at is not None
                              and a.answered_at >= self._answers_since}
        try:
            printed = self._s.printing.send_waiting()
        except ReturnBenchError:
            printed = 0
        for answer in fresh:  # the answered dresses now have their place: their totes
            self._totes_after_answer(answer.rma_number, answer.unit_no)
        latest = fresh[-1]
        approved = latest.status is ApprovalStatus.APPROVED
        units = f" item {latest.unit_no}" if latest.unit_no else ""
        note = f" Note: {latest.note}" if latest.note else ""
        more = f" (+{len(fresh) - 1} more answers)" if len(fresh) > 1 else ""
        return Screen(
            OK if approved else WARN,
            f"Request #{latest.id} {latest.status.value} by {latest.answered_by}: "
            f"{latest.rma_number}{units}, {latest.kind.value.replace('_', ' ')} "
            f"{format_money(latest.amount)}.{note}{more}"
            + (f" {printed} final label{'s' if printed != 1 else ''} printed: it replaces "
               "the hold-shelf tag." if printed else ""),
            "good" if approved else "bad", data={"answers": [a.id for a in fresh]})

    # --- answering (a supervisor or manager at this bench) ---------------------------
    def answer(self, approval_id: int, username: str, pin: str, approve: bool,
               note: str = "", alternative: str | None = None) -> Screen:
        try:
            view = self._s.approvals.answer_with_pin(approval_id, username, pin, approve,
                                                     note, alternative)
        except ReturnBenchError as exc:
            return Screen(ERROR, self._say(exc), "bad")
        try:
            jobs = self._s.printing.queue_answer_labels(approval_id, view.station,
                                                        self._who())
        except ReturnBenchError as exc:
            jobs, problem = [], f" {self._say(exc)}"
        else:
            problem = ""
        sent = sum(1 for j in jobs if j.went_out)
        return Screen(OK if view.status.value == "approved" else WARN,
                      f"#{view.id} {view.status.value} by {view.answered_by}."
                      + (f" {sent} final label{'s' if sent != 1 else ''} printed at "
                         f"{view.station}." if sent else "") + problem,
                      "good", data={"approval": view.id, "status": view.status.value})


GRADE_BY_KEY = {"1": "A", "2": "B", "3": "C", "4": "D", "5": "X"}


class QaDesk:
    """Grading QA at a bench (issue 19): a supervisor scans a dress from the QA rack and
    re-grades it blind (grade key, then Enter records it and prints the dress's own
    labels); anyone who grades can take a calibration round over the reference dresses.
    The page only shows what this says and forwards keys and scans."""

    def __init__(self, qa: QaService, calibration: CalibrationService,
                 printing: PrintService, user: SignedInUser) -> None:
        self._qa, self._cal, self._printing = qa, calibration, printing
        self.user = user
        self.picked: BlindItem | None = None
        self.round_id: int | None = None
        self.card: CalibrationCard | None = None
        self.chosen: str | None = None  # the grade pressed, waiting for Enter
        self.reference: str | None = None  # a manager's scanned dress, for the set
        # Told when the user turns out deactivated or given another role (the window
        # goes to sign-in); see BenchSession._say.
        self.on_signed_out: Callable[[str], None] | None = None

    def _say(self, exc: BaseException) -> str:
        if isinstance(exc, SignedOut) and self.on_signed_out is not None:
            self.on_signed_out(exc.message)
        return user_message(exc)

    @property
    def can_regrade(self) -> bool:
        return allowed(self.user.role, Action.REGRADE)

    def queue(self) -> list[BlindItem]:
        return self._qa.queue(self.user) if self.can_regrade else []

    def waiting(self) -> tuple[int, int]:
        """(dresses waiting for this user's re-grade, of which overdue)."""
        return self._qa.waiting(self.user) if self.can_regrade else (0, 0)

    @property
    def keeps_references(self) -> bool:
        return allowed(self.user.role, Action.MANAGE_CALIBRATION)

    def references(self) -> int:
        """How many reference dresses the calibration set holds (for managers)."""
        if not self.keeps_references:
            return 0
        return sum(1 for r in self._cal.items(self.user) if r.active)

    # --- the re-grade ---------------------------------------------------------------
    def scan(self, code: str) -> Screen:
        """A dress's plate (or its RMA number) picks its sample from the queue."""
        text = code.strip().upper()
        if not self.can_regrade:
            return Screen(ERROR, "Re-grading QA samples is for supervisors and managers.",
                          "bad")
        try:
            queue = self._qa.queue(self.user)
        except DatabaseUnavailable:
            return Screen(WARN, "OFFLINE: blind re-grades need the server; the dress "
                          "stays on the QA rack until the bench is back online.", "bad",
                          data={"needs_server": True})
        except ReturnBenchError as exc:
            return Screen(ERROR, self._say(exc), "bad")
        found = next((b for b in queue if text in (b.plate.upper(), b.rma.upper())), None)
        if found is None and self.keeps_references and text.startswith("IT-"):
            self.reference, self.picked, self.card, self.chosen = text, None, None, None
            return Screen(WARN, f"{text} is not waiting for a re-grade. To keep it in the "
                          "calibration set as a reference dress: press its agreed grade "
                          "(1 A, 2 B, 3 C, 4 D, 5 X), then Enter. Esc: leave it.",
                          data={"reference": text})
        if found is None:
            return Screen(ERROR, f"{code.strip()} is not waiting for a re-grade by you (not "
                          "sampled, re-graded already, or your own inspection). Scan a "
                          "dress from the QA rack.", "bad")
        return self.pick(found)

    def pick(self, item: BlindItem) -> Screen:
        self.picked, self.card, self.chosen, self.reference = item, None, None, None
        return Screen(OK, f"{item.rma} item {item.unit_no} picked up. Grade it (1 A, 2 B, "
                      "3 C, 4 D, 5 X), then Enter.",
                      data={"sample": item.sample_id})

    def press(self, key: str) -> Screen:
        """A grade key: chosen, not yet recorded (Enter records it)."""
        grade = GRADE_BY_KEY.get(key, key.upper())
        if grade not in GRADE_BY_KEY.values():
            return Screen(ERROR, "Grades are 1 A, 2 B, 3 C, 4 D, 5 X.", "bad")
        if self.picked is None and self.card is None and self.reference is None:
            return Screen(ERROR, "Scan a dress from the QA rack first (or Ctrl+K for a "
                          "calibration round).", "bad")
        self.chosen = grade
        return Screen(OK, f"Grade {grade}: Enter records it, another key changes it.",
                      data={"chosen": grade})

    def enter(self) -> Screen:
        if self.chosen is None:
            return Screen(ERROR, "Press the grade first (1 A, 2 B, 3 C, 4 D, 5 X).", "bad")
        if self.card is not None:
            return self._answer_card(self.chosen)
        if self.reference is not None:
            return self._keep_reference(self.reference, self.chosen)
        if self.picked is None:
            return Screen(ERROR, "Scan a dress from the QA rack first.", "bad")
        picked, grade = self.picked, self.chosen
        try:
            done = self._qa.regrade(picked.sample_id, grade, self.user)
        except ReturnBenchError as exc:
            return Screen(ERROR, self._say(exc), "bad")
        self.picked, self.chosen = None, None
        printed = []
        for kind in done.labels:
            try:
                job = self._printing.print_label(done.rma, done.unit_no, kind, self.user,
                                                 request_key=f"qa-{done.sample_id}/{kind}")
                printed.append(f"{kind.capitalize()} label "
                               + ("printed." if job.went_out
                                  else f"not printed: {job.message}"))
            except ReturnBenchError as exc:
                printed.append(f"{kind} label not printed: {self._say(exc)}")
        level = OK if done.agreed or done.effect == "none" else WARN
        return Screen(level, f"{done.rma} item {done.unit_no}: {done.message} "
                      "Put its new label on and take it where the label says.",
                      "good", printed=tuple(printed),
                      data={"regraded": done.sample_id, "effect": done.effect})

    def _keep_reference(self, plate: str, grade: str) -> Screen:
        try:
            ref = self._cal.add_plate(plate, grade, self.user)
        except ReturnBenchError as exc:
            return Screen(ERROR, self._say(exc), "bad")
        self.reference, self.chosen = None, None
        return Screen(OK, f"{ref.rma} item {ref.unit_no} is a reference dress now, agreed "
                      f"grade {ref.agreed_grade} ({ref.photos} photos). The calibration set "
                      f"holds {self.references()}.", "good", data={"kept": ref.id})

    # --- a calibration round --------------------------------------------------------
    def calibration(self) -> Screen:
        """Resume this person's unfinished round, or start one."""
        try:
            self.round_id = self._cal.open_round(self.user) or \
                self._cal.start_round(self.user)
            self.card = self._cal.card(self.round_id, self.user)
        except ReturnBenchError as exc:
            return Screen(ERROR, self._say(exc), "bad")
        self.picked, self.chosen = None, None
        return self._card_screen()

    def _card_screen(self) -> Screen:
        card = self.card
        if card is None:
            return self._finished()
        return Screen(OK, f"Calibration: reference dress {card.position} of {card.total}. "
                      "Grade it from the photos (1 A, 2 B, 3 C, 4 D, 5 X), then Enter.",
                      data={"card": card.item_id})

    def _answer_card(self, grade: str) -> Screen:
        assert self.card is not None and self.round_id is not None
        try:
            self._cal.answer(self.round_id, self.card.item_id, grade, self.user)
            self.card = self._cal.card(self.round_id, self.user)
        except ReturnBenchError as exc:
            return Screen(ERROR, self._say(exc), "bad")
        self.chosen = None
        return self._card_screen()

    def _finished(self) -> Screen:
        assert self.round_id is not None
        score = self._cal.score(self.round_id, self.user)
        self.round_id = None
        return Screen(OK, f"Calibration round done. {score.words()}", "good",
                      data={"score": score})

    def leave(self) -> Screen:
        """Esc: put down the picked dress or the round (a round resumes with Ctrl+K)."""
        self.picked, self.card, self.chosen, self.round_id = None, None, None, None
        self.reference = None
        return Screen(OK, "Scan a dress from the QA rack, or Ctrl+K for a calibration "
                      "round.")
