"""The approvals queue (every station's requests): age against the SLA, the requester's
reason, the policy's trace; approve (A) or deny (D) with a note and Enter."""

from __future__ import annotations

import datetime as dt
from html import escape
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.bench.desks import ApprovalsDesk
from app.bench.types import SignedInUser, approve_meaning, denial_choices
from app.domain.enums import ApprovalKind
from app.domain.money import format_money
from app.errors import ReturnBenchError
from app.notify import RECONNECTED
from app.permissions import Action, allowed
from app.views import ApprovalView
from ui.banner import Banner, Level
from ui.feed import ChangeFeed
from ui.ops import BackgroundOp
from ui.queue_page import QueuePage
from ui.tables import fill, read_only_table, restretch, selected

COLUMNS = ("#", "Age", "Level", "Amount", "Return", "Asked by", "Station", "Reason")


class NoteEdit(QLineEdit):
    """The answer's note: Enter sends, Esc cancels; neither reaches the page behind."""

    submitted = Signal()
    cancelled = Signal()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            event.accept()
            self.submitted.emit()
        elif event.key() == Qt.Key.Key_Escape:
            event.accept()
            self.cancelled.emit()
        else:
            super().keyPressEvent(event)


class ApprovalsPage(QueuePage[ApprovalView]):
    answered = Signal(int)
    log_saved = Signal(object)  # the authorization log's Path

    def __init__(self, approvals: ApprovalsDesk, user: SignedInUser, out_dir: Path,
                 feed: ChangeFeed | None = None,
                 parent: QWidget | None = None) -> None:
        feed = feed or ChangeFeed(None)
        super().__init__(allowed(user.role, Action.VIEW_APPROVALS), feed.poll_ms, parent)
        self._approvals = approvals
        self.feed = feed
        self.feed.happened.connect(self._on_event)
        self._user = user
        self._out_dir = out_dir
        self._pending_answer: bool | None = None
        self._alternative: str | None = None
        self._choosing: list[tuple[str, str]] = []
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        layout = QVBoxLayout(self)
        title = QLabel("Approvals from every bench")
        title.setObjectName("headline")
        self.banner = Banner()
        self.table = read_only_table(COLUMNS, stretch=len(COLUMNS) - 1)
        self.table.currentCellChanged.connect(lambda *_: self._show_detail())
        self.detail = QLabel()
        self.detail.setObjectName("trace")
        self.detail.setWordWrap(True)
        self.detail.setTextFormat(Qt.TextFormat.RichText)
        self.note = NoteEdit()
        self.note.setObjectName("approvalNote")
        self.note.submitted.connect(self._submit)
        self.note.cancelled.connect(self._cancel)
        self.note.hide()
        # A denial of a refund over the threshold or of a hold says what happens instead.
        self.choice = QLabel()
        self.choice.setObjectName("approvalChoice")
        self.choice.setWordWrap(True)
        self.choice.hide()
        buttons = QHBoxLayout()
        self.approve_button = QPushButton("Approve  A")
        self.approve_button.setObjectName("primary")
        self.deny_button = QPushButton("Deny  D")
        self.log_button = QPushButton("Authorization log, last 30 days  Ctrl+P")
        for b in (self.approve_button, self.deny_button, self.log_button):
            b.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            buttons.addWidget(b)
        buttons.addStretch(1)
        self.approve_button.clicked.connect(lambda: self.start_answer(True))
        self.deny_button.clicked.connect(lambda: self.start_answer(False))
        self.log_button.clicked.connect(self.print_log)
        for w in (title, self.banner):
            layout.addWidget(w)
        layout.addWidget(self.table, 2)
        layout.addWidget(self.detail, 1)
        layout.addWidget(self.choice)
        layout.addWidget(self.note)
        layout.addLayout(buttons)
        if not self.can_view:
            self.table.hide()
            self.approve_button.hide()
            self.deny_button.hide()
            self.log_button.hide()
            self.detail.setText("The approvals queue is for supervisors and managers. A "
                                "manager can approve at this bench from Inspect (Ctrl+O).")

    # --- data --------------------------------------------------------------------
    def _on_event(self, topic: str, _payload: object) -> None:
        """Another bench asked or answered: show it now, not at the next poll."""
        if self.isVisible() and (topic.startswith("approval.") or topic == RECONNECTED):
            self.refresh()

    def refresh(self) -> None:
        if not self.can_view or self.note.isVisible():
            return
        try:
            views = self._approvals.queue()
        except ReturnBenchError as exc:
            self.banner.show_problem(exc)
            return
        self._paint(views)

    def _paint(self, views: list[ApprovalView]) -> None:
        """The queue as read; the cursor stays on the request it was on, or, when that
        one was just answered, on the one that took its row (not back to the first)."""
        selected, row_was = self.selected(), max(0, self.table.currentRow())
        self.views = views
        fill(self.table, [
            (f"#{v.id}", ("⚠ " if v.overdue else "")
             + f"{v.age_minutes // 60}h {v.age_minutes % 60:02d}m", v.level.value,
             format_money(v.amount), v.rma_number, v.requested_by,
             v.station, v.reason) for v in self.views],
            red=lambda r, c: c == 1 and self.views[r].overdue)
        restretch(self.table, len(COLUMNS) - 1)
        ids = [v.id for v in self.views]
        row = ids.index(selected.id) if selected and selected.id in ids \
            else min(row_was, len(ids) - 1)
        if self.views:
            self.table.selectRow(row)
        self._show_detail()

    def selected(self) -> ApprovalView | None:
        return selected(self.table, self.views)

    def _show_detail(self) -> None:
        v = self.selected()
        if v is None:
            self.detail.setText("Nothing waits for approval." if self.can_view else
                                self.detail.text())
            return
        due = v.sla_due_at.astimezone().strftime("%H:%M")
        sla = (f"<b style='color:#b3261e'>⚠ past its {due} deadline</b>" if v.overdue
               else f"due by {due}")
        trace = "".join(f"<li>{reason}</li>" for _rule, reason in v.trace)
        self.detail.setText(
            f"<b>#{v.id} {v.kind.value.replace('_', ' ')}</b> ({v.level.value}), {sla}<br/>"
            f"<b>{format_money(v.amount)}</b>"
            + (f", asks for {v.requested_outcome.replace('_', ' ')}"
               if v.requested_outcome else "")
            + f"; {v.rma_number}" + (f" item {v.unit_no}" if v.unit_no else "")
            + (f", {escape(v.customer_name)}" if v.customer_name else "")
            + (f"<br/>“{v.reason}” — {v.requested_by}, {v.station}<br/>"
               if v.kind in (ApprovalKind.POLICY_EXCEPTION, ApprovalKind.QA_REGRADE) else
               f"<br/>Policy: {v.reason} (accepted by {v.requested_by}, {v.station})<br/>")
            + f"Photos on file: {v.photos}<br/><i>{approve_meaning(v.kind)}</i>"
            + (f"<ul>{trace}</ul>" if trace else ""))

    # --- answering ---------------------------------------------------------------
    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        if self._choosing:
            index = key - Qt.Key.Key_1
            if 0 <= index < len(self._choosing):
                self._alternative = self._choosing[index][0]
                self._choosing = []
                self.choice.hide()
                self._open_note(False)
            elif key == Qt.Key.Key_Escape:
                self._cancel()
            return
        if self.step(key):
            return
        if key == Qt.Key.Key_A:
            self.start_answer(True)
        elif key == Qt.Key.Key_D:
            self.start_answer(False)
        elif key == Qt.Key.Key_P and event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            self.print_log()
        else:
            super().keyPressEvent(event)

    def start_answer(self, approve: bool) -> None:
        v = self.selected()
        if v is None:
            return
        self._pending_answer = approve
        self._alternative = None
        choices = [] if approve else denial_choices(v.kind)
        if choices:
            self._choosing = choices
            self.choice.setText(f"Deny #{v.id}: what instead? " + "   ".join(
                f"<b>{n}</b> {label}" for n, (_v, label) in enumerate(choices, 1))
                + "   (Esc cancels)")
            self.choice.show()
            self.setFocus()
            return
        self._open_note(approve)

    def _open_note(self, approve: bool) -> None:
        v = self.selected()
        if v is None:
            return
        verb = "Approve" if approve else "Deny"
        instead = (f", instead {self._alternative.replace('_', ' ')}"
                   if self._alternative else "")
        self.note.setPlaceholderText(f"{verb} #{v.id}{instead}: note" + (
            " (optional)" if approve else " (required: why)") + ", then Enter; Esc cancels")
        self.note.clear()
        self.note.show()
        self.note.setFocus()

    def _cancel(self) -> None:
        self._pending_answer = None
        self._alternative = None
        self._choosing = []
        self.choice.hide()
        self.setFocus()
        self.note.hide()

    def _submit(self) -> None:
        """The answer is written off the UI thread (a commit, the audit seal, a notify),
        with the queue read again after it; the note stays open, greyed, until then."""
        v = self.selected()
        approve = self._pending_answer
        if v is None or approve is None or not self.note.isEnabled():
            return
        approvals = self._approvals
        note, alternative = self.note.text(), self._alternative
        self.note.setEnabled(False)

        def work() -> tuple[ApprovalView, list[ApprovalView]]:
            answered = approvals.answer(v.id, approve, note, alternative)
            return answered, approvals.queue()

        def done(result: tuple[ApprovalView, list[ApprovalView]]) -> None:
            answered, views = result
            self.note.setEnabled(True)
            self._cancel()
            self.banner.show_message(Level.OK, f"#{answered.id} {answered.status.value}: "
                                     f"{answered.rma_number} {format_money(answered.amount)}.")
            self.answered.emit(answered.id)
            self._paint(views)

        def failed(exc: BaseException) -> None:
            self.note.setEnabled(True)
            self.note.setFocus()
            self.banner.show_problem(exc)

        BackgroundOp(work, done, failed, parent=self).start()

    def print_log(self) -> None:
        """The last 30 days' authorization log as a PDF, rendered and written off the UI
        thread; `log_saved` when done."""
        end = dt.date.today()
        start = end - dt.timedelta(days=30)
        approvals, folder = self._approvals, self._out_dir

        def done(path: Path) -> None:
            self.banner.show_message(Level.OK, f"Authorization log saved: {path}")
            self.log_saved.emit(path)

        BackgroundOp(lambda: approvals.authorization_log(start, end, folder),
                     done, self.banner.show_problem, parent=self).start()
