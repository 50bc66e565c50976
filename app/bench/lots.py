"""Outbound lots at put-away: totes loaded onto a pallet; a manager closes it (its buyer,
price and manifest)."""

from __future__ import annotations

from pathlib import Path

from app.bench.core import SessionCore
from app.bench.results import LotShown
from app.bench.screen import ERROR, OK, WARN, Screen
from app.errors import ReturnBenchError


class LoadingLots(SessionCore):
    def _load_lot(self, code: str) -> Screen:
        """A lot's code starts loading it; each tote scanned next goes onto it."""
        if self._s.lots is None:
            return self._needs_server("Outbound lots") or Screen(
                ERROR, "Outbound lots are not set up at this station.", "bad")
        try:
            user = self._who()
            if code.startswith("LOT-"):
                view = self._s.lots.lot(code)
                if view.status != "open":
                    return Screen(ERROR, f"{view.words()} It is closed: open a new lot.",
                                  "bad", result=LotShown(view))
                self.loading_lot, self.carrying = view.code, None
                return Screen(OK, f"{view.words()} Scan the totes to put on it; Del when "
                              "done.", "good", result=LotShown(view))
            assert self.loading_lot is not None
            view = self._s.lots.add_tote(self.loading_lot, code, user)
        except ReturnBenchError as exc:
            return Screen(ERROR, f"{self._say(exc)} Still loading lot {self.loading_lot}."
                          if self.loading_lot else self._say(exc), "bad")
        return Screen(OK, f"Tote {code} on lot {view.code}: {view.items} dresses in "
                      f"{len(view.totes)} totes.", "good", result=LotShown(view))

    def open_lot(self, kind: str) -> Screen:
        if self._s.lots is None:
            return self._needs_server("Outbound lots") or Screen(
                ERROR, "Outbound lots are not set up at this station.", "bad")
        try:
            view = self._s.lots.open_lot(kind, self._who())
        except ReturnBenchError as exc:
            return Screen(ERROR, self._say(exc), "bad")
        self.loading_lot, self.carrying = view.code, None
        return Screen(OK, f"{view.words()} Write {view.code} on the pallet's sheet and "
                      "scan the totes to put on it.", "good", result=LotShown(view))

    def close_lot(self, party: str, price: str | None, folder: Path) -> Screen:
        """A manager closes the lot being loaded: its buyer (charity, vendor) and price;
        the manifest PDF and CSV are written to `folder`."""
        if self._s.lots is None or self.loading_lot is None:
            return Screen(WARN, "Scan the lot's code first (LOT-...), then close it.", "bad")
        try:
            manifest = self._s.lots.close_lot(self.loading_lot, party, price, self._who())
        except ReturnBenchError as exc:
            return Screen(ERROR, self._say(exc), "bad")
        self.loading_lot = None
        try:
            pdf, csv_path = self._s.lots.write_documents(manifest, folder)
        except ReturnBenchError as exc:
            return Screen(WARN, f"{manifest.lot.words()} {self._say(exc)}", "bad",
                          result=LotShown(manifest.lot))
        return Screen(OK, f"{manifest.lot.words()} Manifest {pdf.name} and {csv_path.name} "
                      f"are in {folder}.", "good",
                      result=LotShown(manifest.lot, pdf, csv_path))
