"""The bench session's state and what every step uses: the service call that falls back
to the local copy when the server is away, who is signed in, the sentence for a refusal,
and printing a label once per request key."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

from app.bench.ports import BenchServices, OfflinePort
from app.bench.results import NeedsTheServer
from app.bench.screen import WARN, Screen, refusal
from app.domain.enums import PhotoSlot
from app.errors import DatabaseUnavailable, ReturnBenchError, SignedOut
from app.services.auth import SignedInUser
from app.services.decisions import InspectionInput
from app.services.holds import Holder
from app.services.lookup import ReturnView
from app.views import PhotoView

T = TypeVar("T")


@dataclass(frozen=True)
class ToteDue:
    """A decided dress waiting to be scanned into its tote at this bench."""

    rma: str
    unit: int
    disposition: str
    brand: str
    tote: str | None  # the open tote it goes into; None: any empty tote

    def words(self) -> str:
        what = ("QA, blind re-grade" if self.disposition == "qa"
                else self.disposition.replace('_', ' ')) + f", {self.brand}"
        return f"item {self.unit} ({what}) into " + (
            f"tote {self.tote}" if self.tote else "any EMPTY tote")


class SessionCore:
    def __init__(self, services: BenchServices, offline: OfflinePort | None = None) -> None:
        self._s = services
        self._online = services
        self.offline_port = offline
        self.user: SignedInUser | None = None
        self.parcel: ReturnView | None = None
        # The box the open parcel came in: the code scanned on it and the returns it held
        # (several when one box brought several returns; Ctrl+N goes through them).
        self.box_code: str | None = None
        self.box: tuple[str, ...] = ()
        # The forms being filled, by unit, for the open parcel (saved as drafts as they go).
        self.forms: dict[int, InspectionInput] = {}
        # An Enter the database could not take: (request key, forms), done when it is back.
        self.pending_accept: tuple[str, dict[int, InspectionInput]] | None = None
        # Photos taken while the database was away: (rma, unit, image, slot, override).
        self.pending_photos: list[tuple[str, int, Any, PhotoSlot, bool]] = []
        self._answers_since: dt.datetime | None = None
        self._answers_seen: set[int] = set()
        # The open parcel's photos by unit, and the units another bench holds.
        self.photos: dict[int, list[PhotoView]] = {}
        self.blocked: dict[int, Holder] = {}
        # Decided dresses still to be scanned into their totes, and the tote last used.
        self.tote_due: list[ToteDue] = []
        self.last_tote: str | None = None
        # At put-away: the tote or dress picked up, waiting for its location's scan; the
        # outbound lot (pallet) being loaded, which the next totes scanned go onto.
        self.carrying: str | None = None
        self.loading_lot: str | None = None
        # Why the bench was signed out by the server (the user deactivated, or given
        # another role, since signing in), and who to tell: the window goes to sign-in.
        self.signed_out: str | None = None
        self.on_signed_out: Callable[[str], None] | None = None

    @property
    def is_offline(self) -> bool:
        return self._s is not self._online

    def _go_offline(self) -> bool:
        """Work on the local copy from now on (False: this bench has no offline mode or
        no copy yet, and keeps the old way: forms kept in `unsaved/`)."""
        port = self.offline_port
        if port is None:
            return False
        if self.is_offline:
            return True
        try:
            local = port.local()
        except ReturnBenchError:
            return False
        port.offline = True
        self._s = local
        return True

    def _try(self, call: Callable[[BenchServices], T]) -> T:
        """A service call; the server away, the same call on the local copy."""
        try:
            return call(self._s)
        except DatabaseUnavailable:
            if self.is_offline or not self._go_offline():
                raise
            return call(self._s)

    def _needs_server(self, what: str) -> Screen | None:
        """Offline, what needs the server says so (None: the bench is online)."""
        if not self.is_offline:
            return None
        return Screen(WARN, f"OFFLINE: {what} need the server; they wait until the bench "
                      "is back online (the status bar says when). Keep the dresses by "
                      "the bench: their labels say PROVISIONAL.", "bad",
                      result=NeedsTheServer())

    def _offline_words(self) -> str:
        return "OFFLINE, kept on this bench: " if self.is_offline else ""

    def sign_out(self) -> None:
        self.user, self.parcel, self.forms = None, None, {}
        self.box_code, self.box = None, ()
        self.tote_due, self.last_tote = [], None

    def _say(self, exc: BaseException) -> str:
        """The sentence for a refusal. `SignedOut` (the user was deactivated, or given
        another role, since signing in) also signs this bench out: nothing more is done
        in their name, and the window goes to sign-in with the sentence."""
        if isinstance(exc, SignedOut) and self.user is not None:
            self.sign_out()
            self.pending_accept, self.pending_photos = None, []
            self.signed_out = exc.message
            if self.on_signed_out is not None:
                self.on_signed_out(exc.message)
        return refusal(exc)[1]

    def _who(self) -> SignedInUser:
        if self.user is None:
            raise ReturnBenchError("Sign in first.")
        return self.user

    def _print(self, rma: str, plan: Iterable[tuple[int, str]], key: str
               ) -> list[tuple[int, str, str | None]]:
        """Print each (unit, label kind) once per request key: (unit, kind, None) when
        it went out, else the reason it did not (queued, printer off)."""
        out: list[tuple[int, str, str | None]] = []
        for unit_no, kind in plan:
            try:
                job = self._s.printing.print_label(rma, unit_no, kind, self._who(),
                                                   request_key=f"{key}/{unit_no}/{kind}")
            except ReturnBenchError as exc:
                out.append((unit_no, kind, self._say(exc)))
                continue
            out.append((unit_no, kind, None if job.went_out
                        else job.message))
        return out

    def refresh_parcel(self) -> ReturnView | None:
        """Read the open parcel again (its items' states moved: an answer given over
        the bench). The forms being filled stay."""
        if self.parcel is None or not self.parcel.rma_number or self._s.receiving is None:
            return self.parcel
        try:
            rma = self.parcel.rma_number
            self.parcel = self._try(lambda s: s.receiving.current_view(rma)
                                    if s.receiving is not None else self.parcel)
        except ReturnBenchError:
            pass  # the rows say what they said; the banner tells the answer
        return self.parcel

    def current_view(self, rma_number: str) -> ReturnView | None:
        """The return as on file now (the server's, or the local copy's offline)."""
        return self._try(lambda s: s.receiving.current_view(rma_number)
                         if s.receiving is not None else None)
