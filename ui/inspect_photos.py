"""The Inspect page's photos: the camera's still, a picture imported from a file, one the
quality gate refused kept anyway; the session keeps them, the page shows them."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFileDialog, QListWidget, QWidget

from app.bench import BenchSession, Screen
from app.bench.results import PhotoKept, PhotoRefused
from app.bench.types import (
    Holder,
    InspectionInput,
    ReturnItemView,
    ReturnView,
    SignedInUser,
)
from app.domain.enums import PhotoSlot
from app.errors import ReturnBenchError, user_message
from app.files import read_input
from app.views import PhotoView
from ui.banner import Banner, Level

if TYPE_CHECKING:
    from ui.decision_panel import DecisionPanel


class InspectParts(QWidget):
    """What the Inspect page's parts (photos, holds) use of the page (ui/inspect_page.py
    sets these and defines the methods)."""

    finished = Signal(str, bool)  # every unit decided: (what happened, needs approval)
    session: BenchSession
    banner: Banner
    panel: DecisionPanel
    units: QListWidget
    view: ReturnView | None
    user: SignedInUser | None
    camera_spec: str | None
    photo_views: dict[int, list[PhotoView]]
    _still_source: Any
    _rejected: tuple[int, Any, PhotoSlot] | None
    _done_text: dict[int, str]
    _held: dict[int, Holder]
    _last_activity: float

    @property
    def forms(self) -> dict[int, InspectionInput]:
        return self.session.forms

    def current_unit(self) -> int | None:
        raise NotImplementedError

    def accept(self) -> None:
        raise NotImplementedError

    def _show(self, screen: Screen) -> None:
        raise NotImplementedError

    def _sync_form(self) -> None:
        raise NotImplementedError

    def _refresh_decision(self) -> None:
        raise NotImplementedError

    def settle_preview(self) -> None:
        raise NotImplementedError

    def _unit_text(self, it: ReturnItemView) -> str:
        raise NotImplementedError


class InspectPhotos(InspectParts):
    """The photo keys of the Inspect page (Space, Ctrl+I, Ctrl+K)."""

    def _next_slot(self, unit: int) -> PhotoSlot:
        return self.session.next_photo_slot(unit)

    def take_photo(self) -> None:
        unit = self.current_unit()
        if unit is None or unit not in self.forms:
            return
        if not self.camera_spec:
            self.banner.show_message(Level.WARN, "No camera on this station: import the "
                                     "picture from a file (Ctrl+I), e.g. from a phone.")
            return
        try:
            if self._still_source is None:
                from app.camera.sources import open_source

                self._still_source = open_source(self.camera_spec)
            frame = self._still_source.read()
        except ReturnBenchError as exc:
            self._still_source = None
            self.banner.show_message(Level.ERROR, f"{user_message(exc)} Import the picture "
                                     "from a file instead (Ctrl+I).")
            return
        self._add_photo(unit, frame, self._next_slot(unit), override=False)

    def import_photo(self, path: str | None = None) -> None:
        unit = self.current_unit()
        if unit is None or unit not in self.forms:
            return
        if path is None:
            path, _ = QFileDialog.getOpenFileName(self, "Import a photo", "",
                                                  "Pictures (*.jpg *.jpeg *.png *.heic *.webp)")
            if not path:
                return
        try:
            data = read_input(path)
        except ReturnBenchError as exc:
            self.banner.show_problem(exc)
            return
        self._add_photo(unit, data, self._next_slot(unit), override=False)

    def keep_rejected(self) -> None:
        if self._rejected is None:
            return
        unit, image, slot = self._rejected
        self._add_photo(unit, image, slot, override=True)

    def _add_photo(self, unit: int, image: Any, slot: PhotoSlot,
                   override: bool) -> None:
        if self.view is None or self.user is None:
            return
        screen = self.session.add_photo(unit, image, slot, override)
        self._rejected = (unit, image, slot) if isinstance(screen.result, PhotoRefused) \
            else None
        self._show(screen)
        if isinstance(screen.result, PhotoKept):
            self._sync_form()
            self._refresh_decision()

    @property
    def pending_photos(self) -> list[tuple[str, int, Any, PhotoSlot, bool]]:
        return self.session.pending_photos
