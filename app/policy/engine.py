"""`decide(case, policy)`: the resolution, money, disposition, approval, due dates and the
trace of every rule that fired, for one RMA. Pure: same inputs, same decision."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from app.domain.enums import (
    ApprovalLevel,
    DamageCause,
    DamageSeverity,
    Disposition,
    Grade,
    RequestedResolution,
    Resolution,
    ReturnReason,
)
from app.domain.money import ZERO, format_money
from app.policy.calendar import add_business_days, hours_later_local_date, local_date
from app.policy.case import Case, CaseItem
from app.policy.rules import Policy

GRADE_DISPOSITION = {
    Grade.A: Disposition.RESTOCK,
    Grade.B: Disposition.PREP_AND_RESTOCK,
    Grade.C: Disposition.REFURBISH,
    Grade.D: Disposition.LIQUIDATE,
    Grade.X: Disposition.HOLD,
}
CLAIM_REASONS = (ReturnReason.QUALITY_DEFECT, ReturnReason.SHIPPING_DAMAGE)


@dataclass(frozen=True)
class TraceStep:
    rule: str
    reason: str


@dataclass(frozen=True)
class ItemDecision:
    sku: str
    resolution: Resolution
    refund: Decimal
    restocking_fee: Decimal
    credit: Decimal
    disposition: Disposition
    approval: ApprovalLevel | None
    is_claim: bool
    carrier_claim: bool


@dataclass(frozen=True)
class Due:
    inspection: dt.date
    refund: dt.date | None
    exchange_ship: dt.date | None
    claim_resolution: dt.date | None


@dataclass(frozen=True)
class Decision:
    items: tuple[ItemDecision, ...]
    refund_total: Decimal
    credit_total: Decimal
    approval: ApprovalLevel | None
    approval_reason: str | None
    carrier_claim: bool
    due: Due
    policy_id: str
    policy_version: str
    policy_sha256: str
    trace: tuple[TraceStep, ...]


@dataclass
class _Ctx:
    case: Case
    policy: Policy
    days: int
    measured_to: str
    shipping_refunded: bool = False
    trace: list[TraceStep] = field(default_factory=list)

    def note(self, item: CaseItem, index: int, rule: str, reason: str) -> None:
        prefix = f"item {item.unit_no or index + 1} ({item.sku}): " \
            if len(self.case.items) > 1 else ""
        self.trace.append(TraceStep(rule, prefix + reason))


def decide(case: Case, policy: Policy) -> Decision:
    received_local = local_date(case.received, policy.timezone)
    end = case.shipped_by_customer or received_local
    ctx = _Ctx(case, policy, (end - case.delivered).days,
               "shipped" if case.shipped_by_customer else "received",
               shipping_refunded=case.shipping_refunded_before)
    items = tuple(_decide_item(ctx, i, item) for i, item in enumerate(case.items))

    refund_total = sum((d.refund for d in items), ZERO)
    credit_total = sum((d.credit for d in items), ZERO)
    counted = refund_total + sum(
        (d.credit for d in items if d.resolution is Resolution.STORE_CREDIT), ZERO)
    approval, approval_reason = _approval(ctx, items, counted, case.decided_before)
    due = _due_dates(case, policy, items)
    return Decision(
        items=items, refund_total=refund_total, credit_total=credit_total,
        approval=approval, approval_reason=approval_reason,
        carrier_claim=any(d.carrier_claim for d in items), due=due,
        policy_id=policy.id, policy_version=policy.version, policy_sha256=policy.sha256,
        trace=tuple(ctx.trace))


def _is_claim(item: CaseItem) -> bool:
    ins = item.inspection
    if ins.damage_severity is DamageSeverity.NONE:
        return False
    if ins.damage_cause in (DamageCause.SHIPPING, DamageCause.MANUFACTURING):
        return True
    return item.reason in CLAIM_REASONS and ins.damage_cause is not DamageCause.CUSTOMER


def _decide_item(ctx: _Ctx, i: int, item: CaseItem) -> ItemDecision:
    ins = item.inspection
    p = ctx.policy
    if ins.grade is Grade.X or not ins.matches_order:
        why = "grade X (not our item, wrong item or empty)" if ins.grade is Grade.X \
            else "item does not match the order line"
        ctx.note(item, i, "grade_x_mismatch", f"{why}: no refund, hold for investigation "
                 "with supervisor approval")
        return _item(item, Resolution.HOLD, disposition=Disposition.HOLD,
                     approval=ApprovalLevel.SUPERVISOR)

    wrong_item = item.reason is ReturnReason.WRONG_ITEM_SENT
    damaged = _is_claim(item)
    if damaged or wrong_item:
        label = f"{ins.damage_severity.value} damage, cause {(ins.damage_cause or 'unknown')}" \
            if damaged else "wrong item sent"
        if damaged and wrong_item:
            label = f"wrong item sent, found with {label}"
        # A wrong item found damaged is a damage claim (clarifications 2 and 8): its
        # photos first, and a carrier claim when the cause is shipping.
        if damaged and ins.photos < p.claim_min_photos:
            ctx.note(item, i, "claim_photos", f"damage claim ({label}) needs "
                     f"{p.claim_min_photos} photos, {ins.photos} on file: take "
                     f"{p.claim_min_photos - ins.photos} more before deciding")
            return _item(item, Resolution.PHOTOS_REQUIRED, disposition=Disposition.HOLD,
                         is_claim=True)
        if ctx.days <= p.claim_window_days:
            ctx.note(item, i, "claim_window", f"{ctx.measured_to} {ctx.days} days after "
                     f"delivery (claim limit {p.claim_window_days}): {label} is a claim")
            return _claim(ctx, i, item, damaged)
        ctx.note(item, i, "claim_window", f"{ctx.measured_to} {ctx.days} days after delivery, "
                 f"past the {p.claim_window_days}-day claim window: decided as an ordinary "
                 "return")
    elif ins.damage_severity is not DamageSeverity.NONE \
            and ins.damage_cause is DamageCause.CUSTOMER:
        ctx.note(item, i, "customer_damage", "damage caused by the customer is not a claim: "
                 "decided as an ordinary return")
    return _ordinary(ctx, i, item)


def _claim(ctx: _Ctx, i: int, item: CaseItem, damaged: bool) -> ItemDecision:
    ins = item.inspection
    p = ctx.policy
    carrier = damaged and ins.damage_cause is DamageCause.SHIPPING
    disposition = GRADE_DISPOSITION[ins.grade]
    requested = item.requested
    if requested is RequestedResolution.EXCHANGE:
        if item.exchange_in_stock:
            ctx.note(item, i, "claim_exchange", f"exchange requested, size "
                     f"{item.exchange_size} in stock: replacement in that size at no cost")
            return _item(item, Resolution.REPLACEMENT, disposition=disposition,
                         is_claim=True, carrier_claim=carrier)
        ctx.note(item, i, "claim_exchange", f"exchange requested, size {item.exchange_size} "
                 "out of stock: full claim refund instead")
        requested = RequestedResolution.REFUND
    if requested is RequestedResolution.REPLACEMENT:
        ctx.note(item, i, "claim_replacement", "expedited replacement at no cost")
        return _item(item, Resolution.REPLACEMENT, disposition=disposition, is_claim=True,
                     carrier_claim=carrier)
    if requested is RequestedResolution.REPAIR_CREDIT and damaged:
        credit = p.repair_credit[ins.damage_severity]
        ctx.note(item, i, "claim_repair_credit", f"repair credit for "
                 f"{ins.damage_severity.value} damage: {format_money(credit)}")
        return _item(item, Resolution.REPAIR_CREDIT, credit=credit, disposition=disposition,
                     is_claim=True, carrier_claim=carrier)
    amount = item.price_paid + item.tax
    parts = "price and tax"
    if not ctx.shipping_refunded and ctx.case.shipping_paid > 0:
        amount += ctx.case.shipping_paid
        ctx.shipping_refunded = True
        parts = f"price, tax and outbound shipping {format_money(ctx.case.shipping_paid)}"
    ctx.note(item, i, "claim_refund", f"full refund, no restocking fee: {parts} = "
             f"{format_money(amount)}")
    if carrier:
        ctx.note(item, i, "carrier_claim", "shipping damage: open a carrier claim (the "
                 "customer does not wait for it)")
    return _refund_or_store_credit(ctx, i, item, amount, ZERO, disposition, True, carrier)


def _ordinary(ctx: _Ctx, i: int, item: CaseItem) -> ItemDecision:
    ins = item.inspection
    p = ctx.policy
    if ins.grade not in (Grade.A, Grade.B) or ins.worn or ins.altered:
        flaws = [f"grade {ins.grade.value}"] if ins.grade not in (Grade.A, Grade.B) else []
        flaws += ["worn"] * ins.worn + ["altered"] * ins.altered
        ctx.note(item, i, "condition", f"{', '.join(flaws)}: not eligible for an ordinary "
                 "return; goes back to the customer unless an exception is approved (E: a "
                 "supervisor up to $250, a manager above)")
        return _item(item, Resolution.RETURN_TO_CUSTOMER,
                     disposition=Disposition.RETURN_TO_CUSTOMER)
    disposition = GRADE_DISPOSITION[ins.grade]
    in_refund = ctx.days <= p.refund_window_days
    if item.requested is RequestedResolution.EXCHANGE:
        if ctx.days > p.exchange_window_days:
            ctx.note(item, i, "exchange_window", f"{ctx.measured_to} {ctx.days} days after "
                     f"delivery, past the {p.exchange_window_days}-day exchange window: "
                     "goes back to the customer")
            return _item(item, Resolution.RETURN_TO_CUSTOMER,
                         disposition=Disposition.RETURN_TO_CUSTOMER)
        if item.exchange_in_stock:
            ctx.note(item, i, "exchange", f"{ctx.measured_to} {ctx.days} days after delivery "
                     f"(limit {p.exchange_window_days}): free exchange to size "
                     f"{item.exchange_size}, ships within {p.exchange_ship_hours} hours")
            return _item(item, Resolution.EXCHANGE, disposition=disposition)
        if not in_refund:
            ctx.note(item, i, "exchange_out_of_stock", f"size {item.exchange_size} out of "
                     f"stock and the {p.refund_window_days}-day refund window closed "
                     f"({ctx.days} days): hold for a supervisor to settle")
            return _item(item, Resolution.HOLD, disposition=Disposition.HOLD,
                         approval=ApprovalLevel.SUPERVISOR)
        ctx.note(item, i, "exchange_out_of_stock", f"size {item.exchange_size} out of stock, "
                 f"refund window open ({ctx.days} of {p.refund_window_days} days): refunded")
    elif not in_refund:
        ctx.note(item, i, "refund_window", f"{ctx.measured_to} {ctx.days} days after delivery, "
                 f"past the {p.refund_window_days}-day refund window: goes back to the "
                 "customer (staff may offer an exchange by exception)")
        return _item(item, Resolution.RETURN_TO_CUSTOMER,
                     disposition=Disposition.RETURN_TO_CUSTOMER)
    else:
        if item.requested is not RequestedResolution.REFUND:
            ctx.note(item, i, "not_a_claim", f"{item.requested.value.replace('_', ' ')} is "
                     "only for damage claims: decided as a refund request")
        ctx.note(item, i, "refund_window", f"{ctx.measured_to} {ctx.days} days after "
                 f"delivery (limit {p.refund_window_days})")
    fee_rate = p.restocking_fee_clearance if item.clearance else p.restocking_fee_regular
    fee = min(fee_rate, item.price_paid)
    amount = item.price_paid + item.tax - fee
    fee_text = (f" less restocking fee {format_money(fee)}" if fee > 0 else "")
    ctx.note(item, i, "refund_amount", f"refund price {format_money(item.price_paid)} + tax "
             f"{format_money(item.tax)}{fee_text} = {format_money(amount)}")
    return _refund_or_store_credit(ctx, i, item, amount, fee, disposition, False, False)


def _refund_or_store_credit(ctx: _Ctx, i: int, item: CaseItem, amount: Decimal, fee: Decimal,
                            disposition: Disposition, is_claim: bool,
                            carrier: bool) -> ItemDecision:
    if ctx.case.tier in ctx.policy.store_credit_tiers:
        ctx.note(item, i, "store_credit", f"{ctx.case.tier.value} customer: expedited as "
                 f"store credit of {format_money(amount)}, issued now")
        return _item(item, Resolution.STORE_CREDIT, credit=amount, fee=fee,
                     disposition=disposition, is_claim=is_claim, carrier_claim=carrier)
    return _item(item, Resolution.REFUND, refund=amount, fee=fee, disposition=disposition,
                 is_claim=is_claim, carrier_claim=carrier)


def _item(item: CaseItem, resolution: Resolution, *, disposition: Disposition,
          refund: Decimal = ZERO, fee: Decimal = ZERO, credit: Decimal = ZERO,
          approval: ApprovalLevel | None = None, is_claim: bool = False,
          carrier_claim: bool = False) -> ItemDecision:
    return ItemDecision(item.sku, resolution, refund, fee, credit, disposition, approval,
                        is_claim, carrier_claim)


def _approval(ctx: _Ctx, items: tuple[ItemDecision, ...], counted: Decimal,
              before: Decimal) -> tuple[ApprovalLevel | None, str | None]:
    """The $250 test is the RMA's (clarification 9): what these units add, with what its
    other units were given before, whatever grouping of Enters brought them here."""
    threshold = ctx.policy.refund_threshold
    if counted > 0 and counted + before > threshold:
        parts = (f" ({format_money(counted)} now + {format_money(before)} decided before)"
                 if before > 0 else "")
        reason = (f"refunds of {format_money(counted + before)} on this RMA{parts} exceed "
                  f"{format_money(threshold)}: an operations manager approves")
        ctx.trace.append(TraceStep("approval_threshold", reason))
        return ApprovalLevel.MANAGER, reason
    if any(d.approval is ApprovalLevel.SUPERVISOR for d in items):
        reason = "an item is on hold: a supervisor settles it"
        ctx.trace.append(TraceStep("approval_hold", reason))
        return ApprovalLevel.SUPERVISOR, reason
    return None, None


def _due_dates(case: Case, policy: Policy, items: tuple[ItemDecision, ...]) -> Due:
    tz, holidays = policy.timezone, policy.holidays
    received = local_date(case.received, tz)
    inspected = local_date(case.inspected, tz)
    refunds = any(d.resolution is Resolution.REFUND for d in items)
    credits = any(d.resolution is Resolution.STORE_CREDIT for d in items)
    refund_due = None
    if refunds:
        refund_due = add_business_days(inspected, policy.refund_due_business_days, holidays)
    elif credits:
        refund_due = inspected
    ships = any(d.resolution in (Resolution.EXCHANGE, Resolution.REPLACEMENT) for d in items)
    claims = any(d.is_claim and d.resolution is not Resolution.PHOTOS_REQUIRED for d in items)
    return Due(
        inspection=add_business_days(received, policy.inspection_business_days, holidays),
        refund=refund_due,
        exchange_ship=hours_later_local_date(case.received, policy.exchange_ship_hours, tz)
        if ships else None,
        claim_resolution=hours_later_local_date(case.received, policy.claim_resolution_hours,
                                                tz) if claims else None,
    )
