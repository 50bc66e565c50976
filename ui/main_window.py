"""The shell after sign-in: places down the side, the current place, a status bar."""

from __future__ import annotations

from collections.abc import Callable
from typing import cast

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent, QResizeEvent
from PySide6.QtWidgets import (
    QApplication,
    QFrame,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QPushButton,
    QScrollArea,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from app.bench import Screen
from app.bench.desks import (
    ApprovalsDesk,
    ClaimsDesk,
    ConflictsDesk,
    PrinterDesk,
    ReportsDesk,
    UsersDesk,
)
from app.bench.results import TagScanned, ToteScanned
from app.bench.types import ReturnView, SignedInUser
from app.bootstrap import Services
from app.notify import RECONNECTED
from app.permissions import Action, allowed, home_place
from ui.approvals_page import ApprovalsPage
from ui.banner import LEVELS, Banner, Level, send_to_sign_in
from ui.claims_page import ClaimsPage
from ui.feed import ChangeFeed
from ui.inspect_page import InspectPage
from ui.keys import shortcut
from ui.offline_page import NeedsLookPage
from ui.putaway_page import PutAwayPage
from ui.qa_page import QaPage
from ui.receive_page import ReceivePage
from ui.reports_page import ReportsPage
from ui.scan_router import ScanRouter
from ui.settings_page import SettingsPage
from ui.sounds import Sounds

NARROW = 720  # px: below it the window is a handheld's, and the places list hides
# The places, each with its function key.
PLACES = (
    ("Receive", "F1"),
    ("Inspect", "F2"),
    ("Claims", "F3"),
    ("Approvals", "F4"),
    ("Reports", "F5"),
    ("Settings", "F6"),
    ("Put-away", "F8"),
    ("QA", "F9"),
    ("Needs a look", "F10"),
)


class Places(QStackedWidget):
    """The pages, each in a scroll area: on a small screen a page scrolls instead of
    pushing the window (and its status bar, Sign out and Enter) off the screen."""

    def add_place(self, page: QWidget | None) -> None:
        """A place; None: its page comes later (`fill`)."""
        scroll = QScrollArea()
        if page is not None:
            scroll.setWidget(page)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.addWidget(scroll)

    def fill(self, row: int, page: QWidget) -> None:
        scroll = self.widget(row)
        assert isinstance(scroll, QScrollArea) and scroll.widget() is None
        scroll.setWidget(page)

    def currentWidget(self) -> QWidget:
        shown = super().currentWidget()
        inner = shown.widget() if isinstance(shown, QScrollArea) else None
        result = inner or shown
        assert result is not None
        return result


class Shell(QWidget):
    sign_out_requested = Signal()
    place_changed = Signal()  # a place is shown, its data read: the window's title says it

    def __init__(self, services: Services, user: SignedInUser, sounds: Sounds,
                 feed: ChangeFeed | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.user = user
        self._services = services
        self._sounds = sounds
        self.feed = feed or ChangeFeed(None)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(0)
        body = QHBoxLayout()
        outer.addLayout(body, 1)
        side = QVBoxLayout()
        self.nav = QListWidget()
        self.nav.setObjectName("nav")
        self.nav.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        for name, key in PLACES:
            self.nav.addItem(f"{name}   {key}")
        self.nav.setFixedWidth(266)
        # Wide enough for its longest place ("Needs a look  F10"): no scroll bar under it.
        self.nav.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        who = QLabel(f"{user.display_name}\n{user.role.value}")
        who.setObjectName("who")
        self.sign_out = QPushButton("Sign out  Ctrl+Q")
        self.sign_out.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.sign_out.clicked.connect(self.sign_out_requested)
        side.addWidget(self.nav, 1)
        side.addWidget(who)
        side.addWidget(self.sign_out)
        self.side_widgets = (self.nav, who, self.sign_out)
        body.addLayout(side)

        self.pages = Places()
        # The bench's workflow: one session for every page; the pages render it.
        self.session = services.bench_session()
        self.session.use(user)
        self.receive = ReceivePage(self.session, user, sounds, services.settings.camera)
        self.receive.route = self.handle_scan  # typed or camera: one way, as a burst
        self.inspect = InspectPage(self.session, services.settings.camera)
        # A scanner's burst is a scan on every page, never the page's hotkeys.
        self.router = ScanRouter(services.settings.scan_gap_ms, services.settings.scan_prefix,
                                 services.settings.scan_suffix, parent=self)
        self.router.scanned.connect(self.handle_scan)
        self.router.unreadable.connect(self._unreadable_scan)
        # Deactivated, or given another role, since signing in: the window signs out.
        self.session.on_signed_out = lambda reason: send_to_sign_in(self, reason)
        self.receive.found.connect(self._parcel_found)
        self.receive.resume_requested.connect(lambda _rma: self.nav.setCurrentRow(1))
        self.receive.override_requested.connect(self._override_here)
        self.inspect.finished.connect(self._inspection_finished)
        self.current: ReturnView | None = None
        self.landed = False  # land() reads the unfinished list first; pages after it
        # Receive and Inspect (every scan's path) are built now; the other places on their
        # first visit (building all nine at sign-in held the window 180-320 ms on X).
        data = services.settings.data_dir
        self._makers: dict[str, Callable[[], QWidget]] = {
            "Claims": lambda: ClaimsPage(ClaimsDesk(services.claims, user), user,
                                         data / "documents"),
            "Approvals": lambda: ApprovalsPage(
                ApprovalsDesk(services.approvals, services.authlog, user),
                user, data / "documents", self.feed),
            "Reports": lambda: ReportsPage(
                ReportsDesk(services.reports, services.imports, services.exports, user,
                            services.qa, services.calibration),
                user, data / "documents", data / "outbox", services.clock.now().date()),
            "Settings": lambda: SettingsPage(UsersDesk(services.users, user),
                                             PrinterDesk(services.printing, user), user),
            "Put-away": lambda: PutAwayPage(self.session, sounds, data / "outbox",
                                            allowed(user.role, Action.CLOSE_LOTS)),
            "QA": self._make_qa,
            "Needs a look": lambda: NeedsLookPage(
                ConflictsDesk(services.offline_bench.sync, user, services.unexpected), user),
        }
        self._built: dict[str, QWidget] = {"Receive": self.receive, "Inspect": self.inspect}
        for name, _key in PLACES:
            self.pages.add_place(self._built.get(name))
        # Answers to this bench's requests, from whichever station gave them.
        self.notice = Banner()
        column = QVBoxLayout()
        column.addWidget(self.notice)
        column.addWidget(self.pages, 1)
        body.addLayout(column, 1)
        self.session.check_answers()  # answers from now on
        self.answers_timer = QTimer(self)
        self.answers_timer.setInterval(self.feed.poll_ms)
        self.answers_timer.timeout.connect(self.check_answers)
        self.answers_timer.start()
        self.feed.happened.connect(self._on_event)
        self.nav.currentRowChanged.connect(self._go)
        # Application-wide: a bench PC has one window, and without a window manager
        # (kiosk set-ups, Xvfb) the window may never be "active" for window shortcuts.
        app_wide = Qt.ShortcutContext.ApplicationShortcut
        for row, (_name, key) in enumerate(PLACES):
            shortcut(self, key, lambda r=row: self.nav.setCurrentRow(r), app_wide)
        shortcut(self, "Ctrl+Q", self.sign_out_requested.emit, app_wide)
        shortcut(self, "Ctrl+T", self.close_tote, app_wide)
        self.nav.setCurrentRow(0)
        self._scan_router_on = services.settings.scan_gap_ms > 0 \
            or bool(services.settings.scan_prefix)

    def _make_qa(self) -> QaPage:
        services = self._services
        qa = QaPage(services.qa_desk(self.user), self._sounds, services.clock.now().date())
        qa.desk.on_signed_out = self.session.on_signed_out
        return qa

    def page(self, name: str) -> QWidget:
        """The place called `name`, built on its first use."""
        built = self._built.get(name)
        if built is None:
            built = self._built[name] = self._makers[name]()
            row = next(i for i, (place, _key) in enumerate(PLACES) if place == name)
            self.pages.fill(row, built)
        return built

    @property
    def claims(self) -> ClaimsPage:
        return cast(ClaimsPage, self.page("Claims"))

    @property
    def approvals(self) -> ApprovalsPage:
        return cast(ApprovalsPage, self.page("Approvals"))

    @property
    def reports(self) -> ReportsPage:
        return cast(ReportsPage, self.page("Reports"))

    @property
    def settings_page(self) -> SettingsPage:
        return cast(SettingsPage, self.page("Settings"))

    @property
    def putaway(self) -> PutAwayPage:
        return cast(PutAwayPage, self.page("Put-away"))

    @property
    def qa(self) -> QaPage:
        return cast(QaPage, self.page("QA"))

    @property
    def needs_look(self) -> NeedsLookPage:
        return cast(NeedsLookPage, self.page("Needs a look"))

    def listen(self) -> None:
        """The application-wide event filters (the scan router, Esc for the notice), once
        the shell is built and shown: an app-wide Python filter sees every event, and
        building and showing the pages makes thousands."""
        if self._scan_router_on:
            self.router.install()
        app = QApplication.instance()
        assert app is not None
        app.installEventFilter(self)  # Esc dismisses the notice (eventFilter)

    def resizeEvent(self, event: QResizeEvent) -> None:
        """A handheld-sized window (under NARROW px): the places list, name and Sign out
        give their width to the page; the function keys and Ctrl+Q still work."""
        narrow = event.size().width() < NARROW
        for widget in self.side_widgets:
            widget.setVisible(not narrow)
        super().resizeEvent(event)

    def land(self) -> None:
        """Open the signed-in role's own place (claims staff on Claims, supervisors and
        managers on Approvals, inspectors on Receive)."""
        row = {"receive": 0, "inspect": 1, "claims": 2, "approvals": 3, "reports": 4,
               "settings": 5}[home_place(self.user.role)]
        self.landed = True
        self.receive.show_unfinished(self.session.unfinished())
        news = self.session.qa_news()  # blind re-grades that changed this one's decisions
        if news:
            # Two lines at most: a taller notice pushes the page under it off the screen.
            self.notice.show_message(
                Level.WARN, "Changed by a blind QA re-grade: " + news[0].sentence
                + (" Also re-graded: " + ", ".join(f"{n.rma} item {n.unit_no}"
                                                    for n in news[1:4])
                   + (f" and {len(news) - 4} more." if len(news) > 4 else ".")
                   if len(news) > 1 else ""))
        elif self.session.tote_due:  # decided here, never scanned into a tote
            first = self.session.tote_due[0]
            n = len(self.session.tote_due)
            self.notice.show_message(
                Level.WARN, f"{n} dress{'es' if n != 1 else ''} decided at this bench "
                f"{'are' if n != 1 else 'is'} in no tote yet: {first.rma} {first.words()}. "
                "Scan the tote when the dress is in it.")
        self.nav.setCurrentRow(row)
        if row == 0:
            self.receive.focus_scan()
        else:
            page = self.pages.currentWidget()
            page.setFocus()

    def database_back(self) -> None:
        """The database answers again after an outage: finish what waited for it (the
        offline journal's sync says how it went, on every page)."""
        synced = self.inspect.database_back()
        if synced is not None:
            self.notice.show_message(LEVELS[synced.level], synced.message)
            self._sound(synced)
            self.receive.show_unfinished(self.session.unfinished())  # drafts kept meanwhile
        self.check_answers()

    def _on_event(self, topic: str, payload: object) -> None:
        mine = isinstance(payload, dict) and payload.get("station") == \
            self._services.settings.station
        if (topic == "approval.answered" and mine) or topic == RECONNECTED:
            self.check_answers()

    def check_answers(self) -> None:
        """Show answers to this bench's requests (approved in green, denied in amber)."""
        screen = self.session.check_answers()
        if screen is None:
            return
        self.notice.show_message(LEVELS[screen.level], screen.message)
        self._sound(screen)
        # An answer decides units: a draft of one of them is no longer unfinished.
        self.receive.show_unfinished(self.session.unfinished())

    def _sound(self, screen: Screen) -> None:
        if screen.sound == "good":
            self._sounds.good()
        else:
            self._sounds.bad()

    def close_tote(self) -> None:
        """Ctrl+T: close the tote this bench is filling (its manifest prints)."""
        self._show_here(screen=self.session.close_tote())

    def _show_here(self, screen: Screen) -> None:
        """A tote's news on the page in front of the inspector (it replaces the "now scan
        its tote" there), else at the top."""
        banner = getattr(self.pages.currentWidget(), "banner", None)
        (banner if isinstance(banner, Banner) else self.notice).show_message(
            LEVELS[screen.level], screen.message)
        self._sound(screen)

    def _inspection_finished(self, message: str, needs_attention: bool) -> None:
        if self.nav.currentRow() == 0:
            self.receive.show_unfinished(self.session.unfinished())
        self.nav.setCurrentRow(0)  # else showing Receive reads it (_go)
        self.receive.show_outcome(message, needs_attention)

    def _override_here(self) -> None:
        """Ctrl+O on Receive (after Enter brought the bench here): a manager at the bench
        answers the parcel's requests, on Inspect where the parcel is."""
        if self.current is None or not self.current.rma_number:
            self.receive.banner.show_message(
                Level.WARN, "Ctrl+O answers a parcel's requests at this bench: scan the "
                "parcel first.")
            return
        self.nav.setCurrentRow(1)
        self.inspect.open_override()

    def _parcel_found(self, view: ReturnView) -> None:
        self.current = view

    def handle_scan(self, code: str) -> None:
        """A scan from any page: the parcel opens on Receive (a half-done form stays a
        draft, and the banner says so)."""
        here = self.place_name()
        if here == "Put-away":
            self.putaway.handle_scan(code)
            return
        if here == "QA" and self.qa.desk.can_regrade \
                and not code.strip().upper().startswith("TO-"):
            self.qa.handle_scan(code)  # a dress from the QA rack
            return
        if here == "Receive" and self.receive.adding_to_box():  # Ctrl+A's field is open
            self.receive.add_to_box(code)
            return
        if here == "Receive" and self.receive.filling_unexpected():  # Ctrl+U's form
            self.receive.unexpected_scan(code)
            return
        on_inspect = self.pages.currentWidget() is self.inspect
        screen = self.session.scan(code, self.inspect.current_unit() if on_inspect else None)
        if isinstance(screen.result, ToteScanned):  # the waiting dress went in, or why not
            self._show_here(screen)
            return
        if isinstance(screen.result, TagScanned):  # the dress's SKU tag: "matches the order"
            if not on_inspect:
                self.nav.setCurrentRow(1)
            self.inspect.show_tag(screen)
            self._sound(screen)
            return
        self.notice.clear()  # a new parcel: the last one's news is old
        if self.nav.currentRow() != 0:
            self.nav.setCurrentRow(0)  # Receive shown: its unfinished list is read (_go)
        self.receive.show_scan(code, screen)
        # No read of the unfinished list here: a scan neither begins nor ends a draft
        # (a half-done form was saved as it was filled), and a scanner's burst reads
        # nothing more than its parcel. The list is read when Receive is shown, after an
        # inspection ends and when an answer arrives.

    def _unreadable_scan(self, keys: str) -> None:
        """A scanner's keys came too far apart to be read as one of our codes (a loaded
        machine): they went to the page as typed, and its Enter or Tab was dropped."""
        self.notice.show_message(
            Level.WARN, f"Unreadable scan{f' ({keys})' if keys else ''}: its keys came too "
            "far apart to be sure of it. Nothing was accepted: scan it again.")
        self._sounds.bad()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Esc anywhere in the shell also dismisses the notice at the top (an answer from
        another bench), as its "Dismiss (Esc)" button promises; the page still gets the
        key for its own use (closing a form, its own banner)."""
        # A page's Esc shortcut takes the key before any KeyPress: look at its override.
        if event.type() in (QEvent.Type.KeyPress, QEvent.Type.ShortcutOverride) \
                and isinstance(event, QKeyEvent) \
                and event.key() == Qt.Key.Key_Escape and self.notice.isVisible() \
                and isinstance(watched, QWidget) and self.isAncestorOf(watched):
            self.notice.clear()
        return False

    def close_down(self) -> None:
        """Before the shell goes (sign-out, lock, close): stop listening for scans."""
        self.router.remove()
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self)

    def _go(self, row: int) -> None:
        self.page(PLACES[row][0])  # built on its first visit
        self.pages.setCurrentIndex(row)
        # The bench session holds the open parcel as it stands (after an answer given over
        # the bench too): every page shows that one.
        parcel = self.session.parcel
        if parcel is not None and self.current is not None \
                and parcel.rma_number == self.current.rma_number:
            self.current = parcel
        if self.place_name() == "Put-away":
            self.putaway.focus_scan()
        elif self.place_name() == "QA":
            self.qa.focus_scan()
        elif row == 0:
            if self.landed:  # Receive shown again: drafts may have begun or ended meanwhile
                self.receive.show_unfinished(self.session.unfinished())
            shown = self.receive.card.view
            if parcel is not None and shown is not None and shown is not parcel \
                    and shown.rma_number == parcel.rma_number and self.receive.card.isVisible():
                self.receive.card.show_return(parcel)
            self.receive.focus_scan()
        elif self.pages.currentWidget() is self.inspect:
            view = self.current
            if view is not None and view.rma_number and view is not self.inspect.view:
                self.inspect.load(view, self.user)
            elif view is not None and not view.rma_number:
                self.inspect.unload(f"Order {view.order_number}: no return")
                self.inspect.banner.show_message(
                    Level.WARN, f"Order {view.order_number} has no return: nothing to "
                    "inspect. Receive (F1), Ctrl+U: an unexpected return.")
            self.inspect.setFocus()
        self.place_changed.emit()

    def place_name(self) -> str:
        """The place shown now ("Receive", "Put-away", ...)."""
        return PLACES[max(self.pages.currentIndex(), 0)][0]
