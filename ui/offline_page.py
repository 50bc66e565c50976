"""Needs a look (F10): what benches did offline that the server refused when they synced
(another bench decided the dress, the return changed, the policy moved), every bench's,
with the bench's version and the server's side by side. A supervisor settles each:
S, the server's stands; B, the inspector's grading goes back to the bench as a draft
(only while the dress is still to be decided). The service decides what may be done."""

from __future__ import annotations

from html import escape

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from app.bench.desks import ConflictsDesk
from app.bench.types import ConflictView, SignedInUser
from app.errors import ReturnBenchError
from app.permissions import Action, allowed
from ui.approvals_page import NoteEdit
from ui.banner import Banner, Level
from ui.queue_page import QueuePage
from ui.tables import fill, read_only_table, restretch, selected

COLUMNS = ("#", "Happened (offline)", "Bench", "Who", "Return", "What", "Why")
POLL_MS = 15_000


class NeedsLookPage(QueuePage[ConflictView]):
    def __init__(self, sync: ConflictsDesk, user: SignedInUser,
                 parent: QWidget | None = None) -> None:
        super().__init__(allowed(user.role, Action.SETTLE_OFFLINE), POLL_MS, parent)
        self._sync = sync
        self._user = user
        self._settling: str | None = None
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        layout = QVBoxLayout(self)
        title = QLabel("Needs a look: offline work the server refused")
        title.setObjectName("headline")
        self.banner = Banner()
        self.table = read_only_table(COLUMNS, stretch=len(COLUMNS) - 1)
        self.table.currentCellChanged.connect(lambda *_: self._show_detail())
        sides = QHBoxLayout()
        self.bench_side = QLabel()
        self.server_side = QLabel()
        for side in (self.bench_side, self.server_side):
            side.setObjectName("trace")
            side.setWordWrap(True)
            side.setTextFormat(Qt.TextFormat.RichText)
            side.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
            sides.addWidget(side, 1)
        self.note = NoteEdit()
        self.note.submitted.connect(self._submit)
        self.note.cancelled.connect(self._cancel)
        self.note.hide()
        buttons = QHBoxLayout()
        self.server_button = QPushButton("Server's stands  S")
        self.bench_button = QPushButton("Back to the bench  B")
        for b in (self.server_button, self.bench_button):
            b.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            buttons.addWidget(b)
        buttons.addStretch(1)
        self.server_button.clicked.connect(lambda: self.start("server"))
        self.bench_button.clicked.connect(lambda: self.start("bench"))
        layout.addWidget(title)
        layout.addWidget(self.banner)
        layout.addWidget(self.table, 2)
        layout.addLayout(sides, 1)
        layout.addWidget(self.note)
        layout.addLayout(buttons)
        if not self.can_view:
            for w in (self.table, self.server_button, self.bench_button):
                w.hide()
            self.bench_side.setText("Offline work the server refused is settled by a "
                                    "supervisor or manager.")

    def refresh(self) -> None:
        if not self.can_view or self.note.isVisible():
            return
        chosen = self.selected()
        try:
            self.views = self._sync.conflicts()
        except ReturnBenchError as exc:
            self.banner.show_problem(exc)
            return
        fill(self.table, [
            (f"#{v.id}", f"{v.happened_at.astimezone():%b %d %H:%M}", v.station, v.username,
             v.rma_number or "", v.kind.replace("_", " "), v.reason) for v in self.views])
        restretch(self.table, len(COLUMNS) - 1)
        ids = [v.id for v in self.views]
        if self.views:
            self.table.selectRow(ids.index(chosen.id) if chosen and chosen.id in ids else 0)
        self._show_detail()

    def selected(self) -> ConflictView | None:
        return selected(self.table, self.views)

    def _show_detail(self) -> None:
        v = self.selected()
        if v is None:
            if self.can_view:
                self.bench_side.setText("Nothing needs a look: every bench's offline work "
                                        "went through.")
                self.server_side.setText("")
            return
        self.bench_side.setText("<b>At the bench (offline)</b><br/>" + "<br/>".join(
            escape(line) for line in v.bench_lines()))
        self.server_side.setText("<b>On the server now</b><br/>" + "<br/>".join(
            escape(line) for line in v.server_lines()) + f"<br/><i>{escape(v.reason)}</i>")

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        if self.step(key):
            return
        if key == Qt.Key.Key_S:
            self.start("server")
        elif key == Qt.Key.Key_B:
            self.start("bench")
        else:
            super().keyPressEvent(event)

    def start(self, settlement: str) -> None:
        v = self.selected()
        if v is None or not self.can_view:
            return
        self._settling = settlement
        what = ("the server's version stands" if settlement == "server" else
                f"{v.username}'s grading goes back to the bench as a draft")
        self.note.setPlaceholderText(f"#{v.id}: {what}. Note (optional), then Enter; "
                                     "Esc cancels")
        self.note.clear()
        self.note.show()
        self.note.setFocus()

    def _cancel(self) -> None:
        self._settling = None
        self.note.hide()
        self.setFocus()

    def _submit(self) -> None:
        v = self.selected()
        if v is None or self._settling is None:
            return
        try:
            done = self._sync.settle(v.id, self._settling, self.note.text())
        except ReturnBenchError as exc:
            self.banner.show_problem(exc)
            return
        self._cancel()
        self.banner.show_message(
            Level.OK, f"#{done.id} settled: " + (
                "the server's version stands." if done.settlement == "server" else
                f"{done.rma_number} is a draft again: scan it at a bench and press Enter."))
        self.refresh()
