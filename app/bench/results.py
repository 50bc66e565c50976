"""What one input at the bench did, typed per kind: a `Screen` carries one of these as
its `result`, the widgets read its fields, and its `as_data` is the JSON replay prints."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from app.bench.screen import Result
from app.services.calibration import RoundScore
from app.services.putaway import Moved, Whereabouts
from app.views import ApprovalView, LotView, PhotoView


# --- the parcel and its items ---------------------------------------------------------
@dataclass(frozen=True)
class ParcelScanned(Result):
    """A parcel code scanned: its return found (and `received` now or before), or not."""

    found: bool
    received: bool | None = None
    box: tuple[str, ...] = ()  # every return in the box, when it held several

    def as_data(self) -> dict[str, Any]:
        data: dict[str, Any] = {"found": self.found}
        if self.received is not None:
            data["received"] = self.received
        if self.box:
            data["box"] = list(self.box)
        return data


@dataclass(frozen=True)
class UnexpectedReceived(Result):
    """A parcel with no return received as an unexpected return, held for a supervisor."""

    number: str  # "U-000042": written on the parcel on the hold shelf
    id: int
    order: str | None  # the order its customer was found by, if any

    def as_data(self) -> dict[str, Any]:
        return {"unexpected": self.number, "unexpected_id": self.id,
                "found_order": self.order}


@dataclass(frozen=True)
class UnexpectedAnswered(Result):
    """A supervisor linked an unexpected return to an order (`rma`: the return it became)
    or sent it back."""

    number: str
    status: str  # linked or sent_back
    rma: str | None

    def as_data(self) -> dict[str, Any]:
        return {"unexpected": self.number, "status": self.status, "rma": self.rma}


@dataclass(frozen=True)
class Opened(Result):
    """A parcel opened on Inspect: how many forms came back from drafts."""

    restored: int

    def as_data(self) -> dict[str, Any]:
        return {"restored": self.restored}


@dataclass(frozen=True)
class Previewed(Result):
    """The policy's decision now for the graded units, not stored: resolution by unit."""

    resolutions: dict[int, str]

    def as_data(self) -> dict[str, Any]:
        return {"preview": dict(self.resolutions)}


@dataclass(frozen=True)
class TagScanned(Result):
    """The dress's SKU tag answered "matches the order" for `unit` (with the preview the
    answer gave, if any)."""

    unit: int
    matches: bool
    preview: Result | None = None

    def as_data(self) -> dict[str, Any]:
        before = self.preview.as_data() if self.preview is not None else {}
        return {**before, "tag": self.unit, "matches": self.matches}


# --- Enter and exceptions -------------------------------------------------------------
@dataclass(frozen=True)
class NotSaved(Result):
    """Enter stored nothing: what is missing, which photos a claim waits for, or the
    server is needed (offline)."""

    missing: tuple[str, ...] = ()
    photos_needed: tuple[str, ...] = ()
    needs_server: bool = False

    def as_data(self) -> dict[str, Any]:
        out: dict[str, Any] = {"saved": False}
        if self.needs_server:
            out["needs_server"] = True
        if self.missing:
            out["missing"] = list(self.missing)
        if self.photos_needed:
            out["photos_needed"] = list(self.photos_needed)
        return out


@dataclass(frozen=True)
class EditRefused(Result):
    """A change to a unit's form that was not kept (the unit cannot be graded, or the
    service refused the draft): the form is what is stored."""

    unit: int

    def as_data(self) -> dict[str, Any]:
        return {"saved": False, "refused": self.unit}


@dataclass(frozen=True)
class Accepted(Result):
    """Enter stored the decisions: their ids, the resolution by unit, the units waiting
    for an answer (and the requests), the QA samples, the totes to scan next."""

    decisions: tuple[int, ...]
    totes_due: tuple[str, ...]
    approvals: tuple[int, ...]
    units: dict[int, str]
    waiting: tuple[int, ...]
    qa: tuple[int, ...]
    all_done: bool
    offline: bool = False

    def as_data(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "saved": True, "decisions": list(self.decisions), "totes_due": list(self.totes_due),
            "approvals": list(self.approvals), "units": dict(self.units),
            "waiting": list(self.waiting), "qa": list(self.qa), "all_done": self.all_done}
        if self.offline:
            out["offline"] = True
        return out


@dataclass(frozen=True)
class ExceptionAsked(Result):
    """An exception request sent for approval: its number and priced amount."""

    approval: int
    amount: Decimal
    all_done: bool

    def as_data(self) -> dict[str, Any]:
        return {"approval": self.approval, "amount": str(self.amount),
                "all_done": self.all_done}


@dataclass(frozen=True)
class Answered(Result):
    """A request answered at this bench (a supervisor's or manager's PIN)."""

    approval: ApprovalView

    def as_data(self) -> dict[str, Any]:
        return {"approval": self.approval.id, "status": self.approval.status.value}


@dataclass(frozen=True)
class AnswersArrived(Result):
    """Answers given (anywhere) to this bench's requests since the last look."""

    ids: tuple[int, ...]

    def as_data(self) -> dict[str, Any]:
        return {"answers": list(self.ids)}


# --- photos ---------------------------------------------------------------------------
@dataclass(frozen=True)
class PhotoKept(Result):
    photo: PhotoView

    def as_data(self) -> dict[str, Any]:
        return {"photo": self.photo}


@dataclass(frozen=True)
class PhotoRefused(Result):
    """The quality gate refused the photo (Ctrl+K keeps it anyway)."""

    def as_data(self) -> dict[str, Any]:
        return {"rejected": True}


@dataclass(frozen=True)
class PhotoWaiting(Result):
    """The database away: the photo is kept on the bench, `waiting` in all."""

    waiting: int

    def as_data(self) -> dict[str, Any]:
        return {"pending": self.waiting}


# --- the server away and back ---------------------------------------------------------
@dataclass(frozen=True)
class NeedsTheServer(Result):
    """Offline, and what was asked needs the server."""

    def as_data(self) -> dict[str, Any]:
        return {"needs_server": True}


@dataclass(frozen=True)
class Synced(Result):
    """Back online: the journal replayed (`applied` actions, `conflicts` to settle)."""

    applied: int
    conflicts: int

    def as_data(self) -> dict[str, Any]:
        return {"synced": self.applied, "conflicts": self.conflicts}


# --- totes, put-away, lots ------------------------------------------------------------
@dataclass(frozen=True)
class ToteScanned(Result):
    """A tote's plate scanned at the bench: the waiting dress went in (`placed`), or not
    (`wrong` tote, or nothing waited); `closed` when it filled (or Ctrl+T)."""

    tote: str
    placed: tuple[str, int] | None = None
    closed: bool | None = None
    wrong: bool = False

    def as_data(self) -> dict[str, Any]:
        out: dict[str, Any] = {"tote": self.tote}
        if self.wrong:
            out["wrong"] = True
        if self.placed is not None:
            out["placed"] = list(self.placed)
        if self.closed is not None:
            out["closed"] = self.closed
        return out


@dataclass(frozen=True)
class TotesMade(Result):
    codes: tuple[str, ...]

    def as_data(self) -> dict[str, Any]:
        return {"totes": list(self.codes)}


@dataclass(frozen=True)
class WhereShown(Result):
    """At put-away: what a scanned code holds or is (nothing picked up)."""

    where: Whereabouts

    def as_data(self) -> dict[str, Any]:
        return {"where": self.where}


@dataclass(frozen=True)
class PickedUp(Result):
    """At put-away: a tote or dress picked up, and the shelves it may go to."""

    where: Whereabouts
    goes_to: tuple[str, ...]
    carrying: str

    def as_data(self) -> dict[str, Any]:
        return {"where": self.where, "goes_to": list(self.goes_to),
                "carrying": self.carrying}


@dataclass(frozen=True)
class StillCarrying(Result):
    """At put-away: the move was refused; what is still picked up (None: nothing)."""

    carrying: str | None

    def as_data(self) -> dict[str, Any]:
        return {"carrying": self.carrying}


@dataclass(frozen=True)
class MovedThere(Result):
    """At put-away: the tote or dress is on its shelf now (`where`: as it stands)."""

    moved: Moved
    where: Whereabouts | None

    def as_data(self) -> dict[str, Any]:
        return {"moved": self.moved, "carrying": None, "where": self.where}


@dataclass(frozen=True)
class LotShown(Result):
    """An outbound lot opened, loaded or closed (with its manifest files when closed)."""

    lot: LotView
    manifest: Path | None = None
    csv: Path | None = None

    def as_data(self) -> dict[str, Any]:
        out: dict[str, Any] = {"lot": self.lot}
        if self.manifest is not None:
            out["manifest"] = self.manifest
        if self.csv is not None:
            out["csv"] = self.csv
        return out


# --- the QA desk ----------------------------------------------------------------------
@dataclass(frozen=True)
class SamplePicked(Result):
    sample_id: int

    def as_data(self) -> dict[str, Any]:
        return {"sample": self.sample_id}


@dataclass(frozen=True)
class ReferenceOffered(Result):
    """A manager's scanned dress, not sampled: it may join the calibration set."""

    plate: str

    def as_data(self) -> dict[str, Any]:
        return {"reference": self.plate}


@dataclass(frozen=True)
class GradeChosen(Result):
    grade: str

    def as_data(self) -> dict[str, Any]:
        return {"chosen": self.grade}


@dataclass(frozen=True)
class Regraded(Result):
    sample_id: int
    effect: str

    def as_data(self) -> dict[str, Any]:
        return {"regraded": self.sample_id, "effect": self.effect}


@dataclass(frozen=True)
class ReferenceKept(Result):
    reference_id: int

    def as_data(self) -> dict[str, Any]:
        return {"kept": self.reference_id}


@dataclass(frozen=True)
class CardShown(Result):
    """A calibration round's next reference dress to grade."""

    item_id: int

    def as_data(self) -> dict[str, Any]:
        return {"card": self.item_id}


@dataclass(frozen=True)
class RoundDone(Result):
    score: RoundScore

    def as_data(self) -> dict[str, Any]:
        return {"score": self.score}
