"""QA (F9): a supervisor scans a dress from the QA rack and re-grades it blind (the page
shows the dress and the customer's words, never the first grade, checklist or decision);
anyone who grades takes a calibration round over the reference dresses (Ctrl+K). Grade
keys 1-5 choose, Enter records. The page renders what the QA desk says and forwards
scans and keys."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeyEvent, QPixmap
from PySide6.QtWidgets import QHBoxLayout, QLabel, QVBoxLayout, QWidget

from app.bench import GRADE_BY_KEY, QaDesk, Screen
from app.bench.results import RoundDone
from app.bench.types import BlindItem, CalibrationCard, RoundScore
from app.errors import DatabaseUnavailable, ReturnBenchError, user_message
from ui.banner import LEVELS, Banner
from ui.keys import shortcut
from ui.receive_page import ScanField
from ui.sounds import Sounds
from ui.tables import fill, read_only_table, restretch

IDLE_SUPERVISOR = ("Scan a dress from the QA rack to re-grade it blind, or Ctrl+K for a "
                   "calibration round.")
IDLE = "Ctrl+K: a calibration round over the reference dresses (graded from photos)."
PHOTO_PX = 270


class QaPage(QWidget):
    def __init__(self, desk: QaDesk, sounds: Sounds, today: dt.date,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.desk = desk
        self._sounds = sounds
        self._today = today
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)  # grade keys land on the page
        layout = QVBoxLayout(self)
        title = QLabel("QA: blind re-grade and calibration")
        title.setObjectName("headline")
        layout.addWidget(title)
        self.step = QLabel(IDLE_SUPERVISOR if desk.can_regrade else IDLE)
        self.step.setObjectName("prompt")
        self.step.setWordWrap(True)
        layout.addWidget(self.step)
        self.banner = Banner()
        layout.addWidget(self.banner)
        self.scan = ScanField()
        self.scan.setObjectName("scanField")
        self.scan.setPlaceholderText("Scan or type the dress's plate (or its RMA), then "
                                     "Enter")
        self.scan.setClearButtonEnabled(True)
        self.scan.scanned.connect(self._typed)
        layout.addWidget(self.scan)  # parented first: shown alone it is a window
        self.scan.setVisible(desk.can_regrade)
        # The dress being graded: what it is, the customer's words, its photos.
        self.dress = QLabel("")
        self.dress.setObjectName("bigPlace")
        self.dress.setWordWrap(True)
        layout.addWidget(self.dress)
        self.chosen = QLabel("")
        self.chosen.setObjectName("prompt")
        layout.addWidget(self.chosen)
        self.photo_row = QHBoxLayout()
        self.photo_labels: list[QLabel] = []
        for _ in range(4):
            photo = QLabel(self)
            photo.setFixedSize(PHOTO_PX, PHOTO_PX)
            photo.setAlignment(Qt.AlignmentFlag.AlignCenter)
            photo.setVisible(False)
            self.photo_labels.append(photo)
            self.photo_row.addWidget(photo)
        self.photo_row.addStretch(1)
        layout.addLayout(self.photo_row)
        self.queue_title = QLabel("")
        self.queue_title.setObjectName("hint")
        layout.addWidget(self.queue_title)
        self.queue = read_only_table(("Due", "RMA", "Item", "SKU", "Dress", "Size",
                                      "Reason", "Customer said"), stretch=4)
        layout.addWidget(self.queue, 1)  # parented before any setVisible
        self.queue.setVisible(desk.can_regrade)
        self.score = read_only_table(("Dress", "Agreed grade", "Your grade"), stretch=0)
        layout.addWidget(self.score, 1)
        self.score.setVisible(False)
        hint = QLabel("1 A · 2 B · 3 C · 4 D · 5 X, then Enter records it. Del puts the "
                      "dress or the round down (a round resumes where it stopped).")
        hint.setObjectName("hint")
        hint.setWordWrap(True)
        layout.addWidget(hint)
        shortcut(self, "Ctrl+K", self.calibration,
                 Qt.ShortcutContext.WidgetWithChildrenShortcut)
        # Not Esc: Esc only ever dismisses a message.
        shortcut(self, "Del", self.leave, Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self._items: list[BlindItem] = []

    # --- showing ----------------------------------------------------------------------
    def refresh(self) -> None:
        """The blind queue, oldest due first (nothing of the first grade in it)."""
        if not self.desk.can_regrade:
            return
        try:
            self._items = self.desk.queue()
            total, late = self.desk.waiting()
        except DatabaseUnavailable:  # the bench may be working offline: say what waits
            self.banner.show_message(LEVELS["warn"], "OFFLINE: blind re-grades need the "
                                     "server; the queue shows again when the bench is back "
                                     "online.")
            return
        except ReturnBenchError as exc:
            self.banner.show_message(LEVELS["error"], user_message(exc))
            return
        self.queue.setVisible(bool(self._items) and self.desk.card is None)
        kept = ""
        if self.desk.keeps_references:  # managers keep the calibration set from here
            try:
                kept = (f" Calibration set: {self.desk.references()} reference dresses "
                        "(scan a dress not waiting to add one).")
            except ReturnBenchError:
                kept = ""
        self.queue_title.setText(
            ("Nothing waits for a re-grade." if not total else
             f"Waiting for a re-grade: {total}"
             + (f", {late} overdue (in red)" if late else "") + ". Oldest due first"
             + (f" (the first {len(self._items)} shown)." if total > len(self._items)
                else "."))
            + kept)
        fill(self.queue, [(b.due_on.strftime("%b %d"), b.rma, str(b.unit_no), b.sku,
                           b.description, b.size, b.reason.replace("_", " "),
                           b.customer_comment or "") for b in self._items],
             red=lambda r, _c: self._items[r].due_on < self._today)
        restretch(self.queue, 4)

    def focus_scan(self) -> None:
        self.refresh()
        if self.desk.can_regrade and self.desk.picked is None and self.desk.card is None:
            self.scan.setFocus()
            self.scan.selectAll()
        else:
            self.setFocus()

    def show_screen(self, screen: Screen) -> None:
        self.banner.show_message(LEVELS[screen.level], screen.message
                                 + ("" if not screen.printed else
                                    " " + " ".join(screen.printed)))
        if screen.sound == "good":
            self._sounds.good()
        elif screen.sound == "bad":
            self._sounds.bad()
        chosen = self.desk.chosen
        self.chosen.setText(f"Grade {chosen}: Enter records it" if chosen else "")
        picked, card = self.desk.picked, self.desk.card
        if card is not None:
            self._show_card(card)
        elif picked is not None:
            self.dress.setText(f"{picked.rma} item {picked.unit_no}: "
                               f"{_dress(picked.description, picked.size)}. Returned for "
                               f"{picked.reason.replace('_', ' ')}"
                               + (f": “{picked.customer_comment}”"
                                  if picked.customer_comment else "."))
            self.step.setText("Look the dress over and grade it: 1 A, 2 B, 3 C, 4 D, 5 X; "
                              "then Enter.")
            self._photos(())
        elif self.desk.reference is not None:
            self.dress.setText(f"{self.desk.reference}: for the calibration set?")
            self.step.setText("Its agreed grade (1 A, 2 B, 3 C, 4 D, 5 X), then Enter keeps "
                              "it as a reference dress.")
            self._photos(())
        else:
            self.dress.setText("")
            self.step.setText(IDLE_SUPERVISOR if self.desk.can_regrade else IDLE)
            self._photos(())
        if isinstance(screen.result, RoundDone):
            self._show_score(screen.result.score)
        else:
            self.score.setVisible(False)
        self.refresh()
        self.queue.setVisible(self.desk.can_regrade and card is None
                              and not self.score.isVisible() and bool(self._items))
        self.scan.setVisible(self.desk.can_regrade and card is None)

    def _show_card(self, card: CalibrationCard) -> None:
        self.dress.setText(f"Reference dress {card.position} of {card.total}: "
                           f"{_dress(card.description, card.size)}. Returned for "
                           f"{card.reason.replace('_', ' ')}"
                           + (f": “{card.customer_comment}”" if card.customer_comment
                              else "."))
        self.step.setText("Calibration round: grade it from the photos (1 A, 2 B, 3 C, "
                          "4 D, 5 X), then Enter.")
        self._photos(tuple(str(p.path) for p in card.photos))

    def _photos(self, paths: tuple[str, ...]) -> None:
        for label, path in zip(self.photo_labels, (*paths, *([""] * 4)), strict=False):
            pixmap = QPixmap(path) if path else QPixmap()
            label.setVisible(not pixmap.isNull())
            if not pixmap.isNull():
                label.setPixmap(pixmap.scaled(PHOTO_PX, PHOTO_PX,
                                              Qt.AspectRatioMode.KeepAspectRatio,
                                              Qt.TransformationMode.SmoothTransformation))

    def _show_score(self, score: RoundScore) -> None:
        self.dress.setText(score.words())
        fill(self.score, [(d, agreed, given) for d, agreed, given in score.answers],
             red=lambda r, _c: score.answers[r][1] != score.answers[r][2])
        restretch(self.score, 0)
        self.score.setVisible(True)

    # --- input ------------------------------------------------------------------------
    def _typed(self, text: str) -> None:
        if text.strip():
            self.handle_scan(text)

    def handle_scan(self, code: str) -> None:
        """A scanner's burst (routed here while this page shows) or a typed plate."""
        self.scan.setText(code.strip())
        self.show_screen(self.desk.scan(code))
        if self.desk.picked is not None or self.desk.reference is not None:
            self.setFocus()  # the grade keys now grade
        else:
            self.focus_scan()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        text = event.text()
        if text in GRADE_BY_KEY and not self.scan.hasFocus():
            self.show_screen(self.desk.press(text))
            return
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and not self.scan.hasFocus():
            self.show_screen(self.desk.enter())
            if self.desk.picked is None and self.desk.card is None:
                self.focus_scan()
            return
        super().keyPressEvent(event)

    def calibration(self) -> None:
        self.show_screen(self.desk.calibration())
        self.setFocus()

    def leave(self) -> None:
        self.show_screen(self.desk.leave())
        self.focus_scan()


def _dress(description: str, size: str) -> str:
    """The dress in words, its size once (the description often names it already)."""
    return description if not size or f"US {size}" in description else \
        f"{description}, US {size}"
