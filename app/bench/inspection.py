"""Inspecting an open parcel: its units held for this bench, the forms saved as drafts
as they are filled, the photos, the decision previewed, then Enter (or an exception)
stores it and prints what the lifecycle says."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from app.bench.results import (
    Accepted,
    EditRefused,
    ExceptionAsked,
    NotSaved,
    Opened,
    PhotoKept,
    PhotoRefused,
    PhotoWaiting,
    Previewed,
)
from app.bench.screen import ERROR, OK, WARN, Screen, slot_words
from app.bench.totes import TotesAndPutAway
from app.domain.enums import (
    DamageSeverity,
    DecisionStatus,
    Grade,
    PhotoSlot,
    ReceptionStatus,
    Resolution,
    ReturnReason,
)
from app.domain.money import format_money
from app.errors import DatabaseUnavailable, NeedsServer, ReturnBenchError
from app.services.auth import UserChoice
from app.services.decisions import (
    AcceptedDecision,
    DecisionView,
    InspectionInput,
    missing,
    with_grade,
)
from app.services.holds import Holder
from app.services.inspection import PhotoRejected, required_slots
from app.services.labels_plan import labels_for
from app.services.lookup import ReturnView
from app.views import ApprovalView, PhotoView

# Where a unit marked missing comes back when it is in the box after all (Receive's keys).
BRING_BACK = "mark it received on Receive (F1, pick it with ↑↓, Ctrl+R)"


class Inspecting(TotesAndPutAway):
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

    def open_inspection(self, view: ReturnView | None = None) -> Screen:
        """Open a parcel for inspection: hold its units for this bench (those another
        bench holds are left out, with who and where), and pick up the drafts and photos
        saved before, and the forms kept on this bench while the database was away."""
        view = view or self.parcel
        if view is None or not view.rma_number:
            return Screen(WARN, "Scan a parcel first (F1).")
        self.parcel = view
        # A unit marked missing is not in the box: no form (not_to_grade says why).
        self.forms = {it.unit_no: InspectionInput() for it in view.items
                      if it.decision_status is DecisionStatus.PENDING
                      and it.reception_status is not ReceptionStatus.MISSING}
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
        return Screen(OK, message, place="inspect", view=view, result=Opened(restored))

    def edit(self, unit: int, **changes: Any) -> Screen:
        """Grade, toggle or set a field of one unit's form; saved as a draft at once,
        then the decision it would give (see `change` for what is refused)."""
        saved = self.change(unit, **changes)
        if saved.level != OK:
            return saved
        return self.preview()

    def change(self, unit: int, **changes: Any) -> Screen:
        """Grade, toggle or set a field of one unit's form, saved as its draft at once.
        Nothing is kept that is refused: a unit that cannot be graded (marked missing),
        held by another bench or already decided keeps no form, and a change the service
        refuses is undone, so the form is always what is stored (or kept on this bench
        while the database is away)."""
        why = self.not_to_grade(unit)
        if why is not None:
            return Screen(WARN, why, "bad", result=EditRefused(unit))
        if self.parcel is None or not self.parcel.rma_number:
            return Screen(WARN, "Scan a parcel first.")
        if unit not in self.forms:
            holder = self.blocked.get(unit)
            return Screen(WARN, holder.sentence(self.parcel.rma_number) if holder is not None
                          else "This item is already decided.", result=EditRefused(unit))
        before = self.forms[unit]
        self.forms[unit] = replace(before, **changes)
        saved = self.save_draft(unit)
        if saved.level == ERROR:
            if self.user is not None and unit in self.forms:  # not signed out meanwhile
                self.forms[unit] = before
            return replace(saved, message=f"{saved.message} The form is as it was.",
                           sound="bad", result=EditRefused(unit))
        return saved

    def not_to_grade(self, unit: int | None) -> str | None:
        """Why the unit cannot be graded at all, with how to bring it back (None: it can,
        or no such unit): a unit marked missing is not in the box."""
        if self.parcel is None or unit is None:
            return None
        item = next((it for it in self.parcel.items if it.unit_no == unit), None)
        if item is None or item.reception_status is not ReceptionStatus.MISSING:
            return None
        return (f"Item {unit} is marked missing: nothing to grade. If it is in the box "
                f"after all, {BRING_BACK}.")

    def missing_units(self) -> list[int]:
        """The open parcel's undecided units marked missing (they keep no form)."""
        if self.parcel is None:
            return []
        return [it.unit_no for it in self.parcel.items
                if it.reception_status is ReceptionStatus.MISSING
                and it.decision_status is DecisionStatus.PENDING]

    def decision_preview(self, graded: dict[int, InspectionInput]) -> DecisionView:
        """The policy's decision for `graded` now, not stored (the decision panel)."""
        assert self.parcel is not None and self.parcel.rma_number
        rma = self.parcel.rma_number
        return self._try(lambda s: s.decisions.preview(rma, graded))

    def preview_work(self, graded: dict[int, InspectionInput]
                     ) -> Callable[[], DecisionView]:
        """The same preview as a call to run off the window's thread: the return, the
        forms and the services (the server's, or the bench's copy while offline) are
        taken now; the call reads only what it was given. DatabaseUnavailable from it
        says the database went away meanwhile (the next save takes the bench offline)."""
        assert self.parcel is not None and self.parcel.rma_number
        rma, forms, services = self.parcel.rma_number, dict(graded), self._s
        return lambda: services.decisions.preview(rma, forms)

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
                      result=Previewed({u.unit_no: u.resolution.value for u in view.units}))

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

    # --- the grade rules, the photos a claim needs, holds: what the page asks --------
    def with_grade(self, unit: int, grade: Grade) -> InspectionInput:
        """The unit's form with `grade` and what the grade answers by itself (A: new
        with its tags, matching the order); not stored (the page saves it as a draft)."""
        return with_grade(self.forms.get(unit, InspectionInput()), grade)

    def reason(self, unit: int | None) -> ReturnReason | None:
        """Why the customer sent the unit back (None: no parcel open, or no such unit)."""
        if self.parcel is None or unit is None:
            return None
        return next((it.reason for it in self.parcel.items if it.unit_no == unit), None)

    def still_missing(self, unit: int) -> list[str]:
        """What the policy reads that is not answered yet on the unit's form."""
        return missing(self.forms.get(unit, InspectionInput()), self.reason(unit))

    def ready(self) -> dict[int, InspectionInput]:
        """The graded forms with nothing missing: the ones the decision panel previews."""
        return {u: f for u, f in self.graded().items() if not missing(f, self.reason(u))}

    def photo_slots(self, unit: int | None) -> tuple[PhotoSlot, ...]:
        """The photos the unit's claim needs, in the order they are taken."""
        reason = self.reason(unit)
        if reason is None or unit is None:
            return ()
        return tuple(required_slots(reason, self.forms.get(unit, InspectionInput())))

    def next_photo_slot(self, unit: int) -> PhotoSlot:
        """The first photo the claim still needs (OTHER when it has them all)."""
        have = {p.slot for p in self.photos.get(unit, [])}
        return next((s for s in self.photo_slots(unit) if s not in have), PhotoSlot.OTHER)

    def renew_holds(self) -> list[Holder]:
        """Keep this bench's holds on the open parcel alive; the units another bench
        took meanwhile (its hold ran out) leave the forms and come back, with who and
        where. The database away: nothing changes (the outage banner says so)."""
        holds = self._online.holds
        if holds is None or self.parcel is None or not self.parcel.rma_number \
                or self.user is None:
            return []
        try:
            result = holds.renew(self.parcel.rma_number, self.user)
        except ReturnBenchError:
            return []
        for holder in result.blocked:
            self.forms.pop(holder.unit_no, None)
            self.blocked[holder.unit_no] = holder
        return list(result.blocked)

    def release_holds(self, rma_number: str | None = None) -> None:
        """The bench moves on, signs out or locks: let go of its holds on the parcel at
        once (unreachable, they lapse by themselves)."""
        rma = rma_number or (self.parcel.rma_number if self.parcel is not None else None)
        if self._online.holds is None or not rma:
            return
        try:
            self._online.holds.release(rma)
        except ReturnBenchError:
            pass

    def waiting_here(self) -> tuple[list[ApprovalView], list[UserChoice]]:
        """The open parcel's requests waiting for an answer, and the people who may
        give it at this bench (for the override at the bench)."""
        if self.parcel is None or not self.parcel.rma_number:
            return [], []
        return (self._online.approvals.pending_for_rma(self.parcel.rma_number),
                self._online.auth.users())

    def graded(self) -> dict[int, InspectionInput]:
        return {u: f for u, f in self.forms.items() if f.grade is not None}

    def accept(self, request_key: str | None = None, after_outage: bool = False) -> Screen:
        """Enter: store the decision of every graded unit and print what the lifecycle
        says (the final label, or the hold-shelf tag while an answer is awaited)."""
        graded = self.graded()
        if self.parcel is not None and self.parcel.rma_number and not self.forms:
            return Screen(WARN, f"Nothing to decide on {self.parcel.rma_number}: every item "
                          "is decided or waits for an answer. To change a decision, ask for "
                          "an exception (E); scan the next parcel." + self._missing_words())
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
            return Screen(WARN, self._say(exc), "bad", result=NotSaved(needs_server=True))
        except DatabaseUnavailable:
            self.pending_accept = (request_key, graded)
            if self._s.unsaved is not None:
                for unit, form in graded.items():
                    self._s.unsaved.keep(rma, unit, form)
            return Screen(ERROR, "The database is unreachable: the decision is NOT saved "
                          "yet. It is kept here and saved by itself when the database is "
                          "back (Enter tries now).", "bad", result=NotSaved())
        except ReturnBenchError as exc:
            self.pending_accept = None
            prefix = "The decision kept during the outage was not saved: " \
                if after_outage else ""
            return Screen(ERROR, prefix + self._say(exc), "bad", result=NotSaved())
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
        if self.is_offline and isinstance(screen.result, Accepted):
            return replace(screen, message=self._offline_words() + screen.message
                           + " The labels say PROVISIONAL until the bench syncs.",
                           result=replace(screen.result, offline=True))
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
                          "bad", result=NotSaved(missing=tuple(todo)))
        if all(f.damage_severity in (None, DamageSeverity.NONE) for f in graded.values()):
            return None  # no damage, no claim: no photos to wait for (and no preview)
        try:
            rma = self.parcel.rma_number
            view = self._try(lambda s: s.decisions.preview(rma, graded))
        except DatabaseUnavailable:
            return None  # accept keeps the forms until the database is back
        except ReturnBenchError as exc:
            return Screen(ERROR, self._say(exc), "bad", result=NotSaved())
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
                          result=NotSaved(photos_needed=tuple(waiting)))
        return None

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
        return Screen(level, f"{saved}Accepted: {'; '.join(parts)}.{approval}{tail}{totes}"
                      + self._missing_words(),
                      "good" if not failed else "bad", printed=printed,
                      result=Accepted(
                          decisions=tuple(accepted.decision_ids),
                          totes_due=tuple(d.words() for d in due),
                          approvals=tuple(accepted.approval_ids),
                          units={u.unit_no: u.resolution.value for u in view.units},
                          waiting=tuple(u.unit_no for u in view.units if u.waits),
                          qa=tuple(accepted.qa_units), all_done=not self.forms))

    def _missing_words(self) -> str:
        units = self.missing_units()
        if not units:
            return ""
        names = ", ".join(str(u) for u in units)
        return (f" Item{'s' if len(units) > 1 else ''} {names} marked missing: not decided; "
                f"if it is in the box after all, {BRING_BACK}.")

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
                      result=ExceptionAsked(approval_id, amount, not self.forms))

    def add_photo(self, unit: int, image: Any, slot: PhotoSlot, override: bool = False
                  ) -> Screen:
        """A photo for a unit: kept (and counted on its form), refused by the quality gate
        (`PhotoRefused`: Ctrl+K keeps it anyway), or kept on this bench while the
        database is away and saved when it is back."""
        if self.parcel is None or not self.parcel.rma_number:
            return Screen(WARN, "Scan a parcel first.")
        rma = self.parcel.rma_number
        try:
            who = self._who()
            photo = self._try(lambda s: s.inspection.add_photo(rma, unit, image, who, slot,
                                                               override))
        except PhotoRejected as exc:
            return Screen(WARN, exc.message, "bad", result=PhotoRefused())
        except DatabaseUnavailable:
            self.pending_photos.append((rma, unit, image, slot, override))
            return Screen(WARN, "The database is unreachable: the photo is kept on this "
                          f"bench and saved when it is back ({len(self.pending_photos)} "
                          "waiting).", result=PhotoWaiting(len(self.pending_photos)))
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
                          "claims review.", "bad", result=PhotoKept(photo))
        return Screen(OK, f"Photo kept: {slot_words(photo.slot)}{kept}.", "good",
                      result=PhotoKept(photo))
