"""A decision as the bench shows it (per unit outcome, totals, the answer each unit waits
for, dates, trace), what an offline replay compares, and the labels to print now."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from app.domain.enums import ApprovalLevel, DecisionStatus, Resolution
from app.policy.contract import decision_to_json
from app.policy.engine import Decision as PolicyDecision
from app.printing.bins import place_for
from app.services.labels_plan import labels_for
from app.services.rma_money import unit_waits
from models import Decision


@dataclass(frozen=True)
class UnitOutcome:
    unit_no: int
    sku: str
    resolution: Resolution
    refund: Decimal
    restocking_fee: Decimal
    credit: Decimal
    disposition: str
    size_to: str | None = None  # the size an exchange or replacement ships in
    place: str | None = None  # the bin on the floor (the bin map), e.g. R-A-03
    # The answer this unit waits for (its own hold, or the RMA's $250 test); the other
    # units of the same Enter do not wait.
    waits: ApprovalLevel | None = None


@dataclass(frozen=True)
class DecisionView:
    """A decision ready to show: per unit outcome, totals, approval, dates and the trace."""

    rma_number: str
    units: tuple[UnitOutcome, ...]
    refund_total: Decimal
    credit_total: Decimal
    approval: ApprovalLevel | None
    approval_reason: str | None
    carrier_claim: bool
    due: dict[str, dt.date | None]
    trace: tuple[tuple[str, str], ...]
    policy_id: str
    policy_version: str
    policy_sha256: str
    contract: dict[str, Any]


@dataclass(frozen=True)
class AcceptedDecision:
    view: DecisionView
    decision_ids: tuple[int, ...]
    approval_ids: tuple[int, ...]
    # What to print now, by the lifecycle: (unit, label kind). A unit waiting for an
    # answer gets the hold-shelf tag; its final label prints when it is answered.
    labels: tuple[tuple[int, str], ...] = ()
    # Units set aside for a blind QA re-grade: their label says QA, they go to the QA
    # rack, and their money waits for the re-grade.
    qa_units: tuple[int, ...] = ()


def outcome_of(view: DecisionView) -> dict[str, Any]:
    """What a decision settled, in the terms an offline replay compares: the policy
    version and each unit's outcome and money (JSON-safe)."""
    return {"policy": f"{view.policy_id} {view.policy_version}",
            "units": {str(u.unit_no): {"resolution": u.resolution.value,
                                       "refund": str(u.refund), "credit": str(u.credit)}
                      for u in view.units}}


def differences(bench: Mapping[str, Any], server: Mapping[str, Any]) -> str:
    """The sentence for a replay the server decides otherwise."""
    out = []
    if bench.get("policy") != server.get("policy"):
        out.append(f"the policy moved from {bench.get('policy')} to {server.get('policy')}")
    for unit, mine in sorted(bench.get("units", {}).items()):
        theirs = server.get("units", {}).get(unit)
        if theirs is None:
            out.append(f"item {unit} is no longer to be decided")
        elif theirs != mine:
            out.append(f"item {unit}: {mine['resolution'].replace('_', ' ')} "
                       f"{mine['refund']}/{mine['credit']} at the bench, now "
                       f"{theirs['resolution'].replace('_', ' ')} "
                       f"{theirs['refund']}/{theirs['credit']}")
    return ("The server decides otherwise now: " + "; ".join(out or ["the items differ"])
            + ".")


def hold_reason(row: Decision, decision: PolicyDecision) -> str:
    """Why one unit is held: its own steps of the trace (the engine prefixes each with
    "item N (SKU)" when a case has several units), else the decision's reason."""
    unit_no = row.item.unit_no
    units = [it["unit_no"] for it in row.case.get("items", ())]
    index = units.index(unit_no) if unit_no in units else 0
    # The engine names a unit by its unit number (cases stored before it did: by place).
    prefixes = (f"item {unit_no} (", f"item {index + 1} (")
    if any(t.rule == "impossible_dates" for t in decision.trace):
        return f"Item {unit_no}: {decision.approval_reason}"
    mine = [t.reason for t in decision.trace
            if t.rule in ("grade_x_mismatch", "exchange_out_of_stock")
            and (len(units) == 1 or t.reason.startswith(prefixes))]
    why = mine[-1].split("): ", 1)[-1] if mine and len(units) > 1 else \
        mine[-1] if mine else (decision.approval_reason or "on hold")
    return f"Item {unit_no}: {why}"


def unit_case(case: dict[str, Any], unit_no: int) -> dict[str, Any]:
    """The case as stored with one unit's decision: the whole return's case (so it can be
    decided again as it was), marked with the unit."""
    return {**case, "unit_no": unit_no}


def labels_now(view: DecisionView, statuses: Mapping[int, DecisionStatus],
            qa_units: Sequence[int] = ()) -> tuple[tuple[int, str], ...]:
    out: list[tuple[int, str]] = []
    for u in view.units:
        out += [(u.unit_no, k) for k in labels_for(statuses.get(u.unit_no), u.resolution,
                                                   u.size_to, u.unit_no in qa_units)]
    return tuple(out)


def decision_view(rma_number: str, units: tuple[int, ...], d: PolicyDecision,
          case: dict[str, Any]) -> DecisionView:
    sizes = [it.get("exchange_size") for it in case["items"]]
    return DecisionView(
        rma_number=rma_number,
        units=tuple(UnitOutcome(u, o.sku, o.resolution, o.refund, o.restocking_fee, o.credit,
                                o.disposition.value, size,
                                place_for(str(case.get("policy", "")), o.disposition.value),
                                unit_waits(d, i))
                    for i, (u, o, size) in enumerate(zip(units, d.items, sizes,
                                                         strict=True))),
        refund_total=d.refund_total, credit_total=d.credit_total, approval=d.approval,
        approval_reason=d.approval_reason, carrier_claim=d.carrier_claim,
        due={"inspection": d.due.inspection, "refund": d.due.refund,
             "exchange_ship": d.due.exchange_ship, "claim_resolution": d.due.claim_resolution},
        trace=tuple((t.rule, t.reason) for t in d.trace),
        policy_id=d.policy_id, policy_version=d.policy_version,
        policy_sha256=d.policy_sha256, contract=decision_to_json(d))
