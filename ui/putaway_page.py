"""Put-away (F8): a stocker scans a tote (or one dress's plate), then the shelf it goes to.
Usable on a handheld-sized window (480x800): one column, big type, scanner first. The
page renders what the bench session says and forwards scans and keys."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.bench import BenchSession, Screen
from app.bench.results import MovedThere, PickedUp, WhereShown
from app.bench.types import Whereabouts
from app.views import KIND_WORDS
from ui.banner import LEVELS, Banner
from ui.keys import shortcut
from ui.receive_page import ScanField
from ui.sounds import Sounds
from ui.tables import fill, read_only_table, restretch

IDLE = "Scan a tote (or one dress), then its shelf."


class PutAwayPage(QWidget):
    def __init__(self, session: BenchSession, sounds: Sounds, outbox: Path,
                 can_close_lots: bool = False, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self._sounds = sounds
        self.outbox = outbox
        layout = QVBoxLayout(self)
        title = QLabel("Put-away")
        title.setObjectName("headline")
        layout.addWidget(title)
        self.step = QLabel(IDLE)
        self.step.setObjectName("prompt")
        self.step.setWordWrap(True)
        layout.addWidget(self.step)
        self.banner = Banner()
        layout.addWidget(self.banner)
        self.scan = ScanField()
        self.scan.setObjectName("scanField")
        self.scan.setPlaceholderText("Scan or type a tote, dress or shelf, then Enter")
        self.scan.setClearButtonEnabled(True)
        self.scan.scanned.connect(self._typed)
        layout.addWidget(self.scan)
        self.goes = QLabel("")
        self.goes.setObjectName("bigPlace")
        self.goes.setWordWrap(True)
        layout.addWidget(self.goes)
        self.history_title = QLabel("")
        self.history_title.setObjectName("hint")
        layout.addWidget(self.history_title)
        self.moves = read_only_table(("When", "Dress", "From", "To", "By"), stretch=3)
        layout.addWidget(self.moves, 1)
        plates = QHBoxLayout()
        self.plate_count = QSpinBox()
        self.plate_count.setRange(1, 200)
        self.plate_count.setValue(10)
        self.plate_count.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        self.print_button = QPushButton("Print tote plates  Ctrl+P")
        self.print_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.print_button.clicked.connect(self.print_plates)
        plates.addWidget(self.plate_count)
        plates.addWidget(self.print_button, 1)
        layout.addLayout(plates)
        lots = QHBoxLayout()
        self.lot_kind = QComboBox()
        for kind, words in KIND_WORDS.items():
            self.lot_kind.addItem(words.capitalize(), kind)
        self.lot_kind.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        self.new_lot = QPushButton("New lot  Ctrl+L")
        self.new_lot.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.new_lot.clicked.connect(self.open_lot)
        lots.addWidget(self.lot_kind)
        lots.addWidget(self.new_lot, 1)
        layout.addLayout(lots)
        # A manager closes the lot being loaded: who takes it, and the price.
        self.closing = QWidget(self)
        close_row = QHBoxLayout(self.closing)
        close_row.setContentsMargins(0, 0, 0, 0)
        self.party = QLineEdit()
        self.party.setPlaceholderText("Buyer, charity or vendor")
        self.price = QLineEdit()
        self.price.setPlaceholderText("Price")
        self.price.setMaximumWidth(110)
        self.close_lot_button = QPushButton("Close lot  Ctrl+Shift+L")
        self.close_lot_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.close_lot_button.clicked.connect(self.close_lot)
        close_row.addWidget(self.party, 1)
        close_row.addWidget(self.price)
        close_row.addWidget(self.close_lot_button)
        layout.addWidget(self.closing)  # parented first: shown alone it is a window
        self.closing.setVisible(can_close_lots)
        hint = QLabel("Del: put down what you picked up, nothing moves (Esc only "
                      "dismisses a message). A lot's code "
                      "(LOT-...) starts loading it: the totes scanned next go onto it.")
        hint.setObjectName("hint")
        hint.setWordWrap(True)
        layout.addWidget(hint)
        shortcut(self, "Ctrl+P", self.print_plates,
                 Qt.ShortcutContext.WidgetWithChildrenShortcut)
        # Not Esc: Esc dismisses a message everywhere, and one key must not mean two things.
        shortcut(self, "Del", self.drop, Qt.ShortcutContext.WidgetWithChildrenShortcut)
        shortcut(self, "Ctrl+L", self.open_lot, Qt.ShortcutContext.WidgetWithChildrenShortcut)
        if can_close_lots:
            shortcut(self, "Ctrl+Shift+L", self.close_lot,
                     Qt.ShortcutContext.WidgetWithChildrenShortcut)

    def resizeEvent(self, event: QResizeEvent) -> None:
        """On a handheld's width the moves show the dress and where it went only."""
        narrow = event.size().width() < 560
        for column in (0, 2, 4):  # when, from, by
            self.moves.setColumnHidden(column, narrow)
        super().resizeEvent(event)

    def focus_scan(self) -> None:
        self.scan.setFocus()
        self.scan.selectAll()

    def _typed(self, text: str) -> None:
        if text.strip():
            self.handle_scan(text)

    def handle_scan(self, code: str) -> None:
        """A scanner's burst (routed here while this page shows) or a typed code."""
        self.scan.setText(code.strip())
        self.show_screen(self.session.putaway_scan(code))
        self.focus_scan()

    def show_screen(self, screen: Screen) -> None:
        self.banner.show_message(LEVELS[screen.level], screen.message)
        if screen.sound == "good":
            self._sounds.good()
        elif screen.sound == "bad":
            self._sounds.bad()
        carrying = self.session.carrying
        goes = screen.result.goes_to if isinstance(screen.result, PickedUp) else ()
        if self.session.loading_lot:
            self.step.setText(f"Loading lot {self.session.loading_lot}: scan its totes.")
            self.goes.setText("")
        elif carrying:
            self.step.setText(f"Holding {carrying}: now scan its shelf.")
            self.goes.setText("Goes to  " + "  or  ".join(goes[:3]) if goes else "")
        else:
            self.step.setText(IDLE)
            self.goes.setText("")
        found = screen.result.where if isinstance(screen.result,
                                                  (WhereShown, PickedUp, MovedThere)) else None
        if found is not None:
            self._show_moves(found)

    def _show_moves(self, found: Whereabouts) -> None:
        kind = {"tote": "Tote", "item": "Dress", "location": "Shelf"}[found.kind]
        back = found.details.get("expected_back")
        due = f", expected back {back.isoformat()}" if back else ""
        self.history_title.setText(f"{kind} {found.code}: {found.now}{due}. Moves, newest "
                                   "last:")
        fill(self.moves, [(m.at.astimezone().strftime("%b %d %H:%M"), m.item, m.from_place,
                           m.to_place, m.by) for m in found.moves])
        restretch(self.moves, 3)
        if self.moves.rowCount():
            self.moves.scrollToBottom()

    def drop(self) -> None:
        self.show_screen(self.session.drop())
        self.focus_scan()

    def open_lot(self) -> None:
        self.show_screen(self.session.open_lot(str(self.lot_kind.currentData())))
        self.focus_scan()

    def close_lot(self) -> None:
        screen = self.session.close_lot(self.party.text(), self.price.text() or None,
                                        self.outbox)
        self.show_screen(screen)
        if screen.level == "ok":
            self.party.clear()
            self.price.clear()
        self.focus_scan()

    def print_plates(self) -> None:
        self.show_screen(self.session.print_totes(self.plate_count.value()))
        self.focus_scan()
