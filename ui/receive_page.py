"""The home screen: one big scan field that always has focus, and what the scan found.

A scan (scanner burst ending in Enter or Tab, or typed) finds the return and records the
parcel's receipt; an unknown parcel opens the no-match panel (search, or hold it)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.bench import ERROR, BenchSession, Screen
from app.bench.results import ParcelScanned
from app.bench.types import SignedInUser
from app.domain.enums import Grade, ReceptionStatus
from app.errors import ReturnBenchError
from ui.banner import LEVELS, Banner, Level
from ui.camera_scanner import CameraPreview, CameraWorker
from ui.keys import shortcut
from ui.return_card import ReturnCard
from ui.sounds import Sounds
from ui.unexpected_form import UnexpectedForm

if TYPE_CHECKING:  # OpenCV loads on the camera's thread, when a camera starts
    from app.camera.sources import FrameSource


HIT_ROLE = Qt.ItemDataRole.UserRole + 1  # a search result's (order, customer name)


# The page's Ctrl+letter keys. A line edit takes some of them for itself first (on X11,
# Ctrl+A selects all, Ctrl+U deletes the line, Ctrl+F moves the cursor): in this page's
# fields they are the page's. Ctrl+C, V, X and Z stay the field's.
PAGE_KEYS = frozenset({Qt.Key.Key_A, Qt.Key.Key_E, Qt.Key.Key_F, Qt.Key.Key_H, Qt.Key.Key_M,
                       Qt.Key.Key_N, Qt.Key.Key_O, Qt.Key.Key_R, Qt.Key.Key_U, Qt.Key.Key_W,
                       *(Qt.Key(Qt.Key.Key_0.value + n) for n in range(1, 10))})


class PageField(QLineEdit):
    """A field of the Receive page: the page's Ctrl+letter keys are the page's."""

    def event(self, e: QEvent) -> bool:
        if e.type() == QEvent.Type.ShortcutOverride and isinstance(e, QKeyEvent) \
                and e.modifiers() == Qt.KeyboardModifier.ControlModifier \
                and e.key() in PAGE_KEYS:
            e.ignore()  # not the field's: the page's shortcut takes it
            return True
        return super().event(e)


class ScanField(PageField):
    """The scan field: a scanner's Enter or Tab suffix both end a scan."""

    scanned = Signal(str)

    def event(self, e: QEvent) -> bool:
        if e.type() == QEvent.Type.KeyPress and isinstance(e, QKeyEvent) \
                and e.key() in (Qt.Key.Key_Tab, Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.scanned.emit(self.text())
            return True
        return super().event(e)


class ReceivePage(QWidget):
    found = Signal(object)  # ReturnView
    resume_requested = Signal(str)  # an unfinished inspection to open on Inspect
    override_requested = Signal()  # Ctrl+O: a manager answers this parcel's requests here
    not_found = Signal(str)

    def __init__(self, session: BenchSession, user: SignedInUser, sounds: Sounds,
                 camera: str | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self._user = user
        self._sounds = sounds
        self._last_code = ""
        # The shell's one way of handling a scan (a tote, a tag, a parcel) for what is
        # typed or read by the camera too, so the result, its colour and its sound are
        # the same whichever way the code came in; without a shell, the parcel lookup.
        self.route: Callable[[str], None] | None = None
        layout = QVBoxLayout(self)
        prompt = QLabel("Scan the parcel's label, or type an RMA, order or tracking number")
        prompt.setObjectName("prompt")
        prompt.setWordWrap(True)
        self.camera_spec = camera
        self.camera_worker: CameraWorker | None = None
        self.preview = CameraPreview()
        self.preview.setVisible(camera is not None)
        self.camera_status = QLabel("Camera: F7" if camera else "")
        self.camera_status.setObjectName("hint")
        self.scan = ScanField()
        self.scan.setObjectName("scanField")
        self.scan.setPlaceholderText("Scan or type, then Enter")
        self.scan.setClearButtonEnabled(True)
        self.banner = Banner()
        self.card = ReturnCard()
        self.marks = QWidget()
        rows = QVBoxLayout(self.marks)  # the item's marks; below them, the parcel's own
        rows.setContentsMargins(0, 0, 0, 0)
        marks = QHBoxLayout()
        parcel = QHBoxLayout()
        rows.addLayout(marks)
        rows.addLayout(parcel)
        marks.addWidget(QLabel("Item ↑↓:"))
        self.mark_buttons: dict[ReceptionStatus, QPushButton] = {}
        for status, label in ((ReceptionStatus.RECEIVED, "Received  Ctrl+R"),
                              (ReceptionStatus.MISSING, "Missing  Ctrl+M"),
                              (ReceptionStatus.WRONG_ITEM, "Wrong item  Ctrl+W")):
            b = QPushButton(label)
            b.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            b.clicked.connect(lambda _c=False, st=status: self.mark_selected(st))
            marks.addWidget(b)
            self.mark_buttons[status] = b
        self.extra_button = QPushButton("Extra item…  Ctrl+E")
        self.extra_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.extra_button.clicked.connect(self.open_extra)
        marks.addStretch(1)
        parcel.addWidget(QLabel("Parcel:"))
        parcel.addWidget(self.extra_button)
        # One box, several returns: another return found in it is added (Ctrl+A), and
        # Ctrl+N goes through the box's returns.
        self.box_button = QPushButton("Another return in this box…  Ctrl+A")
        self.box_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.box_button.clicked.connect(self.open_box)
        parcel.addWidget(self.box_button)
        self.next_button = QPushButton("Next return in box  Ctrl+N")
        self.next_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.next_button.clicked.connect(self.next_in_box)
        parcel.addWidget(self.next_button)
        parcel.addStretch(1)
        self.box_field = QLineEdit()
        self.box_field.setObjectName("boxField")
        self.box_field.setPlaceholderText(
            "Another return in this box: scan or type its RMA, order or tracking number, "
            "then Enter (Esc cancels)")
        self.box_field.returnPressed.connect(lambda: self.add_to_box())
        self.box_field.hide()
        self.extra = QLineEdit()
        self.extra.setObjectName("extraItem")
        self.extra.setPlaceholderText("Extra item: style, colour, size, then Enter (Esc cancels)")
        self.extra.returnPressed.connect(self._add_extra)
        self.extra.hide()
        self.marks.hide()

        self.no_match = QWidget()
        nm = QVBoxLayout(self.no_match)
        nm.setContentsMargins(0, 0, 0, 0)
        explain = QLabel("No match. Search by customer name, email, order number or the "
                         "dress's SKU (Ctrl+F); receive it as an unexpected return "
                         "(Ctrl+U); or hold the parcel for investigation (Ctrl+H).")
        explain.setWordWrap(True)
        nm.addWidget(explain)
        row = QHBoxLayout()
        self.search = PageField()
        self.search.setObjectName("search")
        self.search.setPlaceholderText("Name, email, order or SKU, then Enter")
        self.search.returnPressed.connect(self._search)
        self.hold_button = QPushButton("Hold parcel  Ctrl+H")
        self.hold_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.hold_button.clicked.connect(self.hold_parcel)
        self.unexpected_button = QPushButton("Unexpected return…  Ctrl+U")
        self.unexpected_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.unexpected_button.clicked.connect(self.open_unexpected)
        row.addWidget(self.search, 1)
        row.addWidget(self.unexpected_button)
        row.addWidget(self.hold_button)
        nm.addLayout(row)
        self.results = QListWidget()
        self.results.setObjectName("results")
        self.results.itemActivated.connect(self._open_result)
        nm.addWidget(self.results, 1)
        self.no_match.hide()

        self.empty = QLabel("Ready for the next parcel.")
        # Inspections this bench began and did not finish (a crash, a lock, the next
        # parcel scanned): one key each to pick them up again.
        self.unfinished = QLabel()
        self.unfinished.setObjectName("unfinished")
        self.unfinished.setWordWrap(True)
        self.unfinished.hide()
        self._unfinished: list[str] = []
        self.empty.setObjectName("emptyState")
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        top = QHBoxLayout()
        column = QVBoxLayout()
        column.addWidget(prompt)
        column.addWidget(self.scan)
        column.addWidget(self.camera_status)
        column.addStretch(1)
        top.addLayout(column, 1)
        top.addWidget(self.preview)
        layout.addLayout(top)
        layout.addWidget(self.banner)
        layout.addWidget(self.unfinished)
        layout.addWidget(self.empty, 1)
        layout.addWidget(self.card, 1)
        layout.addWidget(self.marks)
        layout.addWidget(self.extra)
        layout.addWidget(self.box_field)
        # A parcel with no return, received anyway (Ctrl+U): held for a supervisor.
        self.unexpected = UnexpectedForm()
        self.unexpected.submitted.connect(self.receive_unexpected)
        self.unexpected.cancelled.connect(self._escape)
        layout.addWidget(self.unexpected)
        layout.addWidget(self.no_match, 1)
        self.scan.scanned.connect(self.submit)
        self._flash_timer = QTimer(self)
        self._flash_timer.setSingleShot(True)
        self._flash_timer.timeout.connect(lambda: self._flash(""))
        ctx = Qt.ShortcutContext.WidgetWithChildrenShortcut
        for keys, slot in (("Ctrl+R", lambda: self.mark_selected(ReceptionStatus.RECEIVED)),
                           ("Ctrl+M", lambda: self.mark_selected(ReceptionStatus.MISSING)),
                           ("Ctrl+W", lambda: self.mark_selected(ReceptionStatus.WRONG_ITEM)),
                           ("Ctrl+E", self.open_extra), ("Ctrl+F", self._focus_search),
                           ("Ctrl+A", self.open_box), ("Ctrl+N", self.next_in_box),
                           ("Ctrl+H", self.hold_parcel), ("Ctrl+U", self.open_unexpected),
                           ("Escape", self._escape),
                           ("F7", self.toggle_camera), ("Ctrl+O", self.override_requested.emit),
                           *((f"Ctrl+{n}", lambda n=n: self.resume(n)) for n in range(1, 10))):
            shortcut(self, keys, slot, ctx)
        # A scanner burst goes to the scan field wherever the focus is on this page.
        self.card.table.installEventFilter(self)
        self.results.installEventFilter(self)

    # --- camera ------------------------------------------------------------------
    def toggle_camera(self) -> None:
        if self.camera_worker is not None:
            self.stop_camera()
            self.camera_status.setText("Camera off (F7 turns it on)")
        else:
            self.start_camera()

    def start_camera(self) -> None:
        if not self.camera_spec or self.camera_worker is not None:
            if not self.camera_spec:
                self.banner.show_message(Level.WARN, "No camera is set for this station: "
                                         "start with --camera (a device number, a folder "
                                         "of images or a video file).")
            return
        spec = self.camera_spec

        def opened() -> FrameSource:  # on the camera's thread: OpenCV loads there (150 ms)
            from app.camera.sources import open_source  # only with a camera

            return open_source(spec)

        worker = CameraWorker(opened)
        worker.frame_ready.connect(self.preview.show_frame)
        worker.code_read.connect(self._camera_code)
        worker.failed.connect(self._camera_failed)
        self.camera_worker = worker
        self.preview.show()
        self.camera_status.setText("Camera on: hold the label under it (F7 turns it off)")
        worker.start()

    def stop_camera(self) -> None:
        worker, self.camera_worker = self.camera_worker, None
        if worker is not None:
            worker.stop()
            worker.deleteLater()

    def _camera_code(self, text: str) -> None:
        self.scan.setText(text)
        self.submit(text)

    def _camera_failed(self, message: str) -> None:
        self.stop_camera()
        self.preview.setText("Camera stopped")
        self.camera_status.setText("Camera stopped (F7 tries again)")
        self.banner.show_message(Level.WARN, f"{message} Scanning by keyboard still works.")

    # --- focus and keys ------------------------------------------------------------
    def focus_scan(self) -> None:
        self.scan.setFocus()
        self.scan.selectAll()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent):
            text = event.text()
            if text and text.isprintable() and not event.modifiers() & (
                    Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier):
                if not self.scan.hasFocus():  # a new scan replaces the previous one
                    self.scan.setFocus()
                    self.scan.selectAll()
                self.scan.insert(text)
                return True
        return super().eventFilter(watched, event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Up, Qt.Key.Key_Down) and self.card.isVisible():
            table = self.card.table
            step = -1 if event.key() == Qt.Key.Key_Up else 1
            row = max(0, min(table.rowCount() - 1, table.currentRow() + step))
            table.selectRow(row)
            return
        super().keyPressEvent(event)

    def _escape(self) -> None:
        for field in (self.extra, self.box_field):
            if field.isVisible():
                field.clear()
                field.hide()
        self.unexpected.close_form()
        self.banner.clear()
        self.focus_scan()

    # --- scanning ----------------------------------------------------------------
    def submit(self, code: str | None = None) -> None:
        """A scan typed into the field (a scanner's burst comes through the shell)."""
        code = self.scan.text() if code is None else code
        if self.route is not None:
            self.route(code)
            return
        self.show_scan(code, self.session.scan(code))

    def show_scan(self, code: str, screen: Screen) -> None:
        """Render what the session made of a scan."""
        self._last_code = code
        self.scan.setText(code)
        view = screen.view
        if view is None:
            self._no_match(screen.message, search=isinstance(screen.result, ParcelScanned)
                           and not screen.result.found, level=LEVELS[screen.level],
                           good=screen.sound == "good")
            return
        self.banner.show_message(LEVELS[screen.level], screen.message)
        self.no_match.hide()
        self.empty.hide()
        self.card.show_return(view)
        self.marks.setVisible(bool(view.rma_number))
        self._flash("good")
        self._sounds.good()
        self.found.emit(view)
        self.focus_scan()

    def _no_match(self, message: str, search: bool = True, level: Level = Level.ERROR,
                  good: bool = False) -> None:
        """No parcel to show: the result's own level and sound (a misread is red)."""
        self.banner.show_message(level, message)
        self._flash("good" if good else "bad")
        (self._sounds.good if good else self._sounds.bad)()
        self.card.hide()
        self.marks.hide()
        self.empty.setVisible(not search)
        self.no_match.setVisible(search)
        self.results.clear()
        self.not_found.emit(message)
        self.focus_scan()

    # --- marks and extra items ---------------------------------------------------
    def _selected_unit(self) -> int | None:
        view = self.card.view
        row = self.card.table.currentRow()
        if view is None or not view.items or row < 0 or row >= len(view.items):
            return None
        return view.items[row].unit_no

    def mark_selected(self, status: ReceptionStatus) -> None:
        unit = self._selected_unit()
        view = self.card.view
        if unit is None or view is None or not view.rma_number:
            return
        row = self.card.table.currentRow()
        self.session.parcel = view
        screen = self.session.mark(unit, status)
        self.banner.show_message(LEVELS[screen.level], screen.message)
        if screen.view is None:
            return
        self.card.show_return(screen.view)
        self.card.table.selectRow(row)
        self.found.emit(screen.view)

    def open_extra(self) -> None:
        if self.card.view is None or not self.card.view.rma_number:
            return
        self.extra.show()
        self.extra.setFocus()

    def _add_extra(self) -> None:
        view = self.card.view
        if view is None or not view.rma_number:
            return
        try:
            fresh = self.session.add_extra_item(view.rma_number, self.extra.text())
        except ReturnBenchError as exc:
            self.banner.show_problem(exc)
            return
        self.extra.clear()
        self.extra.hide()
        self.card.show_return(fresh)
        self.banner.show_message(Level.WARN, "Extra item recorded; it is held for review.")
        self.found.emit(fresh)
        self.focus_scan()

    # --- one box, several returns -------------------------------------------------
    def open_box(self) -> None:
        if self.card.view is None or not self.card.view.rma_number:
            self.banner.show_message(Level.WARN, "Scan the box's label first; then Ctrl+A "
                                     "adds another return found in it.")
            return
        self.box_field.show()
        self.box_field.setFocus()

    def adding_to_box(self) -> bool:
        """Is the "another return in this box" field open (a scan goes there)?"""
        return self.box_field.isVisible()

    def add_to_box(self, code: str | None = None) -> None:
        code = self.box_field.text() if code is None else code
        screen = self.session.add_to_box(code)
        self.box_field.clear()
        if screen.view is None or screen.level == ERROR:
            self.banner.show_message(LEVELS[screen.level], screen.message)
            self._flash("bad")
            self._sounds.bad()
            self.box_field.setFocus()
            return
        self.box_field.hide()
        self.show_scan(screen.view.rma_number or code, screen)

    def next_in_box(self) -> None:
        screen = self.session.next_in_box()
        if screen.view is None:
            self.banner.show_message(LEVELS[screen.level], screen.message)
            return
        self.show_scan(screen.view.rma_number or "", screen)

    # --- no match: search or hold ------------------------------------------------
    def _focus_search(self) -> None:
        self.no_match.show()
        self.card.hide()
        self.marks.hide()
        self.empty.hide()
        self.search.setFocus()

    def _search(self) -> None:
        try:
            hits = self.session.search(self.search.text())
        except ReturnBenchError as exc:
            self.banner.show_problem(exc)
            return
        self.results.clear()
        for hit in hits:
            rma = hit.rma_number or "no return"
            item = QListWidgetItem(f"{hit.customer_name}  ·  {hit.customer_email}  ·  "
                                   f"order {hit.order_number}  ·  {rma}")
            item.setData(Qt.ItemDataRole.UserRole, hit.rma_number or hit.order_number)
            item.setData(HIT_ROLE, (hit.order_number, hit.customer_name))
            self.results.addItem(item)
        if hits:
            self.results.setCurrentRow(0)
            self.results.setFocus()
            self.banner.show_message(Level.OK, f"{len(hits)} found: ↑ ↓ then Enter to open; "
                                     "Ctrl+U receives it as an unexpected return from the "
                                     "one chosen.")
        else:
            self.banner.show_message(Level.WARN, "Nothing found: try another spelling, "
                                     "receive it as an unexpected return (Ctrl+U), or hold "
                                     "the parcel (Ctrl+H).")

    def _open_result(self, item: QListWidgetItem) -> None:
        code = item.data(Qt.ItemDataRole.UserRole)
        self.scan.setText(code)
        self.submit(code)

    # --- a parcel with no return: an unexpected return -----------------------------
    def open_unexpected(self) -> None:
        """Ctrl+U: the customer is the search result chosen, or the order the scan found
        with no return on it, or nobody yet."""
        order = customer = None
        item = self.results.currentItem() if self.no_match.isVisible() else None
        if item is not None:
            order, customer = item.data(HIT_ROLE)
        elif self.card.isVisible() and self.card.view is not None:
            if self.card.view.rma_number:
                self.banner.show_message(Level.WARN, f"{self.card.view.rma_number} is this "
                                         "parcel's return: Ctrl+E records an item it did "
                                         "not list.")
                return
            order = self.card.view.order_number
        self.unexpected.open(order, customer)

    def filling_unexpected(self) -> bool:
        """Is the unexpected-return form open (a scanned SKU tag goes there)?"""
        return self.unexpected.isVisible()

    def unexpected_scan(self, code: str) -> None:
        """A tag scanned while the form is open: what is in the box; then the grade."""
        self.unexpected.what.setText(code.strip())
        self.unexpected.grade.setFocus()

    def receive_unexpected(self) -> None:
        form = self.unexpected
        letter = form.grade_letter()
        if not form.what.text().strip():
            self.banner.show_message(Level.WARN, "Say what is in the box first: scan the "
                                     "dress's SKU tag or type its style, colour and size.")
            form.what.setFocus()
            return
        if letter is None:
            self.banner.show_message(Level.WARN, "Grade it: A, B, C, D or X in the grade "
                                     "box, then Enter.")
            form.grade.setFocus()
            return
        screen = self.session.receive_unexpected(self._last_code, form.order,
                                                 form.what.text(), Grade(letter),
                                                 form.notes.text())
        self.banner.show_message(LEVELS[screen.level], screen.message)
        if screen.level == ERROR:
            self._flash("bad")
            self._sounds.bad()
            form.what.setFocus()
            return
        self._flash("good")
        self._sounds.good()
        form.close_form()
        self.no_match.hide()
        self.card.hide()
        self.marks.hide()
        self.empty.show()
        self.search.clear()
        self.results.clear()
        self.focus_scan()

    def hold_parcel(self) -> None:
        note = self.search.text().strip()
        try:
            receipt_id = self.session.hold_parcel(self._last_code, note)
        except ReturnBenchError as exc:
            self.banner.show_problem(exc)
            return
        self.no_match.hide()
        self.empty.show()
        self.search.clear()
        self.banner.show_message(Level.WARN, f"Parcel held for investigation (receipt "
                                 f"#{receipt_id}): put it on the hold shelf.")
        self.focus_scan()

    def show_unfinished(self, items: list[tuple[str, str]]) -> None:
        """(rma, words) of inspections to resume, newest first."""
        self._unfinished = [rma for rma, _words in items]
        if not items:
            self.unfinished.hide()
            return
        lines = "   ".join(f"<b>Ctrl+{n}</b> {words}" for n, (_rma, words)
                           in enumerate(items[:9], 1))
        self.unfinished.setText(f"Unfinished at this bench (resume with one key): {lines}")
        self.unfinished.show()

    def resume(self, n: int) -> None:
        if 0 < n <= len(self._unfinished):
            rma = self._unfinished[n - 1]
            self.scan.setText(rma)
            self.submit(rma)
            self.resume_requested.emit(rma)

    def show_outcome(self, message: str, needs_attention: bool) -> None:
        """Back from Inspect: say what was decided and refresh the parcel shown."""
        self.banner.show_message(Level.WARN if needs_attention else Level.OK, message)
        if self.card.view is not None:
            try:
                if self.card.view.rma_number:
                    fresh = self.session.current_view(self.card.view.rma_number)
                else:
                    fresh = self.session.find_return(self.card.view.order_number)
                if fresh is not None:
                    self.card.show_return(fresh)
            except ReturnBenchError as exc:
                self.banner.show_problem(exc)
        self.focus_scan()

    def _flash(self, state: str) -> None:
        self.scan.setProperty("flash", state)
        self.scan.style().unpolish(self.scan)
        self.scan.style().polish(self.scan)
        if state:
            self._flash_timer.start(600)
