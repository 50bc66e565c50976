"""The Inspect page's holds and answers: this bench's holds on the open parcel renewed
while the inspector works, and a supervisor's answer given at the bench (Ctrl+O)."""

from __future__ import annotations

import time

from app.bench.types import HOLD_SECONDS, Holder
from app.domain.enums import DecisionStatus
from app.domain.money import format_money
from app.errors import ReturnBenchError
from app.views import ApprovalView
from ui.banner import Level
from ui.inspect_photos import InspectPhotos
from ui.override_dialog import OverrideDialog


class InspectHolds(InspectPhotos):
    """Holds (one item, one bench) and the override at the bench, for the Inspect page."""

    # Ctrl+O before Enter: Enter's request, then the dialog that answers it; the parcel's
    # "finished" waits for the answer (set in InspectPage.__init__).
    _override_after_accept: bool
    _override_dialog: OverrideDialog | None
    _finish_after_override: str | None

    def _drop_blocked(self, blocked: list[Holder]) -> str:
        assert self.view is not None
        for holder in blocked:
            self._done_text[holder.unit_no] = f"Held at {holder.station} by {holder.user}"
            self._held[holder.unit_no] = holder
            row = next((r for r, it in enumerate(self.view.items)
                        if it.unit_no == holder.unit_no), None)
            if row is not None and self.units.item(row) is not None:
                self.units.item(row).setText(self._unit_text(self.view.items[row]))
        return blocked[0].sentence(self.view.rma_number or "") if blocked else ""

    def renew_holds(self) -> None:
        """Called every minute: keep the holds while the inspector is active."""
        if self.view is None or self.user is None or not self.forms \
                or not self.view.rma_number:
            return
        if time.monotonic() - self._last_activity > HOLD_SECONDS - 60:
            return  # idle: let the holds lapse
        message = self._drop_blocked(self.session.renew_holds())
        if message:
            self.banner.show_message(Level.WARN, message)
            self._sync_form()
            self._refresh_decision()

    def release_holds(self) -> None:
        """The bench moves on, signs out or locks: let go of its holds at once."""
        if self.view is None or not self.view.rma_number:
            return
        self.session.release_holds(self.view.rma_number)

    def open_override(self) -> OverrideDialog | None:
        """A supervisor or manager answers this return's oldest pending request here."""
        if self.view is None or not self.view.rma_number:
            return None
        try:
            pending, people = self.session.waiting_here()
        except ReturnBenchError as exc:
            self.banner.show_problem(exc)
            return None
        if not pending:
            self.settle_preview()
            needs = self.panel.view.approval if self.panel.view is not None else None
            if needs is not None and self.session.graded():
                # Ctrl+O before Enter, with a manager at the bench: Enter's request is
                # made first, then answered here (the page stays on this parcel).
                self._override_after_accept = True
                try:
                    self.accept()
                finally:
                    self._override_after_accept = False
                return self._override_dialog
            self.banner.show_message(Level.WARN, "Nothing on this return waits for approval.")
            return None
        dialog = OverrideDialog(self.session, pending[0], people, self)
        self._override_dialog = dialog
        dialog.finished.connect(lambda _code: self._override_done(dialog))
        dialog.open()
        return dialog

    def _override_done(self, dialog: OverrideDialog) -> None:
        answered = dialog.result_view
        self._override_dialog = None
        said = ""
        if answered is not None:
            level = Level.OK if answered.status.value == "approved" else Level.WARN
            said = f"#{answered.id} {answered.status.value} by {answered.answered_by}."
            self.banner.show_message(level, said)
            self._rows_as_they_stand(answered)
        self.setFocus()
        finish, self._finish_after_override = self._finish_after_override, None
        if finish is not None:  # the parcel was done but for this answer: on to the next
            self.finished.emit(f"{finish} {said}".strip(),
                               answered is None or answered.status.value != "approved")

    def _rows_as_they_stand(self, answered: ApprovalView) -> None:
        """The items' states after an answer given here: no row still reads "awaiting
        approval" once it is answered, and the panel says what the answer was."""
        view = self.session.refresh_parcel()
        if view is None or self.view is None or view.rma_number != self.view.rma_number:
            return
        self.view = view
        for row, it in enumerate(view.items):
            if it.unit_no not in self.forms \
                    and it.decision_status is not DecisionStatus.AWAITING_APPROVAL:
                asked = (answered.requested_outcome or answered.kind.value).replace("_", " ")
                self._done_text[it.unit_no] = (
                    f"#{answered.id} {answered.status.value} by {answered.answered_by}: "
                    f"{asked} {format_money(answered.amount)} asked; the item is now "
                    + it.decision_status.value.replace("_", " ") + ".")
            if self.units.item(row) is not None:
                self.units.item(row).setText(self._unit_text(it))
        self._sync_form()
        self._refresh_decision()
