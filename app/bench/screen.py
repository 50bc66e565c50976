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


class Result:
    """What an input did, typed per kind (app/bench/results.py): the page reads its
    fields; `as_data` is its machine-readable form (replay's JSON, `Screen.data`)."""

    def as_data(self) -> dict[str, Any]:
        raise NotImplementedError


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
    result: Result | None = None       # what the input did, typed (its fields join `data`)

    def __post_init__(self) -> None:
        if self.result is not None:
            object.__setattr__(self, "data", {**self.data, **self.result.as_data()})

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

