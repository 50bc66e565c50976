"""A supervisor or manager answers a request at the bench, signing in over the inspector
(whose session stays): pick your name, PIN, note, Enter approves."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QHBoxLayout,
    QLabel,
    QLayout,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.bench import BenchSession
from app.bench.results import Answered
from app.bench.types import UserChoice, approve_meaning, denial_choices
from app.domain.enums import ApprovalKind, ApprovalLevel, Role
from app.domain.money import format_money
from app.views import ApprovalView
from ui.banner import LEVELS, Banner, Level


class OverrideDialog(QDialog):
    def __init__(self, session: BenchSession, request: ApprovalView,
                 people: list[UserChoice], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Approval at this bench")
        self._session = session
        self.request = request
        self.result_view: ApprovalView | None = None
        roles = {Role.MANAGER} if request.level is ApprovalLevel.MANAGER else {
            Role.SUPERVISOR, Role.MANAGER}
        layout = QVBoxLayout(self)
        # The dialog grows with what it shows: a wrong PIN's line pushes the buttons down
        # instead of being drawn over the text.
        layout.setSizeConstraint(QLayout.SizeConstraint.SetMinimumSize)
        summary = QLabel(
            f"<b>#{request.id} {request.kind.value.replace('_', ' ')}</b>: "
            f"{format_money(request.amount)} on {request.rma_number}"
            + (f" item {request.unit_no}" if request.unit_no else "")
            # Only an exception's reason is the requester's words; the others are the
            # policy's, accepted at the bench.
            + (f"<br/>“{request.reason}” — {request.requested_by}<br/>"
               if request.kind in (ApprovalKind.POLICY_EXCEPTION, ApprovalKind.QA_REGRADE) else
               f"<br/>Policy: {request.reason} (accepted by {request.requested_by})<br/>")
            + f"Needs a <b>{request.level.value}</b>.")
        summary.setWordWrap(True)
        self.setMinimumWidth(560)  # room for the reason when an error line shows too
        self.who = QComboBox()
        for person in people:
            if person.role in roles:
                self.who.addItem(f"{person.display_name} · {person.role.value}",
                                 person.username)
        self.pin = QLineEdit()
        self.pin.setEchoMode(QLineEdit.EchoMode.Password)
        self.pin.setPlaceholderText("PIN")
        self.note = QLineEdit()
        self.note.setPlaceholderText("Note (required to deny)")
        # What a denial gives instead (a refund over the threshold, a hold).
        self.instead = QComboBox()
        for value, label in denial_choices(request.kind):
            self.instead.addItem(f"If denied: {label}", value)
        self.instead.setVisible(self.instead.count() > 0)
        meaning = QLabel(approve_meaning(request.kind))
        meaning.setWordWrap(True)
        self.banner = Banner()
        buttons = QHBoxLayout()
        self.approve = QPushButton("Approve  Enter")
        self.approve.setObjectName("primary")
        self.approve.setDefault(True)
        self.deny = QPushButton("Deny")
        cancel = QPushButton("Cancel  Esc")
        for b in (self.approve, self.deny, cancel):
            buttons.addWidget(b)
        self.approve.clicked.connect(lambda: self._answer(True))
        self.deny.clicked.connect(lambda: self._answer(False))
        cancel.clicked.connect(self.reject)
        for w in (summary, meaning, QLabel("Who approves?"), self.who, self.pin, self.note,
                  self.instead, self.banner):
            layout.addWidget(w)
        layout.addLayout(buttons)
        self.pin.setFocus(Qt.FocusReason.OtherFocusReason)

    def _answer(self, approve: bool) -> None:
        username = self.who.currentData()
        if not username:
            self.banner.show_message(Level.ERROR, "Nobody here can approve this level.")
            return
        # The same call as `main.py replay`'s answer: the answer, then its final labels.
        shown = self._session.answer(self.request.id, username, self.pin.text(), approve,
                                     self.note.text(),
                                     None if approve else self.instead.currentData())
        if not isinstance(shown.result, Answered):
            self.pin.clear()
            self.banner.show_message(LEVELS[shown.level], shown.message)
            return
        self.result_view = shown.result.approval
        self.accept()
