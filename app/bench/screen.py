"""What the bench shows after one input: a `Screen` (banner level, sentence, sound, page,
parcel, labels printed) and its JSON for `main.py replay`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from app.domain.enums import PhotoSlot
from app.services.lookup import ReturnView

OK, WARN, ERROR = "ok", "warn", "error"


def slot_words(slot: PhotoSlot) -> str:
    return slot.value.replace("_", " ")


@dataclass(frozen=True)
class Screen:
    """What the screen shows after one input."""

    level: str                         # ok, warn or error: the banner's colour
    message: str                       # the sentence for the bench
    sound: str | None = None           # good, bad or None
    place: str | None = None           # receive or inspect: the page to show; None stays
    view: ReturnView | None = None     # the parcel to show
    printed: tuple[str, ...] = ()      # one line per label: sent, or why not
    data: dict[str, Any] = field(default_factory=dict)  # machine-readable extras

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"level": self.level, "message": self.message}
        if self.sound:
            out["sound"] = self.sound
        if self.place:
            out["place"] = self.place
        if self.view is not None:
            out["rma"] = self.view.rma_number
            out["order"] = self.view.order_number
            out["items"] = [{"unit": it.unit_no, "reception": it.reception_status.value,
                             "decision": it.decision_status.value} for it in self.view.items]
        if self.printed:
            out["printed"] = list(self.printed)
        out.update(self.data)
        return out

