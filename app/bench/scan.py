"""A scan at the bench: a tote's plate, the open dress's SKU tag, or a parcel code that
finds the return and records its receipt; and the receiving marks."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from app.bench.inspection import Inspecting
from app.bench.results import (
    ParcelScanned,
    TagScanned,
    UnexpectedAnswered,
    UnexpectedReceived,
)
from app.bench.screen import ERROR, OK, WARN, Screen, refusal
from app.domain.enums import Grade, ReceptionStatus
from app.errors import ReturnBenchError
from app.services.auth import SignedInUser
from app.services.decisions import InspectionInput
from app.services.lookup import ReturnView, SearchHit
from app.services.receiving import ReceivingService
from app.services.unexpected import UnexpectedService, UnexpectedView, unexpected_answer


class Scanning(Inspecting):
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
            return Screen(ERROR, _first(self._say(exc), kept), "bad", place="receive",
                          result=ParcelScanned(found=False))
        if outcome is None:
            return Screen(ERROR, "This screen cannot receive parcels.", "bad")
        offline = self._offline_words()
        if outcome.view is None:
            return Screen(ERROR, offline + _first(outcome.message, kept), "bad",
                          place="receive", result=ParcelScanned(found=False))
        self.parcel = outcome.view
        self.forms = {}
        if outcome.view.rma_number:
            self.box_code = code.strip()
            self.box = (outcome.view.rma_number, *outcome.also)
        level = OK if outcome.newly_received else WARN
        if not outcome.newly_received and outcome.view.items:
            states = "; ".join(
                f"item {it.unit_no} {it.decision_status.value.replace('_', ' ')}"
                for it in outcome.view.items)
            outcome = replace(outcome, message=f"{outcome.message} Now: {states}.")
        if outcome.no_return:
            level = WARN
        # The scan's own result first; the reminders (a draft kept, totes due) after it.
        return Screen(level, offline + _first(outcome.message, kept), "good", place="receive",
                      view=outcome.view,
                      result=ParcelScanned(found=True, received=outcome.newly_received,
                                           box=self.box if len(self.box) > 1 else ()))

    # --- one box, several returns ----------------------------------------------------
    def add_to_box(self, code: str) -> Screen:
        """Ctrl+A: another return found in the open parcel's box, by its RMA, order or
        tracking number: received as part of this box, and shown."""
        if self.parcel is None or not self.parcel.rma_number or self.box_code is None:
            return Screen(WARN, "Scan the box's label first; then Ctrl+A adds the other "
                          "returns found in it.", "bad")
        try:
            box_code, who = self.box_code, self._who()
            outcome = self._try(lambda s: s.receiving.add_to_box(box_code, code.strip(), who)
                                if s.receiving is not None else None)
        except ReturnBenchError as exc:
            return Screen(ERROR, self._say(exc), "bad")
        if outcome is None:
            return Screen(ERROR, "This screen cannot receive parcels.", "bad")
        view = outcome.view
        if view is None or not view.rma_number:
            return Screen(ERROR, outcome.message, "bad")
        if view.rma_number not in self.box:
            self.box = (*self.box, view.rma_number)
        self.parcel, self.forms = view, {}
        return Screen(OK if outcome.newly_received else WARN,
                      f"{outcome.message} This box: {', '.join(self.box)}.", "good",
                      place="receive", view=view,
                      result=ParcelScanned(found=True, received=outcome.newly_received,
                                           box=self.box))

    def next_in_box(self) -> Screen:
        """Ctrl+N: the next return of the open parcel's box (a half-done form stays a
        draft, as with a scan)."""
        if len(self.box) < 2 or self.parcel is None:
            return Screen(WARN, "This box holds one return: Ctrl+A adds another found in "
                          "it.")
        here = self.box.index(self.parcel.rma_number) \
            if self.parcel.rma_number in self.box else -1
        number = self.box[(here + 1) % len(self.box)]
        try:
            view = self.current_view(number)
        except ReturnBenchError as exc:
            return Screen(ERROR, self._say(exc), "bad")
        if view is None:
            return Screen(ERROR, f"{number} is not on file.", "bad")
        self.parcel, self.forms = view, {}
        n = self.box.index(number) + 1
        return Screen(OK, f"{number}: return {n} of {len(self.box)} in this box. Inspect "
                      "with F2.", place="receive", view=view,
                      result=ParcelScanned(found=True, received=False, box=self.box))

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
                           result=TagScanned(unit, True, shown.result))
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
                      result=TagScanned(unit, False, shown.result))

    def _kept_forms(self, code: str) -> str:
        if self.parcel is None or not self.parcel.rma_number:
            return ""
        half_done = sorted(u for u, f in self.forms.items() if f != InspectionInput())
        if not half_done or code.strip().upper() == self.parcel.rma_number:
            return ""
        units = ", ".join(str(u) for u in half_done)
        return (f"{self.parcel.rma_number} item{'s' if len(half_done) > 1 else ''} {units} "
                "kept as a draft (it comes back when you scan that parcel again). ")

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
        if status is ReceptionStatus.MISSING:  # not in the box: nothing to grade or keep
            self.forms.pop(unit, None)
            return Screen(OK, f"Item {unit} marked missing. If it is in the box after all, "
                          "Ctrl+R marks it received.", view=view)
        return Screen(OK, f"Item {unit} marked {status.value.replace('_', ' ')}.", view=view)

    # --- no return found, or an item it did not list --------------------------------
    def _receiving(self) -> ReceivingService:
        if self._online.receiving is None:
            raise ReturnBenchError("This screen cannot receive parcels.")
        return self._online.receiving

    def add_extra_item(self, rma_number: str, description: str) -> ReturnView:
        """An item in the parcel its return did not list: recorded, held for review."""
        view = self._receiving().add_extra_item(rma_number, description, self._who())
        if self.parcel is not None and self.parcel.rma_number == rma_number:
            self.parcel = view
        return view

    def search(self, text: str) -> list[SearchHit]:
        """Orders and their latest return by customer name, email or order number."""
        return self._receiving().search(text)

    def find_return(self, code: str) -> ReturnView:
        """The return (or order) a code names, as on file now."""
        return self._receiving().find_return(code)

    def receive_unexpected(self, code: str, found_order: str | None, what: str,
                           grade: Grade, notes: str = "") -> Screen:
        """A parcel with no return, received anyway: what is in it (a SKU tag or words),
        the bench's grade, and the order its customer was found by (name, email, order
        number or the dress's SKU), if any. Held for a supervisor (Needs a look)."""
        service = self._online.unexpected
        if service is None:
            return Screen(ERROR, "This screen cannot receive unexpected returns.", "bad")
        try:
            view = service.receive(code, found_order, what, grade, notes, self._who())
        except ReturnBenchError as exc:
            level, message = refusal(exc)
            return Screen(level, message, "bad")
        customer = f" from {view.customer.split(' <')[0]}" if view.customer else ""
        return Screen(OK, f"{view.number}: {view.description}{customer}, graded "
                      f"{view.grade.value}, received as an unexpected return. Write "
                      f"{view.number} on it and put it on the hold shelf: a supervisor "
                      "links it to an order or sends it back.", "good",
                      result=UnexpectedReceived(view.number, view.id, view.order_number))

    def link_unexpected(self, unexpected_id: int, order_text: str, note: str = "") -> Screen:
        """A supervisor links a held unexpected return to an order ("KP-01234", or
        "KP-01234 2" for its second line): it becomes a return, graded as its draft."""
        return self._settle_unexpected(lambda u, who: u.link(unexpected_id, order_text,
                                                             who, note))

    def send_back_unexpected(self, unexpected_id: int, note: str = "") -> Screen:
        """A supervisor sends a held unexpected return back to the customer."""
        return self._settle_unexpected(lambda u, who: u.send_back(unexpected_id, who, note))

    def _settle_unexpected(self, call: Callable[[UnexpectedService, SignedInUser],
                                                UnexpectedView]) -> Screen:
        service = self._online.unexpected
        if service is None:
            return Screen(ERROR, "This screen cannot settle unexpected returns.", "bad")
        try:
            view = call(service, self._who())
        except ReturnBenchError as exc:
            level, message = refusal(exc)
            return Screen(level, message, "bad")
        result = UnexpectedAnswered(view.number, view.status.value, view.rma_number)
        return Screen(OK, unexpected_answer(view), "good", result=result)

    def hold_parcel(self, code: str, note: str) -> int:
        """A parcel no return matches, held for investigation: its receipt's number."""
        return self._receiving().record_unmatched(
            code, f"held at the bench; searched for: {note}" if note else "", self._who())


def _first(result: str, reminders: str) -> str:
    """The scan's own result, then the reminders after it (they buried a misread)."""
    return f"{result.strip()} {reminders.strip()}".strip()
