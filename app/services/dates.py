"""Dates that cannot be, at the bench: the parcel is here, so it is never refused; its
units are held for a supervisor with the reason instead of being decided on them."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from app.domain.enums import ApprovalLevel, Disposition, Resolution
from app.policy.calendar import add_business_days, local_date
from app.policy.engine import Decision, Due, ItemDecision, TraceStep
from app.policy.rules import Policy


def date_problem(case: dict[str, Any], policy: Policy) -> str | None:
    """The first impossible date in a case, as a sentence for the supervisor, judged
    against the case's own receipt (the same case always gives the same answer)."""
    try:
        received = dt.datetime.fromisoformat(case["received"])
        delivered = dt.date.fromisoformat(case["order"]["delivered"])
        shipped_raw = (case.get("rma") or {}).get("shipped_by_customer")
        shipped = dt.date.fromisoformat(shipped_raw) if shipped_raw else None
        inspected_raw = case.get("inspected")
        inspected = dt.datetime.fromisoformat(inspected_raw) if inspected_raw else received
    except (KeyError, TypeError, ValueError):
        return None  # malformed: the case parser names the field
    day = local_date(received, policy.timezone)
    if delivered > day:
        return (f"delivery date on file ({delivered}) is after this receipt ({day}): check "
                "the order's delivery date")
    if shipped is not None and shipped < delivered:
        return (f"customer ship date on file ({shipped}) is before the delivery "
                f"({delivered}): check the return's ship date")
    if shipped is not None and shipped > day:
        return (f"customer ship date on file ({shipped}) is after this receipt ({day}): "
                "check the return's ship date")
    if inspected < received:
        return "the inspection is dated before the parcel's receipt: check the bench clock"
    return None


def held_for_dates(case: dict[str, Any], policy: Policy, problem: str) -> Decision:
    """Every unit of the case on hold for a supervisor, with the reason in the trace."""
    received = dt.datetime.fromisoformat(case["received"])
    zero = Decimal("0.00")
    items = tuple(ItemDecision(sku=str(it.get("sku", "")), resolution=Resolution.HOLD,
                               refund=zero, restocking_fee=zero, credit=zero,
                               disposition=Disposition.HOLD,
                               approval=ApprovalLevel.SUPERVISOR, is_claim=False,
                               carrier_claim=False)
                  for it in case["items"])
    due = Due(inspection=add_business_days(local_date(received, policy.timezone),
                                           policy.inspection_business_days,
                                           policy.holidays),
              refund=None, exchange_ship=None, claim_resolution=None)
    reason = f"Held for a supervisor: {problem}."
    return Decision(items=items, refund_total=zero, credit_total=zero,
                    approval=ApprovalLevel.SUPERVISOR, approval_reason=reason,
                    carrier_claim=False, due=due, policy_id=policy.id,
                    policy_version=policy.version, policy_sha256=policy.sha256,
                    trace=(TraceStep("impossible_dates", reason),))
