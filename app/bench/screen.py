"""What the bench shows after one input: a `Screen` (banner level, sentence, sound, page,
parcel, labels printed) and its JSON for `main.py replay`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from app.domain.enums import PhotoSlot
from app.errors import Conflict, user_message
from app.services.lookup import ReturnView

OK, WARN, ERROR = "ok", "warn", "error"


def refusal(exc: BaseException) -> tuple[str, str]:
    """The one way an exception becomes what a screen shows: (level, sentence), amber
    for what waits on someone else (another bench, an answer), red for the rest. The
    bench's steps and the widgets' banner (ui/banner.py `describe`) both use it."""
    return (WARN if isinstance(exc, Conflict) else ERROR), user_message(exc)


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
    result: Result | None = None       # what the input did, typed (app/bench/results.py)

    @property
    def data(self) -> dict[str, Any]:
        """The result's machine-readable form (replay's JSON; scripts and tests read it)."""
        return self.result.as_data() if self.result is not None else {}

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

