"""Hypothesis property tests for the four invariants of POLICY.md, over both brands."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from app.domain.enums import (
    CustomerTier,
    DamageCause,
    DamageSeverity,
    Grade,
    RequestedResolution,
    ReturnReason,
)
from app.policy.case import parse_case
from app.policy.contract import decision_to_json
from app.policy.engine import decide
from app.policy.rules import load_policy

POLICIES = [load_policy("kissprom"), load_policy("stacees")]
CLAIM_CAUSES = (DamageCause.SHIPPING, DamageCause.MANUFACTURING)

money_st = st.integers(min_value=0, max_value=80000).map(lambda c: f"{Decimal(c) / 100:.2f}")


@st.composite
def items(draw: st.DrawFn) -> dict[str, Any]:
    requested = draw(st.sampled_from(list(RequestedResolution)))
    in_stock = draw(st.booleans()) if requested is RequestedResolution.EXCHANGE \
        else draw(st.one_of(st.none(), st.booleans()))
    return {
        "sku": draw(st.from_regex(r"[A-Z]{2}-[0-9]{4}", fullmatch=True)),
        "price_paid": draw(money_st), "msrp": draw(money_st),
        "tax": draw(st.integers(0, 6000).map(lambda c: f"{Decimal(c) / 100:.2f}")),
        "clearance": draw(st.booleans()),
        "reason": draw(st.sampled_from(list(ReturnReason))).value,
        "requested": requested.value,
        "exchange_size": draw(st.sampled_from([None, "4", "8"])),
        "exchange_in_stock": in_stock,
        "inspection": {
            "grade": draw(st.sampled_from(list(Grade))).value,
            "worn": draw(st.booleans()), "altered": draw(st.booleans()),
            "tags_attached": draw(st.booleans()),
            "damage_severity": draw(st.sampled_from(list(DamageSeverity))).value,
            "damage_cause": draw(st.one_of(st.none(), st.sampled_from(list(DamageCause))
                                           .map(lambda c: c.value))),
            "photos": draw(st.integers(0, 4)),
            "matches_order": draw(st.booleans()),
        },
    }


@st.composite
def cases(draw: st.DrawFn) -> dict[str, Any]:
    delivered = draw(st.dates(dt.date(2026, 1, 1), dt.date(2026, 12, 1)))
    received = dt.datetime.combine(delivered, dt.time(8), tzinfo=dt.UTC) + dt.timedelta(
        hours=draw(st.integers(0, 24 * 50)))
    # A possible case: shipped back on or after delivery, on or before the receipt.
    shipped = draw(st.one_of(st.none(), st.integers(0, (received.date() - delivered).days)
                             .map(lambda d: (delivered + dt.timedelta(days=d)).isoformat())))
    return {
        "order": {"number": "KP-1", "delivered": delivered.isoformat(),
                  "tier": draw(st.sampled_from(list(CustomerTier))).value,
                  "shipping_paid": draw(st.sampled_from(["0.00", "6.95", "12.95"]))},
        "rma": {"number": "RMA-2026-000001-8", "shipped_by_customer": shipped},
        "received": received.isoformat(),
        "items": draw(st.lists(items(), min_size=1, max_size=4)),
    }


def _is_claim(it: dict[str, Any]) -> bool:
    ins = it["inspection"]
    if ins["damage_severity"] == "none":
        return False
    if ins["damage_cause"] in ("shipping", "manufacturing"):
        return True
    return it["reason"] in ("quality_defect", "shipping_damage") and \
        ins["damage_cause"] != "customer"


@settings(max_examples=300, deadline=None)
@given(cases(), st.sampled_from(POLICIES))
def test_refund_never_exceeds_price_tax_and_shipping(data: dict[str, Any], policy) -> None:  # type: ignore[no-untyped-def]
    case = parse_case(data)
    decision = decide(case, policy)
    shipping = case.shipping_paid
    for inp, out in zip(case.items, decision.items, strict=True):
        paid_out = out.refund + (out.credit if out.resolution.value == "store_credit" else 0)
        assert 0 <= paid_out <= inp.price_paid + inp.tax + shipping
    claimed_shipping = sum(
        (o.refund + o.credit - i.price_paid - i.tax + o.restocking_fee
         for i, o in zip(case.items, decision.items, strict=True)
         if o.resolution.value in ("refund", "store_credit")), Decimal(0))
    assert claimed_shipping <= shipping  # outbound shipping refunded at most once per RMA


@settings(max_examples=200, deadline=None)
@given(cases(), st.sampled_from(POLICIES))
def test_same_inputs_same_decision(data: dict[str, Any], policy) -> None:  # type: ignore[no-untyped-def]
    first = decision_to_json(decide(parse_case(data), policy))
    again = decision_to_json(decide(parse_case(data), policy))
    assert first == again


@settings(max_examples=300, deadline=None)
@given(cases(), st.sampled_from(POLICIES))
def test_no_refund_without_the_approval_it_needs(data: dict[str, Any], policy) -> None:  # type: ignore[no-untyped-def]
    decision = decide(parse_case(data), policy)
    counted = decision.refund_total + sum(
        (d.credit for d in decision.items if d.resolution.value == "store_credit"), Decimal(0))
    if counted > policy.refund_threshold:
        assert decision.approval is not None and decision.approval.value == "manager"
    if any(d.resolution.value == "hold" for d in decision.items):
        assert decision.approval is not None


@settings(max_examples=300, deadline=None)
@given(cases(), st.sampled_from(POLICIES))
def test_no_claim_decided_without_its_photos(data: dict[str, Any], policy) -> None:  # type: ignore[no-untyped-def]
    decision = decide(parse_case(data), policy)
    for it, out in zip(data["items"], decision.items, strict=True):
        ins = it["inspection"]
        if ins["grade"] == "X" or not ins["matches_order"]:
            continue
        if _is_claim(it) and it["reason"] != "wrong_item_sent" \
                and ins["photos"] < policy.claim_min_photos:
            assert out.resolution.value == "photos_required"
            assert out.refund == 0 and out.credit == 0
