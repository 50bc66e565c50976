"""After the bench: totes, the put-away round, prep done and the week's lots."""

from __future__ import annotations

from app.demo_history.core import AFTER_PREP, FIRST_STOP, LOT_KINDS, HistoryFailed, _Bench, _Core
from app.services.putaway import expected_back


class _Stock(_Core):
    """The handheld's work after the bench: totes, put-away, prep and lots."""

    # --- after the bench: totes, put-away, prep, lots ---------------------------------
    def _free_tote(self, bench: _Bench) -> str:
        if not self.free_totes:
            screen = self._expect(bench.session.print_totes(24), "Printing tote plates")
            self.free_totes = list(screen.data["totes"])
            self.summary.totes += len(self.free_totes)
        return self.free_totes.pop(0)

    def _into_totes(self, bench: _Bench) -> None:
        """Each decided dress into its tote, scanned at the bench right after Enter."""
        session = bench.session
        while session.tote_due:
            due = session.tote_due[0]
            screen = session.tote_scan(due.tote or self._free_tote(bench))
            if "placed" not in screen.data:  # the tote named at Enter filled meanwhile
                open_tote = bench.services.putaway.tote_for(due.rma, due.unit)
                code = open_tote.code if open_tote is not None else self._free_tote(bench)
                screen = self._expect(session.tote_scan(code), f"Tote for {due.rma}")
            if "placed" not in screen.data:
                raise HistoryFailed(f"Tote for {due.rma}: {screen.message}")
            self.summary.into_totes += 1

    def _put_away(self, closing: bool) -> None:
        """The day's put-away round on the handheld: closed totes (full ones; on Fridays
        the benches' open totes are closed first) to their first stop, and dresses whose
        steaming or refurbishment is done on to the shelf or the outlet rail."""
        carl = self.users["carl"]
        self.stock.use(carl)
        putaway = self.stocker.putaway
        if closing:
            for tote in putaway.totes("open"):
                self.stock.last_tote = tote.code
                self._expect(self.stock.close_tote(), f"Closing tote {tote.code}")
        kinds = {loc.code: loc.kind for loc in putaway.map.locations}
        for tote in putaway.totes("closed", placed=False, on_lot=False):
            self._move(tote.code, FIRST_STOP.get(tote.disposition or "", ""), kinds)
        for code in (c for c, k in kinds.items() if k == "qa"):  # re-graded: onward
            for line in putaway.held_at(code):
                if line.disposition in FIRST_STOP and line.disposition != "qa":
                    self._move(line.plate, FIRST_STOP[line.disposition], kinds)
        today = self.clock.now().astimezone(self.tz).date()
        for prep, onward in AFTER_PREP.items():
            for code in (c for c, k in kinds.items() if k == prep):
                for line in putaway.held_at(code):
                    back = expected_back(line)
                    if back is not None and back <= today:
                        self._move(line.plate, onward, kinds)
                        self.summary.prep_done += 1

    def _move(self, code: str, kind: str, kinds: dict[str, str]) -> None:
        picked = self._expect(self.stock.putaway_scan(code), f"Picking up {code}")
        shelf = next((c for c in picked.data.get("goes_to", []) if kinds.get(c) == kind),
                     None)
        if shelf is None:
            self.stock.drop()
            return  # no room there today: it waits for the next round
        moved = self._expect(self.stock.putaway_scan(shelf), f"Putting {code} at {shelf}")
        if "moved" not in moved.data:
            raise HistoryFailed(f"Putting {code} at {shelf}: {moved.message}")
        self.summary.put_away += 1

    def _lot(self) -> None:
        """Thursdays: the week's liquidate totes onto a lot (liquidation, donation and
        return to vendor in turn; the vendor takes the refurbish totes too), closed by
        Maria with its buyer and price."""
        kind = LOT_KINDS[self.lot_kinds % len(LOT_KINDS)]
        self.lot_kinds += 1  # one kind a week, in turn
        takes = ("liquidate", "refurbish") if kind == "rtv" else ("liquidate",)
        totes = [t for t in self.stocker.putaway.totes("closed", placed=True, on_lot=False)
                 if t.disposition in takes]
        if not totes:
            return
        carl, maria = self.users["carl"], self.users["maria"]
        self.stock.use(carl)
        opened = self._expect(self.stock.open_lot(kind), "Opening a lot")
        for tote in totes:
            self._expect(self.stock.putaway_scan(tote.code), f"Lot tote {tote.code}")
        dresses = opened.data["lot"].items + sum(t.items for t in totes)
        party, price = {"liquidation": ("Rack Room Resale", f"{15 * dresses}.00"),
                        "donation": ("Dress for Success", None),
                        "rtv": ("Kiss Prom supplier QA", f"{40 * dresses}.00")}[kind]
        self.stock.use(maria)
        self._expect(self.stock.close_lot(party, price, self.places.outbox), "Closing a lot")
        self.stock.use(carl)
        self.summary.lots += 1
