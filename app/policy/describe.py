"""A policy in plain words for the Settings policy view; assumed values are marked."""

from __future__ import annotations

from dataclasses import dataclass

from app.domain.money import format_money
from app.policy.rules import Policy


@dataclass(frozen=True)
class PolicyLine:
    section: str
    text: str
    assumed: bool


def describe(p: Policy) -> list[PolicyLine]:
    def line(section: str, text: str, *keys: str) -> PolicyLine:
        return PolicyLine(section, text, any(k in p.assumed for k in keys))

    tiers = ", ".join(sorted(t.value for t in p.store_credit_tiers))
    rc = p.repair_credit
    lines = [
        line("Refunds", f"Unworn, unaltered dresses (grade A or B) are refunded within "
             f"{p.refund_window_days} days of delivery, counted to the customer's ship date "
             "when known, else to the day we receive it; the last day counts.",
             "refund.window_days"),
        line("Refunds", f"Restocking fee on clearance items: "
             f"{format_money(p.restocking_fee_clearance)} (never more than the price paid); "
             f"on other items: {format_money(p.restocking_fee_regular)}.",
             "refund.restocking_fee_clearance", "refund.restocking_fee_regular"),
        line("Refunds", f"A refund is due {p.refund_due_business_days} business days after "
             f"inspection (target {p.refund_target_business_days}).",
             "refund.due_business_days"),
        line("Exchanges", f"A size exchange is free within {p.exchange_window_days} days of "
             f"delivery for grade A or B, and ships within {p.exchange_ship_hours} hours of "
             "receipt. Out of stock: refunded if the refund window holds, else held for a "
             "supervisor.", "exchange.window_days"),
        line("Damage claims", f"A damage claim needs at least {p.claim_min_photos} photos "
             f"before any decision, within {p.claim_window_days} days of delivery, resolved "
             f"within {p.claim_resolution_hours} hours of receipt. No restocking fee; "
             "outbound shipping refunded once per return.", "claim.window_days",
             "claim.min_photos"),
        line("Damage claims", "Repair credit by severity: " + ", ".join(
            f"{sev.value} {format_money(amount)}" for sev, amount in rc.items()) + ".",
             "claim.repair_credit_minor"),
        line("Approvals", f"Refunds over {format_money(p.refund_threshold)} for one return "
             "need an operations manager. Exceptions need a written reason: a supervisor "
             f"approves up to {format_money(p.supervisor_limit)}, a manager above. Nobody "
             "approves their own request.", "approval.refund_threshold"),
        line("Timelines", f"Inspection within {p.inspection_business_days} business days of "
             f"receipt; an escalation reaches a supervisor within {p.escalation_hours} hours. "
             "Business days are Monday to Friday without the holidays below.",
             "sla.inspection_business_days"),
        line("Alteration credit", f"Orders over {format_money(p.alteration_min_subtotal)} may "
             f"be offered a {format_money(p.alteration_amount)} alteration credit instead of "
             "an exchange (an offer by staff, never automatic).",
             "alteration_credit.amount"),
        line("Calendar", f"Time zone {p.timezone.key}; holidays: " + ", ".join(
            d.isoformat() for d in sorted(p.holidays)) + ".", "policy.holidays",
             "policy.timezone"),
    ]
    if tiers:
        lines.insert(3, line("Refunds", f"Customers on the {tiers} plans get store credit "
                             "for the refund amount, issued at decision time.",
                             "refund.store_credit_tiers"))
    for key, hours in sorted(p.extra_sla_hours.items()):
        lines.append(line("Timelines", f"{key.replace('_', ' ')}: {hours} hours.", f"sla.{key}"))
    return lines
