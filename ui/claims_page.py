"""The claims desk: the damage-claims queue with a countdown to each 48-hour deadline; two
photos side by side with zoom, pan and annotation; the carrier claim and its packet; a
warning when a photo also appears on another customer's claim."""

from __future__ import annotations

from collections.abc import Callable
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

from app.bench.desks import ClaimsDesk
from app.bench.types import CLAIMS_PAGE as PAGE
from app.bench.types import SignedInUser
from app.domain.money import format_money
from app.errors import ReturnBenchError
from app.permissions import Action, allowed
from app.views import ClaimView
from ui.banner import Banner, Level
from ui.ops import BackgroundOp, ProgressBar
from ui.photo_viewer import PhotoViewer
from ui.tables import fill, read_only_table, restretch, selected

COLUMNS = ("Due", "Return", "Item", "Damage", "Outcome", "Photos", "Carrier claim")


class ClaimsPage(QWidget):
    packet_saved = Signal(object)  # the packet's Path

    def __init__(self, claims: ClaimsDesk, user: SignedInUser, out_dir: Path,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._claims = claims
        self._user = user
        self._out_dir = out_dir
        self.views: list[ClaimView] = []
        self._packing = False  # a carrier claim's packet is being written
        self._pair = 0  # which pair of photos is shown
        self.offset = 0  # the queue comes a page (PAGE claims) at a time: PgDn, PgUp
        self.open_count = 0
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        layout = QVBoxLayout(self)
        title = QLabel("Damage claims, soonest due first")
        title.setObjectName("headline")
        self.count = QLabel()
        self.count.setObjectName("hint")
        self.banner = Banner()
        self.progress = ProgressBar()
        self.table = read_only_table(COLUMNS, stretch=2)
        self.table.setMaximumHeight(190)
        self.table.currentCellChanged.connect(lambda *_: self._show())
        self.detail = QLabel()
        self.detail.setWordWrap(True)
        self.detail.setTextFormat(Qt.TextFormat.RichText)
        photos = QHBoxLayout()
        self.left, self.right = PhotoViewer(), PhotoViewer()
        for viewer in (self.left, self.right):
            viewer.annotated.connect(lambda shapes, v=viewer: self._save_annotations(v, shapes))
            photos.addWidget(viewer, 1)
        self.note = QLineEdit()
        self.note.setPlaceholderText("Claim outcome in words, then Enter to close it (Esc)")
        self.note.returnPressed.connect(self._note_entered)
        self._note_for = "outcome"
        self.note.hide()
        buttons = QHBoxLayout()
        self.help = QLabel("↑↓ claim · ←→ other photos · +/- zoom · B box, O circle, A arrow, "
                           "T label (draw on a photo), Esc stops · K acknowledge a reused photo · "
                           "C carrier claim + packet · "
                           "Enter closes the claim")
        self.help.setObjectName("hint")
        self.help.setWordWrap(True)
        buttons.addWidget(self.help, 1)
        self.packet_button = QPushButton("Carrier claim + packet  C")
        self.packet_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.packet_button.clicked.connect(self.carrier_claim)
        buttons.addWidget(self.packet_button)
        for w in (title, self.count, self.banner, self.progress, self.table, self.detail):
            layout.addWidget(w)
        layout.addLayout(photos, 1)
        layout.addWidget(self.note)
        layout.addLayout(buttons)
        self.can_view = allowed(user.role, Action.REVIEW_CLAIMS)
        if not self.can_view:
            hidden: tuple[QWidget, ...] = (self.table, self.left, self.right,
                                           self.packet_button, self.help)
            for widget in hidden:
                widget.hide()
            self.detail.setText("The claims desk is for claims staff, supervisors and "
                                "managers.")

    def showEvent(self, event) -> None:  # type: ignore[no-untyped-def]
        super().showEvent(event)
        if self.can_view:
            self.refresh()
        self.setFocus()

    def refresh(self) -> None:
        try:
            self.open_count = self._claims.open_count()
            self.offset = min(self.offset, max(0, (self.open_count - 1) // PAGE * PAGE))
            self.views = self._claims.queue(self.offset)
        except ReturnBenchError as exc:
            self.banner.show_problem(exc)
            return
        last = self.offset + len(self.views)
        more = " · PgDn next page" if last < self.open_count else ""
        back = " · PgUp previous" if self.offset else ""
        self.count.setText(f"{self.open_count} open claim{'s' if self.open_count != 1 else ''}"
                           + (f"; showing {self.offset + 1}–{last}{more}{back}"
                              if self.open_count > PAGE else ""))
        def late(c: ClaimView) -> bool:
            return c.hours_left is not None and c.hours_left < 0

        def due(c: ClaimView) -> str:
            if c.hours_left is None:
                return "photos"
            return f"⚠ {-c.hours_left:.0f}h late" if late(c) else f"{c.hours_left:.0f}h left"

        fill(self.table, [
            (due(c), c.rma_number, f"{c.unit_no}. {c.sku}", f"{c.severity}, {c.cause or '?'}",
             f"{c.resolution.value.replace('_', ' ')} {format_money(c.amount)}",
             f"{len(c.photos)}" + (" ⚠ reused" if c.reused else ""),
             "open" if c.carrier_claim_id else "") for c in self.views],
            red=lambda r, col: (col == 0 and late(self.views[r]))
            or (col == 5 and bool(self.views[r].reused)))
        restretch(self.table, 2)
        if self.views and self.table.currentRow() < 0:
            self.table.selectRow(0)
        self._show()

    def selected(self) -> ClaimView | None:
        return selected(self.table, self.views)

    def _show(self) -> None:
        c = self.selected()
        if c is None:
            self.detail.setText("No open claims." if self.can_view else self.detail.text())
            self.left.clear_photo("")
            self.right.clear_photo("")
            return
        reuse = ("" if not c.reused else
                 f"<br/>✔ Photo also on {', '.join(c.reused)}: acknowledged."
                 if c.reuse_acknowledged else
                 f"<br/><b style='color:#b3261e'>⚠ A photo also appears on "
                 f"{', '.join(c.reused)} (another customer): check it, then K with a reason "
                 "before the carrier claim or closing.</b>")
        self.detail.setText(
            f"<b>{c.rma_number} item {c.unit_no}</b> — {c.customer}; reason "
            f"{c.reason.replace('_', ' ')}; damage {c.severity}, cause {c.cause or 'unknown'};"
            f" outcome <b>{c.resolution.value.replace('_', ' ')} {format_money(c.amount)}"
            f"</b>; {(c.carrier or '').upper()} {c.tracking or ''}{reuse}")
        pair = c.photos[self._pair * 2:self._pair * 2 + 2]
        for viewer, photo in zip((self.left, self.right), (*pair, None, None), strict=False):
            if photo is None:
                viewer.clear_photo("no photo")
            else:
                viewer.show_photo(str(photo.path), self._claims.annotations(photo.id))
                viewer.setProperty("photo_id", photo.id)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        c = self.selected()
        tools: dict[int, str] = {Qt.Key.Key_B: "box", Qt.Key.Key_O: "circle", Qt.Key.Key_A: "arrow"}
        if key in (Qt.Key.Key_PageDown, Qt.Key.Key_PageUp):
            step = PAGE if key == Qt.Key.Key_PageDown else -PAGE
            if 0 <= self.offset + step < max(self.open_count, 1):
                self.offset += step
                self.table.setCurrentCell(-1, -1)
                self.refresh()
        elif key in (Qt.Key.Key_Up, Qt.Key.Key_Down) and self.views:
            step = -1 if key == Qt.Key.Key_Up else 1
            self._pair = 0
            self.table.selectRow(max(0, min(len(self.views) - 1,
                                            self.table.currentRow() + step)))
        elif key in (Qt.Key.Key_Left, Qt.Key.Key_Right) and c is not None:
            pairs = max(1, (len(c.photos) + 1) // 2)
            self._pair = (self._pair + (1 if key == Qt.Key.Key_Right else -1)) % pairs
            self._show()
        elif key in (Qt.Key.Key_Plus, Qt.Key.Key_Equal, Qt.Key.Key_Minus):
            factor = 0.8 if key == Qt.Key.Key_Minus else 1.25
            self.left.zoom(factor)
            self.right.zoom(factor)
        elif key in tools:
            for viewer in (self.left, self.right):
                viewer.set_tool(tools[key])
            self.banner.show_message(Level.OK, f"Draw a {tools[key]} on a photo; Esc stops.")
        elif key == Qt.Key.Key_Escape:
            for viewer in (self.left, self.right):
                viewer.set_tool(None)
            self.note.hide()
            self.banner.clear()
        elif key == Qt.Key.Key_T:
            self._ask("label", "Label text, Enter, then click where it goes (Esc cancels)")
        elif key == Qt.Key.Key_C:
            self.carrier_claim()
        elif key == Qt.Key.Key_K and c is not None:
            self._ask("reuse", "Why the matching photo is acceptable (or what was done), "
                      "then Enter (Esc cancels)")
        elif key in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and c is not None:
            self._ask("outcome", "Claim outcome in words, then Enter to close it (Esc)")
        else:
            super().keyPressEvent(event)

    def _ask(self, purpose: str, placeholder: str) -> None:
        self._note_for = purpose
        self.note.setPlaceholderText(placeholder)
        self.note.clear()
        self.note.show()
        self.note.setFocus()

    def _note_entered(self) -> None:
        if self._note_for == "label":
            text = self.note.text().strip()[:40]
            self.note.hide()
            self.setFocus()
            if text:
                for viewer in (self.left, self.right):
                    viewer.label_text = text
                    viewer.set_tool("label")
                self.banner.show_message(Level.OK, f"Click on a photo to place “{text}”.")
            return
        if self._note_for == "reuse":
            self._acknowledge()
            return
        self._resolve()

    def _acknowledge(self) -> None:
        self._send_note(self._claims.acknowledge_reuse,
                        lambda _c: "Reused photo acknowledged; the claim can go on.")

    def _send_note(self, send: Callable[[int, str], None],
                   done: Callable[[ClaimView], str]) -> None:
        """The note's text to the service for the selected claim; on success the note
        closes and the banner says what was done."""
        c = self.selected()
        if c is None:
            return
        try:
            send(c.decision_id, self.note.text())
        except ReturnBenchError as exc:
            self.banner.show_problem(exc)
            return
        self.note.clear()
        self.note.hide()
        self.setFocus()
        self.banner.show_message(Level.OK, done(c))
        self.refresh()

    def _save_annotations(self, viewer: PhotoViewer, shapes: list[dict[str, object]]) -> None:
        photo_id = viewer.property("photo_id")
        try:
            self._claims.annotate(int(photo_id), list(shapes))
        except ReturnBenchError as exc:
            self.banner.show_problem(exc)
            return
        self.banner.show_message(Level.OK, "Mark saved (the photo itself is unchanged).")

    def carrier_claim(self) -> None:
        """The carrier claim opened and its packet (photos, PDF) written, off the UI
        thread; `packet_saved` when done."""
        c = self.selected()
        if c is None or self._packing:
            return
        claims, folder = self._claims, self._out_dir

        def work() -> tuple[int, Path]:
            return claims.carrier_claim(c, folder)

        def done(made: tuple[int, Path]) -> None:
            self._packing = False
            self.banner.show_message(Level.OK, f"Carrier claim #{made[0]} open; packet "
                                     f"saved: {made[1]}")
            self.refresh()
            self.packet_saved.emit(made[1])

        def failed(exc: BaseException) -> None:
            self._packing = False
            self.banner.show_problem(exc)

        self._packing = True
        BackgroundOp(work, done, failed, parent=self, shows=self.progress,
                     label="Writing the claim packet…").start()

    def _resolve(self) -> None:
        self._send_note(self._claims.resolve,
                        lambda c: f"{c.rma_number} item {c.unit_no}: claim closed.")
