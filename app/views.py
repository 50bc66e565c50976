"""The views services hand to screens and documents: plain frozen records, below both, so
the printing layer renders them without importing a service."""

from __future__ import annotations

import datetime as dt
import statistics
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from app.domain.agreement import Agreement
from app.domain.enums import (
    ApprovalKind,
    ApprovalLevel,
    ApprovalStatus,
    DecisionStatus,
    PhotoSlot,
    Resolution,
)

# How a document carries the audit chain's head ("returnbench audit head SEQ:HASH"):
# written into the authorization log's PDF, read back by `audit verify --anchors`.
HEAD_MARK = "returnbench audit head"

@dataclass(frozen=True)
class PhotoView:
    id: int
    sha256: str
    slot: PhotoSlot
    width: int
    height: int
    focus: float | None
    override: bool
    path: Path
    thumbnail: Path
    reused_on: tuple[str, ...]  # other customers' RMAs with a near-identical photo


@dataclass(frozen=True)
class ClaimView:
    decision_id: int
    rma_number: str
    unit_no: int
    customer: str
    sku: str
    reason: str
    severity: str
    cause: str | None
    resolution: Resolution
    amount: Decimal
    due_on: dt.date | None
    hours_left: float | None
    carrier: str | None
    tracking: str | None
    carrier_claim_id: int | None
    status: DecisionStatus
    photos: tuple[PhotoView, ...]
    reuse_acknowledged: bool = False  # the desk said why a reused photo is acceptable

    @property
    def reused(self) -> tuple[str, ...]:
        return tuple(sorted({r for p in self.photos for r in p.reused_on}))


@dataclass(frozen=True)
class ApprovalView:
    id: int
    rma_number: str
    order_number: str
    customer_name: str
    kind: ApprovalKind
    level: ApprovalLevel
    amount: Decimal
    reason: str
    requested_outcome: str | None
    unit_no: int | None
    requested_by: str
    requested_at: dt.datetime
    station: str
    sla_due_at: dt.datetime
    age_minutes: int
    overdue: bool
    status: ApprovalStatus
    answered_by: str | None
    answered_at: dt.datetime | None
    note: str | None
    trace: tuple[tuple[str, str], ...]
    policy: str | None
    photos: int


@dataclass(frozen=True)
class StyleRate:
    style: str
    sold: int
    returned: int

    @property
    def rate(self) -> float:
        return self.returned / self.sold if self.sold else 0.0


@dataclass(frozen=True)
class Throughput:
    inspector: str
    units: int
    active_hours: float

    @property
    def per_hour(self) -> float:
        return self.units / self.active_hours if self.active_hours else 0.0


@dataclass(frozen=True)
class Kpis:
    start: dt.date
    end: dt.date
    today: dt.date
    tz: str
    by_reason: dict[str, int]
    grades: dict[str, int]
    inspected: int
    damaged: int
    styles: tuple[StyleRate, ...]
    backlog: dict[str, int]
    refunds_due: int
    refunds_due_amount: Decimal
    refunds_overdue: int
    refunds_overdue_amount: Decimal
    throughput: tuple[Throughput, ...]
    requests: dict[str, int]  # kind -> count
    exceptions: dict[str, int]  # status -> count (policy exceptions)
    turnaround_minutes: tuple[float, ...]  # answered requests, in request order
    # Parcels that came with no return, received in the range: by where each stands now
    # (held, linked, sent_back).
    unexpected: dict[str, int] = field(default_factory=dict)

    @property
    def damage_rate(self) -> float:
        return self.damaged / self.inspected if self.inspected else 0.0

    @property
    def turnaround_median(self) -> float | None:
        return statistics.median(self.turnaround_minutes) if self.turnaround_minutes \
            else None

    @property
    def turnaround_p90(self) -> float | None:
        if not self.turnaround_minutes:
            return None
        ordered = sorted(self.turnaround_minutes)
        return ordered[min(len(ordered) - 1, int(0.9 * len(ordered)))]


@dataclass(frozen=True)
class ItemLine:
    """One dress after the bench, as manifests and reports list it."""

    item_id: int
    plate: str
    rma: str
    unit_no: int
    tote: str | None
    location: str | None
    location_kind: str | None
    sku: str
    description: str
    size: str
    grade: str
    disposition: str
    brand: str
    msrp: Decimal
    cost: Decimal | None
    refunded: Decimal  # refund and credit given for it
    restocked_at: dt.datetime | None
    moved_at: dt.datetime | None  # its last move


# Outbound lots: what each kind is called, and who takes the goods.
# Which tote dispositions each kind of lot takes.
KIND_WORDS = {"liquidation": "liquidation", "donation": "donation",
              "rtv": "return to vendor"}
PARTY_WORDS = {"liquidation": "buyer", "donation": "charity", "rtv": "vendor"}


@dataclass(frozen=True)
class LotView:
    code: str
    kind: str
    status: str
    party: str | None
    price: Decimal | None
    totes: tuple[str, ...]
    items: int
    created_at: dt.datetime
    closed_at: dt.datetime | None
    closed_by: str | None

    def words(self) -> str:
        party = f", {PARTY_WORDS[self.kind]} {self.party}" if self.party else ""
        return (f"Lot {self.code} ({KIND_WORDS[self.kind]}, {self.status}): "
                f"{len(self.totes)} tote{'s' if len(self.totes) != 1 else ''}, {self.items} "
                f"dress{'es' if self.items != 1 else ''}{party}.")


@dataclass(frozen=True)
class LotLine:
    item: ItemLine
    fair_value: Decimal  # the outlet price: MSRP x the brand's outlet percent


@dataclass(frozen=True)
class LotManifest:
    lot: LotView
    lines: tuple[LotLine, ...]
    donor: str
    msrp_total: Decimal
    cost_total: Decimal
    costed: int  # lines with a catalogue cost
    fair_value_total: Decimal
    refunded_total: Decimal


@dataclass(frozen=True)
class LocationDwell:
    code: str
    kind: str
    dresses: int
    median_days: float
    max_days: float


@dataclass(frozen=True)
class Stale:
    plate: str
    rma: str
    place: str
    days: float
    disposition: str


@dataclass(frozen=True)
class Recovery:
    disposition: str
    dresses: int
    recovered: Decimal  # resale, outlet or lot price brought back (expected where noted)
    refunded: Decimal   # refund and credit given for the same dresses
    pending: int        # dresses whose value is not realised yet (not on a shelf, lot open)

    @property
    def ratio(self) -> float | None:
        return float(self.recovered / self.refunded) if self.refunded else None


@dataclass(frozen=True)
class AfterBench:
    """Where decided dresses are and what they bring back: dwell per location, what has
    not moved in `stale_days`, recovery value by disposition, what is due back from prep."""

    as_of: dt.datetime
    stale_days: int
    dwell: tuple[LocationDwell, ...]
    stale: tuple[Stale, ...]
    recovery: tuple[Recovery, ...]
    due_back: tuple[tuple[str, str, dt.date], ...]  # plate, location, expected back


@dataclass(frozen=True)
class Disagreement:
    """One re-grade that differed from the first grade (for the weekly review)."""

    rma: str
    unit_no: int
    inspector: str
    regraded_by: str
    first_grade: str
    second_grade: str
    outcome_after: str
    money_delta: Decimal
    effect: str  # superseded, waiting for an approval, or none (same outcome)
    at: dt.datetime


@dataclass(frozen=True)
class QaReview:
    """Grading agreement over a period: overall and per inspector (agreement with its
    interval, quadratic kappa with its interval, X apart, the confusion matrix), the
    money the disagreements moved, agreement by week, the disagreements themselves,
    what still waits, and the calibration rounds finished in the period."""

    start: dt.date
    end: dt.date  # exclusive
    overall: Agreement
    inspectors: dict[str, Agreement]
    money_moved: Decimal
    weeks: tuple[tuple[dt.date, Agreement], ...]  # Monday of each week
    disagreements: tuple[Disagreement, ...]
    waiting: int
    overdue: int
    calibration: tuple[tuple[str, dt.datetime, Agreement], ...]  # who, when, score
