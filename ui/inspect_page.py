"""Inspect, per item, without the mouse: number keys grade, letters toggle the checklist,
Enter accepts the decision shown beside the form, E asks for an exception, Tab moves on."""

from __future__ import annotations

import time
from dataclasses import replace
from typing import Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.bench import BenchSession, Screen
from app.bench.results import Accepted, ExceptionAsked, PhotoKept, Synced, TagScanned
from app.bench.types import (
    HOLD_SECONDS,
    DecisionView,
    Holder,
    InspectionInput,
    ReturnItemView,
    ReturnView,
    SignedInUser,
)
from app.domain.enums import DecisionStatus, Grade, PhotoSlot, ReceptionStatus
from app.errors import DatabaseUnavailable, ReturnBenchError
from app.views import PhotoView
from ui.banner import LEVELS, Banner, Level
from ui.decision_panel import DecisionPanel
from ui.inspect_holds import InspectHolds
from ui.inspect_keys import CAUSES, GRADES, MARKS, SEVERITIES, TOGGLES, checkable_grid
from ui.ops import BackgroundOp

RECEPTION_WORDS = {ReceptionStatus.MISSING: "MISSING", ReceptionStatus.WRONG_ITEM: "WRONG ITEM",
                   ReceptionStatus.EXTRA: "EXTRA", ReceptionStatus.AWAITING: "NOT RECEIVED"}


class InspectPage(InspectHolds):

    def __init__(self, session: BenchSession, camera: str | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        # The bench's workflow (forms, grade rules, holds, accept, exceptions, answers,
        # labels) lives in the session; this page renders it and forwards keys.
        self.session = session
        self._last_activity = time.monotonic()
        self._override_after_accept = False  # Ctrl+O before Enter (InspectHolds)
        self._override_dialog = None
        self._finish_after_override = None
        # Renew this bench's holds while the inspector works; an idle bench stops renewing
        # and its holds lapse (HOLD_SECONDS), so another bench can take the item.
        self.hold_timer = QTimer(self)
        self.hold_timer.setInterval(HOLD_SECONDS * 1000 // 5)
        self.hold_timer.timeout.connect(self.renew_holds)
        self.hold_timer.start()
        self.camera_spec = camera
        self._still_source: Any = None
        self._rejected: tuple[int, Any, PhotoSlot] | None = None
        self.photo_views: dict[int, list[PhotoView]] = {}
        self.user: SignedInUser | None = None
        self.view: ReturnView | None = None
        self._done_text: dict[int, str] = {}
        self._held: dict[int, Holder] = {}  # units another bench holds
        # The newest decision preview asked for (older ones arriving are dropped), and
        # the newest shown: while they differ, one is on its way.
        self._preview_seq = self._preview_shown = 0
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        outer = QVBoxLayout(self)
        self.header = QLabel("Scan a parcel on Receive (F1) first.")
        self.header.setObjectName("headline")
        self.header.setWordWrap(True)
        self.banner = Banner()
        outer.addWidget(self.header)
        outer.addWidget(self.banner)
        body = QHBoxLayout()
        outer.addLayout(body, 1)

        left = QVBoxLayout()
        self.units = QListWidget()
        self.units.setObjectName("units")
        self.units.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        # One line per item (its state first, the description elided at the end), and
        # room for up to four items before the list scrolls.
        self.units.setWordWrap(False)
        self.units.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.units.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.units.currentRowChanged.connect(self._unit_changed)
        self.units.setFixedHeight(64)  # one row until a parcel's items size it
        left.addWidget(QLabel("Items (Tab: next)"))
        left.addWidget(self.units)
        grade_box = QGridLayout()
        self.grade_buttons: dict[Grade, QPushButton] = {}
        for n, (grade, name, meaning) in enumerate(GRADES):
            b = QPushButton(f"{n + 1}  {grade.value}  {name}")
            b.setObjectName("gradeButton")
            b.setCheckable(True)
            b.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            b.clicked.connect(lambda _c=False, g=grade: self.set_grade(g))
            hint = QLabel(meaning)
            hint.setObjectName("hint")
            grade_box.addWidget(b, n, 0)
            grade_box.addWidget(hint, n, 1)
            self.grade_buttons[grade] = b
        left.addLayout(grade_box)
        toggles, self.toggle_buttons = checkable_grid(TOGGLES, 2, "toggle", self.toggle)
        left.addLayout(toggles)
        marks, self.mark_buttons = checkable_grid(MARKS, 3, "mark", self.toggle_mark)
        left.addLayout(marks)
        damage = QHBoxLayout()
        self.severity_button = QPushButton()
        self.cause_button = QPushButton()
        for b in (self.severity_button, self.cause_button):
            b.setObjectName("toggle")  # the size of the answers above them
            b.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            damage.addWidget(b)
        self.severity_button.clicked.connect(self.cycle_severity)
        self.cause_button.clicked.connect(self.cycle_cause)
        left.addLayout(damage)
        self.photos = QLabel()
        self.photos.setObjectName("hint")
        self.photos.setWordWrap(True)
        self.photos.setTextFormat(Qt.TextFormat.RichText)
        photo_row = QHBoxLayout()
        photo_row.addWidget(self.photos, 1)
        self.thumbs = QHBoxLayout()
        self.thumb_labels: list[QLabel] = []
        for _ in range(4):
            thumb = QLabel()
            thumb.setFixedSize(96, 64)
            thumb.setObjectName("thumb")
            thumb.setScaledContents(True)
            self.thumbs.addWidget(thumb)
            self.thumb_labels.append(thumb)
        photo_row.addLayout(self.thumbs)
        left.addLayout(photo_row)
        left.addStretch(1)
        body.addLayout(left, 3)

        self.panel = DecisionPanel()
        self.panel.accept_requested.connect(self.accept)
        self.panel.exception_requested.connect(self.request_exception)
        body.addWidget(self.panel, 2)
        self.setMinimumWidth(0)
        self._sync_form()

    @property
    def forms(self) -> dict[int, InspectionInput]:
        return self.session.forms

    @forms.setter
    def forms(self, value: dict[int, InspectionInput]) -> None:
        self.session.forms = value

    @property
    def pending_accept(self) -> tuple[str, dict[int, InspectionInput]] | None:
        return self.session.pending_accept

    # --- loading -----------------------------------------------------------------
    def load(self, view: ReturnView, user: SignedInUser) -> None:
        if self.view is not None and self.view.rma_number != view.rma_number:
            self.release_holds()
        self.view, self.user = view, user
        self.session.use(user)
        self._done_text = {}
        self._last_activity = time.monotonic()
        opened = self.session.open_inspection(view)
        self._held = dict(self.session.blocked)
        for holder in self._held.values():
            self._done_text[holder.unit_no] = f"Held at {holder.station} by {holder.user}"
        self.photo_views = self.session.photos
        self.banner.clear()
        self.header.setText(f"{view.rma_number}  ·  {view.customer_name}")
        self.units.clear()
        for it in view.items:
            self.units.addItem(self._unit_text(it))
        row = max(self.units.sizeHintForRow(0), 24)
        self.units.setFixedHeight(row * min(max(len(view.items), 1), 4)
                                  + 2 * self.units.frameWidth() + 4)
        first_pending = next((r for r, it in enumerate(view.items) if it.unit_no in self.forms),
                             0)
        self.units.setCurrentRow(first_pending)
        self.panel.clear()
        self._sync_form()
        self._refresh_decision()
        if opened.message:
            self._show(opened)
        self.setFocus()

    def unload(self, headline: str) -> None:
        """Nothing to inspect now (the last scan found an order with no return): nothing
        of the parcel shown before stays on screen, and its holds are let go."""
        self.release_holds()
        self.view = None
        self._done_text, self._held = {}, {}
        self.header.setText(headline)
        self.units.clear()
        self.panel.clear()
        self._sync_form()

    # --- the items (holds and photos: ui/inspect_holds.py, ui/inspect_photos.py) ----
    def _unit_text(self, it: ReturnItemView) -> str:
        line = it.line
        what = f"{line.sku}  {line.description}" if line else "extra item"
        wants = it.requested.value.replace("_", " ")
        # The unit's state in plain words: how it came in (missing, the wrong item, an
        # extra) first, then where its decision is ("to grade" while none is made).
        came = RECEPTION_WORDS.get(it.reception_status)
        status = it.decision_status.value.replace("_", " ")
        if it.decision_status is DecisionStatus.PENDING:
            status = f"held at {self._held[it.unit_no].station}" \
                if it.unit_no in self._held else "" if came else "to grade"
        status = " · ".join(w for w in (came, status) if w)
        return f"{it.unit_no}.  [{status}]  {it.reason.value.replace('_', ' ')}, wants " \
               f"{wants}  —  {what}"

    def current_unit(self) -> int | None:
        if self.view is None or self.units.currentRow() < 0:
            return None
        return self.view.items[self.units.currentRow()].unit_no

    # --- keyboard ----------------------------------------------------------------
    def keyPressEvent(self, event) -> None:  # type: ignore[no-untyped-def]
        key = event.key()
        self._last_activity = time.monotonic()
        if self.panel.exception_open():
            if key == Qt.Key.Key_Escape:
                self._close_exception()
            return
        grade_keys = {Qt.Key.Key_1: 0, Qt.Key.Key_2: 1, Qt.Key.Key_3: 2, Qt.Key.Key_4: 3,
                      Qt.Key.Key_5: 4}
        toggles = {k: attr for k, attr, _label in TOGGLES}
        mark_keys = {k: mark for k, mark, _label in MARKS}
        plain = not event.modifiers() & Qt.KeyboardModifier.ControlModifier
        if key in mark_keys and plain:
            self.toggle_mark(mark_keys[key])
        elif key in grade_keys:
            self.set_grade(GRADES[grade_keys[key]][0])
        elif key in toggles:
            self.toggle(toggles[key])
        elif key == Qt.Key.Key_S:
            self.cycle_severity()
        elif key == Qt.Key.Key_C:
            self.cycle_cause()
        elif key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.accept()
        elif key == Qt.Key.Key_E:
            self.settle_preview()
            if self.panel.view is None:
                self.banner.show_message(Level.WARN, "An exception is asked against the "
                                         "policy's decision: " + (self.panel.outcome.text()
                                                                  or "grade the item") + ".")
            self.panel.open_exception()
        elif key == Qt.Key.Key_O and event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            self.open_override()
        elif key == Qt.Key.Key_Space:
            self.take_photo()
        elif key == Qt.Key.Key_K and event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            self.keep_rejected()
        elif key == Qt.Key.Key_I and event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            self.import_photo()
        else:
            super().keyPressEvent(event)

    def focusNextPrevChild(self, next: bool) -> bool:
        # Tab and Shift+Tab move between items, not between widgets.
        if self.panel.exception_open() or not self.units.count():
            return super().focusNextPrevChild(next)
        step = 1 if next else -1
        self.units.setCurrentRow((self.units.currentRow() + step) % self.units.count())
        return True

    # --- form --------------------------------------------------------------------
    def _edit(self, **changes: object) -> None:
        """One change to the unit's form: the session saves it as its draft at once (no
        Save button) or refuses it and says why; the form shown is always the stored one
        (a clicked button that was refused unticks again)."""
        unit = self.current_unit()
        self._last_activity = time.monotonic()
        if unit is None or self.view is None or self.user is None:
            self._sync_form()
            return
        if unit not in self.forms and unit in self._done_text and unit not in self._held \
                and self.session.not_to_grade(unit) is None:  # decided here: say how
            self.banner.show_message(Level.WARN, self._done_text[unit])
            self._sync_form()
            return
        screen = self.session.change(unit, **changes)
        if screen.message:
            self._show(screen)
        self._sync_form()
        self._refresh_decision()

    def _show(self, screen: Screen) -> None:
        self.banner.show_message(LEVELS[screen.level], screen.message)

    def show_tag(self, screen: Screen) -> None:
        """A SKU tag scanned: the session answered M for that item; show it."""
        unit = screen.result.unit if isinstance(screen.result, TagScanned) else None
        row = next((r for r, it in enumerate(self.view.items) if it.unit_no == unit), None) \
            if self.view is not None else None
        if row is not None and row != self.units.currentRow():
            self.units.setCurrentRow(row)
        self._last_activity = time.monotonic()
        self._sync_form()
        self._refresh_decision()
        self._show(screen)
        self.setFocus()

    def database_back(self) -> Screen | None:
        """The database answers again: the session saves what this bench kept; the page
        shows what happened. The offline journal's sync (if there was one) is returned
        for the window to show on every page."""
        waiting = set(self.session.graded()) if self.pending_accept is not None else set()
        synced = None
        for screen in self.session.database_back():
            if isinstance(screen.result, Synced) or "Still offline" in screen.message \
                    or "Syncing stopped" in screen.message:
                synced = screen
                continue
            self._show(screen)
            if isinstance(screen.result, PhotoKept):
                self._sync_form()
                self._refresh_decision()
            if isinstance(screen.result, Accepted):
                self._accepted(screen.result, screen.message, waiting)
        return synced

    def set_grade(self, grade: Grade) -> None:
        unit = self.current_unit()
        if unit is None or unit not in self.forms:
            self._edit(grade=grade)
            return
        graded = self.session.with_grade(unit, grade)
        self._edit(grade=graded.grade, tags_attached=graded.tags_attached,
                   matches_order=graded.matches_order,
                   damage_severity=graded.damage_severity)

    # A key on a unit without a form changes nothing; _edit() says why.
    def toggle(self, attr: str) -> None:
        unit = self.current_unit()
        if unit not in self.forms:
            self._edit()
            return
        now = getattr(self.forms[unit], attr)
        if attr == "matches_order":  # unset -> yes -> no -> unset: it must be answered
            self._edit(matches_order=True if now is None else False if now else None)
        else:
            self._edit(**{attr: not now})

    def toggle_mark(self, mark: str) -> None:
        unit = self.current_unit()
        if unit not in self.forms:
            self._edit()
            return
        self._edit(marks=self.forms[unit].marks ^ {mark})

    def cycle_severity(self) -> None:
        unit = self.current_unit()
        if unit not in self.forms:
            self._edit()
            return
        now = self.forms[unit].damage_severity
        self._edit(damage_severity=SEVERITIES[(SEVERITIES.index(now) + 1) % len(SEVERITIES)])

    def cycle_cause(self) -> None:
        unit = self.current_unit()
        if unit not in self.forms:
            self._edit()
            return
        now = self.forms[unit].damage_cause
        self._edit(damage_cause=CAUSES[(CAUSES.index(now) + 1) % len(CAUSES)])

    def _unit_changed(self, _row: int) -> None:
        self._sync_form()
        self._refresh_decision()

    def _sync_form(self) -> None:
        unit = self.current_unit()
        form = self.forms.get(unit, InspectionInput()) if unit is not None else InspectionInput()
        for grade, button in self.grade_buttons.items():
            button.setChecked(form.grade is grade)
        for attr, button in self.toggle_buttons.items():
            button.setChecked(bool(getattr(form, attr)))
        answer = {None: "?", True: "yes", False: "NO"}[form.matches_order]
        self.toggle_buttons["matches_order"].setText(
            f"M  Matches order (SKU, colour, size): {answer}")
        for mark, button in self.mark_buttons.items():
            button.setChecked(mark in form.marks)
        severity = form.damage_severity.value if form.damage_severity else "?"
        self.severity_button.setText(f"S  Damage: {severity}")
        cause = form.damage_cause.value if form.damage_cause else "—"
        self.cause_button.setText(f"C  Cause: {cause}")
        photos = self.photo_views.get(unit, []) if unit is not None else []
        slots = self.session.photo_slots(unit)
        have = {p.slot for p in photos}
        needs = "  ".join(f"{'✔' if s in have else '✖'} {s.value.replace('_', ' ')}"
                          for s in slots)
        reused = sorted({r for p in photos for r in p.reused_on})
        warn = (f"<br/><b style='color:#b3261e'>⚠ Photo also on another customer's claim: "
                f"{', '.join(reused)}</b>" if reused else "")
        self.photos.setText(f"Photos: {len(photos)}. Space takes one, Ctrl+I imports a file."
                            + (f"<br/>Claim photos: {needs}" if slots else "") + warn)
        for i, label in enumerate(self.thumb_labels):
            if i < len(photos) and photos[-1 - i].thumbnail.exists():
                label.setPixmap(QPixmap(str(photos[-1 - i].thumbnail)))
                label.setToolTip(photos[-1 - i].slot.value.replace("_", " "))
            else:
                label.clear()

    # --- the decision panel ---------------------------------------------------------
    def _graded(self) -> dict[int, InspectionInput]:
        return {u: f for u, f in self.forms.items() if f.grade is not None}

    def _refresh_decision(self) -> None:
        self._preview_seq += 1  # what is on its way is for an older form: dropped
        self._preview_shown = self._preview_seq
        unit = self.current_unit()
        graded = self._graded()
        if self.view is None or unit is None:
            self.panel.clear("Scan a parcel first (F1).")
            return
        if unit not in self.forms:
            item = next(it for it in self.view.items if it.unit_no == unit)
            self.panel.clear(self.session.not_to_grade(unit) or self._done_text.get(
                unit, "This item is already " + item.decision_status.value.replace("_", " ")
                + "."))
            return
        if unit not in graded:
            self.panel.clear("Grade the item (1–5)")
            return
        still = self.session.still_missing(unit)
        if still:
            self.panel.clear("Still to answer: " + "; ".join(still) + ".")
            return
        # Another item still missing an answer does not hold this one's preview back.
        # The policy reads the return and what its RMA decided before: off the window's
        # thread (40-125 ms a key on the UI thread); the newest key's answer is shown,
        # an older one arriving late is dropped. Enter does not wait for it: the
        # decision is made again when it is stored.
        self._preview_seq += 1
        seq, rma = self._preview_seq, self.view.rma_number  # on its way (shown != seq)
        BackgroundOp(self.session.preview_work(self.session.ready()),
                     lambda view: self._previewed(seq, rma, unit, view),
                     lambda exc: self._preview_failed(seq, exc), parent=self,
                     lane="preview").start()

    def _previewed(self, seq: int, rma: str | None, unit: int, view: DecisionView) -> None:
        if seq != self._preview_seq or self.view is None or self.view.rma_number != rma \
                or self.current_unit() != unit:
            return  # a later key, another unit or another parcel: its own preview comes
        self._preview_shown = seq
        self.panel.show_decision(view, unit)

    def settle_preview(self) -> None:
        """A key that acts on the decision shown (E, Ctrl+O) never acts on an older one:
        a preview still on its way is made here, at once."""
        unit = self.current_unit()
        if self._preview_shown == self._preview_seq or unit is None or self.view is None:
            return
        self._preview_seq += 1
        self._preview_shown = seq = self._preview_seq
        try:
            self._previewed(seq, self.view.rma_number, unit,
                            self.session.decision_preview(self.session.ready()))
        except ReturnBenchError as exc:
            self._preview_failed(seq, exc)

    def _preview_failed(self, seq: int, exc: BaseException) -> None:
        if seq != self._preview_seq:
            return
        self._preview_shown = seq
        if isinstance(exc, DatabaseUnavailable):
            # The banner already says what happened to the work; keep it in view.
            self.panel.clear("Waiting for the database")
        elif isinstance(exc, ReturnBenchError):
            self.panel.clear("Cannot decide yet")
            self.banner.show_problem(exc)
        else:
            raise exc  # a bug: the app's hook logs it and says so


    def _close_exception(self) -> None:
        # Take the focus back first: hiding the focused reason field would otherwise move
        # focus "next", which on this page means the next item.
        self.setFocus()
        self.panel.close_exception()

    # --- actions -----------------------------------------------------------------
    def accept(self) -> None:
        if self.view is None or self.user is None:
            self.banner.show_message(Level.WARN, "Scan a parcel on Receive (F1) first.")
            return
        self._do_accept(None)

    def _do_accept(self, key: str | None, after_outage: bool = False) -> None:
        assert self.view is not None
        graded = set(self.session.graded())
        screen = self.session.accept(key, after_outage=after_outage)
        self._show(screen)
        if isinstance(screen.result, Accepted):
            self._accepted(screen.result, screen.message, graded)

    def _accepted(self, accepted: Accepted, message: str, graded: set[int]) -> None:
        assert self.view is not None
        waiting = bool(accepted.approvals)
        for unit, resolution in accepted.units.items():
            self._done_text[unit] = f"Accepted: {resolution.replace('_', ' ')}."
        self._mark_done(graded, DecisionStatus.AWAITING_APPROVAL if waiting
                        else DecisionStatus.DECIDED)
        if self._override_after_accept and waiting:
            if accepted.all_done:
                self._finish_after_override = f"{self.view.rma_number}: {message}"
            self.open_override()
            return
        if accepted.all_done:
            self.finished.emit(f"{self.view.rma_number}: {message}", waiting)

    def _mark_done(self, units: set[int], status: DecisionStatus) -> None:
        assert self.view is not None
        for row, it in enumerate(self.view.items):
            if it.unit_no in units:
                self.units.item(row).setText(self._unit_text(
                    replace(it, decision_status=status)))
        self._sync_form()
        self._refresh_decision()

    def request_exception(self, reason: str, outcome: str) -> None:
        unit = self.current_unit()
        if self.view is None or self.user is None or unit is None:
            return
        screen = self.session.request_exception(unit, reason, outcome)
        self._show(screen)
        if not isinstance(screen.result, ExceptionAsked):
            return
        self._done_text[unit] = f"Exception #{screen.result.approval} waits for approval."
        self._close_exception()
        self._show(screen)
        self._mark_done({unit}, DecisionStatus.AWAITING_APPROVAL)
