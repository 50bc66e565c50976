"""Totes and put-away: after Enter each decided dress into the tote for its place, a
tote closed with its manifest, then a tote (or one dress) onto its shelf."""

from __future__ import annotations

import datetime as dt

from app.bench.core import ToteDue
from app.bench.lots import LoadingLots
from app.bench.results import (
    MovedThere,
    PickedUp,
    StillCarrying,
    ToteScanned,
    TotesMade,
    WhereShown,
)
from app.bench.screen import ERROR, OK, WARN, Screen
from app.domain.enums import LabelKind
from app.errors import ReturnBenchError
from app.printing.labels import tote_manifest, tote_plate
from app.services.putaway import PutAwayService, ToteView


class TotesAndPutAway(LoadingLots):
    def restore_totes_due(self) -> None:
        """The dresses this station decided today that are still in no tote (the bench
        restarted, or the last inspector signed out before scanning them)."""
        if self._s.putaway is None:
            return
        since = self._s.clock_now() - dt.timedelta(hours=16)
        try:
            waiting = self._s.putaway.waiting_for_totes(since)
        except ReturnBenchError:
            return  # the database is away: the list comes back when it does
        for rma, unit in waiting:
            self._add_totes_due(rma, [unit])

    def _add_totes_due(self, rma: str, units: list[int]) -> None:
        """The totes the dresses just decided go into (by disposition and brand)."""
        if self._s.putaway is None:
            return
        for unit in units:
            if any(d.rma == rma and d.unit == unit for d in self.tote_due):
                continue
            try:
                goes = self._s.putaway.destination(rma, unit)
            except ReturnBenchError:
                continue  # an extra item or no decision: nothing goes into a tote
            self.tote_due.append(ToteDue(rma, unit, goes.disposition, goes.brand,
                                         goes.tote.code if goes.tote else None))

    def _totes_after_answer(self, rma: str, unit_no: int | None) -> None:
        units = [unit_no] if unit_no is not None else []
        if unit_no is None and self._s.receiving is not None:
            try:
                units = [it.unit_no for it in self._s.receiving.current_view(rma).items]
            except ReturnBenchError:
                return
        self._add_totes_due(rma, units)

    def _totes_waiting(self) -> str:
        if not self.tote_due:
            return ""
        first = self.tote_due[0]
        more = f" (+{len(self.tote_due) - 1} more)" if len(self.tote_due) > 1 else ""
        return (f"{first.rma} {first.words()} was not scanned{more}: scan the tote when the "
                "dress is in it. ")

    def tote_scan(self, code: str) -> Screen:
        """A tote's plate scanned at the bench: the waiting dress that belongs in it goes
        in (a wrong tote buzzes and names the right one); with nothing waiting, the tote's
        state (and Ctrl+T closes it)."""
        ps = self._s.putaway
        if ps is None:
            return self._needs_server("Totes") or Screen(
                ERROR, "This bench does not put dresses into totes.", "bad")
        try:
            user = self._who()
            tote = ps.tote(code)
        except ReturnBenchError as exc:
            return Screen(ERROR, self._say(exc), "bad", result=ToteScanned(code.strip()))
        if not self.tote_due:
            if tote.status == "open":
                self.last_tote = tote.code
            return Screen(WARN, f"{self._tote_words(tote)} No dress waits for a tote at "
                          "this bench" + (": Ctrl+T closes it." if tote.status == "open"
                                          else "."), result=ToteScanned(tote.code))
        due = self._due_for(tote)
        try:
            placed = ps.into_tote(due.rma, due.unit, tote.code, user)
        except ReturnBenchError as exc:
            return Screen(ERROR, self._say(exc), "bad",
                          result=ToteScanned(tote.code, wrong=True))
        self.tote_due.remove(due)
        self.last_tote = None if placed.closed_now else placed.tote.code
        printed: tuple[str, ...] = ()
        if placed.closed_now:
            printed = (self._print_manifest(placed.tote.code),)
        nxt = f" Next: {self.tote_due[0].rma} {self.tote_due[0].words()}." \
            if self.tote_due else ""
        level = WARN if printed and "printed" not in printed[0] else OK
        return Screen(level, f"{due.rma}: {placed.message}{' ' + printed[0] if printed else ''}"
                      f"{nxt}", "good", printed=printed,
                      result=ToteScanned(placed.tote.code, (due.rma, due.unit),
                                         placed.closed_now))

    def _due_for(self, tote: ToteView) -> ToteDue:
        """The waiting dress a scanned tote is for: the one it was named for, else one of
        its disposition and brand, else (an empty tote) one waiting for any empty tote,
        else the first (the service then says which tote is right)."""
        for test in (lambda d: d.tote == tote.code,
                     lambda d: (d.disposition, d.brand) == (tote.disposition, tote.brand),
                     lambda d: tote.disposition is None and d.tote is None):
            found = next((d for d in self.tote_due if test(d)), None)
            if found is not None:
                return found
        return self.tote_due[0]

    @staticmethod
    def _tote_words(tote: ToteView) -> str:
        what = (f"{tote.disposition.replace('_', ' ')}, {tote.brand}" if tote.disposition
                else "empty")
        where = f", at {tote.location}" if tote.location else ""
        return f"Tote {tote.code}: {tote.status}, {what}, {tote.items}/{tote.capacity}{where}."

    def close_tote(self) -> Screen:
        """Ctrl+T: close the tote this bench is filling; its manifest prints."""
        ps = self._s.putaway
        if ps is None:
            return self._needs_server("Totes") or Screen(
                ERROR, "This bench does not put dresses into totes.", "bad")
        if self.last_tote is None:
            return Screen(WARN, "Scan the tote to close first (its plate), then Ctrl+T.",
                          "bad")
        try:
            tote = ps.close_tote(self.last_tote, self._who())
        except ReturnBenchError as exc:
            return Screen(ERROR, self._say(exc), "bad")
        self.last_tote = None
        printed = self._print_manifest(tote.code)
        return Screen(OK if "printed" in printed else WARN,
                      f"Tote {tote.code} closed: {tote.items} dress"
                      f"{'es' if tote.items != 1 else ''}. {printed} Put it on the "
                      "put-away cart.", "good", printed=(printed,),
                      result=ToteScanned(tote.code, closed=True))

    def putaway_scan(self, code: str) -> Screen:
        """At put-away: a tote's plate or a dress's plate picks it up (the screen names
        where it may go); then a location's code puts it there. A location scanned with
        nothing picked up shows what it holds."""
        ps = self._s.putaway
        if ps is None:
            return self._needs_server("Put-away moves") or Screen(
                ERROR, "Put-away is not set up at this station.", "bad")
        text = code.strip().upper()
        if text.startswith("LOT-") or (self.loading_lot and text.startswith("TO-")):
            return self._load_lot(text)
        try:
            user = self._who()
            if text.startswith(("TO-", "IT-")):
                return self._pick_up(ps, text)
            if self.carrying is None:
                found = ps.where(text)
                return Screen(WARN, f"{found.code} ({found.details['name']}) holds "
                              f"{found.now}. Scan a tote or a dress first, then the shelf.",
                              result=WhereShown(found))
            carrying = self.carrying
            moved = (ps.put_away(carrying, text, user) if carrying.startswith("TO-")
                     else ps.move_item(carrying, text, user))
        except ReturnBenchError as exc:
            held = f" Still holding {self.carrying}: scan its shelf." if self.carrying \
                else ""
            return Screen(ERROR, self._say(exc) + held, "bad",
                          result=StillCarrying(self.carrying))
        self.carrying = None
        try:
            now = ps.where(carrying)
        except ReturnBenchError:
            now = None
        return Screen(OK, moved.message, "good",
                      result=MovedThere(moved, now))

    def _pick_up(self, ps: PutAwayService, text: str) -> Screen:
        found = ps.where(text)
        goes = ps.goes_to(text)
        if found.kind == "tote" and not found.details["items"]:
            return Screen(ERROR, f"Tote {text} is empty: nothing to put away.", "bad",
                          result=WhereShown(found))
        self.carrying = text
        where = (f"Scan the shelf: {', '.join(goes[:3])}." if goes else
                 "No location on the map has room for it: ask a supervisor.")
        if found.kind == "tote":
            d = found.details
            what = (f"Tote {text}: {d['items']} dress{'es' if d['items'] != 1 else ''}, "
                    f"{str(d['disposition']).replace('_', ' ')} ({d['brand']}), now "
                    f"{found.now}.")
        else:
            what = f"Dress {text}: {found.now}."
        return Screen(OK if goes else WARN, f"{what} {where}", "good" if goes else "bad",
                      result=PickedUp(found, tuple(goes), text))

    def print_totes(self, count: int) -> Screen:
        """New tote plates, printed as one batch (a page each)."""
        ps = self._s.putaway
        if ps is None:
            return Screen(ERROR, "Totes are not set up at this station.", "bad")
        try:
            user = self._who()
            codes = ps.make_totes(count, user)
            job = self._s.printing.print_layout(
                LabelKind.TOTE, lambda dpi: [tote_plate(c, dpi) for c in codes],
                f"totes-{codes[0]}-{codes[-1]}", user)
        except ReturnBenchError as exc:
            return Screen(ERROR, self._say(exc), "bad")
        sent = job.went_out
        span = codes[0] if len(codes) == 1 else f"{codes[0]} to {codes[-1]}"
        return Screen(OK if sent else WARN, f"{len(codes)} tote plate"
                      f"{'s' if len(codes) != 1 else ''} {span}: "
                      + ("printed." if sent else f"not printed yet: {job.message}"),
                      "good" if sent else "bad", result=TotesMade(tuple(codes)))

    def drop(self) -> Screen:
        """Del at put-away: put down what was picked up (nothing moves), or stop loading
        the lot."""
        held, self.carrying = self.carrying, None
        lot, self.loading_lot = self.loading_lot, None
        if lot and not held:
            return Screen(OK, f"Done loading lot {lot}. Scan a tote or a dress, then its "
                          "shelf.")
        return Screen(OK, f"{held} put down: nothing moved. Scan a tote or a dress."
                      if held else "Scan a tote or a dress, then its shelf.")

    def _print_manifest(self, code: str) -> str:
        assert self._s.putaway is not None
        try:
            user = self._who()
            data = self._s.putaway.manifest(code, user.username)
            job = self._s.printing.print_layout(
                LabelKind.MANIFEST, lambda dpi: [tote_manifest(data, dpi)],
                f"manifest-{code}", user)
        except ReturnBenchError as exc:
            return f"Manifest not printed: {self._say(exc)}"
        return "Manifest printed." if job.went_out \
            else f"Manifest not printed yet: {job.message}"
