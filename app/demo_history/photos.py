"""Photos at the bench: each one unlike the others, its damage mark remembered for the
claims desk."""

from __future__ import annotations

from typing import Any

from app.camera.photostore import dhash, hamming, image_from_array
from app.demo_history.core import HistoryFailed, _Bench, _Core, _Parcel, _Unit
from app.demo_photos import Mark, claim_photo
from app.domain.enums import PhotoSlot
from app.services.inspection import REUSE_BITS, required_slots


class _Photos(_Core):
    """The photos a graded dress needs, drawn unlike any taken before."""

    def _photos(self, parcel: _Parcel, unit: _Unit, bench: _Bench) -> None:
        form = bench.session.forms.get(unit.unit_no)
        if form is None:
            return
        kind = "stain" if (form.notes or "").startswith("Stain") else "tear"
        for slot in required_slots(unit.reason, form):
            image, mark = self._distinct_photo(slot, unit.colour, kind, parcel.number)
            screen = self._expect(bench.session.add_photo(unit.unit_no, image, slot),
                                  f"Photo of {parcel.number}")
            if screen.data.get("rejected"):
                raise HistoryFailed(f"Photo of {parcel.number} refused: {screen.message}")
            self.summary.photos += 1
            if mark is not None and slot is PhotoSlot.DAMAGE_CLOSEUP:
                self.marks[(parcel.number, unit.unit_no)] = mark

    def _distinct_photo(self, slot: PhotoSlot, colour: str, kind: str, rma_number: str
                        ) -> tuple[Any, Mark | None]:
        """A picture unlike every other one taken so far: different dresses and boxes
        never look alike to the claims desk's reuse check."""
        for _ in range(50):
            image, mark = claim_photo(self.rng, slot, colour, kind, rma_number)
            digest = dhash(image_from_array(image))
            if all(hamming(digest, seen) > 2 * REUSE_BITS for seen in self.hashes):
                self.hashes.append(digest)
                return image, mark
        raise HistoryFailed("Could not draw a photo unlike the others.")
