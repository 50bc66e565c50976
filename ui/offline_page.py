"""Needs a look (F10), a supervisor's list of what no rule could settle by itself:

- parcels that came with no return (unexpected returns on the hold shelf): L links one to
  an order (it becomes a return, the bench's grade its draft), R sends it back;
- what benches did offline that the server refused when they synced (another bench
  decided the dress, the return changed, the policy moved), with the bench's version and
  the server's side by side: S, the server's stands; B, the inspector's grading goes back
  to the bench as a draft (only while the dress is still to be decided).

The services decide what may be done; the page shows and forwards."""

from __future__ import annotations

from html import escape

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from app.bench.desks import ConflictsDesk
from app.bench.types import ConflictView, SignedInUser, UnexpectedView, unexpected_answer
from app.errors import ReturnBenchError
from app.permissions import Action, allowed
from ui.approvals_page import NoteEdit
from ui.banner import Banner, Level
from ui.queue_page import QueuePage
from ui.tables import fill, read_only_table, restretch, selected

COLUMNS = ("#", "When", "Bench", "Who", "Return", "What", "Why")
Row = ConflictView | UnexpectedView
POLL_MS = 15_000


class NeedsLookPage(QueuePage[Row]):
    def __init__(self, sync: ConflictsDesk, user: SignedInUser,
                 parent: QWidget | None = None) -> None:
        super().__init__(allowed(user.role, Action.SETTLE_OFFLINE), POLL_MS, parent)
        self._sync = sync
        self._user = user
        self._settling: str | None = None
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        layout = QVBoxLayout(self)
        title = QLabel("Needs a look")
        title.setObjectName("headline")
        about = QLabel("Parcels that came with no return (L links one to an order, R sends "
                       "it back), and offline work the server refused (S: the server's "
                       "stands, B: back to the bench).")
        about.setObjectName("hint")
        about.setWordWrap(True)
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
            sides.addWidget(side, 3 if side is self.bench_side else 2)
        self.note = NoteEdit()
        self.note.submitted.connect(self._submit)
        self.note.cancelled.connect(self._cancel)
        self.note.hide()
        buttons = QHBoxLayout()
        self.server_button = QPushButton("Server's stands  S")
        self.bench_button = QPushButton("Back to the bench  B")
        self.link_button = QPushButton("Link to an order…  L")
        self.send_back_button = QPushButton("Send it back  R")
        for b in (self.link_button, self.send_back_button, self.server_button,
                  self.bench_button):
            b.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            buttons.addWidget(b)
        buttons.addStretch(1)
        self.server_button.clicked.connect(lambda: self.start("server"))
        self.bench_button.clicked.connect(lambda: self.start("bench"))
        self.link_button.clicked.connect(lambda: self.start("link"))
        self.send_back_button.clicked.connect(lambda: self.start("send_back"))
        layout.addWidget(title)
        layout.addWidget(about)
        layout.addWidget(self.banner)
        layout.addWidget(self.table, 1)
        layout.addLayout(sides, 2)
        layout.addWidget(self.note)
        layout.addLayout(buttons)
        if not self.can_view:
            for w in (self.table, self.server_button, self.bench_button, self.link_button,
                      self.send_back_button):
                w.hide()
            self.bench_side.setText("Parcels with no return, and offline work the server "
                                    "refused, are settled by a supervisor or manager.")

    def refresh(self) -> None:
        if not self.can_view or self.note.isVisible():
            return
        chosen = self.selected()
        try:
            views: list[Row] = [*self._sync.unexpected(), *self._sync.conflicts()]
        except ReturnBenchError as exc:
            self.banner.show_problem(exc)
            return
        self.views = views
        fill(self.table, [_cells(v) for v in self.views])
        restretch(self.table, len(COLUMNS) - 1)
        keys = [_key(v) for v in self.views]
        if self.views:
            at = keys.index(_key(chosen)) if chosen and _key(chosen) in keys else \
                min(self.table.currentRow(), len(keys) - 1) if self.table.currentRow() > 0 \
                else 0
            self.table.selectRow(at)
        self._show_detail()

    def selected(self) -> Row | None:
        return selected(self.table, self.views)

    def _show_detail(self) -> None:
        v = self.selected()
        parcel = isinstance(v, UnexpectedView)
        for b in (self.link_button, self.send_back_button):
            b.setVisible(self.can_view and parcel)
        for b in (self.server_button, self.bench_button):
            b.setVisible(self.can_view and isinstance(v, ConflictView))
        if v is None:
            if self.can_view:
                self.bench_side.setText("Nothing needs a look: no parcel waits on the hold "
                                        "shelf, and every bench's offline work went "
                                        "through.")
                self.server_side.setText("")
            return
        if isinstance(v, UnexpectedView):
            self.bench_side.setText("<b>At the bench</b><br/>" + "<br/>".join(
                escape(line) for line in v.lines()))
            self.server_side.setText(
                "<b>Your answer</b><br/><b>L</b>: link it to the customer's order (type "
                "the order number, and its line if it has several); it becomes a return, "
                "its grade the draft, decided at a bench.<br/><b>R</b>: send it back to "
                "the customer as it came.")
            return
        self.bench_side.setText("<b>At the bench (offline)</b><br/>" + "<br/>".join(
            escape(line) for line in v.bench_lines()))
        self.server_side.setText("<b>On the server now</b><br/>" + "<br/>".join(
            escape(line) for line in v.server_lines()) + f"<br/><i>{escape(v.reason)}</i>")

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        if self.step(key):
            return
        answer = {Qt.Key.Key_S: "server", Qt.Key.Key_B: "bench", Qt.Key.Key_L: "link",
                  Qt.Key.Key_R: "send_back"}.get(Qt.Key(key))
        if answer is not None:
            self.start(answer)
        else:
            super().keyPressEvent(event)

    def start(self, settlement: str) -> None:
        v = self.selected()
        if v is None or not self.can_view:
            return
        if isinstance(v, UnexpectedView) != (settlement in ("link", "send_back")):
            self.banner.show_message(Level.WARN, (
                "L links it to an order, R sends it back." if isinstance(v, UnexpectedView)
                else "S: the server's version stands; B: back to the bench as a draft."))
            return
        self._settling = settlement
        self.note.clear()
        if isinstance(v, UnexpectedView):
            if settlement == "link":
                self.note.setPlaceholderText(
                    f"{v.number}: link to which order? The order number, and its line if "
                    "it has several (KP-01234 2), then Enter; Esc cancels")
                self.note.setText(v.order_number or "")
            else:
                self.note.setPlaceholderText(f"{v.number}: send it back to the customer. "
                                             "Note (optional), then Enter; Esc cancels")
        else:
            what = ("the server's version stands" if settlement == "server" else
                    f"{v.username}'s grading goes back to the bench as a draft")
            self.note.setPlaceholderText(f"#{v.id}: {what}. Note (optional), then Enter; "
                                         "Esc cancels")
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
        if isinstance(v, UnexpectedView):
            self._answer_parcel(v)
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

    def _answer_parcel(self, v: UnexpectedView) -> None:
        try:
            if self._settling == "link":
                done = self._sync.link(v.id, self.note.text())
            else:
                done = self._sync.send_back(v.id, self.note.text())
        except ReturnBenchError as exc:
            self.banner.show_problem(exc)
            self.note.setFocus()
            return
        self._cancel()
        self.banner.show_message(Level.OK, unexpected_answer(done))
        self.refresh()


def _key(v: Row) -> tuple[str, int]:
    return ("parcel" if isinstance(v, UnexpectedView) else "conflict", v.id)


def _cells(v: Row) -> tuple[str, ...]:
    if isinstance(v, UnexpectedView):
        return (v.number, f"{v.received_at.astimezone():%b %d %H:%M}", v.station,
                v.received_by, v.order_number or "", "no return",
                f"{v.description}, graded {v.grade.value}")
    return (f"#{v.id}", f"{v.happened_at.astimezone():%b %d %H:%M}", v.station, v.username,
            v.rma_number or "", v.kind.replace("_", " "), v.reason)
