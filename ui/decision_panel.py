"""The decision beside the inspection form: outcome in large type, the money, where the
dress goes, the approval needed and why, and the trace in sentences."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.bench.types import EXCEPTION_OUTCOMES as ALLOWED_EXCEPTIONS
from app.bench.types import DecisionView
from app.domain.enums import Resolution
from app.domain.money import format_money

_OUTCOME_WORDS = {
    Resolution.REFUND: "REFUND",
    Resolution.EXCHANGE: "EXCHANGE",
    Resolution.REPLACEMENT: "REPLACEMENT",
    Resolution.REPAIR_CREDIT: "REPAIR CREDIT",
    Resolution.STORE_CREDIT: "STORE CREDIT",
    Resolution.ALTERATION_CREDIT: "ALTERATION CREDIT",
    Resolution.RETURN_TO_CUSTOMER: "BACK TO CUSTOMER",
    Resolution.HOLD: "HOLD",
    Resolution.PHOTOS_REQUIRED: "PHOTOS NEEDED",
}
# State colour plus a text cue: green done, amber needs attention, red stop.
_STATE = {
    Resolution.REFUND: "good", Resolution.EXCHANGE: "good", Resolution.REPLACEMENT: "good",
    Resolution.REPAIR_CREDIT: "good", Resolution.STORE_CREDIT: "good",
    Resolution.ALTERATION_CREDIT: "good", Resolution.RETURN_TO_CUSTOMER: "stop",
    Resolution.HOLD: "attention", Resolution.PHOTOS_REQUIRED: "attention",
}
_DISPOSITION_WORDS = {
    "restock": "restock at full price", "prep_and_restock": "steam or re-bag, then restock",
    "refurbish": "refurbish, then restock or outlet", "liquidate": "liquidate, donate or scrap",
    "return_to_customer": "ship back to the customer", "hold": "hold shelf for investigation",
}
class ReasonEdit(QLineEdit):
    """The exception reason: Enter submits here and goes no further (the page behind
    would take it for "accept")."""

    submitted = Signal()

    def keyPressEvent(self, event) -> None:  # type: ignore[no-untyped-def]
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            event.accept()
            self.submitted.emit()
            return
        super().keyPressEvent(event)


EXCEPTION_OUTCOMES = tuple(o.value for o in ALLOWED_EXCEPTIONS)


NOTHING_YET = "Enter: nothing to accept yet"
NB_HYPHEN = "\u2011"


class DecisionPanel(QWidget):
    accept_requested = Signal()
    exception_requested = Signal(str, str)  # reason, requested outcome

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("decisionPanel")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.setMinimumWidth(360)
        layout = QVBoxLayout(self)
        self.outcome = QLabel("Grade the item (1–5)")
        self.outcome.setObjectName("outcome")
        self.outcome.setWordWrap(True)
        self.money = QLabel()
        self.money.setObjectName("money")
        self.money.setWordWrap(True)
        self.destination = QLabel()
        self.destination.setObjectName("destination")
        self.destination.setWordWrap(True)
        self.approval = QLabel()
        self.approval.setObjectName("approval")
        self.approval.setWordWrap(True)
        why = QLabel("Why")
        why.setObjectName("sectionTitle")
        self.trace = QLabel()
        self.trace.setObjectName("trace")
        self.trace.setWordWrap(True)
        self.trace.setTextFormat(Qt.TextFormat.RichText)
        self.policy = QLabel()
        self.policy.setObjectName("policyLine")
        # What Enter does sits right under the outcome, so it is on screen whenever the
        # outcome is (at 1366x768 too); the reasons follow below it.
        self.accept_button = QPushButton(NOTHING_YET)
        self.accept_button.setObjectName("primary")
        self.exception_button = QPushButton("Exception  E")
        self.override_hint = QLabel("Manager here? Ctrl+O approves at this bench.")
        self.override_hint.setObjectName("hint")
        self.override_hint.setWordWrap(True)
        buttons = QHBoxLayout()
        buttons.addWidget(self.exception_button)
        buttons.addWidget(self.override_hint, 1)
        for b in (self.accept_button, self.exception_button):
            b.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.accept_button.clicked.connect(self.accept_requested)
        self.exception_button.clicked.connect(self.open_exception)

        self.exception_box = QWidget()
        ex = QVBoxLayout(self.exception_box)
        ex.setContentsMargins(0, 0, 0, 0)
        ask = QLabel("Exception: what should happen instead, and why?")
        ask.setWordWrap(True)
        ex.addWidget(ask)
        self.exception_outcome = QComboBox()
        self.exception_outcome.addItems([o.replace("_", " ") for o in EXCEPTION_OUTCOMES])
        self.exception_reason = ReasonEdit()
        self.exception_reason.setObjectName("exceptionReason")
        self.exception_reason.setPlaceholderText("Why, in your words")
        self.exception_reason.submitted.connect(self._submit_exception)
        ex.addWidget(self.exception_outcome)
        ex.addWidget(self.exception_reason)
        self.exception_box.hide()

        layout.addWidget(self.outcome)
        layout.addWidget(self.accept_button)
        layout.addLayout(buttons)
        layout.addWidget(self.exception_box)
        for w in (self.money, self.destination, self.approval, why, self.trace, self.policy):
            layout.addWidget(w)
        layout.addStretch(1)
        self.view: DecisionView | None = None
        self._enter_words = NOTHING_YET
        self.set_enabled(False)

    def set_enabled(self, enabled: bool) -> None:
        self.accept_button.setEnabled(enabled)
        self.exception_button.setEnabled(enabled)

    def clear(self, message: str = "Grade the item (1–5)") -> None:
        self.view = None
        self.accept_button.setText(NOTHING_YET)
        self.outcome.setText(message)
        self.outcome.setProperty("state", "todo")  # an instruction, not an outcome
        self._repolish(self.outcome)
        for label in (self.money, self.destination, self.approval, self.trace, self.policy):
            label.clear()
        self.set_enabled(False)
        self.close_exception()

    def show_decision(self, view: DecisionView, unit_no: int) -> None:
        self.view = view
        unit = next(u for u in view.units if u.unit_no == unit_no)
        words = _OUTCOME_WORDS[unit.resolution]
        amount = unit.refund or unit.credit
        if unit.resolution in (Resolution.EXCHANGE, Resolution.REPLACEMENT) and unit.size_to:
            words += f" → US {unit.size_to}"
        waiting = unit.waits is not None and unit.resolution is not Resolution.HOLD
        text = f"{words}  {format_money(amount)}" if amount else words
        # Amber, never green, while a supervisor or manager still has to say yes.
        self.outcome.setText(f"{text} — needs {unit.waits.value}" if waiting and unit.waits
                             else text)
        self.outcome.setProperty("state", "attention" if waiting else _STATE[unit.resolution])
        self._repolish(self.outcome)
        parts = [f"Refund {format_money(unit.refund)}" if unit.refund else "",
                 f"restocking fee {format_money(unit.restocking_fee)}"
                 if unit.restocking_fee else "",
                 f"credit {format_money(unit.credit)}" if unit.credit else ""]
        money = ", ".join(p for p in parts if p) or "No money moves for this item."
        if len(view.units) > 1:
            money += (f"   (this return: refunds {format_money(view.refund_total)}, "
                      f"credits {format_money(view.credit_total)})")
        self.money.setText(money)
        self.destination.setText("Dress goes to: "
                                 + _DISPOSITION_WORDS.get(unit.disposition, unit.disposition)
                                 # non-breaking hyphens: a bin is never split
                                 + (f" — bin {unit.place.replace('-', NB_HYPHEN)}"
                                    if unit.place else ""))
        if unit.waits is not None:
            self.approval.setText(f"⚠ Needs {unit.waits.value} approval: "
                                  f"{view.approval_reason}")
        elif view.approval:
            self.approval.setText(f"✔ This item needs no approval (another item waits "
                                  f"for a {view.approval.value}).")
        else:
            self.approval.setText("✔ No approval needed.")
        if view.carrier_claim:
            self.approval.setText(self.approval.text() + "  A carrier claim will be opened.")
        items = "".join(f"<li>{reason}</li>" for _rule, reason in view.trace)
        self.trace.setText(f"<ul style='margin-left:0'>{items}</ul>")
        self.policy.setText(f"Policy {view.policy_id} v{view.policy_version} "
                            f"({view.policy_sha256[:10]})")
        # The button says what Enter does.
        money_words = f" {format_money(amount)}" if amount else ""
        if unit.resolution is Resolution.PHOTOS_REQUIRED:
            self._enter_words = "Take the claim's photos first (Space)"
        elif unit.resolution is Resolution.HOLD:
            self._enter_words = "Enter: to the hold shelf\n(a supervisor settles it)"
        elif waiting:
            self._enter_words = f"Enter: send for approval\n({words.lower()}{money_words})"
        else:
            self._enter_words = f"Enter: {words.lower()}{money_words}"
        self.accept_button.setText(self._enter_words)
        self.set_enabled(unit.resolution is not Resolution.PHOTOS_REQUIRED)

    def open_exception(self) -> None:
        if self.view is None:
            return
        self.exception_box.show()
        self.exception_reason.setFocus()
        # While the exception is written, Enter sends it (not the policy's outcome).
        self.accept_button.setText("Enter: send the exception\n(Esc: back)")

    def close_exception(self) -> None:
        self.exception_reason.clear()
        self.exception_box.hide()
        self.accept_button.setText(self._enter_words if self.view is not None
                                   else NOTHING_YET)

    def exception_open(self) -> bool:
        return self.exception_box.isVisible()

    def _submit_exception(self) -> None:
        outcome = EXCEPTION_OUTCOMES[self.exception_outcome.currentIndex()]
        self.exception_requested.emit(self.exception_reason.text(), outcome)

    @staticmethod
    def _repolish(w: QWidget) -> None:
        w.style().unpolish(w)
        w.style().polish(w)
