"""A parcel with no return, received anyway (Receive, Ctrl+U): what is in it (the dress's
SKU tag scanned, or words), the bench's grade and a note, for the customer and order
the search found (or nobody). Enter receives it; Esc cancels. The session does the
rest; this form only collects and forwards."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from ui.approvals_page import NoteEdit

GRADES = "ABCDX"


class UnexpectedForm(QFrame):
    submitted = Signal()
    cancelled = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("unexpectedForm")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.order: str | None = None
        layout = QVBoxLayout(self)
        self.title = QLabel()
        self.title.setObjectName("prompt")
        self.title.setWordWrap(True)
        row = QHBoxLayout()
        self.what = NoteEdit()
        self.what.setObjectName("unexpectedWhat")
        self.what.setPlaceholderText("Scan its SKU tag, or type style, colour, size")
        self.grade = NoteEdit()
        self.grade.setObjectName("unexpectedGrade")
        self.grade.setPlaceholderText("Grade: A-D, X")
        self.grade.setMaxLength(1)
        self.grade.textEdited.connect(lambda t: self.grade.setText(t.upper()))
        self.notes = NoteEdit()
        self.notes.setObjectName("unexpectedNotes")
        self.notes.setPlaceholderText("Note (optional)")
        for field in (self.what, self.grade, self.notes):
            field.submitted.connect(self.submitted.emit)  # Enter from any field
            field.cancelled.connect(self.cancelled.emit)  # Esc from any field
        row.addWidget(self.what, 5)
        row.addWidget(self.grade, 2)
        row.addWidget(self.notes, 3)
        hint = QLabel("Tab: next field · Enter: receive it and hold it for a supervisor · "
                      "Esc: cancel")
        hint.setObjectName("hint")
        hint.setWordWrap(True)
        layout.addWidget(self.title)
        layout.addLayout(row)
        layout.addWidget(hint)
        self.hide()

    def open(self, order: str | None, customer: str | None) -> None:
        """Show the form for the order the search found (None: nobody found)."""
        self.order = order
        who = (f"{customer}, order {order}" if customer and order else
               f"order {order}" if order else "no customer found (the supervisor will "
               "look)")
        self.title.setText(f"Unexpected return (no RMA) from {who}")
        for field in (self.what, self.grade, self.notes):
            field.clear()
        self.show()
        self.what.setFocus()

    def close_form(self) -> None:
        self.hide()
        self.order = None

    def grade_letter(self) -> str | None:
        letter = self.grade.text().strip().upper()
        return letter if len(letter) == 1 and letter in GRADES else None
